"""Sums of sines with random phases on a uniform grid: the target of Rahaman et al. (2019), fig. 1.

f(x) = Σ_i A_i sin(2π k_i x + φ_i) on N points x_n = n/N of [0, 1), phases φ_i ~ U[0, 2π) drawn
from a seed (papers.md T5: k = 5, 10, …, 50 on 200 points, amplitudes equal or increasing).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._regression import Regression

__all__ = ["sine_amplitudes", "sine_sum"]


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
