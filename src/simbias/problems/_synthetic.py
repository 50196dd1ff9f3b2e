"""Synthetic high-dimensional data with known frequency content along one direction.

``synthetic-projection`` is the offline unit version of the projection experiment on CIFAR-10
(Xu et al., "Frequency Principle", 1901.06523; papers.md §1.2, §2.4 and reproduction target T7):

    x ~ N(0, I_d),   y = Σ_k sin(2π k p·x),   default d = 20, k ∈ {1, 3}, |p| = 1,

i.e. y = sin(2π p·x) + sin(6π p·x).  Along p the target has Fourier peaks at |k| = 1 and 3 (in
cycles per unit of p·x), so the projection method (NUDFT of the data along p) finds them and the
F-Principle predicts that a network fits the k = 1 peak first.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

from ..errors import InputError

__all__ = ["load_synthetic_projection"]


def load_synthetic_projection(*, n: int | None = None, seed: int = 0, dtype=None, d: int = 20,
                              frequencies: Sequence[float] = (1.0, 3.0), direction: Sequence[float] | None = None):
    """Draw the ``synthetic-projection`` data set (see the module docstring for the formula).

    x ~ N(0, I_d), y = Σ_k sin(2π k p·x) with |p| = 1 (Xu et al., arXiv 1901.06523).

    Parameters
    ----------
    n : int, optional
        Number of samples (default 1000).
    seed : int
        Seeds a ``torch.Generator``; its first ``d`` normal draws give the direction ``p``
        (normalised; drawn and discarded when ``direction`` is given, so ``x`` depends on
        ``seed`` only) and the next ``n·d`` give ``x``.  Computed in float64, then cast.
    dtype : torch.dtype or str, optional
        Float dtype of ``x`` and ``y`` (default ``torch.get_default_dtype()``).
    d : int
        Input dimension.
    frequencies : sequence of float
        The ``k`` of the sum (cycles per unit of ``p·x``).
    direction : sequence of float, optional
        A fixed direction (any non-zero length-``d`` vector; it is normalised) — pass the
        ``info["direction"]`` of a training set to draw a test set with the same ``p``.

    Returns
    -------
    Dataset
        ``x`` (n, d), ``y`` (n, 1) float targets, ``n_classes=None``, ``info["direction"]`` = ``p``
        (a float64 tensor of shape (d,)) and ``info["frequencies"]``.

    Examples
    --------
    >>> train = load_synthetic_projection(n=200, seed=0)
    >>> test = load_synthetic_projection(n=100, seed=1, direction=train.info["direction"])
    >>> train.x.shape, test.y.shape
    (torch.Size([200, 20]), torch.Size([100, 1]))
    """
    from ._datasets import Dataset, _check_n, _float_dtype

    dtype = _float_dtype(dtype)
    n = 1000 if n is None else n
    _check_n(n, 10**9)
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise InputError("synthetic-projection.d", f"got {d!r}", "pass a positive integer dimension")
    try:
        ks = [float(k) for k in frequencies]
    except (TypeError, ValueError):
        raise InputError("synthetic-projection.frequencies", f"got {frequencies!r}",
                         "pass a list of numbers, e.g. [1, 3]") from None
    if not ks or not all(math.isfinite(k) for k in ks):
        raise InputError("synthetic-projection.frequencies", f"got {frequencies!r}", "pass a non-empty list of finite numbers")
    g = torch.Generator().manual_seed(int(seed))
    p = torch.randn(d, generator=g, dtype=torch.float64)
    if direction is not None:
        try:
            p = torch.as_tensor(direction, dtype=torch.float64).flatten()
        except (TypeError, ValueError, RuntimeError):
            raise InputError("synthetic-projection.direction", f"got {direction!r}", f"pass {d} numbers") from None
        if p.shape != (d,) or not bool(torch.isfinite(p).all()) or float(p.norm()) == 0.0:
            raise InputError("synthetic-projection.direction", f"got shape {tuple(p.shape)} (norm {float(p.norm()):g})",
                             f"pass {d} finite numbers, not all zero")
    p = p / p.norm()
    x = torch.randn(int(n), d, generator=g, dtype=torch.float64)
    t = x @ p
    y = sum(torch.sin(2 * math.pi * k * t) for k in ks)[:, None]
    return Dataset(x.to(dtype), y.to(dtype), name="synthetic-projection",
                   info={"direction": p, "frequencies": tuple(ks), "d": d, "seed": int(seed),
                         "formula": "y = sum_k sin(2*pi*k*p.x), x ~ N(0, I_d)"})
