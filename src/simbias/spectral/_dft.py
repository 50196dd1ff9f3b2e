"""Uniform-grid DFT, peak picking and the per-frequency relative error of the F-Principle.

Conventions (papers.md §1.1; Xu et al., arXiv 1807.01251, 1901.06523):

* DFT of N samples on a uniform grid:  X_k = Σ_{n=0}^{N-1} x_n e^{−2πi kn/N}  ("backward"
  normalisation, no scaling — numpy's and torch's default); "forward" divides by N, "ortho" by √N.
  On an interval of length L, index k is the frequency k/L cycles per unit (2πk/L rad per unit).
* Peaks: strict local maxima of |f̂| over the first few indices (author code ``SelectPeakIndex``)
  plus a relative magnitude floor (ours, papers.md §1.1 [D]) that removes round-off "peaks".
* Relative error at a frequency: Δ_F(k) = |ĥ_k − f̂_k| / |f̂_k| (paper, "complex"), or the authors'
  code's | |ĥ_k| − |f̂_k| | / (|f̂_k| + 1e-5) ("magnitude", author-code.md §1.3).  The magnitude
  version is blind to phase errors; the complex one is the default.

Design note: :class:`PeakProjector` evaluates the DFT only at the few peak indices with a
precomputed (N, P) cosine/sine pair — O(N·P) per signal instead of an O(N log N) FFT plus a
gather, and it keeps the computation a plain matmul (cheap every training step, batched over
leading dims, differentiable).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ..errors import InputError
from ._validate import (
    as_sequence_of_ints,
    as_tensor,
    check_dim,
    check_kind,
    check_nonneg,
    check_norm,
    check_positive_int,
    same_device,
)

__all__ = ["dft", "dft2", "dft_at", "PeakProjector", "find_peaks", "frequency_error", "peak_errors"]


def _norm_scale(norm: str, n: int) -> float:
    return {"backward": 1.0, "forward": 1.0 / n, "ortho": 1.0 / math.sqrt(n)}[norm]


def dft(values: Any, *, dim: int = 0, norm: str = "backward") -> Tensor:
    """Discrete Fourier transform along ``dim``: X_k = s · Σ_{n=0}^{N−1} x_n e^{−2πi kn/N}.

    ``norm``: "backward" s = 1 (no scaling, like ``numpy.fft.fft``; the authors' ``my_fft``),
    "forward" s = 1/N, "ortho" s = 1/√N.  Returns a complex tensor of the same shape
    (float64/complex128 in → complex128 out; float32 → complex64), on the input's device.
    Source: the F-Principle papers' per-frequency analysis (arXiv 1807.01251, 1901.06523).

    Parameters
    ----------
    values : array_like
        Real or complex samples on a uniform grid.
    dim : int, default 0
        Axis to transform.
    norm : {"backward", "forward", "ortho"}, default "backward"
        Scaling s of the transform.

    Returns
    -------
    torch.Tensor
        Complex coefficients X_k, k = 0 … N−1 (``fftfreq`` order), same shape as ``values``.

    Examples
    --------
    >>> import torch
    >>> x = torch.cos(2 * torch.pi * 3 * torch.arange(8) / 8)
    >>> dft(x, norm="forward").real.round(decimals=6)[:4]
    tensor([0.0000, 0.0000, 0.0000, 0.5000])
    """
    x = as_tensor("values", values)
    d = check_dim("dim", dim, x.ndim)
    return torch.fft.fft(x, dim=d, norm=check_norm(norm))


def dft2(image: Any, *, norm: str = "backward") -> Tensor:
    """2-D DFT over the last two axes: X_{kl} = s · Σ_{m,n} x_{mn} e^{−2πi (km/H + ln/W)}.

    ``norm`` as in :func:`dft` (s = 1, 1/(HW) or 1/√(HW)).  Leading axes are batch axes.
    Used for image targets (papers.md §1.5; arXiv 1901.06523).

    Parameters
    ----------
    image : array_like
        Real or complex array of shape (..., H, W).
    norm : {"backward", "forward", "ortho"}, default "backward"
        Scaling s of the transform.

    Returns
    -------
    torch.Tensor
        Complex coefficients of shape (..., H, W), in ``fft2`` order (DC at [0, 0]).

    Examples
    --------
    >>> import torch
    >>> dft2(torch.ones(2, 3))[0, 0].real.item()
    6.0
    """
    x = as_tensor("image", image)
    if x.ndim < 2:
        raise InputError("image", f"got {x.ndim} dims", "pass (..., H, W)")
    return torch.fft.fft2(x, dim=(-2, -1), norm=check_norm(norm))


class PeakProjector:
    """The DFT of length-``n`` signals at a few indices, as one precomputed matmul.

    Holds C_{nk} = s·cos(2π k n / N) and S_{nk} = s·sin(2π k n / N) for the chosen indices k
    (angles reduced exactly with integer arithmetic, (k·n mod N), before the float conversion),
    so that X_k = Σ_n x_n (C_{nk} − i S_{nk}) equals ``dft(x, norm=norm)[k]``.  ``norm`` as in
    :func:`dft`.  Build it once (with the dtype/device of the signals, to avoid a cast per call)
    and call it every step.  Nothing is cached beyond the two (N, P) matrices.

    Parameters
    ----------
    n : int
        Length N of the signals.
    indices : sequence of int or LongTensor
        The P DFT indices k to evaluate, each in [0, N − 1].
    norm : {"backward", "forward", "ortho"}, default "backward"
        Scaling s, as in :func:`dft`.
    dtype : torch.dtype, default torch.float64
        Real floating dtype of the stored matrices (``None``: the default dtype).
    device : torch.device or str, optional
        Device of the stored matrices.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(3, 16, dtype=torch.float64)
    >>> proj = PeakProjector(16, [1, 4])
    >>> torch.allclose(proj(x), dft(x, dim=-1)[:, [1, 4]])
    True
    """

    def __init__(
        self,
        n: int,
        indices: Any,
        *,
        norm: str = "backward",
        dtype: torch.dtype | None = torch.float64,
        device: Any = None,
    ):
        n = check_positive_int("n", n)
        self.norm = check_norm(norm)
        idx = as_sequence_of_ints("indices", indices, device=torch.device("cpu"))
        if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= n):
            raise InputError("indices", f"got {idx.tolist()} for signals of length {n}", f"use indices in [0, {n - 1}]")
        dtype = dtype or torch.get_default_dtype()
        if dtype.is_complex or not dtype.is_floating_point:
            raise InputError("dtype", f"got {dtype}", "use a real floating dtype (the signal's)")
        self.n = n
        self.indices = idx.to(device)
        kn = (torch.arange(n, dtype=torch.int64)[:, None] * idx[None, :]) % n
        angle = (2 * math.pi / n) * kn.to(torch.float64)
        scale = _norm_scale(self.norm, n)
        self.cos = (torch.cos(angle) * scale).to(device=device, dtype=dtype)
        self.sin = (torch.sin(angle) * scale).to(device=device, dtype=dtype)

    def __repr__(self) -> str:
        return f"PeakProjector(n={self.n}, indices={self.indices.tolist()}, norm={self.norm!r})"

    def __call__(self, values: Any, *, dim: int = -1) -> Tensor:
        """X_k at the stored indices along ``dim``; that axis is replaced by the P indices."""
        x = as_tensor("values", values)
        d = check_dim("dim", dim, x.ndim)
        if x.shape[d] != self.n:
            raise InputError("values", f"has length {x.shape[d]} along dim {dim}", f"pass signals of length {self.n}")
        rdt = x.real.dtype if x.is_complex() else x.dtype
        c = self.cos.to(device=x.device, dtype=rdt)
        s = self.sin.to(device=x.device, dtype=rdt)
        xm = x.movedim(d, -1)
        if x.is_complex():
            a, b = xm.real, xm.imag
            re, im = a @ c + b @ s, b @ c - a @ s
        else:
            re, im = xm @ c, -(xm @ s)
        return torch.complex(re, im).movedim(-1, d)

    def errors(self, pred: Any, target: Any, *, kind: str = "complex", eps: float = 0.0, dim: int = -1) -> Tensor:
        """Δ_F at the stored indices: :func:`peak_errors` with this projector."""
        return peak_errors(pred, target, self, kind=kind, eps=eps, dim=dim)


def dft_at(values: Any, indices: Any, *, dim: int = -1, norm: str = "backward") -> Tensor:
    """X_k = s · Σ_n x_n e^{−2πi kn/N} only at ``indices`` along ``dim`` (that axis → P indices).

    Equal to ``dft(values, dim=dim, norm=norm).index_select(dim, indices)`` at O(N·P) cost.
    For repeated calls build a :class:`PeakProjector` once.

    Parameters
    ----------
    values : array_like
        Real or complex signals, length N along ``dim``.
    indices : sequence of int or LongTensor
        DFT indices in [0, N − 1].
    dim : int, default -1
        Axis of the signal.
    norm : {"backward", "forward", "ortho"}, default "backward"
        Scaling s, as in :func:`dft`.

    Returns
    -------
    torch.Tensor
        Complex tensor with the ``dim`` axis replaced by the P indices.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(32, dtype=torch.float64)
    >>> torch.allclose(dft_at(x, [0, 5]), dft(x)[[0, 5]])
    True
    """
    x = as_tensor("values", values)
    d = check_dim("dim", dim, x.ndim)
    rdt = x.real.dtype if x.is_complex() else x.dtype
    return PeakProjector(x.shape[d], indices, norm=norm, dtype=rdt, device=x.device)(x, dim=d)


def find_peaks(
    magnitude: Any,
    *,
    max_index: int | None = None,
    rel_floor: float = 1e-3,
    endpoints: bool = False,
    max_peaks: int | None = None,
) -> Tensor:
    """Indices (ascending LongTensor) of the peaks of a 1-D magnitude spectrum F.

    Only F[0:max_index] is considered (the authors examine the first 20–40 DFT indices).  Peaks
    are strict local maxima F[i] > F[i−1] and F[i] > F[i+1] for 1 ≤ i ≤ M−2 (M = number of indices
    considered; like the authors' ``SelectPeakIndex``, index M−1 is an endpoint of the truncated
    spectrum).  ``endpoints=True`` also admits index 0 when F[0] > F[1] and index M−1 when
    F[M−1] > F[M−2] (the projection notebook uses this so that k = 0 can be a peak).

    ``rel_floor`` (ours, papers.md §1.1): maxima with F[i] < rel_floor · max(F[0:M]) are dropped.
    On an exactly periodic grid (``linspace(..., endpoint=False)``) the spectrum away from the
    signal's frequencies is round-off (~1e-13 relative) full of spurious strict maxima; the
    authors' grids include the endpoint, whose leakage hides this.  ``rel_floor=0`` reproduces
    their code exactly.  ``max_peaks`` keeps the first (lowest-frequency) peaks.
    A complex input is replaced by its modulus.  Source: arXiv 1807.01251 / 1901.06523 code.

    Parameters
    ----------
    magnitude : array_like
        1-D spectrum |f̂| (a complex spectrum is replaced by its modulus).
    max_index : int, optional
        Consider only indices below it (``None``: all).
    rel_floor : float, default 1e-3
        Drop maxima below ``rel_floor`` times the largest value considered.
    endpoints : bool, default False
        Also admit the first and last index considered.
    max_peaks : int, optional
        Keep at most this many (the lowest-frequency) peaks.

    Returns
    -------
    torch.Tensor
        Ascending LongTensor of peak indices (possibly empty).

    Examples
    --------
    >>> import torch
    >>> t = torch.arange(64, dtype=torch.float64) / 64
    >>> y = torch.sin(2 * torch.pi * t) + 0.5 * torch.sin(2 * torch.pi * 5 * t)
    >>> find_peaks(dft(y).abs(), max_index=20)
    tensor([1, 5])
    """
    m = as_tensor("magnitude", magnitude)
    if m.is_complex():
        m = m.abs()
    if m.ndim != 1:
        raise InputError("magnitude", f"got shape {tuple(m.shape)}", "pass a 1-D magnitude spectrum")
    check_positive_int("max_index", max_index, allow_none=True)
    check_positive_int("max_peaks", max_peaks, allow_none=True)
    floor = check_nonneg("rel_floor", rel_floor)
    if max_index is not None:
        m = m[:max_index]
    n = m.shape[0]
    if n < 2:
        return torch.zeros(0, dtype=torch.long, device=m.device)
    if not bool(torch.isfinite(m).all()):
        raise InputError("magnitude", "contains NaN or infinite values", "pass a finite spectrum")
    mask = torch.zeros(n, dtype=torch.bool, device=m.device)
    mask[1:-1] = (m[1:-1] > m[:-2]) & (m[1:-1] > m[2:])
    if endpoints:
        mask[0] = m[0] > m[1]
        mask[-1] = m[-1] > m[-2]
    mask &= m >= floor * m.max()
    idx = mask.nonzero().flatten()
    return idx[:max_peaks] if max_peaks is not None else idx


def frequency_error(pred_hat: Any, target_hat: Any, *, kind: str = "complex", eps: float = 0.0) -> Tensor:
    """Per-frequency relative error (real tensor, broadcast of the two shapes).

    kind "complex" (paper, arXiv 1901.06523):    Δ_F(k) = |ĥ_k − f̂_k| / (|f̂_k| + eps)
    kind "magnitude" (authors' heat-map code):   Δ_F(k) = | |ĥ_k| − |f̂_k| | / (|f̂_k| + eps)
    (the code used eps = 1e-5).  The magnitude variant reports ≈ 0 for a component with the right
    amplitude and a wrong phase φ, where the complex one gives 2|sin(φ/2)|.  With eps = 0 a
    zero |f̂_k| gives inf (or NaN for 0/0): evaluate at peaks of |f̂|.  The normalisation of the
    DFT cancels as long as both use the same one.

    Parameters
    ----------
    pred_hat : array_like
        Complex DFT coefficients ĥ of the prediction.
    target_hat : array_like
        Complex DFT coefficients f̂ of the target, broadcastable with ``pred_hat``.
    kind : {"complex", "magnitude"}, default "complex"
        Which Δ_F.
    eps : float, default 0.0
        Added to the denominator |f̂_k|.

    Returns
    -------
    torch.Tensor
        Real Δ_F(k), broadcast shape of the inputs.

    Examples
    --------
    >>> import torch
    >>> f = torch.tensor([2 + 0j, 1j])
    >>> frequency_error(torch.tensor([1 + 0j, -1j]), f)
    tensor([0.5000, 2.0000])
    >>> frequency_error(torch.tensor([1 + 0j, -1j]), f, kind="magnitude")
    tensor([0.5000, 0.0000])
    """
    kind = check_kind(kind)
    eps = check_nonneg("eps", eps)
    h = as_tensor("pred_hat", pred_hat)
    f = as_tensor("target_hat", target_hat, device=h.device)
    same_device(pred_hat=h, target_hat=f)
    try:
        torch.broadcast_shapes(h.shape, f.shape)
    except RuntimeError:
        raise InputError(
            "target_hat", f"shape {tuple(f.shape)} does not broadcast with pred_hat {tuple(h.shape)}",
            "pass matching or broadcastable shapes, e.g. (T, K) and (K,)",
        ) from None
    fa = f.abs()
    num = (h - f).abs() if kind == "complex" else (h.abs() - fa).abs()
    return num / (fa + eps) if eps else num / fa


def peak_errors(
    pred: Any, target: Any, peaks: Any, *, kind: str = "complex", dim: int = -1, eps: float = 0.0
) -> Tensor:
    """Δ_F at the peak indices: :func:`frequency_error` of the DFTs of ``pred`` and ``target``.

    ``pred``: signals on the uniform grid, length N along ``dim`` and any other (batch) axes,
    e.g. (n_records, N).  ``target``: the same shape, or fewer leading axes (e.g. (N,)), which
    broadcast.  ``peaks``: indices (e.g. from :func:`find_peaks` on |dft(target)|) or a prebuilt
    :class:`PeakProjector` (fastest for per-step use).  The ``dim`` axis of the result holds the
    peaks: (n_records, n_peaks) for the example.  DFT convention and Δ_F as in the module
    docstring (arXiv 1901.06523; ``kind="magnitude", eps=1e-5`` is the authors' heat-map code).

    Parameters
    ----------
    pred : array_like
        Predicted signals, length N along ``dim``.
    target : array_like
        Target signal(s), the shape of ``pred`` or with fewer leading axes.
    peaks : sequence of int or PeakProjector
        Peak indices, or a projector built for them.
    kind : {"complex", "magnitude"}, default "complex"
        Which Δ_F (see :func:`frequency_error`).
    dim : int, default -1
        Axis of the signal in ``pred``.
    eps : float, default 0.0
        Added to the denominator |f̂_k|.

    Returns
    -------
    torch.Tensor
        Real Δ_F with the ``dim`` axis replaced by the peaks.

    Examples
    --------
    >>> import torch
    >>> t = torch.arange(64, dtype=torch.float64) / 64
    >>> y = torch.sin(2 * torch.pi * t) + torch.sin(2 * torch.pi * 5 * t)
    >>> h = torch.stack([0 * y, torch.sin(2 * torch.pi * t)])  # two records
    >>> peak_errors(h, y, [1, 5]).round(decimals=6)
    tensor([[1., 1.],
            [0., 1.]], dtype=torch.float64)
    """
    check_kind(kind)
    h = as_tensor("pred", pred)
    f = as_tensor("target", target, device=h.device)
    same_device(pred=h, target=f)
    d = check_dim("dim", dim, h.ndim)
    n = h.shape[d]
    if isinstance(peaks, PeakProjector):
        proj = peaks
    else:
        rdt = h.real.dtype if h.is_complex() else h.dtype
        proj = PeakProjector(n, peaks, dtype=rdt, device=h.device)
    h_hat = proj(h, dim=d)
    if f.ndim == 1:
        f_hat = proj(f, dim=0)
        f_hat = f_hat.reshape([f_hat.shape[0] if i == d else 1 for i in range(h.ndim)])
    else:
        dt = d - (h.ndim - f.ndim)
        if f.ndim > h.ndim or dt < 0:
            raise InputError(
                "target", f"shape {tuple(f.shape)} does not line up with pred {tuple(h.shape)} along dim {dim}",
                "pass target with pred's shape or with fewer leading axes",
            )
        f_hat = proj(f, dim=dt)
    return frequency_error(h_hat, f_hat, kind=kind, eps=eps)
