"""Condensation of two-layer nets (papers.md T20, T21, T22) through the experiment layer.

Thresholds are the ones of papers.md §9 (marked "our threshold" there); seeds are fixed.
"""

import dataclasses
import math

import numpy as np
import pytest
import torch

from simbias import condensation as cond
from simbias.errors import InputError
from simbias.experiments import from_dict, resolve_spec, run, run_members, to_dict
from simbias.experiments._condensation import Condensation1DSpec
from simbias.experiments._kind import get_kind
from simbias.train import lockstep_key

from helpers import REL

pytestmark = pytest.mark.numerics  # science thresholds: rerun under other CPU kernels in CI


def _with(spec, **sections):
    """Replace fields of spec sections: _with(spec, train={"steps": 100})."""
    changes = {k: dataclasses.replace(getattr(spec, k), **v) for k, v in sections.items()}
    return dataclasses.replace(spec, **changes)


def _features(h, i):
    t = lambda k: torch.as_tensor(h[k][i], dtype=torch.float64)  # noqa: E731
    return cond.neuron_features(t("param_w"), t("param_b"), t("param_a"))


@pytest.fixture(scope="module")
def tutorial_pair():
    """The tutorial's 4-point example (T20) at t = 0.1 (linear) and t = 1 (condensed), trained
    together as one sweep bucket (fit_ensemble), 10 000 GD steps, lr = auto capped at 0.05."""
    base, _ = resolve_spec("condensation-1d")
    specs = [_with(base, model={"init_t": t}) for t in (0.1, 1.0)]
    results = run_members(specs)
    assert all(str(r.outcome) == "completed" for r in results)
    return {t: r.result for t, r in zip((0.1, 1.0), results)}


def test_t20_condensed_run_sits_on_few_orientations_and_interpolates_linearly(tutorial_pair):
    s = tutorial_pair[1.0].summary
    assert s["regime"] == "condensed" and s["gamma"] == pytest.approx(2.0)
    assert s["rd"] > 1.0                                   # T20: RD > 1 (research: 14.2)
    assert s["n_orientations"] <= 4                        # ≥ 90 % of Σ A within 0.1 rad of ≤ 4 orientations
    assert s["amplitude_share"] >= 0.9
    assert s["max_dev_linear"] < 0.01                      # output ≈ piecewise linear between the points
    # the two orientations are the target's kinks ReLU(∓x − 1/3): (w, b) ∝ (∓0.95, −0.32)
    kinks = sorted([math.atan2(-1 / 3, -1.0), math.atan2(-1 / 3, 1.0)])
    assert sorted(s["orientations"]) == pytest.approx(kinks, abs=0.05)
    assert s["final_train_loss"] < 1e-5


def test_t22_merging_the_condensed_net_keeps_its_output(tutorial_pair):
    s = tutorial_pair[1.0].summary
    assert s["merged_rel_error"] < 0.01                    # T22: merging within 0.05 rad changes the output < 1 %
    assert s["merged_width"] < 100                         # 1000 neurons → a few dozen orientations
    assert s["compressed_width"] <= 10 and s["compressed_rel_error"] <= 0.01


def test_t20_linear_run_barely_moves(tutorial_pair):
    r = tutorial_pair[0.1]
    s, h = r.summary, r.history
    assert s["regime"] == "linear"
    assert s["rd"] < 0.1                                   # T20: RD < 0.1
    assert s["final_train_loss"] < 1e-8                    # the NTK rate converges (a fixed 0.05 diverges here)
    f0, f1 = _features(h, 0), _features(h, -1)
    rel_amp = float((f1.amplitude - f0.amplitude).norm() / f0.amplitude.norm())
    dtheta = torch.remainder(f1.orientation - f0.orientation + math.pi, 2 * math.pi) - math.pi
    assert rel_amp < 0.1 and float(dtheta.abs().median()) < 0.05   # the scatter is almost unchanged
    assert s["n_orientations"] > 20                        # no condensation


def test_ensemble_member_equals_the_single_run():
    """A plain member (no backtrack, no stop_loss_ratio) is one Fit: a sweep of the init scale trains
    as one fit_ensemble bucket, each member within the float32 tolerance of its own run."""
    base, _ = resolve_spec("condensation-1d")
    spec = _with(base, model={"width": 200, "init_t": 1.0}, train={"steps": 300}, problem={"n_test": 200})
    specs = [spec, dataclasses.replace(_with(spec, model={"init_t": 0.25}), seed=1), _with(spec, model={"init_t": 0.5})]
    members = run_members(specs)
    assert [m.bucket_size for m in members] == [3, 3, 3]
    assert all(str(m.outcome) == "completed" for m in members)
    for sp, m in zip(specs, members):
        single = run(sp)[0]
        for k in ("rd", "final_train_loss", "lr"):
            assert m.result.summary[k] == pytest.approx(single.summary[k], rel=REL[torch.float32], abs=1e-12), k
        w_m, w_s = m.result.history["param_w"][-1], single.history["param_w"][-1]
        assert np.abs(w_m - w_s).max() <= REL[torch.float32] * np.abs(w_s).max()


def test_backtrack_and_stop_ratio_members_train_alone_with_their_trainer():
    """train.backtrack restarts from the same initialisation with half the rate (a fixed lr 4 makes
    the loss rise at t = 1, research T20); such a member is not a lockstep job."""
    spec, _ = resolve_spec("condensation-1d", ["model.width=100", "train.steps=100", "problem.n_test=100",
                                               "train.lr=4.0", "train.backtrack=true", "model.init_t=0.5"])
    plan = get_kind("condensation-1d").build(spec, "cpu")
    assert plan.fits[0].trainer is not None and lockstep_key(plan.fits[0]) is None
    s = run(spec)[0].summary
    assert s["restarts"] >= 1 and s["lr"] == pytest.approx(4.0 / 2 ** s["restarts"])
    plain, _ = resolve_spec("condensation-1d", ["model.width=100", "train.lr=" + repr(s["lr"]), "train.steps=100",
                                                "problem.n_test=100", "model.init_t=0.5"])
    again = run(plain)[0].summary                          # the accepted rate from the start: the same run
    assert again["rd"] == s["rd"] and again["final_train_loss"] == s["final_train_loss"]


def test_spec_round_trips_and_rejects_bad_model_input():
    spec, _ = resolve_spec("condensation-1d", ["model.init_t=none", "model.alpha=2.0"])
    assert spec.model.t is None and spec.model.alpha == 2.0
    again = from_dict(Condensation1DSpec, to_dict(spec))
    assert again == spec
    for bad, key in ((["model.activation=swish"], "model.activation"), (["model.width=0"], "model.width"),
                     (["model.alpha=2.0"], "model.alpha"),
                     (["model.init_t=none", "model.beta1=-1.0"], "model.beta1"),
                     (["model.antisymmetric=true", "model.width=999"], "model.width"),
                     (["train.lr=fast"], "train.lr"), (["train.lr_max=0"], "train.lr_max")):
        with pytest.raises(InputError) as exc:
            resolve_spec("condensation-1d", bad)
        assert str(exc.value).startswith(key) and "\n" not in str(exc.value)


# --------------------------------------------------------------------------------------------
# initial condensation (T21)
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_t21_tanh_condenses_onto_one_line_in_the_initial_stage(seed):
    """E13 protocol (5-D, 80 points, width 50, std 50^-4, Adam 1e-3): after 50 steps (the initial
    stage; a second line appears around step 60 for seed 1) every neuron is on one line."""
    spec, _ = resolve_spec("condensation-initial", [f"seed={seed}", "train.steps=50"])
    s = run(spec)[0].summary
    assert s["multiplicity"] == 1 and s["max_orientations"] == 2
    assert s["n_orientations"] == 2 and s["n_lines"] == 1
    assert s["pair_fraction"] >= 0.9                       # T21: ≥ 90 % of pairs with |cos| ≥ 0.95
    assert s["claim_holds"]


def test_t21_xtanh_under_gradient_descent_grows_along_the_predicted_directions():
    """p = 2 with plain GD and small init, stopped at the end of the initial stage (loss at 97 %):
    the amplitude sits on ≤ 2p orientations, along ±v_max / ±v_min of M = Σ y_i x̃_i x̃_iᵀ (the
    leading-order flow dw_k/dt ∝ a_k M w_k).  Only the amplitude condenses: the neurons that did
    not grow keep their random directions (n_orientations_all stays large)."""
    spec, _ = resolve_spec("condensation-initial", [
        "model.activation=xtanh", "model.init_t=none", "model.beta1=0.001", "model.beta2=0.001",
        "train.optimizer=sgd", "train.lr=0.001", "train.steps=20000", "train.stop_loss_ratio=0.97",
        "record.snapshot_every=500"])
    s = run(spec)[0].summary
    assert s["multiplicity"] == 2 and s["max_orientations"] == 4
    assert s["loss_ratio"] < 0.97 and s["steps_done"] < 20000
    assert s["n_orientations"] <= 4 and s["claim_holds"]
    assert s["theory_alignment"] >= 0.9
    assert s["n_orientations_all"] > 20


def test_initial_summary_counts_multiplicity_from_the_registry():
    spec, _ = resolve_spec("condensation-initial", ["model.activation=relu", "train.steps=5"])
    s = run(spec)[0].summary
    assert s["multiplicity"] is None and s["claim_holds"] is None
    spec, _ = resolve_spec("condensation-initial", ["model.activation=x2tanh", "train.steps=5"])
    assert run(spec)[0].summary["max_orientations"] == 6
