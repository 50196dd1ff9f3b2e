"""Reproductions of the PDE side (papers.md §2.5, §4; T9, T23, T25; T24/T26 slow), CPU-sized, fixed seeds.

Convergence step of a peak = the first recorded step (or sweep) with Δ_F < 0.1; ``None`` (never
within the budget) counts as later than any step.
"""

import math

import numpy as np
import pytest
import torch

from simbias import train
from simbias.experiments import resolve_spec, run
from simbias.problems import discretize_1d, iteration_peak_errors, jacobi_poisson

pytestmark = pytest.mark.numerics  # science thresholds: rerun under other CPU kernels in CI


def later(step):
    return math.inf if step is None else step


def summary(preset, overrides=()):
    spec, _ = resolve_spec(preset, list(overrides))
    result, _ = run(spec)
    return spec, result


def test_t9_jacobi_high_first_network_low_first_hybrid_faster():
    """T9: Jacobi converges the top peak first, the network the lowest; network-then-Jacobi needs fewer sweeps."""
    spec, result = summary("jacobi-vs-dnn")
    s = result.summary
    assert len(s["frequencies"]) >= 2 and s["frequencies"] == sorted(s["frequencies"])
    assert set(s["converged_step"]) == {"jacobi", "network", "hybrid"}
    jac, net = s["converged_step"]["jacobi"], s["converged_step"]["network"]
    assert all(len(v) == len(s["frequencies"]) for v in s["converged_step"].values())
    assert jac[-1] is not None and later(jac[-1]) < later(jac[0]), jac  # Jacobi: highest peak first
    assert net[0] is not None and net[0] < later(net[-1]), net  # network: lowest peak first
    s2t = s["hybrid"]["sweeps_to_target"]
    # at least twice as fast (measured: 320 vs 5720 sweeps on AVX2 and on the default kernels; seeds 1, 2: 210, 2250)
    assert s2t["hybrid"] is not None and 2 * s2t["hybrid"] <= later(s2t["jacobi"]), s2t
    assert s2t["jacobi"] is not None  # the comparison is real: Jacobi from zero gets there within the budget
    assert set(s["rel_l2"]) == {"jacobi", "network", "hybrid"}
    assert s["threshold"] == 0.1 and s["hybrid"]["network_steps"] == spec.train.steps


def test_grid_probe_matches_iteration_peak_errors():
    """The network's Δ_F on the grid is the same number the Jacobi iterates are tracked with."""
    system = discretize_1d(jacobi_poisson(), 63)
    ref = system.solve()
    probe = train.GridPeakError(system.x[:, None], ref, values=True)
    model = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    static = probe.setup(model, None)
    vals = probe(train.RecordContext(0, model, None))
    with torch.no_grad():
        v = model(system.x[:, None])[:, 0]
    peaks, err = iteration_peak_errors(v[None], ref)
    assert static["peaks"].tolist() == peaks.tolist()
    torch.testing.assert_close(vals["peak_error"], err[0], rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(vals["grid_values"], v)
    assert float(vals["grid_rel_l2"]) == pytest.approx(float((v - ref).norm() / ref.norm()))


# T23 at a CPU budget: 300 + 20 points, 600 steps, lr 2e-3 with decay (≈ 25 s for both networks).
T23_FAST = ["train.steps=600", "train.n_interior=300", "train.n_boundary=20", "train.lr=2e-3", "train.lr_decay=3e-3",
            "record.every=100"]


def test_t23_mscale_solves_ritz_poisson_normal_net_stalls():
    """T23: under the Ritz loss the normal net stays at the zero function (|Ω|·MSE ≈ 1), the MscaleDNN error is
    at least 10× lower (measured ≈ 1000×) — with the learning-rate decay the preset ships."""
    spec, result = summary("mscale-poisson", T23_FAST)
    assert spec.problem.mu == pytest.approx(6 * math.pi) and spec.train.lr_decay > 0
    s = result.summary
    err = s["domain_mse"]
    assert set(err) == {"mscale", "normal"} and set(s["rel_l2"]) == {"mscale", "normal"}
    assert err["normal"] > 0.5 and s["rel_l2"]["normal"] > 0.9
    assert err["mscale"] < 0.05 and 10 * err["mscale"] < err["normal"], err
    # the decayed run does not drift back up at the end (the failure mode without decay)
    curve = result.history["mscale/domain_mse"]
    assert curve[-1] < 3 * curve.min(), curve


def test_t25_multiscale_scales_beat_all_ones():
    """T25: on the 1-D PB problem (λ = 20, μ = 50) scales 1…32 beat all-ones scales (measured ≈ 20×)."""
    _, result = summary("pb-1d", ["train.steps=300", "train.n_interior=300", "record.every=100"])
    rel = result.summary["rel_l2"]
    assert set(rel) == {"multiscale", "ones"}
    assert rel["ones"] > 0.5 and 5 * rel["multiscale"] < rel["ones"], rel


@pytest.mark.slow
def test_t23_full_preset():
    """T23 at the preset's size (1000 + 100 points, 2000 steps): MscaleDNN |Ω|·MSE < 0.01, normal net > 0.5."""
    _, result = summary("mscale-poisson")
    err = result.summary["domain_mse"]
    assert err["mscale"] < 0.01 and err["normal"] > 0.5, err


@pytest.mark.slow
def test_t24_mscale_fit():
    """T24: on exp(−x²) sin(70x²) the MscaleDNN beats the normal net of the same activation, and inside the
    MscaleDNN structure s2ReLU beats ReLU."""
    _, result = summary("mscale-fit")
    rel = result.summary["rel_l2"]
    assert rel["mscale"] < 0.2 * rel["normal"] and rel["mscale-s2relu"] < rel["mscale-relu"], rel


@pytest.mark.slow
def test_t26_multiscale_elliptic_cpu():
    """T26 (CPU version): the MscaleDNN's squared REL is far below the tanh DNN's (paper: 3.4e-6 vs 2.4e-2)."""
    _, result = summary("multiscale-elliptic")
    rel2 = result.summary["rel_squared"]
    assert rel2["mscale"] < 1e-3 and 10 * rel2["mscale"] < rel2["dnn"], rel2


@pytest.mark.slow
def test_annulus_mscale_beats_normal():
    _, result = summary("poisson-annulus")
    rel = result.summary["rel_l2"]
    assert 5 * rel["mscale"] < rel["normal"], rel
    assert np.isfinite(result.history["mscale/output_test"]).all()
