"""CUDA gives the CPU numbers (float64) and keeps tensors on the device.  Skipped without a GPU."""

import math

import pytest
import torch
from helpers import assert_close

from simbias import spectral as sp

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
F64 = torch.float64


def both(fn, *args, **kw):
    cpu = fn(*args, **kw)
    gpu = fn(*[a.cuda() if isinstance(a, torch.Tensor) else a for a in args], **kw)
    return cpu, gpu


def check(cpu, gpu, **tol):
    if isinstance(cpu, tuple):
        for c, g in zip(cpu, gpu):
            check(c, g, **tol)
        return
    assert gpu.is_cuda and gpu.dtype == cpu.dtype
    assert_close(gpu.cpu(), cpu, **tol)


def test_uniform_grid_functions_on_cuda():
    x = torch.linspace(-math.pi, math.pi, 600, dtype=F64)
    f = torch.sin(x) + torch.sin(3 * x) + torch.sin(5 * x)
    h = torch.stack([torch.sin(x), f])
    check(*both(sp.dft, f, norm="forward"))
    check(*both(sp.dft2, h.reshape(2, 20, 30)))
    assert sp.find_peaks(sp.dft(f.cuda()).abs(), max_index=40).tolist() == [1, 3, 5]
    check(*both(sp.peak_errors, h, f, [1, 3, 5]))
    check(*both(sp.dft_at, h, [1, 3, 5]))
    check(*both(sp.band_errors, h.reshape(2, 20, 30), f.reshape(20, 30), 4))
    assert sp.radial_bands((8, 8), 3, device="cuda").is_cuda


def test_nudft_and_filtering_on_cuda():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(300, 4, generator=g, dtype=F64)
    y = torch.randn(300, 2, generator=g, dtype=F64)
    k = torch.randn(7, 4, generator=g, dtype=F64)
    check(*both(sp.nudft, x, y, k, chunk_size=64))
    check(*both(sp.nudft_along, x, y, torch.ones(4, dtype=F64), torch.linspace(0, 1, 9, dtype=F64)))
    check(*both(sp.first_principal_component, x), atol=1e-9, rtol=1e-9)
    check(*both(sp.gaussian_filter, x, y, [0.05, 0.5], chunk_size=64))
    check(*both(sp.filter_errors, x, y, y + 0.1 * torch.randn(3, 300, 2, generator=g, dtype=F64), [0.05, 0.5]))
    check(*both(sp.low_frequency_ratio, x, y, [0.05, 0.5], scale="mean_distance"))
