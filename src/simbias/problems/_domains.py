"""Domains for PDE problems: samplers of the interior and the boundary, volume, membership.

The domains of the MscaleDNN test problems (Liu, Cai & Xu 2020, arXiv 2007.11207, §4–5):

* :class:`Interval` ``[lo, hi]`` and :class:`Box` ``Π_i [lows_i, highs_i]`` (any dimension),
* :class:`Annulus` ``{x : r_inner ≤ |x − center| ≤ r_outer}`` (the ring of radii 1 and 3; any
  dimension, a spherical shell for d = 3),
* :class:`BoxWithHoles` — a box minus non-overlapping open balls strictly inside it (the square
  with holes and the cube with 125 holes).

Sampling conventions (all draws come from the ``generator`` passed in; points are drawn in float64
on the CPU and then converted, so a seed gives the same points on every device and dtype):

* ``sample_interior(n, generator)``: i.i.d. uniform in the domain (area/volume measure);
  rejection sampling for the holes.
* ``sample_boundary(n, generator)``: i.i.d. uniform with respect to the surface measure: each
  point first picks a boundary piece with probability proportional to its measure (a face of a
  box by its (d−1)-volume, a circle/sphere by its length/area), then a uniform point on it.  In
  1-D the two end points count once each (counting measure), so each gets probability ½.
* ``volume`` is |Ω| (the factor of the Deep Ritz loss), ``boundary_measure`` is |∂Ω| (the
  number of end points, 2, in 1-D).
* ``contains(x, tol)`` tests the *closed* domain; ``on_boundary(x, tol)`` tests |distance| ≤ tol.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import torch
from torch import Tensor

from ..errors import InputError

__all__ = ["Domain", "Interval", "Box", "Annulus", "BoxWithHoles", "DOMAINS", "make_domain", "as_domain"]


class Domain:
    """Base class: a closed bounded domain in ``dim`` dimensions (see the module docstring).

    Subclasses set ``dim``, ``volume`` (|Ω|) and ``boundary_measure`` (|∂Ω|) and implement the
    samplers; all draws come from the ``torch.Generator`` passed in (float64 on the CPU, then
    converted), so a seed gives the same points on every device and dtype.

    Examples
    --------
    >>> import torch
    >>> dom = Box([0.0, 0.0], [1.0, 2.0])
    >>> g = torch.Generator().manual_seed(0)
    >>> x = dom.sample_interior(5, g)
    >>> x.shape, bool(dom.contains(x).all())
    (torch.Size([5, 2]), True)
    """

    dim: int
    volume: float
    boundary_measure: float

    def sample_interior(self, n: int, generator: torch.Generator, *, dtype=None, device=None) -> Tensor:
        """``n`` points uniform in the domain, shape (n, dim)."""
        _check_n(n)
        return self._interior(n, _check_generator(generator)).to(dtype=dtype or torch.get_default_dtype(), device=device)

    def sample_boundary(self, n: int, generator: torch.Generator, *, dtype=None, device=None) -> Tensor:
        """``n`` points uniform on the boundary (surface measure), shape (n, dim)."""
        _check_n(n)
        return self._boundary(n, _check_generator(generator)).to(dtype=dtype or torch.get_default_dtype(), device=device)

    def contains(self, x: Tensor, *, tol: float | None = None) -> Tensor:
        """Boolean (n,): whether each point lies in the closed domain (up to ``tol``)."""
        x = self._points(x)
        return self._signed_distance(x) <= self._tol(x, tol)

    def on_boundary(self, x: Tensor, *, tol: float | None = None) -> Tensor:
        """Boolean (n,): whether each point lies on the boundary (up to ``tol``)."""
        x = self._points(x)
        return self._signed_distance(x).abs() <= self._tol(x, tol)

    # -- implementation ---------------------------------------------------------------------
    def _interior(self, n: int, g: torch.Generator) -> Tensor:  # float64, CPU
        raise NotImplementedError

    def _boundary(self, n: int, g: torch.Generator) -> Tensor:  # float64, CPU
        raise NotImplementedError

    def _signed_distance(self, x: Tensor) -> Tensor:
        """Negative inside, zero on the boundary, positive outside (a distance bound, not exact)."""
        raise NotImplementedError

    def _scale(self) -> float:
        return 1.0

    def _tol(self, x: Tensor, tol: float | None) -> float:
        if tol is not None:
            return float(tol)
        return 64 * torch.finfo(x.dtype).eps * (1.0 + self._scale())

    def _points(self, x: Tensor) -> Tensor:
        x = torch.as_tensor(x)
        if not torch.is_floating_point(x):
            x = x.to(torch.get_default_dtype())
        if x.ndim == 1 and self.dim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise InputError("points", f"expected shape (n, {self.dim}) for {self!r}, got {tuple(x.shape)}",
                             "pass one column per dimension")
        return x


class Box(Domain):
    """The box ``Π_i [lows_i, highs_i]`` in ``d = len(lows)`` dimensions; |Ω| = Π (highs − lows).

    The boundary is the 2d faces, each sampled in proportion to its (d−1)-volume.

    Parameters
    ----------
    lows, highs : sequence of float
        Lower and upper bound in each dimension (same length, ``lows < highs``); otherwise
        :class:`~simbias.errors.InputError`.

    Examples
    --------
    >>> Box([0, 0], [2, 3]).volume
    6.0
    """

    def __init__(self, lows: Sequence[float], highs: Sequence[float]):
        lows_t, highs_t = _vector("problem.domain.lows", lows), _vector("problem.domain.highs", highs)
        if lows_t.numel() != highs_t.numel():
            raise InputError("problem.domain", f"lows {list(lows)} and highs {list(highs)} differ in length",
                             "give one bound per dimension in each")
        if not bool((lows_t < highs_t).all()):
            raise InputError("problem.domain", f"lows {lows_t.tolist()} must be below highs {highs_t.tolist()}",
                             "give lows < highs in every dimension")
        self.lows, self.highs = lows_t, highs_t
        self.dim = int(lows_t.numel())
        side = highs_t - lows_t
        self.volume = float(side.prod())
        # face i (two copies: low and high) has measure Π_{j≠i} side_j; end points count 1 in 1-D
        self._face = torch.stack([torch.cat([side[:i], side[i + 1:]]).prod() for i in range(self.dim)])
        self.boundary_measure = float(2 * self._face.sum())

    def _interior(self, n, g):
        u = torch.rand(n, self.dim, generator=g, dtype=torch.float64)
        return self.lows + (self.highs - self.lows) * u

    def _boundary(self, n, g):
        weights = torch.cat([self._face, self._face])  # faces 0..d-1 low, d..2d-1 high
        face = torch.multinomial(weights, n, replacement=True, generator=g)
        x = self._interior(n, g)
        axis = face % self.dim
        value = torch.where(face < self.dim, self.lows[axis], self.highs[axis])
        x[torch.arange(n), axis] = value
        return x

    def _signed_distance(self, x):
        lo, hi = self.lows.to(x), self.highs.to(x)
        return torch.maximum(lo - x, x - hi).amax(dim=1)

    def _scale(self):
        return float(torch.maximum(self.lows.abs(), self.highs.abs()).max())

    def __repr__(self):
        return f"Box(lows={self.lows.tolist()}, highs={self.highs.tolist()})"


class Interval(Box):
    """The interval ``[lo, hi]`` (a 1-D :class:`Box`); boundary = the two end points, ½ each.

    Parameters
    ----------
    lo, hi : float
        End points, ``lo < hi`` (default [−1, 1]).

    Examples
    --------
    >>> dom = Interval(0.0, 2.0)
    >>> dom.volume, dom.boundary_measure
    (2.0, 2.0)
    """

    def __init__(self, lo: float = -1.0, hi: float = 1.0):
        super().__init__([lo], [hi])
        self.lo, self.hi = float(self.lows[0]), float(self.highs[0])

    def __repr__(self):
        return f"Interval({self.lo}, {self.hi})"


class Annulus(Domain):
    """``{x : r_inner ≤ |x − center| ≤ r_outer}``, d = len(center) (a ring in 2-D, a shell in 3-D).

    |Ω| = ω_d (r_outer^d − r_inner^d) with ω_d the unit-ball volume; the boundary is the two
    spheres, sampled in proportion to r^{d−1} (their lengths in 2-D).  Defaults: the ring of
    2007.11207 (radii 1 and 3 around the origin).

    Parameters
    ----------
    r_inner, r_outer : float
        Inner and outer radius, ``0 ≤ r_inner < r_outer``.
    center : sequence of float
        The centre; its length (≥ 2) is the dimension d.

    Examples
    --------
    >>> import math
    >>> ring = Annulus(1.0, 3.0)
    >>> math.isclose(ring.volume, 8 * math.pi)
    True
    """

    def __init__(self, r_inner: float = 1.0, r_outer: float = 3.0, center: Sequence[float] = (0.0, 0.0)):
        c = _vector("problem.domain.center", center)
        if c.numel() < 2:
            raise InputError("problem.domain.center", f"got {list(center)}", "give at least two coordinates (use Interval in 1-D)")
        try:
            r_in, r_out = float(r_inner), float(r_outer)
        except (TypeError, ValueError):
            raise InputError("problem.domain", f"radii {r_inner!r}, {r_outer!r}", "give numbers") from None
        if not (0 <= r_in < r_out < math.inf):
            raise InputError("problem.domain", f"radii r_inner={r_in}, r_outer={r_out}", "give 0 ≤ r_inner < r_outer")
        self.r_inner, self.r_outer, self.center = r_in, r_out, c
        self.dim = int(c.numel())
        self.volume = _ball_volume(self.dim, r_out) - _ball_volume(self.dim, r_in)
        self.boundary_measure = _sphere_area(self.dim, r_out) + _sphere_area(self.dim, r_in)

    def _interior(self, n, g):
        d = self.dim
        direction = _unit_vectors(n, d, g)
        t = torch.rand(n, generator=g, dtype=torch.float64)
        r = (self.r_inner**d + t * (self.r_outer**d - self.r_inner**d)) ** (1.0 / d)
        return self.center + r[:, None] * direction

    def _boundary(self, n, g):
        weights = torch.tensor([self.r_outer ** (self.dim - 1), self.r_inner ** (self.dim - 1)], dtype=torch.float64)
        which = torch.multinomial(weights, n, replacement=True, generator=g)
        r = torch.where(which == 0, self.r_outer, self.r_inner).to(torch.float64)
        return self.center + r[:, None] * _unit_vectors(n, self.dim, g)

    def _signed_distance(self, x):
        r = (x - self.center.to(x)).norm(dim=1)
        return torch.maximum(self.r_inner - r, r - self.r_outer)

    def _scale(self):
        return self.r_outer + float(self.center.abs().max())

    def __repr__(self):
        return f"Annulus(r_inner={self.r_inner}, r_outer={self.r_outer}, center={self.center.tolist()})"


class BoxWithHoles(Domain):
    """A :class:`Box` minus open balls ``{|x − c_k| < r_k}`` (``holes=[(c_k, r_k), ...]``).

    The balls must lie strictly inside the box and must not overlap, so that
    |Ω| = |box| − Σ_k ω_d r_k^d and the boundary is the box's faces plus the spheres.
    Interior points are drawn by rejection sampling from the box.

    Parameters
    ----------
    lows, highs : sequence of float
        The box, as for :class:`Box`.
    holes : sequence of (center, radius)
        The balls removed; each ``center`` has one coordinate per dimension, ``radius > 0``.

    Examples
    --------
    >>> import math
    >>> dom = BoxWithHoles([0, 0], [1, 1], holes=[([0.5, 0.5], 0.25)])
    >>> math.isclose(dom.volume, 1 - math.pi / 16)
    True
    """

    def __init__(self, lows: Sequence[float], highs: Sequence[float], holes: Sequence[Any] = ()):
        self.box = Box(lows, highs)
        self.dim = self.box.dim
        centers, radii = [], []
        for k, hole in enumerate(holes):
            try:
                c, r = hole
                c, r = _vector(f"problem.domain.holes[{k}]", c), float(r)
            except (TypeError, ValueError):
                raise InputError("problem.domain.holes", f"hole {k} is {hole!r}",
                                 "give each hole as (center, radius), e.g. [[0.5, 0.5], 0.1]") from None
            if c.numel() != self.dim or not r > 0 or not math.isfinite(r):
                raise InputError("problem.domain.holes", f"hole {k} = ({c.tolist()}, {r})",
                                 f"give a center with {self.dim} coordinates and a positive radius")
            if bool(((c - r) <= self.box.lows).any() or ((c + r) >= self.box.highs).any()):
                raise InputError("problem.domain.holes", f"hole {k} = ({c.tolist()}, {r}) touches or leaves the box",
                                 "keep every hole strictly inside the box")
            centers.append(c)
            radii.append(r)
        self.centers = torch.stack(centers) if centers else torch.zeros(0, self.dim, dtype=torch.float64)
        self.radii = torch.tensor(radii, dtype=torch.float64)
        if len(radii) > 1:
            gap = torch.cdist(self.centers, self.centers) - (self.radii[:, None] + self.radii[None, :])
            gap.fill_diagonal_(math.inf)
            if bool((gap <= 0).any()):
                i, j = [int(v) for v in (gap <= 0).nonzero()[0]]
                raise InputError("problem.domain.holes", f"holes {i} and {j} overlap", "use disjoint holes")
        self.volume = self.box.volume - sum(_ball_volume(self.dim, r) for r in radii)
        self._hole_area = torch.tensor([_sphere_area(self.dim, r) for r in radii], dtype=torch.float64)
        self.boundary_measure = self.box.boundary_measure + float(self._hole_area.sum())

    def _interior(self, n, g):
        frac = self.volume / self.box.volume
        chunks, have = [], 0
        while have < n:
            m = int(1.2 * (n - have) / frac) + 16
            x = self.box._interior(m, g)
            x = x[~self._in_hole(x)]
            chunks.append(x)
            have += x.shape[0]
        return torch.cat(chunks)[:n]

    def _boundary(self, n, g):
        weights = torch.cat([torch.tensor([self.box.boundary_measure], dtype=torch.float64), self._hole_area])
        piece = torch.multinomial(weights, n, replacement=True, generator=g)
        x = self.box._boundary(n, g)
        if self.radii.numel():
            k = (piece - 1).clamp(min=0)
            on_sphere = self.centers[k] + self.radii[k, None] * _unit_vectors(n, self.dim, g)
            x = torch.where((piece > 0)[:, None], on_sphere, x)
        return x

    def _in_hole(self, x):
        if not self.radii.numel():
            return torch.zeros(x.shape[0], dtype=torch.bool)
        return (torch.cdist(x, self.centers) < self.radii).any(dim=1)

    def _signed_distance(self, x):
        d = self.box._signed_distance(x)
        if self.radii.numel():
            hole = (self.radii.to(x) - torch.cdist(x, self.centers.to(x))).amax(dim=1)
            d = torch.maximum(d, hole)
        return d

    def _scale(self):
        return self.box._scale()

    def __repr__(self):
        return f"BoxWithHoles(lows={self.box.lows.tolist()}, highs={self.box.highs.tolist()}, holes={len(self.radii)})"


DOMAINS: dict[str, type[Domain]] = {
    "interval": Interval,
    "box": Box,
    "annulus": Annulus,
    "box_with_holes": BoxWithHoles,
}


def make_domain(name: str, **kwargs: Any) -> Domain:
    """Build the domain registered under ``name`` (see :data:`DOMAINS`) with keyword arguments.

    Parameters
    ----------
    name : str
        A key of :data:`DOMAINS` (``"interval"``, ``"box"``, ``"annulus"``, ``"box_with_holes"``).
    **kwargs
        The constructor's arguments.

    Returns
    -------
    Domain
        The domain; an unknown name or bad arguments raise :class:`~simbias.errors.InputError`
        naming ``problem.domain``.

    Examples
    --------
    >>> make_domain("annulus", r_inner=1.0, r_outer=2.0).dim
    2
    """
    if name not in DOMAINS:
        raise InputError("problem.domain", f"unknown domain {name!r}", f"choose one of {', '.join(DOMAINS)}")
    cls = DOMAINS[name]
    try:
        return cls(**kwargs)
    except TypeError as exc:
        import inspect

        params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        raise InputError("problem.domain", f"bad arguments {sorted(kwargs)} for {name!r} ({exc})",
                         f"its arguments are {', '.join(params)}") from None


def as_domain(spec: Any) -> Domain:
    """A :class:`Domain` from a domain, a name, ``{"name": ..., **kwargs}`` or a pair ``[lo, hi]``.

    Parameters
    ----------
    spec : Domain, str, mapping or pair of numbers
        A domain (returned as is), a registered name (default arguments), a mapping with a
        ``name`` key plus constructor arguments (the spec's ``problem.domain`` table), or
        ``[lo, hi]`` for an :class:`Interval`.

    Returns
    -------
    Domain
        The domain; anything else raises :class:`~simbias.errors.InputError`.

    Examples
    --------
    >>> as_domain([0, 1])
    Interval(0.0, 1.0)
    >>> as_domain({"name": "box", "lows": [0, 0], "highs": [1, 1]}).volume
    1.0
    """
    if isinstance(spec, Domain):
        return spec
    if isinstance(spec, str):
        return make_domain(spec)
    if isinstance(spec, Mapping):
        kw = dict(spec)
        name = kw.pop("name", None)
        if name is None:
            raise InputError("problem.domain", f"got {spec!r} without a name", f"add name = one of {', '.join(DOMAINS)}")
        return make_domain(name, **kw)
    if isinstance(spec, Sequence) and len(spec) == 2 and all(isinstance(v, (int, float)) for v in spec):
        return Interval(*spec)
    raise InputError("problem.domain", f"got {spec!r}",
                     "give [lo, hi], a name such as 'annulus', or {name = 'box', lows = [...], highs = [...]}")


# -- helpers ---------------------------------------------------------------------------------
def _vector(what: str, values: Any) -> Tensor:
    try:
        v = torch.as_tensor([float(a) for a in values], dtype=torch.float64)
    except (TypeError, ValueError):
        raise InputError(what, f"got {values!r}", "give a list of numbers") from None
    if v.numel() == 0 or not bool(torch.isfinite(v).all()):
        raise InputError(what, f"got {values!r}", "give a non-empty list of finite numbers")
    return v


def _check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError("number of points", f"got {n!r}", "use a positive integer")


def _check_generator(g: Any) -> torch.Generator:
    if not isinstance(g, torch.Generator):
        raise InputError("generator", f"got {g!r}", "pass torch.Generator().manual_seed(seed)")
    return g


def _unit_vectors(n: int, d: int, g: torch.Generator) -> Tensor:
    z = torch.randn(n, d, generator=g, dtype=torch.float64)
    return z / z.norm(dim=1, keepdim=True).clamp_min(1e-300)


def _ball_volume(d: int, r: float) -> float:
    return math.pi ** (d / 2) / math.gamma(d / 2 + 1) * r**d


def _sphere_area(d: int, r: float) -> float:
    return 2 * math.pi ** (d / 2) / math.gamma(d / 2) * r ** (d - 1)
