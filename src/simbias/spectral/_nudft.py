"""Non-uniform DFT (any dimension, or along one direction) — the projection method.

Projection method (papers.md §1.2, author-code.md E9; Xu et al., arXiv 1901.06523): choose a
unit direction p (the authors use the first principal component of the training inputs, and
project the *uncentred* inputs s_i = p·x_i), then

    ŷ_p(k) = (1/n) Σ_i y_i exp(−2πi k s_i)        (k in cycles per unit of s)

on a grid of k, for the targets and the outputs; the error at the peaks of |ŷ_p| is the complex
relative error |ĥ_p − ŷ_p| / |ŷ_p|.

Numerics: the phase k·x is formed in the input precision, reduced to [−½, ½] cycles (t − round t)
and only then multiplied by 2π, so cos/sin never see huge arguments.  Work is chunked over the
points; memory is O(K · chunk).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ..errors import InputError
from ._validate import as_tensor, check_norm, check_positive_int, real_tensor, same_device

__all__ = ["nudft", "nudft_along", "first_principal_component"]

_AUTO_BLOCK = 1 << 22  # entries of the (K, chunk) phase block when chunk_size is None
_BACKENDS = ("direct", "finufft")


def _points_and_freqs(x: Tensor, freqs: Tensor) -> tuple[Tensor, Tensor]:
    """Reshape x → (n, d) and freqs → (K, d), checking that d agrees."""
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise InputError("x", f"got shape {tuple(x.shape)}", "pass points as (n,) or (n, d)")
    d = x.shape[1]
    if freqs.ndim == 0:
        freqs = freqs.reshape(1)
    if (freqs.ndim == 1 and d != 1) or (freqs.ndim == 2 and freqs.shape[1] != d) or freqs.ndim > 2:
        problem = f"got shape {tuple(freqs.shape)} for {d}-dim points"
        raise InputError("freqs", problem, f"pass (K, {d}) frequency vectors")
    if freqs.ndim == 1:
        freqs = freqs[:, None]
    return x, freqs


def nudft(
    x: Any,
    values: Any,
    freqs: Any,
    *,
    norm: str = "backward",
    chunk_size: int | None = None,
    sign: int = -1,
    backend: str = "direct",
    tol: float | None = None,
) -> Tensor:
    """Non-uniform DFT  F(k) = s · Σ_{i=1}^{n} v_i exp(sign · 2πi k·x_i)  (type-3, k in cycles).

    Shapes: ``x`` (n,) or (n, d); ``freqs`` (K,) or (K, d); ``values`` (n, *c) real or complex.
    Returns (K, *c) complex (complex128 when any input is float64), on the inputs' device.
    ``norm``: "backward" s = 1 (no scaling), "forward" s = 1/n (the projection method's
    convention, arXiv 1901.06523), "ortho" s = 1/√n.  ``sign`` = −1 (analysis, default) or +1.
    On a uniform grid x_i = i·L/N and k = j/L this is the DFT of :func:`dft` (with the same norm).

    ``chunk_size``: points per block (memory O(K · chunk)); None picks a block of about 4M phase
    entries.  ``backend="finufft"`` uses the FINUFFT type-3 transform (optional package
    ``finufft``, d ≤ 3, computed on the CPU in float64 to relative tolerance ``tol``, default
    1e-12; the result is moved back to the input's device/dtype) — for large n·K.

    Parameters
    ----------
    x : array_like
        Points (n,) or (n, d).
    values : array_like
        Real or complex values (n, *c).
    freqs : array_like
        Frequencies (K,) or (K, d), in cycles per unit of x.
    norm : {"backward", "forward", "ortho"}, default "backward"
        Scaling s.
    chunk_size : int, optional
        Points per block.
    sign : {-1, 1}, default -1
        Sign of the exponent.
    backend : {"direct", "finufft"}, default "direct"
        Exact sums, or the FINUFFT type-3 transform.
    tol : float, optional
        FINUFFT tolerance (default 1e-12); ignored by "direct".

    Returns
    -------
    torch.Tensor
        Complex tensor (K, *c).

    Examples
    --------
    >>> import torch
    >>> from simbias.spectral import dft
    >>> x = torch.arange(8, dtype=torch.float64) / 8
    >>> v = torch.randn(8, dtype=torch.float64)
    >>> torch.allclose(nudft(x, v, torch.arange(8.0, dtype=torch.float64)), dft(v))
    True
    """
    norm = check_norm(norm)
    if sign not in (-1, 1):
        raise InputError("sign", f"got {sign!r}", "use -1 (analysis) or +1 (synthesis)")
    if backend not in _BACKENDS:
        raise InputError("backend", f"got {backend!r}", f"use one of {', '.join(map(repr, _BACKENDS))}")
    check_positive_int("chunk_size", chunk_size, allow_none=True)
    xt = real_tensor("x", x)
    v = as_tensor("values", values, device=xt.device)
    f = real_tensor("freqs", freqs, device=xt.device)
    same_device(x=xt, values=v, freqs=f)
    xt, f = _points_and_freqs(xt, f)
    n = xt.shape[0]
    if v.ndim == 0 or v.shape[0] != n:
        raise InputError("values", f"got shape {tuple(v.shape)} for {n} points", f"pass ({n}, ...) values")
    if n == 0:
        raise InputError("x", "got 0 points", "pass at least one point")
    rdt = torch.promote_types(torch.promote_types(xt.dtype, f.dtype), v.real.dtype if v.is_complex() else v.dtype)
    cdt = torch.complex128 if rdt == torch.float64 else torch.complex64
    xt, f = xt.to(rdt), f.to(rdt)
    vshape = v.shape[1:]
    v2 = v.reshape(n, -1).to(cdt if v.is_complex() else rdt)
    scale = {"backward": 1.0, "forward": 1.0 / n, "ortho": 1.0 / math.sqrt(n)}[norm]

    if backend == "finufft":
        out = _finufft(xt, v2, f, sign, tol).to(device=v.device, dtype=cdt)
    else:
        out = _direct(xt, v2, f, sign, chunk_size)
    if scale != 1.0:
        out = out * scale
    return out.reshape(f.shape[0], *vshape)


def _direct(x: Tensor, v: Tensor, f: Tensor, sign: int, chunk_size: int | None) -> Tensor:
    n, K = x.shape[0], f.shape[0]
    b = chunk_size or max(1, _AUTO_BLOCK // max(K, 1))
    re = torch.zeros(K, v.shape[1], dtype=x.dtype, device=x.device)
    im = torch.zeros_like(re)
    for s in range(0, n, b):
        t = f @ x[s : s + b].T  # (K, b), cycles
        t = (t - torch.round(t)) * (2 * math.pi)
        c, sn = torch.cos(t), torch.sin(t)
        if v.is_complex():
            a, bb = v[s : s + b].real, v[s : s + b].imag
            # (c + i·sign·sn)(a + i·bb)
            re += c @ a - sign * (sn @ bb)
            im += c @ bb + sign * (sn @ a)
        else:
            vb = v[s : s + b]
            re += c @ vb
            im += sign * (sn @ vb)
    return torch.complex(re, im)


def _finufft(x: Tensor, v: Tensor, f: Tensor, sign: int, tol: float | None) -> Tensor:
    try:
        import finufft  # noqa: PLC0415 — optional dependency, imported lazily
    except ImportError:
        raise InputError(
            "backend", "'finufft' is not installed", "pip install finufft (or simbias[nufft]), or use backend='direct'"
        ) from None
    d = x.shape[1]
    if d > 3:
        raise InputError("backend", f"'finufft' supports d ≤ 3, got d = {d}", "use backend='direct'")
    eps = 1e-12 if tol is None else float(tol)
    xs = [x[:, j].detach().cpu().double().numpy().copy() for j in range(d)]
    # FINUFFT type 3: F_k = Σ_j c_j exp(±i s_k · x_j); we need exp(±2πi k·x_j) ⇒ s = 2π k.
    ss = [(2 * math.pi * f[:, j]).detach().cpu().double().numpy().copy() for j in range(d)]
    c = v.detach().cpu().to(torch.complex128).T.contiguous().numpy()  # (n_tr, n)
    if c.shape[0] == 1:
        c = c[0]
    fn = {1: finufft.nufft1d3, 2: finufft.nufft2d3, 3: finufft.nufft3d3}[d]
    out = fn(*xs, c, *ss, eps=eps, isign=sign)
    out = torch.from_numpy(out.reshape(-1, f.shape[0]))  # (n_tr, K)
    return out.T


def first_principal_component(x: Any) -> Tensor:
    """Unit vector p (d,) of largest variance of the rows of ``x`` (n, d): the top eigenvector of
    the covariance (xᵢ − x̄)ᵀ(xᵢ − x̄), with the sign fixed so that its largest-|·| entry is positive.

    The direction the projection method uses (author-code.md E9, sklearn ``PCA`` component 0; the
    projection itself is then applied to the *uncentred* inputs).  Deterministic: a symmetric
    eigendecomposition of the d×d covariance (or of the n×n Gram matrix when n < d).

    Parameters
    ----------
    x : array_like
        Points (n, d), n ≥ 2, not all equal.

    Returns
    -------
    torch.Tensor
        Unit vector (d,).

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], dtype=torch.float64)
    >>> first_principal_component(x)
    tensor([0.7071, 0.7071], dtype=torch.float64)
    """
    xt = real_tensor("x", x)
    if xt.ndim != 2 or xt.shape[0] < 2:
        raise InputError("x", f"got shape {tuple(xt.shape)}", "pass (n, d) points with n ≥ 2")
    xc = xt - xt.mean(0, keepdim=True)
    n, d = xc.shape
    if d <= n:
        _, vecs = torch.linalg.eigh(xc.T @ xc)
        p = vecs[:, -1]
    else:
        _, vecs = torch.linalg.eigh(xc @ xc.T)
        p = xc.T @ vecs[:, -1]
    nrm = torch.linalg.vector_norm(p)
    if not bool(nrm > 0) or not bool(torch.linalg.vector_norm(xc) > 0):
        raise InputError("x", "all points are equal (no direction of variance)", "pass points that vary")
    p = p / nrm
    j = int(torch.argmax(p.abs()))
    return p * torch.sign(p[j])


def nudft_along(
    x: Any,
    values: Any,
    direction: Any,
    k: Any,
    *,
    norm: str = "forward",
    chunk_size: int | None = None,
    backend: str = "direct",
) -> Tensor:
    """Projection-method spectrum  ŷ_p(k) = s · Σ_i y_i exp(−2πi k p·x_i),  p = direction/|direction|.

    ``x`` (n, d) (or (n,) with d = 1), ``direction`` (d,), ``k`` (K,) frequencies in cycles per
    unit of p·x, ``values`` (n, *c).  Default ``norm="forward"`` (s = 1/n) as in the projection
    method (papers.md §1.2, author-code.md E9; arXiv 1901.06523).  Returns (K, *c) complex.
    A typical k grid for CIFAR-like inputs in [0, 1] is ``linspace(0, 0.35, 100)``.

    Parameters
    ----------
    x : array_like
        Points (n, d) or (n,).
    values : array_like
        Values (n, *c).
    direction : array_like
        Direction (d,), normalised here.
    k : array_like
        Frequencies (K,), cycles per unit of p·x.
    norm : {"backward", "forward", "ortho"}, default "forward"
        Scaling s.
    chunk_size : int, optional
        Points per block.
    backend : {"direct", "finufft"}, default "direct"
        As in :func:`nudft`.

    Returns
    -------
    torch.Tensor
        Complex tensor (K, *c).

    Examples
    --------
    >>> import torch
    >>> x = torch.rand(200, 3, dtype=torch.float64)
    >>> y = torch.cos(2 * torch.pi * 2 * x[:, 0])
    >>> spec = nudft_along(x, y, torch.tensor([1.0, 0, 0]), torch.tensor([0.0, 2.0]))
    >>> spec.shape
    torch.Size([2])
    """
    xt = real_tensor("x", x)
    if xt.ndim == 1:
        xt = xt[:, None]
    if xt.ndim != 2:
        raise InputError("x", f"got shape {tuple(xt.shape)}", "pass points as (n, d)")
    p = real_tensor("direction", direction, device=xt.device)
    d = xt.shape[1]
    if p.ndim != 1 or p.shape[0] != d:
        raise InputError("direction", f"got shape {tuple(p.shape)} for {d}-dim points", f"pass a ({d},) vector")
    same_device(x=xt, direction=p)
    nrm = torch.linalg.vector_norm(p)
    if not bool(torch.isfinite(nrm) & (nrm > 0)):
        raise InputError("direction", "has zero or non-finite length", "pass a non-zero finite vector")
    dt = torch.promote_types(xt.dtype, p.dtype)
    s = xt.to(dt) @ (p.to(dt) / nrm.to(dt))
    kt = real_tensor("k", k, device=xt.device).reshape(-1)
    return nudft(s, values, kt, norm=norm, chunk_size=chunk_size, backend=backend)
