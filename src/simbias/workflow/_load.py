"""``simbias.load(path)``: a run or sweep directory as Python objects for notebooks.

``Run`` wraps a run directory (``spec.toml``, ``manifest.json``, ``summary.json``,
``history.npz``, ``figures/``); ``Sweep`` wraps a sweep directory (``sweep.toml``,
``members/<id>/``, ``results.csv``).  Files are read on first access, so loading a large sweep
is cheap until a member's history is asked for.  Missing files (a directory written by an older
version, a run killed before its summary) read as empty, never as an error.
"""

from __future__ import annotations

import base64
import html
import os
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io import read_json
from ..io._store import HISTORY, MANIFEST, SPEC, SUMMARY
from ..io._sweepdir import MEMBERS, RESULTS, SWEEP_FILE
from ..results import History

__all__ = ["Run", "Sweep", "load"]


def _toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _json_or_empty(path: Path) -> dict[str, Any]:
    try:
        return read_json(path) if path.exists() else {}
    except (OSError, ValueError):
        return {}


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        inner = ", ".join(_short(x) for x in v[:6])
        return f"[{inner}{', …' if len(v) > 6 else ''}]"
    return str(v)


def _thumbs(paths: list[Path], width: int = 220) -> str:
    out = []
    for f in paths:
        if f.suffix.lower() != ".png":
            continue
        data = base64.b64encode(f.read_bytes()).decode()
        out.append(f'<figure style="display:inline-block;margin:4px"><img width="{width}" '
                   f'src="data:image/png;base64,{data}" alt="{html.escape(f.stem)}">'
                   f'<figcaption style="font-size:small">{html.escape(f.name)}</figcaption></figure>')
    return "".join(out)


class Run:
    """One run directory, read lazily.

    Each file is read on first access and cached; in a notebook the run shows as a table of its
    summary with figure thumbnails.

    Parameters
    ----------
    path : str or os.PathLike
        A directory with ``spec.toml`` (written by ``simbias run``, a sweep member,
        ``Monitor.finish`` or ``analyze``).

    Attributes
    ----------
    path : Path
    spec : dict
        The resolved spec (``spec.toml``).
    manifest, summary : dict
        ``manifest.json`` and ``summary.json`` (empty when missing or unreadable).
    history : History or None
        ``history.npz`` (``None`` when missing), its outcome, wall time and seed from the manifest.
    figures : list of Path
        ``figures/*.png`` and ``*.gif``.
    experiment, outcome : str
        The spec's experiment kind and the manifest's outcome (``"unknown"`` when missing).

    Raises
    ------
    simbias.InputError
        ``path`` has no ``spec.toml``.

    Examples
    --------
    >>> from simbias.workflow import Run
    >>> run = Run("runs/fprinciple-1d")                                      # doctest: +SKIP
    >>> run.summary["final_peak_error"], run.history.to_pandas("wide").tail()  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not (self.path / SPEC).is_file():
            raise InputError("path", f"{self.path} is not a run directory (no {SPEC})",
                             "give a directory written by simbias run, a sweep member, or Monitor.finish")

    @cached_property
    def spec(self) -> dict[str, Any]:
        """The resolved spec, ``spec.toml`` as a dict."""
        return _toml(self.path / SPEC)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json`` (versions, device, seed, spec hash, wall time, outcome); ``{}`` when missing."""
        return _json_or_empty(self.path / MANIFEST)

    @cached_property
    def summary(self) -> dict[str, Any]:
        """``summary.json``, the headline numbers; ``{}`` when missing."""
        return _json_or_empty(self.path / SUMMARY)

    @cached_property
    def history(self) -> History | None:
        """``history.npz`` as a :class:`~simbias.results.History` (``None`` when missing)."""
        f = self.path / HISTORY
        if not f.exists():
            return None
        with np.load(f, allow_pickle=False) as z:
            h = History.from_npz_dict({k: z[k] for k in z.files})
        outcome = self.manifest.get("outcome")
        if outcome:
            from ..errors import Outcome

            try:
                h.outcome = Outcome(outcome)
            except ValueError:
                pass
        h.info.update({k: self.manifest[k] for k in ("wall_time_s", "seed") if k in self.manifest})
        return h

    @property
    def figures(self) -> list[Path]:
        """The figure files, ``figures/*.png`` and ``*.gif``, sorted."""
        d = self.path / "figures"
        return sorted(p for p in d.glob("*") if p.suffix.lower() in (".png", ".gif")) if d.is_dir() else []

    @property
    def experiment(self) -> str:
        """The experiment kind (the spec's ``experiment``; ``"?"`` when missing)."""
        return str(self.spec.get("experiment", "?"))

    @property
    def outcome(self) -> str:
        """The manifest's outcome (``"completed"``, ``"diverged"``, ...; ``"unknown"`` when missing)."""
        return str(self.manifest.get("outcome", "unknown"))

    def to_pandas(self, form: str = "long"):
        """Shortcut for ``run.history.to_pandas(form)``.

        Parameters
        ----------
        form : {"long", "wide"}
            As for :meth:`simbias.History.to_pandas`.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        simbias.InputError
            The run has no ``history.npz``.
        """
        if self.history is None:
            raise InputError("history", f"{self.path} has no {HISTORY}", "rerun the experiment to record one")
        return self.history.to_pandas(form)

    def __repr__(self) -> str:
        h = self.history
        steps = f"{len(h.steps)} records to step {int(h.steps[-1])}" if h is not None and len(h.steps) else "no history"
        return (f"Run({str(self.path)!r}: {self.experiment}, outcome={self.outcome}, {steps}, "
                f"{len(self.summary)} summary numbers, {len(self.figures)} figures)")

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(_short(v))}</td></tr>"
                       for k, v in list(self.summary.items())[:20])
        h = self.history
        steps = f" · {len(h.steps)} records (to step {int(h.steps[-1])})" if h is not None and len(h.steps) else ""
        return (f"<div><b>Run</b> <code>{html.escape(str(self.path))}</code> · {html.escape(self.experiment)} · "
                f"outcome <b>{html.escape(self.outcome)}</b>{steps}<table>{rows}</table>{_thumbs(self.figures)}</div>")


class Sweep:
    """One sweep directory: its definition, members as :class:`Run`, and ``results`` as a DataFrame.

    Files are read on first access; ``len(sweep)`` and ``sweep[i]`` go over the members.

    Parameters
    ----------
    path : str or os.PathLike
        A directory with ``sweep.toml`` (written by ``simbias sweep``).

    Attributes
    ----------
    path : Path
    spec : dict
        ``sweep.toml`` as a dict.
    results : pandas.DataFrame
        ``results.csv``: one row per member (swept keys, seed, outcome, summary numbers).
    members : list of Run
        The member run directories.
    figures : list of Path
        The sweep's own ``figures/*.png`` and ``*.gif``.

    Raises
    ------
    simbias.InputError
        ``path`` has no ``sweep.toml``.

    Examples
    --------
    >>> import simbias
    >>> sw = simbias.load("runs/sweep-lr")                              # doctest: +SKIP
    >>> sw.results.groupby("train.lr")["final_loss"].mean()             # doctest: +SKIP
    >>> sw.members[0].history.to_pandas()                               # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not (self.path / SWEEP_FILE).is_file():
            raise InputError("path", f"{self.path} is not a sweep directory (no {SWEEP_FILE})",
                             "give a directory written by simbias sweep")

    @cached_property
    def spec(self) -> dict[str, Any]:
        """``sweep.toml`` as a dict."""
        return _toml(self.path / SWEEP_FILE)

    @cached_property
    def results(self):
        """``results.csv`` as a :class:`pandas.DataFrame` (numbers parsed; empty when missing)."""
        import pandas as pd

        f = self.path / RESULTS
        if not f.exists() or f.stat().st_size == 0:
            return pd.DataFrame()
        return pd.read_csv(f, dtype={"member_id": str})

    @cached_property
    def members(self) -> list[Run]:
        """The member run directories, in the order of ``results.csv`` when it names them."""
        base = self.path / MEMBERS
        dirs = sorted(p for p in base.iterdir() if (p / SPEC).is_file()) if base.is_dir() else []
        res = self.results
        if "member_id" in getattr(res, "columns", ()):
            order = {str(m): i for i, m in enumerate(res["member_id"])}
            dirs.sort(key=lambda p: order.get(p.name, len(order)))
        return [Run(p) for p in dirs]

    @property
    def figures(self) -> list[Path]:
        """The sweep's figure files, ``figures/*.png`` and ``*.gif``, sorted."""
        d = self.path / "figures"
        return sorted(p for p in d.glob("*") if p.suffix.lower() in (".png", ".gif")) if d.is_dir() else []

    def __len__(self) -> int:
        return len(self.members)

    def __getitem__(self, i: int) -> Run:
        return self.members[i]

    def __repr__(self) -> str:
        res = self.results
        outcomes = res["outcome"].value_counts().to_dict() if "outcome" in getattr(res, "columns", ()) else {}
        sw = self.spec.get("sweep", {}) if isinstance(self.spec.get("sweep"), dict) else {}
        what = f"{sw.get('experiment', '?')} sweep {sw.get('name', '')!r}, " if sw else ""
        return (f"Sweep({str(self.path)!r}: {what}{len(self.members)} members, results {res.shape[0]}×{res.shape[1]}, "
                f"outcomes {outcomes or 'n/a'})")

    def _repr_html_(self) -> str:
        res = self.results
        table = res.head(20).to_html(max_cols=12) if len(res) else "<p>(no results.csv)</p>"
        return (f"<div><b>Sweep</b> <code>{html.escape(str(self.path))}</code> · {len(self.members)} members"
                f"{table}{_thumbs(self.figures)}</div>")


def load(path: str | os.PathLike) -> Run | Sweep:
    """Open a run or sweep directory.

    Parameters
    ----------
    path : str or PathLike
        A directory written by ``simbias run``, ``simbias sweep``, ``simbias analyze`` or
        :meth:`Monitor.finish`.

    Returns
    -------
    Run or Sweep
        A :class:`Sweep` when ``path`` holds ``sweep.toml``, else a :class:`Run` when it holds
        ``spec.toml``.

    Raises
    ------
    simbias.InputError
        Neither file is there.

    Examples
    --------
    A run directory written by a :class:`Monitor` around a short training loop:

    >>> import tempfile
    >>> import torch
    >>> import simbias
    >>> x = torch.linspace(-1, 1, 64)[:, None]
    >>> y = torch.sin(torch.pi * x)
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    >>> opt = torch.optim.SGD(net.parameters(), lr=0.1)
    >>> mon = simbias.Monitor(net, (x, y), probes=["loss", "peak_error"], every=5)
    >>> for step in range(20):
    ...     _ = mon.step(step)
    ...     opt.zero_grad(); ((net(x) - y) ** 2).mean().backward(); opt.step()
    >>> run = simbias.load(mon.finish(tempfile.mkdtemp() + "/net", step=20, figures=False))
    >>> run.experiment, run.outcome, run.history.steps.tolist()
    ('monitor', 'completed', [0, 5, 10, 15, 20])
    >>> run.to_pandas("wide").columns.tolist()
    ['step', 'train_loss', 'peak_error']
    """
    p = Path(path)
    if (p / SWEEP_FILE).is_file():
        return Sweep(p)
    if (p / SPEC).is_file():
        return Run(p)
    raise InputError("path", f"{p} is neither a run directory ({SPEC}) nor a sweep directory ({SWEEP_FILE})",
                     "give a directory written by simbias run or simbias sweep")
