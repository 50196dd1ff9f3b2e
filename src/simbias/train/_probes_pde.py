"""Probes for networks that solve PDEs (see :mod:`simbias.train._record` for the protocol).

* :class:`SolutionError` ``rel_l2``, ``rms``, ``rel_squared``, ``domain_mse`` — the error of the
  network against the exact solution ``problem.u`` on fixed test points (the metrics of
  :mod:`simbias.problems`: relative L2 ‖h − u‖/‖u‖ (DeepXDE), RMS (arXiv 2007.11207), the
  squared REL = mean (h − u)²/mean u² (MSDNN code, SD2NN arXiv 2112.06660) and |Ω|·mean (h − u)²
  (the ``mscalednn`` Deep-Ritz code, papers.md T23)).  One forward pass on the test points.
* :class:`SolutionSnapshots` ``output_test`` — the network on the test points, for figures
  (a snapshot probe).
* :class:`GridPeakError` ``peak_error`` and ``grid_rel_l2`` (and, when asked, ``grid_values``) —
  the network evaluated on a finite-difference grid and compared with a reference vector there
  (the discrete solution A⁻¹b): Δ_F(k) = |ĥ_k − û_k| / |û_k| at the peaks of |û| (the
  F-Principle measure of :func:`simbias.problems.iteration_peak_errors`, papers.md §1.1, §2.5),
  i.e. the same numbers the Jacobi iteration is tracked with.

All of them run their own forward pass under ``torch.no_grad()`` (PDE objectives are callables,
so the engine has no training output to share) and return tensors on the model's device.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from .. import problems
from ..errors import InputError
from ._record import RecordContext

__all__ = ["PDE_METRICS", "SolutionError", "SolutionSnapshots", "GridPeakError"]

PDE_METRICS = ("rel_l2", "rms", "rel_squared", "domain_mse")


def _points(x: Tensor, what: str) -> Tensor:
    x = torch.as_tensor(x)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] < 1:
        raise InputError(what, f"expected points of shape (n, d), got {tuple(x.shape)}", "pass one row per point")
    return x


def _values(model, x: Tensor) -> Tensor:
    with torch.no_grad():
        out = model(x)
    if out.numel() != x.shape[0]:
        raise InputError("model", f"expected one output per point ({x.shape[0]}), got shape {tuple(out.shape)}",
                         "use out_features=1")
    return out.reshape(-1)


class SolutionError:
    """Errors of the network against the exact solution on fixed ``x_test`` (module docstring).

    rel_l2 = ‖h − u‖/‖u‖, rms = (mean (h − u)²)^{1/2}, rel_squared = mean (h − u)²/mean u²,
    domain_mse = |Ω|·mean (h − u)² (:mod:`simbias.problems` metrics).  A cheap probe (one
    forward pass on the test points).  Static arrays: ``x_test`` and ``u_test`` (the exact
    solution there).

    Parameters
    ----------
    x_test : Tensor
        Test points (n, d) (or (n,) in 1-D), in the model's dtype and device.
    metrics : sequence of str
        Which of :data:`PDE_METRICS` to record.

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import Poisson, residual_loss
    >>> from simbias.train import Record, fit
    >>> prob = Poisson(1, kind="sin")
    >>> x_in, x_bd = prob.sample(64, 2, torch.Generator().manual_seed(0))
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    >>> objective = lambda model, step: residual_loss(model, prob, x_in, x_bd)
    >>> probe = SolutionError(torch.linspace(-1, 1, 101)[:, None], metrics=("rel_l2", "rms"))
    >>> h = fit(net, prob, "adam", lr=1e-3, steps=20, loss=objective, record=Record(every=10, probes=[probe]))
    >>> h.arrays["rel_l2"].shape, h.static["u_test"].shape
    ((3,), (101,))
    """

    snapshot = False

    def __init__(self, x_test: Tensor, *, metrics=PDE_METRICS):
        self.x = _points(x_test, "x_test")
        bad = [m for m in metrics if m not in PDE_METRICS]
        if bad or not metrics:
            raise InputError("metrics", f"got {list(metrics)}", f"choose among {', '.join(PDE_METRICS)}")
        self.metrics = tuple(metrics)

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        with torch.no_grad():
            self.u = problem.u(self.x).reshape(-1).to(self.x)
        self.volume = float(problem.volume)
        return {"x_test": self.x.cpu().numpy(), "u_test": self.u.cpu().numpy()}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        h = _values(ctx.model, self.x)
        out = {}
        for m in self.metrics:
            if m == "domain_mse":
                out[m] = problems.domain_mse(h, self.u, volume=self.volume)
            else:
                out[m] = getattr(problems, m)(h, self.u)
        return out


class SolutionSnapshots:
    """``output_test``: the network on ``x_test`` (a snapshot probe, for figures).

    Parameters
    ----------
    x_test : Tensor
        Points (n, d) (or (n,) in 1-D), in the model's dtype and device.

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import Poisson, residual_loss
    >>> from simbias.train import Record, fit
    >>> prob = Poisson(1, kind="sin")
    >>> x_in, x_bd = prob.sample(64, 2, torch.Generator().manual_seed(0))
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    >>> objective = lambda model, step: residual_loss(model, prob, x_in, x_bd)
    >>> rec = Record(snapshot_every=10, probes=[SolutionSnapshots(torch.linspace(-1, 1, 51))])
    >>> fit(net, prob, "adam", lr=1e-3, steps=20, loss=objective, record=rec).arrays["output_test"].shape
    (3, 51)
    """

    snapshot = True

    def __init__(self, x_test: Tensor):
        self.x = _points(x_test, "x_test")

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        return {}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        return {"output_test": _values(ctx.model, self.x)}


class GridPeakError:
    """Δ_F at the reference's DFT peaks, and the relative L2 error, of the network on a 1-D grid.

    Δ_F(k) = |ĥ_k − û_k| / |û_k| with the DFT X_k = Σ_j x_j e^{−2πijk/n} (papers.md §1.1, §2.5),
    the measure the Jacobi iteration is tracked with; ``grid_rel_l2`` = ‖h − u‖/‖u‖ on the grid.
    A cheap probe.  Static arrays: ``peaks``, ``peak_frequencies`` (angular frequency
    2πk/(n·h), h the grid spacing), ``grid``, ``reference``.

    Parameters
    ----------
    grid : Tensor
        The grid points (n, 1) (e.g. ``Tridiagonal.x``), converted to the model's dtype.
    reference : Tensor
        The vector the network is compared with on the grid (n,) (the discrete solution
        ``system.solve()``).
    peaks : sequence of int, optional
        DFT indices to track (default: :func:`simbias.problems.solution_peaks` of the reference).
    floor : float
        Relative floor of the peak search.
    values : bool
        Also record the network's grid values ``grid_values`` (n per record).

    Examples
    --------
    >>> import torch
    >>> from simbias.problems import Poisson, residual_loss
    >>> from simbias.train import Record, fit
    >>> prob = Poisson(1, kind="sin")
    >>> x_in, x_bd = prob.sample(64, 2, torch.Generator().manual_seed(0))
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    >>> objective = lambda model, step: residual_loss(model, prob, x_in, x_bd)
    >>> from simbias.problems import discretize_1d
    >>> system = discretize_1d(prob, 63)
    >>> probe = GridPeakError(system.x[:, None], system.solve())
    >>> h = fit(net, prob, "adam", lr=1e-3, steps=20, loss=objective, record=Record(every=10, probes=[probe]))
    >>> h.arrays["peak_error"].shape[0], h.arrays["grid_rel_l2"].shape
    (3, (3,))
    """

    snapshot = False

    def __init__(self, grid: Tensor, reference: Tensor, *, peaks=None, floor: float = 1e-3, values: bool = False):
        self.grid = _points(grid, "grid")
        if self.grid.shape[1] != 1:
            raise InputError("grid", f"got {self.grid.shape[1]}-D points", "the grid Δ_F is for 1-D grids")
        self.reference = torch.as_tensor(reference, dtype=torch.float64).reshape(-1)
        if self.reference.numel() != self.grid.shape[0]:
            raise InputError("reference", f"{self.reference.numel()} values for {self.grid.shape[0]} grid points",
                             "give one reference value per grid point")
        self.peaks = (problems.solution_peaks(self.reference, floor=floor) if peaks is None
                      else torch.as_tensor(list(peaks), dtype=torch.long))
        if self.peaks.numel() == 0:
            raise InputError("problem.solution", "the discrete solution's spectrum has no peak to track",
                             "use a solution with oscillating components")
        self.values = bool(values)

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        p = next(iter(model.parameters()), None)
        dtype = p.dtype if p is not None else torch.get_default_dtype()
        device = p.device if p is not None else "cpu"
        self._x = self.grid.to(dtype=dtype, device=device)
        n = self.grid.shape[0]
        g = self.grid[:, 0].to(torch.float64)
        h = float(g[1] - g[0]) if n > 1 else 1.0
        idx = torch.arange(n, dtype=torch.float64)
        k = self.peaks.to(torch.float64)
        self._basis = torch.exp(-2j * math.pi * idx[:, None] * k[None, :] / n).to(device)  # (n, P) DFT rows
        self._ref = self.reference.to(device)
        self._ref_hat = self._ref.to(torch.complex128) @ self._basis
        return {"peaks": self.peaks.numpy(), "peak_frequencies": (2 * math.pi * k / (n * h)).numpy(),
                "grid": g.numpy(), "reference": self.reference.numpy()}

    def __call__(self, ctx: RecordContext) -> dict[str, Tensor]:
        v = _values(ctx.model, self._x).to(torch.float64)
        hat = v.to(torch.complex128) @ self._basis
        out = {"peak_error": (hat - self._ref_hat).abs() / self._ref_hat.abs(),
               "grid_rel_l2": (v - self._ref).norm() / self._ref.norm()}
        if self.values:
            out["grid_values"] = v
        return out
