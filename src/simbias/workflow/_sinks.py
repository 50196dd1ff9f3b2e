"""Live logging sinks: stream recorded scalars, figures and the spec to a tracker.

A sink has four methods (all optional to override, see :class:`Sink`)::

    on_start(spec)            spec: the resolved spec as a dict (logged as parameters / hparams)
    on_record(step, scalars)  scalars: {name: float}; per-peak arrays arrive as name/0, name/1, ...
    on_figures(paths)         the final figures (PNG files)
    on_finish(summary)        the headline numbers; closes the sink

:class:`TensorBoardSink` writes event files into ``DIR/tensorboard/`` (so a run directory stays
self-contained); :class:`MLflowSink` logs to an MLflow tracking URI — a local file store under
``DIR/mlruns`` by default.  Both are optional extras (``simbias[tensorboard]``,
``simbias[mlflow]``); a missing package is one clear :class:`~simbias.errors.InputError`.

``simbias run --log`` streams live: :class:`LiveLog` is the ``on_record`` callback that
:func:`simbias.experiments.run` passes to the training engine, so the sinks receive each record
as it is taken; a sweep replays its members' histories after training (:func:`replay`), as
members of a bucket train in lockstep; a :class:`~simbias.workflow.Monitor` streams live.

A resumed run (``simbias run --resume``) logs each step once and continues the same tracker run:
``LiveLog(..., resume=True)`` opens the sinks in resume mode, where each sink first reads what its
tracker already holds — per scalar tag, the last step logged (TensorBoard: the event files in
``DIR/tensorboard`` read with ``EventAccumulator``; MLflow: the metric history of the run whose id
:data:`MLFLOW_RUN_ID` in the run directory names) — and then drops every value at or below that
step.  Per tag, not per step: the jobs of a plan each count their steps from 0 (a finished job's
tags must stay), so a global ``purge_step`` would erase them.  The values dropped equal the ones
the tracker holds (a resumed run recomputes them bit for bit).  Records taken before a checkpoint
are in the tracker when the checkpoint is written (:meth:`LiveLog.sync` runs first), so nothing
between the tracker's last write and the checkpoint goes missing.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..errors import InputError
from ..io import atomic_write_text
from ..results import History

__all__ = ["Sink", "TensorBoardSink", "MLflowSink", "LiveLog", "make_sinks", "parse_log_option", "replay",
           "scalars_of", "SINKS", "MLFLOW_RUN_ID"]

#: the file in a run directory that names the MLflow run ``simbias run --log mlflow`` logs to
#: (``--resume`` continues that run)
MLFLOW_RUN_ID = "mlflow_run_id"

SINKS = ("tensorboard", "mlflow")
_MAX_VECTOR = 32  # per-record arrays up to this many entries are logged as name/i


class Sink:
    """Base class of a logging sink: every hook does nothing unless overridden.

    The writers here buffer records and write them every ``flush_secs`` (2 s) and at the end.
    Hooks, in order: ``on_start(spec)`` (the resolved spec as a nested mapping),
    ``on_record(step, scalars)`` for every record (scalars from :func:`scalars_of`),
    ``on_figures(paths)`` (the written figure files) and ``on_finish(summary)`` (the
    ``summary.json`` numbers).

    Examples
    --------
    >>> class Printer(Sink):
    ...     def on_record(self, step, scalars):
    ...         print(step, dict(scalars))
    >>> sink = Printer()
    >>> sink.on_start({"experiment": "fprinciple"})  # not overridden: does nothing
    >>> sink.on_record(10, {"train_loss": 0.5})
    10 {'train_loss': 0.5}
    """

    def on_start(self, spec: Mapping[str, Any]) -> None:
        pass

    def on_record(self, step: int, scalars: Mapping[str, float]) -> None:
        pass

    def on_figures(self, paths: Sequence[Path]) -> None:
        pass

    def on_finish(self, summary: Mapping[str, Any]) -> None:
        pass

    def flush(self) -> None:
        """Write everything received so far to the tracker (called before a checkpoint is written)."""


def _flat(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _param_value(v: Any) -> Any:
    if isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def scalars_of(values: Mapping[str, Any]) -> dict[str, float]:
    """Probe outputs → loggable scalars: 0-d as ``name``, small vectors as ``name/i``; wide arrays skipped.

    Examples
    --------
    >>> scalars_of({"loss": 0.5, "peak_error": [0.1, 0.9]})
    {'loss': 0.5, 'peak_error/0': 0.1, 'peak_error/1': 0.9}
    """
    out: dict[str, float] = {}
    for k, v in values.items():
        if hasattr(v, "detach"):
            v = v.detach().cpu().numpy()
        a = np.asarray(v)
        if not np.issubdtype(a.dtype, np.number):
            continue
        if a.ndim == 0 or a.size == 1:
            out[k] = float(a.reshape(()))
        elif a.size <= _MAX_VECTOR:
            for i, x in enumerate(a.reshape(-1)):
                out[f"{k}/{i}"] = float(x)
    return out


class _Buffered(Sink):
    """``on_record`` appends to a buffer; the buffer is written every ``flush_secs`` and at the end.

    Writing in batches keeps the per-record cost at a list append.  (A writer thread was tried
    first: its Python work holds the GIL and the training loop waits up to the interpreter's
    switch interval for it, which cost 20–60 % of wall time on a busy two-core machine.)
    """

    flush_secs: float = 2.0

    def _start_buffer(self) -> None:
        import time

        self._pending: list[tuple[int, dict[str, float]]] = []
        self._clock = time.monotonic
        self._last_flush = self._clock()
        self._logged: dict[str, int] = {}  # resume: per tag, the last step the tracker already holds

    def _new(self, step: int, scalars: Mapping[str, float]) -> Mapping[str, float]:
        """``scalars`` less the tags the tracker already holds at ``step`` (a resumed run's repeats)."""
        if not self._logged:
            return scalars
        return {k: v for k, v in scalars.items() if step > self._logged.get(self._tag(k), -1)}

    @staticmethod
    def _tag(name: str) -> str:
        return name

    def _write(self, step: int, scalars: Mapping[str, float]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def on_record(self, step: int, scalars: Mapping[str, float]) -> None:
        self._pending.append((int(step), dict(scalars)))
        if self._clock() - self._last_flush >= self.flush_secs:
            self._drain()

    def _drain(self) -> None:
        """Write every buffered record now."""
        pending, self._pending = self._pending, []
        for step, scalars in pending:
            scalars = self._new(step, scalars)
            if scalars:
                self._write(step, scalars)
        self._last_flush = self._clock()

    def flush(self) -> None:
        self._drain()


class TensorBoardSink(_Buffered):
    """Scalars, figures (as images) and the spec (hparams text) into TensorBoard event files.

    Parameters
    ----------
    logdir : path
        Where the event files go (``RUN_DIR/tensorboard`` from the CLI).
    resume : bool, default False
        Continue the event files already in ``logdir``: scalars at or below a tag's last logged
        step there, and the spec text when it is there, are not written again.

    Examples
    --------
    >>> sink = TensorBoardSink("runs/x/tensorboard"); sink.on_record(0, {"loss": 1.0}); sink.on_finish({})
    """

    def __init__(self, logdir: str | os.PathLike, *, resume: bool = False):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise InputError("--log tensorboard", "needs the tensorboard package",
                             "pip install 'simbias[tensorboard]' (or pip install tensorboard)") from None
        from tensorboard.compat.proto.summary_pb2 import Summary

        self.logdir = Path(logdir)
        self._start_buffer()
        self._held: set[str] = set()  # resume: the text and image tags already there
        if resume and self.logdir.is_dir():
            self._logged, self._held = _tensorboard_logged(self.logdir)
        self._w = SummaryWriter(log_dir=str(self.logdir))
        self._summary = Summary

    def on_start(self, spec: Mapping[str, Any]) -> None:
        if any(t.startswith("spec") for t in self._held):
            return
        flat = _flat(spec)
        text = "\n".join(f"    {k} = {v!r}" for k, v in flat.items())
        self._w.add_text("spec", text, 0)

    def _write(self, step: int, scalars: Mapping[str, float]) -> None:
        # one event per record with every scalar in it (add_scalar per value costs ~0.1 ms each)
        values = [self._summary.Value(tag=k, simple_value=v) for k, v in scalars.items() if math.isfinite(v)]
        if values:
            self._w._get_file_writer().add_summary(self._summary(value=values), step)

    def flush(self) -> None:
        self._drain()
        self._w.flush()

    def on_figures(self, paths: Sequence[Path]) -> None:
        from PIL import Image

        self._drain()
        for p in paths:
            if Path(p).suffix.lower() != ".png":
                continue
            tag = f"figures/{Path(p).stem}"
            if tag in self._held:
                continue
            with Image.open(p) as im:
                arr = np.asarray(im.convert("RGB"))
            self._w.add_image(tag, arr, 0, dataformats="HWC")

    def on_finish(self, summary: Mapping[str, Any]) -> None:
        self._drain()
        for k, v in _flat(summary).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) \
                    and f"summary/{k}" not in self._logged:
                self._w.add_scalar(f"summary/{k}", float(v), 0)
        self._w.flush()
        self._w.close()


def _tensorboard_logged(logdir: Path) -> tuple[dict[str, int], set[str]]:
    """Per scalar tag the last step the event files in ``logdir`` hold, and their text and image tags."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "tensors": 0, "images": 1})
    acc.Reload()
    tags = acc.Tags()
    last = {t: max(e.step for e in acc.Scalars(t)) for t in tags.get("scalars", []) if acc.Scalars(t)}
    return last, {*tags.get("tensors", []), *tags.get("images", [])}


class MLflowSink(_Buffered):
    """Scalars as MLflow metrics, the spec as parameters, figures as artifacts, summary as metrics.

    Parameters
    ----------
    tracking_uri : str
        ``file:///...`` (local store) or a tracking server URL.
    experiment : str
        MLflow experiment name (the preset or sweep name).
    run_name : str, optional
        Name of the MLflow run; ``tags`` are set on it (a sweep sets ``simbias.sweep``).
    run_id : str, optional
        Continue this run when the tracking store still has it (a resumed run): its metrics at or
        below each key's last logged step and its parameters are not logged again.  A run that is
        gone (or ``None``) starts a new one; ``self.run_id`` says which.

    Examples
    --------
    >>> sink = MLflowSink(Path("runs/x/mlruns").resolve().as_uri(), "fprinciple-1d")
    """

    def __init__(self, tracking_uri: str, experiment: str, *, run_name: str | None = None,
                 tags: Mapping[str, str] | None = None, run_id: str | None = None):
        try:
            from mlflow.tracking import MlflowClient
        except ImportError:
            raise InputError("--log mlflow", "needs the mlflow package",
                             "pip install 'simbias[mlflow]' (or pip install mlflow-skinny)") from None
        self.tracking_uri = tracking_uri
        if tracking_uri.startswith("file:"):
            # MLflow 3 keeps the plain-file store behind this opt-in; a run directory stays self-contained
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self.client = MlflowClient(tracking_uri=tracking_uri)
        self._buf: list = []
        self._start_buffer()
        self._params: dict[str, str] = {}
        old = self._continue(run_id) if run_id else None
        if old is None:
            exp = self.client.get_experiment_by_name(experiment)
            exp_id = exp.experiment_id if exp is not None else self.client.create_experiment(experiment)
            self.run_id = self.client.create_run(exp_id, run_name=run_name, tags=dict(tags or {})).info.run_id
        else:
            self.run_id = old

    def _continue(self, run_id: str) -> str | None:
        """Pick up ``run_id``: what it already holds (params, last step per metric); ``None`` if it is gone."""
        from mlflow.exceptions import MlflowException

        try:
            run = self.client.get_run(run_id)
        except MlflowException:
            return None
        if run.info.lifecycle_stage != "active":
            return None
        self._params = dict(run.data.params)
        for key in run.data.metrics:
            hist = self.client.get_metric_history(run_id, key)
            if hist:
                self._logged[key] = max(m.step for m in hist)
        if run.info.status != "RUNNING":
            self.client.update_run(run_id, status="RUNNING")
        return run_id

    @staticmethod
    def _tag(name: str) -> str:
        return name.replace("[", "_").replace("]", "")

    def on_start(self, spec: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        params = [Param(k[:250], str(_param_value(v))[:6000]) for k, v in _flat(spec).items()]
        params = [p for p in params if p.key not in self._params]  # a continued run keeps its own
        for i in range(0, len(params), 100):
            self.client.log_batch(self.run_id, params=params[i:i + 100])

    def _write(self, step: int, scalars: Mapping[str, float]) -> None:
        from mlflow.entities import Metric

        import time

        ts = int(time.time() * 1000)
        self._buf.extend(Metric(self._tag(k), v, ts, int(step))
                         for k, v in scalars.items() if math.isfinite(v))
        if len(self._buf) >= 900:
            self._flush()

    def _drain(self) -> None:
        super()._drain()
        self._flush()

    def _flush(self) -> None:
        while self._buf:
            chunk, self._buf = self._buf[:900], self._buf[900:]
            self.client.log_batch(self.run_id, metrics=chunk)

    def on_figures(self, paths: Sequence[Path]) -> None:
        self._drain()
        for p in paths:
            self.client.log_artifact(self.run_id, str(p), artifact_path="figures")

    def on_finish(self, summary: Mapping[str, Any]) -> None:
        from mlflow.entities import Metric

        self._drain()
        for k, v in _flat(summary).items():
            key = self._tag(f"summary.{k}")
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and key not in self._logged:
                self._buf.append(Metric(key, float(v), 0, 0))
        self._flush()
        self.client.set_terminated(self.run_id)


def parse_log_option(values: Iterable[str]) -> list[tuple[str, str | None]]:
    """``["tensorboard", "mlflow=URI"]`` → ``[("tensorboard", None), ("mlflow", "URI")]``; checked."""
    out = []
    for v in values:
        name, _, arg = v.partition("=")
        name = name.strip().lower()
        if name not in SINKS:
            raise InputError("--log", f"unknown sink {v!r}", f"use one of {', '.join(SINKS)} (mlflow=URI for a server)")
        if name == "tensorboard" and arg:
            raise InputError("--log", f"tensorboard takes no argument, got {v!r}",
                             "use --log tensorboard (event files go into DIR/tensorboard)")
        if any(n == name for n, _ in out):
            raise InputError("--log", f"{name} given twice", "give each sink once")
        out.append((name, arg or None))
    return out


def make_sinks(options: Sequence[tuple[str, str | None]], run_dir: str | os.PathLike, *, experiment: str,
               run_name: str | None = None, tags: Mapping[str, str] | None = None,
               resume: bool = False) -> list[Sink]:
    """Build the sinks named by :func:`parse_log_option` for one run directory.

    ``resume=True`` continues what a killed try of the same run logged: the TensorBoard event
    files in ``run_dir/tensorboard`` and the MLflow run named by ``run_dir/``:data:`MLFLOW_RUN_ID`.
    """
    rd = Path(run_dir)
    sinks: list[Sink] = []
    for name, arg in options:
        if name == "tensorboard":
            sinks.append(TensorBoardSink(rd / "tensorboard", resume=resume))
        else:
            uri = arg or (rd / "mlruns").resolve().as_uri()
            old = None
            if resume and (rd / MLFLOW_RUN_ID).is_file():
                old = (rd / MLFLOW_RUN_ID).read_text().strip() or None
            sinks.append(MLflowSink(uri, experiment, run_name=run_name or rd.name, tags=tags, run_id=old))
    return sinks


def check_sinks_available(options: Sequence[tuple[str, str | None]]) -> None:
    """Raise the one-line :class:`InputError` for a missing package before anything trains."""
    import importlib.util

    for name, _ in options:
        mod = "tensorboard" if name == "tensorboard" else "mlflow"
        if importlib.util.find_spec(mod) is None:
            raise InputError(f"--log {name}", f"needs the {mod} package",
                             f"pip install 'simbias[{name}]' (or pip install {'mlflow-skinny' if name == 'mlflow' else mod})")


def replay(sinks: Sequence[Sink], history: History | None, *, spec: Mapping[str, Any],
           summary: Mapping[str, Any], figures: Sequence[Path] = ()) -> int:
    """Send a finished run's spec, recorded scalars, figures and summary through ``sinks``.

    Cheap probes are sent at their record steps (``history.steps``), snapshot probes at
    ``static["snapshot_steps"]``; ensemble histories (member axis first) are skipped here —
    sweeps replay per member.  Returns the number of record steps sent.
    """
    for s in sinks:
        s.on_start(spec)
    n = 0
    if history is not None and len(history.steps):
        steps = np.asarray(history.steps)
        snap = np.asarray(history.static.get("snapshot_steps", np.zeros(0, dtype=np.int64)))
        per_step: dict[int, dict[str, float]] = {}
        for name, arr in history.arrays.items():
            a = np.asarray(arr)
            if a.ndim == 0:
                continue
            st = steps if a.shape[0] == len(steps) else (snap if a.shape[0] == len(snap) else None)
            if st is None:
                continue
            for i, s in enumerate(st):
                per_step.setdefault(int(s), {}).update(scalars_of({name: a[i]}))
        for s in sorted(per_step):
            if per_step[s]:
                for sink in sinks:
                    sink.on_record(s, per_step[s])
                n += 1
    for s in sinks:
        if figures:
            s.on_figures(list(figures))
        s.on_finish(summary)
    return n


class LiveLog:
    """The ``on_record`` callback of a run that streams to sinks while it trains.

    The sinks are made on the first record (training starts only after the run directory is
    claimed, so nothing is written into a directory a refused run does not own); ``finish``
    sends the figures and the summary, or replays the whole history when no record came
    through the callback (a job with a trainer of its own that records nothing live).

    Parameters
    ----------
    options : the parsed ``--log`` options (:func:`parse_log_option`).
    run_dir : the run directory (TensorBoard event files go into ``run_dir/tensorboard``).
    experiment : MLflow experiment name (the preset name).
    spec : the resolved spec as a dict (sent by ``on_start``).
    tags : MLflow run tags.
    resume : continue what a killed try of this run logged (module docstring): each step once, the
        same MLflow run.  The MLflow run's id goes into ``run_dir/``:data:`MLFLOW_RUN_ID`.

    Examples
    --------
    >>> live = LiveLog([("tensorboard", None)], "runs/x", experiment="x", spec={})  # doctest: +SKIP
    >>> run(spec, "runs/x", on_record=live)                                          # doctest: +SKIP
    >>> live.finish(summary, figures)                                                # doctest: +SKIP
    """

    def __init__(self, options: Sequence[tuple[str, str | None]], run_dir: str | os.PathLike, *, experiment: str,
                 spec: Mapping[str, Any], tags: Mapping[str, str] | None = None, resume: bool = False):
        self.options, self.run_dir, self.experiment = list(options), Path(run_dir), experiment
        self.spec, self.tags, self.resume = spec, dict(tags or {}), resume
        self.sinks: list[Sink] | None = None
        self.records = 0

    def _make(self) -> list[Sink]:
        sinks = make_sinks(self.options, self.run_dir, experiment=self.experiment, run_name=self.run_dir.name,
                           tags=self.tags, resume=self.resume)
        for s in sinks:
            if isinstance(s, MLflowSink):
                atomic_write_text(self.run_dir / MLFLOW_RUN_ID, s.run_id + "\n")
        return sinks

    def _open(self) -> list[Sink]:
        if self.sinks is None:
            self.sinks = self._make()
            for s in self.sinks:
                s.on_start(self.spec)
        return self.sinks

    def sync(self) -> None:
        """Write what the sinks hold to the trackers; :func:`simbias.experiments.run` calls it before
        each checkpoint, so the trackers have every record the checkpoint covers."""
        for s in self.sinks or ():
            s.flush()

    def __call__(self, step: int, values: Mapping[str, Any]) -> None:
        scalars = scalars_of(values)
        if scalars:
            for s in self._open():
                s.on_record(int(step), scalars)
            self.records += 1

    def finish(self, summary: Mapping[str, Any], figures: Sequence[Path] = (), history: History | None = None) -> int:
        """Close the sinks (figures, summary); returns the number of records sent (live or replayed)."""
        if self.sinks is None:
            sinks = self._make()
            self.sinks = sinks
            return replay(sinks, history, spec=self.spec, summary=summary, figures=figures)
        for s in self.sinks:
            if figures:
                s.on_figures(list(figures))
            s.on_finish(summary)
        return self.records
