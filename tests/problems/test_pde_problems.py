"""PDE problems: exact solutions satisfy their equations, manufactured f, FD convergence, registry."""

import math

import pytest
import torch

from simbias.errors import InputError
from simbias.problems import (
    PDE_PROBLEMS, Annulus, BoxWithHoles, Manufactured, MultiscaleElliptic, Poisson, PoissonBoltzmann, discretize_1d,
    jacobi_poisson, laplacian, make_pde, ritz_poisson, two_scale_poisson,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


CLOSED_FORM = [
    pytest.param(lambda: Poisson(1), id="poisson-1d"),
    pytest.param(lambda: ritz_poisson(), id="ritz-poisson"),
    pytest.param(lambda: Poisson(2, kind="sin_square", mu=15.0), id="poisson-sin-square-2d"),
    pytest.param(lambda: Poisson(3, kind="product", mu=7 * math.pi), id="poisson-product-3d"),
    pytest.param(lambda: Poisson(4, kind="quadratic"), id="poisson-quadratic-4d"),
    pytest.param(lambda: Poisson(2, kind="sin_square", mu=15.0, domain=Annulus(1, 3, (0.5, 0.0))), id="poisson-annulus"),
    pytest.param(lambda: Poisson(2, kind="product", mu=7 * math.pi,
                                 domain=BoxWithHoles([-1, -1], [1, 1], [((0.3, 0.2), 0.2)])), id="poisson-holes"),
    pytest.param(lambda: PoissonBoltzmann(1), id="pb-1d"),
    pytest.param(lambda: PoissonBoltzmann(2), id="pb-2d"),
    pytest.param(lambda: MultiscaleElliptic(0.1), id="multiscale-0.1"),
    pytest.param(lambda: MultiscaleElliptic(0.01), id="multiscale-0.01"),
]


@pytest.mark.parametrize("make", CLOSED_FORM)
def test_exact_solution_satisfies_pde(make, f64):
    """Closed-form f equals L u of the closed-form u computed by autograd (float64)."""
    p = make()
    x = p.domain.sample_interior(500, gen())
    f = p.f(x)
    assert f.shape == (500,) and f.dtype == torch.float64
    err = (f - p.rhs_by_autograd(x)).abs().max() / f.abs().max()
    assert float(err) < 1e-10


def test_boundary_data_and_known_values(f64):
    xb = torch.tensor([[-1.0], [1.0]])
    assert float(PoissonBoltzmann(1).g(xb).abs().max()) < 1e-12  # PB 1-D: zero Dirichlet data
    assert float(ritz_poisson().g(xb).abs().max()) < 1e-12  # sin(±6π) = 0
    m = MultiscaleElliptic(0.1)
    assert float(m.u(torch.tensor([[0.0], [1.0]])).abs().max()) < 1e-14
    # p = 2: A_ε u′ = ½ − x exactly
    x = torch.linspace(0, 1, 101)[:, None]
    from simbias.problems import gradient
    _, du = gradient(m.u, x)
    torch.testing.assert_close(m.coefficient(x) * du[:, 0], 0.5 - x[:, 0], rtol=0, atol=1e-12)
    # PB stays finite for a large λ (no sinh overflow)
    big = PoissonBoltzmann(1, lam=800.0, mu=50.0)
    assert bool(torch.isfinite(big.u(torch.linspace(-1, 1, 11)[:, None])).all())


def test_laplacian_by_autograd(f64):
    x = Annulus().sample_interior(100, gen())
    lap = laplacian(lambda z: z[:, 0] ** 3 * z[:, 1] ** 2, x)
    torch.testing.assert_close(lap, 6 * x[:, 0] * x[:, 1] ** 2 + 2 * x[:, 0] ** 3, rtol=1e-12, atol=1e-12)
    # linear and constant functions have zero Laplacian (no autograd failure)
    assert float(laplacian(lambda z: 2 * z[:, 0], x).abs().max()) == 0
    assert float(laplacian(lambda z: torch.ones(z.shape[0]), x).abs().max()) == 0


def test_manufactured_derives_f(f64):
    """u = sin(πx)·x: −u″ = π² x sin(πx) − 2π cos(πx); with λ: + λ² u."""
    x = torch.linspace(-1, 1, 201)[:, None]
    p = Manufactured("sin(pi*x)*x", [-1, 1])
    pi = math.pi
    by_hand = pi**2 * x[:, 0] * torch.sin(pi * x[:, 0]) - 2 * pi * torch.cos(pi * x[:, 0])
    torch.testing.assert_close(p.f(x), by_hand, rtol=1e-12, atol=1e-12)
    q = Manufactured("sin(pi*x)*x", [-1, 1], lam=3.0)
    torch.testing.assert_close(q.f(x), by_hand + 9 * x[:, 0] * torch.sin(pi * x[:, 0]), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(q.g(x), x[:, 0] * torch.sin(pi * x[:, 0]))
    # a 2-D one with a coefficient: u = x1² + x2², A = 1 + x1 → −∇·(A∇u) = −(2(1 + x1) + 2x1 + 2(1 + x1))
    r = Manufactured("x1**2 + x2**2", {"name": "box", "lows": [0, 0], "highs": [1, 1]}, coefficient="1 + x1")
    z = r.domain.sample_interior(50, gen())
    torch.testing.assert_close(r.f(z), -(4 + 6 * z[:, 0]), rtol=1e-12, atol=1e-12)


def test_manufactured_rejects_code():
    with pytest.raises(InputError, match="problem.solution"):
        Manufactured("__import__('os').system('true')", [-1, 1])
    with pytest.raises(InputError, match="problem.solution"):
        Manufactured("sin(y)", [-1, 1])


def test_presets_match_the_papers(f64):
    x = torch.linspace(-1, 1, 301)[:, None]
    jp = jacobi_poisson()
    g = torch.sin(x) + 4 * torch.sin(4 * x) - 8 * torch.sin(8 * x) + 16 * torch.sin(24 * x)
    torch.testing.assert_close(jp.f(x), g[:, 0], rtol=1e-10, atol=1e-10)
    assert float(jp.g(torch.tensor([[-1.0], [1.0]])).abs().max()) < 1e-14
    ts = two_scale_poisson()
    t = torch.linspace(0, 1, 101)[:, None]
    expected = (2 * math.pi) ** 2 * torch.sin(2 * math.pi * t) + 0.1 * (50 * math.pi) ** 2 * torch.sin(50 * math.pi * t)
    torch.testing.assert_close(ts.f(t), expected[:, 0], rtol=1e-9, atol=1e-8)
    pb = PoissonBoltzmann(1)
    assert (pb.lam, pb.mu) == (20.0, 50.0) and (PoissonBoltzmann(2).lam, PoissonBoltzmann(2).mu) == (2.0, 30.0)
    assert ritz_poisson().mu == 6 * math.pi and ritz_poisson().volume == 2.0


@pytest.mark.parametrize("make,sizes", [
    pytest.param(ritz_poisson, (199, 399, 799), id="ritz-poisson"),
    pytest.param(lambda: PoissonBoltzmann(1), (399, 799, 1599), id="pb-1d"),
    pytest.param(lambda: MultiscaleElliptic(0.1), (199, 399, 799), id="multiscale"),
    pytest.param(lambda: Manufactured("sin(pi*x)*x", [0, 2], lam=3.0), (99, 199, 399), id="manufactured"),
    pytest.param(jacobi_poisson, (199, 399, 799), id="jacobi-poisson"),
])
def test_finite_differences_converge_at_second_order(make, sizes):
    p = make()
    errs = []
    for n in sizes:
        s = discretize_1d(p, n)
        errs.append(float((s.solve() - p.u(s.x[:, None])).abs().max()))
    for a, b in zip(errs, errs[1:]):  # h halves (n + 1 doubles): error / 4
        assert 3.6 < a / b < 4.4, errs


def test_registry_and_errors():
    assert {"poisson", "ritz_poisson", "poisson_boltzmann", "multiscale_elliptic", "manufactured"} <= set(PDE_PROBLEMS)
    assert isinstance(make_pde("poisson_boltzmann"), PoissonBoltzmann)
    assert make_pde("manufactured", solution="x1*x2", domain="annulus").dim == 2
    with pytest.raises(InputError, match="poisson_boltzmann"):
        make_pde("heat")
    with pytest.raises(InputError, match="problem.mu"):
        make_pde("multiscale_elliptic", mu=3)
    with pytest.raises(InputError, match="problem.kind"):
        Poisson(1, kind="cosine")
    with pytest.raises(InputError, match="problem.eps"):
        MultiscaleElliptic(0.0)
    with pytest.raises(InputError, match="problem.dim"):
        Poisson(2, domain=[0, 1])
    with pytest.raises(InputError, match="problem.p"):
        discretize_1d(MultiscaleElliptic(0.1, p=3), 10)
