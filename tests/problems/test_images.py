"""Images: loading with Pillow, the offline default image, and the coordinate → value split."""

import numpy as np
import pytest
import torch
from PIL import Image

from simbias.errors import InputError
from simbias.problems import HOLDOUTS, Regression, default_image, image_to_regression, load_image, pattern_image


def _gray_png(tmp_path, h=6, w=9):
    arr = (np.arange(h * w).reshape(h, w) * 4 % 256).astype(np.uint8)
    path = tmp_path / "g.png"
    Image.fromarray(arr, mode="L").save(path)
    return path, arr


def test_load_gray_png_exact(tmp_path):
    path, arr = _gray_png(tmp_path)
    img = load_image(path, dtype=torch.float64)
    assert img.shape == (6, 9) and img.dtype == torch.float64
    np.testing.assert_array_equal(img.numpy(), arr / 255.0)


def test_load_color_and_resize(tmp_path):
    rgb = np.zeros((10, 16, 3), np.uint8)
    rgb[..., 0], rgb[..., 2] = 255, 51
    Image.fromarray(rgb).save(tmp_path / "c.png")
    c = load_image(tmp_path / "c.png", gray=False, dtype=torch.float64)
    assert c.shape == (10, 16, 3)
    np.testing.assert_allclose(c[0, 0].numpy(), [1.0, 0.0, 0.2])
    g = load_image(tmp_path / "c.png")  # L = 0.299 R + 0.587 G + 0.114 B
    assert g.shape == (10, 16) and abs(float(g[0, 0]) - round(0.299 * 255 + 0.114 * 51) / 255) < 1.5 / 255
    assert load_image(tmp_path / "c.png", size=4).shape == (4, 4)
    assert load_image(tmp_path / "c.png", size=(5, 7)).shape == (5, 7)
    with pytest.raises(InputError, match="image.size"):
        load_image(tmp_path / "c.png", size=0)


def test_load_16_bit_png(tmp_path):
    arr = np.array([[0, 32768], [65535, 1000]], dtype=np.uint16)
    Image.fromarray(arr).save(tmp_path / "w.png")
    img = load_image(tmp_path / "w.png", dtype=torch.float64)
    np.testing.assert_allclose(img.numpy(), arr / 65535.0, atol=1e-7)


def test_unreadable_image(tmp_path):
    bad = tmp_path / "not-an-image.png"
    bad.write_text("hello")
    with pytest.raises(InputError, match="not-an-image.png"):
        load_image(bad)
    with pytest.raises(InputError, match="does not exist"):
        load_image(tmp_path / "missing.png")


def test_default_image_offline():
    a, b = pattern_image(32), pattern_image(32)
    assert a.shape == (32, 32) and torch.equal(a, b)
    assert 0 <= float(a.min()) and float(a.max()) <= 1 and float(a.std()) > 0.1
    p = default_image(24, source="pattern")
    assert torch.equal(p, pattern_image(24))
    img = default_image(40)  # the scikit-learn photograph when present, else the pattern
    assert img.shape == (40, 40) and 0 <= float(img.min()) and float(img.max()) <= 1
    with pytest.raises(InputError, match="source"):
        default_image(8, source="camera")


def test_default_image_sklearn_photo():
    pytest.importorskip("sklearn")
    img = default_image(32, source="sklearn")
    assert img.shape == (32, 32) and float(img.std()) > 0.05
    assert not torch.equal(img, pattern_image(32))


def test_image_to_regression_columns():
    h, w = 5, 7
    img = torch.arange(h * w, dtype=torch.float64).reshape(h, w) / (h * w)
    r = image_to_regression(img, dtype=torch.float64)
    assert r.coords.shape == (h * w, 2) and r.values.shape == (h * w, 1) and r.shape == (h, w)
    assert torch.equal(r.values.reshape(h, w), img)
    cols = torch.arange(h * w) % w
    rows = torch.arange(h * w) // w
    assert torch.equal(r.train_mask, cols % 2 == 0)  # train on even columns, every other one held out
    assert int(r.train_mask.sum()) == h * 4
    torch.testing.assert_close(r.coords[:, 0], rows.double() / (h - 1))
    torch.testing.assert_close(r.coords[:, 1], cols.double() / (w - 1))
    assert float(r.coords.min()) == 0.0 and float(r.coords.max()) == 1.0
    # every held-out pixel has a trained neighbour column on its left
    held = torch.nonzero(~r.train_mask).flatten()
    assert bool(r.train_mask[held - 1].all())
    reg = r.as_regression("toy")
    assert isinstance(reg, Regression) and reg.x_train.shape == (h * 4, 2) and reg.x_test.shape == (h * w, 2)


def test_image_to_regression_options():
    img = torch.rand(4, 6, 3, generator=torch.Generator().manual_seed(0))
    rows = image_to_regression(img, holdout="rows", scale=224)
    assert rows.values.shape == (24, 3)
    assert torch.equal(rows.train_mask, (torch.arange(24) // 6) % 2 == 0)
    assert abs(float(rows.coords.max()) - 5 / 224) < 1e-6  # the authors' /224 convention
    assert bool(image_to_regression(img[..., 0], holdout="none").train_mask.all())
    assert "columns" in HOLDOUTS
    with pytest.raises(InputError, match="holdout"):
        image_to_regression(img, holdout="diagonal")
    with pytest.raises(InputError, match="scale"):
        image_to_regression(img, scale=-1)
    with pytest.raises(InputError, match="image"):
        image_to_regression(torch.zeros(2, 2, 2, 2))
