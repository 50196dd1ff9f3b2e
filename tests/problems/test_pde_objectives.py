"""PDE objectives and test points: Latin-hypercube points, sampled Ritz/residual/fit losses, grid losses."""

import math

import numpy as np
import pytest
import torch

from simbias.problems import (
    Box, Interval, discretize_1d, evaluation_points, grid_objective, jacobi_poisson, latin_hypercube, make_domain,
    make_pde, pde_objective, residual_loss, ritz_loss,
)


def test_latin_hypercube_puts_one_point_in_every_cell_of_every_axis():
    box = Box([-1.0, 0.0, 2.0], [1.0, 0.5, 3.0])
    n = 50
    x = latin_hypercube(box, n, torch.Generator().manual_seed(3), dtype=torch.float64)
    assert x.shape == (n, 3)
    assert bool(box.contains(x).all())
    cells = ((x - box.lows) / (box.highs - box.lows) * n).floor().long()
    for axis in range(3):
        assert sorted(cells[:, axis].tolist()) == list(range(n))


def test_latin_hypercube_is_reproducible_and_converted():
    a = latin_hypercube(Interval(0.0, 1.0), 8, torch.Generator().manual_seed(0), dtype=torch.float32)
    b = latin_hypercube(Interval(0.0, 1.0), 8, torch.Generator().manual_seed(0), dtype=torch.float32)
    assert a.dtype == torch.float32 and torch.equal(a, b)


def _net():
    """A small tanh net with parameters from a seeded generator."""
    net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64))
    return net


@pytest.mark.parametrize("loss", ["ritz", "residual", "fit"])
def test_fixed_points_objective_equals_the_loss_on_the_same_draw(loss):
    problem = make_pde("ritz_poisson")
    net = _net()
    objective = pde_objective(problem, torch.Generator().manual_seed(5), loss=loss, beta=7.0, n_interior=64,
                              n_boundary=2, resample=False, dtype=torch.float64)
    g = torch.Generator().manual_seed(5)  # the oracle: the same draw by hand
    xi = latin_hypercube(problem.domain, 64, g, dtype=torch.float64)
    xb = problem.domain.sample_boundary(2, g, dtype=torch.float64)
    if loss == "fit":
        expected = ((net(xi).reshape(-1) - problem.u(xi)) ** 2).mean()
    else:
        expected = (ritz_loss if loss == "ritz" else residual_loss)(net, problem, xi, xb, beta=7.0)
    torch.testing.assert_close(objective(net, 0), expected)
    torch.testing.assert_close(objective(net, 100), expected)  # resample=False: the same points every step


def test_resampling_draws_new_points_and_random_sampler_uses_problem_sample():
    problem = make_pde("ritz_poisson")
    net = _net()
    objective = pde_objective(problem, torch.Generator().manual_seed(1), sampler="random", n_interior=32,
                              dtype=torch.float64)
    first, second = objective(net, 0), objective(net, 1)
    assert first.item() != second.item()
    xi, xb = problem.sample(32, 100, torch.Generator().manual_seed(1), dtype=torch.float64)
    torch.testing.assert_close(first, ritz_loss(net, problem, xi, xb, beta=1000.0))


def test_staged_penalty_multiplies_beta_by_the_stage_factor():
    problem = make_pde("ritz_poisson")
    net = _net()
    kw = dict(n_interior=16, n_boundary=2, resample=False, dtype=torch.float64, steps=100)
    staged = pde_objective(problem, torch.Generator().manual_seed(2), beta=3.0, beta_schedule="staged", **kw)
    own = pde_objective(problem, torch.Generator().manual_seed(2), beta=3.0, beta_schedule=[(0.5, 1.0), (math.inf, 4.0)],
                        **kw)
    for step, factor in [(0, 1.0), (15, 10.0), (22, 50.0), (30, 100.0), (60, 200.0), (99, 500.0)]:
        plain = pde_objective(problem, torch.Generator().manual_seed(2), beta=3.0 * factor, **kw)
        torch.testing.assert_close(staged(net, step), plain(net, step))
    four = pde_objective(problem, torch.Generator().manual_seed(2), beta=12.0, **kw)
    torch.testing.assert_close(own(net, 70), four(net, 70))
    torch.testing.assert_close(own(net, 10), staged(net, 0))


def test_evaluation_points_1d_is_the_uniform_grid():
    x, grid = evaluation_points(Interval(-1.0, 2.0), 7)
    assert grid == {} and x.dtype == torch.float64
    torch.testing.assert_close(x[:, 0], torch.linspace(-1.0, 2.0, 7, dtype=torch.float64))


def test_evaluation_points_2d_keeps_the_grid_points_in_the_domain():
    domain = make_domain("annulus", r_inner=1.0, r_outer=3.0)
    x, grid = evaluation_points(domain, 21)
    mask = grid["test_grid_mask"]
    assert tuple(grid["test_grid_shape"]) == (21, 21) and mask.shape == (441,)
    axis = np.linspace(-3.0, 3.0, 21)
    gx, gy = np.meshgrid(axis, axis, indexing="xy")
    r = np.hypot(gx.reshape(-1), gy.reshape(-1))
    np.testing.assert_array_equal(mask, (r >= 1.0 - 1e-12) & (r <= 3.0 + 1e-12))  # naive oracle
    np.testing.assert_allclose(x.numpy(), np.stack([gx.reshape(-1), gy.reshape(-1)], 1)[mask], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(grid["test_grid_lows"], [-3.0, -3.0])


def test_evaluation_points_3d_are_random_points_inside():
    box = Box([0.0] * 3, [1.0] * 3)
    x, grid = evaluation_points(box, 5, seed=4)
    assert x.shape == (25, 3) and grid == {} and bool(box.contains(x).all())
    assert torch.equal(x, evaluation_points(box, 5, seed=4)[0])


class _Values(torch.nn.Module):
    """A "network" whose grid values are its parameters."""

    def __init__(self, v):
        super().__init__()
        self.v = torch.nn.Parameter(v.clone())

    def forward(self, x):
        return self.v[:, None]


def test_grid_energy_gradient_is_minus_h_times_the_residual():
    system = discretize_1d(jacobi_poisson(), 31)
    v = torch.randn(31, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    model = _Values(v)
    grid_objective(system, "energy")(model, 0).backward()
    a = system.matrix()
    torch.testing.assert_close(model.v.grad, -system.h * (system.b - a @ v))


def test_grid_residual_is_the_normalised_least_squares():
    system = discretize_1d(jacobi_poisson(), 15)
    v = torch.randn(15, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    value = grid_objective(system, "residual")(_Values(v), 0)
    r = system.b - system.matrix() @ v
    torch.testing.assert_close(value, (r ** 2).mean() / (system.b ** 2).mean())
    assert grid_objective(system, "residual")(_Values(system.solve()), 0).item() < 1e-20
