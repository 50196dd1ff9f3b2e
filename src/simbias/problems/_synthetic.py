"""Synthetic high-dimensional data with known frequency content along one direction.

``synthetic-projection`` is the offline unit version of the projection experiment on CIFAR-10
(Xu et al., "Frequency Principle", 1901.06523; papers.md §1.2, §2.4 and reproduction target T7):

    x ~ N(0, I_d),   y = Σ_k sin(2π k p·x),   default d = 20, k ∈ {1, 3}, |p| = 1,

i.e. y = sin(2π p·x) + sin(6π p·x).  Along p the target has Fourier peaks at |k| = 1 and 3 (in
cycles per unit of p·x), so the projection method (NUDFT of the data along p) finds them and the
F-Principle predicts that a network fits the k = 1 peak first.

``parity_data`` is the n-bit parity f(x) = Π_j x_j on {−1, 1}^n (papers.md §1.6, T10): a
high-frequency function (along the diagonal its Fourier transform (−i)^n sin^n κ peaks at κ = π/2),
so a network fits the training bits and is at chance on the unseen ones.

``sine_sum`` is the target of Rahaman et al. (2019), fig. 1 (papers.md T5): f(x) = Σ_i A_i sin(2π k_i x
+ φ_i) on N points x_n = n/N of [0, 1), phases φ_i ~ U[0, 2π) from a seed (k = 5, 10, …, 50 on 200
points, amplitudes :func:`sine_amplitudes` equal or increasing).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from ..errors import InputError
from ._regression import Regression

__all__ = ["load_synthetic_projection", "parity_data", "sine_amplitudes", "sine_sum"]


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


def parity_data(n_bits: int, n_train: int, *, seed: int = 0, dtype=None, device=None) -> tuple[Regression, Tensor, Tensor]:
    """The n-bit parity problem: all 2^n inputs, their parity, and a train/test split.

    Row i of the inputs is the binary expansion of i (most significant bit first) with the bits
    0, 1 mapped to −1, 1; the label is the parity y = Π_j x_j ∈ {−1, 1}.  ``n_train`` rows drawn
    without replacement by ``torch.randperm`` from a generator seeded with ``seed`` are the training
    set (in index order), the other 2^n − n_train rows the test set.

    Parameters
    ----------
    n_bits : int
        Input dimension n (1 … 20; all 2^n inputs are enumerated).
    n_train : int
        Training inputs, 1 … 2^n − 1 (so that some inputs stay unseen).
    seed : int, default 0
        Seed of the split.
    dtype : torch.dtype, optional
        Float dtype of inputs and labels (default ``torch.get_default_dtype()``).
    device : torch.device or str, optional
        Where the tensors live.

    Returns
    -------
    problem : Regression
        Training and test rows (``target=None``, ``name="parity-<n>"``).
    x_all : torch.Tensor
        All inputs (2^n, n), in index order.
    y_all : torch.Tensor
        Their parity (2^n, 1).

    Examples
    --------
    >>> prob, x, y = parity_data(3, 5, seed=0)
    >>> x[:2].tolist(), y[:2, 0].tolist()
    ([[-1.0, -1.0, -1.0], [-1.0, -1.0, 1.0]], [-1.0, 1.0])
    >>> tuple(prob.x_train.shape), tuple(prob.x_test.shape)
    ((5, 3), (3, 3))
    """
    if isinstance(n_bits, bool) or not isinstance(n_bits, int) or not 1 <= n_bits <= 20:
        raise InputError("n_bits", f"got {n_bits!r}", "use an integer 1 … 20 (all 2^n inputs are enumerated)")
    if isinstance(n_train, bool) or not isinstance(n_train, int) or not 1 <= n_train < 2**n_bits:
        raise InputError("n_train", f"got {n_train!r} for {2 ** n_bits} possible inputs",
                         f"use 1 … {2 ** n_bits - 1} so that some inputs stay unseen")
    dtype = dtype or torch.get_default_dtype()
    idx = torch.arange(2**n_bits)
    bits = (idx[:, None] >> torch.arange(n_bits - 1, -1, -1)) & 1
    x = (2 * bits - 1).to(dtype)
    y = x.prod(dim=1, keepdim=True)
    perm = torch.randperm(2**n_bits, generator=torch.Generator().manual_seed(int(seed)))
    tr, te = perm[:n_train].sort().values, perm[n_train:].sort().values
    prob = Regression(x[tr], y[tr], y[tr], x[te], y[te], target=None, uniform=False,
                      name=f"parity-{n_bits}").to(device=device)
    return prob, x.to(device), y.to(device)


def sine_amplitudes(n: int, kind: str = "equal", scale: float = 1.0) -> np.ndarray:
    """Rahaman's amplitude profiles: ``equal`` A_i = ``scale``, ``increasing`` A_i = 0.1·i·``scale`` (i = 1 … n).

    Parameters
    ----------
    n : int
        Number of components.
    kind : {"equal", "increasing"}, default "equal"
        The profile.
    scale : float, default 1.0
        Multiplies every amplitude.

    Returns
    -------
    numpy.ndarray
        (n,) float64.

    Examples
    --------
    >>> sine_amplitudes(3), sine_amplitudes(3, "increasing")
    (array([1., 1., 1.]), array([0.1, 0.2, 0.3]))
    """
    return np.full(n, float(scale)) if kind == "equal" else scale * 0.1 * np.arange(1, n + 1.0)


def sine_sum(frequencies, amplitudes, *, n_points: int = 200, seed: int = 0, dtype=torch.float32,
             device="cpu") -> Regression:
    """f(x) = Σ_i A_i sin(2π k_i x + φ_i) on x_n = n/N, n = 0 … N−1, as a regression problem.

    The phases φ_i ~ U[0, 2π) come from ``numpy.random.default_rng(seed)``.  Training and test
    sets are the same grid (``uniform=True``: a DFT of the output on ``x_train`` is meaningful).

    Parameters
    ----------
    frequencies : sequence of int
        k_i, cycles on [0, 1).
    amplitudes : sequence of float
        A_i (e.g. :func:`sine_amplitudes`).
    n_points : int, default 200
        N.
    seed : int, default 0
        Seed of the phases.
    dtype : torch.dtype, default torch.float32
        Dtype of the tensors.
    device : torch.device or str, default "cpu"
        Device of the tensors.

    Returns
    -------
    Regression
        ``x_train = x_test`` (N, 1), ``y_train = y_test`` (N, 1).

    Examples
    --------
    >>> r = sine_sum([5, 10], [1.0, 1.0])
    >>> tuple(r.x_train.shape), tuple(r.y_train.shape)
    ((200, 1), (200, 1))
    """
    phases = np.random.default_rng(seed).uniform(0.0, 2 * math.pi, size=len(frequencies))
    x = np.arange(n_points, dtype=np.float64)[:, None] / n_points
    y = (np.asarray(amplitudes) * np.sin(2 * math.pi * np.asarray(frequencies, dtype=np.float64) * x + phases)).sum(1)
    xt, yt = (torch.from_numpy(v.reshape(-1, 1)).to(dtype=dtype, device=device) for v in (x, y))
    return Regression(xt, yt, yt, xt, yt, target=None, uniform=True, name="Σ A_i sin(2π k_i x + φ_i)")
