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
kernel): the unnormalised kernel exp(−D_ij/(2δ)) is symmetric, so only the tiles J ≥ I of the
n×n matrix are visited.  For a tile the squared distances D_IJ = ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j are
formed once (x is centred first, which leaves distances unchanged and reduces cancellation),
clamped at 0, self-distances set exactly to 0, and every δ is applied to the same tile:
W = exp(−D_IJ/(2δ)); then rows I receive W·[y, h, 1]_J and rows J receive Wᵀ·[y, h, 1]_I (the last
column accumulates the normaliser Σ_j G).  Half the distances and half the exps of a row-by-row
pass; memory O(chunk² + n_delta·n·c) (δ are processed in groups if the accumulators would
exceed ~128 MiB in float64), nothing n×n is stored.
Stability: the usual trick is to subtract each row's minimum exponent before exp (it cancels in
the normalised kernel).  Here it is implicit and exact: every point is in its own row with
D_ii = 0, so each row's minimum is 0, its largest weight is exp(0) = 1 and the normaliser is ≥ 1;
nothing can overflow, and a row can never underflow to all zeros, however small δ is.
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
_TILE = 256  # default tile side (chunk_size): a 256×256 tile of weights stays in L2
_ACC_BUDGET = 1 << 24  # entries of per-δ accumulators held at once; more δ → processed in groups


def _points(x: Any) -> Tensor:
    xt = real_tensor("x", x)
    if xt.ndim == 1:
        xt = xt[:, None]
    if xt.ndim != 2 or xt.shape[0] == 0:
        raise InputError("x", f"got shape {tuple(xt.shape)}", "pass points as (n, d) (or (n,) for d = 1)")
    return xt


def _tile_side(n: int, chunk_size: int | None) -> int:
    check_positive_int("chunk_size", chunk_size, allow_none=True)
    return min(chunk_size or _TILE, n)


def _dist_tiles(x: Tensor, b: int) -> Iterator[tuple[int, int, int, int, Tensor]]:
    """Yield (i0, i1, j0, j1, D) for the tiles j0 ≥ i0 of D_ij = ‖x_i − x_j‖² (D_ii exactly 0).

    The yielded tensor is a reused buffer: consume it before advancing the iterator.
    """
    n = x.shape[0]
    xc = x - x.mean(0, keepdim=True)
    sq = (xc * xc).sum(1)
    buf = torch.empty(b * b, dtype=x.dtype, device=x.device)
    for i0 in range(0, n, b):
        i1 = min(i0 + b, n)
        for j0 in range(i0, n, b):
            j1 = min(j0 + b, n)
            d = buf[: (i1 - i0) * (j1 - j0)].view(i1 - i0, j1 - j0)
            torch.addmm(sq[None, j0:j1], xc[i0:i1], xc[j0:j1].T, beta=1, alpha=-2, out=d)
            d.add_(sq[i0:i1, None]).clamp_(min=0)
            if i0 == j0:
                d.diagonal().zero_()
            yield i0, i1, j0, j1, d


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
        for i0, _, j0, _, d in _dist_tiles(x, b):
            total += (1 if i0 == j0 else 2) * d.sqrt().sum(dtype=torch.float64)
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

    Parameters
    ----------
    x : array_like
        Points (n, d) or (n,).
    scale : {"none", "max_norm", "rms_distance", "mean_distance"}, default "rms_distance"
        Which s.
    chunk_size : int, optional
        Tile side for "mean_distance" (``None``: 256).

    Returns
    -------
    torch.Tensor
        The points x / s, shape (n, d).

    Examples
    --------
    >>> import torch
    >>> rescale_inputs(torch.tensor([[3.0, 4.0], [0.0, 0.0]]), scale="max_norm")
    tensor([[0.6000, 0.8000],
            [0.0000, 0.0000]])
    """
    xt = _points(x)
    return xt / _scale_factor(xt, scale, _tile_side(xt.shape[0], chunk_size))


def _low_sums(x: Tensor, aug: Tensor, coefs: list[float], b: int) -> Tensor:
    """acc[k] = exp(coefs[k]·D) @ aug, shape (len(coefs), n, aug.shape[1]), visiting tiles J ≥ I."""
    acc = torch.zeros(len(coefs), *aug.shape, dtype=x.dtype, device=x.device)
    wbuf = torch.empty(b * b, dtype=x.dtype, device=x.device)
    for i0, i1, j0, j1, d in _dist_tiles(x, b):
        w = wbuf[: d.numel()].view(d.shape)
        for k, c in enumerate(coefs):
            torch.mul(d, c, out=w)
            w.exp_()
            acc[k, i0:i1].addmm_(w, aug[j0:j1])
            if j0 != i0:
                acc[k, j0:j1].addmm_(w.T, aug[i0:i1])
    return acc


def _low_parts(x: Tensor, cols: Tensor, coefs: list[float], b: int) -> Iterator[tuple[int, Tensor]]:
    """Yield (k0, low) with low (g, n, m) = K^δ cols for the δ indices k0 … k0+g−1."""
    n, m = cols.shape
    aug = torch.cat([cols, torch.ones(n, 1, dtype=cols.dtype, device=cols.device)], dim=1)
    g = max(1, _ACC_BUDGET // (n * (m + 1)))
    for k0 in range(0, len(coefs), g):
        acc = _low_sums(x, aug, coefs[k0 : k0 + g], b)
        yield k0, acc[..., :m].div_(acc[..., m:])


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
    computation.  δ = inf gives the mean.  ``chunk_size``: side of the square tiles of the n×n
    kernel that are formed one at a time (memory O(chunk²)); None = 256.  ``scale`` rescales x first (see
    :func:`rescale_inputs`; ours).  Algorithm and numerics: module docstring.

    Parameters
    ----------
    x : array_like
        Points (n, d) or (n,).
    values : array_like
        Real values (n,) or (n, c) at the points.
    delta : float or sequence of float
        Variance(s) δ > 0 of the Gaussian.
    chunk_size : int, optional
        Tile side (``None``: 256).
    scale : {"none", "max_norm", "rms_distance", "mean_distance"}, default "none"
        Rescaling of ``x`` before filtering.

    Returns
    -------
    low, high : torch.Tensor
        The low- and high-frequency parts, ``values.shape`` (or (n_delta, *values.shape)).

    Examples
    --------
    >>> import torch
    >>> x = torch.linspace(0, 1, 5, dtype=torch.float64)
    >>> low, high = gaussian_filter(x, torch.ones(5, dtype=torch.float64), 0.1)
    >>> torch.allclose(low, torch.ones(5, dtype=torch.float64)), float(high.abs().max()) < 1e-12
    (True, True)
    """
    xt, v = _prepare(x, values, "values")
    b = _tile_side(xt.shape[0], chunk_size)
    coefs, scalar = _coefs(delta, xt, scale, b)
    v2 = v.reshape(v.shape[0], -1)
    low = torch.empty(len(coefs), *v2.shape, dtype=v.dtype, device=v.device)
    with torch.no_grad():
        for k0, part in _low_parts(xt, v2, coefs, b):
            low[k0 : k0 + part.shape[0]] = part
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
    n_delta values gives (*batch, n_delta); the distances are computed once per tile and reused
    for every δ and every output.  Memory O(chunk² + n_delta·n·c·(1 + members)); nothing n×n is
    stored.  ``chunk_size`` and ``scale`` as in :func:`gaussian_filter`.
    When a high (or low) part of the target is exactly 0 (δ → 0 or ∞) the ratio is NaN/inf.

    Parameters
    ----------
    x : array_like
        Points (n, d) or (n,).
    target : array_like
        Target values (n,) or (n, c).
    pred : array_like
        Predictions, ``target``'s shape or with leading batch axes.
    delta : float or sequence of float, optional
        Variance(s) δ; give this or ``deltas``.
    deltas : float or sequence of float, optional
        Same as ``delta``, by keyword.
    chunk_size : int, optional
        Tile side (``None``: 256).
    scale : {"none", "max_norm", "rms_distance", "mean_distance"}, default "none"
        Rescaling of ``x`` before filtering.

    Returns
    -------
    e_low, e_high : torch.Tensor
        Relative errors of the low and of the high parts, shape (*batch,) or (*batch, n_delta).

    Examples
    --------
    >>> import torch
    >>> x = torch.linspace(-1, 1, 101, dtype=torch.float64)
    >>> y = torch.sin(torch.pi * x) + 0.3 * torch.sin(12 * torch.pi * x)
    >>> e_low, e_high = filter_errors(x, y, torch.sin(torch.pi * x), deltas=[0.01])
    >>> bool(e_low[0] < e_high[0])
    True
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
    b = _tile_side(n, chunk_size)
    coefs, scalar = _coefs(deltas if delta is None else delta, xt, scale, b)
    nd = len(coefs)
    f64 = dict(dtype=torch.float64)
    acc = {key: torch.zeros(nd, r_, **f64, device=xt.device) for key in ("num_low", "num_high")}
    acc.update({key: torch.zeros(nd, **f64, device=xt.device) for key in ("den_low", "den_high")})
    diff = (y2[:, None, :] - h3.permute(1, 0, 2)).unsqueeze(0)  # y − h, (1, n, R, c)
    with torch.no_grad():
        for k0, low in _low_parts(xt, cols, coefs, b):
            g = low.shape[0]
            yl = low[..., :c]  # (g, n, c)
            dl = yl.unsqueeze(2) - low[..., c:].reshape(g, n, r_, c)  # y_low − h_low, (g, n, R, c)
            ks = slice(k0, k0 + g)
            acc["num_low"][ks] = dl.square().sum(dim=(1, 3), **f64)
            acc["num_high"][ks] = (diff - dl).square().sum(dim=(1, 3), **f64)
            acc["den_low"][ks] = yl.square().sum(dim=(1, 2), **f64)
            acc["den_high"][ks] = (y2 - yl).square().sum(dim=(1, 2), **f64)
    e_low = (acc["num_low"] / acc["den_low"][:, None]).sqrt().to(dt).T.reshape(*batch, nd)
    e_high = (acc["num_high"] / acc["den_high"][:, None]).sqrt().to(dt).T.reshape(*batch, nd)
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

    Parameters
    ----------
    x : array_like
        Points (n, d) or (n,).
    values : array_like
        Real values (n,) or (n, c).
    deltas : float or sequence of float
        Variance(s) δ > 0.
    chunk_size : int, optional
        Tile side (``None``: 256).
    scale : {"none", "max_norm", "rms_distance", "mean_distance"}, default "none"
        Rescaling of ``x`` before filtering.

    Returns
    -------
    torch.Tensor
        LFR, 0-d for a scalar δ, else (n_delta,).

    Examples
    --------
    >>> import torch
    >>> x = torch.linspace(-1, 1, 50, dtype=torch.float64)
    >>> lfr = low_frequency_ratio(x, torch.sin(6 * x), [1e-4, 1e-2, 1.0])
    >>> bool(lfr[0] > lfr[1] > lfr[2])
    True
    """
    xt, v = _prepare(x, values, "values")
    b = _tile_side(xt.shape[0], chunk_size)
    coefs, scalar = _coefs(deltas, xt, scale, b)
    v2 = v.reshape(v.shape[0], -1)
    acc = torch.zeros(len(coefs), dtype=torch.float64, device=xt.device)
    with torch.no_grad():
        for k0, low in _low_parts(xt, v2, coefs, b):
            acc[k0 : k0 + low.shape[0]] = low.square().sum(dim=(1, 2), dtype=torch.float64)
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

    Parameters
    ----------
    deltas : sequence of float
        At least 2 distinct positive δ.
    lfr : array_like
        LFR values (..., n_delta), in the order of ``deltas``.

    Returns
    -------
    torch.Tensor
        dLFR/d(1/δ), shape of ``lfr``.

    Examples
    --------
    >>> import torch
    >>> ratio_density([1.0, 0.5, 0.25], torch.tensor([1.0, 4.0, 16.0], dtype=torch.float64))  # (1/δ)²
    tensor([3., 4., 6.], dtype=torch.float64)
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
