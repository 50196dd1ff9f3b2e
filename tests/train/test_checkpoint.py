"""Checkpoints: a run resumed from a checkpoint equals the uninterrupted run bit for bit."""

import numpy as np
import pytest
import torch

from simbias import nn as snn
from simbias import problems, train
from simbias.errors import InputError


def _problem(dtype=torch.float32):
    return problems.make_regression("sin(x) + sin(3*x)", n_train=48, n_test=80, dtype=dtype)


def _mlp(seed, dtype=torch.float32):
    return snn.MLP(1, [12, 12], 1, activation="tanh", generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _record(problem):  # a cheap schedule, a sparser snapshot schedule and log-spaced points
    return train.Record(every=3, log_points=7, snapshot_every=7, probes=train.default_probes(problem))


def _same(h1, h2):
    a, b = h1.to_npz_dict(), h2.to_npz_dict()
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert h1.outcome == h2.outcome and h1.diverged_step == h2.diverged_step


def _fit_run(problem, *, batch_size, steps, resume=None, every=None, sink=None):
    model = _mlp(0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(5)
    h = train.fit(model, problem, opt, steps=steps, batch_size=batch_size, generator=gen, record=_record(problem),
                  lr_decay=1e-3, checkpoint_every=every, on_checkpoint=None if sink is None else sink.append,
                  resume=resume)
    return h, model


@pytest.mark.parametrize("batch_size", [None, 20])
def test_fit_resume_is_bitwise(tmp_path, batch_size):
    problem = _problem()
    ref, ref_model = _fit_run(problem, batch_size=batch_size, steps=40)
    ckpts = []
    full, _ = _fit_run(problem, batch_size=batch_size, steps=40, every=15, sink=ckpts)
    _same(full, ref)  # emitting checkpoints changes nothing
    assert [c.step for c in ckpts] == [15, 30]
    for c in ckpts:  # through a file, loaded with weights_only=True
        c.save(tmp_path / "ck.pt")
        back = train.Checkpoint.load(tmp_path / "ck.pt")
        torch.manual_seed(123)  # a resumed process starts with other RNG states
        h, model = _fit_run(problem, batch_size=batch_size, steps=40, resume=back)
        _same(h, ref)
        for p, q in zip(model.parameters(), ref_model.parameters()):
            assert torch.equal(p, q)


def test_ensemble_resume_is_bitwise(tmp_path):
    problem = _problem()

    def run(resume=None, sink=None):
        models = [_mlp(s) for s in range(3)]
        ens = train.Ensemble(models)
        opt = train.make_ensemble_optimizer("sgd", ens, lr=[1e-2, 2e-2, 5e-3], momentum=0.9)
        h = train.fit_ensemble(ens, problem, opt, steps=30, record=_record(problem), lr_decay=1e-3,
                               checkpoint_every=None if sink is None else 10,
                               on_checkpoint=None if sink is None else sink.append, resume=resume)
        return h, ens

    ref, ref_ens = run()
    ckpts = []
    full, _ = run(sink=ckpts)
    _same(full, ref)
    assert [c.step for c in ckpts] == [10, 20]
    ckpts[-1].save(tmp_path / "e.pt")
    h, ens = run(resume=train.Checkpoint.load(tmp_path / "e.pt"))
    _same(h, ref)
    for k in ref_ens.params:
        assert torch.equal(ens.params[k], ref_ens.params[k])


def test_ensemble_resume_with_a_diverged_member():
    problem = _problem()

    def run(resume=None, sink=None):
        ens = train.Ensemble([_mlp(s) for s in range(2)])
        opt = train.make_ensemble_optimizer("sgd", ens, lr=[1e-2, 1e5])
        return train.fit_ensemble(ens, problem, opt, steps=24, record=train.Record(every=2, probes=(train.TrainLoss(),)),
                                  checkpoint_every=None if sink is None else 12,
                                  on_checkpoint=None if sink is None else sink.append, resume=resume)

    ref = run()
    assert [str(o) for o in ref.outcome] == ["completed", "diverged"] and ref.diverged_step[1] < 12
    ckpts = []
    run(sink=ckpts)
    _same(run(resume=ckpts[0]), ref)


def test_checkpoint_is_refused_by_the_wrong_run():
    problem = _problem()
    ckpts = []
    _fit_run(problem, batch_size=None, steps=20, every=10, sink=ckpts)
    with pytest.raises(InputError, match="resume"):
        _fit_run(problem, batch_size=None, steps=30, resume=ckpts[0])
    ens = train.Ensemble([_mlp(0), _mlp(1)])
    with pytest.raises(InputError, match="resume"):
        train.fit_ensemble(ens, problem, "adam", lr=1e-3, steps=20, resume=ckpts[0])
    with pytest.raises(InputError, match="on_checkpoint"):
        train.fit(_mlp(0), problem, "adam", lr=1e-3, steps=5, checkpoint_every=2)
