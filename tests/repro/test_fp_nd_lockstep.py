"""Sweeps of the F-Principle-beyond-1-D kinds train in lockstep where members share shapes.

Two seeds of each kind (tiny settings, float32): every job of both members has the same
:func:`lockstep_key` (so a sweep trains them with one ``fit_ensemble`` call), and each member's
recorded arrays and summary equal its own single run within the float32 row of the tolerance
table (relative 1e-5 of each array's largest magnitude; the probes written for one member run
per member inside the ensemble).  Jobs the ensemble engine cannot take — cross-entropy,
``stop_loss`` (deep-fprinciple), gradient-free optimisers — say so with a ``None`` key.
"""

import math

import numpy as np
import pytest
import torch

from helpers import REL
from simbias.experiments import resolve_spec
from simbias.experiments._kind import get_kind, train_plan, train_plans
from simbias.train import lockstep_key

CASES = {
    "parity": ["problem.n_bits=6", "problem.n_train=20", "model.widths=[16]", "train.steps=20", "record.every=5",
               "record.snapshot_every=10"],
    "fprinciple-2d": ["problem.size=12", "problem.source=pattern", "model.widths=[8]", "train.steps=12",
                      "record.every=3", "record.n_bands=3", "record.snapshot_every=6"],
    "fprinciple-projection": ["train.loss=mse", "problem.n=80", "model.widths=[8]", "train.steps=6",
                              "record.snapshot_every=3", "record.n_k=21"],
    "fprinciple-filtering": ["train.loss=mse", "problem.n=80", "model.widths=[8]", "train.steps=6",
                             "record.snapshot_every=3", "record.deltas=[0.5, 2.0]"],
    "fprinciple-pso": ["train.optimizer=adam", "train.steps=12", "record.snapshot_every=6"],
}


def _specs(name, sets):
    return [resolve_spec(name, sets + [f"seed={s}"])[0] for s in (0, 1)]


def _close(a, b, what):
    if isinstance(a, dict):
        assert set(a) == set(b), what
        for k in a:
            if "wall_time" not in k:
                _close(a[k], b[k], f"{what}.{k}")
        return
    if isinstance(a, str) or a is None or (isinstance(a, list) and any(v is None for v in a)):
        assert a == b, what
        return
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, what
    scale = np.nanmax(np.abs(a)) if a.size and np.isfinite(a).any() else 0.0
    assert np.array_equal(np.isnan(a), np.isnan(b)), what
    assert np.nanmax(np.abs(a - b), initial=0.0) <= REL[torch.float32] * scale + 1e-30, what


@pytest.mark.parametrize("name", sorted(CASES))
def test_members_train_in_lockstep_and_equal_their_own_runs(name):
    kind = get_kind(name)
    specs = _specs(name, CASES[name])
    plans = [kind.build(s, "cpu") for s in specs]
    keys = [[lockstep_key(f) for f in p.fits] for p in plans]
    assert None not in keys[0] and keys[0] == keys[1]
    batched = train_plans(plans)
    for spec, hb in zip(specs, batched):
        plan = kind.build(spec, "cpu")
        ho = train_plan(plan)
        assert not hb.diverged and sorted(hb.arrays) == sorted(ho.arrays)
        np.testing.assert_array_equal(hb.steps, ho.steps)
        for k in ho.arrays:
            _close(hb[k], ho[k], k)
        _close(kind.summarize(spec, plan, hb), kind.summarize(spec, plan, ho), "summary")


@pytest.mark.parametrize("name,sets", [
    ("fprinciple-projection", ["problem.n=60", "model.widths=[4]", "train.steps=2"]),  # digits: cross-entropy
    ("fprinciple-filtering", ["problem.n=60", "model.widths=[4]", "train.steps=2", "record.deltas=[1.0]"]),
    ("deep-fprinciple", ["model.width=4", "model.depths=[1, 2]", "train.steps=4", "train.repeats=1"]),
    ("fprinciple-pso", ["train.steps=2", "train.particles=4"]),
])
def test_jobs_the_ensemble_engine_cannot_take_train_alone(name, sets):
    plan = get_kind(name).build(resolve_spec(name, sets)[0], "cpu")
    assert plan.fits and all(lockstep_key(f) is None for f in plan.fits)
    assert not math.isnan(float(train_plan(plan).steps[-1]))
