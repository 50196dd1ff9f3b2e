"""``fourier-image``: Fourier features on 2-D image regression (Tancik et al. 2020, Table 1; papers.md T27).

A coordinate network (:class:`simbias.nn.CoordinateNet`: encoding → ReLU layers of 256 →
sigmoid, one output per colour channel) is fitted to an image with Adam on the subgrid of every
other pixel in each axis and tested on all the other pixels
(:func:`simbias.problems.grid_image_regression`).  ``model.encoding`` chooses the input mapping:

* ``none`` — γ(x) = x;  ``basic`` — [cos 2πx, sin 2πx];
* ``positional`` — [cos 2πb_j x_i, sin 2πb_j x_i] per axis i, b_j = (1 + P)^{j/(m−1)} − 1 for
  j = 0 … m−1, m = ``model.n_features``/2 per axis, P = ``model.posenc_max``: log-spaced from 0 to
  P cycles per image side, the frequencies of the authors' Table-1 notebook (their
  ``2**linspace(0, s, m) − 1``: P = 2^6 − 1 = 63 for natural images, 2^5 − 1 = 31 for text, at 512²).
  The mapping has as many rows as the Gaussian one, and the two share a static shape;
* ``gaussian`` — [cos 2πBx, sin 2πBx], B ∈ ℝ^{m×2}, B_ij ~ N(0, σ²), m = ``model.n_features`` (256).

PSNR, as the authors define it (their notebook): with MSE = 0.5·mean((ŷ − y)²) over pixels and
channels of [0, 1]-valued images, **PSNR = −10·log10(2·MSE)** (i.e. −10·log10 of the plain mean
squared error).  ``psnr_train`` is on the training subgrid, ``psnr_test`` on the held-out pixels
(all three quarters; the authors' Table 1 scores only the pixels with both indices odd —
``benchmarks/bench_fourier_image.py`` reports both).
The network has Tancik's "4 layers of 256 channels": ``model.widths = [256, 256, 256]`` ReLU
layers plus the output layer, as in their notebook (``network_depth = 4``).  Their loss is the
0.5·MSE above; we minimise the plain MSE (Adam is invariant to that factor up to its ε).

``problem.size`` with ``problem.crop = false`` resizes the central square to ``size × size`` (the
picture keeps its layout, its detail per pixel grows); ``crop = true`` cuts the central
``size × size`` pixels out of the full-size image (512² for ``text``), so a CPU-sized run keeps the
per-pixel detail of the paper's 512² images (scale σ and P with the side: σ·size/512).

Recorded (:class:`simbias.train.TrainPSNR`, :class:`simbias.train.GridImageError`): ``psnr_train_curve``
every ``record.every`` steps (from the training output the step
computes anyway), and at snapshots ``psnr_test_curve`` and ``band_error`` — the relative error
per radial band of the 2-D DFT of the output on the whole image (all channels combined;
:func:`simbias.spectral.radial_bands`, ``record.n_bands`` bands).  ``static["output_image"]`` is
the final reconstruction.

Sweeps over ``model.encoding`` (or σ, seeds, learning rates, images of one size) train the
members of one static shape together with :func:`simbias.train.fit_ensemble` — the core sees
equal shapes, no code here: Gaussian and positional encodings share a shape (B has m rows for
both), ``none`` and ``basic`` each have their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np
import torch

from .. import problems, train
from ..nn import CoordinateNet, positional_matrix
from ..problems import psnr
from ._common import EnsembleOptimizer, PositiveFloat, Schedule, TrainBase, init_generator, torch_dtype
from ._kind import Fit, Kind, Plan, register_kind
from ._registry import BaseSpec
from ._spec import Check, Positive

__all__ = ["FourierImageSpec", "FourierImageProblemSpec", "FourierImageModelSpec", "FourierImageTrainSpec",
           "FourierImageRecordSpec", "build_fourier_image", "FOURIER_IMAGE"]

Widths = Annotated[tuple[int, ...], Check(lambda v: bool(v) and min(v) >= 1, "use positive widths, e.g. [256, 256]")]
_SIDE = Check(lambda v: v == 0 or v >= 4, "use a side of at least 4 pixels (0 keeps the image's size)")
_EVEN = Check(lambda v: v >= 2 and v % 2 == 0, "use an even number ≥ 2, e.g. 256")


@dataclass(frozen=True)
class FourierImageProblemSpec:
    """The image: ``path`` (any file Pillow reads) else ``image`` = a photograph bundled with
    scikit-image (``astronaut``, ``coffee``, ``chelsea``, ``rocket``, ``camera``) or ``text``
    (:func:`simbias.problems.text_image`, drawn from ``text_seed``).  ``size``: central square
    resized to ``size × size`` (0 keeps a file's or photograph's pixels, 512² for text), or with
    ``crop`` the central ``size × size`` pixels of the full-size image (512² for text).  ``gray``:
    one channel."""

    image: str = "astronaut"
    path: str | None = None
    size: Annotated[int, _SIDE] = 512
    gray: bool = False
    text_seed: int = 0
    crop: bool = False

    def validate(self):
        if self.path is None and self.image != "text":
            problems.bundled_image_path(self.image)  # an unknown name (or no scikit-image) raises, naming problem.image


@dataclass(frozen=True)
class FourierImageModelSpec:
    """``encoding``: none | basic | positional | gaussian; ``sigma``: Gaussian σ and ``posenc_max``:
    the positional encoding's largest frequency, both in cycles per image side; ``n_features``:
    mapping size m; ``widths``: hidden ReLU widths (the output layer and sigmoid come after).

    Parameters
    ----------
    encoding : {"none", "basic", "positional", "gaussian"}, default "gaussian"
        The input mapping γ(x): ``none`` x; ``basic`` [cos 2πx, sin 2πx]; ``positional``
        [cos 2πb_j x_i, sin 2πb_j x_i], b_j = (1 + ``posenc_max``)^{j/(m−1)} − 1, m = ``n_features``/2
        per axis; ``gaussian`` [cos 2πBx, sin 2πBx], B ∈ ℝ^{m×2}, B_ij ~ N(0, σ²), m = ``n_features``.
    sigma : float, default 10.0
        Gaussian σ in cycles per image side (> 0; Tancik: 10 natural, 14 text, at 512²).
    posenc_max : float, default 63.0
        Largest positional frequency P in cycles per image side (> 0; Tancik: 63 natural, 31 text,
        at 512²).
    n_features : int, default 256
        Mapping size m (even, ≥ 2).
    widths : list of int, default [256, 256, 256]
        Hidden ReLU widths (non-empty).
    init : {"xavier", "he", "lecun", "glorot_uniform"}, default "xavier"
        Initialisation of the layers (:mod:`simbias.nn._init`): weights N(0, 2/(fan_in + fan_out)) /
        N(0, 2/fan_in) / N(0, 1/fan_in) / U(±√(6/(fan_in + fan_out))), biases 0.
    """

    encoding: Literal["none", "basic", "positional", "gaussian"] = "gaussian"
    sigma: PositiveFloat = 10.0
    n_features: Annotated[int, _EVEN] = 256
    widths: Widths = (256, 256, 256)
    init: Literal["xavier", "he", "lecun", "glorot_uniform"] = "xavier"
    posenc_max: PositiveFloat = 63.0


@dataclass(frozen=True)
class FourierImageTrainSpec(TrainBase):
    """Adam (or SGD), full batch on the training subgrid.

    Parameters
    ----------
    optimizer : str, default "adam"
        A name of :data:`simbias.train.ENSEMBLE_OPTIMIZERS`.
    lr : float, default 1e-3
        Learning rate (> 0).
    steps : int, default 2000
        Number of full-batch updates (≥ 1).
    lr_decay : float, default 0.0
        Multiply the learning rate by (1 − ``lr_decay``) after every step, in [0, 1).
    """

    optimizer: EnsembleOptimizer = "adam"


@dataclass(frozen=True)
class FourierImageRecordSpec(Schedule):
    """``every``: train PSNR every this many steps; ``snapshot_every``: test PSNR and band errors on
    the whole image (default ≈ 25 snapshots); ``n_bands``: radial DFT bands."""

    every: Positive = 10
    n_bands: Positive = 8


@dataclass(frozen=True)
class FourierImageSpec(BaseSpec):
    """Spec of ``fourier-image``: Fourier features on 2-D image regression (Tancik et al. 2020,
    Table 1; papers.md T27).

    A coordinate network (encoding → ReLU layers → sigmoid) is fitted on every other pixel and
    tested on the rest; PSNR = −10·log10(mean squared error) on [0, 1] images (module docstring).
    ``description``, ``seed`` and ``dtype`` are the keys every kind has (see
    :class:`~simbias.experiments.BaseSpec`).

    Parameters
    ----------
    experiment : str, default "fourier-image"
        The experiment kind (see ``simbias list``).
    problem : FourierImageProblemSpec
        The image: a file, a bundled photograph or drawn text, its size and channels (``problem.*``).
    model : FourierImageModelSpec
        Input encoding (none, basic, positional, gaussian), its scale and size, hidden widths
        (``model.*``).
    train : FourierImageTrainSpec
        Full-batch optimiser and steps (``train.*``).
    record : FourierImageRecordSpec
        PSNR and radial-band error intervals (``record.*``).

    Examples
    --------
    >>> from simbias.experiments import FourierImageSpec
    >>> spec = FourierImageSpec()
    >>> spec.model.widths
    (256, 256, 256)
    """

    experiment: str = "fourier-image"
    problem: FourierImageProblemSpec = field(default_factory=FourierImageProblemSpec)
    model: FourierImageModelSpec = field(default_factory=FourierImageModelSpec)
    train: FourierImageTrainSpec = field(default_factory=FourierImageTrainSpec)
    record: FourierImageRecordSpec = field(default_factory=FourierImageRecordSpec)


def build_fourier_image(spec: FourierImageSpec, device: str = "cpu") -> Plan:
    """The image split and the initialised network of ``spec``, as a one-job plan (``context["image"]``:
    the :class:`~simbias.problems.GridImageRegression`).

    >>> spec = FourierImageSpec(problem=FourierImageProblemSpec(size=8), model=FourierImageModelSpec(widths=(4,)))
    >>> tuple(build_fourier_image(spec).context["image"].shape)
    (8, 8)
    """
    dtype, p, m = torch_dtype(spec.dtype), spec.problem, spec.model
    img = problems.load_named_image(p.image, path=p.path, size=p.size or None, gray=p.gray, seed=p.text_seed,
                                    dtype=torch.float64, crop=p.crop)
    gr = problems.grid_image_regression(img, dtype=dtype, name=p.path or p.image)
    gr = gr._replace(problem=gr.problem.to(device=device))
    half = m.encoding == "positional"
    model = CoordinateNet(2, m.widths, gr.channels, encoding=m.encoding, n_features=m.n_features // (1 + half),
                          sigma=m.sigma, init=m.init, generator=init_generator(spec.seed), dtype=dtype, device=device)
    if half:  # the authors' log-spaced frequencies 0 … P per axis (module docstring)
        model.B.copy_(positional_matrix(2, m.n_features // 2, m.posenc_max))

    def finish(hs):  # the final reconstruction, for the summary and the figures
        h, (rows, cols), c = hs[0], gr.shape, gr.channels
        if not h.diverged:
            with torch.no_grad():
                out = model(gr.problem.x_test).cpu().numpy()
            h.static.update(image_shape=np.asarray(gr.shape), train_mask=gr.train_mask.cpu().numpy(),
                            target_image=gr.problem.y_test.cpu().numpy().reshape(rows, cols, c),
                            output_image=out.reshape(rows, cols, c))
        return h

    r, t = spec.record, spec.train
    record = train.Record(every=r.every, snapshot_every=r.snapshot_every or max(1, t.steps // 25),
                          probes=(train.TrainPSNR(), train.GridImageError(gr, r.n_bands)))
    fit = Fit(model, gr.problem, t.optimizer, t.lr, t.steps, record, {"loss": "mse", "lr_decay": t.lr_decay})
    return Plan([fit], context={"image": gr}, combine=finish)


def summarize_fourier_image(spec: FourierImageSpec, plan: Plan, history) -> dict:
    """``psnr_train`` / ``psnr_test`` of the final reconstruction ``history["output_image"]`` (dB,
    Tancik's definition) and the band errors over training (``band_error_steps`` × bands)."""
    if history.diverged:
        return {}
    gr = plan.context["image"]
    y = gr.problem.y_test.detach().cpu().double()
    out = torch.as_tensor(history["output_image"], dtype=torch.float64).reshape(y.shape)
    m = gr.train_mask.cpu()
    return {
        "psnr_train": float(psnr(out[m], y[m])),
        "psnr_test": float(psnr(out[~m], y[~m])),
        "image_shape": list(gr.shape),
        "channels": int(gr.channels),
        "band_frequencies": [round(float(f), 6) for f in history["band_frequencies"]],
        "band_error_steps": [int(s) for s in history["snapshot_steps"]],
        "band_error": np.asarray(history["band_error"], dtype=float).tolist(),
        "final_band_error": np.asarray(history["band_error"][-1], dtype=float).tolist(),
    }


def fourier_image_headline(spec: FourierImageSpec, summary: dict) -> list[str]:
    m = spec.model
    enc = m.encoding + {"gaussian": f" (σ = {m.sigma:g})", "positional": f" (P = {m.posenc_max:g})"}.get(m.encoding, "")
    return [f"{enc}: PSNR train {summary['psnr_train']:.2f} dB, test {summary['psnr_test']:.2f} dB "
            f"(every other pixel held out, image {summary['image_shape'][0]}×{summary['image_shape'][1]})",
            f"band errors (low → high) at the end: {[round(e, 3) for e in summary['final_band_error']]}"]


FOURIER_IMAGE = register_kind(Kind(
    "fourier-image", FourierImageSpec, build_fourier_image, summarize_fourier_image,
    "Fourier features (Tancik et al. 2020): fit an image from every other pixel with no / basic / positional / "
    "Gaussian input encoding; PSNR and radial-band errors", headline=fourier_image_headline))
