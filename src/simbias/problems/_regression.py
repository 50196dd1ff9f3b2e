"""Regression problems: a target function sampled on a domain, with optional label noise.

A :class:`Regression` holds everything a training engine needs (training inputs and labels),
everything an instrument needs (a dense uniform evaluation grid with the clean target on it),
and the target itself as a callable (for derivative losses).  Randomness comes only from the
seeds passed in: ``sample_seed`` for random sampling, ``noise_seed`` for label noise, so the
same problem can be rebuilt exactly.

:func:`point_regression` and :func:`box_regression` are the small point data sets of the two-layer
experiments (a few grid or explicit points in 1-D, points uniform in a box): points and labels are
computed in float64 and then converted to the run's dtype, so the same data set is rebuilt exactly
in either precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from ..errors import InputError
from ._expr import Expression, check_expression_on, parse_expression

__all__ = ["Regression", "make_regression", "uniform_grid", "random_points", "SAMPLERS", "point_regression",
           "box_regression"]

SAMPLERS = ("uniform", "random")


def uniform_grid(domain: Sequence[float], n: int, *, endpoint: bool = True, dtype=None, device=None) -> Tensor:
    """``n`` equally spaced points on ``[lo, hi]`` (``hi`` excluded when ``endpoint=False``), shape (n, 1).

    Parameters
    ----------
    domain : pair of float
        ``[lo, hi]`` with ``lo < hi``.
    n : int
        Number of points (≥ 2).
    endpoint : bool
        ``True``: ``linspace(lo, hi, n)``, spacing (hi − lo)/(n − 1); ``False``:
        ``lo + (hi − lo)·k/n`` for k = 0 … n−1 (a periodic grid).
    dtype, device
        Of the result (default dtype: ``torch.get_default_dtype()``).

    Returns
    -------
    Tensor
        Shape (n, 1).

    Examples
    --------
    >>> uniform_grid([0, 1], 3).flatten()
    tensor([0.0000, 0.5000, 1.0000])
    >>> uniform_grid([0, 1], 4, endpoint=False).flatten()
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    lo, hi = _check_domain(domain)
    _check_count("n", n)
    if endpoint:
        x = torch.linspace(lo, hi, n, dtype=dtype, device=device)
    else:
        x = lo + (hi - lo) * torch.arange(n, dtype=dtype, device=device) / n
    return x[:, None]


def random_points(domain: Sequence[float], n: int, *, generator: torch.Generator, dim: int = 1,
                  dtype=None, device=None) -> Tensor:
    """``n`` points drawn uniformly from the box ``[lo, hi]^dim`` with ``generator`` (shape (n, dim)).

    Parameters
    ----------
    domain : pair of float
        ``[lo, hi]``, the same interval in every dimension.
    n : int
        Number of points (≥ 2).
    generator : torch.Generator
        The source of randomness (a CPU generator; the points are moved to ``device`` after).
    dim : int
        Number of coordinates.
    dtype, device
        Of the result.

    Returns
    -------
    Tensor
        Shape (n, dim), ``lo + (hi − lo)·U`` with U uniform on [0, 1).

    Examples
    --------
    >>> import torch
    >>> x = random_points([-1, 1], 100, generator=torch.Generator().manual_seed(0), dim=2)
    >>> x.shape, bool((x.abs() <= 1).all())
    (torch.Size([100, 2]), True)
    """
    lo, hi = _check_domain(domain)
    _check_count("n", n)
    u = torch.rand(n, dim, generator=generator, dtype=dtype)
    return (lo + (hi - lo) * u).to(device)


@dataclass
class Regression:
    """A supervised problem on points.

    Usually built by :func:`make_regression`; ``to(device, dtype)`` converts every tensor, and
    ``in_features`` / ``out_features`` give d and c.

    Parameters
    ----------
    x_train : Tensor
        (n, d) training inputs.
    y_train : Tensor
        (n, c) training labels (noisy when ``noise_std > 0``).
    y_train_clean : Tensor
        (n, c) the target without noise at the training inputs.
    x_test : Tensor
        (n_test, d) dense uniform evaluation grid (1-D) or held-out points.
    y_test : Tensor
        (n_test, c) the clean target on ``x_test``.
    target : callable or None
        The clean target as a callable (n, d) → (n,), or ``None`` for data sets.
    uniform : bool
        Whether ``x_train`` is a uniform 1-D grid (so a DFT of outputs on it is meaningful).
    name : str
        A short description used in figures.

    Examples
    --------
    >>> import torch
    >>> x = torch.linspace(0, 1, 5)[:, None]
    >>> prob = Regression(x, x**2, x**2, x, x**2, uniform=True, name="x**2")
    >>> prob.in_features, prob.out_features
    (1, 1)
    """

    x_train: Tensor
    y_train: Tensor
    y_train_clean: Tensor
    x_test: Tensor
    y_test: Tensor
    target: Callable[[Tensor], Tensor] | None = None
    uniform: bool = False
    name: str = ""

    def to(self, device=None, dtype=None) -> "Regression":
        conv = lambda t: t.to(device=device, dtype=dtype)  # noqa: E731
        return Regression(conv(self.x_train), conv(self.y_train), conv(self.y_train_clean), conv(self.x_test),
                          conv(self.y_test), self.target, self.uniform, self.name)

    @property
    def in_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def out_features(self) -> int:
        return int(self.y_train.shape[1])


def make_regression(target: str | Callable[[Tensor], Tensor], *, domain: Sequence[float] = (-3.141592653589793, 3.141592653589793),
                    n_train: int = 201, n_test: int = 1000, sampler: str = "uniform", noise_std: float = 0.0,
                    noise_seed: int = 0, sample_seed: int = 0, dtype=None, device=None) -> Regression:
    """Sample a 1-D target on ``domain``.

    Parameters
    ----------
    target : str or callable
        An expression in ``x`` (parsed by :func:`parse_expression`, never executed) or a
        callable (n, 1) → (n,) or (n, c).
    domain : pair of float
        ``[lo, hi]``.
    n_train : int
        Number of training points (≥ 2).
    n_test : int
        Size of the dense uniform evaluation grid on the same interval (endpoint included).
    sampler : {"uniform", "random"}
        ``"uniform"`` puts the training points on ``linspace(lo, hi, n_train)`` (endpoint
        included, as the original experiments do); ``"random"`` draws them uniformly with
        ``sample_seed`` (then sorted).
    noise_std : float
        Standard deviation of Gaussian label noise added to ``y_train``, drawn with ``noise_seed``.
    noise_seed, sample_seed : int
        Seeds of the noise and of the random sampler.
    dtype, device
        Of every tensor (default dtype: ``torch.get_default_dtype()``).

    Returns
    -------
    Regression
        Labels of shape (n, c) (c = 1 for an expression); ``uniform`` is ``True`` for the uniform
        sampler.  A target that is not finite on the points raises
        :class:`~simbias.errors.InputError` naming ``problem.target``.

    Examples
    --------
    >>> prob = make_regression("sin(x) + sin(3*x)", n_train=64, n_test=256)
    >>> prob.x_train.shape, prob.y_test.shape, prob.uniform
    (torch.Size([64, 1]), torch.Size([256, 1]), True)
    """
    fn = parse_expression(target, dim=1, name="problem.target") if isinstance(target, str) else target
    if sampler not in SAMPLERS:
        raise InputError("problem.sampler", f"unknown sampler {sampler!r}", f"choose one of {', '.join(SAMPLERS)}")
    if not (isinstance(noise_std, (int, float)) and math.isfinite(noise_std) and noise_std >= 0):
        raise InputError("problem.noise_std", f"got {noise_std!r}", "use a finite non-negative standard deviation")
    _check_count("problem.n_train", n_train)
    _check_count("problem.n_test", n_test)
    dtype = dtype or torch.get_default_dtype()
    if sampler == "uniform":
        x = uniform_grid(domain, n_train, dtype=dtype)
    else:
        g = torch.Generator().manual_seed(int(sample_seed))
        x = random_points(domain, n_train, generator=g, dtype=dtype).sort(dim=0).values
    x_test = uniform_grid(domain, n_test, dtype=dtype)
    with torch.no_grad():
        if isinstance(fn, Expression):  # names problem.target and the dtype's range on failure
            y_clean = check_expression_on(fn, x, key=fn.name, dtype=dtype).reshape(x.shape[0], -1)
            y_test = check_expression_on(fn, x_test, key=fn.name, dtype=dtype).reshape(x_test.shape[0], -1)
        else:
            y_clean = _evaluate(fn, x)
            y_test = _evaluate(fn, x_test)
    y = y_clean
    if noise_std > 0:
        g = torch.Generator().manual_seed(int(noise_seed))
        y = y_clean + noise_std * torch.randn(y_clean.shape, generator=g, dtype=dtype)
    name = target if isinstance(target, str) else getattr(target, "__name__", "target")
    return Regression(x, y, y_clean, x_test, y_test, fn, sampler == "uniform", name).to(device=device)


def _evaluate(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    y = fn(x)
    if not torch.isfinite(y).all():
        raise InputError("problem.target", "the target is not finite on the domain (e.g. log or division by 0)",
                         "change the expression or problem.domain")
    return y.reshape(x.shape[0], -1)


def _check_domain(domain: Sequence[float]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in domain)
    except (TypeError, ValueError):
        raise InputError("problem.domain", f"expected [lo, hi], got {domain!r}", "e.g. problem.domain=[-3.14, 3.14]") from None
    if not lo < hi:
        raise InputError("problem.domain", f"[{lo}, {hi}] is empty", "give lo < hi")
    return lo, hi


def _check_count(name: str, n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise InputError(name, f"got {n!r}", "use an integer ≥ 2")


_F64 = torch.float64


def _regression(x, y, xt, yt, fn, name: str, dtype, device) -> Regression:
    return Regression(*(v.to(dtype) for v in (x, y, y, xt, yt)), fn, False, name).to(device=device)


def _labels(fn, dtype, *xs) -> list[torch.Tensor]:
    for v in xs:  # finite on the run's own points in its dtype (the labels: float64 values, then cast)
        check_expression_on(fn, v, key="problem.target", dtype=dtype)
    return [fn(v).reshape(-1, 1).to(_F64) for v in xs]


def point_regression(target: str | None = None, *, x: Sequence[float] | None = None, y: Sequence[float] | None = None,
                     domain: Sequence[float] = (-1.0, 1.0), n_train: int = 4, n_test: int = 1000,
                     test_domain: Sequence[float] = (), dtype=torch.float32, device="cpu") -> Regression:
    """A 1-D data set of a few points: ``n_train`` grid points of ``target`` on ``domain`` (endpoints
    included), or the explicit points ``x`` with labels ``y`` (or ``target`` evaluated at them).

    The training points are sorted by x.  The evaluation grid has ``n_test`` points on
    ``test_domain`` (empty: ``domain`` widened to cover the points); its reference curve is the
    target, or with explicit ``y`` the piecewise-linear interpolant of the data.

    Parameters
    ----------
    target : str, optional
        An expression in ``x`` (not needed with ``y``).
    x, y : sequence of float, optional
        Explicit points (distinct) and their labels.
    domain : pair of float, default (-1, 1)
        The interval of the grid points.
    n_train : int, default 4
        Grid points (used only without ``x``).
    n_test : int, default 1000
        Points of the evaluation grid.
    test_domain : pair of float, optional
        ``[lo, hi]`` of the evaluation grid.
    dtype, device
        Of every tensor.

    Returns
    -------
    Regression
        ``x_train`` (n, 1), ``y_train`` (n, 1), the grid ``x_test`` and its reference ``y_test``.

    Examples
    --------
    >>> p = point_regression("relu(x - 1/3)", n_train=4, n_test=7, test_domain=(-1.5, 1.5))
    >>> p.x_train[:, 0].tolist(), [round(v, 4) for v in p.y_train[:, 0].tolist()]
    ([-1.0, -0.3333333432674408, 0.3333333432674408, 1.0], [0.0, 0.0, 0.0, 0.6667])
    >>> point_regression(x=[1.0, -1.0], y=[1.0, 0.0], n_test=3).y_test[:, 0].tolist()   # sorted, interpolated
    [0.0, 0.5, 1.0]
    """
    fn = None if y is not None else parse_expression(target, dim=1, name="problem.target")
    xs = uniform_grid(domain, n_train, dtype=_F64) if x is None else torch.tensor(sorted(x), dtype=_F64)[:, None]
    xt = uniform_grid(test_domain or (min(domain[0], float(xs.min())), max(domain[1], float(xs.max()))), n_test,
                      dtype=_F64)
    if fn is None:  # explicit labels, sorted with their points; the reference curve interpolates them
        ys = torch.tensor(sorted(zip(x, y)), dtype=_F64)[:, 1:]
        yt = torch.as_tensor(np.interp(xt[:, 0].numpy(), xs[:, 0].numpy(), ys[:, 0].numpy()))[:, None]
    else:
        ys, yt = _labels(fn, dtype, xs, xt)
    return _regression(xs, ys, xt, yt, fn, "explicit points" if fn is None else target, dtype, device)


def box_regression(target: str, *, dim: int, domain: Sequence[float], n_train: int, n_test: int, seed: int,
                   dtype=torch.float32, device="cpu") -> Regression:
    """``n_train`` training and ``n_test`` held-out points uniform in the box ``domain``^dim (float64
    draws of one generator seeded with ``seed``, training points first) and the target's labels.

    Parameters
    ----------
    target : str
        An expression in x1 … xd.
    dim : int
        Input dimension d.
    domain : pair of float
        ``[lo, hi]`` of every coordinate.
    n_train, n_test : int
        Numbers of points (≥ 2).
    seed : int
        Seed of the draws.
    dtype, device
        Of every tensor.

    Returns
    -------
    Regression

    Examples
    --------
    >>> p = box_regression("x1 * x2", dim=2, domain=(0, 1), n_train=5, n_test=3, seed=0)
    >>> p.x_train.shape, bool(torch.allclose(p.y_train[:, 0], p.x_train.prod(dim=1)))
    (torch.Size([5, 2]), True)
    """
    fn = parse_expression(target, dim=dim, name="problem.target")
    g = torch.Generator().manual_seed(int(seed))
    x, xt = (random_points(domain, n, generator=g, dim=dim, dtype=_F64) for n in (n_train, n_test))
    y, yt = _labels(fn, dtype, x, xt)
    return _regression(x, y, xt, yt, fn, target, dtype, device)
