"""fit's cheap recording path: the update's own loss as ``train_loss``, deferred records, the CPU
divergence check — each must give the numbers the straightforward computation gives, bit for bit."""

import numpy as np
import pytest
import torch

from simbias import nn as snn
from simbias.problems import make_regression
from simbias.train import Checkpoint, PeakError, Record, RecordContext, TrainLoss, fit
from simbias.train._probes import _mse


def _setup(dtype=torch.float32, n=64, seed=0):
    problem = make_regression("sin(x) + sin(3*x)", n_train=n, dtype=dtype)
    model = snn.MLP(1, [16, 16], activation="tanh", init="std", init_std=0.5,
                    generator=torch.Generator().manual_seed(seed), dtype=dtype)
    return problem, model


def _same(h1, h2):
    a, b = h1.to_npz_dict(), h2.to_npz_dict()
    a.pop("wall_time_s", None), b.pop("wall_time_s", None)
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert h1.outcome == h2.outcome and h1.diverged_step == h2.diverged_step


class FreshTrainLoss:
    """TrainLoss computed from the step's output (never handed the engine's loss); not deferrable."""

    snapshot = False

    def setup(self, model, problem):
        return {}

    def __call__(self, ctx):
        fresh = RecordContext(ctx.step, ctx.model, ctx.problem, ctx.train_output)  # no train_loss handed over
        return {"fresh_loss": TrainLoss()(fresh)["train_loss"]}


class FirstWeightSum:
    """Reads the model itself (so it must run when the record is taken); not deferrable."""

    snapshot = False

    def setup(self, model, problem):
        return {}

    def __call__(self, ctx):
        return {"w_sum": ctx.model.layers[0].weight.detach().sum().clone()}


@pytest.mark.numerics
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(201, 1), (64, 3), (7, 5), (1000, 1), (1, 1)])
def test_full_mean_is_the_train_loss_reduction(dtype, shape):
    """fit's loss `((h - y)**2).mean()` and TrainLoss's `mean(dim=(-2, -1))` are the same reduction."""
    g = torch.Generator().manual_seed(sum(shape))
    out, y = torch.randn(shape, generator=g, dtype=dtype), torch.randn(shape, generator=g, dtype=dtype)
    a, b = ((out - y) ** 2).mean(), _mse(out, y)
    assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


@pytest.mark.numerics
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_train_loss_taken_from_the_update_equals_the_fresh_computation(dtype):
    problem, model = _setup(dtype)
    h = fit(model, problem, "adam", lr=1e-2, steps=40, record=Record(every=1, probes=(TrainLoss(), FreshTrainLoss())))
    assert h["train_loss"].dtype == h["fresh_loss"].dtype
    np.testing.assert_array_equal(h["train_loss"], h["fresh_loss"])
    # the per-step loss is the same number in float64
    np.testing.assert_array_equal(h["train_loss"][:-1].astype(np.float64), h["loss"])


@pytest.mark.numerics
@pytest.mark.parametrize("extra", [{}, {"lr_decay": 1e-3}, {"check_every": 7}])
def test_deferred_records_equal_records_taken_at_once(extra):
    """Without on_record the cheap probes run in batches after the fact; with it, at once: same History."""
    runs = []
    for watch in (None, lambda step, values: None):
        problem, model = _setup()
        runs.append(fit(model, problem, "adam", lr=1e-2, steps=150, on_record=watch,
                        record=Record(every=1, snapshot_every=20, probes=(TrainLoss(), PeakError())), **extra))
    _same(*runs)
    assert len(runs[0].steps) == 151


@pytest.mark.numerics
def test_a_probe_that_reads_the_model_is_not_deferred():
    """A probe without `deferrable` runs when its record is taken (deferred, it would read a later
    model): the run equals one where on_record forces every record to be taken at once."""
    runs = []
    for watch in (None, lambda step, values: None):
        problem, model = _setup()
        runs.append(fit(model, problem, "adam", lr=1e-2, steps=100, on_record=watch,
                        record=Record(every=1, probes=(PeakError(), FirstWeightSum()))))
    _same(*runs)
    assert len(np.unique(runs[0]["w_sum"])) > 90  # the model moved at every step


@pytest.mark.numerics
def test_checkpoint_between_records_resumes_bitwise():
    """A checkpoint mid-batch of deferred records holds every record before its step."""
    problem, model = _setup()
    saved = []
    rec = Record(every=1, probes=(TrainLoss(), PeakError()))
    full = fit(model, problem, "adam", lr=1e-2, steps=120, record=rec, checkpoint_every=37, on_checkpoint=saved.append)
    assert [c.step for c in saved] == [37, 74, 111]
    assert all(len(c.engine["records"]["peak_error"]) == c.step for c in saved)
    problem2, model2 = _setup()
    again = fit(model2, problem2, "adam", lr=1e-2, steps=120, record=rec,
                resume=Checkpoint.from_dict(saved[1].to_dict()))
    _same(full, again)


@pytest.mark.parametrize("check_every", [1, 7, 1000])
def test_divergence_is_named_with_its_first_step_whatever_the_check_interval(check_every):
    steps_seen = []
    problem, model = _setup(torch.float64)
    h = fit(model, problem, "sgd", lr=1e6, steps=60, check_every=check_every, on_step=steps_seen.append,
            record=Record(every=1, probes=(TrainLoss(), PeakError())))
    problem1, model1 = _setup(torch.float64)
    ref = fit(model1, problem1, "sgd", lr=1e6, steps=60, record=Record(every=1, probes=(TrainLoss(), PeakError())))
    assert h.diverged and h.diverged_step == ref.diverged_step and 0 < h.diverged_step < 60
    _same(h, ref)
    # training went on to the first check at or after the bad step, and stopped there
    bad = h.diverged_step
    assert steps_seen[-1] == min(60, -(-(bad + 1) // check_every) * check_every) - 2
    assert not np.isfinite(h.info["diverged_loss"])


def test_resume_between_a_bad_step_and_its_check():
    problem, model = _setup(torch.float64)
    saved = []
    h = fit(model, problem, "sgd", lr=1e6, steps=60, check_every=50, checkpoint_every=30, on_checkpoint=saved.append,
            record=Record(every=1, probes=(TrainLoss(),)))
    assert h.diverged and h.diverged_step < 30 and [c.step for c in saved] == [30]
    problem2, model2 = _setup(torch.float64)
    again = fit(model2, problem2, "sgd", lr=1e6, steps=60, check_every=50, record=Record(every=1, probes=(TrainLoss(),)),
                resume=saved[0])
    _same(h, again)
