"""Elliptic PDE problems with exact solutions (the MscaleDNN / Deep Ritz test problems).

Every problem is

    L u := −∇·(A(x) |∇u|^{p−2} ∇u) + λ² u = f   in Ω,        u = g   on ∂Ω,

with a known exact solution ``u``; ``g`` is the trace of ``u`` (Dirichlet data).  A problem
object carries ``u(x)``, ``f(x)``, ``g(x)``, ``coefficient(x)`` (A; 1 unless stated), ``lam``
(λ), ``p``, ``domain`` and ``dim``.  Points are (n, d) tensors (or (n,) in 1-D); values are (n,),
in the points' dtype.  ``rhs_by_autograd(x)`` recomputes f = L u from ``u`` by autograd — the
tests check it against every closed-form ``f``.

Problems (``make_pde(name, **kwargs)``, registry :data:`PDE_PROBLEMS`):

* ``poisson`` — −Δu = f on [−1, 1]^d (or any domain) from a manufactured solution
  (``kind``): ``"sin"`` u = Σ_i sin(μx_i); ``"sin_square"`` u = Σ_i sin(μx_i²) (the complex-domain
  cases of arXiv 2007.11207); ``"product"`` u = Π_i sin(μx_i) (square with holes, μ = 7π);
  ``"quadratic"`` u = |x|² (the authors' strong-form Laplacian script, f = −2d).
* ``ritz_poisson`` — −u″ = μ² sin μx on [−1, 1], μ = 6π, u = sin μx (so g = sin(±6π) = 0): the
  Deep-Ritz example of the authors' ``mscalednn`` code (target T23).
* ``poisson_boltzmann`` — −Δu + λ²u = Σ_i (λ² + μ²) sin(μx_i) on [−1, 1]^d, exact
  u = Σ_i (−(sin μ / sinh λ) sinh(λx_i) + sin(μx_i)) (2007.11207 §4; λ = 20, μ = 50 in 1-D,
  λ = 2, μ = 30 in 2-D; target T25).  g = u (zero in 1-D).
* ``multiscale_elliptic`` — −(A_ε |u′|^{p−2} u′)′ = f on [0, 1], u(0) = u(1) = 0,
  A_ε = 1/(2 + cos(2πx/ε)), u = x − x² + ε((1/π) sin(2πx/ε)(¼ − x/2) − (ε/4π²) cos(2πx/ε) + ε/4π²)
  (Li, Xu & Zhang 2020, ``MSDNN2ellipticPDEs``; SD2NN arXiv 2112.06660 Table 2).  f = 1 for
  p = 2; for p > 2 f is derived from u by autograd.  u(1) = 0 exactly when 1/ε is an integer.
* ``manufactured`` — the user gives u as text (``problem.solution``, parsed by the whitelisting
  parser, never executed), optionally λ, p and a coefficient A as text; f = L u by autograd.
* ``jacobi_poisson`` — −u″ = sin x + 4 sin 4x − 8 sin 8x + 16 sin 24x on [−1, 1], u(±1) = 0
  (the DNN-vs-Jacobi setting of arXiv 1811.10146 as recalled in papers.md §2.5).
* ``two_scale_poisson`` — −u″ = f on [0, 1], u = sin(aπx) + 0.1 sin(bπx), a = 2, b = 50 (the
  DeepXDE multi-scale Fourier-feature demo; target T28).
"""

from __future__ import annotations

import inspect
import math
from typing import Any, Callable

import torch
from torch import Tensor

from ..errors import InputError
from ._domains import Box, Domain, Interval, as_domain
from ._expr import check_expression_on, parse_expression
from ._pde_autograd import elliptic_operator

__all__ = [
    "PDEProblem", "Poisson", "PoissonBoltzmann", "MultiscaleElliptic", "Manufactured",
    "ritz_poisson", "jacobi_poisson", "two_scale_poisson", "PDE_PROBLEMS", "make_pde",
]


class PDEProblem:
    """Base class: L u = −∇·(A|∇u|^{p−2}∇u) + λ²u = f in ``domain``, u = g on its boundary.

    Subclasses define ``u`` and, where known in closed form, ``f`` (otherwise f = L u by
    autograd) and ``coefficient`` (set ``has_coefficient = True``).  Points are (n, d) tensors
    (or (n,) in 1-D); ``u``, ``f``, ``g``, ``coefficient`` and ``operator`` return (n,) values.

    Parameters
    ----------
    domain : Domain
        Ω; its dimension is the problem's ``dim``.
    lam : float
        λ ≥ 0 of the reaction term λ²u (0: no reaction term).
    p : float
        Exponent of the p-Laplacian, ≥ 2 (2 is the linear operator −∇·(A∇u)).

    Examples
    --------
    >>> import torch
    >>> prob = Poisson(2, kind="sin")
    >>> x_in, x_bd = prob.sample(64, 16, torch.Generator().manual_seed(0))
    >>> x_in.shape, x_bd.shape, prob.volume
    (torch.Size([64, 2]), torch.Size([16, 2]), 4.0)
    >>> torch.allclose(prob.f(x_in), prob.rhs_by_autograd(x_in), atol=1e-4)
    True
    """

    name: str = "pde"
    has_coefficient: bool = False

    def __init__(self, domain: Domain, *, lam: float = 0.0, p: float = 2.0):
        self.domain = domain
        self.lam = _number("problem.lam", lam, lo=0.0)
        self.p = _number("problem.p", p, lo=2.0)

    @property
    def dim(self) -> int:
        return self.domain.dim

    @property
    def volume(self) -> float:
        """|Ω|, the factor of the Deep Ritz energy."""
        return self.domain.volume

    def u(self, x: Tensor) -> Tensor:
        """The exact solution, (n,)."""
        raise NotImplementedError

    def f(self, x: Tensor) -> Tensor:
        """The right-hand side, (n,) (default: L u by autograd, detached)."""
        return self.rhs_by_autograd(x)

    def g(self, x: Tensor) -> Tensor:
        """Dirichlet data on the boundary: the trace of the exact solution, (n,)."""
        return self.u(x)

    def coefficient(self, x: Tensor) -> Tensor:
        """The diffusion coefficient A(x), (n,) (1 unless the problem says otherwise)."""
        x = self._points(x)
        return torch.ones(x.shape[0], dtype=x.dtype, device=x.device)

    def operator(self, fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
        """L fn at ``x`` by autograd, (n,), with a graph (differentiable through ``fn``)."""
        return elliptic_operator(fn, self._points(x), coefficient=self.coefficient if self.has_coefficient else None,
                                 lam=self.lam, p=self.p)

    def rhs_by_autograd(self, x: Tensor) -> Tensor:
        """f = L u of the exact solution, computed by autograd and detached, (n,)."""
        x = self._points(x).detach()
        with torch.enable_grad():
            return self.operator(self.u, x).detach()

    def sample(self, n_interior: int, n_boundary: int, generator: torch.Generator, *, dtype=None,
               device=None) -> tuple[Tensor, Tensor]:
        """Fresh uniform interior and boundary points (see :class:`~simbias.problems.Domain`)."""
        return (self.domain.sample_interior(n_interior, generator, dtype=dtype, device=device),
                self.domain.sample_boundary(n_boundary, generator, dtype=dtype, device=device))

    def _points(self, x: Tensor) -> Tensor:
        x = torch.as_tensor(x)
        if not torch.is_floating_point(x):
            x = x.to(torch.get_default_dtype())
        if x.ndim == 1 and self.dim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise InputError(f"points for {self.name}", f"expected shape (n, {self.dim}), got {tuple(x.shape)}",
                             "pass one column per dimension")
        return x

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, lam={self.lam}, p={self.p}, domain={self.domain!r})"


POISSON_KINDS = ("sin", "sin_square", "product", "quadratic")


class Poisson(PDEProblem):
    """−Δu = f from a manufactured solution (``kind``, see the module docstring), default [−1, 1]^d.

    Closed forms: ``sin``: f = μ² Σ sin(μx_i); ``sin_square``: f = Σ (4μ²x_i² sin(μx_i²) −
    2μ cos(μx_i²)); ``product``: f = dμ² Π sin(μx_i); ``quadratic``: f = −2d.  The sources
    (MscaleDNN, arXiv 2007.11207, and the authors' scripts) are in the module docstring.
    ``lam = 0``, ``p = 2``.

    Parameters
    ----------
    dim : int, optional
        Dimension d (default: the domain's, or 1).
    kind : {"sin", "sin_square", "product", "quadratic"}
        The exact solution: Σ sin(μx_i), Σ sin(μx_i²), Π sin(μx_i) or |x|².
    mu : float
        The frequency μ (default π).
    domain : Domain, str, mapping or pair, optional
        Anything :func:`~simbias.problems.as_domain` accepts (default [−1, 1]^d); must agree with
        ``dim`` when both are given.

    Examples
    --------
    >>> import torch
    >>> prob = Poisson(1, kind="quadratic")
    >>> prob.u(torch.tensor([0.5])), prob.f(torch.tensor([0.5]))
    (tensor([0.2500]), tensor([-2.]))
    """

    def __init__(self, dim: int | None = None, *, kind: str = "sin", mu: float = math.pi, domain: Any = None):
        domain = _default_domain(dim, domain)
        super().__init__(domain)
        if kind not in POISSON_KINDS:
            raise InputError("problem.kind", f"unknown kind {kind!r}", f"choose one of {', '.join(POISSON_KINDS)}")
        self.kind, self.mu = kind, _number("problem.mu", mu)
        self.name = f"poisson-{kind}"

    def u(self, x):
        x, mu = self._points(x), self.mu
        if self.kind == "sin":
            return torch.sin(mu * x).sum(dim=1)
        if self.kind == "sin_square":
            return torch.sin(mu * x * x).sum(dim=1)
        if self.kind == "product":
            return torch.sin(mu * x).prod(dim=1)
        return (x * x).sum(dim=1)

    def f(self, x):
        x, mu = self._points(x).detach(), self.mu
        if self.kind == "sin":
            return mu**2 * torch.sin(mu * x).sum(dim=1)
        if self.kind == "sin_square":
            s = x * x
            return (4 * mu**2 * s * torch.sin(mu * s) - 2 * mu * torch.cos(mu * s)).sum(dim=1)
        if self.kind == "product":
            return self.dim * mu**2 * torch.sin(mu * x).prod(dim=1)
        return torch.full(x.shape[:1], -2.0 * self.dim, dtype=x.dtype, device=x.device)

    def __repr__(self):
        return f"Poisson(dim={self.dim}, kind={self.kind!r}, mu={self.mu}, domain={self.domain!r})"


def ritz_poisson(mu: float = 6 * math.pi) -> Poisson:
    """−u″ = μ² sin μx on [−1, 1], u = sin μx, μ = 6π: the ``mscalednn`` Deep-Ritz example (T23)."""
    problem = Poisson(1, kind="sin", mu=mu, domain=Interval(-1.0, 1.0))
    problem.name = "ritz_poisson"
    return problem


class PoissonBoltzmann(PDEProblem):
    """−Δu + λ²u = Σ_i (λ² + μ²) sin(μx_i), u = Σ_i (−(sin μ/sinh λ) sinh(λx_i) + sin(μx_i)).

    arXiv 2007.11207 §4 (the PB test).  Defaults follow the paper: λ = 20, μ = 50 in 1-D and
    λ = 2, μ = 30 otherwise, on [−1, 1]^d.  sinh(λx)/sinh(λ) is evaluated as
    (e^{λ(x−1)} − e^{−λ(x+1)})/(1 − e^{−2λ}), which does not overflow for large λ.

    Parameters
    ----------
    dim : int, optional
        Dimension d (default: the domain's, or 1).
    lam : float, optional
        λ > 0 (default 20 in 1-D, 2 otherwise).
    mu : float, optional
        μ (default 50 in 1-D, 30 otherwise).
    domain : Domain, str, mapping or pair, optional
        Anything :func:`~simbias.problems.as_domain` accepts (default [−1, 1]^d).

    Examples
    --------
    >>> import torch
    >>> prob = PoissonBoltzmann(1)
    >>> prob.lam, prob.mu
    (20.0, 50.0)
    >>> prob.g(torch.tensor([-1.0, 1.0])).abs().max() < 1e-5
    tensor(True)
    """

    name = "poisson_boltzmann"

    def __init__(self, dim: int | None = None, *, lam: float | None = None, mu: float | None = None, domain: Any = None):
        domain = _default_domain(dim, domain)
        d1 = domain.dim == 1
        super().__init__(domain, lam=(20.0 if d1 else 2.0) if lam is None else lam)
        if self.lam == 0:
            raise InputError("problem.lam", "got 0", "use a positive λ (λ = 0 is the Poisson problem)")
        self.mu = _number("problem.mu", (50.0 if d1 else 30.0) if mu is None else mu)

    def u(self, x):
        x = self._points(x)
        lam, mu = self.lam, self.mu
        ratio = (torch.exp(lam * (x - 1)) - torch.exp(-lam * (x + 1))) / (1 - math.exp(-2 * lam))  # sinh(λx)/sinh(λ)
        return (-math.sin(mu) * ratio + torch.sin(mu * x)).sum(dim=1)

    def f(self, x):
        x = self._points(x).detach()
        return (self.lam**2 + self.mu**2) * torch.sin(self.mu * x).sum(dim=1)

    def __repr__(self):
        return f"PoissonBoltzmann(dim={self.dim}, lam={self.lam}, mu={self.mu}, domain={self.domain!r})"


class MultiscaleElliptic(PDEProblem):
    """−(A_ε |u′|^{p−2} u′)′ = f on [0, 1], A_ε = 1/(2 + cos(2πx/ε)), zero Dirichlet data.

    u = x − x² + ε((1/π) sin(2πx/ε)(¼ − x/2) − (ε/4π²) cos(2πx/ε) + ε/4π²) (author-code.md §7;
    SD2NN arXiv 2112.06660 Table 2 with ε = 0.1, 0.01).  f = 1 for p = 2 (then A_ε u′ = ½ − x);
    for p > 2, f = L u by autograd.  g = u, which vanishes at 0 and, when 1/ε is an integer, at 1.

    Parameters
    ----------
    eps : float
        The small scale ε > 0 of the coefficient.
    p : float
        Exponent of the p-Laplacian (≥ 2).

    Examples
    --------
    >>> import torch
    >>> prob = MultiscaleElliptic(eps=0.1)
    >>> x = torch.linspace(0.05, 0.95, 7, dtype=torch.float64)
    >>> torch.allclose(prob.rhs_by_autograd(x), prob.f(x), atol=1e-8)
    True
    """

    name = "multiscale_elliptic"
    has_coefficient = True

    def __init__(self, eps: float = 0.1, *, p: float = 2.0):
        super().__init__(Interval(0.0, 1.0), p=p)
        self.eps = _number("problem.eps", eps, lo=0.0, strict=True)

    def coefficient(self, x):
        x = self._points(x)
        return 1.0 / (2.0 + torch.cos(2 * math.pi * x[:, 0] / self.eps))

    def u(self, x):
        t, e = self._points(x)[:, 0], self.eps
        w = 2 * math.pi * t / e
        c = e / (4 * math.pi**2)
        return t - t * t + e * (torch.sin(w) * (0.25 - 0.5 * t) / math.pi - c * torch.cos(w) + c)

    def f(self, x):
        if self.p != 2:
            return self.rhs_by_autograd(x)
        x = self._points(x)
        return torch.ones(x.shape[0], dtype=x.dtype, device=x.device)

    def __repr__(self):
        return f"MultiscaleElliptic(eps={self.eps}, p={self.p})"


class Manufactured(PDEProblem):
    """A problem from a user-typed exact solution: f = −∇·(A|∇u|^{p−2}∇u) + λ²u by autograd, g = u.

    Both formulas are checked to be finite on the domain when the problem is built.

    Parameters
    ----------
    solution : str
        u as text in ``x`` (1-D) or ``x1 … xd`` (``problem.solution``; parsed by the
        whitelisting parser of :func:`~simbias.problems.parse_expression`, never executed).
    domain : Domain, str, mapping or pair
        A :class:`~simbias.problems.Domain`, a pair ``[lo, hi]``, a name or
        ``{name = ..., ...}``; its dimension sets d.
    lam : float
        λ of the reaction term (0: Poisson).
    coefficient : str, optional
        A(x) as text (``problem.coefficient``); 1 when omitted.
    p : float
        Exponent of the p-Laplacian (≥ 2; 2 is linear).

    Examples
    --------
    >>> import torch
    >>> prob = Manufactured("x**3", (0.0, 1.0))
    >>> prob.f(torch.tensor([0.5], dtype=torch.float64))
    tensor([-3.], dtype=torch.float64)
    """

    def __init__(self, solution: str, domain: Any = (-1.0, 1.0), *, lam: float = 0.0, coefficient: str | None = None,
                 p: float = 2.0):
        super().__init__(as_domain(domain), lam=lam, p=p)
        self._u = parse_expression(solution, dim=self.dim, name="problem.solution")
        self._a = None if coefficient is None else parse_expression(coefficient, dim=self.dim, name="problem.coefficient")
        # refuse a formula that is not finite on the domain now, naming its key (not mid-training)
        check_expression_on(self._u, self.domain, key="problem.solution", dtype=torch.float64, n=513)
        if self._a is not None:
            check_expression_on(self._a, self.domain, key="problem.coefficient", dtype=torch.float64, n=513)
        self.has_coefficient = self._a is not None
        self.solution = solution
        self.name = solution

    def u(self, x):
        return self._u(self._points(x))

    def coefficient(self, x):
        return super().coefficient(x) if self._a is None else self._a(self._points(x))

    def __repr__(self):
        extra = f", coefficient={self._a.text!r}" if self._a is not None else ""
        return f"Manufactured({self.solution!r}, {self.domain!r}, lam={self.lam}{extra}, p={self.p})"


def jacobi_poisson() -> Manufactured:
    """−u″ = sin x + 4 sin 4x − 8 sin 8x + 16 sin 24x on [−1, 1], u(±1) = 0 (papers.md §2.5).

    u = g₀(x) − g₀(1)·x with g₀ = sin x + sin(4x)/4 − sin(8x)/8 + sin(24x)/36 (g₀ is odd).
    """
    g0 = "sin(x) + sin(4*x)/4 - sin(8*x)/8 + sin(24*x)/36"
    c1 = math.sin(1) + math.sin(4) / 4 - math.sin(8) / 8 + math.sin(24) / 36
    problem = Manufactured(f"{g0} - {c1!r}*x", Interval(-1.0, 1.0))
    problem.name = "jacobi_poisson"
    return problem


def two_scale_poisson(a: float = 2.0, b: float = 50.0) -> Manufactured:
    """−u″ = (πa)² sin(πax) + 0.1(πb)² sin(πbx) on [0, 1], u = sin(πax) + 0.1 sin(πbx) (T28)."""
    a, b = _number("problem.a", a), _number("problem.b", b)
    problem = Manufactured(f"sin({a!r}*pi*x) + 0.1*sin({b!r}*pi*x)", Interval(0.0, 1.0))
    problem.name = "two_scale_poisson"
    return problem


PDE_PROBLEMS: dict[str, Callable[..., PDEProblem]] = {
    "poisson": Poisson,
    "ritz_poisson": ritz_poisson,
    "poisson_boltzmann": PoissonBoltzmann,
    "multiscale_elliptic": MultiscaleElliptic,
    "manufactured": Manufactured,
    "jacobi_poisson": jacobi_poisson,
    "two_scale_poisson": two_scale_poisson,
}


def make_pde(name: str, **kwargs: Any) -> PDEProblem:
    """Build the problem registered under ``name`` (see :data:`PDE_PROBLEMS`) with keyword arguments.

    Parameters
    ----------
    name : str
        A key of :data:`PDE_PROBLEMS` (``poisson``, ``ritz_poisson``, ``poisson_boltzmann``,
        ``multiscale_elliptic``, ``manufactured``, ``jacobi_poisson``, ``two_scale_poisson``).
    **kwargs
        The constructor's arguments; an unknown one raises :class:`~simbias.errors.InputError`
        naming ``problem.<argument>``.

    Returns
    -------
    PDEProblem
        The problem.

    Examples
    --------
    >>> make_pde("poisson", dim=2, kind="product", mu=7.0).dim
    2
    >>> make_pde("ritz_poisson").name
    'ritz_poisson'
    """
    if name not in PDE_PROBLEMS:
        raise InputError("problem.name", f"unknown PDE problem {name!r}", f"choose one of {', '.join(PDE_PROBLEMS)}")
    ctor = PDE_PROBLEMS[name]
    params = [q for q in inspect.signature(ctor).parameters if q != "self"]
    unknown = sorted(set(kwargs) - set(params))
    if unknown:
        raise InputError(f"problem.{unknown[0]}", f"not an argument of {name!r}",
                         f"its arguments are {', '.join(params) or 'none'}")
    return ctor(**kwargs)


# -- helpers ---------------------------------------------------------------------------------
def _default_domain(dim: int | None, domain: Any) -> Domain:
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int) or dim < 1):
        raise InputError("problem.dim", f"got {dim!r}", "use a positive integer")
    if domain is None:
        d = dim or 1
        return Interval(-1.0, 1.0) if d == 1 else Box([-1.0] * d, [1.0] * d)
    domain = as_domain(domain)
    if dim is not None and domain.dim != dim:
        raise InputError("problem.dim", f"dim={dim} but the domain {domain!r} has dimension {domain.dim}",
                         "drop problem.dim or make them agree")
    return domain


def _number(what: str, value: Any, *, lo: float | None = None, strict: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(what, f"got {value!r}", "give a number") from None
    if not math.isfinite(v) or (lo is not None and (v < lo or (strict and v == lo))):
        bound = "" if lo is None else (f" > {lo}" if strict else f" ≥ {lo}")
        raise InputError(what, f"got {value!r}", f"give a finite number{bound}")
    return v
