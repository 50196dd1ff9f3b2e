"""Radial bands of 2-D spectra and per-band errors (papers.md §1.5, ours)."""

import math

import numpy as np
import torch
from helpers import assert_close

from simbias.spectral import band_errors, dft2, radial_bands

F64 = torch.float64


def test_radial_bands_cover_every_frequency_once():
    H, W, nb = 12, 9, 5
    bands = radial_bands((H, W), nb)
    assert bands.shape == (H, W) and bands.dtype == torch.long
    assert int(bands[0, 0]) == 0  # DC in band 0
    counts = torch.bincount(bands.reshape(-1), minlength=nb)
    assert int(counts.sum()) == H * W and bool((counts > 0).all()) and counts.numel() == nb
    fy, fx = np.fft.fftfreq(H), np.fft.fftfreq(W)
    r = np.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2)
    ref = np.minimum(np.floor(r / r.max() * nb), nb - 1).astype(int)
    assert (bands.numpy() == ref).all()
    assert int(bands.max()) == nb - 1
    assert radial_bands((1, 1), 3).tolist() == [[0]]


def test_band_errors_zero_for_equal_images_and_naive_oracle():
    g = torch.Generator().manual_seed(0)
    f = torch.randn(16, 16, generator=g, dtype=F64)
    h = f + 0.1 * torch.randn(3, 16, 16, generator=g, dtype=F64)
    assert_close(band_errors(f, f, 4), torch.zeros(4, dtype=F64), atol=0, rtol=0)
    out = band_errors(h, f, 4)
    assert out.shape == (3, 4) and out.dtype == F64
    bands = radial_bands((16, 16), 4)
    fh, hh = dft2(f), dft2(h)
    for r in range(3):
        for b in range(4):
            m = bands == b
            ref = (hh[r][m] - fh[m]).abs().norm() / fh[m].abs().norm()
            assert abs(float(out[r, b]) - float(ref)) < 1e-12


def test_band_errors_magnitude_is_blind_to_translation():
    n = 32
    y, x = torch.meshgrid(torch.arange(n, dtype=F64), torch.arange(n, dtype=F64), indexing="ij")
    # one component in each of the 3 bands (radii 0.11, 0.28, 0.60 cycles/pixel; r_max = 0.71)
    f = (
        torch.cos(2 * math.pi * (3 * x + 2 * y) / n)
        + 0.5 * torch.sin(2 * math.pi * 9 * x / n)
        + 0.2 * torch.cos(2 * math.pi * (14 * x + 13 * y) / n)
    )
    h = torch.roll(f, shifts=(3, 5), dims=(0, 1))  # circular shift: same |DFT|, new phases
    assert float(band_errors(h, f, 3, kind="magnitude").max()) < 1e-10
    assert float(band_errors(h, f, 3, kind="complex").min()) > 0.5
