"""train_plan / train_plans: a plan's jobs of one lockstep key train as one ensemble, others alone.

Numbers: each job trained inside a group equals the same job trained alone through ``train.fit``
within the float32 tolerance table (batched and per-member kernels round differently on some CPUs).
"""

import copy

import numpy as np
import pytest
import torch

from helpers import REL
from simbias import nn as snn
from simbias import problems, train
from simbias.experiments._kind import Fit, Plan, train_plan, train_plans
from simbias.train import _lockstep


def _problem(k: float, n: int = 16) -> problems.Regression:
    x = torch.linspace(-1, 1, n).unsqueeze(1)
    y = torch.sin(k * x)
    return problems.Regression(x, y, y, x, y)


def _fit(seed: int, width: int = 8, *, k: float = 2.0, lr: float = 1e-2, steps: int = 30, model=None) -> Fit:
    m = model or snn.MLP(1, [width], 1, activation="tanh", init="xavier", generator=torch.Generator().manual_seed(seed))
    return Fit(m, _problem(k), "adam", lr, steps, train.Record(every=5, probes=(train.TrainLoss(),)))


def _stack(hs):
    return hs  # the test reads the jobs' histories themselves


class _Calls:
    def __init__(self, monkeypatch):
        self.ensembles, self.fits = [], 0
        real_e, real_f = train.fit_ensemble, train.fit

        def ens(models, *a, **kw):
            self.ensembles.append(len(models))
            return real_e(models, *a, **kw)

        def one(*a, **kw):
            self.fits += 1
            return real_f(*a, **kw)

        monkeypatch.setattr(_lockstep, "fit_ensemble", ens)
        monkeypatch.setattr(_lockstep, "fit", one)


def _close(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape and np.max(np.abs(a - b)) <= REL[torch.float32] * np.max(np.abs(b))


def test_same_key_jobs_of_a_plan_train_as_one_ensemble(monkeypatch):
    fits = [_fit(0, k=1.0), _fit(1, k=2.0, lr=5e-3), _fit(2, k=3.0), _fit(3, width=12)]
    alone = [copy.deepcopy(f) for f in fits]
    calls = _Calls(monkeypatch)
    hs = train_plan(Plan(fits, combine=_stack))
    assert calls.ensembles == [3] and calls.fits == 1  # three 8-wide nets together, the 12-wide one alone
    for f, h in zip(alone, hs):
        ref = train.fit(f.model, f.problem, f.optimizer, lr=f.lr, steps=f.steps, record=f.record)
        _close(h["train_loss"], ref["train_loss"])
        assert list(h.steps) == list(ref.steps) and not h.diverged


def test_jobs_sharing_a_model_train_alone_in_order(monkeypatch):
    net = snn.MLP(1, [8], 1, activation="tanh", init="xavier", generator=torch.Generator().manual_seed(0))
    calls = _Calls(monkeypatch)
    h1, h2 = train_plan(Plan([_fit(0, model=net), _fit(0, model=net)], combine=_stack))
    assert calls.ensembles == [] and calls.fits == 2
    assert h2["train_loss"][0] == pytest.approx(h1["train_loss"][-1], rel=1e-6)  # the second continues the first


def test_a_diverged_job_makes_the_plan_diverged(monkeypatch):
    fits = [_fit(0), _fit(1, lr=1e30)]
    joined = train_plan(Plan(fits, combine=lambda hs: hs[0]))  # a combine that drops the diverged job
    assert joined.diverged and joined.info.get("member") == 1


def test_train_plans_groups_jobs_across_members(monkeypatch):
    plans = lambda: [Plan([_fit(2 * i), _fit(2 * i + 1)], combine=_stack) for i in range(2)]  # noqa: E731
    calls = _Calls(monkeypatch)
    together = train_plans(plans())
    assert calls.ensembles == [4]
    calls.ensembles.clear()
    apart = train_plans(plans(), lockstep=False)
    assert calls.ensembles == [2, 2]  # each member as train_plan trains it
    for a, b in zip(together, apart):
        for ha, hb in zip(a, b):
            _close(ha["train_loss"], hb["train_loss"])


def test_sweep_progress_counts_member_steps():
    seen = []
    train_plans([Plan([_fit(0)], combine=_stack), Plan([_fit(1, width=12)], combine=_stack)], on_step=seen.append)
    assert sum(seen) == 2 * 30  # two members trained alone, one member-step per update
