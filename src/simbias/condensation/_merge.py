"""Merging condensed neurons into a small net, and splitting a neuron (embedding principle).

Merging (effective size of a condensed net): for a positively 1-homogeneous activation
(σ(cz) = c·σ(z) for c > 0: ReLU, leaky ReLU, identity on one side) a neuron depends on its input
vector u_k = (w_k, b_k) only through direction and norm,
a_k σ(u_k·x̃) = (a_k‖u_k‖) σ(û_k·x̃), x̃ = (x, 1).  Neurons sharing an orientation therefore act as
one neuron with unit input vector û and output weight Σ_k a_k‖u_k‖; the merge is exact when the
directions coincide and its error grows with the spread inside a cluster (``tol_angle``).

For other activations (tanh, sigmoid, …) neurons with the same direction but different norms are
*not* interchangeable, so orientation merging is wrong; with ``activation_homogeneous=False`` only
neurons with (nearly) identical input vectors are merged (‖u_k − u_seed‖ ≤ tol·‖u_seed‖), their
output weights summed — the exact inverse of :func:`split_neuron`.

Splitting (embedding principle, Zhang et al., arXiv 2105.14573): duplicate neuron k with output
weights λa_k and (1 − λ)a_k.  The output function is unchanged, and a critical point of the narrow
net maps to a critical point of the wide one (∂L/∂a of both copies equals the narrow ∂L/∂a_k;
∂L/∂u of the copies is λ and (1 − λ) times the narrow ∂L/∂u_k; so ‖∇_wide‖ ≤ √2‖∇_narrow‖ and
both vanish together).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from ..errors import InputError
from ._features import _check_tol, _greedy, _output_weights, _unit, input_vectors

__all__ = ["MergedNet", "merge_neurons", "split_neuron", "two_layer_forward", "compressed_width"]


def two_layer_forward(
    x: Tensor, w: Tensor, b: Tensor | None, a: Tensor, activation: Callable[[Tensor], Tensor], alpha: float = 1.0
) -> Tensor:
    """f(x) = (1/α) Σ_k a_k σ(w_k·x + b_k) for explicit weights; x (n, d) or (n,) → (n, 1) or (n, c).

    Parameters
    ----------
    x : torch.Tensor
        Inputs (n, d) or (n,).
    w : torch.Tensor
        Input weights (m, d) or (m,).
    b : torch.Tensor or None
        Biases (m,).
    a : torch.Tensor
        Output weights (m,) or (m, c).
    activation : callable
        σ, elementwise.
    alpha : float, default 1.0
        Output normalisation α.

    Returns
    -------
    torch.Tensor
        (n, 1) or (n, c).

    Examples
    --------
    >>> import torch
    >>> two_layer_forward(torch.tensor([-1.0, 2.0]), torch.tensor([1.0]), torch.tensor([0.0]),
    ...                   torch.tensor([3.0]), torch.relu)
    tensor([[0.],
            [6.]])
    """
    w = torch.as_tensor(w)
    if w.ndim == 1:
        w = w[:, None]
    x = torch.as_tensor(x)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != w.shape[1]:
        raise InputError("x", f"has shape {tuple(x.shape)} for input weights {tuple(w.shape)}", f"give (n, {w.shape[1]})")
    if not callable(activation):
        raise InputError("activation", f"got {type(activation).__name__}", "pass a callable, e.g. torch.relu")
    z = x @ w.T
    if b is not None:
        z = z + b
    a = _output_weights(a, w.shape[0], w)
    a2 = a[:, None] if a.ndim == 1 else a
    return (activation(z) @ a2) / float(alpha)


@dataclass(frozen=True)
class MergedNet:
    """A merged two-layer net: weights of k ≤ m neurons and, for each original neuron, its merged index.

    Parameters
    ----------
    w : torch.Tensor
        (k, d) input weights of the merged neurons.
    b : torch.Tensor or None
        (k,) biases.
    a : torch.Tensor
        (k,) or (k, c) output weights.
    assignment : torch.Tensor
        (m,) long: original neuron → merged neuron.

    Examples
    --------
    >>> import torch
    >>> net = merge_neurons(torch.tensor([1.0, 2.0, -1.0]), None, torch.tensor([1.0, 1.0, 1.0]))
    >>> net.width, net.assignment.tolist()
    (2, [0, 0, 1])
    """

    w: Tensor  # (k, d)
    b: Tensor | None  # (k,)
    a: Tensor  # (k,) or (k, c)
    assignment: Tensor  # (m,) long: original neuron → merged neuron

    @property
    def width(self) -> int:
        """Number k of merged neurons."""
        return self.w.shape[0]


def merge_neurons(
    w: Tensor,
    b: Tensor | None,
    a: Tensor,
    *,
    tol_angle: float = 0.05,
    activation_homogeneous: bool = True,
) -> MergedNet:
    """Merge neurons with (nearly) the same orientation into one (see the module docstring).

    Clusters are built greedily by amplitude |a_k|·‖u_k‖ (as in :func:`orientation_clusters`): the
    largest unassigned neuron seeds a cluster that takes every unassigned neuron within
    ``tol_angle`` rad of it.  Homogeneous case: the merged neuron has the unit input vector of the
    amplitude-weighted mean direction and output weight Σ_k a_k‖u_k‖ (zero input vectors merge to a
    zero neuron).  Non-homogeneous case: a cluster = neurons with ‖u_k − u_seed‖ ≤ tol_angle·‖u_seed‖;
    merged input vector = the members' mean, output weight Σ a_k.  Inputs are detached.

    Parameters
    ----------
    w : torch.Tensor
        Input weights (m, d) or (m,).
    b : torch.Tensor or None
        Biases (m,).
    a : torch.Tensor
        Output weights (m,) or (m, c).
    tol_angle : float, default 0.05
        Angle tolerance in radians (homogeneous case) or relative distance (otherwise).
    activation_homogeneous : bool, default True
        Whether σ is positively 1-homogeneous (ReLU); ``False`` merges only equal input vectors.

    Returns
    -------
    MergedNet
        The merged weights and the assignment of the original neurons.

    Examples
    --------
    >>> import torch
    >>> w, b, a = torch.tensor([1.0, 2.0, -1.0]), torch.tensor([0.5, 1.0, 0.0]), torch.tensor([1.0, 1.0, 1.0])
    >>> net = merge_neurons(w, b, a)
    >>> x = torch.linspace(-2, 2, 9)
    >>> torch.allclose(two_layer_forward(x, w, b, a, torch.relu),
    ...                two_layer_forward(x, net.w, net.b, net.a, torch.relu), atol=1e-6)
    True
    """
    w = torch.as_tensor(w).detach()
    d = 1 if w.ndim == 1 else w.shape[1]
    u = input_vectors(w, None if b is None else torch.as_tensor(b).detach())
    m = u.shape[0]
    a = _output_weights(torch.as_tensor(a).detach(), m, u)
    tol = _check_tol(tol_angle)
    dirs, norm = _unit(u)
    a_abs = a.abs() if a.ndim == 1 else a.norm(dim=1)
    amp = a_abs * norm
    assignment = torch.empty(m, dtype=torch.long, device=u.device)
    new_u, new_a = [], []
    if activation_homogeneous:
        for j, idx in enumerate(_greedy(dirs, amp, tol, lines=False)):
            assignment[idx] = j
            wts = amp[idx] if float(amp[idx].sum()) > 0 else torch.ones_like(amp[idx])
            centre = (wts[:, None] * dirs[idx]).sum(dim=0)
            cn = centre.norm()
            new_u.append(centre / cn if cn > 0 else centre)
            scale = norm[idx] if a.ndim == 1 else norm[idx][:, None]
            new_a.append((a[idx] * scale).sum(dim=0))
    else:
        unassigned = torch.ones(m, dtype=torch.bool, device=u.device)
        for k in torch.argsort(amp, descending=True, stable=True).tolist():
            if not unassigned[k]:
                continue
            dist = (u - u[k]).norm(dim=1)
            member = unassigned & (dist <= tol * norm[k])
            member[k] = True
            idx = torch.nonzero(member).reshape(-1)
            assignment[idx] = len(new_u)
            unassigned &= ~member
            new_u.append(u[idx].mean(dim=0))
            new_a.append(a[idx].sum(dim=0))
    U = torch.stack(new_u)
    A = torch.stack(new_a)
    if b is None:
        return MergedNet(U, None, A, assignment)
    return MergedNet(U[:, :d], U[:, d], A, assignment)


def split_neuron(w: Tensor, b: Tensor | None, a: Tensor, index: int, lam: float) -> tuple[Tensor, Tensor | None, Tensor]:
    """One-step embedding (arXiv 2105.14573): neuron ``index`` keeps λ·a, a copy appended at the end gets (1 − λ)·a.

    Returns new (w, b, a) of width m + 1 (tensors are new; inputs are not modified and autograd
    history is kept).  The output function of the net is unchanged for every λ.

    Parameters
    ----------
    w : torch.Tensor
        Input weights (m, d) or (m,).
    b : torch.Tensor or None
        Biases (m,).
    a : torch.Tensor
        Output weights (m,) or (m, c).
    index : int
        Neuron to split (negative counts from the end).
    lam : float
        Share λ kept by the original neuron.

    Returns
    -------
    tuple
        (w, b, a) of width m + 1.

    Examples
    --------
    >>> import torch
    >>> w2, b2, a2 = split_neuron(torch.tensor([1.0, 2.0]), None, torch.tensor([4.0, 1.0]), 0, 0.25)
    >>> w2, a2
    (tensor([1., 2., 1.]), tensor([1., 1., 3.]))
    """
    w = torch.as_tensor(w)
    m = w.shape[0]
    if isinstance(index, bool) or not isinstance(index, int) or not (-m <= index < m):
        raise InputError("index", f"got {index!r} for {m} neurons", f"use an integer in [0, {m})")
    lam_f = float(lam)
    if not math.isfinite(lam_f):
        raise InputError("lam", f"got {lam}", "use a finite number (0 < λ < 1 keeps both copies' signs)")
    index = index % m
    a = torch.as_tensor(a)
    if a.ndim == 0 or a.shape[0] != m:
        raise InputError("a", f"has shape {tuple(a.shape)}", f"give one output weight per neuron ({m},)")
    w2 = torch.cat([w, w[index : index + 1]])
    b2 = None if b is None else torch.cat([b, b[index : index + 1]])
    keep = torch.ones(m, dtype=a.dtype, device=a.device)
    keep[index] = lam_f
    a2 = torch.cat([a * (keep if a.ndim == 1 else keep[:, None]), (1.0 - lam_f) * a[index : index + 1]])
    return w2, b2, a2


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
