"""Non-uniform DFT and the projection method (papers.md §1.2, target T0.2)."""

import math

import numpy as np
import pytest
import torch
from helpers import assert_close

from simbias.spectral import dft, first_principal_component, nudft, nudft_along

F64 = torch.float64


def naive_nudft(x, v, k, sign=-1):
    """Loop oracle: F(k) = Σ_i v_i exp(sign·2πi k·x_i)."""
    x, v, k = np.atleast_2d(x.T).T, v.reshape(v.shape[0], -1), np.atleast_2d(k.T).T
    out = np.zeros((k.shape[0], v.shape[1]), dtype=complex)
    for a in range(k.shape[0]):
        for i in range(x.shape[0]):
            out[a] += v[i] * np.exp(sign * 2j * np.pi * np.dot(k[a], x[i]))
    return out


def test_t02_projection_on_uniform_grid_equals_fft_over_n():
    # x_i = s_i p + (component orthogonal to p); s_i = i·L/N; k = j/L ↔ DFT index j.
    g = torch.Generator().manual_seed(0)
    N, L, d = 64, 3.0, 4
    p = torch.tensor([1.0, -2.0, 0.5, 2.0], dtype=F64)
    u = p / p.norm()
    s = torch.arange(N, dtype=F64) * (L / N)
    q = torch.randn(N, d, generator=g, dtype=F64)
    q -= (q @ u)[:, None] * u[None, :]
    x = s[:, None] * u[None, :] + q
    y = torch.randn(N, generator=g, dtype=F64)
    j = torch.arange(N // 2, dtype=F64)
    out = nudft_along(x, y, 2.5 * p, j / L)  # direction need not be unit; default norm "forward"
    ref = dft(y, norm="forward")[: N // 2]
    assert (out - ref).abs().max() < 1e-10
    assert_close(out, ref, atol=1e-12, rtol=1e-10)


def test_nudft_1d_uniform_grid_equals_dft_for_every_norm():
    N = 30
    x = torch.arange(N, dtype=F64) / N
    y = torch.randn(N, 2, generator=torch.Generator().manual_seed(1), dtype=F64)
    for norm in ("backward", "forward", "ortho"):
        assert_close(nudft(x, y, torch.arange(N, dtype=F64), norm=norm), dft(y, norm=norm), atol=1e-11, rtol=1e-10)


@pytest.mark.parametrize("sign", [-1, 1])
def test_nudft_d_dim_matches_naive_loop(sign):
    g = torch.Generator().manual_seed(2)
    x = torch.rand(23, 3, generator=g, dtype=F64) * 4 - 2
    k = torch.randn(7, 3, generator=g, dtype=F64) * 3
    v = torch.randn(23, 2, 3, generator=g, dtype=F64) + 1j * torch.randn(23, 2, 3, generator=g, dtype=F64)
    out = nudft(x, v, k, sign=sign)
    assert out.shape == (7, 2, 3) and out.dtype == torch.complex128
    ref = naive_nudft(x.numpy(), v.numpy(), k.numpy(), sign).reshape(7, 2, 3)
    assert_close(out, torch.from_numpy(ref))
    vr = v.real.contiguous()
    ref_r = naive_nudft(x.numpy(), vr.numpy(), k.numpy(), sign).reshape(7, 2, 3)
    assert_close(nudft(x, vr, k, sign=sign, norm="forward"), torch.from_numpy(ref_r) / 23)


def test_nudft_chunked_equals_unchunked():
    g = torch.Generator().manual_seed(3)
    x = torch.rand(101, 2, generator=g, dtype=F64)
    k = torch.randn(9, 2, generator=g, dtype=F64) * 5
    v = torch.randn(101, generator=g, dtype=F64)
    ref = nudft(x, v, k)
    for c in (1, 7, 100, 101, 1000):
        assert_close(nudft(x, v, k, chunk_size=c), ref)


def test_nudft_float32_gives_complex64():
    x = torch.rand(10)
    assert nudft(x, torch.ones(10), torch.arange(3.0)).dtype == torch.complex64


def test_first_principal_component_matches_svd_and_sign():
    g = torch.Generator().manual_seed(4)
    z = torch.randn(400, 5, generator=g, dtype=F64) * torch.tensor([0.1, 3.0, 0.2, 0.5, 0.1], dtype=F64)
    rot, _ = torch.linalg.qr(torch.randn(5, 5, generator=g, dtype=F64))
    x = z @ rot.T + 7.0
    p = first_principal_component(x)
    xc = (x - x.mean(0)).numpy()
    v = torch.from_numpy(np.linalg.svd(xc, full_matrices=False)[2][0])
    v = v * torch.sign(v[v.abs().argmax()])
    assert_close(p, v, atol=1e-10, rtol=1e-10)
    assert p[p.abs().argmax()] > 0 and abs(float(p.norm()) - 1) < 1e-12
    # n < d branch (Gram matrix)
    xw = torch.randn(6, 20, generator=g, dtype=F64)
    pw = first_principal_component(xw)
    vw = torch.from_numpy(np.linalg.svd((xw - xw.mean(0)).numpy(), full_matrices=False)[2][0])
    vw = vw * torch.sign(vw[vw.abs().argmax()])
    assert_close(pw, vw, atol=1e-10, rtol=1e-10)


def test_finufft_backend_matches_direct():
    pytest.importorskip("finufft")
    g = torch.Generator().manual_seed(5)
    for d in (1, 2, 3):
        # points partly outside [−π, π) on purpose; a modest space-bandwidth product keeps the
        # 3-D type-3 transform fast (its fine grid grows like (range(x)·range(k))^d)
        x = torch.rand(200, d, generator=g, dtype=F64) * 4.5 - 1
        k = torch.randn(15, d, generator=g, dtype=F64)
        v = torch.randn(200, 2, generator=g, dtype=F64)
        for sign in (-1, 1):
            ref = nudft(x, v, k, sign=sign, norm="forward")
            out = nudft(x, v, k, sign=sign, norm="forward", backend="finufft")
            assert out.dtype == ref.dtype and out.shape == ref.shape
            assert float((out - ref).abs().max() / ref.abs().max()) < 1e-9
    x1 = torch.rand(50, generator=g, dtype=F64)
    v1 = torch.randn(50, generator=g, dtype=F64) + 0j
    k1 = torch.arange(4.0, dtype=F64)
    assert_close(nudft(x1, v1, k1, backend="finufft"), nudft(x1, v1, k1), atol=1e-9, rtol=1e-9)


def test_projection_recovers_a_plane_wave_frequency():
    # y = cos(2π·k0·p·x): |ŷ_p(k)| peaks at k0 (a sanity check of the direction normalisation)
    g = torch.Generator().manual_seed(6)
    x = torch.rand(3000, 3, generator=g, dtype=F64) * 4
    p = torch.tensor([0.0, 3.0, 4.0], dtype=F64)
    y = torch.cos(2 * math.pi * 1.5 * (x @ (p / 5)))
    k = torch.linspace(0.5, 2.5, 81, dtype=F64)
    mag = nudft_along(x, y, p, k).abs()
    assert abs(float(k[mag.argmax()]) - 1.5) < 0.03
