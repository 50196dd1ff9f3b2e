"""Probes of image regression (Tancik et al. 2020) and of the 1-D spectral-bias target (Rahaman et al. 2019).

Each works on the output of one model and on a leading member axis too, so :func:`~simbias.train.fit`
and :func:`~simbias.train.fit_ensemble` share them.

* :class:`TrainPSNR`          ``psnr_train_curve`` — PSNR on the training pixels (cheap).
* :class:`GridImageError`     ``psnr_test_curve`` and ``band_error`` on the whole image (snapshot).
* :class:`NormalizedSpectrum` ``spectrum`` — 2|λ̂(k_i)|/A_i of the output at given frequencies (cheap).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .. import spectral
from ..problems import psnr
from ._probes import TrainLoss
from ._record import RecordContext

__all__ = ["TrainPSNR", "GridImageError", "NormalizedSpectrum"]


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
        out, y = ctx.output_on_test(), ctx.problem.y_test
        f = self._dft(y)
        return {"psnr_test_curve": psnr(out[..., self._held, :], y[..., self._held, :]),
                "band_error": (self._band_sum(self._dft(out) - f) / self._band_sum(f)).sqrt().to(out.dtype)}

    def _dft(self, v: Tensor) -> Tensor:
        """2-D DFT of pixel rows (…, H·W, C) as images (…, C, H, W)."""
        return spectral.dft2(v.double().unflatten(-2, self.shape).movedim(-1, -3))


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
