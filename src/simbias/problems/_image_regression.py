"""Image regression in the setting of Tancik et al. (2020), and the images it runs on offline.

Tancik, Srinivasan, Mildenhall et al., "Fourier Features Let Networks Learn High Frequency
Functions in Low Dimensional Domains" (NeurIPS 2020, arXiv 2006.10739), 2-D image regression
(their Table 1 and demo notebook; papers.md T27): a network maps pixel coordinates to RGB values.

* coordinates: pixel ``(i, j)`` of an H×W image maps to ``(i / H, j / W)`` ∈ [0, 1)² (a grid
  without the right end point, as in their notebook);
* split: train on the subgrid of every other pixel in each axis (``i`` and ``j`` even — the 256²
  subgrid of a 512² image), test on all the other pixels;
* one output per channel (3 for RGB, 1 for gray), values in [0, 1].

Images that need no download: the photographs that ship *inside* the scikit-image wheel
(:data:`BUNDLED_IMAGES`; read with Pillow straight from the package folder, no network), and
:func:`text_image`, a deterministic rendering of text with Pillow's bundled default font (their
second row of Table 1 uses text images).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from ..errors import InputError
from ._images import load_image
from ._regression import Regression

__all__ = ["BUNDLED_IMAGES", "bundled_image_path", "text_image", "grid_image_regression", "GridImageRegression",
           "load_named_image", "PUBLISHED_PSNR", "psnr"]

#: Tancik et al. (2020) Table 1, 2-D image regression, test PSNR (dB), mean over their test images
#: (natural: DIV2K, Gaussian σ = 10; text: Gaussian σ = 14).
PUBLISHED_PSNR = {
    "natural": {"none": 19.32, "basic": 21.72, "positional": 24.95, "gaussian": 25.57},
    "text": {"none": 18.40, "basic": 20.48, "positional": 27.57, "gaussian": 30.47},
}

def psnr(pred: Tensor, target: Tensor, dim=(-2, -1)) -> Tensor:
    """Peak signal-to-noise ratio (dB) of images with values in [0, 1], as Tancik et al. (2020) compute it.

    PSNR = −10·log10(2·MSE) with MSE = ½·mean((pred − target)²) over ``dim`` (their notebook's
    convention; it equals the usual −10·log10 mean((pred − target)²) for a peak value of 1).
    The numbers of :data:`PUBLISHED_PSNR` are on this scale.

    Parameters
    ----------
    pred : torch.Tensor
        Predicted values.
    target : torch.Tensor
        True values, broadcastable against ``pred``.
    dim : int or tuple of int, default (-2, -1)
        The dimensions averaged over (the others are kept, e.g. a member axis).

    Returns
    -------
    torch.Tensor
        PSNR in dB, one value per index of the kept dimensions.

    Examples
    --------
    >>> import torch
    >>> float(psnr(torch.zeros(4, 1), torch.full((4, 1), 0.1)))  # doctest: +ELLIPSIS
    20.0...
    """
    mse = 0.5 * ((pred - target) ** 2).mean(dim=dim)
    return -10.0 * torch.log10(2.0 * mse)


#: natural photographs inside the scikit-image wheel (file name, colour).
BUNDLED_IMAGES = {
    "astronaut": "astronaut.png",   # 512×512 RGB
    "coffee": "coffee.png",         # 400×600 RGB
    "chelsea": "chelsea.png",       # 300×451 RGB (a cat)
    "rocket": "rocket.jpg",         # 427×640 RGB
    "camera": "camera.png",         # 512×512 gray
}

_TEXT = ("The quick brown fox jumps over the lazy dog", "Fourier features let networks learn",
         "high frequency functions in low dimensional", "domains: 0123456789 !?&%$#@", "PACK MY BOX WITH FIVE",
         "DOZEN LIQUOR JUGS", "sphinx of black quartz, judge my vow", "simplicity bias and spectral bias")


def bundled_image_path(name: str) -> Path:
    """Path of a photograph shipped inside scikit-image (:data:`BUNDLED_IMAGES`), found without importing it."""
    if name not in BUNDLED_IMAGES:
        raise InputError("problem.image", f"unknown image {name!r}",
                         f"choose one of {', '.join([*BUNDLED_IMAGES, 'text'])} or give problem.path")
    try:
        spec = importlib.util.find_spec("skimage")
    except (ImportError, ValueError):
        spec = None
    for loc in (spec.submodule_search_locations or []) if spec else []:
        p = Path(loc) / "data" / BUNDLED_IMAGES[name]
        if p.is_file():
            return p
    raise InputError("problem.image", f"the bundled image {name!r} needs scikit-image, which is not installed",
                     "pip install scikit-image (a core dependency of simbias), or give problem.path")


def text_image(size=512, *, seed: int = 0, dtype=None) -> Tensor:
    """A deterministic RGB image of text lines, (size, size, 3) in [0, 1].

    Lines of fixed sentences (their order and each line's colour drawn from ``seed``) on a white
    background, rendered at ``size/10``-pixel letters with Pillow's bundled default font
    (``ImageFont.load_default``) at 4× the size and reduced with a box filter (anti-aliased
    edges).  Same ``size`` and ``seed`` → same pixels with the same Pillow version.

    Parameters
    ----------
    size : int
        Side length in pixels (≥ 8).
    seed : int
        Seed of the line order, offsets and colours.
    dtype : torch.dtype, optional
        Float dtype (default ``torch.get_default_dtype()``).

    Returns
    -------
    Tensor
        (size, size, 3) RGB values in [0, 1].

    Examples
    --------
    >>> text_image(64).shape
    torch.Size([64, 64, 3])
    """
    from PIL import Image, ImageDraw, ImageFont

    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 8:
        raise InputError("problem.size", f"got {size!r}", "use an image side of at least 8 pixels")
    size = int(size)
    rng = np.random.default_rng(int(seed))
    big = 4 * size
    im = Image.new("RGB", (big, big), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    font_px = max(8, big // 10)
    try:
        font = ImageFont.load_default(size=font_px)
    except TypeError:  # Pillow < 10.1: the bitmap font, scaled by drawing on a smaller canvas
        font = ImageFont.load_default()
    order = rng.permutation(len(_TEXT))
    y, line = big // 40, 0
    while y < big - font_px // 2:
        text = _TEXT[order[line % len(_TEXT)]]
        colour = tuple(int(c) for c in rng.integers(0, 160, size=3))
        x0 = -int(rng.integers(0, big // 4))
        draw.text((x0, y), text, fill=colour, font=font)
        y += int(font_px * 1.6)
        line += 1
    im = im.resize((size, size), Image.Resampling.BOX)
    arr = np.asarray(im, dtype=np.float64) / 255.0
    from ._datasets import _float_dtype

    return torch.from_numpy(arr).to(_float_dtype(dtype, "image.dtype"))


def load_named_image(name: str | None = "astronaut", *, path: str | None = None, size=None, gray: bool = False,
                     seed: int = 0, dtype=None, crop: bool = False) -> Tensor:
    """The image of an experiment: ``path`` (any file Pillow reads) else a bundled photograph or ``"text"``.

    ``size``: ``None`` keeps the pixels; an integer crops the central square and resizes it
    (Lanczos) to ``size × size`` — or, with ``crop=True``, cuts the central ``size × size`` pixels
    out of the full-size image (512² for ``"text"``; :class:`InputError` naming ``problem.size``
    when the image is smaller).  Returns (H, W, C) with C = 3 (RGB) or 1 (``gray=True`` or a gray
    bundled image), values in [0, 1].

    >>> full, cut = load_named_image("text"), load_named_image("text", size=64, crop=True)
    >>> tuple(cut.shape), bool((cut == full[224:288, 224:288]).all())
    ((64, 64, 3), True)
    """
    if crop and size:
        img = load_named_image(name, path=path, gray=gray, seed=seed, dtype=dtype)
        h, w = img.shape[:2]
        if min(h, w) < size:
            raise InputError("problem.size", f"{size} is larger than the image ({h}×{w})", "crop a smaller side")
        return img[(h - size) // 2:(h + size) // 2, (w - size) // 2:(w + size) // 2]
    if path is not None:
        img = load_image(path, size=size, gray=gray, dtype=dtype)
    elif name == "text":
        img = text_image(size or 512, seed=seed, dtype=dtype)
        if gray:
            img = img.mean(-1)
    else:
        p = bundled_image_path(str(name))
        from PIL import Image

        with Image.open(p) as im:
            is_gray = im.mode in ("L", "I;16", "I", "F")
        img = load_image(p, size=size, gray=gray or is_gray, dtype=dtype)
    return img if img.ndim == 3 else img[..., None]


class GridImageRegression(NamedTuple):
    """An image as coordinates → values with the every-other-pixel split (module docstring).

    Parameters
    ----------
    problem : Regression
        ``x_train``/``y_train`` the training subgrid (row-major, shape ``train_shape``),
        ``x_test``/``y_test`` every pixel of the image (row-major, shape ``shape``).
    train_mask : Tensor
        (H·W,) bool, ``True`` on the training pixels (rows of ``x_test``).
    shape : (int, int)
        ``(H, W)``.
    train_shape : (int, int)
        ``(⌈H/2⌉, ⌈W/2⌉)``.
    channels : int
        C.
    """

    problem: Regression
    train_mask: Tensor
    shape: tuple[int, int]
    train_shape: tuple[int, int]
    channels: int


def grid_image_regression(image, *, dtype=None, name: str = "image") -> GridImageRegression:
    """Split an (H, W) or (H, W, C) image into Tancik's training subgrid and held-out pixels.

    Coordinates ``(i/H, j/W)``; training pixels: ``i`` and ``j`` both even.

    >>> gr = grid_image_regression(torch.rand(8, 6, 3))
    >>> gr.problem.x_train.shape, gr.train_shape, int(gr.train_mask.sum())
    (torch.Size([12, 2]), (4, 3), 12)
    """
    if isinstance(image, np.ndarray):
        image = torch.from_numpy(image)
    if not isinstance(image, Tensor) or image.ndim not in (2, 3) or min(image.shape[:2]) < 2:
        raise InputError("image", f"got {type(image).__name__} of shape {tuple(getattr(image, 'shape', ()))}",
                         "pass an (H, W) gray or (H, W, C) colour image of at least 2×2 pixels")
    from ._datasets import _float_dtype

    dtype = _float_dtype(dtype, "image.dtype")
    img = image if image.ndim == 3 else image[..., None]
    h, w, c = (int(s) for s in img.shape)
    i, j = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    coords = torch.stack([i.flatten() / h, j.flatten() / w], dim=1).to(dtype)
    values = img.reshape(h * w, c).to(dtype)
    mask = ((torch.arange(h) % 2 == 0)[:, None] & (torch.arange(w) % 2 == 0)[None, :]).flatten()
    reg = Regression(coords[mask], values[mask], values[mask], coords, values, target=None, uniform=False, name=name)
    return GridImageRegression(reg, mask, (h, w), ((h + 1) // 2, (w + 1) // 2), c)
