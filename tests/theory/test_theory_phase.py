"""Phase-diagram coordinates, regimes, RD-vs-width slope, activation multiplicity (T0.5–T0.7)."""

import math

import numpy as np
import pytest
import torch

from simbias.errors import InputError
from simbias.nn import x2tanh, xtanh
from simbias.theory import (
    activation_multiplicity,
    condensation_directions,
    phase_coordinates,
    phase_regime,
    phase_scales,
    two_layer_scales,
    width_slope,
)

M, D = 10**6, 10
LOGM = math.log(M)


# --- T0.5 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn, p",
    [(torch.tanh, 1), (xtanh, 2), (x2tanh, 3), (torch.sigmoid, 1), (torch.sin, 1), (torch.cos, 2), (lambda x: x**4, 4)],
)
def test_multiplicity(fn, p):
    assert activation_multiplicity(fn) == p


def test_multiplicity_relu_and_bad_input():
    with pytest.raises(InputError, match="ReLU"):
        activation_multiplicity(torch.relu)
    with pytest.raises(InputError, match="max_order"):
        activation_multiplicity(torch.tanh, max_order=0)
    with pytest.raises(InputError):
        activation_multiplicity("tanh")
    # x^4 is found only when max_order reaches 4
    with pytest.raises(InputError):
        activation_multiplicity(lambda x: x**4, max_order=3)


# --- T0.6 -------------------------------------------------------------------------------------
def test_phase_coordinates_presets():
    half_logd = 0.5 * math.log(D) / LOGM  # LeCun/He correction from β₂ = 1/√d
    expected = {
        "ntk": (0.5, 0.0),
        "mean_field": (1.0, 0.0),
        "lecun": (0.5 + half_logd, 0.5 - half_logd),
        "he": (0.5 + half_logd - math.log(2) / LOGM, 0.5 - half_logd),
    }
    for name, (g, gp) in expected.items():
        got = phase_coordinates(*two_layer_scales(name, M, D), M)
        assert got == pytest.approx((g, gp), abs=1e-12), name
    # the papers' limits (Table 1) within the log d / log m and log 2 / log m corrections
    limits = {"ntk": (0.5, 0), "mean_field": (1, 0), "lecun": (0.5, 0.5), "he": (0.5, 0.5), "xavier": (1, 0)}
    for name, lim in limits.items():
        got = phase_coordinates(*two_layer_scales(name, M, D), M)
        assert got == pytest.approx(lim, abs=0.1), name
    g, gp = phase_coordinates(*two_layer_scales("xavier", M, D), M)
    assert g == pytest.approx(1 - math.log(2) / LOGM, abs=1e-5) and abs(gp) < 1e-5


@pytest.mark.parametrize("t", [0.1, 0.25, 0.5, 1.0, 2.0])
def test_power_convention_gives_2t_0(t):
    for m in (1000, M):
        g, gp = phase_coordinates(*two_layer_scales("power", m, D, t=t), m)
        assert g == pytest.approx(2 * t, abs=1e-12) and gp == pytest.approx(0.0, abs=1e-12)


def test_phase_scales_roundtrip():
    for g, gp, e1 in [(0.5, 0.0, 0.0), (1.75, -0.3, 0.2), (1.0, 0.4, -1.5)]:
        a, b1, b2 = phase_scales(g, gp, 5000, beta1_exp=e1)
        assert phase_coordinates(a, b1, b2, 5000) == pytest.approx((g, gp), abs=1e-12)
    assert phase_scales(1.75, 0.0, 100) == pytest.approx((100**1.75, 1.0, 1.0))


def test_phase_regime_either_side_of_boundary():
    eps = 0.01
    cases = {
        (0.5, 0.0): "linear",  # NTK
        (0.5, 0.5): "linear",  # LeCun
        (1.0, 0.0): "critical",  # mean-field / Xavier
        (1.0, -1.0): "critical",
        (1 - eps, -1.0): "linear",
        (1 + eps, -1.0): "condensed",
        (2.0, 0.0): "condensed",  # σ = m^-1 tutorial
        (1.5, 0.5): "critical",  # on γ′ = γ − 1
        (1.5, 0.5 + eps): "linear",
        (1.5, 0.5 - eps): "condensed",
        (1.2, 0.3): "linear",
    }
    for (g, gp), label in cases.items():
        assert phase_regime(g, gp) == label, (g, gp)
    assert phase_regime(1.05, 0.0, tol=0.1) == "critical"
    assert phase_regime(*phase_coordinates(*two_layer_scales("power", 1000, 1, t=0.5), 1000)) == "critical"
    with pytest.raises(InputError):
        phase_regime(float("nan"), 0.0)


def test_phase_bad_input():
    with pytest.raises(InputError, match="width"):
        phase_coordinates(1.0, 1.0, 1.0, 1)
    with pytest.raises(InputError, match="beta1"):
        phase_coordinates(1.0, -1.0, 1.0, 100)
    with pytest.raises(InputError, match="preset"):
        two_layer_scales("glorot", 100, 1)
    with pytest.raises(InputError, match="t"):
        two_layer_scales("power", 100, 1)
    with pytest.raises(InputError, match="width"):
        two_layer_scales("ntk", 0, 1)


# --- T0.7 (slope part; RD itself is in tests/condensation) -----------------------------------------
@pytest.mark.parametrize("s", [-0.506, 0.0, 0.372, 1.5])
def test_width_slope_recovers_exponent(s):
    widths = np.array([1000, 5000, 10000, 20000, 40000])
    assert width_slope(widths, 3.7 * widths**s) == pytest.approx(s, abs=1e-12)
    noisy = 3.7 * widths**s * np.exp(np.array([0.01, -0.02, 0.0, 0.02, -0.01]))
    assert width_slope(widths, noisy) == pytest.approx(np.polyfit(np.log(widths), np.log(noisy), 1)[0], abs=1e-12)


def test_width_slope_needs_three_widths():
    with pytest.raises(InputError, match="≥ 3 widths"):
        width_slope([1000, 2000], [0.1, 0.05])
    with pytest.raises(InputError, match="rd"):
        width_slope([1000, 2000, 4000], [0.1, 0.0, 0.05])
    with pytest.raises(InputError, match="rd"):
        width_slope([1000, 2000, 4000], [0.1, 0.05])
    with pytest.raises(InputError, match="different"):
        width_slope([1000, 1000, 1000], [0.1, 0.2, 0.3])


@pytest.mark.parametrize("bias", [True, False])
def test_condensation_directions_are_the_flow_fixed_points(bias):
    """p = 1: the normalised Σ y_i x̃_i; p = 2: eigenvectors of M = Σ y_i x̃_i x̃_iᵀ for its largest and
    smallest eigenvalue (float64, written out); p ≥ 3 or unknown: no closed form."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(30, 3, generator=g, dtype=torch.float64)
    y = torch.randn(30, 1, generator=g, dtype=torch.float64)
    xt = torch.cat([x, torch.ones(30, 1, dtype=torch.float64)], 1) if bias else x
    v = condensation_directions(x, y, 1, bias=bias)
    assert v.shape == (1, xt.shape[1])
    torch.testing.assert_close(v[0], (y[:, 0, None] * xt).sum(0) / (y[:, 0, None] * xt).sum(0).norm())
    d = condensation_directions(x, y[:, 0], 2, bias=bias)
    M = (xt.T * y[:, 0]) @ xt
    lam = torch.linalg.eigvalsh(M)
    for row, l in zip(d, (lam[-1], lam[0])):
        torch.testing.assert_close(M @ row, l * row)       # eigenvectors of the largest / smallest eigenvalue
        assert float(row.norm()) == pytest.approx(1.0)
    assert condensation_directions(x, y, 3, bias=bias) is None and condensation_directions(x, y, None) is None
    with pytest.raises(InputError, match="x, y"):
        condensation_directions(x, y[:5], 1)
