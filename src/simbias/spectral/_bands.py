"""Radial frequency bands of 2-D images and per-band relative errors (ours).

For image targets (papers.md §1.5; arXiv 1901.06523 shows the 2-D F-Principle visually) we bin
the 2-D DFT by the radial frequency |ξ| = (ξ_y² + ξ_x²)^{1/2}, with ξ_y = ``fftfreq(H)`` and
ξ_x = ``fftfreq(W)`` in cycles per pixel (so |ξ| ≤ 1/√2 and the DC term has |ξ| = 0).  The
interval [0, r_max] (r_max = the largest |ξ| on the grid) is cut into ``n_bands`` bands of equal
width; band b holds b·r_max/n_bands ≤ |ξ| < (b+1)·r_max/n_bands (the last band also holds
r_max).  The per-band relative error (ours, the 2-D analogue of Δ_F) is

    E_b = ‖ĥ − f̂‖_{2, band b} / ‖f̂‖_{2, band b}      ("complex")
    E_b = ‖ |ĥ| − |f̂| ‖_{2, band b} / ‖f̂‖_{2, band b}  ("magnitude", blind to phase)

The DFT normalisation cancels.  A band containing no frequency (possible for tiny images and
many bands) gives NaN.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..errors import InputError
from ._dft import dft2
from ._validate import as_tensor, check_kind, check_nonneg, check_positive_int

__all__ = ["radial_bands", "band_errors"]


def radial_bands(shape: Any, n_bands: int, *, device: Any = None) -> Tensor:
    """Band index (LongTensor of ``shape`` = (H, W)) of every 2-D DFT frequency, in ``dft2`` order.

    Radial frequency from ``torch.fft.fftfreq`` (cycles per pixel), ``n_bands`` equal-width bands
    from 0 to the largest radius; band 0 contains the DC term.  See the module docstring.

    Parameters
    ----------
    shape : tuple of int
        Image size (H, W).
    n_bands : int
        Number of equal-width radial bands.
    device : torch.device or str, optional
        Device of the result.

    Returns
    -------
    torch.Tensor
        LongTensor (H, W) of band indices in [0, n_bands − 1].

    Examples
    --------
    >>> radial_bands((4, 4), 2)
    tensor([[0, 0, 1, 0],
            [0, 1, 1, 1],
            [1, 1, 1, 1],
            [0, 1, 1, 1]])
    """
    try:
        hw = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise InputError("shape", f"got {shape!r}", "pass (H, W)") from None
    if len(hw) != 2 or min(hw) <= 0:
        raise InputError("shape", f"got {shape!r}", "pass (H, W) with positive sizes")
    n_bands = check_positive_int("n_bands", n_bands)
    fy = torch.fft.fftfreq(hw[0], dtype=torch.float64, device=device)
    fx = torch.fft.fftfreq(hw[1], dtype=torch.float64, device=device)
    r = torch.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2)
    rmax = r.max()
    if not bool(rmax > 0):  # a 1×1 image: only the DC term
        return torch.zeros(hw, dtype=torch.long, device=device)
    return torch.clamp((r / rmax * n_bands).floor().long(), max=n_bands - 1)


def band_errors(
    pred_image: Any, target_image: Any, n_bands: int, *, kind: str = "complex", eps: float = 0.0
) -> Tensor:
    """Per-band relative error E_b (…, n_bands) of ``pred_image`` against ``target_image``.

    Images are (…, H, W); ``pred_image`` may carry leading batch axes that ``target_image``
    lacks (broadcast).  E_b = ‖ĥ − f̂‖_band / (‖f̂‖_band + eps) for ``kind="complex"``,
    ‖|ĥ| − |f̂|‖_band / (‖f̂‖_band + eps) for ``"magnitude"`` (L2 over the band's frequencies;
    bands as in :func:`radial_bands`).  Ours (papers.md §1.5 proposal).

    Parameters
    ----------
    pred_image : array_like
        Predicted image(s), shape (..., H, W).
    target_image : array_like
        Target image (H, W) or (..., H, W), broadcastable with ``pred_image``.
    n_bands : int
        Number of radial bands.
    kind : {"complex", "magnitude"}, default "complex"
        Error of the complex coefficients, or of their moduli only.
    eps : float, default 0.0
        Added to each band's target norm.

    Returns
    -------
    torch.Tensor
        Real tensor (..., n_bands) of E_b (NaN for a band without frequencies).

    Examples
    --------
    >>> import torch
    >>> f = torch.rand(8, 8, dtype=torch.float64)
    >>> band_errors(f, f, 3)
    tensor([0., 0., 0.], dtype=torch.float64)
    >>> band_errors(torch.zeros(8, 8), f, 3)
    tensor([1., 1., 1.], dtype=torch.float64)
    """
    kind = check_kind(kind)
    eps = check_nonneg("eps", eps)
    h = as_tensor("pred_image", pred_image)
    f = as_tensor("target_image", target_image, device=h.device)
    if h.ndim < 2 or f.ndim < 2:
        raise InputError("pred_image" if h.ndim < 2 else "target_image", "has fewer than 2 dims", "pass (..., H, W)")
    if h.shape[-2:] != f.shape[-2:]:
        raise InputError(
            "target_image",
            f"has size {tuple(f.shape[-2:])}, pred_image {tuple(h.shape[-2:])}",
            "pass equal image sizes",
        )
    try:
        torch.broadcast_shapes(h.shape[:-2], f.shape[:-2])
    except RuntimeError:
        raise InputError(
            "target_image", f"batch shape {tuple(f.shape[:-2])} does not broadcast with {tuple(h.shape[:-2])}",
            "pass broadcastable leading axes",
        ) from None
    n_bands = check_positive_int("n_bands", n_bands)
    hh, fh = dft2(h), dft2(f)
    num = (hh - fh).abs() if kind == "complex" else (hh.abs() - fh.abs()).abs()
    bands = radial_bands(h.shape[-2:], n_bands, device=h.device).reshape(-1)
    rdt = num.dtype

    def band_sums(sq: Tensor) -> Tensor:
        sq = sq.reshape(*sq.shape[:-2], -1)
        out = torch.zeros(*sq.shape[:-1], n_bands, dtype=rdt, device=h.device)
        return out.index_add_(-1, bands, sq)

    e_num = band_sums(num.square()).sqrt()
    e_den = band_sums(fh.abs().square()).sqrt()
    return e_num / (e_den + eps) if eps else e_num / e_den
