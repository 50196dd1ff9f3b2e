"""Classical solvers on the FD Poisson problem: Jacobi's mode-wise damping (T0.9), GS, multigrid, Δ_F tracking."""

import math

import pytest
import torch

from simbias.errors import InputError
from simbias.problems import (
    Manufactured, discretize_1d, fd_poisson_1d, first_converged, gauss_seidel, iteration_peak_errors, jacobi,
    jacobi_factor, jacobi_poisson, multigrid_v_cycle, sine_mode, sine_mode_errors, solution_peaks,
)


def poisson(n):
    return fd_poisson_1d(torch.zeros(n), 1.0 / (n + 1))


def test_system_matches_dense_matrix():
    n, h = 9, 0.1
    f = torch.linspace(0, 1, n, dtype=torch.float64)
    s = fd_poisson_1d(f, h, bc=(1.0, -2.0), lam=3.0)
    a = (2 * torch.eye(n) - torch.diag(torch.ones(n - 1), 1) - torch.diag(torch.ones(n - 1), -1)).double() / h**2
    a = a + 9 * torch.eye(n, dtype=torch.float64)
    torch.testing.assert_close(s.matrix(), a)
    u = torch.randn(3, n, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(s.apply(u), u @ a.T)
    b = f.clone()
    b[0] += 1 / h**2
    b[-1] += -2 / h**2
    torch.testing.assert_close(s.b, b)
    torch.testing.assert_close(s.apply(s.solve()), b, rtol=1e-12, atol=1e-9)


def test_sine_modes_are_orthogonal_coordinates():
    n = 50
    e = 2 * sine_mode(n, 3) - 0.5 * sine_mode(n, 17)
    c = sine_mode_errors(e)
    expected = torch.zeros(n, dtype=torch.float64)
    expected[2], expected[16] = 2, -0.5
    torch.testing.assert_close(c, expected, rtol=0, atol=1e-12)
    with pytest.raises(InputError, match="modes"):
        sine_mode_errors(e, [0])


def test_T0_9_jacobi_high_modes_first():
    """T0.9: n = 1000, 1000 sweeps: mode 24 keeps ≤ 0.06 of its size, mode 1 ≥ 0.99."""
    n = 1000
    s = poisson(n)
    e0 = sine_mode(n, 1) + sine_mode(n, 24) + sine_mode(n, 500)
    out = jacobi(s, e0, sweeps=1000, b=torch.zeros(n))  # error equation: A e = 0
    c = sine_mode_errors(out.u, [1, 24, 500])
    assert float(c[1]) <= 0.06 and float(c[0]) >= 0.99 and abs(float(c[2])) < 1e-12
    torch.testing.assert_close(c, jacobi_factor(n, [1, 24, 500]) ** 1000, rtol=1e-9, atol=1e-12)


def test_jacobi_modes_follow_theory_from_random_start():
    n = 63
    e0 = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    for omega in (1.0, 2 / 3):
        out = jacobi(poisson(n), e0, sweeps=25, b=torch.zeros(n), omega=omega)
        expected = sine_mode_errors(e0) * jacobi_factor(n, torch.arange(1, n + 1), omega) ** 25
        torch.testing.assert_close(sine_mode_errors(out.u), expected, rtol=1e-9, atol=1e-12)


def test_weighted_jacobi_damps_the_top_mode():
    n = 100
    e0 = sine_mode(n, n)
    plain = jacobi(poisson(n), e0, sweeps=10, b=torch.zeros(n))
    weighted = jacobi(poisson(n), e0, sweeps=10, b=torch.zeros(n), omega=2 / 3)
    assert abs(float(sine_mode_errors(plain.u, [n]))) > 0.99
    assert abs(float(sine_mode_errors(weighted.u, [n]))) < (1 / 3) ** 10 * 1.01


def test_gauss_seidel_and_multigrid_beat_jacobi_on_the_lowest_mode():
    n = 127
    s, e0, zero = poisson(n), sine_mode(n, 1), torch.zeros(n)
    left = lambda out: float(out.u.norm() / e0.norm())  # noqa: E731
    jac = left(jacobi(s, e0, sweeps=200, b=zero))
    gs = left(gauss_seidel(s, e0, sweeps=200, b=zero))
    rb = left(gauss_seidel(s, e0, sweeps=200, b=zero, ordering="red_black"))
    assert jac > 0.9
    assert math.log(gs) < 1.8 * math.log(jac) and math.log(rb) < 1.8 * math.log(jac)  # GS: about ρ_J² per sweep
    mg = multigrid_v_cycle(s, e0, cycles=5, b=zero, record_every=1)
    assert left(mg) < 1e-5
    norms = mg.iterates.norm(dim=1)
    assert bool((norms[1:] < 0.1 * norms[:-1]).all())  # each V-cycle gains > 10x
    assert mg.steps.tolist() == [0, 1, 2, 3, 4, 5]


def test_solvers_converge_to_the_discrete_solution():
    p = Manufactured("sin(pi*x)*x", [0, 1], lam=1.0)
    s = discretize_1d(p, 31)
    exact = s.solve()
    for out in (jacobi(s, torch.zeros(31), sweeps=6000), gauss_seidel(s, torch.zeros(31), sweeps=3000),
                multigrid_v_cycle(s, torch.zeros(31), cycles=20)):
        torch.testing.assert_close(out.u, exact, rtol=1e-8, atol=1e-8)


def test_multigrid_on_variable_coefficient_problem():
    from simbias.problems import MultiscaleElliptic

    s = discretize_1d(MultiscaleElliptic(0.1), 255)
    exact = s.solve()
    out = multigrid_v_cycle(s, torch.zeros(255), cycles=12)
    assert float((out.u - exact).norm() / exact.norm()) < 1e-6


def test_recording_and_callback():
    s = poisson(15)
    seen = []
    out = jacobi(s, torch.ones(15), sweeps=7, b=torch.zeros(15), record_every=3, callback=lambda k, u: seen.append(k))
    assert out.steps.tolist() == [0, 3, 6, 7] == seen
    assert out.iterates.shape == (4, 15)
    torch.testing.assert_close(out.iterates[-1], out.u)
    assert jacobi(s, torch.ones(15), sweeps=2).iterates.shape[0] == 0
    with pytest.raises(InputError, match="omega"):
        jacobi(s, torch.ones(15), sweeps=2, omega=1.5)
    with pytest.raises(InputError, match="u0"):
        jacobi(s, torch.ones(14), sweeps=2)


def test_T9_jacobi_converges_high_solution_peak_first():
    """T9 (Jacobi half): Δ_F at the highest peak of the solution drops below 0.1 before the lowest one."""
    p = jacobi_poisson()
    s = discretize_1d(p, 127)
    exact = s.solve()
    out = jacobi(s, torch.zeros(127), sweeps=3000, record_every=10)
    peaks, errors = iteration_peak_errors(out.iterates, exact)
    assert peaks.tolist() == solution_peaks(exact).tolist() and len(peaks) >= 2
    assert errors.shape == (len(out.steps), len(peaks))
    t = first_converged(errors, out.steps)
    assert 0 <= int(t[-1]) < int(t[0])  # highest converged, and before the lowest
    assert float(errors[0].max()) == pytest.approx(1.0)  # from zero: Δ_F = 1 at every peak


def test_first_converged():
    errors = torch.tensor([[1.0, 1.0], [0.05, 0.5], [0.2, 0.05], [0.05, 0.01]])
    assert first_converged(errors, [0, 10, 20, 30]).tolist() == [30, 20]
    assert first_converged(errors[:2], [0, 10]).tolist() == [10, -1]
