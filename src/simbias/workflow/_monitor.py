"""``Monitor``: the simbias probes inside a user's own training loop.

The probes are the objects :func:`simbias.train.fit` records (``simbias.train.PeakError``,
``ProjectionError``, ``FilterError``, ``BandError``, ``EffectiveTargetLFR``, ...) plus
:class:`CondensationProbe` and plain callables.  ``monitor.step(step, loss=...)`` records at the
scheduled steps ("step" = number of updates done, so call it *before* the update of that step,
as ``fit`` does); ``monitor.finish(out)`` records the final state and writes a normal run
directory (``experiment = "monitor"``) that ``simbias report`` and :func:`simbias.load` read.

Shortcut names for probes: ``"loss"`` (MSE, or cross-entropy for class labels),
``"accuracy"``, ``"peak_error"`` (Δ_F at the DFT peaks; uniform 1-D grids), ``"projection"``
(Δ along the first principal component, with its spectrum), ``"filtering"`` (e_low/e_high at
the δ where the low band holds 80/50/30 % of the target's energy), ``"condensation"``.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from .. import condensation as cond
from .. import train
from ..errors import InputError, Outcome
from ..io import RunDir, environment_info, spec_hash
from ..results import History
from ._sinks import Sink, scalars_of

__all__ = ["Monitor", "CondensationProbe", "DataProblem", "PROBE_NAMES"]

PROBE_NAMES = ("loss", "accuracy", "peak_error", "projection", "filtering", "condensation")


def _is_labels(y: Tensor) -> bool:
    """Class labels: a 1-D integer tensor (the convention of simbias.train's probes)."""
    return y.ndim == 1 and not (y.is_floating_point() or y.is_complex())


@dataclass
class DataProblem:
    """A supervised problem built from tensors: what the probes read (``x_train``, ``y_train``, ...).

    ``uniform`` is detected: 1-D inputs on an equally spaced increasing grid (then Δ_F at the DFT
    peaks applies).

    Parameters
    ----------
    x_train, y_train, x_test, y_test : torch.Tensor
        The data; float targets are (n, c), class labels ``long`` (n,).
    uniform : bool
        Inputs form a uniform increasing 1-D grid.
    n_classes : int, optional
        Number of classes (max label + 1) for class labels, else ``None``.
    target : optional
        A target function when one is known (default ``None``: data only).
    name : str, default "data"
        Shown in reports.

    Examples
    --------
    >>> import torch
    >>> p = DataProblem.from_tensors(torch.linspace(-1, 1, 64)[:, None], torch.linspace(-1, 1, 64) ** 2)
    >>> p.uniform, tuple(p.y_train.shape), p.x_test is p.x_train
    (True, (64, 1), True)
    """

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    uniform: bool = False
    n_classes: int | None = None
    target: Any = None
    name: str = "data"

    @classmethod
    def from_tensors(cls, x, y, x_test=None, y_test=None) -> "DataProblem":
        """A problem from tensors (or arrays); float 1-D targets become (n, 1).

        Parameters
        ----------
        x, y : array-like
            Training inputs (n, ...) and targets (float (n,) or (n, c), or ``long`` labels (n,)).
        x_test, y_test : array-like, optional
            Held-out data (default: the training data).

        Returns
        -------
        DataProblem
            ``uniform`` is set when ``x`` is (n, 1) float, n ≥ 3, strictly increasing with equal
            steps up to 64 ulp of max |x|.

        Raises
        ------
        simbias.InputError
            ``x`` and ``y`` of different lengths.
        """
        x, y = torch.as_tensor(x), torch.as_tensor(y)
        if x.shape[0] != y.shape[0]:
            raise InputError("data", f"x has {x.shape[0]} rows but y has {y.shape[0]}", "pass x and y of equal length")
        if y.is_floating_point() and y.ndim == 1:
            y = y[:, None]
        xt = x if x_test is None else torch.as_tensor(x_test)
        yt = y if y_test is None else torch.as_tensor(y_test)
        if yt.is_floating_point() and yt.ndim == 1:
            yt = yt[:, None]
        uniform = False
        if x.ndim == 2 and x.shape[1] == 1 and x.shape[0] >= 3 and x.is_floating_point():
            d = torch.diff(x[:, 0].double())
            slack = 64 * torch.finfo(x.dtype).eps * float(x.abs().max())  # rounding of the stored grid
            uniform = bool((d > 0).all()) and float((d - d.mean()).abs().max()) <= slack
        n_classes = int(y.max()) + 1 if _is_labels(y) else None
        return cls(x, y, xt, yt, uniform, n_classes)


def _as_problem(data) -> Any:
    if isinstance(data, (tuple, list)):
        if len(data) not in (2, 4):
            raise InputError("data", f"got a sequence of {len(data)} items", "pass (x, y) or (x, y, x_test, y_test)")
        return DataProblem.from_tensors(*data)
    if hasattr(data, "x_train") and hasattr(data, "y_train"):
        return data
    raise InputError("data", f"got {type(data).__name__}", "pass (x, y) tensors or a simbias problem (x_train, y_train)")


class CondensationProbe:
    """``effective_width`` and ``n_clusters`` of the first readable hidden layer (snapshot probe).

    The layer is the first ``nn.Linear`` (in module order) followed by an ``nn.Linear`` whose
    ``in_features`` equal its ``out_features``: its rows and biases are the neurons' input
    vectors u_k = (w_k, b_k), the next layer's columns their output weights a_k
    (:func:`simbias.condensation.neuron_features`).  ``n_clusters`` counts every orientation
    cluster (:func:`~simbias.condensation.orientation_clusters`), ``effective_width`` the fewest
    clusters carrying ``share`` of Σ_k |a_k|·‖u_k‖ (:func:`~simbias.condensation.effective_width`).

    Parameters
    ----------
    tol_angle : float, default 0.1
        Angle tolerance of the clusters, radians.
    share : float, default 0.9
        Fraction of the total amplitude the effective width covers.

    Examples
    --------
    Four ReLU neurons, three along one direction carrying 97 % of the amplitude:

    >>> import torch
    >>> from simbias.workflow import CondensationProbe, Monitor
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.tensor([[1.0], [2.0], [0.5], [-1.0]]))
    ...     _ = net[0].bias.zero_()
    ...     _ = net[2].weight.copy_(torch.tensor([[1.0, 1.0, 1.0, 0.1]]))
    >>> x = torch.linspace(-1, 1, 16)[:, None]
    >>> rec = Monitor(net, (x, torch.relu(x)), probes=[CondensationProbe()]).step(0)
    >>> {k: float(v) for k, v in rec.items()}
    {'effective_width': 1.0, 'n_clusters': 2.0}
    """

    snapshot = True

    def __init__(self, *, tol_angle: float = 0.1, share: float = 0.9):
        self.tol_angle, self.share = tol_angle, share

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        self._pair = readable_layers(model)
        if self._pair is None:
            raise InputError("probes", "condensation needs two nn.Linear layers in the model",
                             "drop 'condensation' or use a model with a readable hidden layer")
        return {}

    def __call__(self, ctx) -> dict[str, Tensor]:
        first, nxt = self._pair
        w = first.weight.detach().double()
        b = None if first.bias is None else first.bias.detach().double()
        a = nxt.weight.detach().double().T
        feats = cond.neuron_features(w, b, a if a.shape[1] > 1 else a[:, 0])
        clusters = cond.orientation_clusters(feats, tol_angle=self.tol_angle)
        width = cond.effective_width(feats, tol_angle=self.tol_angle, share=self.share)
        return {"effective_width": torch.tensor(float(width)), "n_clusters": torch.tensor(float(len(clusters)))}


def readable_layers(model) -> tuple[torch.nn.Linear, torch.nn.Linear] | None:
    """The first (hidden ``nn.Linear``, next ``nn.Linear``) pair of ``model``, or ``None``.

    Parameters
    ----------
    model : torch.nn.Module
        Searched in ``model.modules()`` order for consecutive ``nn.Linear`` layers with
        matching ``out_features`` / ``in_features``.

    Returns
    -------
    tuple of torch.nn.Linear, or None
    """
    lins = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    for first, nxt in zip(lins, lins[1:]):
        if nxt.in_features == first.out_features:
            return first, nxt
    return None


class _Callable:
    """A user probe ``fn(model, problem) -> {name: value} | value`` (snapshot schedule)."""

    snapshot = True

    def __init__(self, fn: Callable, name: str):
        self.fn, self.name = fn, name

    def setup(self, model, problem) -> dict[str, np.ndarray]:
        return {}

    def __call__(self, ctx) -> dict[str, Tensor]:
        with torch.no_grad():
            out = self.fn(ctx.model, ctx.problem)
        if not isinstance(out, Mapping):
            out = {self.name: out}
        return {k: torch.as_tensor(v).detach() for k, v in out.items()}


def _named(name: str, problem) -> list:
    labels = _is_labels(problem.y_train)
    if name == "loss":
        return [train.SupervisedLoss("cross_entropy" if labels else "mse")]
    if name == "accuracy":
        return [train.Accuracy("train")]
    if name == "peak_error":
        return [train.PeakError()]
    if name == "projection":
        pe = train.ProjectionError()
        return [pe, train.ProjectionSpectrum(pe)]
    if name == "filtering":
        y = train.target_matrix(problem.y_train, getattr(problem, "n_classes", None), dtype=torch.float64)
        deltas, _ = train.choose_deltas(problem.x_train.double(), y)
        return [train.FilterError(deltas)]
    if name == "condensation":
        return [CondensationProbe()]
    raise InputError("probes", f"unknown probe {name!r}",
                     f"use one of {', '.join(PROBE_NAMES)}, a probe object, or a callable")


def _probe_label(p) -> str:
    return getattr(p, "name", None) or type(p).__name__


class Monitor:
    """Record simbias probes in your own training loop and write a run directory.

    Parameters
    ----------
    model : torch.nn.Module
        The model being trained (read in place; never modified).
    data : (x, y) or (x, y, x_test, y_test) or a simbias problem
        What the probes measure on (the full training set; class labels as ``long``).
    probes : sequence
        Names (:data:`PROBE_NAMES`), probe objects (``simbias.train.PeakError()``, ...) or
        callables ``fn(model, problem) -> value or {name: value}``.
    every : int
        Record the cheap probes every this many steps (step 0 and the final step always).
    snapshot_every : int, optional
        Schedule of the snapshot probes (filtering, spectra, condensation, callables); default
        ``every``.
    name : str
        Shown in reports; the ``description`` of the written spec.
    settings : dict, optional
        The monitored setting (optimiser, learning rate, ...) written into ``spec.toml`` (values
        other than bool, int, float, str and list as their ``str``).
    seed : int, default 0
        The seed written into ``spec.toml`` and ``manifest.json`` (the monitor sets no seed).
    sinks : sequence of Sink
        Live logging (e.g. :class:`~simbias.workflow.TensorBoardSink`).

    Raises
    ------
    simbias.InputError
        A bad ``every``/``snapshot_every``, model, data or probe.

    Notes
    -----
    "step" is the number of updates done: call :meth:`step` before the update of that step, as
    :func:`simbias.train.fit` records.  The probes run under ``torch.no_grad()`` with the model in
    eval mode (its train/eval mode is restored afterwards).

    Examples
    --------
    >>> import tempfile
    >>> import torch
    >>> from simbias.workflow import Monitor
    >>> _ = torch.manual_seed(0)
    >>> x = torch.linspace(-1, 1, 64)[:, None]
    >>> y = torch.sin(torch.pi * x) + 0.5 * torch.sin(5 * torch.pi * x)
    >>> model = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    >>> opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    >>> mon = Monitor(model, (x, y), probes=["loss", "peak_error"], every=10)
    >>> for step in range(50):
    ...     _ = mon.step(step)
    ...     opt.zero_grad(); loss = ((model(x) - y) ** 2).mean(); loss.backward(); opt.step()
    >>> run_dir = mon.finish(tempfile.mkdtemp() + "/my-net", step=50, figures=False)
    >>> mon.history().steps.tolist(), sorted(mon.summary())
    ([0, 10, 20, 30, 40, 50], ['final_peak_error', 'final_train_loss', 'records', 'steps'])
    """

    def __init__(self, model: torch.nn.Module, data, probes: Sequence = ("loss",), *, every: int = 1,
                 snapshot_every: int | None = None, name: str = "monitor", settings: Mapping[str, Any] | None = None,
                 seed: int = 0, sinks: Sequence[Sink] = ()):
        for key, v in (("every", every), ("snapshot_every", snapshot_every)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise InputError(key, f"got {v!r}", "use a positive integer")
        if not isinstance(model, torch.nn.Module):
            raise InputError("model", f"got {type(model).__name__}", "pass a torch.nn.Module")
        self.model, self.problem = model, _as_problem(data)
        self.every, self.snapshot_every = every, snapshot_every or every
        self.name, self.settings, self.seed = name, dict(settings or {}), seed
        self.probe_names: list[str] = []
        self.probes: list = []
        for p in probes:
            if isinstance(p, str):
                self.probes += _named(p, self.problem)
                self.probe_names.append(p)
            elif hasattr(p, "setup") and hasattr(p, "snapshot") and callable(p):
                self.probes.append(p)
                self.probe_names.append(_probe_label(p))
            elif callable(p):
                label = getattr(p, "__name__", "probe")
                self.probes.append(_Callable(p, label))
                self.probe_names.append(label)
            else:
                raise InputError("probes", f"got {p!r}", "pass probe names, probe objects or callables")
        self.static: dict[str, np.ndarray] = {}
        for p in self.probes:
            self.static.update(p.setup(model, self.problem))
        self.sinks = list(sinks)
        self._rec: dict[str, list] = {}
        self._snap: dict[str, list] = {}
        self._rec_steps: list[int] = []
        self._snap_steps: list[int] = []
        self._losses: list[tuple[int, float]] = []
        self._loss_at_rec: list[float] = []
        self._t0 = time.perf_counter()
        self._started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self._last = -1
        for s in self.sinks:
            s.on_start(self.spec())

    # -- recording ---------------------------------------------------------------------------
    def due(self, step: int) -> bool:
        """Whether :meth:`step` records anything at ``step``.

        Parameters
        ----------
        step : int
            Number of updates done.

        Returns
        -------
        bool
            ``step`` is a multiple of ``every`` or of ``snapshot_every``.
        """
        return step % self.every == 0 or step % self.snapshot_every == 0

    def step(self, step: int, loss: float | Tensor | None = None) -> dict[str, Tensor]:
        """Record the probes due at ``step`` (updates done so far); returns what was recorded.

        Parameters
        ----------
        step : int
            Number of updates done; after the last recorded step.
        loss : float or torch.Tensor, optional
            The training loss of this step as your loop computed it (kept for every call: the
            ``loss`` figure, and ``loss`` in the history at the recorded steps).

        Returns
        -------
        dict of str to torch.Tensor
            The values recorded now (empty when nothing is due).

        Raises
        ------
        simbias.InputError
            ``step`` negative, not an integer, or not after the last recorded step.
        """
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise InputError("step", f"got {step!r}", "pass the number of updates done (a non-negative integer)")
        step = int(step)
        if step <= self._last:
            raise InputError("step", f"step {step} is not after the last recorded step {self._last}",
                             "call monitor.step with increasing steps")
        if loss is not None:
            self._losses.append((step, float(loss.detach() if isinstance(loss, Tensor) else loss)))
        cheap = step % self.every == 0
        snap = step % self.snapshot_every == 0
        return self._take(step, cheap, snap) if (cheap or snap) else {}

    def _take(self, step: int, cheap: bool, snap: bool) -> dict[str, Tensor]:
        was_training = self.model.training
        self.model.eval()
        try:
            ctx = train.RecordContext(step, self.model, self.problem, None)
            done: dict[str, Tensor] = {}
            for p in self.probes:
                if (p.snapshot and not snap) or (not p.snapshot and not cheap):
                    continue
                store = self._snap if p.snapshot else self._rec
                with torch.no_grad():
                    vals = p(ctx)
                for k, v in vals.items():
                    store.setdefault(k, []).append(v.detach().cpu())
                    done[k] = v
        finally:
            self.model.train(was_training)
        if cheap:
            self._rec_steps.append(step)
            self._loss_at_rec.append(self._losses[-1][1] if self._losses and self._losses[-1][0] == step else np.nan)
        if snap:
            self._snap_steps.append(step)
        self._last = step
        if self.sinks and done:
            sc = scalars_of(done)
            if cheap and not np.isnan(self._loss_at_rec[-1]):
                sc["loss"] = self._loss_at_rec[-1]
            for s in self.sinks:
                s.on_record(step, sc)
        return done

    # -- results -----------------------------------------------------------------------------
    def history(self) -> History:
        """What has been recorded so far, as a :class:`~simbias.results.History`.

        Returns
        -------
        History
            Cheap probes at ``steps``, snapshot probes at ``static["snapshot_steps"]``; the
            losses passed to :meth:`step` as ``static["loss"]`` / ``static["loss_steps"]``.
        """
        arrays = {k: torch.stack(v).numpy() for k, v in self._rec.items()}
        arrays.update({k: torch.stack(v).numpy() for k, v in self._snap.items()})
        if any(not np.isnan(v) for v in self._loss_at_rec):
            arrays["loss"] = np.asarray(self._loss_at_rec, dtype=np.float64)
        static = dict(self.static)
        static["snapshot_steps"] = np.asarray(self._snap_steps, dtype=np.int64)
        if self._losses:
            static["loss"] = np.asarray([v for _, v in self._losses], dtype=np.float64)
            static["loss_steps"] = np.asarray([s for s, _ in self._losses], dtype=np.int64)
        return History(steps=np.asarray(self._rec_steps, dtype=np.int64), arrays=arrays, static=static,
                       outcome=Outcome.COMPLETED, info={"steps_done": max(self._last, 0),
                                                        "wall_time_s": time.perf_counter() - self._t0})

    def spec(self) -> dict[str, Any]:
        """The monitored setting as a spec dict (written as ``spec.toml``).

        Returns
        -------
        dict
            ``experiment``, ``description``, ``seed``, ``model`` (class, parameter count),
            ``data`` (sizes, input shape, uniform, classes), ``record`` (schedule, probes) and
            ``settings`` when given.
        """
        p = self.problem
        n_params = sum(int(t.numel()) for t in self.model.parameters())
        data = {"n_train": int(p.x_train.shape[0]), "input_shape": [int(s) for s in p.x_train.shape[1:]],
                "n_test": int(p.x_test.shape[0]), "uniform": bool(getattr(p, "uniform", False))}
        if getattr(p, "n_classes", None):
            data["n_classes"] = int(p.n_classes)
        out: dict[str, Any] = {
            "experiment": getattr(self, "_kind", "monitor"), "description": self.name, "seed": int(self.seed),
            "model": {"class": type(self.model).__name__, "parameters": n_params},
            "data": data, "record": {"every": self.every, "snapshot_every": self.snapshot_every,
                                     "probes": list(self.probe_names)},
        }
        if self.settings:
            out["settings"] = {str(k): (v if isinstance(v, (bool, int, float, str, list)) else str(v))
                               for k, v in self.settings.items()}
        return out

    def summary(self) -> dict[str, Any]:
        """Headline numbers: the last record of every scalar and per-peak array.

        Returns
        -------
        dict
            ``steps`` (last step recorded), ``records``, and ``final_<name>`` for every numeric
            recorded array with at most 64 entries per record (a float, or a list).
        """
        h = self.history()
        out: dict[str, Any] = {"steps": int(h.info["steps_done"]), "records": int(len(h.steps))}
        for k, v in h.arrays.items():
            a = np.asarray(v)
            if len(a) and a[-1].size <= 64 and np.issubdtype(a.dtype, np.number):
                last = a[-1]
                out[f"final_{k}"] = float(last) if last.ndim == 0 else last.reshape(-1).tolist()
        return out

    def finish(self, out: str | Path, *, step: int | None = None, figures: bool = True) -> Path:
        """Record the final state at ``step`` (when given and not recorded yet) and write the run directory.

        Parameters
        ----------
        out : str or Path
            The run directory (claimed as ``simbias run`` does: ``spec.toml``, ``manifest.json``,
            ``history.npz``, ``summary.json``).
        step : int, optional
            The final step; every probe is recorded there when it is after the last record.
        figures : bool, default True
            Also write ``figures/`` and ``report.html``.

        Returns
        -------
        pathlib.Path
            The run directory; :func:`simbias.load` reads it back.
        """
        if step is not None and step > self._last:
            self._take(int(step), True, True)
        spec = self.spec()
        rd = RunDir(out)
        rd.claim(spec_hash(spec))
        from ..experiments import to_toml

        rd.write_spec(to_toml(spec))
        hist = self.history()
        rd.write_history(hist)
        summary = self.summary()
        rd.write_summary(summary)
        rd.write_manifest({"experiment": spec["experiment"], "spec_hash": spec_hash(spec), "seed": self.seed,
                           "device": str(next(iter(self.model.parameters()), torch.empty(0)).device),
                           "dtype": str(next(iter(self.model.parameters()), torch.empty(0)).dtype).replace("torch.", ""),
                           "started": self._started, **environment_info(), "outcome": "completed",
                           "wall_time_s": round(time.perf_counter() - self._t0, 3),
                           "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")})
        figs: list[Path] = []
        if figures:
            from ..viz import build_report

            from . import _figures  # noqa: F401  (registers the monitor figures)

            build_report(rd.path)
            figs = sorted((rd.path / "figures").glob("*.png"))
        for s in self.sinks:
            if figs:
                s.on_figures(figs)
            s.on_finish(summary)
        return rd.path
