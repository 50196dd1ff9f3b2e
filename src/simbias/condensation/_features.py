"""Neuron features, cosine-similarity matrix, orientation clusters and effective width.

For a two-layer net f(x) = (1/α) Σ_k a_k σ(w_k·x + b_k) each hidden neuron k has the input vector
u_k = (w_k, b_k) ∈ ℝ^{d+1} (bias folded in, as in arXiv 2007.07497):

* direction  û_k = u_k / ‖u_k‖ (0 for a zero vector);
* orientation — 1-D input: the polar angle θ_k = atan2(b_k, w_k) ∈ (−π, π] of (w_k, b_k) (the
  authors' tutorial writes sign(b)·arccos(w/‖u‖), identical except at b = 0 where theirs gives 0
  and atan2 gives 0 or π); d-D input: the projection û_k·p on a reference unit vector p (default
  the all-ones direction 1/√(d+1), as in the authors' high-dimensional script);
* amplitude  A_k = |a_k|·‖u_k‖ (‖a_k‖ for vector outputs); the signed version a_k‖u_k‖ is kept too.

Condensation = the amplitude concentrates on few directions (arXiv 2007.07497 §5; 2105.11686).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

import torch
from torch import Tensor

from ..errors import InputError

__all__ = [
    "NeuronFeatures",
    "neuron_features",
    "input_vectors",
    "cosine_similarity_matrix",
    "Cluster",
    "orientation_clusters",
    "effective_width",
    "recorded_weights",
]


def input_vectors(w: Tensor, b: Tensor | None = None) -> Tensor:
    """u_k = (w_k, b_k) as an (m, d + 1) tensor (or (m, d) without bias); w may be (m,) for d = 1.

    Parameters
    ----------
    w : torch.Tensor
        Input weights (m, d), or (m,) for d = 1.
    b : torch.Tensor, optional
        Biases (m,).

    Returns
    -------
    torch.Tensor
        (m, d + 1) with bias, else (m, d).

    Examples
    --------
    >>> import torch
    >>> input_vectors(torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0]))
    tensor([[ 1.0000,  0.5000],
            [ 2.0000, -1.0000]])
    """
    w = torch.as_tensor(w)
    if w.ndim == 1:
        w = w[:, None]
    if w.ndim != 2:
        raise InputError("w", f"has shape {tuple(w.shape)}", "give input weights as (m, d) or (m,)")
    if b is None:
        return w
    b = torch.as_tensor(b, dtype=w.dtype, device=w.device)
    if b.shape != (w.shape[0],):
        raise InputError("b", f"has shape {tuple(b.shape)}", f"give one bias per neuron: ({w.shape[0]},)")
    return torch.cat([w, b[:, None]], dim=1)


def _unit(u: Tensor) -> tuple[Tensor, Tensor]:
    norm = u.norm(dim=1)
    safe = torch.where(norm > 0, norm, torch.ones_like(norm))
    return u / safe[:, None], norm


def _output_weights(a: Tensor, m: int, like: Tensor) -> Tensor:
    a = torch.as_tensor(a, dtype=like.dtype, device=like.device)
    if a.ndim == 0 or a.shape[0] != m or a.ndim > 2:
        raise InputError("a", f"has shape {tuple(a.shape)}", f"give one output weight per neuron: ({m},) or ({m}, c)")
    return a


@dataclass(frozen=True)
class NeuronFeatures:
    """Per-neuron features (see the module docstring). All tensors have leading dimension m.

    Parameters
    ----------
    direction : torch.Tensor
        (m, d + 1) unit vectors û_k (zero rows for zero u_k).
    norm : torch.Tensor
        (m,) ‖u_k‖.
    orientation : torch.Tensor
        (m,) angle atan2(b, w) for d = 1 with bias, else the projection û·p.
    amplitude : torch.Tensor
        (m,) A_k = |a_k|·‖u_k‖ (‖a_k‖·‖u_k‖ for vector outputs).
    signed_amplitude : torch.Tensor or None
        (m,) a_k·‖u_k‖ for scalar outputs, else ``None``.
    is_angle : bool
        Whether ``orientation`` is an angle in (−π, π].

    Examples
    --------
    >>> import torch
    >>> f = neuron_features(torch.tensor([1.0]), torch.tensor([1.0]), torch.tensor([-2.0]))
    >>> f.is_angle, round(float(f.orientation), 4), round(float(f.amplitude), 4)
    (True, 0.7854, 2.8284)
    """

    direction: Tensor  # (m, d + 1) unit vectors û_k (zero rows for zero u_k)
    norm: Tensor  # (m,) ‖u_k‖
    orientation: Tensor  # (m,) angle atan2(b, w) for d = 1 with bias, else projection û·p
    amplitude: Tensor  # (m,) |a_k|·‖u_k‖ (‖a_k‖·‖u_k‖ for vector outputs)
    signed_amplitude: Tensor | None  # (m,) a_k·‖u_k‖ for scalar outputs, else None
    is_angle: bool  # True when ``orientation`` is an angle in (−π, π]


def neuron_features(w: Tensor, b: Tensor | None, a: Tensor, *, reference: Tensor | None = None) -> NeuronFeatures:
    """Orientation and amplitude of every hidden neuron of a two-layer net.

    ``w`` (m, d) or (m,), ``b`` (m,) or None, ``a`` (m,) or (m, c).  With 1-D input and a bias the
    orientation is the angle atan2(b, w); otherwise it is û·p with p = ``reference`` normalised
    (default 1/√(d+1)·(1, …, 1)).  Inputs are detached.

    Parameters
    ----------
    w : torch.Tensor
        Input weights (m, d) or (m,).
    b : torch.Tensor or None
        Biases (m,).
    a : torch.Tensor
        Output weights (m,) or (m, c).
    reference : torch.Tensor, optional
        Non-zero reference vector p (length d + 1 with bias, else d).

    Returns
    -------
    NeuronFeatures
        Directions, norms, orientations and amplitudes.

    Examples
    --------
    >>> import torch
    >>> f = neuron_features(torch.tensor([[1.0, 0.0], [0.0, 2.0]]), None, torch.tensor([1.0, 1.0]))
    >>> f.is_angle, f.amplitude
    (False, tensor([1., 2.]))
    """
    u = input_vectors(torch.as_tensor(w).detach(), None if b is None else torch.as_tensor(b).detach())
    direction, norm = _unit(u)
    a = _output_weights(torch.as_tensor(a).detach(), u.shape[0], u)
    a_norm = a.abs() if a.ndim == 1 else a.norm(dim=1)
    signed = a * norm if a.ndim == 1 else None
    is_angle = reference is None and u.shape[1] == 2 and b is not None
    if is_angle:
        orientation = torch.atan2(u[:, 1], u[:, 0])
    else:
        p = torch.ones(u.shape[1], dtype=u.dtype, device=u.device) if reference is None else torch.as_tensor(reference, dtype=u.dtype, device=u.device).reshape(-1)
        if p.shape[0] != u.shape[1] or not (p.norm() > 0):
            raise InputError("reference", f"has shape {tuple(p.shape)}", f"give a non-zero vector of length {u.shape[1]} (d + 1 with bias)")
        orientation = direction @ (p / p.norm())
    return NeuronFeatures(direction, norm, orientation, a_norm * norm, signed, is_angle)


def cosine_similarity_matrix(w: Tensor, b: Tensor | None = None, *, order: bool = True) -> tuple[Tensor, Tensor]:
    """Cosine similarity D_{kl} = û_k·û_l of the input vectors u_k = (w_k, b_k), and a neuron order.

    As in the authors' initial-condensation notebook (arXiv 2105.11686): with ``order=True`` the
    neurons are sorted by their component in the leading eigenvector (largest eigenvalue) of D, so
    condensed groups show as ±1 blocks; the eigenvector's sign is fixed so that its largest-magnitude
    entry is positive (deterministic order).  Returns (D permuted by the order, order) — D[i, j] is
    the similarity of neurons order[i] and order[j].  Zero vectors give zero rows and columns.

    Parameters
    ----------
    w : torch.Tensor
        Input weights (m, d) or (m,).
    b : torch.Tensor, optional
        Biases (m,).
    order : bool, default True
        Sort the neurons by the leading eigenvector; ``False`` keeps their order.

    Returns
    -------
    D : torch.Tensor
        (m, m) cosine similarities, permuted by ``order``.
    order : torch.Tensor
        (m,) long, the neuron order (``arange(m)`` when ``order=False``).

    Examples
    --------
    >>> import torch
    >>> D, idx = cosine_similarity_matrix(torch.tensor([[1.0, 0.0], [-2.0, 0.0]]), order=False)
    >>> D
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    u = input_vectors(torch.as_tensor(w).detach(), None if b is None else torch.as_tensor(b).detach())
    direction, _ = _unit(u)
    D = direction @ direction.T
    m = D.shape[0]
    if not order:
        return D, torch.arange(m, device=D.device)
    _, vecs = torch.linalg.eigh(D)
    v = vecs[:, -1]
    if v[v.abs().argmax()] < 0:
        v = -v
    idx = torch.argsort(v, stable=True)
    return D[idx][:, idx], idx


@dataclass(frozen=True)
class Cluster:
    """One orientation cluster: members (indices), centre direction, share of the total amplitude.

    Parameters
    ----------
    members : torch.Tensor
        (k,) long, sorted indices of the member neurons.
    direction : torch.Tensor
        (d + 1,) unit centre: amplitude-weighted mean of the members' directions.
    share : float
        Σ_{members} A_k / Σ_all A_k.
    amplitude : float
        Σ_{members} A_k.

    Examples
    --------
    >>> import torch
    >>> c = orientation_clusters(torch.eye(2), torch.tensor([3.0, 1.0]))[0]
    >>> c.members, c.share
    (tensor([0]), 0.75)
    """

    members: Tensor  # (k,) long, sorted
    direction: Tensor  # (d + 1,) unit centre (amplitude-weighted mean of the members' directions)
    share: float  # Σ_{members} A_k / Σ_all A_k
    amplitude: float  # Σ_{members} A_k


FeaturesLike = Union[NeuronFeatures, Tensor]


def _dirs_amps(features: FeaturesLike, amplitude: Tensor | None) -> tuple[Tensor, Tensor]:
    if isinstance(features, NeuronFeatures):
        if amplitude is not None:
            raise InputError("amplitude", "given together with NeuronFeatures", "omit it (the features carry the amplitude)")
        return features.direction, features.amplitude
    dirs = torch.as_tensor(features).detach()
    if dirs.ndim != 2:
        raise InputError("features", f"has shape {tuple(dirs.shape)}", "give NeuronFeatures or unit vectors (m, d + 1)")
    if amplitude is None:
        raise InputError("amplitude", "missing", "give one non-negative amplitude per neuron, or pass NeuronFeatures")
    amp = torch.as_tensor(amplitude, dtype=dirs.dtype, device=dirs.device).detach().reshape(-1)
    if amp.shape[0] != dirs.shape[0]:
        raise InputError("amplitude", f"has {amp.shape[0]} values for {dirs.shape[0]} neurons", "give one per neuron")
    if torch.any(amp < 0):
        raise InputError("amplitude", "has negative values", "use |a_k|·‖u_k‖ (non-negative)")
    norm = dirs.norm(dim=1)
    safe = torch.where(norm > 0, norm, torch.ones_like(norm))
    return dirs / safe[:, None], amp


def _check_tol(tol_angle: float) -> float:
    t = float(tol_angle)
    if not (math.isfinite(t) and 0 <= t <= math.pi):
        raise InputError("tol_angle", f"got {tol_angle}", "use an angle in radians between 0 and π")
    return t


def _greedy(dirs: Tensor, amp: Tensor, tol: float, lines: bool) -> list[Tensor]:
    """Greedy clustering: the unassigned neuron of largest amplitude seeds a cluster and takes every
    unassigned neuron within ``tol`` rad of it; repeat.  Zero vectors form one cluster of their own."""
    nonzero = dirs.norm(dim=1) > 0
    unassigned = nonzero.clone()
    cos_tol = math.cos(tol)
    groups: list[Tensor] = []
    order = torch.argsort(amp, descending=True, stable=True)
    for k in order.tolist():
        if not unassigned[k]:
            continue
        c = dirs @ dirs[k]
        if lines:
            c = c.abs()
        # the seed always joins its own cluster, even when rounding puts c[k] slightly below cos_tol
        member = unassigned & (c >= min(cos_tol, float(c[k])))
        groups.append(torch.nonzero(member).reshape(-1))
        unassigned &= ~member
    if not bool(nonzero.all()):
        groups.append(torch.nonzero(~nonzero).reshape(-1))
    return groups


def orientation_clusters(
    features: FeaturesLike, amplitude: Tensor | None = None, *, tol_angle: float = 0.1, lines: bool = False
) -> list[Cluster]:
    """Group neurons whose directions lie within ``tol_angle`` radians of a cluster seed.

    Greedy by amplitude: the unassigned neuron of largest amplitude seeds a cluster that takes every
    unassigned neuron with angle(û_k, û_seed) ≤ tol_angle; repeat until all are assigned (so members
    are within tol of the seed, not necessarily of each other).  ``lines=True`` treats û and −û as
    the same orientation (|cos|; the tanh "one line" picture of initial condensation).  Zero vectors
    form a single cluster with zero direction.  Each cluster's direction is the amplitude-weighted
    mean of its members' directions (sign-aligned to the seed when ``lines``), normalised.
    Returned sorted by share, largest first.

    ``features`` is a :class:`NeuronFeatures`, or unit vectors (m, d + 1) together with ``amplitude``.

    Parameters
    ----------
    features : NeuronFeatures or torch.Tensor
        Neuron features, or directions (m, d + 1).
    amplitude : torch.Tensor, optional
        Non-negative amplitudes (m,); only with raw directions.
    tol_angle : float, default 0.1
        Angle tolerance in radians, in [0, π].
    lines : bool, default False
        Identify û and −û.

    Returns
    -------
    list of Cluster
        Sorted by share, largest first.

    Examples
    --------
    >>> import torch
    >>> w = torch.tensor([[1.0, 0.0], [1.0, 0.01], [0.0, 1.0], [-1.0, 0.0]])
    >>> f = neuron_features(w, None, torch.ones(4))
    >>> [c.members.tolist() for c in orientation_clusters(f)]
    [[0, 1], [2], [3]]
    >>> [c.members.tolist() for c in orientation_clusters(f, lines=True)]
    [[0, 1, 3], [2]]
    """
    dirs, amp = _dirs_amps(features, amplitude)
    tol = _check_tol(tol_angle)
    total = float(amp.sum())
    clusters = []
    for idx in _greedy(dirs, amp, tol, lines):
        members = torch.sort(idx).values
        seed = idx[torch.argmax(amp[idx])]
        sign = torch.sign(dirs[members] @ dirs[seed]) if lines else torch.ones(members.shape[0], dtype=dirs.dtype, device=dirs.device)
        sign = torch.where(sign == 0, torch.ones_like(sign), sign)
        wts = amp[members] if float(amp[members].sum()) > 0 else torch.ones_like(amp[members])
        centre = (wts[:, None] * sign[:, None] * dirs[members]).sum(dim=0)
        n = centre.norm()
        centre = centre / n if n > 0 else centre
        a_sum = float(amp[members].sum())
        clusters.append(Cluster(members, centre, a_sum / total if total > 0 else 0.0, a_sum))
    clusters.sort(key=lambda c: -c.share)
    return clusters


def effective_width(
    features: FeaturesLike,
    amplitude: Tensor | None = None,
    *,
    tol_angle: float = 0.1,
    share: float = 0.9,
    lines: bool = False,
) -> int:
    """Fewest orientation clusters (of :func:`orientation_clusters`) carrying ≥ ``share`` of Σ_k A_k.

    A condensed wide net has a small effective width (the number of distinct neurons it acts like);
    in the linear regime it is of order m.  Returns 0 when the total amplitude is 0.

    Parameters
    ----------
    features : NeuronFeatures or torch.Tensor
        Neuron features, or directions (m, d + 1).
    amplitude : torch.Tensor, optional
        Non-negative amplitudes (m,); only with raw directions.
    tol_angle : float, default 0.1
        Angle tolerance of the clusters, radians.
    share : float, default 0.9
        Fraction of the total amplitude to cover, in (0, 1].
    lines : bool, default False
        Identify û and −û.

    Returns
    -------
    int
        The effective width.

    Examples
    --------
    >>> import torch
    >>> w = torch.tensor([[1.0, 0.0], [1.0, 0.01], [0.0, 1.0]])
    >>> effective_width(neuron_features(w, None, torch.tensor([1.0, 1.0, 0.1])))
    1
    """
    s = float(share)
    if not (0 < s <= 1):
        raise InputError("share", f"got {share}", "use a fraction in (0, 1], e.g. 0.9")
    clusters = orientation_clusters(features, amplitude, tol_angle=tol_angle, lines=lines)
    if not clusters or sum(c.amplitude for c in clusters) == 0:
        return 0
    acc = 0.0
    for k, c in enumerate(clusters, start=1):
        acc += c.share
        if acc >= s - 1e-12:
            return k
    return len(clusters)


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
