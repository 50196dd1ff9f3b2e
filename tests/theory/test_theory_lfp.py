"""LFP weights and the FP-norm interpolant (papers.md §3.3, T16)."""

import math

import numpy as np
import pytest
import torch
from scipy.interpolate import CubicSpline

from simbias.errors import InputError
from simbias.theory import (fp_norm_interpolant, lfp_crossover_frequency, lfp_decay_rates, lfp_gamma2, linear_interpolant,
                            natural_cubic_spline)

# the five points of T15
X = np.array([-0.8, -0.6, -0.3, -0.06, 0.1])
Y = np.array([0.25, -0.25, -0.07, 0.15, -0.05])
INTERIOR = np.linspace(-0.8, 0.1, 301)


def test_fp_norm_xi4_is_natural_cubic_spline():
    # period 50 × span, ξ_max ≈ 444 cycles; measured max error 7.5e-4 (1.9e-3 at the default 20 × span)
    h = fp_norm_interpolant(X, Y, lambda xi: xi**-4.0, period=45.0, n_freq=20000)
    ref = CubicSpline(X, Y, bc_type="natural")(INTERIOR)
    err = np.abs(h(INTERIOR).numpy() - ref).max()
    assert err < 1e-3
    assert np.abs(h(X).numpy() - Y).max() < 1e-7  # interpolates (conditioning floor ~1e-8)
    assert np.abs(natural_cubic_spline(X, Y)(INTERIOR).numpy() - ref).max() < 1e-14


def test_fp_norm_xi2_is_linear_interpolant():
    h = fp_norm_interpolant(X, Y, lambda xi: xi**-2.0, period=45.0, n_freq=20000)  # measured 4.3e-4
    ref = np.interp(INTERIOR, X, Y)
    assert np.abs(h(INTERIOR).numpy() - ref).max() < 1e-3
    assert np.abs(linear_interpolant(X, Y)(INTERIOR).numpy() - ref).max() == 0.0
    # and it is far from the cubic spline: the two LFP limits are distinguishable
    cub = CubicSpline(X, Y, bc_type="natural")(INTERIOR)
    assert np.abs(h(INTERIOR).numpy() - cub).max() > 0.02


def test_fp_norm_default_and_ridge_and_h_ini():
    h = fp_norm_interpolant(torch.tensor(X), torch.tensor(Y), lambda xi: xi**-4.0)
    assert h.period == pytest.approx(20 * 0.9) and h.freqs.size == 2000
    out = h(torch.tensor(INTERIOR, dtype=torch.float32))
    assert out.dtype == torch.float32
    # authors' normal equations (EᵀE + ε W⁻¹) F = Eᵀ y on a small basis equal the push-through form
    L, J, eps = 9.0, 60, 1e-4
    hr = fp_norm_interpolant(X, Y, lambda xi: xi**-2.0, period=L, n_freq=J, eps=eps)
    f = np.arange(J) / L
    wf = f.copy()
    wf[0] = 0.1 * f[1]
    W = wf**-2.0
    W = W / W.max()
    c = 0.5 * (X[0] + X[-1])
    E = np.concatenate([np.cos(2 * np.pi * np.outer(X - c, f)), np.sin(2 * np.pi * np.outer(X - c, f[1:]))], 1)
    Wf = np.concatenate([W, W[1:]])
    F = np.linalg.solve(E.T @ E + eps * np.diag(1 / Wf), E.T @ Y)
    t = np.linspace(-1, 0.3, 7)
    Et = np.concatenate([np.cos(2 * np.pi * np.outer(t - c, f)), np.sin(2 * np.pi * np.outer(t - c, f[1:]))], 1)
    np.testing.assert_allclose(hr(t).numpy(), Et @ F, rtol=1e-7, atol=1e-9)
    # non-zero initial output: fits the residual and adds h_ini back
    hi = fp_norm_interpolant(X, Y, lambda xi: xi**-4.0, h_ini=lambda t: 0.3 * t)
    assert np.abs(hi(X).numpy() - Y).max() < 1e-7


def test_splines_extrapolate_as_minimisers():
    s = natural_cubic_spline(X, Y)
    lo = s(np.array([-1.0, -0.9])).numpy()
    slope = (lo[1] - lo[0]) / 0.1
    assert s(np.array([-1.2])).numpy()[0] == pytest.approx(lo[0] - 0.2 * slope)
    assert linear_interpolant(X, Y)(np.array([-5.0, 5.0])).numpy().tolist() == [Y[0], Y[-1]]


def test_lfp_gamma2_against_naive_formula():
    g = torch.Generator().manual_seed(0)
    w = torch.rand(1000, generator=g, dtype=torch.float64) * 6 - 3
    a = torch.rand(1000, generator=g, dtype=torch.float64) * 0.2 - 0.1
    xi = torch.tensor([0.5, 1.0, 3.0, 10.0], dtype=torch.float64)
    e3, e2, e1 = (w.abs() ** 3).mean().item(), (a**2).mean().item(), w.abs().mean().item()
    naive = [e3 / k**4 + 4 * math.pi**2 * e2 * e1 / k**2 for k in xi.tolist()]
    torch.testing.assert_close(lfp_gamma2(xi, w=w, a=a), torch.tensor(naive, dtype=torch.float64), rtol=1e-12, atol=0)
    torch.testing.assert_close(lfp_gamma2(xi, moments=(e3, e2, e1)), torch.tensor(naive, dtype=torch.float64), rtol=1e-12, atol=0)
    # exact 1-D constant m / (2B 16π⁴) with biases on [−B, B]
    exact = lfp_gamma2(xi, w=w, a=a, bias_range=4.0)
    torch.testing.assert_close(exact, torch.tensor(naive, dtype=torch.float64) * 1000 / (8 * 16 * math.pi**4), rtol=1e-12, atol=0)
    # general d: exponents d + 3 and d + 1, ξ given as vectors
    w3 = torch.randn(50, 3, generator=g, dtype=torch.float64)
    a3 = torch.randn(50, generator=g, dtype=torch.float64)
    xv = torch.tensor([[1.0, 2.0, 2.0]], dtype=torch.float64)  # ‖ξ‖ = 3
    n = w3.norm(dim=1)
    want = (n**3).mean() / 3**6 + 4 * math.pi**2 * (a3**2).mean() * n.mean() / 3**4
    torch.testing.assert_close(lfp_gamma2(xv, w=w3, a=a3)[0], want, rtol=1e-12, atol=0)
    # case A of T15 (large w, small a) is ξ⁻⁴-dominated at ξ ~ 1, case B the reverse
    wa, aa = torch.rand(1000, generator=g) * 6 - 3, torch.rand(1000, generator=g) * 0.2 - 0.1
    wb, ab = torch.rand(1000, generator=g) * 0.4 - 0.2, torch.rand(1000, generator=g) * 2 - 1
    one = torch.tensor([1.0])
    assert (wa.abs() ** 3).mean() > 10 * 4 * math.pi**2 * (aa**2).mean() * wa.abs().mean()
    assert (wb.abs() ** 3).mean() * 10 < 4 * math.pi**2 * (ab**2).mean() * wb.abs().mean()
    assert lfp_gamma2(one, w=wa, a=aa).item() > 0 and torch.isinf(lfp_gamma2(torch.tensor([0.0]), w=wa, a=aa)).all()


def test_decay_rates_and_bad_input():
    xi = torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64)
    r = lfp_decay_rates(xi, lambda k: k**-4.0, density=0.5)
    torch.testing.assert_close(r, 0.5 * xi**-4.0)
    assert torch.all(r[:-1] > r[1:])  # low frequencies relax first (F-Principle)
    torch.testing.assert_close(lfp_decay_rates(xi, xi**-2.0, 2.0), 2.0 * xi**-2.0)
    with pytest.raises(InputError, match="density"):
        lfp_decay_rates(xi, xi, 0.0)
    with pytest.raises(InputError, match="gamma2"):
        lfp_decay_rates(xi, torch.ones(2), 1.0)
    with pytest.raises(InputError):
        lfp_gamma2(xi)
    with pytest.raises(InputError, match="bias_range"):
        lfp_gamma2(xi, moments=(1.0, 1.0, 1.0), d=2, bias_range=1.0)
    with pytest.raises(InputError, match="repeated"):
        fp_norm_interpolant([0.0, 0.0, 1.0], [1.0, 2.0, 3.0], lambda k: k**-2.0)
    with pytest.raises(InputError, match="period"):
        fp_norm_interpolant(X, Y, lambda k: k**-2.0, period=0.5)
    with pytest.raises(InputError, match="gamma2"):
        fp_norm_interpolant(X, Y, lambda k: -(k**-2.0))


@pytest.mark.parametrize("d", [1, 3])
def test_lfp_crossover_frequency_is_where_the_two_terms_of_gamma2_meet(d):
    """At the crossover the ξ^(−d−3) term (E a² = 0) equals the ξ^(−d−1) term (E‖w‖³ = 0), in float64;
    below it the first term is larger, above it the second."""
    g = torch.Generator().manual_seed(0)
    w = torch.randn(500, d, generator=g, dtype=torch.float64) * 2.0
    a = torch.randn(500, generator=g, dtype=torch.float64) * 0.1
    xi = lfp_crossover_frequency(w=w, a=a)
    norm = w.norm(dim=1)
    e_w3, e_a2, e_w1 = float((norm**3).mean()), float((a**2).mean()), float(norm.mean())
    assert xi == pytest.approx(math.sqrt(e_w3 / (4 * math.pi**2 * e_a2 * e_w1)), rel=1e-14)
    assert lfp_crossover_frequency(moments=(e_w3, e_a2, e_w1)) == pytest.approx(xi, rel=1e-14)
    first = lambda f: float(lfp_gamma2([f], moments=(e_w3, 0.0, e_w1), d=d)[0])  # noqa: E731
    second = lambda f: float(lfp_gamma2([f], moments=(0.0, e_a2, e_w1), d=d)[0])  # noqa: E731
    assert first(xi) == pytest.approx(second(xi), rel=1e-12)
    assert first(0.5 * xi) > second(0.5 * xi) and first(2 * xi) < second(2 * xi)
    assert lfp_crossover_frequency(w=w, a=torch.zeros(500, dtype=torch.float64)) == math.inf
    with pytest.raises(InputError, match="w, a"):
        lfp_crossover_frequency(w=w)
    with pytest.raises(InputError, match="lfp_crossover_frequency"):
        lfp_crossover_frequency()
