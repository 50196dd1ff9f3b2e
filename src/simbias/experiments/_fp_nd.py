"""The Frequency Principle on images and real high-dimensional data (arXiv 1808.04295, 1901.06523).

Three experiment kinds (papers.md §1.2–1.5, §2.3–2.4; targets T6–T8):

* ``fprinciple-2d`` — fit an image as a function (row, column) → gray value, training on every
  other column; the relative error per radial band of the 2-D DFT of the output on the training
  pixel grid is recorded every ``record.every`` steps, the output on the whole image at snapshots.
  Summary in the F-Principle format over bands (``frequencies`` = band centres in cycles per
  sample of the training grid, ``converged_step``, ``threshold``) plus the error on the whole
  image and on the held-out columns.
* ``fprinciple-projection`` — the projection method: Δ(k) at the peaks of the target's spectrum
  along the first principal component (or ``record.direction``; the data set's own direction for
  ``synthetic-projection``), for one output component.  F-Principle-format summary.
* ``fprinciple-filtering`` — the filtering method: e_low and e_high for several variances δ
  (given, or chosen so that the low band holds ``record.shares`` of the target's energy), with
  the low-band energy share of the target reported.

Projection and filtering run on scikit-learn's digits by default, with an MLP or the small CNN
(``model.kind``), MSE or cross-entropy; the measurements then use one-hot targets and softmax
outputs (author-code.md E8/E9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from .. import problems, train
from ..errors import InputError
from ..spectral import SCALES
from ._common import MLPSpec, TrainSpec, build_mlp, build_optimizer, converged_steps, seeds_for, torch_dtype
from ._fp_data import (DataSpec, DataTrainSpec, NetSpec, build_data_optimizer, build_data_problem, build_net)
from ._registry import BaseSpec, Result, register

__all__ = ["FP2DSpec", "ProjectionSpec", "FilteringSpec", "ImageSpec", "Record2DSpec", "ProjectionRecordSpec",
           "FilteringRecordSpec", "run_fprinciple_2d", "run_fprinciple_projection", "run_fprinciple_filtering",
           "band_summary"]


# --------------------------------------------------------------------------------------------
# fprinciple-2d
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageSpec:
    """The image to fit (see :func:`simbias.problems.image_to_regression`).

    ``path``: an image file (any format Pillow reads; gray conversion), else the built-in image
    (``source``: ``auto`` = scikit-learn's bundled photograph when installed, ``sklearn``,
    ``pattern`` = a generated test pattern).  ``size``: side of the central square crop resized
    to ``size × size`` (0 keeps a user image's pixels as they are).  ``holdout``: train on every
    other column (``columns``, the authors' choice), row, or on all pixels (``none``).
    ``scale``: pixel coordinates are divided by (H−1, W−1) (``unit``) or by this number (224 in
    the authors' code).  ``max_pixels``: the largest file (width × height) read, checked before
    decoding (default 40 megapixels, :data:`simbias.problems.MAX_PIXELS`).
    """

    path: str | None = None
    size: int = 48
    source: Literal["auto", "sklearn", "pattern"] = "auto"
    holdout: Literal["columns", "rows", "none"] = "columns"
    scale: Literal["unit"] | float = "unit"
    max_pixels: int = problems.MAX_PIXELS

    def validate(self):
        if self.size < 0:
            raise InputError("problem.size", f"got {self.size}", "use a positive side length (0 keeps a file's size)")
        if self.size == 0 and self.path is None:
            raise InputError("problem.size", "0 keeps a file's size, but no problem.path is given", "use e.g. 64")
        if self.max_pixels < 1:
            raise InputError("problem.max_pixels", f"got {self.max_pixels}", "use a positive number of pixels")
        if not isinstance(self.scale, str) and not self.scale > 0:
            raise InputError("problem.scale", f"got {self.scale}", "use 'unit' or a positive number such as 224")


@dataclass(frozen=True)
class Record2DSpec:
    """``every``: band errors on the training grid every this many steps; ``snapshot_every``:
    outputs on the whole image (default ≈ 50 snapshots); ``n_bands``: radial bands;
    ``threshold``: band error that counts as converged (papers.md T6 uses 0.2)."""

    every: int = 10
    snapshot_every: int | None = None
    n_bands: int = 6
    threshold: float = 0.2
    error_kind: Literal["complex", "magnitude"] = "complex"

    def validate(self):
        if self.n_bands < 1:
            raise InputError("record.n_bands", f"got {self.n_bands}", "use a positive number of bands")


@dataclass(frozen=True)
class FP2DSpec(BaseSpec):
    experiment: str = "fprinciple-2d"
    problem: ImageSpec = field(default_factory=ImageSpec)
    model: MLPSpec = field(default_factory=lambda: MLPSpec(widths=(200, 200, 200, 100)))
    train: TrainSpec = field(default_factory=lambda: TrainSpec(lr=1e-3, steps=6000))
    record: Record2DSpec = field(default_factory=Record2DSpec)


def _train_shape(shape: tuple[int, int], holdout: str) -> tuple[int, int]:
    h, w = shape
    if holdout == "columns":
        return h, (w + 1) // 2
    if holdout == "rows":
        return (h + 1) // 2, w
    return h, w


def band_summary(history, threshold: float, *, key: str = "band_error", freq_key: str = "band_frequencies") -> dict:
    """F-Principle-format numbers of a band-error history (rows = records, columns = bands)."""
    err = history[key]
    first, stays = converged_steps(history.steps, err, threshold)
    return {
        "frequencies": [round(float(f), 6) for f in history[freq_key]],
        "converged_step": first,
        "stays_converged_step": stays,
        "threshold": float(threshold),
        "final_band_error": [float(e) for e in err[-1]],
    }


@register("fprinciple-2d", FP2DSpec, "2-D Frequency Principle: fit an image (every other column held out), "
          "relative error per radial DFT band over training")
def run_fprinciple_2d(spec: FP2DSpec, *, device="cpu", progress=False) -> Result:
    dtype = torch_dtype(spec.dtype)
    seeds = seeds_for(spec.seed)
    p = spec.problem
    if p.path is not None:
        image = problems.load_image(p.path, size=p.size or None, gray=True, dtype=torch.float64,
                                    max_pixels=p.max_pixels)
    else:
        image = problems.default_image(p.size, source=p.source, dtype=torch.float64)
    ir = problems.image_to_regression(image, holdout=p.holdout, scale=p.scale, dtype=dtype)
    problem = ir.as_regression(name=p.path or f"default image ({p.source})").to(device=device)
    shape = tuple(ir.shape)
    tshape = _train_shape(shape, p.holdout)
    model = build_mlp(spec.model, 2, 1, seed=seeds["init"], dtype=dtype, device=device)
    opt = build_optimizer(spec.train, model.parameters())
    probes = (train.TrainLoss(), train.BandError(tshape, spec.record.n_bands, kind=spec.record.error_kind),
              train.BandError(shape, spec.record.n_bands, split="test", kind=spec.record.error_kind),
              train.TestError(), train.Snapshots())
    record = train.Record(every=spec.record.every, snapshot_every=spec.record.snapshot_every, probes=probes)
    gen = torch.Generator().manual_seed(seeds["batches"])
    history = train.fit(model, problem, opt, steps=spec.train.steps, loss=spec.train.loss,
                        derivative_weight=spec.train.derivative_weight, batch_size=spec.train.batch_size,
                        record=record, generator=gen, progress=progress, lr_decay=spec.train.lr_decay)
    if history.diverged:
        raise history.divergence_error(
            summary=band_summary(history, spec.record.threshold) if len(history.steps) else {})
    mask = ir.train_mask.cpu().numpy()
    history.static.update(image_shape=np.asarray(shape), train_shape=np.asarray(tshape), train_mask=mask)
    summary = band_summary(history, spec.record.threshold)
    out = history["output_test"][-1]
    target = history["y_test"][:, 0]
    summary["final_train_loss"] = float(history["train_loss"][-1])
    summary["test_error"] = float(np.mean((out - target) ** 2))
    summary["held_out_error"] = float(np.mean((out[~mask] - target[~mask]) ** 2)) if (~mask).any() else None
    summary["final_test_band_error"] = [float(e) for e in history["test_band_error"][-1]]
    summary["image_shape"] = list(shape)
    c = summary["converged_step"]
    head = [f"radial bands (centres {summary['frequencies'][0]:.3g} … {summary['frequencies'][-1]:.3g} cycles/sample) "
            f"reached error < {spec.record.threshold} at steps {c}",
            f"final train loss {summary['final_train_loss']:.3e}, whole-image MSE {summary['test_error']:.3e}"
            + (f", held-out columns {summary['held_out_error']:.3e}" if summary["held_out_error"] is not None else "")]
    return Result(history, summary, head)


# --------------------------------------------------------------------------------------------
# fprinciple-projection
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectionRecordSpec:
    """What the projection run records.

    ``direction``: the unit direction p (any non-zero vector of the input dimension; unset = the
    data set's own direction for ``synthetic-projection``, else the first principal component);
    ``component``: output column (class) analysed; ``k_max``/``n_k``: frequency grid
    ``linspace(0, k_max, n_k)`` in cycles per unit of p·x (unset k_max = 5/std(p·x));
    ``max_peaks``, ``rel_floor``, ``endpoints``: peak picking (k = 0 may be a peak, as in the
    authors' code); ``output``: ``auto`` = softmax for class labels; ``threshold``: Δ that counts
    as converged; ``every``/``snapshot_every``: schedules of Δ and of the full spectrum.
    """

    every: int = 1
    snapshot_every: int | None = None
    direction: tuple[float, ...] | None = None
    component: int = 0
    k_max: float | None = None
    n_k: int = 100
    max_peaks: int = 3
    rel_floor: float = 0.1
    endpoints: bool = True
    error_kind: Literal["complex", "magnitude"] = "complex"
    output: Literal["auto", "identity", "softmax"] = "auto"
    threshold: float = 0.1

    def validate(self):
        if self.direction is not None and not any(v != 0 for v in self.direction):
            raise InputError("record.direction", "is the zero vector", "pass a non-zero direction")
        if self.k_max is not None and not self.k_max > 0:
            raise InputError("record.k_max", f"got {self.k_max}", "use a positive number")
        if self.max_peaks < 1:
            raise InputError("record.max_peaks", f"got {self.max_peaks}", "use a positive number")


@dataclass(frozen=True)
class ProjectionSpec(BaseSpec):
    experiment: str = "fprinciple-projection"
    problem: DataSpec = field(default_factory=DataSpec)
    model: NetSpec = field(default_factory=NetSpec)
    train: DataTrainSpec = field(default_factory=DataTrainSpec)
    record: ProjectionRecordSpec = field(default_factory=ProjectionRecordSpec)


def _classification_probes(problem, loss: str) -> list:
    probes = [train.SupervisedLoss(loss)]
    y = problem.y_train
    if train.target_matrix(y).shape[1] > 1 or y.ndim == 1:
        probes.append(train.Accuracy())
    return probes


def _fit_data(spec, problem, model, loss: str, probes, *, seeds, progress, every, snapshot_every):
    opt = build_data_optimizer(spec.train, model.parameters())
    record = train.Record(every=every, snapshot_every=snapshot_every, probes=tuple(probes))
    gen = torch.Generator().manual_seed(seeds["batches"])
    return train.fit(model, problem, opt, steps=spec.train.steps, loss=loss, batch_size=spec.train.batch_size,
                     record=record, generator=gen, progress=progress, lr_decay=spec.train.lr_decay)


def projection_summary(history, threshold: float) -> dict:
    out: dict = {}
    if "projection_error" in history:
        err = history["projection_error"]
        first, stays = converged_steps(history.steps, err, threshold)
        out["frequencies"] = [round(float(f), 6) for f in history["projection_frequencies"]]
        out["converged_step"] = first
        out["stays_converged_step"] = stays
        out["final_peak_error"] = [float(e) for e in err[-1]]
    out["threshold"] = float(threshold)
    if "train_loss" in history:
        out["final_train_loss"] = float(history["train_loss"][-1])
    if "train_accuracy" in history:
        out["final_train_accuracy"] = float(history["train_accuracy"][-1])
    return out


@register("fprinciple-projection", ProjectionSpec, "Projection method: Δ at the peaks of the target's spectrum "
          "along the first principal component of real data (digits by default; MLP or CNN)")
def run_fprinciple_projection(spec: ProjectionSpec, *, device="cpu", progress=False) -> Result:
    dtype = torch_dtype(spec.dtype)
    seeds = seeds_for(spec.seed)
    problem, loss = build_data_problem(spec.problem, spec.train.loss, seed=seeds["data"], dtype=dtype, device=device)
    r = spec.record
    if r.direction is not None:
        direction, source = list(r.direction), "given"
    elif problem.info and "direction" in problem.info:
        direction, source = problem.info["direction"], "data"
    else:
        direction, source = None, "pc1"
    model = build_net(spec.model, problem, seed=seeds["init"], dtype=dtype, device=device)
    pe = train.ProjectionError(direction=direction, k_max=r.k_max, n_k=r.n_k, component=r.component,
                               output=r.output, max_peaks=r.max_peaks, rel_floor=r.rel_floor, endpoints=r.endpoints,
                               kind=r.error_kind)
    probes = _classification_probes(problem, loss) + [pe, train.ProjectionSpectrum(pe)]
    history = _fit_data(spec, problem, model, loss, probes, seeds=seeds, progress=progress, every=r.every,
                        snapshot_every=r.snapshot_every)
    if history.diverged:
        raise history.divergence_error(summary=projection_summary(history, r.threshold))
    summary = projection_summary(history, r.threshold)
    summary.update(direction=source, component=r.component, loss=loss, data=problem.name, n=int(problem.x_train.shape[0]))
    head = [f"projection along {'the first principal component' if source == 'pc1' else 'the ' + source + ' direction'}"
            f" (output {r.component}): peaks at k ≈ {[round(f, 3) for f in summary['frequencies']]} reached "
            f"Δ < {r.threshold} at steps {summary['converged_step']}",
            f"final train loss {summary['final_train_loss']:.3e}"
            + (f", train accuracy {summary['final_train_accuracy']:.3f}" if "final_train_accuracy" in summary else "")]
    return Result(history, summary, head)


# --------------------------------------------------------------------------------------------
# fprinciple-filtering
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilteringRecordSpec:
    """What the filtering run records.

    ``deltas``: the variances δ of the Gaussian filter (δ is a variance, in squared input
    units); empty = chosen so that the low band holds ``shares`` of the target's energy
    (papers.md §1.3: pick δ with 10–90 % low-band energy).  ``scale``: rescale the inputs first
    (:func:`simbias.spectral.rescale_inputs`).  ``output``: ``auto`` = softmax for class labels.
    ``every``: loss/accuracy; ``snapshot_every``: e_low/e_high (O(n²d) each; default ≈ 50).
    """

    every: int = 1
    snapshot_every: int | None = None
    deltas: tuple[float, ...] = ()
    shares: tuple[float, ...] = (0.8, 0.5, 0.3)
    scale: str = "none"
    output: Literal["auto", "identity", "softmax"] = "auto"

    def validate(self):
        bad = [d for d in self.deltas if not d > 0]
        if bad:
            raise InputError("record.deltas", f"got δ = {bad[0]} (δ is a variance)", "use positive values, e.g. [0.5, 1, 2]")
        if not self.deltas and (not self.shares or any(not 0 < s < 1 for s in self.shares)):
            raise InputError("record.shares", f"got {list(self.shares)}", "use energy shares strictly between 0 and 1")
        if self.scale not in SCALES:
            raise InputError("record.scale", f"got {self.scale!r}", f"choose one of {', '.join(SCALES)}")


@dataclass(frozen=True)
class FilteringSpec(BaseSpec):
    experiment: str = "fprinciple-filtering"
    problem: DataSpec = field(default_factory=DataSpec)
    model: NetSpec = field(default_factory=NetSpec)
    train: DataTrainSpec = field(default_factory=DataTrainSpec)
    record: FilteringRecordSpec = field(default_factory=FilteringRecordSpec)


def filtering_summary(history) -> dict:
    out: dict = {}
    if "e_low" in history:
        lo, hi = history["e_low"], history["e_high"]
        out["deltas"] = [float(d) for d in history["filter_deltas"]]
        out["low_energy_share"] = [float(s) for s in history["low_energy_share"]]
        out["e_low"] = [float(v) for v in lo[-1]]
        out["e_high"] = [float(v) for v in hi[-1]]
        out["initial_e_low"] = [float(v) for v in lo[0]]
        out["initial_e_high"] = [float(v) for v in hi[0]]
        later = slice(1, None) if lo.shape[0] > 1 else slice(0, None)
        out["low_below_high_fraction"] = [float(np.mean(lo[later, j] < hi[later, j])) for j in range(lo.shape[1])]
    if "train_loss" in history:
        out["final_train_loss"] = float(history["train_loss"][-1])
    if "train_accuracy" in history:
        out["final_train_accuracy"] = float(history["train_accuracy"][-1])
    return out


@register("fprinciple-filtering", FilteringSpec, "Filtering method: e_low and e_high of a Gaussian low/high split "
          "over real data for several δ (digits by default; MLP or CNN)")
def run_fprinciple_filtering(spec: FilteringSpec, *, device="cpu", progress=False) -> Result:
    dtype = torch_dtype(spec.dtype)
    seeds = seeds_for(spec.seed)
    problem, loss = build_data_problem(spec.problem, spec.train.loss, seed=seeds["data"], dtype=dtype, device=device)
    r = spec.record
    if r.deltas:
        deltas, chosen = list(r.deltas), "given"
    else:
        y = train.target_matrix(problem.y_train, problem.n_classes, dtype=problem.x_train.dtype)
        deltas, _ = train.choose_deltas(problem.x_train, y, r.shares)
        chosen = "energy shares"
    model = build_net(spec.model, problem, seed=seeds["init"], dtype=dtype, device=device)
    probes = _classification_probes(problem, loss) + [train.FilterError(deltas, output=r.output, scale=r.scale)]
    history = _fit_data(spec, problem, model, loss, probes, seeds=seeds, progress=progress, every=r.every,
                        snapshot_every=r.snapshot_every)
    if history.diverged:
        raise history.divergence_error(summary=filtering_summary(history))
    summary = filtering_summary(history)
    summary.update(deltas_from=chosen, loss=loss, data=problem.name, n=int(problem.x_train.shape[0]))
    head = []
    for d, s, lo, hi, fr in zip(summary["deltas"], summary["low_energy_share"], summary["e_low"], summary["e_high"],
                                summary["low_below_high_fraction"]):
        head.append(f"δ = {d:.4g}: low band holds {100 * s:.1f} % of the target energy; final e_low {lo:.3f}, "
                    f"e_high {hi:.3f}; e_low < e_high at {100 * fr:.0f} % of the later snapshots")
    head.append(f"final train loss {summary['final_train_loss']:.3e}"
                + (f", train accuracy {summary['final_train_accuracy']:.3f}" if "final_train_accuracy" in summary else ""))
    return Result(history, summary, head)
