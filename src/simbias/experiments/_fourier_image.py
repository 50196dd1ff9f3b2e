"""``fourier-image``: Fourier features on 2-D image regression (Tancik et al. 2020, Table 1; papers.md T27).

A coordinate network (:class:`simbias.nn.CoordinateNet`: encoding → ReLU layers of 256 →
sigmoid, one output per colour channel) is fitted to an image with Adam on the subgrid of every
other pixel in each axis and tested on all the other pixels
(:func:`simbias.problems.grid_image_regression`).  ``model.encoding`` chooses the input mapping:

* ``none`` — γ(x) = x;  ``basic`` — [cos 2πx, sin 2πx];
* ``positional`` — [cos 2πσ^{j/m}x_i, sin 2πσ^{j/m}x_i], m = ``model.n_features``/2 per axis (so
  the mapping has as many rows as the Gaussian one, and the two share a static shape);
* ``gaussian`` — [cos 2πBx, sin 2πBx], B ∈ ℝ^{m×2}, B_ij ~ N(0, σ²), m = ``model.n_features`` (256).

PSNR, as the authors define it (their notebook): with MSE = 0.5·mean((ŷ − y)²) over pixels and
channels of [0, 1]-valued images, **PSNR = −10·log10(2·MSE)** (i.e. −10·log10 of the plain mean
squared error).  ``psnr_train`` is on the training subgrid, ``psnr_test`` on the held-out pixels.
The network has Tancik's "4 layers of 256 channels": ``model.widths = [256, 256, 256]`` ReLU
layers plus the output layer, as in their notebook (``network_depth = 4``).  Their loss is the
0.5·MSE above; we minimise the plain MSE (Adam is invariant to that factor up to its ε).

Recorded: ``psnr_train_curve`` every ``record.every`` steps (from the training output the step
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

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from .. import problems, spectral, train
from ..errors import InputError
from ..nn import CoordinateNet, ENCODINGS
from ..problems import psnr
from ._common import check_train_settings, seeds_for, torch_dtype
from ._kind import Fit, Kind, Plan, register_kind
from ._registry import BaseSpec

__all__ = ["FourierImageSpec", "FourierImageProblemSpec", "FourierImageModelSpec", "FourierImageTrainSpec",
           "FourierImageRecordSpec", "build_fourier_image", "fourier_image_summary", "PUBLISHED_PSNR",
           "FOURIER_IMAGE"]

PUBLISHED_PSNR = problems.PUBLISHED_PSNR


@dataclass(frozen=True)
class FourierImageProblemSpec:
    """The image: ``path`` (any file Pillow reads) else ``image`` = a photograph bundled with
    scikit-image (``astronaut``, ``coffee``, ``chelsea``, ``rocket``, ``camera``) or ``text``
    (:func:`simbias.problems.text_image`, drawn from ``text_seed``).  ``size``: central square crop
    resized to ``size × size`` (0 keeps a file's or photograph's pixels).  ``gray``: one channel."""

    image: str = "astronaut"
    path: str | None = None
    size: int = 512
    gray: bool = False
    text_seed: int = 0

    def validate(self):
        if self.path is not None and not Path(self.path).is_file():
            raise InputError("problem.path", f"{self.path} does not exist", "give an image file Pillow can read")
        if self.path is None and self.image not in (*problems.BUNDLED_IMAGES, "text"):
            raise InputError("problem.image", f"unknown image {self.image!r}",
                             f"choose one of {', '.join([*problems.BUNDLED_IMAGES, 'text'])} or give problem.path")
        if self.size < 0 or (self.size == 0 and self.image == "text" and self.path is None) or 0 < self.size < 4:
            raise InputError("problem.size", f"got {self.size}", "use a side of at least 4 pixels (0 keeps a file's size)")


@dataclass(frozen=True)
class FourierImageModelSpec:
    """``encoding``: none | basic | positional | gaussian; ``sigma``: Gaussian σ (and the positional
    encoding's largest frequency), in cycles per image side; ``n_features``: mapping size m;
    ``widths``: hidden ReLU widths (the output layer and sigmoid come after).

    Parameters
    ----------
    encoding : {"none", "basic", "positional", "gaussian"}, default "gaussian"
        The input mapping γ(x): ``none`` x; ``basic`` [cos 2πx, sin 2πx]; ``positional``
        [cos 2πσ^{j/m}x_i, sin 2πσ^{j/m}x_i], m = ``n_features``/2 per axis; ``gaussian``
        [cos 2πBx, sin 2πBx], B ∈ ℝ^{m×2}, B_ij ~ N(0, σ²), m = ``n_features``.
    sigma : float, default 10.0
        Gaussian σ (and the positional encoding's largest frequency), in cycles per image side (> 0).
    n_features : int, default 256
        Mapping size m (even, ≥ 2).
    widths : list of int, default [256, 256, 256]
        Hidden ReLU widths (non-empty).
    init : {"xavier", "he", "lecun", "glorot_uniform"}, default "xavier"
        Initialisation of the layers (:mod:`simbias.nn._init`): weights N(0, 2/(fan_in + fan_out)) /
        N(0, 2/fan_in) / N(0, 1/fan_in) / U(±√(6/(fan_in + fan_out))), biases 0.
    """

    encoding: Literal["none", "basic", "positional", "gaussian"] = "gaussian"
    sigma: float = 10.0
    n_features: int = 256
    widths: tuple[int, ...] = (256, 256, 256)
    init: Literal["xavier", "he", "lecun", "glorot_uniform"] = "xavier"

    def validate(self):
        if self.encoding not in ENCODINGS:
            raise InputError("model.encoding", f"unknown encoding {self.encoding!r}", f"choose one of {', '.join(ENCODINGS)}")
        if not (self.sigma > 0 and math.isfinite(self.sigma)):
            raise InputError("model.sigma", f"got {self.sigma}", "use a positive number, e.g. 10")
        if self.n_features < 2 or self.n_features % 2:
            raise InputError("model.n_features", f"got {self.n_features}", "use an even number ≥ 2, e.g. 256")
        if not self.widths or any(w < 1 for w in self.widths):
            raise InputError("model.widths", f"got {list(self.widths)}", "use positive widths, e.g. [256, 256, 256]")


@dataclass(frozen=True)
class FourierImageTrainSpec:
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

    optimizer: str = "adam"
    lr: float = 1e-3
    steps: int = 2000
    lr_decay: float = 0.0

    def validate(self):
        check_train_settings(self)
        if self.optimizer not in train.ENSEMBLE_OPTIMIZERS:
            raise InputError("train.optimizer", f"got {self.optimizer!r}",
                             f"choose one of {', '.join(train.ENSEMBLE_OPTIMIZERS)}")


@dataclass(frozen=True)
class FourierImageRecordSpec:
    """``every``: train PSNR every this many steps; ``snapshot_every``: test PSNR and band errors on
    the whole image (default ≈ 25 snapshots); ``n_bands``: radial DFT bands."""

    every: int = 10
    snapshot_every: int | None = None
    n_bands: int = 8

    def validate(self):
        if self.n_bands < 1:
            raise InputError("record.n_bands", f"got {self.n_bands}", "use a positive number of bands, e.g. 8")


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
        Input encoding (none, basic, positional, gaussian), its scale σ and size, hidden widths
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


# --------------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------------

def _n_features(m: FourierImageModelSpec) -> int:
    return m.n_features // 2 if m.encoding == "positional" else m.n_features


def build_fourier_image(spec: FourierImageSpec, device: str = "cpu") -> Plan:
    """The image split and the initialised network of ``spec``, as a one-job plan (``context["image"]``:
    the :class:`~simbias.problems.GridImageRegression`).

    >>> spec = FourierImageSpec(problem=FourierImageProblemSpec(size=8), model=FourierImageModelSpec(widths=(4,)))
    >>> tuple(build_fourier_image(spec).context["image"].shape)
    (8, 8)
    """
    dtype, p = torch_dtype(spec.dtype), spec.problem
    img = problems.load_named_image(p.image, path=p.path, size=p.size or None, gray=p.gray, seed=p.text_seed,
                                    dtype=torch.float64)
    gr = problems.grid_image_regression(img, dtype=dtype, name=p.path or p.image)
    gr = gr._replace(problem=gr.problem.to(device=device))
    m = spec.model
    gen = torch.Generator().manual_seed(seeds_for(spec.seed)["init"])
    model = CoordinateNet(2, m.widths, gr.channels, encoding=m.encoding, n_features=_n_features(m), sigma=m.sigma,
                          init=m.init, generator=gen, dtype=dtype, device=device)

    def finish(hs):  # the final reconstruction, for the summary and the figures
        h, (rows, cols), c = hs[0], gr.shape, gr.channels
        if not h.diverged:
            with torch.no_grad():
                out = model(gr.problem.x_test).cpu().numpy()
            h.static.update(image_shape=np.asarray(gr.shape), train_mask=gr.train_mask.cpu().numpy(),
                            target_image=gr.problem.y_test.cpu().numpy().reshape(rows, cols, c),
                            output_image=out.reshape(rows, cols, c))
        return h

    fit = Fit(model, gr.problem, spec.train.optimizer, spec.train.lr, spec.train.steps,
              _record(spec, _probes(gr, spec)), {"loss": "mse", "lr_decay": spec.train.lr_decay})
    return Plan([fit], context={"image": gr}, combine=finish)


# --------------------------------------------------------------------------------------------
# probes (written for a leading member axis too, so fit and fit_ensemble share them)
# --------------------------------------------------------------------------------------------

class _TrainPSNR:
    """``psnr_train_curve`` from the output on the training subgrid (no extra forward pass)."""

    snapshot = False

    def setup(self, model, problem):
        return {}

    def __call__(self, ctx):
        return {"psnr_train_curve": psnr(ctx.output_on_train(), ctx.problem.y_train)}


class _ImageProbe:
    """At snapshots, on the whole image: ``psnr_test_curve`` (held-out pixels) and ``band_error``
    (per radial band of the 2-D DFT, channels combined: ‖ĥ − f̂‖_band / ‖f̂‖_band).  The target is
    read from the problem at each snapshot, so members of one ensemble may fit different images
    of one ``shape`` (a setting, hence part of the lockstep key)."""

    snapshot = True

    def __init__(self, gr: problems.GridImageRegression, n_bands: int):
        self.shape, self.n_bands, self._mask = tuple(gr.shape), n_bands, gr.train_mask

    def setup(self, model, problem):
        h, w = self.shape
        dev = problem.y_test.device
        self._held = (~self._mask).to(dev)
        self._bands = spectral.radial_bands((h, w), self.n_bands, device=dev).flatten()
        rmax = float(torch.sqrt(torch.fft.fftfreq(h, dtype=torch.float64)[:, None] ** 2
                                + torch.fft.fftfreq(w, dtype=torch.float64)[None, :] ** 2).max())
        centres = (np.arange(self.n_bands) + 0.5) * rmax / self.n_bands
        return {"band_frequencies": centres, "band_counts": torch.bincount(self._bands.cpu(), minlength=self.n_bands).numpy()}

    def _img(self, v: Tensor) -> Tensor:
        return v.reshape(*v.shape[:-2], *self.shape, v.shape[-1]).movedim(-1, -3)  # (..., C, H, W)

    def _band_sum(self, sq: Tensor) -> Tensor:
        sq = sq.sum(-3).reshape(*sq.shape[:-3], -1)  # channels combined, (..., H·W)
        out = torch.zeros(*sq.shape[:-1], self.n_bands, dtype=sq.dtype, device=sq.device)
        return out.index_add_(-1, self._bands, sq)

    def __call__(self, ctx):
        out, y = ctx.output_on_test(), ctx.problem.y_test  # y: (n, C), or (M, n, C) with one image per member
        f = spectral.dft2(self._img(y.double()))
        num = self._band_sum((spectral.dft2(self._img(out.double())) - f).abs().square())
        return {"psnr_test_curve": psnr(out[..., self._held, :], y[..., self._held, :]),
                "band_error": (num / self._band_sum(f.abs().square())).sqrt().to(out.dtype)}


def _probes(gr, spec: FourierImageSpec):
    return (_TrainPSNR(), _ImageProbe(gr, spec.record.n_bands))


def _record(spec: FourierImageSpec, probes) -> train.Record:
    snap = spec.record.snapshot_every or max(1, spec.train.steps // 25)
    return train.Record(every=spec.record.every, snapshot_every=snap, probes=probes)


# --------------------------------------------------------------------------------------------
# summary
# --------------------------------------------------------------------------------------------

def fourier_image_summary(history, gr: problems.GridImageRegression) -> dict:
    """``psnr_train`` / ``psnr_test`` of the final reconstruction ``history["output_image"]`` (dB,
    Tancik's definition) and the band errors over training (``band_error_steps`` × bands)."""
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
        "band_error": [[float(e) for e in row] for row in history["band_error"]],
        "final_band_error": [float(e) for e in history["band_error"][-1]],
    }


def summarize_fourier_image(spec: FourierImageSpec, plan: Plan, history) -> dict:
    return {} if history.diverged else fourier_image_summary(history, plan.context["image"])


def fourier_image_headline(spec: FourierImageSpec, summary: dict) -> list[str]:
    m = spec.model
    enc = m.encoding + (f" (σ = {m.sigma:g})" if m.encoding in ("gaussian", "positional") else "")
    return [f"{enc}: PSNR train {summary['psnr_train']:.2f} dB, test {summary['psnr_test']:.2f} dB "
            f"(every other pixel held out, image {summary['image_shape'][0]}×{summary['image_shape'][1]})",
            f"band errors (low → high) at the end: {[round(e, 3) for e in summary['final_band_error']]}"]


FOURIER_IMAGE = register_kind(Kind(
    "fourier-image", FourierImageSpec, build_fourier_image, summarize_fourier_image,
    "Fourier features (Tancik et al. 2020): fit an image from every other pixel with no / basic / positional / "
    "Gaussian input encoding; PSNR and radial-band errors", headline=fourier_image_headline))
