"""Relative distance RD of parameters from their initial values (phase-diagram regime indicator).

Paper (arXiv 2007.07497, §4): RD(θ_w) = ‖θ_w(t) − θ_w(0)‖₂ / ‖θ_w(0)‖₂ on the *input* weights and
biases θ_w = {(w_k, b_k)} only; RD → 0 with width in the linear regime, → ∞ in the condensed one.

"Rescaled" RD: the authors' 1-D script (``scalestudy1d_191224.py``) stores θ = [w; b; a] and reports
RD on θ̄ = [w/β₂; b/β₂; a/β₁] — the parameters of the normalised model.  RD is invariant under a
common rescaling of all entries, so for the paper's θ_w (w and b share β₂) rescaling changes
nothing; it matters only when blocks with different scales are combined (e.g. [w; b; a]).  Pass
the blocks as a sequence and their scales via ``scales=`` to reproduce that quantity.
"""

from __future__ import annotations

import math
from typing import Sequence, Union

import torch
from torch import Tensor

from ..errors import InputError

__all__ = ["relative_distance"]

Blocks = Union[Tensor, Sequence[Tensor]]


def _flat(name: str, theta: Blocks, scales: Sequence[float] | None) -> Tensor:
    blocks = [theta] if isinstance(theta, Tensor) else list(theta)
    if not blocks:
        raise InputError(name, "is empty", "give a tensor or a non-empty sequence of tensors")
    if scales is not None:
        if len(scales) != len(blocks):
            raise InputError("scales", f"has {len(scales)} entries for {len(blocks)} blocks", "give one scale per block")
        out = []
        for s, t in zip(scales, blocks):
            sf = float(s)
            if not (math.isfinite(sf) and sf > 0):
                raise InputError("scales", f"contains {s}", "use positive finite scales (e.g. β₂, β₂, β₁)")
            out.append(torch.as_tensor(t).detach().reshape(-1).to(torch.float64) / sf)
        return torch.cat(out)
    return torch.cat([torch.as_tensor(t).detach().reshape(-1).to(torch.float64) for t in blocks])


def relative_distance(theta0: Blocks, theta: Blocks, *, scales: Sequence[float] | None = None) -> float:
    """RD = ‖θ − θ₀‖₂ / ‖θ₀‖₂ over all entries (computed in float64).

    ``theta0`` and ``theta`` are tensors or equally long sequences of tensors (blocks, flattened and
    concatenated), e.g. ``(w0, b0)`` and ``(w, b)`` for the paper's RD(θ_w).  ``scales`` divides each
    block by its scale first — the authors' rescaled RD on [w/β₂; b/β₂; a/β₁].

    Parameters
    ----------
    theta0 : torch.Tensor or sequence of torch.Tensor
        Initial parameters θ₀ (non-zero norm).
    theta : torch.Tensor or sequence of torch.Tensor
        Current parameters θ, the same blocks and sizes.
    scales : sequence of float, optional
        One positive scale per block.

    Returns
    -------
    float
        RD.

    Examples
    --------
    >>> import torch
    >>> relative_distance(torch.tensor([3.0, 4.0]), torch.tensor([3.0, 5.0]))
    0.2
    >>> w0, b0, a0 = torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([0.1])
    >>> round(relative_distance((w0, b0, a0), (w0, b0, 2 * a0), scales=(1.0, 1.0, 0.1)), 6)
    0.707107
    """
    t0 = _flat("theta0", theta0, scales)
    t1 = _flat("theta", theta, scales)
    if t0.shape != t1.shape:
        raise InputError("theta", f"has {t1.numel()} entries, theta0 has {t0.numel()}", "compare the same parameters")
    n0 = float(t0.norm())
    if not n0 > 0:
        raise InputError("theta0", "has zero norm", "RD needs a non-zero initial point")
    return float((t1 - t0).norm()) / n0
