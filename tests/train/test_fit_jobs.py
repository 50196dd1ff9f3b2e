"""fit_jobs: lists of jobs, same-shape jobs in lockstep; its checkpoint state (histories, RNG) and resume.

Numbers: a job trained inside a lockstep group equals the same job trained alone through ``train.fit``
within the float32 tolerance table (batched and per-member kernels round differently across CPUs);
a resumed training equals the uninterrupted one bit for bit (the same computation run twice).
"""

import copy
import io
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from helpers import REL
from simbias import History
from simbias import nn as snn
from simbias import problems, train
from simbias.errors import InputError, Outcome
from simbias.train import Job, fit_jobs, lockstep_key
from simbias.train import _lockstep
from simbias.train._checkpoint import pack_history, rng_state, set_rng_state, unpack_history


def _problem(k: float, n: int = 16) -> problems.Regression:
    x = torch.linspace(-1, 1, n).unsqueeze(1)
    y = torch.sin(k * x)
    return problems.Regression(x, y, y, x, y)


def _job(seed: int, width: int = 8, *, k: float = 2.0, lr: float = 1e-2, steps: int = 30, **kw) -> Job:
    m = snn.MLP(1, [width], 1, activation="tanh", init="xavier", generator=torch.Generator().manual_seed(seed))
    return Job(m, _problem(k), "adam", lr, steps, train.Record(every=5, probes=(train.TrainLoss(),)), **kw)


def _calls(monkeypatch) -> list:
    """Which engine trained what: ("ensemble", members) or ("fit", 1), in order."""
    seen, real_e, real_f = [], _lockstep.fit_ensemble, _lockstep.fit

    def ens(models, *a, **kw):
        seen.append(("ensemble", len(models)))
        return real_e(models, *a, **kw)

    def one(*a, **kw):
        seen.append(("fit", 1))
        return real_f(*a, **kw)

    monkeypatch.setattr(_lockstep, "fit_ensemble", ens)
    monkeypatch.setattr(_lockstep, "fit", one)
    return seen


def _close(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape and np.max(np.abs(a - b)) <= REL[torch.float32] * np.max(np.abs(b))


def test_lockstep_key_holds_shapes_and_schedule_not_per_member_values():
    base = lockstep_key(_job(0))
    assert base is not None and lockstep_key(_job(1, k=3.0, lr=1e-3)) == base  # seed, data values, lr per member
    assert all(lockstep_key(j) != base for j in (_job(0, width=12), _job(0, steps=31), _job(0, name="b")))
    other_data = _job(0)
    other_data.problem = _problem(2.0, n=20)
    assert lockstep_key(other_data) != base
    assert lockstep_key(_job(0, trainer=lambda job, **kw: None)) is None  # a trainer of its own
    assert lockstep_key(_job(0, options={"batch_size": 4})) is None  # mini-batches
    assert lockstep_key(_job(0, options={"batch_size": 16})) == base  # a batch as large as the data is full batch
    sgd = _job(0)
    sgd.optimizer = "lbfgs"
    assert lockstep_key(sgd) is None  # no ensemble version


def test_same_shape_jobs_train_as_one_ensemble_and_equal_their_own_fit(monkeypatch):
    runs = [[_job(0, k=1.0), _job(1, width=12)], [_job(2, k=3.0, lr=5e-3)], [_job(3)]]
    alone = copy.deepcopy(runs)
    seen = _calls(monkeypatch)
    out = fit_jobs(runs)
    assert seen == [("ensemble", 3), ("fit", 1)]  # the three 8-wide first jobs together, then the 12-wide one
    assert [len(hs) for hs in out] == [2, 1, 1]
    for hs, jobs in zip(out, alone):
        for h, j in zip(hs, jobs):
            ref = train.fit(j.model, j.problem, j.optimizer, lr=j.lr, steps=j.steps, record=j.record)
            _close(h["train_loss"], ref["train_loss"])
            assert list(h.steps) == list(ref.steps) and not h.diverged


def test_without_lockstep_only_jobs_of_one_run_group(monkeypatch):
    seen = _calls(monkeypatch)
    fit_jobs([[_job(0), _job(1)], [_job(2), _job(3)]], lockstep=False)
    assert seen == [("ensemble", 2), ("ensemble", 2)]


def test_a_diverged_job_ends_its_run_and_not_its_group():
    runs = [[_job(0), _job(1, width=12)], [_job(2, lr=1e30), _job(3, width=12)]]
    (a1, a2), (b1, b2) = fit_jobs(runs)
    assert b1.diverged and b2 is None  # the diverged run trains no further job
    assert not a1.diverged and a2 is not None and not a2.diverged  # its group-mate and later job go on


def test_a_job_with_a_trainer_runs_through_it():
    called = []

    def trainer(job, *, progress, on_record):
        called.append(job.name)
        return train.fit(job.model, job.problem, job.optimizer, lr=job.lr, steps=job.steps, record=job.record)

    (h,), = fit_jobs([[_job(0, name="t", trainer=trainer)]])
    assert called == ["t"] and h.steps[-1] == 30


@pytest.mark.parametrize("kill_at", [1, 2, 4])
def test_resume_from_any_state_equals_the_uninterrupted_training_bitwise(kill_at):
    """Killed inside the ensemble group, at the group boundary and inside the later (mini-batch) job."""
    def runs():
        g = torch.Generator().manual_seed(5)
        return [[_job(0), _job(1, width=12, options={"batch_size": 4, "generator": g})], [_job(2)]]

    ref = [[h.to_npz_dict() for h in hs] for hs in fit_jobs(runs())]
    states = []

    def on_checkpoint(state):
        buf = io.BytesIO()
        torch.save(state, buf)  # the state survives torch.save/load(weights_only=True)
        states.append(buf.getvalue())
        if len(states) == kill_at:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit_jobs(runs(), checkpoint_every=10, on_checkpoint=on_checkpoint)
    state = torch.load(io.BytesIO(states[-1]), weights_only=True)
    got = fit_jobs(runs(), checkpoint_every=10, on_checkpoint=lambda s: None, resume=state)
    for hs, want in zip(got, ref):
        for h, w in zip(hs, want):
            d = h.to_npz_dict()
            assert sorted(d) == sorted(w) and all(np.array_equal(d[k], w[k]) for k in w)


def test_pack_history_round_trips_arrays_outcome_and_info():
    h = History(steps=np.arange(4), arrays={"loss": np.array([[4.0, 3, 2, 1], [1, 1, 1, 1]])})
    h.outcome, h.diverged_step, h.info = [Outcome("completed"), Outcome("diverged")], 3, {"note": "x"}
    buf = io.BytesIO()
    torch.save({"h": pack_history(h)}, buf)  # survives torch.save/load(weights_only=True)
    got = unpack_history(torch.load(io.BytesIO(buf.getvalue()), weights_only=True)["h"])
    assert np.array_equal(got.steps, h.steps) and np.array_equal(got["loss"], h["loss"])
    assert got.outcome == h.outcome and got.diverged_step == 3 and got.info == {"note": "x"}


def test_rng_state_restores_the_global_rng_and_every_generator_the_jobs_hold():
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
    jobs = [SimpleNamespace(options={"generator": g1}, problem=SimpleNamespace(sampler=g2, other=3)),
            SimpleNamespace(options={"generator": g1}, problem=None)]  # g1 counted once
    state = rng_state(jobs)
    assert len(state["generators"]) == 2
    first = [torch.rand(3), torch.rand(3, generator=g1), torch.rand(3, generator=g2)]
    set_rng_state(state, jobs)
    again = [torch.rand(3), torch.rand(3, generator=g1), torch.rand(3, generator=g2)]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    with pytest.raises(InputError, match="generators differ"):
        set_rng_state(state, jobs[1:])
