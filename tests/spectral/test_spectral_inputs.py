"""Bad inputs raise InputError naming the input (house rule 9)."""

import sys

import pytest
import torch

from simbias.errors import InputError
from simbias.spectral import (
    PeakProjector,
    band_errors,
    dft,
    dft_at,
    filter_errors,
    find_peaks,
    frequency_error,
    gaussian_filter,
    low_frequency_ratio,
    nudft,
    nudft_along,
    peak_errors,
    radial_bands,
    ratio_density,
    rescale_inputs,
)

X = torch.rand(20, 3, dtype=torch.float64)
Y = torch.rand(20, dtype=torch.float64)


def raises(what, fn, *args, **kw):
    with pytest.raises(InputError) as err:
        fn(*args, **kw)
    assert err.value.what == what, str(err.value)
    return err.value


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), [1.0, 0.0], []])
def test_delta_must_be_a_positive_variance(bad):
    e = raises("delta", gaussian_filter, X, Y, bad)
    if bad == 0:
        assert "variance" in str(e)
    raises("delta", filter_errors, X, Y, Y, bad)
    raises("delta", low_frequency_ratio, X, Y, bad)


def test_filter_input_shapes_and_options():
    raises("delta", filter_errors, X, Y, Y)  # neither delta nor deltas
    raises("delta", filter_errors, X, Y, Y, 1.0, deltas=[1.0])
    raises("values", gaussian_filter, X, Y[:5], 1.0)
    raises("pred", filter_errors, X, Y, Y[:5], 1.0)
    raises("scale", gaussian_filter, X, Y, 1.0, scale="std")
    raises("chunk_size", gaussian_filter, X, Y, 1.0, chunk_size=0)
    raises("values", gaussian_filter, X, Y + 0j, 1.0)
    raises("x", rescale_inputs, torch.ones(5, 2), scale="rms_distance")
    raises("deltas", ratio_density, [1.0, 1.0], [0.5, 0.4])
    raises("lfr", ratio_density, [1.0, 2.0], [0.5, 0.4, 0.3])


def test_direction_wrong_dimension():
    e = raises("direction", nudft_along, X, Y, torch.ones(4), [0.0, 1.0])
    assert "(3,)" in str(e)
    raises("direction", nudft_along, X, Y, torch.zeros(3), [0.0, 1.0])


def test_unknown_kind_and_norm():
    raises("kind", frequency_error, torch.ones(3), torch.ones(3), kind="abs")
    raises("kind", peak_errors, torch.ones(8), torch.ones(8), [1], kind="abs")
    raises("kind", band_errors, torch.ones(4, 4), torch.ones(4, 4), 2, kind="abs")
    raises("norm", dft, torch.ones(4), norm="unitary")
    raises("norm", nudft, Y, Y, [0.0, 1.0], norm="unitary")
    raises("norm", dft_at, torch.ones(4), [1], norm="unitary")


def test_nudft_bad_inputs():
    raises("freqs", nudft, X, Y, torch.ones(4))  # 1-D freqs for 3-D points
    raises("freqs", nudft, X, Y, torch.ones(4, 2))
    raises("values", nudft, X, Y[:3], torch.ones(4, 3))
    raises("sign", nudft, Y, Y, [1.0], sign=2)
    raises("backend", nudft, Y, Y, [1.0], backend="fast")
    raises("backend", nudft, torch.rand(5, 4), torch.rand(5), torch.ones(2, 4), backend="finufft")


def test_finufft_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "finufft", None)  # makes `import finufft` fail
    e = raises("backend", nudft, Y, Y, [1.0], backend="finufft")
    assert "pip install finufft" in str(e)


def test_dft_peak_and_band_bad_inputs():
    raises("dim", dft, torch.ones(4), dim=1)
    raises("magnitude", find_peaks, torch.ones(3, 3))
    raises("magnitude", find_peaks, torch.tensor([0.0, float("nan"), 1.0]))
    raises("rel_floor", find_peaks, torch.ones(3), rel_floor=-1)
    raises("max_index", find_peaks, torch.ones(3), max_index=0)
    raises("indices", PeakProjector, 8, [8])
    raises("indices", PeakProjector, 8, [1.5])
    raises("values", PeakProjector(8, [1]), torch.ones(7))
    raises("target_hat", frequency_error, torch.ones(3, 4), torch.ones(3))
    raises("target", peak_errors, torch.ones(8), torch.ones(2, 8), [1])
    raises("n_bands", radial_bands, (4, 4), 0)
    raises("shape", radial_bands, (4,), 2)
    raises("target_image", band_errors, torch.ones(4, 4), torch.ones(4, 5), 2)
