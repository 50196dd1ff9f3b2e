"""Images as regression targets: loading, a default image that works offline, and the coordinate
→ gray-value problem of the 2-D Frequency Principle experiment.

The authors fit a network that maps pixel coordinates to the gray value, trained on every other
column and tested on the full image (Xu et al. 1808.04295; lecture-notes code: a 75×60 image,
coordinates divided by 224 — papers.md §1.5, §2.3, target T6).  :func:`image_to_regression`
builds exactly that split.

Coordinate convention (our choice, documented here once): pixel ``(i, j)`` (row ``i`` from the
top, column ``j`` from the left) maps to ``coords = (i / (H-1), j / (W-1))`` in [0, 1]² with
``scale="unit"`` (the default: corners at 0 and 1 whatever the image size), or to
``(i / s, j / s)`` with a number ``scale=s`` (``scale=224`` reproduces the authors' code).  Rows
are flattened row-major, so ``values.reshape(H, W)`` is the image again.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from ..errors import InputError
from ._regression import Regression

__all__ = ["load_image", "default_image", "pattern_image", "image_to_regression", "ImageRegression", "HOLDOUTS",
           "MAX_PIXELS"]

HOLDOUTS = ("columns", "rows", "none")
#: Default limit on the pixels (width × height) of an image file, checked from its header before
#: any pixel is decoded: 40 megapixels.  Raise it with ``max_pixels=`` (spec key ``problem.max_pixels``).
MAX_PIXELS = 40_000_000


def _check_size(size, what: str):
    if size is None:
        return None
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size >= 1:
        return int(size)
    if (isinstance(size, (tuple, list)) and len(size) == 2
            and all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in size)):
        return (int(size[0]), int(size[1]))
    raise InputError(what, f"got {size!r}", "pass a positive integer (square) or (height, width)")


def _float_dtype(dtype):
    from ._datasets import _float_dtype as f

    return f(dtype, "image.dtype")


def load_image(path, *, size=None, gray: bool = True, dtype=None, max_pixels: int | None = None) -> Tensor:
    """Read an image file with Pillow into a float tensor with values in [0, 1].

    Parameters
    ----------
    path : str or Path
        Any format Pillow reads (PNG, JPEG, TIFF, BMP, …); EXIF orientation is applied.
    size : int or (int, int), optional
        ``None`` keeps the pixels as they are; an integer ``s`` crops the central square and
        resizes it to ``s × s``; ``(h, w)`` resizes to exactly that (Lanczos filter).
    gray : bool
        ``True`` → (H, W) luminance (Pillow's ITU-R 601-2 ``L`` conversion; 16-bit gray images
        keep their precision, divided by 65535); ``False`` → (H, W, 3) RGB.
    dtype : torch.dtype, optional
        Float dtype of the result (default ``torch.get_default_dtype()``).
    max_pixels : int, optional
        The most pixels (width × height) the file may have, checked from its header before
        decoding (default :data:`MAX_PIXELS` = 40 megapixels; spec key ``problem.max_pixels``).
        Pillow's own decompression-bomb limit is replaced by this one.

    Returns
    -------
    Tensor
        (H, W) or (H, W, 3) values in [0, 1].  An unreadable, missing, non-image or too large
        file raises :class:`InputError` naming ``path``.

    Examples
    --------
    >>> img = load_image("photo.jpg", size=64)  # doctest: +SKIP
    >>> img.shape  # doctest: +SKIP
    torch.Size([64, 64])
    """
    import warnings

    from PIL import Image, ImageOps

    dtype = _float_dtype(dtype)
    size = _check_size(size, "image.size")
    limit = MAX_PIXELS if max_pixels is None else max_pixels
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise InputError("problem.max_pixels", f"got {max_pixels!r}", "pass a positive number of pixels")
    path = Path(path)
    if path.is_dir():
        raise InputError("image", f"{path} is a directory, not an image file", "pass a PNG, JPEG or other image file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            old, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # our limit below replaces Pillow's
            try:
                with Image.open(path) as im:
                    w, h = im.size
                    if w * h > limit:
                        raise InputError("image", f"{path} is {w}×{h} = {w * h} pixels ({w * h / 1e6:.1f} megapixels), "
                                         f"more than the limit of {limit} pixels",
                                         "pass a smaller image, or raise the limit with problem.max_pixels")
                    im.load()
                    im = ImageOps.exif_transpose(im)
            finally:
                Image.MAX_IMAGE_PIXELS = old
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError("image", f"{path} does not exist", "check the path") from None
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as e:
        msg = " ".join(str(e).split())[:200]
        raise InputError("image", f"cannot read {path} as an image ({type(e).__name__}: {msg})",
                         "pass a PNG, JPEG or other file Pillow can open") from None
    if gray and (im.mode.startswith("I;16") or im.mode == "I"):
        im, scale = im.convert("F"), 65535.0
    elif gray and im.mode == "F":
        scale = 1.0
    else:
        im, scale = im.convert("L" if gray else "RGB"), 255.0
    if isinstance(size, int):
        w, h = im.size
        s = min(w, h)
        im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
        size = (size, size)
    if size is not None and size != (im.size[1], im.size[0]):
        im = im.resize((size[1], size[0]), Image.Resampling.LANCZOS)
    arr = np.asarray(im, dtype=np.float64) / scale
    return torch.from_numpy(np.clip(arr, 0.0, 1.0)).to(dtype)


def pattern_image(size=64, *, dtype=None) -> Tensor:
    """A deterministic gray test image with content at all frequencies, values in [0, 1].

    On ``u, v ∈ [0, 1)`` (row, column): a smooth background ramp, a soft-edged disc (low
    frequencies), a chirp of vertical stripes whose frequency rises from 2 to ``W/4`` cycles
    (mid to high) in the right half, and a band of "text-like" dark blocks drawn from a fixed
    seed (sharp edges: all frequencies) at the bottom.  No randomness beyond that fixed seed.
    """
    dtype = _float_dtype(dtype)
    size = _check_size(size, "image.size")
    h, w = (size, size) if isinstance(size, int) else size
    u = (np.arange(h)[:, None] + 0.5) / h
    v = (np.arange(w)[None, :] + 0.5) / w
    img = 0.35 + 0.2 * v + np.zeros_like(u)
    r = np.hypot(u - 0.38, v - 0.3)
    edge = 0.015 + 0.5 / max(h, w)
    img = img + 0.45 * 0.5 * (1 - np.tanh((r - 0.22) / edge))
    # chirp: instantaneous frequency f(v) = 2 + (w/4 - 2)·(v-0.5)/0.5 cycles per unit on v ∈ [0.5, 1)
    fmax = max(2.0, w / 4)
    vv = np.clip(v - 0.5, 0, None)
    phase = 2 * math.pi * (2 * vv + (fmax - 2) * vv**2)
    stripes = 0.3 * np.sin(phase) * (v >= 0.5) * ((u > 0.1) & (u < 0.6))
    img = img + stripes
    rng = np.random.default_rng(2024)
    blocks = (rng.random((3, 12)) < 0.5).astype(float)
    bu = np.floor((u - 0.7) / 0.08).astype(int)
    bv = np.floor((v - 0.05) / 0.075).astype(int)
    inside = (bu >= 0) & (bu < 3) & (bv >= 0) & (bv < 12)
    mask = np.where(inside, blocks[np.clip(bu, 0, 2), np.clip(bv, 0, 11)], 0.0)
    img = img * (1 - 0.8 * mask)
    return torch.from_numpy(np.clip(img, 0.0, 1.0)).to(dtype)


def _sklearn_image_path(name: str = "china.jpg") -> Path | None:
    """The sample photograph shipped inside the scikit-learn wheel, found without importing sklearn."""
    try:
        spec = importlib.util.find_spec("sklearn")
    except (ImportError, ValueError):
        return None
    for loc in (spec.submodule_search_locations or []) if spec else []:
        p = Path(loc) / "datasets" / "images" / name
        if p.is_file():
            return p
    return None


def default_image(size=64, *, source: str = "auto", dtype=None) -> Tensor:
    """A gray image that needs no download, (size, size) with values in [0, 1].

    ``source="sklearn"``: the photograph ``china.jpg`` (a temple, 427×640, rich in detail) that
    ships inside the scikit-learn wheel, central square crop resized to ``size``.
    ``source="pattern"``: :func:`pattern_image`.  ``"auto"`` (default) uses the photograph when
    scikit-learn is installed, else the pattern — check ``source`` explicitly where the exact
    pixels matter.

    Parameters
    ----------
    size : int
        Side length in pixels.
    source : {"auto", "sklearn", "pattern"}
        Which image (see above).
    dtype : torch.dtype, optional
        Float dtype (default ``torch.get_default_dtype()``).

    Returns
    -------
    Tensor
        (size, size) gray values in [0, 1].

    Examples
    --------
    >>> img = default_image(32, source="pattern")
    >>> img.shape, bool(img.min() >= 0) and bool(img.max() <= 1)
    (torch.Size([32, 32]), True)
    """
    if source not in ("auto", "sklearn", "pattern"):
        raise InputError("image.source", f"unknown source {source!r}", "choose 'auto', 'sklearn' or 'pattern'")
    size = _check_size(size, "image.size")
    if source != "pattern":
        path = _sklearn_image_path()
        if path is not None:
            return load_image(path, size=size, gray=True, dtype=dtype)
        if source == "sklearn":
            raise InputError("image.source", "scikit-learn (with its sample images) is not installed",
                             "pip install 'simbias[data]', or use source='pattern'")
    return pattern_image(size, dtype=dtype)


class ImageRegression(NamedTuple):
    """Pixel coordinates → pixel values, with the train/held-out split of the 2-D F-Principle experiment.

    Built by :func:`image_to_regression`; ``as_regression(name)`` gives a
    :class:`~simbias.problems.Regression` that trains on the masked pixels and tests on all.

    Parameters
    ----------
    coords : Tensor
        (H·W, 2) float, ``(row, column)`` coordinates (see the module docstring), row-major.
    values : Tensor
        (H·W, C) float pixel values (C = 1 for gray).
    train_mask : Tensor
        (H·W,) bool, ``True`` for training pixels.
    shape : tuple of int
        ``(H, W)``, so ``values.reshape(H, W, C)`` is the image.

    Examples
    --------
    >>> import torch
    >>> data = image_to_regression(torch.rand(4, 6))
    >>> data.coords.shape, int(data.train_mask.sum()), data.shape
    (torch.Size([24, 2]), 12, (4, 6))
    >>> data.as_regression().x_train.shape
    torch.Size([12, 2])
    >>> data.train_shape
    (4, 3)
    """

    coords: Tensor
    values: Tensor
    train_mask: Tensor
    shape: tuple[int, int]

    @property
    def train_shape(self) -> tuple[int, int]:
        """The grid of the training pixels: the rows and the columns that hold any (e.g. every other column)."""
        m = self.train_mask.reshape(self.shape)
        return int(m.any(1).sum()), int(m.any(0).sum())

    def as_regression(self, name: str = "image") -> Regression:
        """A :class:`~simbias.problems.Regression`: train on the masked pixels, test on the full image."""
        m = self.train_mask
        return Regression(self.coords[m], self.values[m], self.values[m], self.coords, self.values,
                          target=None, uniform=False, name=name)


def image_to_regression(image, *, holdout: str = "columns", scale="unit", dtype=None) -> ImageRegression:
    """Turn an (H, W) or (H, W, C) image into coordinates, values and a training mask.

    ``holdout="columns"`` (the authors' choice) trains on the even columns ``j = 0, 2, 4, …`` and
    holds out every other column; ``"rows"`` does the same with rows; ``"none"`` trains on all
    pixels.  ``scale="unit"`` gives ``(i/(H-1), j/(W-1))`` ∈ [0, 1]²; a positive number ``s``
    gives ``(i/s, j/s)`` (``s = 224`` as in the authors' code).  Xu et al., arXiv 1808.04295.

    Parameters
    ----------
    image : Tensor or numpy.ndarray
        (H, W) gray or (H, W, C) colour values.
    holdout : {"columns", "rows", "none"}
        Which pixels are held out of training (see above).
    scale : "unit" or float
        Coordinate scaling (see above).
    dtype : torch.dtype, optional
        Float dtype of ``coords`` and ``values``.

    Returns
    -------
    ImageRegression
        Coordinates (H·W, 2), values (H·W, C), the training mask and ``(H, W)``.

    Examples
    --------
    >>> import torch
    >>> data = image_to_regression(torch.rand(3, 5), holdout="rows", scale=224)
    >>> data.train_mask.reshape(3, 5)[:, 0]
    tensor([ True, False,  True])
    """
    if isinstance(image, np.ndarray):
        image = torch.from_numpy(image)
    if not isinstance(image, Tensor) or image.ndim not in (2, 3) or image.shape[0] < 1 or image.shape[1] < 1:
        raise InputError("image", f"got {type(image).__name__} of shape {tuple(getattr(image, 'shape', ()))}",
                         "pass an (H, W) gray or (H, W, C) color image")
    if holdout not in HOLDOUTS:
        raise InputError("image.holdout", f"unknown holdout {holdout!r}", f"choose one of {', '.join(HOLDOUTS)}")
    dtype = _float_dtype(dtype)
    h, w = int(image.shape[0]), int(image.shape[1])
    if scale == "unit":
        si, sj = max(h - 1, 1), max(w - 1, 1)
    elif isinstance(scale, (int, float)) and not isinstance(scale, bool) and math.isfinite(scale) and scale > 0:
        si = sj = float(scale)
    else:
        raise InputError("image.scale", f"got {scale!r}", "pass 'unit' or a positive number such as 224")
    i, j = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    coords = torch.stack([i.flatten() / si, j.flatten() / sj], dim=1).to(dtype)
    values = image.reshape(h * w, -1).to(dtype)
    if holdout == "columns":
        train = (torch.arange(w) % 2 == 0).expand(h, w)
    elif holdout == "rows":
        train = (torch.arange(h) % 2 == 0)[:, None].expand(h, w)
    else:
        train = torch.ones(h, w, dtype=torch.bool)
    return ImageRegression(coords, values, train.flatten().clone(), (h, w))
