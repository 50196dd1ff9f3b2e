"""Filtering method: Gaussian low-pass of a function sampled on a data set (any dimension).

Definitions (papers.md §1.3–1.4; author-code.md E8; Xu et al., arXiv 1901.06523; deep frequency
principle, Xu & Zhou, arXiv 2007.14313):

    G^δ(z) = exp(−|z|² / (2δ))                       δ is a *variance*, not a standard deviation
    y_i^{low,δ} = Σ_j y_j G^δ(x_i − x_j) / Σ_j G^δ(x_i − x_j)      (row-normalised kernel)
    y^{high,δ} = y − y^{low,δ}
    e_low  = ‖y^{low} − h^{low}‖ / ‖y^{low}‖,   e_high = ‖y^{high} − h^{high}‖ / ‖y^{high}‖
             (Frobenius norms over points and output components)
    LFR(δ) = Σ_i |y_i^{low,δ}|² / Σ_i |y_i|²,    RDF = ∂LFR / ∂(1/δ)

In Fourier terms Ĝ^δ(ξ) ∝ exp(−2π²δ|ξ|²) (ξ in cycles), so a larger δ keeps a narrower low band
(cut-off ≈ 1/(2π√δ)).  The row normalisation makes the low part biased near the boundary of the
data (a point at the edge of an interval averages only over one side).

Algorithm (ours; same numbers as the dense n×n code of the authors, which needs 8n² bytes per
kernel): rows are processed in blocks of ``chunk_size``.  For a block I the squared distances
D_Ij = ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j are formed once (x is centred first, which leaves distances
unchanged and reduces cancellation), clamped at 0, the self-distances set exactly to 0, and then
every δ is applied to the same block: W = exp(−(D_Ij − m_i)/(2δ)) with m_i = min_j D_ij.
Subtracting the row minimum does not change the normalised kernel (it cancels between numerator
and denominator) and guarantees the largest weight of each row is exactly 1, so nothing
overflows or underflows to an all-zero row; here m_i = 0 because every point is in its own row,
so it is also exactly the authors' kernel.  Numerator and denominator come from one matmul
W · [y, h, 1].  Memory: O(chunk·n + n·d); time: one n×n×d Gram product plus n² exps per δ.
The functions here are measurements: they run without autograd.
"""

from __future__ import annotations

from typing import Any, Iterator

import torch
from torch import Tensor

from ..errors import InputError
from ._validate import check_positive_int, deltas_tensor, real_tensor, same_device

__all__ = [
    "gaussian_filter",
    "filter_errors",
    "low_frequency_ratio",
    "ratio_density",
    "rescale_inputs",
    "SCALES",
]

SCALES = ("none", "max_norm", "rms_distance", "mean_distance")
_BLOCK_ENTRIES = 1 << 20  # rows per block ≈ this / n when chunk_size is None (8 MiB per float64 buffer)


def _points(x: Any) -> Tensor:
    xt = real_tensor("x", x)
    if xt.ndim == 1:
        xt = xt[:, None]
    if xt.ndim != 2 or xt.shape[0] == 0:
        raise InputError("x", f"got shape {tuple(xt.shape)}", "pass points as (n, d) (or (n,) for d = 1)")
    return xt


def _block_rows(n: int, chunk_size: int | None) -> int:
    check_positive_int("chunk_size", chunk_size, allow_none=True)
    if chunk_size is not None:
        return min(chunk_size, n)
    return max(8, min(n, _BLOCK_ENTRIES // max(n, 1)))


def _sq_dist_blocks(x: Tensor, b: int) -> Iterator[tuple[int, int, Tensor]]:
    """Yield (start, stop, D) with D[r, j] = ‖x_{start+r} − x_j‖², self-distances exactly 0.

    The yielded tensor is a reused buffer: consume it before advancing the iterator.
    """
    n = x.shape[0]
    xc = x - x.mean(0, keepdim=True)
    sq = (xc * xc).sum(1)
    buf = torch.empty(b, n, dtype=x.dtype, device=x.device)
    ar = torch.arange(b, device=x.device)
    for s in range(0, n, b):
        e = min(s + b, n)
        r = e - s
        d = buf[:r]
        torch.addmm(sq[None, :], xc[s:e], xc.T, beta=1, alpha=-2, out=d)
        d.add_(sq[s:e, None]).clamp_(min=0)
        d[ar[:r], s + ar[:r]] = 0
        yield s, e, d


def _scale_factor(x: Tensor, scale: str, b: int) -> float:
    """s such that x/s is the rescaled input (ours, papers.md §1.4 [M])."""
    if scale not in SCALES:
        raise InputError("scale", f"got {scale!r}", f"use one of {', '.join(map(repr, SCALES))}")
    n = x.shape[0]
    if scale == "none":
        return 1.0
    if scale == "max_norm":
        s = float(torch.linalg.vector_norm(x, dim=1).max())
    elif scale == "rms_distance":
        if n < 2:
            raise InputError("x", "has 1 point", "pass at least 2 points to rescale by a distance")
        xc = x - x.mean(0, keepdim=True)
        s = float(torch.sqrt(2.0 * (xc * xc).sum() / (n - 1)))
    else:  # mean_distance
        if n < 2:
            raise InputError("x", "has 1 point", "pass at least 2 points to rescale by a distance")
        total = torch.zeros((), dtype=torch.float64, device=x.device)
        for _, _, d in _sq_dist_blocks(x, b):
            total += d.sqrt().sum(dtype=torch.float64)
        s = float(total) / (n * (n - 1))
    if not s > 0:
        raise InputError("x", f"scale {scale!r} is 0 (all points equal or zero)", "use scale='none'")
    return s


def rescale_inputs(x: Any, *, scale: str = "rms_distance", chunk_size: int | None = None) -> Tensor:
    """x / s, the inputs rescaled so that filters of different layers are comparable (ours).

    ``scale``: "none" s = 1; "max_norm" s = max_i ‖x_i‖; "rms_distance"
    s = (mean_{i≠j} ‖x_i − x_j‖²)^{1/2} = (2/(n−1) Σ_i ‖x_i − x̄‖²)^{1/2} (O(nd), the mean squared
    pairwise distance becomes 1); "mean_distance" s = mean_{i≠j} ‖x_i − x_j‖ (exact, O(n²d),
    chunked like the filter).  The deep-frequency-principle paper (arXiv 2007.14313) rescales
    hidden-layer outputs before filtering but we did not verify its exact normalisation; these
    options are ours.  Passing ``scale=`` to the filter functions is equivalent to filtering
    ``rescale_inputs(x)`` (implemented as δ → δ·s², without copying x).
    """
    xt = _points(x)
    return xt / _scale_factor(xt, scale, _block_rows(xt.shape[0], chunk_size))


def _low_blocks(x: Tensor, cols: Tensor, coefs: list[float], b: int) -> Iterator[tuple[int, int, int, Tensor]]:
    """Yield (start, stop, k, low) with low = (K^δ_k cols)[start:stop] for every δ index k."""
    n, m = cols.shape
    aug = torch.cat([cols, torch.ones(n, 1, dtype=cols.dtype, device=cols.device)], dim=1)
    w = torch.empty(b, n, dtype=x.dtype, device=x.device)
    num = torch.empty(b, m + 1, dtype=x.dtype, device=x.device)
    for s, e, d in _sq_dist_blocks(x, b):
        r = e - s
        d.sub_(d.amin(dim=1, keepdim=True))  # stabilisation (exactly 0 here: D_ii = 0)
        for k, c in enumerate(coefs):
            wb = w[:r]
            torch.mul(d, c, out=wb)
            wb.exp_()
            nb = torch.mm(wb, aug, out=num[:r])
            yield s, e, k, nb[:, :m] / nb[:, m:]


def _prepare(x: Any, values: Any, name: str) -> tuple[Tensor, Tensor]:
    xt = _points(x)
    v = real_tensor(name, values, device=xt.device)
    same_device(x=xt, **{name: v})
    n = xt.shape[0]
    if v.ndim not in (1, 2) or v.shape[0] != n:
        raise InputError(name, f"got shape {tuple(v.shape)} for {n} points", f"pass ({n},) or ({n}, c) values")
    dt = torch.promote_types(xt.dtype, v.dtype)
    return xt.detach().to(dt), v.detach().to(dt)


def _coefs(delta: Any, xt: Tensor, scale: str, b: int) -> tuple[list[float], bool]:
    deltas, scalar = deltas_tensor(delta)
    s = _scale_factor(xt, scale, b)
    return [float(-0.5 / (dl * s * s)) for dl in deltas.tolist()], scalar


def gaussian_filter(
    x: Any, values: Any, delta: Any, *, chunk_size: int | None = None, scale: str = "none"
) -> tuple[Tensor, Tensor]:
    """Low/high split (low, high) of ``values`` sampled at the points ``x`` by the Gaussian filter.

    low_i = Σ_j v_j G(x_i − x_j) / Σ_j G(x_i − x_j),  G(z) = exp(−|z|²/(2δ)),  high = values − low
    (δ a variance; arXiv 1901.06523, author code ``filter_gd.py``).  ``x`` (n, d) or (n,),
    ``values`` (n,) or (n, c) real.  ``delta``: a positive number → low/high shaped like
    ``values``; a list/1-D tensor of δ → (n_delta, *values.shape), all δ sharing one distance
    computation.  δ = inf gives the mean.  ``chunk_size``: rows per block (memory O(chunk·n));
    None picks about 1M kernel entries per block.  ``scale`` rescales x first (see
    :func:`rescale_inputs`; ours).  Algorithm and numerics: module docstring.
    """
    xt, v = _prepare(x, values, "values")
    b = _block_rows(xt.shape[0], chunk_size)
    coefs, scalar = _coefs(delta, xt, scale, b)
    v2 = v.reshape(v.shape[0], -1)
    low = torch.empty(len(coefs), *v2.shape, dtype=v.dtype, device=v.device)
    with torch.no_grad():
        for s, e, k, lb in _low_blocks(xt, v2, coefs, b):
            low[k, s:e] = lb
    low = low.reshape(len(coefs), *v.shape)
    high = v.unsqueeze(0) - low
    if scalar:
        return low[0], high[0]
    return low, high


def filter_errors(
    x: Any,
    target: Any,
    pred: Any,
    delta: Any = None,
    *,
    deltas: Any = None,
    chunk_size: int | None = None,
    scale: str = "none",
) -> tuple[Tensor, Tensor]:
    """(e_low, e_high): relative L2 errors of the low and of the high parts, per δ.

    e_low = ‖y^{low} − h^{low}‖_F / ‖y^{low}‖_F,  e_high = ‖y^{high} − h^{high}‖_F / ‖y^{high}‖_F
    with the filter of :func:`gaussian_filter` (papers.md §1.3, author code ``filter_gd.py``;
    arXiv 1901.06523).  The F-Principle predicts that e_low falls before e_high.

    ``target`` (n,) or (n, c); ``pred`` the same shape or with leading batch axes
    (e.g. (members, n, c)) — all filtered in the same pass.  Give the variance(s) as ``delta``
    (positional) or ``deltas=``: a scalar gives results of shape (*batch,), a list/1-D tensor of
    n_delta values gives (*batch, n_delta); the distances are computed once per row block and
    reused for every δ and every output.  Streaming: memory O(chunk·n), nothing n×n is stored.
    When a high (or low) part of the target is exactly 0 (δ → 0 or ∞) the ratio is NaN/inf.
    """
    if (delta is None) == (deltas is None):
        raise InputError("delta", "give exactly one of delta and deltas", "e.g. filter_errors(x, y, h, deltas=[2, 10])")
    xt, y = _prepare(x, target, "target")
    h = real_tensor("pred", pred, device=xt.device).detach()
    same_device(x=xt, pred=h)
    if h.ndim < y.ndim or tuple(h.shape[h.ndim - y.ndim :]) != tuple(y.shape):
        raise InputError(
            "pred", f"got shape {tuple(h.shape)} for target {tuple(y.shape)}",
            "pass pred with target's shape, optionally with leading batch axes",
        )
    dt = torch.promote_types(y.dtype, h.dtype)
    xt, y, h = xt.to(dt), y.to(dt), h.to(dt)
    n = xt.shape[0]
    batch = h.shape[: h.ndim - y.ndim]
    y2 = y.reshape(n, -1)
    c = y2.shape[1]
    h3 = h.reshape(-1, n, c)  # (R, n, c)
    r_ = h3.shape[0]
    cols = torch.cat([y2, h3.permute(1, 0, 2).reshape(n, r_ * c)], dim=1)
    b = _block_rows(n, chunk_size)
    coefs, scalar = _coefs(deltas if delta is None else delta, xt, scale, b)
    nd = len(coefs)
    acc = dict(
        num_low=torch.zeros(r_, nd, dtype=torch.float64, device=xt.device),
        num_high=torch.zeros(r_, nd, dtype=torch.float64, device=xt.device),
        den_low=torch.zeros(nd, dtype=torch.float64, device=xt.device),
        den_high=torch.zeros(nd, dtype=torch.float64, device=xt.device),
    )
    with torch.no_grad():
        for s, e, k, lb in _low_blocks(xt, cols, coefs, b):
            yl = lb[:, :c]
            hl = lb[:, c:].reshape(e - s, r_, c)
            diff = y2[s:e, None, :] - cols[s:e, c:].reshape(e - s, r_, c)  # y − h on the block
            dl = yl[:, None, :] - hl
            acc["num_low"][:, k] += dl.square().sum(dim=(0, 2), dtype=torch.float64)
            acc["num_high"][:, k] += (diff - dl).square().sum(dim=(0, 2), dtype=torch.float64)
            acc["den_low"][k] += yl.square().sum(dtype=torch.float64)
            acc["den_high"][k] += (y2[s:e] - yl).square().sum(dtype=torch.float64)
    e_low = (acc["num_low"] / acc["den_low"]).sqrt().to(dt).reshape(*batch, nd)
    e_high = (acc["num_high"] / acc["den_high"]).sqrt().to(dt).reshape(*batch, nd)
    if scalar:
        return e_low[..., 0], e_high[..., 0]
    return e_low, e_high


def low_frequency_ratio(
    x: Any, values: Any, deltas: Any, *, chunk_size: int | None = None, scale: str = "none"
) -> Tensor:
    """LFR(δ) = Σ_i |y_i^{low,δ}|² / Σ_i |y_i|² for each δ (sum also over output components).

    Deep frequency principle (arXiv 2007.14313; definition as recalled in papers.md §1.4 [M]).
    For the row-normalised filter LFR ∈ [0, 1] (each low value is a convex combination).  It
    falls from 1 (δ → 0) to n·|ȳ|²/Σ|y_i|² (δ → ∞, the low part is the mean); it is decreasing
    over the informative range for typical signals, but not guaranteed monotone: the normalised
    kernel is not symmetric, and e.g. for random data LFR can rise slightly just before the limit.
    ``deltas``: scalar → 0-d tensor, list → (n_delta,).  ``scale``: see :func:`rescale_inputs`
    (hidden layers are rescaled before filtering in that paper; the normalisation is ours).
    """
    xt, v = _prepare(x, values, "values")
    b = _block_rows(xt.shape[0], chunk_size)
    coefs, scalar = _coefs(deltas, xt, scale, b)
    v2 = v.reshape(v.shape[0], -1)
    acc = torch.zeros(len(coefs), dtype=torch.float64, device=xt.device)
    with torch.no_grad():
        for _, _, k, lb in _low_blocks(xt, v2, coefs, b):
            acc[k] += lb.square().sum(dtype=torch.float64)
    out = (acc / v2.square().sum(dtype=torch.float64)).to(v.dtype)
    return out[0] if scalar else out


def ratio_density(deltas: Any, lfr: Any) -> Tensor:
    """RDF = dLFR/d(1/δ) by finite differences on the (non-uniform) grid u = 1/δ.

    ``deltas`` (n_delta,) distinct positive values in any order, ``lfr`` (..., n_delta) as from
    :func:`low_frequency_ratio`.  With the points sorted by u, interior points use the
    second-order three-point formula for unequal spacing
    f'(u_i) ≈ [h₋² f_{i+1} − h₊² f_{i−1} + (h₊² − h₋²) f_i] / (h₋ h₊ (h₋ + h₊)),
    h₋ = u_i − u_{i−1}, h₊ = u_{i+1} − u_i (as ``numpy.gradient``), the two ends first-order
    one-sided differences.  Returned in the input order, shape of ``lfr``.  1/δ plays the role of
    a frequency; the peak of RDF marks the dominant one (arXiv 2007.14313, papers.md §1.4 [M]).
    """
    dl, _ = deltas_tensor(deltas, name="deltas")
    f = real_tensor("lfr", lfr)
    if f.ndim == 0 or f.shape[-1] != dl.shape[0]:
        raise InputError("lfr", f"got shape {tuple(f.shape)} for {dl.shape[0]} deltas", "pass (..., n_delta) values")
    if dl.shape[0] < 2:
        raise InputError("deltas", "got 1 value", "pass at least 2 deltas")
    u = (1.0 / dl).to(device=f.device, dtype=f.dtype)
    order = torch.argsort(u)
    u, fs = u[order], f[..., order]
    if bool((u[1:] <= u[:-1]).any()):
        raise InputError("deltas", "contains repeated values", "pass distinct deltas")
    h = u[1:] - u[:-1]
    g = torch.empty_like(fs)
    g[..., 0] = (fs[..., 1] - fs[..., 0]) / h[0]
    g[..., -1] = (fs[..., -1] - fs[..., -2]) / h[-1]
    if u.shape[0] > 2:
        hm, hp = h[:-1], h[1:]
        g[..., 1:-1] = (hm**2 * fs[..., 2:] - hp**2 * fs[..., :-2] + (hp**2 - hm**2) * fs[..., 1:-1]) / (
            hm * hp * (hm + hp)
        )
    out = torch.empty_like(g)
    out[..., order] = g
    return out
