"""Small point data sets of the two-layer experiments: a 1-D target on a few grid points (or explicit
points and labels) with a dense evaluation grid, and points uniform in a box.

Points and labels are computed in float64 and then converted to the run's dtype, so the same data
set is rebuilt exactly in either precision; a target that is not finite on the run's own points (in
its dtype) is refused naming ``problem.target``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ._expr import check_expression_on, parse_expression
from ._regression import Regression, random_points, uniform_grid

__all__ = ["point_regression", "box_regression"]

_F64 = torch.float64


def _regression(x, y, xt, yt, fn, name: str, dtype, device) -> Regression:
    cast = [v.to(dtype) for v in (x, y, y, xt, yt)]
    return Regression(*cast, fn, False, name).to(device=device)


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
