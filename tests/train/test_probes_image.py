"""train.TrainPSNR, GridImageError and NormalizedSpectrum against naive NumPy oracles (float64)."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from helpers import assert_close
from simbias.problems import grid_image_regression, psnr, sine_sum
from simbias.train import GridImageError, NormalizedSpectrum, TrainPSNR


def _ctx(problem, out_test=None, out_train=None):
    return SimpleNamespace(problem=problem, output_on_test=lambda: out_test, output_on_train=lambda: out_train,
                           train_loss=None)


def _band_error_oracle(out, img, n_bands):
    """Per radial band of the 2-D DFT, channels combined: ‖ĥ − f̂‖ / ‖f̂‖ (loops over bands)."""
    h, w, _ = img.shape
    fy, fx = np.fft.fftfreq(h), np.fft.fftfreq(w)
    r = np.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2)
    band = np.minimum(np.floor(r / r.max() * n_bands).astype(int), n_bands - 1)
    dh, df = np.fft.fft2(out, axes=(0, 1)), np.fft.fft2(img, axes=(0, 1))
    return np.array([math.sqrt((np.abs(dh - df)[band == b] ** 2).sum() / (np.abs(df)[band == b] ** 2).sum())
                     for b in range(n_bands)])


def test_grid_image_error_is_psnr_on_held_out_pixels_and_band_errors():
    g = torch.Generator().manual_seed(0)
    img = torch.rand(10, 12, 3, generator=g, dtype=torch.float64)
    gr = grid_image_regression(img, dtype=torch.float64)
    out = (gr.problem.y_test + 0.1 * torch.randn(120, 3, generator=g, dtype=torch.float64)).clamp(0, 1)
    probe = GridImageError(gr, 4)
    static = probe.setup(None, gr.problem)
    got = probe(_ctx(gr.problem, out_test=out))
    held = ~gr.train_mask
    assert float(got["psnr_test_curve"]) == pytest.approx(float(psnr(out[held], gr.problem.y_test[held])), abs=1e-12)
    want = _band_error_oracle(out.reshape(10, 12, 3).numpy(), img.numpy(), 4)
    assert_close(got["band_error"], torch.from_numpy(want))
    assert static["band_counts"].sum() == 120 and static["band_frequencies"].shape == (4,)


def test_grid_image_error_reads_one_image_per_member():
    g = torch.Generator().manual_seed(1)
    imgs = torch.rand(2, 8, 8, 1, generator=g, dtype=torch.float64)
    grs = [grid_image_regression(im, dtype=torch.float64) for im in imgs]
    outs = torch.rand(2, 64, 1, generator=g, dtype=torch.float64)
    probe = GridImageError(grs[0], 3)
    stacked = SimpleNamespace(y_test=torch.stack([gr.problem.y_test for gr in grs]))
    probe.setup(None, stacked)
    both = probe(_ctx(stacked, out_test=outs))
    for m in range(2):
        probe.setup(None, grs[m].problem)
        one = probe(_ctx(grs[m].problem, out_test=outs[m]))
        assert_close(both["band_error"][m], one["band_error"])
        assert_close(both["psnr_test_curve"][m], one["psnr_test_curve"])


def test_train_psnr_uses_the_training_output():
    gr = grid_image_regression(torch.rand(6, 6, 3, generator=torch.Generator().manual_seed(2)), dtype=torch.float64)
    out = gr.problem.y_train * 0.9
    got = TrainPSNR()(_ctx(gr.problem, out_train=out))["psnr_train_curve"]
    mse = float(((out - gr.problem.y_train) ** 2).mean())
    assert float(got) == pytest.approx(-10 * math.log10(mse), abs=1e-10)


def test_normalized_spectrum_against_the_dft_sum():
    ks, amps, n = [3, 8], [1.0, 0.3], 40
    r = sine_sum(ks, amps, n_points=n, seed=5, dtype=torch.float64)
    out = r.y_train * torch.linspace(0.5, 1.5, n, dtype=torch.float64)[:, None]  # some other output
    probe = NormalizedSpectrum(ks, amps)
    probe.setup(None, r)
    got = probe(_ctx(r, out_train=out))["spectrum"]
    h = out[:, 0].numpy()
    want = [2 * abs(sum(h[i] * np.exp(-2j * math.pi * k * i / n) for i in range(n)) / n) / a for k, a in zip(ks, amps)]
    assert_close(got, torch.tensor(want, dtype=torch.float64))
    assert_close(probe(_ctx(r, out_train=r.y_train))["spectrum"], torch.ones(2, dtype=torch.float64))
    assert probe(_ctx(r, out_train=torch.stack([out, r.y_train])))["spectrum"].shape == (2, 2)  # member axis
