"""Built-in probes for supervised problems (see :mod:`simbias.train._record`).

Each probe works on the output of one model, shape ``(n, c)``; the arithmetic also accepts a
leading member axis ``(M, n, c)`` so the ensemble engine reuses it.

* :class:`TrainLoss`   ``train_loss`` — MSE of the output against the training labels.
* :class:`PeakError`   ``peak_error`` — Δ_F at the peaks of the training labels' DFT
  (papers.md §1.1; arXiv 1807.01251, 1901.06523), on a uniform 1-D training grid.
* :class:`TestError`   ``test_error`` — MSE against the clean target on the dense grid (snapshot).
* :class:`Snapshots`   ``output_test`` and ``output_train`` — outputs for figures (snapshot).
* :class:`TrainPSNR`   ``psnr_train_curve`` — PSNR on the training pixels of an image (Tancik et al. 2020).
* :class:`GridImageError` ``psnr_test_curve`` and ``band_error`` on a whole image (snapshot).
* :class:`NormalizedSpectrum` ``spectrum`` — 2|λ̂(k_i)|/A_i at given frequencies (Rahaman et al. 2019).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from .. import spectral
from ..errors import InputError
from ..problems import psnr
from ._record import RecordContext

__all__ = ["TrainLoss", "PeakError", "TestError", "Snapshots", "default_probes", "TrainPSNR", "GridImageError",
           "NormalizedSpectrum", "TwoLayerParams"]


def _mse(out: Tensor, y: Tensor) -> Tensor:
    return ((out - y) ** 2).mean(dim=(-2, -1))


class TrainLoss:
    """``train_loss``: mean squared error on the training set.

    mean over points and outputs of (h(x_i) − y_i)², against the (possibly noisy) training
    labels; a cheap probe: it takes the training step's own loss when the engine hands it over
    (``ctx.train_loss``, full-batch MSE training — the same reduction, so the same bits), else
    computes it from the training step's output.

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, fit
    >>> prob = make_regression("sin(x) + sin(3*x)", n_train=64, n_test=128)
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    >>> h = fit(net, prob, "adam", lr=1e-2, steps=20, record=Record(every=10, probes=[TrainLoss()]))
    >>> h.arrays["train_loss"].shape
    (3,)
    """

    snapshot = False
    deferrable = True  # a function of ctx.train_output / ctx.train_loss only (see Probe)

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        return {}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        loss = getattr(ctx, "train_loss", None)
        if loss is not None:
            return {"train_loss": loss}
        return {"train_loss": _mse(ctx.output_on_train(), ctx.problem.y_train)}


class PeakError:
    """``peak_error``: Δ_F(k) at the peaks of the training labels' DFT.

    The DFT is ĥ_k = Σ_n h_n e^{−2πikn/N} of the first output on the N training points, which
    must form a uniform 1-D grid (papers.md §1.1; arXiv 1807.01251, 1901.06523).  A cheap probe.

    Static arrays: ``peaks`` (DFT indices), ``peak_frequencies`` (angular frequency 2πk/L with L
    the length of the training interval — exact for periodic grids, within a factor N/(N−1)
    when the grid includes both endpoints), ``target_spectrum`` (|DFT| of the labels / N).

    Parameters
    ----------
    kind : {"complex", "magnitude"}
        ``"complex"``: |ĥ_k − f̂_k| / |f̂_k| (the papers' definition, default);
        ``"magnitude"``: | |ĥ_k| − |f̂_k| | / |f̂_k| (what the original code plotted).
    max_index : int
        Peaks are searched among DFT indices ``< max_index`` (the original code: 40).
    rel_floor : float
        Ignore maxima below this fraction of the largest one.
    max_peaks : int, optional
        Keep at most this many (the lowest frequencies).

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, fit
    >>> prob = make_regression("sin(x) + sin(3*x)", n_train=64, n_test=128)
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    >>> h = fit(net, prob, "adam", lr=1e-2, steps=20, record=Record(every=10, probes=[PeakError()]))
    >>> h.arrays["peak_error"].shape, h.static["peaks"]
    ((3, 2), array([1, 3]))
    """

    snapshot = False
    deferrable = True  # a function of ctx.train_output only (see Probe)

    def __init__(self, *, kind: str = "complex", max_index: int = 40, rel_floor: float = 1e-3,
                 max_peaks: int | None = None):
        if kind not in ("complex", "magnitude"):
            raise InputError("record.error_kind", f"unknown kind {kind!r}", "choose 'complex' or 'magnitude'")
        self.kind, self.max_index, self.rel_floor, self.max_peaks = kind, max_index, rel_floor, max_peaks

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        if not getattr(problem, "uniform", False) or problem.x_train.shape[1] != 1:
            raise InputError("problem.sampler", "the per-frequency error needs a uniform 1-D training grid",
                             "use problem.sampler='uniform'")
        y = problem.y_train[:, 0]
        n = y.shape[0]
        spec = spectral.dft(y.double())
        mag = spec.abs()
        peaks = spectral.find_peaks(mag, max_index=min(self.max_index, n // 2), rel_floor=self.rel_floor,
                                    max_peaks=self.max_peaks)
        if len(peaks) == 0:
            raise InputError("problem.target", "the target's spectrum has no peak to track",
                             "use a target with oscillating components, e.g. sin(x)+sin(3*x)")
        idx = torch.arange(n, dtype=torch.float64)
        k = peaks.to(torch.float64)
        # Real (n, 2P) matrix [cos | −sin] of the DFT rows at the peaks: one real matmul per record
        # gives Re and Im of ĥ_k = Σ_n h_n e^{−2πi kn/N} (cheaper than complex arithmetic).
        angle = 2 * math.pi * idx[:, None] * k[None, :] / n
        # Each column is divided by |f̂_k| (in float64, once): the record is then one product, one
        # in-place subtraction and one norm — three kernels per record instead of seven.
        target = spec[peaks]
        scale = target.abs().repeat(2)
        self._basis = (torch.cat([torch.cos(angle), -torch.sin(angle)], dim=1) / scale).to(device=y.device, dtype=y.dtype)
        self._target = (torch.cat([target.real, target.imag]) / scale).to(device=y.device, dtype=y.dtype)
        self._n_peaks = len(peaks)
        length = float(problem.x_train[-1, 0] - problem.x_train[0, 0])
        return {
            "peaks": peaks.cpu().numpy(),
            "peak_frequencies": (2 * math.pi * k / length).numpy(),
            "target_spectrum": (mag[: min(self.max_index, n // 2)] / n).cpu().numpy(),
        }

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        pred = ctx.output_on_train()[..., 0] @ self._basis  # (..., 2P): Re | Im of ĥ/|f̂| at the peaks
        if self.kind == "complex":
            err = torch.linalg.vector_norm(pred.sub_(self._target).unflatten(-1, (2, self._n_peaks)), dim=-2)
        else:
            err = torch.linalg.vector_norm(pred.unflatten(-1, (2, self._n_peaks)), dim=-2).sub_(1).abs_()
        return {"peak_error": err}


class TestError:
    """``test_error``: MSE against the clean target on the problem's dense grid ``x_test``.

    mean over points and outputs of (h(x) − y_test)²; a snapshot probe (own forward pass, run at
    ``Record.snapshot_every``).

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, fit
    >>> prob = make_regression("sin(x) + sin(3*x)", n_train=64, n_test=128)
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    >>> rec = Record(every=10, snapshot_every=5, probes=[TestError()])
    >>> fit(net, prob, "adam", lr=1e-2, steps=20, record=rec).arrays["test_error"].shape
    (5,)
    """

    snapshot = True

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        return {}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        return {"test_error": _mse(ctx.output_on_test(), ctx.problem.y_test)}


class Snapshots:
    """``output_test`` (outputs on ``x_test``) and ``output_train`` (outputs on ``x_train``), for figures.

    The first output column; a snapshot probe.  Static arrays: ``x_train``, ``y_train``,
    ``x_test``, ``y_test``.

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, fit
    >>> prob = make_regression("sin(x) + sin(3*x)", n_train=64, n_test=128)
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    >>> rec = Record(snapshot_every=10, probes=[Snapshots()])
    >>> fit(net, prob, "adam", lr=1e-2, steps=20, record=rec).arrays["output_test"].shape
    (3, 128)
    """

    snapshot = True

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        return {
            "x_train": problem.x_train.cpu().numpy(), "y_train": problem.y_train.cpu().numpy(),
            "x_test": problem.x_test.cpu().numpy(), "y_test": problem.y_test.cpu().numpy(),
        }

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        return {"output_test": ctx.output_on_test()[..., 0], "output_train": ctx.output_on_train()[..., 0]}


def default_probes(problem, *, kind: str = "complex") -> tuple:
    """Train loss, Δ_F at the peaks (uniform 1-D grids only), test error and snapshots.

    Parameters
    ----------
    problem : Regression
        The problem; :class:`PeakError` is included only when ``problem.uniform`` and the
        inputs are 1-D.
    kind : {"complex", "magnitude"}
        The :class:`PeakError` variant.

    Returns
    -------
    tuple
        ``(TrainLoss, PeakError, TestError, Snapshots)`` instances (without ``PeakError`` when
        it does not apply).

    Examples
    --------
    >>> from simbias.problems import make_regression
    >>> [type(p).__name__ for p in default_probes(make_regression("sin(x)"))]
    ['TrainLoss', 'PeakError', 'TestError', 'Snapshots']
    """
    probes = [TrainLoss()]
    if getattr(problem, "uniform", False) and problem.x_train.shape[1] == 1:
        probes.append(PeakError(kind=kind))
    probes += [TestError(), Snapshots()]
    return tuple(probes)


class TrainPSNR(TrainLoss):
    """``psnr_train_curve``: PSNR (:func:`simbias.problems.psnr`, dB) of the output on the training
    pixels, from the training step's own output (no extra forward pass).

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import CoordinateNet
    >>> from simbias.problems import grid_image_regression
    >>> from simbias.train import Record, fit
    >>> gr = grid_image_regression(torch.rand(8, 8, 3, generator=torch.Generator().manual_seed(0)))
    >>> net = CoordinateNet(2, [16], 3, n_features=8, generator=torch.Generator().manual_seed(0))
    >>> h = fit(net, gr.problem, "adam", lr=1e-2, steps=20, record=Record(every=10, probes=[TrainPSNR()]))
    >>> h.arrays["psnr_train_curve"].shape
    (3,)
    """

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        return {"psnr_train_curve": psnr(ctx.output_on_train(), ctx.problem.y_train)}


class GridImageError:
    """At snapshots, on the whole image of a :class:`~simbias.problems.GridImageRegression`:
    ``psnr_test_curve`` (PSNR on the held-out pixels) and ``band_error``, per radial band of the
    2-D DFT (:func:`simbias.spectral.radial_bands`) with the channels combined:

        E_b = ‖ĥ − f̂‖_band / ‖f̂‖_band  (L2 over the band's frequencies and the channels).

    The target is read from the problem at each snapshot (``y_test``, (n, C) or (M, n, C)), so the
    members of one ensemble may fit different images of one shape.  Static: ``band_frequencies``
    (band centres, cycles per pixel) and ``band_counts`` (DFT coefficients per band).

    Parameters
    ----------
    grid : GridImageRegression
        The image split (its ``shape`` and ``train_mask`` are used).
    n_bands : int
        Number of equal-width radial bands.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import CoordinateNet
    >>> from simbias.problems import grid_image_regression
    >>> from simbias.train import Record, fit
    >>> gr = grid_image_regression(torch.rand(8, 8, 3, generator=torch.Generator().manual_seed(0)))
    >>> net = CoordinateNet(2, [16], 3, n_features=8, generator=torch.Generator().manual_seed(0))
    >>> rec = Record(every=10, snapshot_every=10, probes=[GridImageError(gr, 4)])
    >>> h = fit(net, gr.problem, "adam", lr=1e-2, steps=20, record=rec)
    >>> h.arrays["band_error"].shape, h.arrays["psnr_test_curve"].shape
    ((3, 4), (3,))
    """

    snapshot = True

    def __init__(self, grid, n_bands: int):
        self.shape, self.n_bands, self._mask = tuple(grid.shape), n_bands, grid.train_mask

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        dev = problem.y_test.device
        self._held = (~self._mask).to(dev)
        bands = spectral.radial_bands(self.shape, self.n_bands, device=dev).flatten()
        self._onehot = torch.nn.functional.one_hot(bands, self.n_bands).double()  # (H·W, bands)
        fy, fx = (torch.fft.fftfreq(n, dtype=torch.float64) for n in self.shape)
        rmax = float(torch.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2).max())
        return {"band_frequencies": (np.arange(self.n_bands) + 0.5) * rmax / self.n_bands,
                "band_counts": torch.bincount(bands.cpu(), minlength=self.n_bands).numpy()}

    def _band_sum(self, v: Tensor) -> Tensor:
        """Σ |v|² over each radial band, channels combined: (…, C, H, W) complex → (…, n_bands)."""
        return v.abs().square().sum(-3).flatten(-2) @ self._onehot

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        out, y = ctx.output_on_test(), ctx.problem.y_test  # y: (n, C), or (M, n, C) with one image per member
        dft = lambda v: spectral.dft2(v.double().unflatten(-2, self.shape).movedim(-1, -3))  # noqa: E731
        f = dft(y)
        return {"psnr_test_curve": psnr(out[..., self._held, :], y[..., self._held, :]),
                "band_error": (self._band_sum(dft(out) - f) / self._band_sum(f)).sqrt().to(out.dtype)}


class NormalizedSpectrum:
    """``spectrum`` (…, K): s(k_i) = 2|λ̂(k_i)|/A_i of the output on a uniform training grid x_n = n/N.

    λ̂(k) = (1/N) Σ_n h(x_n) e^{−2πi k x_n} of the first output (:class:`simbias.spectral.PeakProjector`:
    two real (N, K) products per record).  A sine of amplitude A at integer frequency k has
    |λ̂(k)| = A/2 on this grid, so s = 1 when the network holds the full amplitude of the
    component (Rahaman et al. 2019, fig. 1).  A cheap probe.  Static: ``frequencies``, ``amplitudes``.

    Parameters
    ----------
    frequencies : sequence of int
        k_i, cycles over the grid.
    amplitudes : sequence of float
        A_i, the target's amplitudes.

    Examples
    --------
    >>> from simbias.problems import sine_sum
    >>> r = sine_sum([1, 3], [1.0, 0.5], n_points=16, dtype=torch.float64)
    >>> probe = NormalizedSpectrum([1, 3], [1.0, 0.5])
    >>> sorted(probe.setup(None, r))
    ['amplitudes', 'frequencies']
    >>> probe(type("Ctx", (), {"output_on_train": lambda self: r.y_train})())["spectrum"]
    tensor([1.0000, 1.0000], dtype=torch.float64)
    """

    snapshot = False

    def __init__(self, frequencies, amplitudes):
        self.k = np.asarray(frequencies, dtype=np.float64)
        self.a = np.asarray(amplitudes, dtype=np.float64)

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        x = problem.x_train
        self._dft = spectral.PeakProjector(x.shape[-2], self.k.astype(int), norm="forward", dtype=x.dtype,
                                           device=x.device)
        self._scale = torch.from_numpy(2.0 / self.a).to(dtype=x.dtype, device=x.device)
        return {"frequencies": self.k, "amplitudes": self.a}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        return {"spectrum": self._dft(ctx.output_on_train()[..., 0]).abs() * self._scale}


class TwoLayerParams:
    """Snapshot probe: the parameters ``param_w`` (m, d), ``param_b`` (m,) and ``param_a`` (m,) of a
    :class:`~simbias.nn.TwoLayer` (member axis first inside :func:`~simbias.train.fit_ensemble`;
    ``param_b`` only when the net has biases).

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, fit
    >>> net = TwoLayer(1, 8, generator=torch.Generator().manual_seed(0))
    >>> h = fit(net, make_regression("x", n_train=8), "sgd", lr=0.1, steps=4,
    ...         record=Record(every=None, snapshot_every=2, probes=(TwoLayerParams(),)))
    >>> h["param_w"].shape, h["param_a"].shape
    ((3, 8, 1), (3, 8))
    """

    snapshot = True

    def setup(self, model, problem) -> dict:
        return {}

    def __call__(self, ctx) -> dict[str, Tensor]:
        params = getattr(ctx.model, "params", None) or dict(ctx.model.named_parameters())  # an Ensemble's: stacked
        return {f"param_{k}": params[k].detach().clone() for k in "wab" if params.get(k) is not None}
