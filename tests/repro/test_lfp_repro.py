"""Linear frequency principle (papers.md T15): a wide two-layer ReLU net in the linear regime
converges to the NTK/LFP prediction — the natural cubic spline for small output and large input
weights (case A), the linear interpolant for large output and small input weights (case B).

T16 (the FP-norm solver alone) is tested in tests/theory; here the network is trained.
"""

import dataclasses

import numpy as np
import pytest
import torch

from simbias.errors import InputError
from simbias.experiments import resolve_spec, run, run_members

from helpers import REL

pytestmark = pytest.mark.numerics  # science thresholds: rerun under other CPU kernels in CI

CASE_B = ["model.w_range=0.2", "model.b_range=1.0", "model.a_range=1.0", "train.momentum=0.9",
          "train.lr_factor=1.0", "train.steps=4000"]


def test_case_a_small_net_reaches_the_kernel_limit_near_the_cubic_spline():
    spec, _ = resolve_spec("lfp-1d", ["model.width=1000", "train.steps=1500"])
    r = run(spec)[0]
    s = r.summary
    assert s["final_train_loss"] < 1e-8
    assert s["rel_error_vs_ntk"] < 0.03                 # linear regime: the NTK kernel-regression limit
    assert s["closest"] in ("cubic", "lfp")
    assert s["rel_error_vs_cubic"] < 0.1                # T15 threshold
    assert s["rel_error_vs_lfp"] < s["rel_error_vs_linear"]
    assert s["lfp_vs_cubic"] < 0.05 and s["lfp_vs_linear"] > 0.2
    for k in ("lfp_grid", "lfp_network", "lfp_prediction", "lfp_cubic", "lfp_linear", "lfp_gamma2"):
        assert k in r.history.static


def test_sweep_members_train_in_lockstep_and_keep_the_lfp_curves():
    """Members that differ in seed and init ranges share one fit_ensemble bucket; each keeps its own
    NTK limit and LFP curves and equals its own run within the float64 tolerance (float64: heavy-ball
    momentum 0.99 near the stability edge amplifies float32 rounding to ~1e-5 within 100 steps)."""
    spec, _ = resolve_spec("lfp-1d", ["model.width=200", "train.steps=100", "analysis.n_grid=50", "dtype=float64"])
    specs = [spec, dataclasses.replace(spec, seed=1),
             dataclasses.replace(spec, model=dataclasses.replace(spec.model, a_range=0.5))]
    members = run_members(specs)
    assert [m.bucket_size for m in members] == [3, 3, 3] and all(str(m.outcome) == "completed" for m in members)
    for sp, m in zip(specs, members):
        single = run(sp)[0]
        for k in ("rel_error_vs_ntk", "rel_error_vs_lfp", "final_train_loss", "lr", "crossover_frequency"):
            assert m.result.summary[k] == pytest.approx(single.summary[k], rel=REL[torch.float64]), k
        a, b = m.result.history.static["lfp_network"], single.history.static["lfp_network"]
        assert np.abs(a - b).max() <= REL[torch.float64] * np.abs(b).max()
    assert members[0].result.summary["lr"] != members[2].result.summary["lr"]   # lr = auto per member


def test_bad_lfp_input():
    for bad, key in ((["model.w_range=0"], "model.w_range"), (["model.width=999"], "model.width"),
                     (["problem.y=[1.0, 2.0]"], "problem.y"), (["problem.x=[0.1, 0.1, 0.2, 0.3, 0.4]"], "problem.x")):
        with pytest.raises(InputError) as exc:
            resolve_spec("lfp-1d", bad)
        assert str(exc.value).startswith(key)


@pytest.mark.slow
def test_t15_case_a_cubic_spline():
    s = run(resolve_spec("lfp-1d")[0])[0].summary           # width 10 000, w, b ~ U(±3), a ~ U(±0.1)
    print(s)
    assert s["rel_error_vs_cubic"] < 0.1
    assert s["rel_error_vs_lfp"] < s["rel_error_vs_linear"]
    assert s["closest"] in ("cubic", "lfp")


@pytest.mark.slow
def test_t15_case_b_linear_interpolant():
    s = run(resolve_spec("lfp-1d", CASE_B)[0])[0].summary   # w ~ U(±0.2), b ~ U(±1), a ~ U(±1)
    print(s)
    assert s["rel_error_vs_linear"] < 0.1
    assert s["rel_error_vs_lfp"] < s["rel_error_vs_cubic"]
    assert s["closest"] in ("linear", "lfp")
