"""Probes for the Frequency Principle beyond 1-D (papers.md §1.2–1.6, §3.4).

They follow the probe protocol of :mod:`simbias.train._record` and work with any ``nn.Module``
(an MLP, :class:`simbias.nn.CNN`, a user's own network) and any supervised problem holding
``x_train`` (n, d) and ``y_train`` — float targets (n, c) or class labels ``long`` (n,).  For
class labels the *target* of every spectral measurement is the one-hot matrix and the *output*
is ``softmax(logits)`` (``output="auto"``; the authors filter and project the softmax outputs,
author-code.md E8/E9); for float targets both are used as they are.

* :class:`SupervisedLoss`     ``train_loss`` — MSE or cross-entropy on the training set.
* :class:`Accuracy`           ``train_accuracy`` / ``test_accuracy`` — argmax for labels, sign for
  a single ±1 output (parity).
* :class:`ProjectionError`    ``projection_error`` — Δ(k) = |ĥ_p(k) − ŷ_p(k)| / |ŷ_p(k)| at the peaks
  of |ŷ_p| along a direction p (first principal component by default), with
  ŷ_p(k) = (1/n) Σ_i y_i e^{−2πi k p·x_i} (projection method, arXiv 1901.06523).
* :class:`ProjectionSpectrum` ``projection_spectrum`` — |ĥ_p(k)| on the whole k grid (snapshot).
* :class:`FilterError`        ``e_low``, ``e_high`` per δ (filtering method, Gaussian kernel with
  variance δ, row-normalised; arXiv 1901.06523).
* :class:`BandError`          ``band_error`` / ``test_band_error`` — relative error per radial band of
  the 2-D DFT of an image output (papers.md §1.5; ours).
* :class:`DiagonalSpectrum`   ``diagonal_spectrum`` — |F(κ)| = |mean_i h(x_i) e^{−iκ Σ_j x_ij}| along
  the diagonal of the Boolean cube (parity, papers.md §1.6).
* :class:`EffectiveTargetLFR` ``effective_lfr`` — LFR(δ) of the effective target S_l(x_i) → y_i of
  every hidden layer l (deep frequency principle, arXiv 2007.14313).

Helpers: :func:`target_matrix`, :func:`output_transform`, :func:`choose_deltas` (variances δ at
which the low band carries given shares of the target's energy).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from .. import spectral
from ..errors import InputError
from ._record import RecordContext

__all__ = ["SupervisedLoss", "Accuracy", "ProjectionError", "ProjectionSpectrum", "FilterError", "BandError",
           "DiagonalSpectrum", "EffectiveTargetLFR", "target_matrix", "output_transform", "choose_deltas",
           "is_classification"]

OUTPUTS = ("auto", "identity", "softmax")


def is_classification(y: Tensor) -> bool:
    """Class labels: a 1-D integer tensor."""
    return y.ndim == 1 and not (y.is_floating_point() or y.is_complex())


def target_matrix(y: Tensor, n_classes: int | None = None, *, dtype=None) -> Tensor:
    """The (n, c) float matrix a spectral measure compares against: one-hot rows for labels."""
    if is_classification(y):
        c = n_classes if n_classes is not None else int(y.max()) + 1
        return torch.nn.functional.one_hot(y.long(), c).to(dtype or torch.get_default_dtype())
    if y.ndim == 1:
        y = y[:, None]
    return y.to(dtype) if dtype is not None else y


def output_transform(output: str, problem) -> Callable[[Tensor], Tensor]:
    """``softmax`` over the last axis, or the identity; ``"auto"`` = softmax for class labels."""
    if output not in OUTPUTS:
        raise InputError("record.output", f"got {output!r}", f"choose one of {', '.join(OUTPUTS)}")
    if output == "auto":
        output = "softmax" if is_classification(problem.y_train) else "identity"
    if output == "softmax":
        return lambda out: torch.softmax(out, dim=-1)
    return lambda out: out if out.ndim > 1 else out[:, None]


def _points(problem, name: str = "x_train") -> Tensor:
    x = getattr(problem, name)
    if x.ndim == 1:
        x = x[:, None]
    return x.reshape(x.shape[0], -1)


class SupervisedLoss:
    """``train_loss``: MSE (mean over points and outputs) or cross-entropy (logits vs labels).

    A cheap probe for data sets: MSE = mean over points and outputs of (h − y)²;
    cross-entropy = mean over points of −log softmax(h)_y.

    Parameters
    ----------
    loss : {"mse", "cross_entropy"}
        Which loss to record.

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> from simbias.train import Record, fit
    >>> x = torch.randn(200, 5, generator=torch.Generator().manual_seed(0))
    >>> y = (x[:, 0] > 0).long()                       # two classes
    >>> prob = SimpleNamespace(x_train=x, y_train=y, x_test=x, y_test=y, n_classes=2)
    >>> net = torch.nn.Sequential(torch.nn.Linear(5, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    >>> rec = Record(every=10, probes=[SupervisedLoss("cross_entropy")])
    >>> fit(net, prob, "adam", lr=1e-2, steps=20, loss="cross_entropy", record=rec).arrays["train_loss"].shape
    (3,)
    """

    snapshot = False

    def __init__(self, loss: str = "mse"):
        if loss not in ("mse", "cross_entropy"):
            raise InputError("train.loss", f"got {loss!r}", "choose 'mse' or 'cross_entropy'")
        self.loss = loss

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        return {}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        out, y = ctx.output_on_train(), ctx.problem.y_train
        if self.loss == "cross_entropy":
            return {"train_loss": torch.nn.functional.cross_entropy(out, y)}
        return {"train_loss": ((out - y) ** 2).mean()}


def _accuracy(out: Tensor, y: Tensor) -> Tensor:
    if is_classification(y):
        return (out.argmax(-1) == y).to(torch.float64).mean()
    yy = y if y.ndim > 1 else y[:, None]
    oo = out if out.ndim > 1 else out[:, None]
    if yy.shape[-1] == 1:  # ±1 labels: agreement of signs
        return (torch.sign(oo[:, 0]) == torch.sign(yy[:, 0])).to(torch.float64).mean()
    return (oo.argmax(-1) == yy.argmax(-1)).to(torch.float64).mean()


class Accuracy:
    """``train_accuracy`` (cheap) or ``test_accuracy`` (snapshot; on ``x_test``/``y_test``).

    Labels: argmax of the output; one float output: sign agreement with the ±1 targets; several
    float outputs: argmax of output vs argmax of target.  The fraction correct, in [0, 1].

    Parameters
    ----------
    split : {"train", "test"}
        ``"train"``: a cheap probe on the training output; ``"test"``: a snapshot probe on
        the problem's ``x_test``/``y_test``.

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> from simbias.train import Record, fit
    >>> x = torch.randn(200, 5, generator=torch.Generator().manual_seed(0))
    >>> y = (x[:, 0] > 0).long()                       # two classes
    >>> prob = SimpleNamespace(x_train=x, y_train=y, x_test=x, y_test=y, n_classes=2)
    >>> net = torch.nn.Sequential(torch.nn.Linear(5, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    >>> rec = Record(every=10, snapshot_every=10, probes=[Accuracy(), Accuracy("test")])
    >>> h = fit(net, prob, "adam", lr=1e-2, steps=20, loss="cross_entropy", record=rec)
    >>> h.arrays["train_accuracy"].shape, h.arrays["test_accuracy"].shape
    ((3,), (3,))
    """

    def __init__(self, split: str = "train"):
        if split not in ("train", "test"):
            raise InputError("split", f"got {split!r}", "choose 'train' or 'test'")
        self.split = split
        self.snapshot = split == "test"

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        if self.split == "test" and getattr(problem, "x_test", None) is None:
            raise InputError("problem", "has no x_test for a test accuracy", "give the problem a held-out set")
        return {}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        if self.split == "train":
            return {"train_accuracy": _accuracy(ctx.output_on_train(), ctx.problem.y_train)}
        with torch.no_grad():
            out = ctx.model(ctx.problem.x_test)
        return {"test_accuracy": _accuracy(out, ctx.problem.y_test)}


class ProjectionError:
    """``projection_error``: Δ(k) at the peaks of the target's spectrum along a direction p.

    ŷ_p(k) = (1/n) Σ_i y_i e^{−2πi k s_i}, s_i = p·x_i (uncentred inputs, unit p; k in cycles per
    unit of s), for one output ``component``; Δ(k) = |ĥ_p(k) − ŷ_p(k)| / |ŷ_p(k)| (``kind=
    "complex"``, as the authors' projection code) or the magnitude variant.  Projection method of
    arXiv 1901.06523 (papers.md §1.2, author-code.md E9).

    A cheap probe.  Static arrays: ``projection_k``, ``projection_target_spectrum`` (|ŷ_p| on
    the grid), ``projection_peaks`` (grid indices), ``projection_frequencies`` (k at the peaks),
    ``projection_direction``.

    Parameters
    ----------
    direction : sequence of float, optional
        A length-d vector (normalised here); ``None``: the first principal component of
        ``x_train``.
    k : sequence of float, optional
        The frequency grid; default ``linspace(0, k_max, n_k)``.
    k_max : float, optional
        Top of the default grid; ``None`` → 5 / std(s) (a few oscillations across the spread of
        the data; e.g. ≈ 5 for standard normal projections).
    n_k : int
        Points of the default grid (≥ 3).
    component : int
        Which output column (class) is analysed.
    output : {"auto", "identity", "softmax"}
        Transform of the output (``"auto"``: softmax for labels).
    max_peaks : int, optional
        Track the first (lowest-k) peaks.
    rel_floor : float
        Ignore maxima below this fraction of the largest (sampling noise of the NUDFT of n
        random points is ~1/√n; the default 0.1 keeps only clear peaks).
    endpoints : bool
        Admit k = 0 (and the grid's end) as a peak, as the authors' projection code.
    kind : {"complex", "magnitude"}
        The error variant.

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> from simbias.train import Record, fit
    >>> x = torch.randn(200, 5, generator=torch.Generator().manual_seed(0))
    >>> y = (x[:, 0] > 0).long()                       # two classes
    >>> prob = SimpleNamespace(x_train=x, y_train=y, x_test=x, y_test=y, n_classes=2)
    >>> net = torch.nn.Sequential(torch.nn.Linear(5, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    >>> probe = ProjectionError(direction=[1, 0, 0, 0, 0])
    >>> h = fit(net, prob, "adam", lr=1e-2, steps=20, loss="cross_entropy",
    ...         record=Record(every=10, probes=[probe]))
    >>> h.arrays["projection_error"].shape, h.static["projection_k"].shape
    ((3, 3), (100,))
    """

    snapshot = False

    def __init__(self, *, direction: Any = None, k: Any = None, k_max: float | None = None, n_k: int = 100,
                 component: int = 0, output: str = "auto", max_peaks: int | None = 3, rel_floor: float = 0.1,
                 endpoints: bool = True, kind: str = "complex"):
        if kind not in ("complex", "magnitude"):
            raise InputError("record.error_kind", f"got {kind!r}", "choose 'complex' or 'magnitude'")
        if k_max is not None and not (isinstance(k_max, (int, float)) and k_max > 0 and math.isfinite(k_max)):
            raise InputError("record.k_max", f"got {k_max!r}", "use a positive number or leave it unset")
        if isinstance(n_k, bool) or not isinstance(n_k, int) or n_k < 3:
            raise InputError("record.n_k", f"got {n_k!r}", "use an integer ≥ 3")
        if isinstance(component, bool) or not isinstance(component, int) or component < 0:
            raise InputError("record.component", f"got {component!r}", "use a non-negative output index")
        self.direction, self.k, self.k_max, self.n_k = direction, k, k_max, n_k
        self.component, self.output, self.max_peaks = component, output, max_peaks
        self.rel_floor, self.endpoints, self.kind = rel_floor, endpoints, kind

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        self._transform = output_transform(self.output, problem)
        x = _points(problem).to(torch.float64)
        n, d = x.shape
        if self.direction is None:
            p = spectral.first_principal_component(x)
        else:
            try:
                p = torch.as_tensor(self.direction, dtype=torch.float64).flatten().to(x.device)
            except (TypeError, ValueError, RuntimeError):
                raise InputError("record.direction", f"got {self.direction!r}", f"pass {d} numbers") from None
            if p.shape != (d,):
                raise InputError("record.direction", f"has {p.numel()} entries but the inputs have {d} dimensions",
                                 f"pass a direction of length {d}, or leave it unset for the first principal component")
            if not bool(torch.isfinite(p).all()) or float(p.norm()) == 0.0:
                raise InputError("record.direction", "is zero or not finite", "pass a non-zero finite vector")
            p = p / p.norm()
        s = x @ p
        y = target_matrix(problem.y_train, getattr(problem, "n_classes", None), dtype=torch.float64)
        if self.component >= y.shape[1]:
            raise InputError("record.component", f"got {self.component} for {y.shape[1]} output(s)",
                             f"use 0 … {y.shape[1] - 1}")
        yc = y[:, self.component]
        if self.k is not None:
            k = torch.as_tensor(self.k, dtype=torch.float64).flatten()
        else:
            sd = float(s.std())
            if not sd > 0:
                raise InputError("record.direction", "every input projects to the same value",
                                 "choose another direction")
            k = torch.linspace(0.0, self.k_max or 5.0 / sd, self.n_k, dtype=torch.float64)
        spec = spectral.nudft(s, yc, k.to(x.device), norm="forward")
        mag = spec.abs()
        peaks = spectral.find_peaks(mag, rel_floor=self.rel_floor, endpoints=self.endpoints, max_peaks=self.max_peaks)
        if len(peaks) == 0:
            raise InputError("record.k_max", "the target has no spectral peak along the direction on this k grid",
                             "widen the grid (record.k_max) or choose another direction/component")
        kp = k.to(x.device)[peaks]
        self._s, self._k_grid = s, k
        self._basis = torch.exp(-2j * math.pi * s[:, None] * kp[None, :]) / n  # (n, P)
        self._target_hat = yc.to(self._basis.dtype) @ self._basis
        return {
            "projection_k": k.cpu().numpy(),
            "projection_target_spectrum": mag.cpu().numpy(),
            "projection_peaks": peaks.cpu().numpy(),
            "projection_frequencies": kp.cpu().numpy(),
            "projection_direction": p.cpu().numpy(),
        }

    def output_component(self, out: Tensor) -> Tensor:
        return self._transform(out)[..., self.component]

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        h = self.output_component(ctx.output_on_train()).to(torch.float64)
        pred_hat = h.to(self._basis.dtype) @ self._basis.to(h.device)
        return {"projection_error": spectral.frequency_error(pred_hat, self._target_hat.to(h.device), kind=self.kind)}


class ProjectionSpectrum:
    """``projection_spectrum``: |ĥ_p(k)| of the output on the whole k grid of a :class:`ProjectionError`
    (a snapshot probe: list it after that probe, which it reads its direction and grid from).

    ĥ_p(k) = (1/n) Σ_i h(x_i) e^{−2πi k s_i}, s_i = p·x_i, of the source's output component.

    Parameters
    ----------
    source : ProjectionError
        The probe whose direction, grid, component and output transform are used.

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> from simbias.train import Record, fit
    >>> x = torch.randn(200, 5, generator=torch.Generator().manual_seed(0))
    >>> y = (x[:, 0] > 0).long()                       # two classes
    >>> prob = SimpleNamespace(x_train=x, y_train=y, x_test=x, y_test=y, n_classes=2)
    >>> net = torch.nn.Sequential(torch.nn.Linear(5, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    >>> source = ProjectionError()
    >>> rec = Record(every=10, snapshot_every=10, probes=[source, ProjectionSpectrum(source)])
    >>> h = fit(net, prob, "adam", lr=1e-2, steps=20, loss="cross_entropy", record=rec)
    >>> h.arrays["projection_spectrum"].shape
    (3, 100)
    """

    snapshot = True

    def __init__(self, source: ProjectionError):
        if not isinstance(source, ProjectionError):
            raise InputError("source", f"got {type(source).__name__}", "pass the ProjectionError probe")
        self.source = source

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        if not hasattr(self.source, "_s"):
            self.source.setup(model, problem)
        return {}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        src = self.source
        h = src.output_component(ctx.output_on_train()).to(torch.float64)
        spec = spectral.nudft(src._s.to(h.device), h, src._k_grid.to(h.device), norm="forward")
        return {"projection_spectrum": spec.abs()}


class FilterError:
    """``e_low`` and ``e_high`` (one value per δ): the filtering method on the training set.

    y^{low,δ}_i = Σ_j y_j G(x_i − x_j) / Σ_j G(x_i − x_j), G(z) = exp(−|z|²/(2δ)) (δ a variance),
    e_low = ‖y^low − h^low‖/‖y^low‖, e_high = ‖y^high − h^high‖/‖y^high‖ over points and
    components (arXiv 1901.06523; author-code.md E8), with y the one-hot labels and h the softmax
    outputs for classification.  Computed by :func:`simbias.spectral.filter_errors` (streamed, all δ
    in one pass over the distance tiles).  Expensive (O(n²d) per call): a snapshot probe by
    default.  Static: ``filter_deltas``, ``low_energy_share`` = LFR(δ) of the target.

    Parameters
    ----------
    deltas : sequence of float
        The variances δ > 0 (see :func:`choose_deltas`).
    output : {"auto", "identity", "softmax"}
        Transform of the output (``"auto"``: softmax for labels).
    scale : {"none", "max_norm", "rms_distance", "mean_distance"}
        Rescaling of the inputs before filtering (:func:`simbias.spectral.rescale_inputs`).
    chunk_size : int, optional
        Rows per distance tile (memory bound).
    snapshot : bool
        Run at the snapshot steps (default) or at every record step.

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> from simbias.train import Record, fit
    >>> x = torch.randn(200, 5, generator=torch.Generator().manual_seed(0))
    >>> y = (x[:, 0] > 0).long()                       # two classes
    >>> prob = SimpleNamespace(x_train=x, y_train=y, x_test=x, y_test=y, n_classes=2)
    >>> net = torch.nn.Sequential(torch.nn.Linear(5, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    >>> rec = Record(every=10, snapshot_every=10, probes=[FilterError([1.0, 3.0])])
    >>> h = fit(net, prob, "adam", lr=1e-2, steps=20, loss="cross_entropy", record=rec)
    >>> h.arrays["e_low"].shape, h.arrays["e_high"].shape
    ((3, 2), (3, 2))
    """

    def __init__(self, deltas: Sequence[float], *, output: str = "auto", scale: str = "none",
                 chunk_size: int | None = None, snapshot: bool = True):
        try:
            d = [float(v) for v in deltas]
        except (TypeError, ValueError):
            raise InputError("record.deltas", f"got {deltas!r}", "pass a list of positive variances") from None
        if not d:
            raise InputError("record.deltas", "got an empty list", "pass at least one positive variance δ")
        bad = [v for v in d if not v > 0]
        if bad:
            raise InputError("record.deltas", f"got δ = {bad[0]!r} (δ is a variance)", "use positive values, e.g. [1, 3, 10]")
        self.deltas, self.output, self.scale, self.chunk_size = d, output, scale, chunk_size
        self.snapshot = bool(snapshot)

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        self._transform = output_transform(self.output, problem)
        self._x = _points(problem)
        self._y = target_matrix(problem.y_train, getattr(problem, "n_classes", None), dtype=self._x.dtype)
        share = spectral.low_frequency_ratio(self._x, self._y, self.deltas, scale=self.scale, chunk_size=self.chunk_size)
        return {"filter_deltas": np.asarray(self.deltas), "low_energy_share": share.cpu().numpy()}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        h = self._transform(ctx.output_on_train()).to(self._y.dtype)
        e_low, e_high = spectral.filter_errors(self._x, self._y, h, deltas=self.deltas, scale=self.scale,
                                               chunk_size=self.chunk_size)
        return {"e_low": e_low, "e_high": e_high}


def choose_deltas(x: Tensor, values: Tensor, shares: Sequence[float] = (0.8, 0.5, 0.3), *, n_grid: int = 33,
                  chunk_size: int | None = None) -> tuple[list[float], list[float]]:
    """Variances δ at which the low band holds given shares of the energy of ``values``.

    LFR(δ) = Σ|y^{low,δ}|²/Σ|y|² is evaluated on δ = D̄ · 10^{−3 … 1} (``n_grid`` log-spaced
    points, D̄ the mean squared pairwise distance of ``x``) and inverted by interpolation in
    log δ; shares outside the range LFR reaches (it falls from 1 to the mean's share as δ grows)
    are clipped to the nearest reachable value.  Returns (deltas, their LFR), deltas increasing.
    papers.md §1.3 asks for δ "so that the low part carries a non-trivial fraction (10–90 %)".
    """
    xt = x.reshape(x.shape[0], -1)
    xc = xt - xt.mean(0, keepdim=True)
    mean_sq = float(2.0 * xc.pow(2).sum() / max(xt.shape[0] - 1, 1))
    if not mean_sq > 0:
        raise InputError("x", "all points are equal", "the filtering method needs points that differ")
    grid = mean_sq * np.logspace(-3, 1, n_grid)
    lfr = spectral.low_frequency_ratio(xt, values, grid.tolist(), chunk_size=chunk_size).double().cpu().numpy()
    lfr_mono = np.minimum.accumulate(lfr)  # decreasing envelope, so the inverse is well defined
    out = []
    for s in shares:
        s = float(np.clip(s, lfr_mono[-1] + 1e-9, lfr_mono[0] - 1e-9))
        j = int(np.argmax(lfr_mono <= s))
        j = max(j, 1)
        a, b = lfr_mono[j - 1], lfr_mono[j]
        t = 0.0 if a == b else (a - s) / (a - b)
        out.append(float(np.exp(np.log(grid[j - 1]) + t * (np.log(grid[j]) - np.log(grid[j - 1])))))
    out = sorted({float(f"{d:.4g}") for d in out})
    share = spectral.low_frequency_ratio(xt, values, out, chunk_size=chunk_size).double().cpu().numpy()
    return out, share.tolist()


class BandError:
    """``band_error`` (on the training grid, cheap) or ``test_band_error`` (full image, snapshot).

    The output on a regular grid of pixels (rows of ``x_train`` — or of ``x_test`` with
    ``split="test"`` — in row-major order of ``shape``) is compared with the target image band
    by band: E_b = ‖ĥ − f̂‖_band / ‖f̂‖_band over the radial bands of the 2-D DFT
    (:func:`simbias.spectral.band_errors`; our proposal for papers.md §1.5, target T6).  Colour
    outputs (c > 1 channels) are combined into one norm per band.  Static:
    ``band_frequencies`` / ``test_band_frequencies`` — the band centres in cycles per sample of
    the grid (and ``band_counts``, the DFT coefficients per band).

    Parameters
    ----------
    shape : (int, int)
        (H, W) of the pixel grid; H·W must equal the number of rows.
    n_bands : int
        Number of radial bands of equal width up to the largest radial frequency.
    split : {"train", "test"}
        ``"train"``: a cheap probe on ``x_train``; ``"test"``: a snapshot probe on ``x_test``.
    kind : {"complex", "magnitude"}
        ‖ĥ − f̂‖ or ‖|ĥ| − |f̂|‖ per band.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import MLP
    >>> from simbias.problems import image_to_regression
    >>> from simbias.train import Record, fit
    >>> img = torch.rand(8, 8, generator=torch.Generator().manual_seed(0))
    >>> prob = image_to_regression(img, holdout="none").as_regression()
    >>> net = MLP(2, [32], 1, generator=torch.Generator().manual_seed(0))
    >>> h = fit(net, prob, "adam", lr=1e-2, steps=20, record=Record(every=10, probes=[BandError((8, 8), 4)]))
    >>> h.arrays["band_error"].shape
    (3, 4)
    """

    def __init__(self, shape: Sequence[int], n_bands: int = 8, *, split: str = "train", kind: str = "complex"):
        try:
            hw = tuple(int(s) for s in shape)
        except (TypeError, ValueError):
            raise InputError("shape", f"got {shape!r}", "pass (H, W)") from None
        if len(hw) != 2 or min(hw) < 1:
            raise InputError("shape", f"got {shape!r}", "pass (H, W) with positive sizes")
        if isinstance(n_bands, bool) or not isinstance(n_bands, int) or n_bands < 1:
            raise InputError("record.n_bands", f"got {n_bands!r}", "use a positive integer")
        if split not in ("train", "test"):
            raise InputError("split", f"got {split!r}", "choose 'train' or 'test'")
        self.shape, self.n_bands, self.split, self.kind = hw, n_bands, split, kind
        self.snapshot = split == "test"
        self.key = "band_error" if split == "train" else "test_band_error"

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        y = problem.y_train if self.split == "train" else problem.y_test
        h, w = self.shape
        if y.shape[0] != h * w:
            raise InputError("shape", f"{self.shape} has {h * w} pixels but the {self.split} set has {y.shape[0]} rows",
                             "pass the shape of the pixel grid")
        self._target = self._image(y)
        r = torch.sqrt(torch.fft.fftfreq(h, dtype=torch.float64)[:, None] ** 2
                       + torch.fft.fftfreq(w, dtype=torch.float64)[None, :] ** 2).max()
        centres = (torch.arange(self.n_bands, dtype=torch.float64) + 0.5) * r / self.n_bands
        bands = spectral.radial_bands(self.shape, self.n_bands)
        counts = torch.bincount(bands.flatten(), minlength=self.n_bands)
        prefix = "" if self.split == "train" else "test_"
        return {f"{prefix}band_frequencies": centres.numpy(), f"{prefix}band_counts": counts.numpy()}

    def _image(self, v: Tensor) -> Tensor:
        v = v if v.ndim > 1 else v[:, None]
        return v.reshape(*self.shape, v.shape[-1]).movedim(-1, 0)  # (C, H, W)

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        if self.split == "train":
            out = ctx.output_on_train()
        else:
            with torch.no_grad():
                out = ctx.model(ctx.problem.x_test)
        img = self._image(out).to(self._target.dtype)
        hh, ff = spectral.dft2(img), spectral.dft2(self._target)
        num = (hh - ff).abs() if self.kind == "complex" else (hh.abs() - ff.abs()).abs()
        bands = spectral.radial_bands(self.shape, self.n_bands, device=img.device).flatten()
        e_num = torch.zeros(self.n_bands, dtype=num.dtype, device=img.device).index_add_(
            0, bands.repeat(num.shape[0]), num.square().reshape(-1))
        e_den = torch.zeros_like(e_num).index_add_(0, bands.repeat(num.shape[0]), ff.abs().square().reshape(-1))
        return {self.key: (e_num / e_den).sqrt()}


class DiagonalSpectrum:
    """``diagonal_spectrum``: |F(κ)| with F(κ) = mean_i h(x_i) e^{−iκ Σ_j x_ij} over ``points``
    (default: the problem's ``x_test``; pass ``points``/``labels``, e.g. all 2^d inputs).

    For Boolean inputs x ∈ {−1, 1}^d this is the Fourier transform along the diagonal
    k = (κ, …, κ) (papers.md §1.6; the authors' parity code).  For the parity Π_j x_j on all
    2^d points, F(κ) = (−i)^d sin^d κ, peaked at κ = π/2.  Computed as the projection-method NUDFT
    along the unit diagonal u = (1, …, 1)/√d at k = κ√d/(2π) cycles, so the abscissa
    κ√d/(2π) the authors plot is that k.  Static: ``kappa``, ``parity_spectrum`` (|sin κ|^d),
    ``target_spectrum`` and ``train_target_spectrum`` (|F| of the labels on the points and on
    ``x_train``).  A snapshot probe.

    Parameters
    ----------
    kappa : sequence of float, optional
        The κ grid (default ``linspace(0, π/2, n_kappa)``).
    n_kappa : int
        Points of the default grid.
    points, labels : Tensor, optional
        Where to evaluate (both or neither); default the problem's ``x_test``/``y_test``.

    Examples
    --------
    >>> import itertools, torch
    >>> from simbias.nn import MLP
    >>> from simbias.problems import Regression
    >>> from simbias.train import Record, fit
    >>> x = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=4)))   # all 2^4 inputs
    >>> y = x.prod(dim=1, keepdim=True)                                   # parity
    >>> prob = Regression(x, y, y, x, y)
    >>> net = MLP(4, [32], 1, generator=torch.Generator().manual_seed(0))
    >>> rec = Record(snapshot_every=10, probes=[DiagonalSpectrum(n_kappa=5)])
    >>> h = fit(net, prob, "adam", lr=1e-2, steps=20, record=rec)
    >>> h.arrays["diagonal_spectrum"].shape
    (3, 5)
    >>> bool(abs(h.static["target_spectrum"] - h.static["parity_spectrum"]).max() < 1e-12)
    True
    """

    snapshot = True

    def __init__(self, kappa: Any = None, *, n_kappa: int = 101, points: Tensor | None = None,
                 labels: Tensor | None = None):
        if kappa is None:
            kappa = torch.linspace(0, math.pi / 2, n_kappa, dtype=torch.float64)
        self.kappa = torch.as_tensor(kappa, dtype=torch.float64).flatten()
        if (points is None) != (labels is None):
            raise InputError("points", "give both points and labels, or neither", "e.g. all 2^d inputs and their parity")
        self.points, self.labels = points, labels

    def _spectrum(self, x: Tensor, v: Tensor) -> Tensor:
        d = x.shape[1]
        k = self.kappa.to(x.device) * math.sqrt(d) / (2 * math.pi)
        spec = spectral.nudft_along(x.to(torch.float64), v.to(torch.float64), torch.ones(d, dtype=torch.float64,
                                    device=x.device), k, norm="forward")
        return spec.abs()

    def _xy(self, problem) -> tuple[Tensor, Tensor]:
        if self.points is not None:
            return self.points.reshape(self.points.shape[0], -1), self.labels
        return _points(problem, "x_test"), problem.y_test

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        x, y = self._xy(problem)
        d = x.shape[1]
        return {
            "kappa": self.kappa.numpy(),
            "parity_spectrum": (self.kappa.sin().abs() ** d).numpy(),
            "target_spectrum": self._spectrum(x, target_matrix(y)[:, 0]).cpu().numpy(),
            "train_target_spectrum": self._spectrum(_points(problem), target_matrix(problem.y_train)[:, 0]).cpu().numpy(),
        }

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        x, _ = self._xy(ctx.problem)
        with torch.no_grad():
            out = ctx.model(x)
        out = out if out.ndim > 1 else out[:, None]
        return {"diagonal_spectrum": self._spectrum(x, out[:, 0])}


class EffectiveTargetLFR:
    """``effective_lfr`` (layers × δ): LFR(δ) of the effective target of every hidden layer.

    The deep frequency principle (Xu & Zhou, arXiv 2007.14313; papers.md §3.4): after the first l
    layers the remaining network learns the map S_l(x_i) → y_i.  Its low-frequency ratio
    LFR(δ) = Σ|y^{low,δ}|²/Σ|y|², with the filter on the points S_l(x_i) rescaled by ``scale``
    (default: mean squared pairwise distance 1, so δ is comparable across layers; the paper's
    exact normalisation is not verified, papers.md §8.6), is recorded for l = 0 (the inputs
    themselves, when ``include_input``) and every hidden layer the model's ``hidden(x)`` returns
    (:class:`simbias.nn.MLP`, :class:`simbias.nn.CNN`, or any model with such a method).  Higher
    LFR = lower-frequency effective target.  A layer whose outputs are all equal gets NaN.
    A snapshot probe.  Static: ``lfr_deltas``, ``lfr_layers``.

    Parameters
    ----------
    deltas : sequence of float
        The variances δ > 0.
    scale : {"none", "max_norm", "rms_distance", "mean_distance"}
        Rescaling of each layer's points (:func:`simbias.spectral.rescale_inputs`).
    include_input : bool
        Also record l = 0 (the inputs).
    chunk_size : int, optional
        Rows per distance tile (memory bound).

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import MLP
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, fit
    >>> prob = make_regression("sin(x) + sin(3*x)", n_train=64)
    >>> net = MLP(1, [16, 16], 1, generator=torch.Generator().manual_seed(0))
    >>> rec = Record(snapshot_every=10, probes=[EffectiveTargetLFR([0.5, 2.0])])
    >>> h = fit(net, prob, "adam", lr=1e-2, steps=20, record=rec)
    >>> h.arrays["effective_lfr"].shape, h.static["lfr_layers"].tolist()
    ((3, 3, 2), [0, 1, 2])
    """

    snapshot = True

    def __init__(self, deltas: Sequence[float], *, scale: str = "rms_distance", include_input: bool = True,
                 chunk_size: int | None = None):
        bad = [v for v in deltas if not float(v) > 0]
        if bad or not len(deltas):
            raise InputError("record.deltas", f"got {list(deltas)!r}", "pass positive variances δ")
        self.deltas, self.scale, self.include_input, self.chunk_size = [float(v) for v in deltas], scale, include_input, chunk_size

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        hidden = getattr(model, "hidden", None)
        if not callable(hidden):
            raise InputError("model", f"{type(model).__name__} has no hidden(x) method",
                             "use simbias.nn.MLP or CNN, or give your model hidden(x) -> list of layer outputs")
        self._y = target_matrix(problem.y_train, getattr(problem, "n_classes", None), dtype=torch.float64)
        with torch.no_grad():
            n_layers = len(hidden(problem.x_train[:2]))
        layers = list(range(0 if self.include_input else 1, n_layers + 1))
        return {"lfr_deltas": np.asarray(self.deltas), "lfr_layers": np.asarray(layers)}

    def _lfr(self, pts: Tensor) -> Tensor:
        try:
            return spectral.low_frequency_ratio(pts.reshape(pts.shape[0], -1).double(), self._y.to(pts.device),
                                                self.deltas, scale=self.scale, chunk_size=self.chunk_size)
        except InputError:  # a collapsed layer (all outputs equal): no frequency content to speak of
            return torch.full((len(self.deltas),), float("nan"), dtype=torch.float64, device=pts.device)

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        x = ctx.problem.x_train
        with torch.no_grad():
            layers = ctx.model.hidden(x)
        pts = ([x] if self.include_input else []) + list(layers)
        return {"effective_lfr": torch.stack([self._lfr(p) for p in pts])}
