"""T10: parity is high-frequency (papers.md §1.6, §2.6, T10; author-code.md E10).

10 bits, 200 training inputs (without replacement), tanh 10-500-100-1, all parameters
N(0, 0.05²), Adam 5e-4, 1 000 full-batch steps.  Per seed: training accuracy 100 %, accuracy on
the 824 unseen inputs in [0.40, 0.60] (our band around chance), |F(π/2)| ≤ 0.3 of the parity's
unit peak.  Low band: the output's mean |F| over κ ∈ [0, π/4] ≥ 10× the parity's (0.0036),
asserted on the median of seeds 0–2 (papers.md §9: "assert on the median where noted"): the
ratio varies with the draw — measured 9.4, 11.5, 19.7 for seeds 0–2 (9.8, 20.4 for seeds 3–4).
"""

import pytest

import numpy as np

from simbias.experiments import resolve_spec, run

pytestmark = pytest.mark.numerics  # science thresholds: rerun under other CPU kernels in CI


def test_t10_parity_fits_training_bits_but_not_unseen_ones():
    ratios = []
    for seed in range(3):
        spec, _ = resolve_spec("parity", [f"seed={seed}"])
        s = run(spec)[0].summary
        assert s["train_accuracy"] == 1.0, s
        assert 0.40 <= s["test_accuracy"] <= 0.60, s
        assert s["n_test"] == 824
        assert s["peak_output"] <= 0.3 * s["peak_parity"], s
        assert s["peak_parity"] == 1.0 and s["low_band_parity"] < 0.004
        ratios.append(s["low_band_output"] / s["low_band_parity"])
    assert np.median(ratios) >= 10, ratios
