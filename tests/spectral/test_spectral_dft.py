"""Uniform DFT, peaks and per-frequency errors (papers.md §1.1, target T0.1)."""

import math

import numpy as np
import pytest
import torch
from helpers import assert_close

from simbias.spectral import PeakProjector, dft, dft2, dft_at, find_peaks, frequency_error, peak_errors

F64 = torch.float64


def naive_dft(x: np.ndarray, norm: str = "backward") -> np.ndarray:
    n = x.shape[0]
    k = np.arange(n)[:, None]
    e = np.exp(-2j * np.pi * k * np.arange(n)[None, :] / n)
    s = {"backward": 1.0, "forward": 1.0 / n, "ortho": 1.0 / math.sqrt(n)}[norm]
    return s * (e @ x)


def t01_signal(endpoint: bool = True):
    if endpoint:
        x = torch.linspace(-math.pi, math.pi, 600, dtype=F64)
    else:
        x = torch.linspace(-math.pi, math.pi, 601, dtype=F64)[:-1]
    return x, torch.sin(x) + torch.sin(3 * x) + torch.sin(5 * x)


# ---- T0.1 ---------------------------------------------------------------------------------------


def test_t01_peaks_are_1_3_5_on_the_authors_grid():
    _, f = t01_signal()
    assert find_peaks(dft(f).abs(), max_index=40).tolist() == [1, 3, 5]
    # the authors' code has no floor; on their grid the leakage makes it harmless
    assert find_peaks(dft(f).abs(), max_index=40, rel_floor=0).tolist() == [1, 3, 5]


def test_t01_errors_at_peaks():
    x, f = t01_signal()
    peaks = find_peaks(dft(f).abs(), max_index=40)
    assert_close(peak_errors(f, f, peaks), torch.zeros(3, dtype=F64), atol=1e-12)
    e = peak_errors(torch.sin(x), f, peaks)
    assert e[0] < 0.01  # computed 0.0019
    assert 0.99 <= e[1] <= 1.01 and 0.99 <= e[2] <= 1.01  # computed 1.0013, 1.0007
    assert_close(e, torch.tensor([0.0019, 1.0013, 1.0007], dtype=F64), atol=1e-4, rtol=0)


def test_t01_periodic_grid_needs_the_floor():
    # endpoint excluded: the spectrum off the three lines is round-off (~1e-13 relative) and full of
    # spurious strict maxima; the relative floor (default 1e-3) removes them.
    _, f = t01_signal(endpoint=False)
    mag = dft(f).abs()
    assert find_peaks(mag, max_index=40).tolist() == [1, 3, 5]
    spurious = find_peaks(mag, max_index=40, rel_floor=0).tolist()
    assert spurious[:3] == [1, 3, 5] and len(spurious) > 3
    assert float(mag[spurious[3:]].max() / mag.max()) < 1e-10


# ---- DFT -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm", ["backward", "forward", "ortho"])
def test_dft_matches_naive_sum(norm):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(37, generator=g, dtype=F64)
    assert_close(dft(x, norm=norm), torch.from_numpy(naive_dft(x.numpy(), norm)))
    z = torch.randn(37, 3, generator=g, dtype=F64) + 1j * torch.randn(37, 3, generator=g, dtype=F64)
    assert_close(dft(z, norm=norm), torch.from_numpy(naive_dft(z.numpy(), norm)))
    assert_close(dft(z.T, dim=1, norm=norm), torch.from_numpy(naive_dft(z.numpy(), norm)).T)
    assert dft(x).dtype == torch.complex128


def test_dft_float32_and_integers():
    assert dft(torch.ones(8, dtype=torch.float32)).dtype == torch.complex64
    out = dft([1, 0, 0, 0])
    assert out.is_complex() and torch.allclose(out.real, torch.ones(4, dtype=out.real.dtype))


def test_dft2_matches_numpy():
    g = torch.Generator().manual_seed(2)
    im = torch.randn(2, 6, 5, generator=g, dtype=F64)
    assert_close(dft2(im), torch.from_numpy(np.fft.fft2(im.numpy())))
    assert_close(dft2(im, norm="ortho"), torch.from_numpy(np.fft.fft2(im.numpy(), norm="ortho")))


@pytest.mark.parametrize("norm", ["backward", "forward", "ortho"])
def test_dft_at_and_projector_match_fft(norm):
    g = torch.Generator().manual_seed(3)
    x = torch.randn(4, 50, generator=g, dtype=F64)
    idx = [0, 1, 7, 25, 49]
    ref = dft(x, dim=1, norm=norm)[:, idx]
    assert_close(dft_at(x, idx, norm=norm), ref)
    assert_close(dft_at(x.T, idx, dim=0, norm=norm), ref.T)
    z = x + 1j * torch.randn(4, 50, generator=g, dtype=F64)
    proj = PeakProjector(50, idx, norm=norm)
    assert_close(proj(z), dft(z, dim=1, norm=norm)[:, idx])


def test_projector_large_index_is_exact():
    # angles are reduced with integer arithmetic: k·n mod N
    n = 4096
    x = torch.randn(n, generator=torch.Generator().manual_seed(4), dtype=F64)
    idx = [1, 2047, 2048, 4095]
    assert_close(dft_at(x, idx), dft(x)[idx], rtol=1e-11, atol=1e-10)


# ---- peaks ---------------------------------------------------------------------------------------


def test_find_peaks_endpoints_max_index_and_max_peaks():
    m = torch.tensor([5.0, 1.0, 3.0, 2.0, 4.0, 1.0, 6.0], dtype=F64)
    assert find_peaks(m).tolist() == [2, 4]
    assert find_peaks(m, endpoints=True).tolist() == [0, 2, 4, 6]
    assert find_peaks(m, endpoints=True, max_peaks=2).tolist() == [0, 2]
    # index max_index−1 is an endpoint of the truncated spectrum (like SelectPeakIndex)
    assert find_peaks(m, max_index=5).tolist() == [2]
    assert find_peaks(m, max_index=5, endpoints=True).tolist() == [0, 2, 4]
    # relative floor against the largest value considered
    assert find_peaks(m, rel_floor=0.8, endpoints=True).tolist() == [0, 6]
    assert find_peaks(m, rel_floor=0.9, endpoints=True).tolist() == [6]
    assert find_peaks(torch.complex(m, torch.zeros_like(m))).tolist() == [2, 4]
    assert find_peaks(m).dtype == torch.long
    assert find_peaks(torch.ones(1)).numel() == 0


def test_find_peaks_plateau_is_not_strict():
    assert find_peaks(torch.tensor([0.0, 2.0, 2.0, 0.0])).numel() == 0


# ---- per-frequency error -------------------------------------------------------------------------


def test_magnitude_vs_complex_on_a_phase_shift():
    n = 256
    x = torch.arange(n, dtype=F64) * (2 * math.pi / n)
    phase = 0.7
    f = torch.sin(3 * x)
    h = torch.sin(3 * x + phase)
    e_c = peak_errors(h, f, [3])
    e_m = peak_errors(h, f, [3], kind="magnitude")
    assert_close(e_c, torch.tensor([2 * math.sin(phase / 2)], dtype=F64))
    assert_close(e_m, torch.zeros(1, dtype=F64), atol=1e-12)


def test_frequency_error_formulas_and_broadcast():
    g = torch.Generator().manual_seed(5)
    f = torch.randn(4, generator=g, dtype=F64) + 1j * torch.randn(4, generator=g, dtype=F64)
    h = torch.randn(3, 4, generator=g, dtype=F64) + 1j * torch.randn(3, 4, generator=g, dtype=F64)
    assert_close(frequency_error(h, f), (h - f).abs() / f.abs())
    assert_close(frequency_error(h, f, kind="magnitude", eps=1e-5), (h.abs() - f.abs()).abs() / (f.abs() + 1e-5))
    assert frequency_error(h, f).shape == (3, 4) and frequency_error(h, f).dtype == F64


def test_peak_errors_batch_and_dims():
    g = torch.Generator().manual_seed(6)
    f = torch.randn(64, generator=g, dtype=F64)
    h = torch.randn(5, 64, generator=g, dtype=F64)
    peaks = [1, 4, 9]
    ref = frequency_error(dft(h, dim=1)[:, peaks], dft(f)[peaks])
    assert_close(peak_errors(h, f, peaks), ref)
    assert_close(peak_errors(h.T, f, peaks, dim=0), ref.T)
    assert_close(peak_errors(h, f.expand(5, 64), peaks), ref)
    proj = PeakProjector(64, peaks)
    assert_close(proj.errors(h, f), ref)
    assert_close(peak_errors(h, f, proj), ref)
    h32 = h.float()
    assert peak_errors(h32, f.float(), peaks).dtype == torch.float32
