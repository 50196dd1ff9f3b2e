"""problems.load_named_image(..., crop=True): the central pixels of the full-size image, never resampled."""

import pytest
import torch

from simbias.errors import InputError
from simbias.problems import load_named_image


def test_crop_cuts_the_central_square_of_the_full_image():
    full = load_named_image("coffee", dtype=torch.float64)  # 400 × 600
    cut = load_named_image("coffee", size=64, crop=True, dtype=torch.float64)
    h, w = full.shape[:2]
    assert torch.equal(cut, full[(h - 64) // 2:(h + 64) // 2, (w - 64) // 2:(w + 64) // 2])
    assert torch.equal(load_named_image("text", size=32, crop=True, seed=2),
                       load_named_image("text", seed=2)[240:272, 240:272])
    assert load_named_image("coffee", size=64).shape == (64, 64, 3)  # without crop: resized


def test_crop_larger_than_the_image_names_problem_size():
    with pytest.raises(InputError, match=r"problem\.size"):
        load_named_image("coffee", size=500, crop=True)
