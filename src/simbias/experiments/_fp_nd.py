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

from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

import numpy as np
import torch

from .. import problems, train
from ..errors import InputError
from ._common import (MLPSpec, PositiveFloat, Scale, Schedule, TrainSpec, Variances, build_mlp, build_record,
                      seeds_for, torch_dtype)
from ._fp_data import DataSpec, DataTrainSpec, NetSpec, build_data_problem, build_net, train_fit
from ._fprinciple import band_summary, fit_summary
from ._kind import Kind, Plan, register_kind
from ._registry import BaseSpec
from ._spec import Check, Positive, at_least

__all__ = ["FP2DSpec", "ProjectionSpec", "FilteringSpec", "ImageSpec", "Record2DSpec", "ProjectionRecordSpec",
           "FilteringRecordSpec", "FP2D", "PROJECTION", "FILTERING"]


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

    Parameters
    ----------
    path : str, optional
        An image file; unset: the built-in image chosen by ``source``.
    size : int, default 48
        Side of the square the image is cropped and resized to (0: a file's own size).
    source : {"auto", "sklearn", "pattern"}, default "auto"
        The built-in image when no ``path`` is given.
    holdout : {"columns", "rows", "none"}, default "columns"
        Train on every other column or row (the rest is the test set), or on all pixels.
    scale : "unit" or float, default "unit"
        Divide pixel coordinates by (H−1, W−1), or by this positive number.
    max_pixels : int, default 40 000 000
        The largest image (width × height) read from a file.
    """

    path: str | None = None
    size: Annotated[int, at_least(0, "use a positive side length (0 keeps a file's size)")] = 48
    source: Literal["auto", "sklearn", "pattern"] = "auto"
    holdout: Literal["columns", "rows", "none"] = "columns"
    scale: Annotated[Literal["unit"] | float, Check(lambda v: v == "unit" or v > 0,
                                                    "use 'unit' or a positive number such as 224")] = "unit"
    max_pixels: Positive = problems.MAX_PIXELS

    def validate(self):
        if self.size == 0 and self.path is None:
            raise InputError("problem.size", "0 keeps a file's size, but no problem.path is given", "use e.g. 64")


@dataclass(frozen=True)
class Record2DSpec(Schedule):
    """``every``: band errors on the training grid every this many steps; ``snapshot_every``:
    outputs on the whole image (default ≈ 50 snapshots); ``n_bands``: radial bands;
    ``threshold``: band error that counts as converged (papers.md T6 uses 0.2).

    Parameters
    ----------
    every : int, default 10
        Steps between band-error records on the training grid.
    snapshot_every : int, optional
        Steps between snapshots of the output on the whole image (unset: ≈ 50 snapshots).
    n_bands : int, default 6
        Number of radial frequency bands (≥ 1).
    threshold : float, default 0.2
        Relative band error below which a band counts as converged.
    error_kind : {"complex", "magnitude"}, default "complex"
        ``"complex"``: ‖ĥ − f̂‖/‖f̂‖ per band (the papers' definition); ``"magnitude"``: the
        same with |ĥ| and |f̂| (phases ignored).
    """

    every: Positive = 10
    n_bands: Positive = 6
    threshold: float = 0.2
    error_kind: Literal["complex", "magnitude"] = "complex"


@dataclass(frozen=True)
class FP2DSpec(BaseSpec):
    experiment: str = "fprinciple-2d"
    problem: ImageSpec = field(default_factory=ImageSpec)
    model: MLPSpec = field(default_factory=lambda: MLPSpec(widths=(200, 200, 200, 100)))
    train: TrainSpec = field(default_factory=lambda: TrainSpec(lr=1e-3, steps=6000))
    record: Record2DSpec = field(default_factory=Record2DSpec)


def _build_2d(spec: FP2DSpec, device: str = "cpu") -> Plan:
    dtype, seeds, p, r = torch_dtype(spec.dtype), seeds_for(spec.seed), spec.problem, spec.record
    image = problems.default_image(p.size, source=p.source, dtype=torch.float64) if p.path is None else \
        problems.load_image(p.path, size=p.size or None, gray=True, dtype=torch.float64, max_pixels=p.max_pixels)
    ir = problems.image_to_regression(image, holdout=p.holdout, scale=p.scale, dtype=dtype)
    problem = ir.as_regression(name=p.path or f"default image ({p.source})").to(device=device)
    shape, tshape = tuple(ir.shape), ir.train_shape
    model = build_mlp(spec.model, 2, 1, seed=seeds["init"], dtype=dtype, device=device)
    probes = (train.TrainLoss(), train.BandError(tshape, r.n_bands, kind=r.error_kind),
              train.BandError(shape, r.n_bands, split="test", kind=r.error_kind), train.TestError(), train.Snapshots())
    static = {"image_shape": np.asarray(shape), "train_shape": np.asarray(tshape),
              "train_mask": ir.train_mask.cpu().numpy()}
    return Plan([train_fit(spec.train, model, problem, build_record(r, probes), seed=seeds["batches"])], context=static,
                combine=lambda hs: replace(hs[0], static={**hs[0].static, **static}))


def _summarize_2d(spec: FP2DSpec, plan: Plan, history) -> dict:
    mask, out, target = plan.context["train_mask"], history["output_test"][-1], history["y_test"][:, 0]
    return {**band_summary(history, spec.record.threshold), **fit_summary(history),
            "test_error": float(np.mean((out - target) ** 2)),
            "held_out_error": float(np.mean((out[~mask] - target[~mask]) ** 2)) if (~mask).any() else None,
            "final_test_band_error": [float(e) for e in history["test_band_error"][-1]],
            "image_shape": [int(n) for n in plan.context["image_shape"]]}


def _headline_2d(spec: FP2DSpec, s: dict) -> list[str]:
    held = f", held-out columns {s['held_out_error']:.3e}" if s["held_out_error"] is not None else ""
    return [f"radial bands (centres {s['frequencies'][0]:.3g} … {s['frequencies'][-1]:.3g} cycles/sample) "
            f"reached error < {spec.record.threshold} at steps {s['converged_step']}",
            f"final train loss {s['final_train_loss']:.3e}, whole-image MSE {s['test_error']:.3e}{held}"]


FP2D = register_kind(Kind("fprinciple-2d", FP2DSpec, _build_2d, _summarize_2d,
                          "2-D Frequency Principle: fit an image (every other column held out), "
                          "relative error per radial DFT band over training", headline=_headline_2d))


# --------------------------------------------------------------------------------------------
# fprinciple-projection and fprinciple-filtering: an MLP or CNN on a data set
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectionRecordSpec(Schedule):
    """What the projection run records.

    ``direction``: the unit direction p (any non-zero vector of the input dimension; unset = the
    data set's own direction for ``synthetic-projection``, else the first principal component);
    ``component``: output column (class) analysed; ``k_max``/``n_k``: frequency grid
    ``linspace(0, k_max, n_k)`` in cycles per unit of p·x (unset k_max = 5/std(p·x));
    ``max_peaks``, ``rel_floor``, ``endpoints``: peak picking (k = 0 may be a peak, as in the
    authors' code); ``output``: ``auto`` = softmax for class labels; ``threshold``: Δ that counts
    as converged; ``every``/``snapshot_every``: schedules of Δ and of the full spectrum.

    Parameters
    ----------
    every : int, default 1
        Steps between records of Δ at the peaks.
    snapshot_every : int, optional
        Steps between records of the full projected spectrum (unset: ≈ 50 snapshots).
    direction : list of float, optional
        The direction p (normalised to unit length); unset: see above.
    component : int, default 0
        Output column (class) analysed.
    k_max : float, optional
        Largest frequency of the grid (> 0; unset: 5/std(p·x)).
    n_k : int, default 100
        Number of grid frequencies.
    max_peaks : int, default 3
        The most peaks kept (≥ 1; the lowest frequencies).
    rel_floor : float, default 0.1
        Maxima below this fraction of the largest are ignored.
    endpoints : bool, default True
        Whether the grid's end points may be peaks.
    error_kind : {"complex", "magnitude"}, default "complex"
        ``"complex"``: Δ(k) = |ĥ_k − f̂_k|/|f̂_k| (the papers' definition); ``"magnitude"``:
        ||ĥ_k| − |f̂_k||/|f̂_k|.
    output : {"auto", "identity", "softmax"}, default "auto"
        Transform of the output before projecting (``"auto"``: softmax for class labels).
    threshold : float, default 0.1
        Δ below which a peak counts as converged.
    """

    direction: Annotated[tuple[float, ...], Check(lambda v: any(x != 0 for x in v), "pass a non-zero direction")] \
        | None = None
    component: int = 0
    k_max: PositiveFloat | None = None
    n_k: int = 100
    max_peaks: Positive = 3
    rel_floor: float = 0.1
    endpoints: bool = True
    error_kind: Literal["complex", "magnitude"] = "complex"
    output: Literal["auto", "identity", "softmax"] = "auto"
    threshold: float = 0.1


@dataclass(frozen=True)
class _DataKindSpec(BaseSpec):
    problem: DataSpec = field(default_factory=DataSpec)
    model: NetSpec = field(default_factory=NetSpec)
    train: DataTrainSpec = field(default_factory=DataTrainSpec)


@dataclass(frozen=True)
class ProjectionSpec(_DataKindSpec):
    experiment: str = "fprinciple-projection"
    record: ProjectionRecordSpec = field(default_factory=ProjectionRecordSpec)


@dataclass(frozen=True)
class FilteringRecordSpec(Schedule):
    """What the filtering run records.

    ``deltas``: the variances δ of the Gaussian filter (δ is a variance, in squared input
    units); empty = chosen so that the low band holds ``shares`` of the target's energy
    (papers.md §1.3: pick δ with 10–90 % low-band energy).  ``scale``: rescale the inputs first
    (:func:`simbias.spectral.rescale_inputs`).  ``output``: ``auto`` = softmax for class labels.
    ``every``: loss/accuracy; ``snapshot_every``: e_low/e_high (O(n²d) each; default ≈ 50).

    Parameters
    ----------
    every : int, default 1
        Steps between records of loss and accuracy.
    snapshot_every : int, optional
        Steps between the low/high-frequency errors e_low, e_high (unset: ≈ 50 snapshots).
    deltas : list of float, default []
        Filter variances δ > 0; empty: chosen from ``shares``.
    shares : list of float, default [0.8, 0.5, 0.3]
        Low-band energy shares (each in (0, 1)) that pick δ when ``deltas`` is empty.
    scale : str, default "none"
        Input rescaling before filtering: ``"none"``, ``"max_norm"``, ``"rms_distance"`` or
        ``"mean_distance"``.
    output : {"auto", "identity", "softmax"}, default "auto"
        Transform of the output before filtering (``"auto"``: softmax for class labels).
    """

    deltas: Variances = ()
    shares: tuple[float, ...] = (0.8, 0.5, 0.3)
    scale: Scale = "none"
    output: Literal["auto", "identity", "softmax"] = "auto"

    def validate(self):
        if not self.deltas and (not self.shares or any(not 0 < s < 1 for s in self.shares)):
            raise InputError("record.shares", f"got {list(self.shares)}", "use energy shares strictly between 0 and 1")


@dataclass(frozen=True)
class FilteringSpec(_DataKindSpec):
    experiment: str = "fprinciple-filtering"
    record: FilteringRecordSpec = field(default_factory=FilteringRecordSpec)


def _data_plan(spec, device: str, probes) -> Plan:
    """The plan of a data-set kind; ``probes(problem, record_spec) -> (probes, context)`` adds the kind's own."""
    dtype, seeds, r = torch_dtype(spec.dtype), seeds_for(spec.seed), spec.record
    problem, loss = build_data_problem(spec.problem, spec.train.loss, seed=seeds["data"], dtype=dtype, device=device)
    own, ctx = probes(problem, r)
    model = build_net(spec.model, problem, seed=seeds["init"], dtype=dtype, device=device)
    common = [train.SupervisedLoss(loss)] + [train.Accuracy()] * (problem.y_train.ndim == 1 or problem.out_features > 1)
    fit = train_fit(spec.train, model, problem, build_record(r, tuple(common + own)), seed=seeds["batches"], loss=loss,
                    trainer=train.fit_job if loss == "cross_entropy" else None)
    return Plan([fit], context={**ctx, "loss": loss, "data": problem.name, "n": int(problem.x_train.shape[0])})


def _loss_line(s: dict) -> str:
    acc = f", train accuracy {s['final_train_accuracy']:.3f}" if "final_train_accuracy" in s else ""
    return f"final train loss {s['final_train_loss']:.3e}{acc}"


def _projection_probes(problem, r: ProjectionRecordSpec):
    probes, source = train.projection_probes(problem, direction=r.direction, k_max=r.k_max, n_k=r.n_k,
                                             component=r.component, output=r.output, max_peaks=r.max_peaks,
                                             rel_floor=r.rel_floor, endpoints=r.endpoints, kind=r.error_kind)
    return probes, {"direction": source, "component": r.component}


def projection_summary(history, threshold: float) -> dict:
    """F-Principle-format numbers of a ``projection_error`` history, with the final loss (and accuracy)."""
    out = band_summary(history, threshold, key="projection_error", freq_key="projection_frequencies",
                       final="final_peak_error") if "projection_error" in history else {"threshold": float(threshold)}
    return {**out, **fit_summary(history)}


def _headline_projection(spec: ProjectionSpec, s: dict) -> list[str]:
    along = "the first principal component" if s["direction"] == "pc1" else f"the {s['direction']} direction"
    return [f"projection along {along} (output {s['component']}): peaks at k ≈ {[round(f, 3) for f in s['frequencies']]}"
            f" reached Δ < {spec.record.threshold} at steps {s['converged_step']}", _loss_line(s)]


PROJECTION = register_kind(Kind(
    "fprinciple-projection", ProjectionSpec, lambda spec, device="cpu": _data_plan(spec, device, _projection_probes),
    lambda spec, plan, h: {**projection_summary(h, spec.record.threshold), **plan.context},
    "Projection method: Δ at the peaks of the target's spectrum along the first principal component of real data "
    "(digits by default; MLP or CNN)", headline=_headline_projection))


def _filtering_probes(problem, r: FilteringRecordSpec):
    probe, chosen = train.filter_probe(problem, r.deltas, r.shares, output=r.output, scale=r.scale)
    return [probe], {"deltas_from": chosen}


def filtering_summary(history) -> dict:
    """e_low / e_high numbers of a filtering history (final, initial, how often low < high)."""
    out: dict = {}
    if "e_low" in history:
        lo, hi = history["e_low"], history["e_high"]
        below = lo[1:] < hi[1:] if lo.shape[0] > 1 else lo < hi  # after the first snapshot, when there are more
        out = {"deltas": history["filter_deltas"], "low_energy_share": history["low_energy_share"], "e_low": lo[-1],
               "e_high": hi[-1], "initial_e_low": lo[0], "initial_e_high": hi[0], "low_below_high_fraction": below.mean(0)}
        out = {k: np.asarray(v, dtype=np.float64).tolist() for k, v in out.items()}
    return {**out, **fit_summary(history)}


def _headline_filtering(spec: FilteringSpec, s: dict) -> list[str]:
    return [f"δ = {d:.4g}: low band holds {100 * sh:.1f} % of the target energy; final e_low {lo:.3f}, e_high {hi:.3f}; "
            f"e_low < e_high at {100 * fr:.0f} % of the later snapshots"
            for d, sh, lo, hi, fr in zip(s["deltas"], s["low_energy_share"], s["e_low"], s["e_high"],
                                         s["low_below_high_fraction"])] + [_loss_line(s)]


FILTERING = register_kind(Kind(
    "fprinciple-filtering", FilteringSpec, lambda spec, device="cpu": _data_plan(spec, device, _filtering_probes),
    lambda spec, plan, h: {**filtering_summary(h), **plan.context},
    "Filtering method: e_low and e_high of a Gaussian low/high split over real data for several δ "
    "(digits by default; MLP or CNN)", headline=_headline_filtering))
