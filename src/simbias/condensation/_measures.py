"""Measures of a condensed two-layer net read from recorded weights: the weights of a snapshot, the
smallest sub-net of a merged net that reproduces the output, and the share of aligned neuron pairs.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ._features import cosine_similarity_matrix, input_vectors
from ._merge import MergedNet

__all__ = ["recorded_weights", "compressed_width", "aligned_pair_fraction"]


def recorded_weights(history, index: int) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    """(w, b, a) of parameter snapshot ``index`` as float64 tensors (``None`` for one not recorded).

    Parameters
    ----------
    history : mapping
        A :class:`~simbias.results.History` (or any mapping) with the snapshots ``param_w``
        (snapshots, m, d), ``param_b`` (snapshots, m) and ``param_a`` (snapshots, m), as
        :class:`simbias.train.TwoLayerParams` records them.
    index : int
        The snapshot (negative counts from the end).

    Returns
    -------
    tuple
        (w, b, a).

    Examples
    --------
    >>> import numpy as np
    >>> w, b, a = recorded_weights({"param_w": np.ones((2, 3, 1)), "param_a": np.zeros((2, 3))}, -1)
    >>> w.shape, b, a.dtype
    (torch.Size([3, 1]), None, torch.float64)
    """
    return tuple(torch.as_tensor(history[k][index], dtype=torch.float64) if k in history else None
                 for k in ("param_w", "param_b", "param_a"))


def compressed_width(merged: MergedNet, x: Tensor, activation: Callable[[Tensor], Tensor], reference: Tensor, *,
                     alpha: float = 1.0, tol: float = 0.01) -> tuple[int, float, float]:
    """The fewest neurons of a merged net, taken by decreasing amplitude |a_k|·‖u_k‖, whose output
    on ``x`` is within ``tol`` (relative L2) of ``reference`` (the full net's output there).

    Parameters
    ----------
    merged : MergedNet
        From :func:`merge_neurons` (one output: ``a`` of shape (k,)).
    x : torch.Tensor
        (n, d) evaluation points.
    activation : callable
        σ.
    reference : torch.Tensor
        (n, 1) the output to reproduce.
    alpha : float, default 1.0
        Output normalisation α.
    tol : float, default 0.01
        Relative L2 error accepted.

    Returns
    -------
    tuple
        (k, the error of the k largest neurons, the error of all of them — the merged net); all of
        them when none is enough, ``(0, nan, nan)`` for a zero reference.

    Examples
    --------
    >>> import torch
    >>> from simbias.condensation import merge_neurons, two_layer_forward
    >>> w, a = torch.tensor([[1.0], [-1.0], [0.5]]), torch.tensor([1.0, 1.0, 1e-4])
    >>> x = torch.linspace(-1, 1, 11)[:, None]
    >>> full = two_layer_forward(x, w, None, a, torch.relu)
    >>> k, err, err_all = compressed_width(merge_neurons(w, None, a, tol_angle=0.0), x, torch.relu, full)
    >>> k, err < 0.01, err_all < 1e-6
    (2, True, True)
    """
    order = torch.argsort(merged.a.abs() * input_vectors(merged.w, merged.b).norm(dim=1), descending=True, stable=True)
    z = x @ merged.w[order].T + (0.0 if merged.b is None else merged.b[order])
    partial = torch.cumsum(activation(z) * merged.a[order] / float(alpha), dim=1)   # (n, K): the k largest neurons
    denom = float(reference.norm())
    if denom == 0:
        return 0, float("nan"), float("nan")
    errs = (partial - reference[:, :1]).norm(dim=0) / denom
    ok = torch.nonzero(errs <= tol)
    k = int(ok[0, 0]) + 1 if ok.numel() else int(errs.numel())
    return k, float(errs[k - 1]), float(errs[-1])


def aligned_pair_fraction(w: Tensor, b: Tensor | None, threshold: float) -> float:
    """Share of the ordered pairs (k, l), k ≠ l, of neurons with non-zero input vectors whose
    directions have |cos(û_k, û_l)| ≥ ``threshold`` (``nan`` with fewer than two such neurons).

    Parameters
    ----------
    w : torch.Tensor
        Input weights (m, d) or (m,).
    b : torch.Tensor or None
        Biases (m,).
    threshold : float
        The |cos| that counts as aligned.

    Returns
    -------
    float

    Examples
    --------
    >>> import torch
    >>> aligned_pair_fraction(torch.tensor([[1.0, 0.0], [-2.0, 0.0], [0.0, 1.0]]), None, 0.95)
    0.3333333333333333
    """
    nz = input_vectors(w, b).norm(dim=1) > 0
    m = int(nz.sum())
    pairs = (cosine_similarity_matrix(w, b, order=False)[0][nz][:, nz].abs() >= threshold).sum() - m
    return float(pairs) / (m * (m - 1)) if m > 1 else float("nan")
