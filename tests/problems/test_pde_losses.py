"""Residual and Ritz losses: values on exact solutions, agreement with hand formulas, beta checks, metrics."""

import math

import pytest
import torch

from simbias.errors import InputError
from simbias.problems import (
    Manufactured, MultiscaleElliptic, PoissonBoltzmann, domain_mse, pde_residual, rel_l2, rel_squared, residual_loss,
    ritz_loss, ritz_poisson, rms,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def as_model(problem):
    return lambda x: problem.u(x)[:, None]  # (n, 1) like a network


@pytest.mark.parametrize("make", [ritz_poisson, lambda: PoissonBoltzmann(2), lambda: MultiscaleElliptic(0.1)])
def test_residual_loss_vanishes_on_exact_solution(make, f64):
    p = make()
    xi, xb = p.sample(400, 100, gen())
    loss, interior, boundary = (t.detach() for t in residual_loss(as_model(p), p, xi, xb, beta=1000.0, return_parts=True))
    scale = float(p.f(xi).square().mean())
    assert float(interior) < 1e-20 * scale and float(boundary) == 0 and float(loss) < 1e-18 * scale


def test_ritz_energy_of_exact_solution(f64):
    """Ritz Poisson: E(u) = ∫ ½u′² − f u = −½∫ f u = −μ²/2 (author-code.md §6); MC estimate close to it."""
    p = ritz_poisson()
    x = torch.linspace(-1, 1, 20001)[1:-1, None]  # midpoint-like dense grid: quadrature, not Monte Carlo
    xb = torch.tensor([[-1.0], [1.0]])
    loss, energy, boundary = (t.detach() for t in ritz_loss(as_model(p), p, x, xb, beta=1000.0, return_parts=True))
    assert abs(float(energy) - (-p.mu**2 / 2)) < 1e-3 * p.mu**2
    assert float(boundary) < 1e-28


def test_ritz_energy_is_minimal_at_the_solution(f64):
    """Perturbing the exact solution by a function vanishing on the boundary raises the Ritz energy."""
    for p in (ritz_poisson(), PoissonBoltzmann(1, lam=3.0, mu=4.0), MultiscaleElliptic(0.1)):
        lo, hi = float(p.domain.lows[0]), float(p.domain.highs[0])
        x = torch.linspace(lo, hi, 4001)[1:-1, None]
        xb = torch.tensor([[lo], [hi]])
        e0 = ritz_loss(as_model(p), p, x, xb)
        bump = lambda z, p=p: p.u(z)[:, None] + 0.05 * torch.sin(math.pi * (z - lo) / (hi - lo))  # noqa: E731
        assert float(ritz_loss(bump, p, x, xb).detach()) > float(e0.detach())


def test_losses_by_hand_for_a_quadratic_model(f64):
    """u_θ(x) = x² on the 1-D Poisson problem with λ: residual −2 + λ²x² − f, Ritz ½(2x)² + ½λ²x⁴ − f x²."""
    p = Manufactured("sin(x)", [0, 1], lam=2.0)
    x = torch.linspace(0.05, 0.95, 19)[:, None]
    xb = torch.tensor([[0.0], [1.0]])
    model = lambda z: z**2  # noqa: E731
    f = (1 + 4) * torch.sin(x[:, 0])
    res = (-2 + 4 * x[:, 0] ** 2 - f).square().mean()
    bd = ((xb[:, 0] ** 2 - torch.sin(xb[:, 0])) ** 2).mean()
    torch.testing.assert_close(residual_loss(model, p, x, xb, beta=10.0), res + 10 * bd)
    energy = 1.0 * (2 * x[:, 0] ** 2 + 0.5 * 4 * x[:, 0] ** 4 - f * x[:, 0] ** 2).mean()
    torch.testing.assert_close(ritz_loss(model, p, x, xb, beta=10.0), energy + 10 * bd)
    torch.testing.assert_close(pde_residual(model, p, x), -2 + 4 * x[:, 0] ** 2 - f)


def test_multiscale_ritz_uses_the_coefficient(f64):
    p = MultiscaleElliptic(0.1)
    x = torch.linspace(0.01, 0.99, 50)[:, None]
    xb = torch.tensor([[0.0], [1.0]])
    model = lambda z: z * (1 - z)  # noqa: E731
    a = 1 / (2 + torch.cos(2 * math.pi * x[:, 0] / 0.1))
    expected = (0.5 * a * (1 - 2 * x[:, 0]) ** 2 - x[:, 0] * (1 - x[:, 0])).mean()
    torch.testing.assert_close(ritz_loss(model, p, x, xb), expected)


def test_losses_are_differentiable_in_parameters():
    p = ritz_poisson()
    w = torch.tensor(0.3, requires_grad=True)
    xi, xb = p.sample(64, 8, gen())
    for loss_fn in (residual_loss, ritz_loss):
        loss = loss_fn(lambda z: torch.sin(w * 10 * z), p, xi, xb)
        (g,) = torch.autograd.grad(loss, w)
        assert torch.isfinite(g) and float(g) != 0


@pytest.mark.parametrize("beta", [0, -1.0, float("nan"), "big"])
def test_beta_must_be_positive(beta):
    p = ritz_poisson()
    xi, xb = p.sample(8, 2, gen())
    for loss_fn in (residual_loss, ritz_loss):
        with pytest.raises(InputError, match="train.beta"):
            loss_fn(lambda z: z, p, xi, xb, beta=beta)


def test_metrics(f64):
    exact = torch.tensor([1.0, -2.0, 2.0])
    pred = torch.tensor([1.0, -2.0, 2.3])
    assert math.isclose(float(rel_l2(pred, exact)), 0.3 / 3)
    assert math.isclose(float(rms(pred, exact)), math.sqrt(0.09 / 3))
    assert math.isclose(float(rel_squared(pred, exact)), 0.09 / 9)  # = rel_l2²
    assert math.isclose(float(domain_mse(pred[:, None], exact, volume=2.0)), 2 * 0.03)
    with pytest.raises(InputError):
        rms(pred[:2], exact)
