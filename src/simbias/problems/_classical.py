"""Classical iterative solvers on the finite-difference Poisson problem, and their spectral tracking.

The counterpart of the Frequency Principle (Xu et al., arXiv 1811.10146; papers.md §2.5): on
−u″ = f discretised by central differences, the Jacobi iteration removes *high* frequencies of
the error first, while a DNN fits *low* frequencies first.

Discretisation.  n interior points x_j = lo + j·h, j = 1…n, h = (hi − lo)/(n + 1); Dirichlet
values folded into the right-hand side.  :func:`fd_poisson_1d` builds
(1/h²) tridiag(−1, 2, −1) u + λ² u = f; :func:`discretize_1d` builds the same for any 1-D
linear problem of :mod:`simbias.problems` (coefficient A at the mid-points x_{j±½}, so the
scheme is second-order for smooth A).  Systems are :class:`Tridiagonal` in stencil form
(three diagonals; nothing n × n is built unless asked for).

Iterations (all vectorised over the grid; the only Python loops run over sweeps, cycles and
grid levels; ``u`` may carry leading batch axes ``(..., n)``):

* :func:`jacobi` — u ← u + ω D⁻¹(b − A u).  On A = tridiag(−1, 2, −1) the error's sine mode k
  (of n) is multiplied by 1 − ω(1 − cos(kπ/(n+1))) per sweep (:func:`jacobi_factor`): for ω = 1
  that is cos(kπ/(n+1)), fast for middle modes and slow at *both* ends (k = 1 and k = n);
  ω = 2/3 damps the upper half k > n/2 by at least a factor 3 per sweep.
* :func:`gauss_seidel` — lexicographic ((D + L) u_new = b − U u_old, a banded triangular
  solve) or red–black ordering.
* :func:`multigrid_v_cycle` — V-cycles with weighted-Jacobi smoothing (ω = 2/3), full-weighting
  restriction r_c[j] = ¼r[2j] + ½r[2j+1] + ¼r[2j+2], linear interpolation, Galerkin coarse
  operators R A P (R = ½Pᵀ), a direct solve on the coarsest grid; coarsening needs odd n
  (n = 2^L − 1 coarsens to 1 point).  1-D only.

Spectral tracking:

* :func:`sine_mode_errors` — discrete sine (DST-I) coefficients
  c_k = (2/(n+1)) Σ_j e_j sin(jkπ/(n+1)), so that e_j = Σ_k c_k sin(jkπ/(n+1)).
* :func:`solution_peaks` / :func:`iteration_peak_errors` / :func:`first_converged` — the
  F-Principle measure Δ_F(k) = |ĥ_k − û_k| / |û_k| (DFT X_k = Σ_j x_j e^{−2πijk/n}, complex
  difference, as in the papers; papers.md §1.1) of a list of iterates h against the solution u,
  at the peaks of |û| (strict local maxima among indices 0…n//2, ignoring those below
  ``floor`` × the largest); built on :mod:`simbias.spectral`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from scipy import sparse
from scipy.linalg import solve_banded
from torch import Tensor

from ..errors import InputError
from ..spectral import dft, find_peaks
from ..spectral import peak_errors as spectral_peak_errors
from ._domains import Box
from ._pde import PDEProblem

__all__ = [
    "Tridiagonal", "Iteration", "fd_poisson_1d", "discretize_1d", "jacobi", "gauss_seidel", "multigrid_v_cycle",
    "jacobi_factor", "sine_mode", "sine_mode_errors", "solution_peaks", "iteration_peak_errors", "first_converged",
]

Callback = Callable[[int, Tensor], None]


@dataclass(frozen=True)
class Tridiagonal:
    """A tridiagonal system in stencil form: row i reads lower[i]·u[i−1] + diag[i]·u[i] + upper[i]·u[i+1] = b[i].

    ``lower[0]`` and ``upper[-1]`` are ignored (taken as 0).  ``x`` are the grid points (or
    ``None``), ``h`` the spacing.  All tensors are float64 of shape (n,).
    """

    lower: Tensor
    diag: Tensor
    upper: Tensor
    b: Tensor
    x: Tensor | None = None
    h: float | None = None

    @property
    def n(self) -> int:
        return int(self.diag.shape[0])

    def apply(self, u: Tensor) -> Tensor:
        """A u for u of shape (..., n)."""
        out = self.diag * u
        out[..., 1:] += self.lower[1:] * u[..., :-1]
        out[..., :-1] += self.upper[:-1] * u[..., 1:]
        return out

    def residual(self, u: Tensor, b: Tensor | None = None) -> Tensor:
        """b − A u."""
        return (self.b if b is None else b) - self.apply(u)

    def solve(self, b: Tensor | None = None) -> Tensor:
        """The exact discrete solution A⁻¹ b (banded LU), for b of shape (..., n)."""
        return _banded_solve((1, 1), self._bands(), self.b if b is None else b)

    def matrix(self) -> Tensor:
        """The dense n × n matrix (for checks on small n)."""
        return torch.diag(self.diag) + torch.diag(self.lower[1:], -1) + torch.diag(self.upper[:-1], 1)

    def _bands(self) -> np.ndarray:
        ab = np.zeros((3, self.n))
        ab[0, 1:] = self.upper[:-1].numpy()
        ab[1] = self.diag.numpy()
        ab[2, :-1] = self.lower[1:].numpy()
        return ab


@dataclass(frozen=True)
class Iteration:
    """Result of an iterative solver: the final ``u``, and the recorded ``steps`` and ``iterates``.

    ``iterates[i]`` is the iterate after ``steps[i]`` sweeps (or cycles); ``iterates`` has
    shape (len(steps), ..., n) and is empty when nothing was recorded.
    """

    u: Tensor
    steps: Tensor
    iterates: Tensor


def fd_poisson_1d(f_values_interior: Tensor, h: float, bc: Sequence[float] = (0.0, 0.0), *, lam: float = 0.0,
                  x: Tensor | None = None) -> Tridiagonal:
    """(1/h²) tridiag(−1, 2, −1) u + λ² u = f + (u_a e₁ + u_b e_n)/h² (central differences for −u″ + λ²u = f).

    The n interior points are x_j = lo + j·h, j = 1…n; the Dirichlet values are folded into
    the right-hand side.  Second-order accurate: the discrete solution is O(h²) from u(x_j).

    Parameters
    ----------
    f_values_interior : Tensor
        (n,) values of f at the interior points.
    h : float
        Grid spacing (hi − lo)/(n + 1).
    bc : pair of float
        Boundary values (u_a, u_b) at lo and hi.
    lam : float
        λ of the reaction term (0: Poisson).
    x : Tensor, optional
        The interior points, stored on the result for plotting.

    Returns
    -------
    Tridiagonal
        The system in stencil form (float64).

    Examples
    --------
    >>> import math, torch
    >>> n = 31; h = 2 / (n + 1)
    >>> x = -1 + h * torch.arange(1, n + 1, dtype=torch.float64)
    >>> system = fd_poisson_1d(math.pi**2 * torch.sin(math.pi * x), h, x=x)
    >>> float((system.solve() - torch.sin(math.pi * x)).abs().max()) < 5e-3
    True
    """
    f = _vector64("f_values_interior", f_values_interior)
    if not (isinstance(h, (int, float)) and h > 0):
        raise InputError("h", f"got {h!r}", "give the positive grid spacing")
    try:
        ua, ub = (float(v) for v in bc)
    except (TypeError, ValueError):
        raise InputError("bc", f"got {bc!r}", "give the boundary values as (u_a, u_b)") from None
    n, h2 = f.shape[0], float(h) ** 2
    off = torch.full((n,), -1.0 / h2, dtype=torch.float64)
    diag = torch.full((n,), 2.0 / h2 + float(lam) ** 2, dtype=torch.float64)
    b = f.clone()
    b[0] += ua / h2
    b[-1] += ub / h2
    return Tridiagonal(off, diag, off.clone(), b, x, float(h))


def discretize_1d(problem: PDEProblem, n: int) -> Tridiagonal:
    """Central differences for a 1-D linear problem: (−A_{j−½}u_{j−1} + (A_{j−½}+A_{j+½})u_j − A_{j+½}u_{j+1})/h² + λ²u_j = f_j.

    Uses the problem's f at the nodes, A at the mid-points and g at the two end points.
    Second-order accurate for smooth data: max_j |u_j − u(x_j)| = O(h²).
    """
    if problem.dim != 1 or not isinstance(problem.domain, Box):
        raise InputError("problem", f"{problem.name} is not a problem on an interval", "use a 1-D problem")
    if problem.p != 2:
        raise InputError("problem.p", f"got {problem.p}", "finite differences here are for the linear case p = 2")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError("n", f"got {n!r}", "use a positive number of interior points")
    lo, hi = float(problem.domain.lows[0]), float(problem.domain.highs[0])
    h = (hi - lo) / (n + 1)
    nodes = lo + h * torch.arange(n + 2, dtype=torch.float64)
    x = nodes[1:-1]
    with torch.no_grad():
        mid = (nodes[:-1] + 0.5 * h)[:, None]  # x_{j+½}, j = 0 … n
        a = problem.coefficient(mid) if problem.has_coefficient else torch.ones(n + 1, dtype=torch.float64)
        f = problem.f(x[:, None])
        g = problem.g(nodes[[0, -1]][:, None])
    a = a.to(torch.float64)
    h2 = h * h
    lower, upper = -a[:-1] / h2, -a[1:] / h2
    diag = (a[:-1] + a[1:]) / h2 + problem.lam**2
    b = f.to(torch.float64).clone()
    b[0] += a[0] * g[0] / h2
    b[-1] += a[-1] * g[1] / h2
    return Tridiagonal(lower, diag, upper, b, x, h)


def jacobi_factor(n: int, k, omega: float = 1.0) -> Tensor:
    """Per-sweep factor of sine mode k under (weighted) Jacobi on tridiag(−1, 2, −1): 1 − ω(1 − cos(kπ/(n+1)))."""
    k = torch.as_tensor(k, dtype=torch.float64)
    return 1 - omega * (1 - torch.cos(k * torch.pi / (n + 1)))


def jacobi(system: Tridiagonal, u0: Tensor, *, sweeps: int, omega: float = 1.0, b: Tensor | None = None,
           record_every: int = 0, callback: Callback | None = None) -> Iteration:
    """``sweeps`` (weighted) Jacobi sweeps u ← u + ω D⁻¹ (b − A u) from ``u0`` (shape (..., n)).

    ``b`` overrides the system's right-hand side (``b = 0`` iterates the error equation).
    Iterates after 0, ``record_every``, 2·``record_every``, … and the last sweep are recorded
    (nothing when ``record_every = 0``) and passed to ``callback(step, u)``.  On
    tridiag(−1, 2, −1) the error's sine mode k is multiplied by 1 − ω(1 − cos(kπ/(n+1))) per
    sweep (:func:`jacobi_factor`): with ω = 2/3 the upper half k > n/2 shrinks at least
    threefold per sweep while k = 1 barely moves — high frequencies first, the opposite of a
    network's Frequency Principle (Xu et al., arXiv 1811.10146).  With ω = 1 the middle modes
    go fastest and both ends (k = 1 and k = n) slowly.

    Parameters
    ----------
    system : Tridiagonal
        The system A u = b (e.g. from :func:`fd_poisson_1d`).
    u0 : Tensor
        Starting iterate, shape (..., n) (leading batch axes allowed); converted to float64.
    sweeps : int
        Number of sweeps.
    omega : float
        Relaxation weight ω in (0, 1] (1: plain Jacobi; 2/3: the multigrid smoother).
    b : Tensor, optional
        Right-hand side replacing ``system.b``.
    record_every : int
        Record every this many sweeps (and the last); 0 records nothing.
    callback : callable, optional
        ``callback(step, u)`` called at every recorded step.

    Returns
    -------
    Iteration
        The final ``u`` (..., n), the recorded ``steps`` and ``iterates`` (len(steps), ..., n).

    Examples
    --------
    >>> import math, torch
    >>> n = 31; h = 2 / (n + 1)
    >>> x = -1 + h * torch.arange(1, n + 1, dtype=torch.float64)
    >>> system = fd_poisson_1d(math.pi**2 * torch.sin(math.pi * x), h, x=x)
    >>> it = jacobi(system, torch.zeros(n), sweeps=100, record_every=50)
    >>> it.steps
    tensor([  0,  50, 100])
    >>> e0 = sine_mode(n, 1) + sine_mode(n, 16)           # error equation: b = 0
    >>> sine_mode_errors(jacobi(system, e0, sweeps=1, b=torch.zeros(n)).u, [1, 16]).abs() < 1e-12
    tensor([False,  True])
    """
    _check_iter("sweeps", sweeps)
    if not 0 < omega <= 1:
        raise InputError("omega", f"got {omega!r}", "use a relaxation weight in (0, 1], e.g. 2/3")
    u, b = _start(system, u0, b)
    inv_d = omega / system.diag

    def step(v):
        return v + inv_d * (b - system.apply(v))

    return _iterate(step, u, sweeps, record_every, callback)


def gauss_seidel(system: Tridiagonal, u0: Tensor, *, sweeps: int, b: Tensor | None = None,
                 ordering: str = "lexicographic", record_every: int = 0, callback: Callback | None = None) -> Iteration:
    """``sweeps`` Gauss–Seidel sweeps: lexicographic ((D + L) u_new = b − U u_old) or ``"red_black"``.

    The red–black ordering updates the odd points (1-based), then the even ones, each half
    from the latest residual.  Recording as in :func:`jacobi`.

    Parameters
    ----------
    system : Tridiagonal
        The system A u = b (e.g. from :func:`fd_poisson_1d`).
    u0 : Tensor
        Starting iterate, shape (..., n) (leading batch axes allowed); converted to float64.
    sweeps : int
        Number of sweeps.
    b : Tensor, optional
        Right-hand side replacing ``system.b``.
    ordering : {"lexicographic", "red_black"}
        Update order.
    record_every : int
        Record every this many sweeps (and the last); 0 records nothing.
    callback : callable, optional
        ``callback(step, u)`` called at every recorded step.

    Returns
    -------
    Iteration
        The final ``u`` (..., n), the recorded ``steps`` and ``iterates`` (len(steps), ..., n).

    Examples
    --------
    >>> import math, torch
    >>> n = 31; h = 2 / (n + 1)
    >>> x = -1 + h * torch.arange(1, n + 1, dtype=torch.float64)
    >>> system = fd_poisson_1d(math.pi**2 * torch.sin(math.pi * x), h, x=x)
    >>> it = gauss_seidel(system, torch.zeros(n), sweeps=2000, ordering="red_black")
    >>> torch.allclose(it.u, system.solve())
    True
    """
    _check_iter("sweeps", sweeps)
    u, b = _start(system, u0, b)
    if ordering == "lexicographic":
        ab = np.zeros((2, system.n))
        ab[0] = system.diag.numpy()
        ab[1, :-1] = system.lower[1:].numpy()

        def step(v):
            rhs = b.clone()
            rhs[..., :-1] -= system.upper[:-1] * v[..., 1:]
            return _banded_solve((1, 0), ab, rhs)
    elif ordering == "red_black":
        def step(v):
            v = v.clone()
            for start in (0, 1):  # points 1, 3, 5, … then 2, 4, 6, … (1-based)
                idx = slice(start, None, 2)
                r = b - system.apply(v)
                v[..., idx] += r[..., idx] / system.diag[idx]
            return v
    else:
        raise InputError("ordering", f"got {ordering!r}", "choose 'lexicographic' or 'red_black'")
    return _iterate(step, u, sweeps, record_every, callback)


def multigrid_v_cycle(system: Tridiagonal, u0: Tensor, *, cycles: int = 1, b: Tensor | None = None, pre: int = 2,
                      post: int = 2, omega: float = 2 / 3, coarse_size: int = 3, record_every: int = 0,
                      callback: Callback | None = None) -> Iteration:
    """``cycles`` multigrid V-cycles from ``u0`` (see the module docstring for the components).

    Grids are coarsened n → (n − 1)/2 while n is odd and larger than ``coarse_size``; the
    coarsest system is solved directly.  Each cycle smooths ``pre`` times before and ``post``
    times after the coarse-grid correction with weighted Jacobi (``omega``).  Recording as in
    :func:`jacobi`, counting cycles.

    Parameters
    ----------
    system : Tridiagonal
        The system A u = b (e.g. from :func:`fd_poisson_1d`).
    u0 : Tensor
        Starting iterate, shape (..., n) (leading batch axes allowed); converted to float64.
    cycles : int
        Number of V-cycles.
    b : Tensor, optional
        Right-hand side replacing ``system.b``.
    pre, post : int
        Weighted-Jacobi smoothing sweeps before and after the coarse-grid correction.
    omega : float
        Weight of the smoother, in (0, 1].
    coarse_size : int
        Stop coarsening at this many points (or when n is even).
    record_every : int
        Record every this many cycles (and the last); 0 records nothing.
    callback : callable, optional
        ``callback(step, u)`` called at every recorded step.

    Returns
    -------
    Iteration
        The final ``u`` (..., n), the recorded ``steps`` and ``iterates`` (len(steps), ..., n).

    Examples
    --------
    >>> import math, torch
    >>> n = 31; h = 2 / (n + 1)
    >>> x = -1 + h * torch.arange(1, n + 1, dtype=torch.float64)
    >>> system = fd_poisson_1d(math.pi**2 * torch.sin(math.pi * x), h, x=x)
    >>> it = multigrid_v_cycle(system, torch.zeros(n), cycles=5)
    >>> float((it.u - system.solve()).abs().max()) < 1e-4
    True
    """
    _check_iter("cycles", cycles)
    for what, v in (("pre", pre), ("post", post)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise InputError(what, f"got {v!r}", "use a non-negative number of smoothing sweeps")
    if not 0 < omega <= 1:
        raise InputError("omega", f"got {omega!r}", "use a relaxation weight in (0, 1], e.g. 2/3")
    u, b = _start(system, u0, b)
    levels = _hierarchy(system, max(1, int(coarse_size)))

    def smooth(level, v, rhs, count):
        for _ in range(count):
            v = v + omega / level.diag * (rhs - level.apply(v))
        return v

    def cycle(i, v, rhs):
        level = levels[i]
        if i == len(levels) - 1:
            return level.solve(rhs)
        v = smooth(level, v, rhs, pre)
        r = rhs - level.apply(v)
        rc = 0.25 * r[..., 0:-2:2] + 0.5 * r[..., 1::2] + 0.25 * r[..., 2::2]
        ec = cycle(i + 1, torch.zeros_like(rc), rc)
        v = v + _interpolate(ec)
        return smooth(level, v, rhs, post)

    return _iterate(lambda v: cycle(0, v, b), u, cycles, record_every, callback)


def sine_mode(n: int, k: int) -> Tensor:
    """The discrete sine mode sin(jkπ/(n+1)), j = 1…n (an eigenvector of tridiag(−1, 2, −1)), float64."""
    j = torch.arange(1, n + 1, dtype=torch.float64)
    return torch.sin(j * k * torch.pi / (n + 1))


def sine_mode_errors(err: Tensor, modes: Sequence[int] | None = None) -> Tensor:
    """DST-I coefficients c_k = (2/(n+1)) Σ_j e_j sin(jkπ/(n+1)) of ``err`` (..., n) at ``modes`` (1-based; all when None).

    The inverse of e_j = Σ_k c_k sin(jkπ/(n+1)); a vector equal to ``sine_mode(n, k)`` has
    c_k = 1 and c_m = 0 for m ≠ k.

    Parameters
    ----------
    err : Tensor
        (..., n) values at the interior points j = 1…n (e.g. the error of an iterate).
    modes : sequence of int, optional
        Modes k between 1 and n; all n when omitted.

    Returns
    -------
    Tensor
        float64, shape (..., len(modes)).

    Examples
    --------
    >>> e = sine_mode(15, 3) + 0.5 * sine_mode(15, 12)
    >>> sine_mode_errors(e, [3, 12])
    tensor([1.0000, 0.5000], dtype=torch.float64)
    """
    err = torch.as_tensor(err, dtype=torch.float64)
    n = err.shape[-1]
    ks = torch.arange(1, n + 1) if modes is None else torch.as_tensor(list(modes))
    if ks.numel() and (int(ks.min()) < 1 or int(ks.max()) > n):
        raise InputError("modes", f"got {ks.tolist()} for n = {n}", f"use modes between 1 and {n}")
    j = torch.arange(1, n + 1, dtype=torch.float64)
    basis = torch.sin(ks.to(torch.float64)[:, None] * j[None, :] * torch.pi / (n + 1))  # (modes, n)
    return 2.0 / (n + 1) * err @ basis.T


def solution_peaks(exact: Tensor, *, floor: float = 1e-3, max_index: int | None = None) -> Tensor:
    """DFT indices of the peaks of |û| among 0…``max_index`` − 1 (default n//2 + 1): :func:`simbias.spectral.find_peaks`.

    Strict local maxima; those below ``floor`` × the largest are dropped (round-off peaks; papers.md §1.1).
    """
    u = torch.as_tensor(exact, dtype=torch.float64).reshape(-1)
    top = u.shape[0] // 2 + 1 if max_index is None else int(max_index)
    return find_peaks(dft(u).abs(), max_index=top, rel_floor=floor)


def iteration_peak_errors(iterates: Tensor | Sequence[Tensor], exact: Tensor, *, peaks: Sequence[int] | None = None,
                          floor: float = 1e-3, max_index: int | None = None) -> tuple[Tensor, Tensor]:
    """Δ_F(k) = |ĥ_k − û_k| / |û_k| of each iterate h against the solution u at the peaks of |û|.

    ``iterates``: (T, n) (e.g. ``Iteration.iterates``) or a list of (n,) vectors on the grid of
    ``exact``.  Returns ``(peaks, errors)``, errors of shape (T, len(peaks)); peaks from
    :func:`solution_peaks` unless given.  Δ_F is :func:`simbias.spectral.peak_errors` (complex kind).
    """
    u = torch.as_tensor(exact, dtype=torch.float64).reshape(-1)
    if isinstance(iterates, Tensor):
        h = iterates.to(torch.float64).reshape(-1, iterates.shape[-1])
    else:
        h = torch.stack([torch.as_tensor(v, dtype=torch.float64).reshape(-1) for v in iterates])
    if h.shape[1] != u.shape[0]:
        raise InputError("iterates", f"length {h.shape[1]} differs from the solution's {u.shape[0]}", "use the same grid")
    ks = solution_peaks(u, floor=floor, max_index=max_index) if peaks is None else torch.as_tensor(list(peaks))
    return ks, spectral_peak_errors(h, u, ks)


def first_converged(errors: Tensor, steps: Tensor | Sequence[int], *, threshold: float = 0.1) -> Tensor:
    """For each column of ``errors`` (T, P): the first step after which it stays below ``threshold`` (−1: never)."""
    errors = torch.as_tensor(errors)
    steps = torch.as_tensor(steps)
    below = errors < threshold
    # stays below from row t on  ⇔  all rows ≥ t are below: reverse cumulative "all"
    stays = torch.flip(torch.cumprod(torch.flip(below, [0]).to(torch.int64), dim=0), [0]).bool()
    out = torch.full((errors.shape[1],), -1, dtype=torch.long)
    for p in range(errors.shape[1]):  # loop over peaks, not grid points
        idx = torch.nonzero(stays[:, p])
        if idx.numel():
            out[p] = int(steps[int(idx[0])])
    return out


# -- helpers ---------------------------------------------------------------------------------
def _vector64(what: str, v) -> Tensor:
    t = torch.as_tensor(v, dtype=torch.float64).reshape(-1)
    if t.numel() < 1:
        raise InputError(what, "got an empty vector", "give at least one interior value")
    return t


def _check_iter(what: str, v: int) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise InputError(what, f"got {v!r}", "use a non-negative integer")


def _start(system: Tridiagonal, u0: Tensor, b: Tensor | None) -> tuple[Tensor, Tensor]:
    u = torch.as_tensor(u0, dtype=torch.float64).clone()
    if u.shape[-1] != system.n:
        raise InputError("u0", f"last axis has length {u.shape[-1]}, the system has n = {system.n}", "match the grid")
    b = system.b if b is None else torch.as_tensor(b, dtype=torch.float64)
    return u, b


def _iterate(step: Callable[[Tensor], Tensor], u: Tensor, count: int, record_every: int, callback: Callback | None) -> Iteration:
    _check_iter("record_every", record_every)
    steps, iterates = [], []

    def record(s, v):
        steps.append(s)
        iterates.append(v.clone())
        if callback is not None:
            callback(s, v)

    if record_every:
        record(0, u)
    for s in range(1, count + 1):
        u = step(u)
        if record_every and (s % record_every == 0 or s == count):
            record(s, u)
    it = torch.stack(iterates) if iterates else torch.zeros((0, *u.shape), dtype=u.dtype)
    return Iteration(u, torch.tensor(steps, dtype=torch.long), it)


def _banded_solve(lu: tuple[int, int], ab: np.ndarray, rhs: Tensor) -> Tensor:
    rhs = torch.as_tensor(rhs, dtype=torch.float64)
    shape = rhs.shape
    flat = rhs.reshape(-1, shape[-1]).T.numpy()  # (n, batch)
    sol = solve_banded(lu, ab, flat, check_finite=False)
    return torch.from_numpy(np.ascontiguousarray(sol.T)).reshape(shape)


def _interpolate(ec: Tensor) -> Tensor:
    """Linear interpolation from n_c coarse to 2 n_c + 1 fine points (zero boundary values)."""
    nc = ec.shape[-1]
    out = torch.zeros((*ec.shape[:-1], 2 * nc + 1), dtype=ec.dtype)
    out[..., 1::2] = ec
    out[..., 0:-1:2] += 0.5 * ec
    out[..., 2::2] += 0.5 * ec
    return out


def _hierarchy(system: Tridiagonal, coarse_size: int) -> list[Tridiagonal]:
    levels = [system]
    while levels[-1].n % 2 == 1 and levels[-1].n > coarse_size:
        fine = levels[-1]
        n, nc = fine.n, (fine.n - 1) // 2
        a = sparse.diags([fine.lower[1:].numpy(), fine.diag.numpy(), fine.upper[:-1].numpy()], [-1, 0, 1], format="csr")
        cols = np.arange(nc)
        rows = np.concatenate([2 * cols + 1, 2 * cols, 2 * cols + 2])
        vals = np.concatenate([np.ones(nc), np.full(nc, 0.5), np.full(nc, 0.5)])
        p = sparse.csr_matrix((vals, (rows, np.concatenate([cols, cols, cols]))), shape=(n, nc))
        ac = (0.5 * p.T @ a @ p).todia()
        diag = {k: np.zeros(nc) for k in (-1, 0, 1)}
        for k in (-1, 0, 1):
            d = ac.diagonal(k)
            if k == -1:
                diag[k][1:] = d
            elif k == 1:
                diag[k][:-1] = d
            else:
                diag[k][:] = d
        t = lambda v: torch.from_numpy(v.copy())  # noqa: E731
        levels.append(Tridiagonal(t(diag[-1]), t(diag[0]), t(diag[1]), torch.zeros(nc, dtype=torch.float64)))
    return levels
