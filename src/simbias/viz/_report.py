"""Reports composed of displays: ``figures/*`` and a self-contained ``report.html`` of a run or a
sweep directory, rebuilt from the directory alone (plotting never trains).

A sweep's own display, :class:`SweepMetrics`, is drawn from ``sweep.toml`` + ``results.csv``: for
one swept key, each summary number that varies across members against that key's values, seeds
aggregated as the mean with a min–max band (numeric keys) or min–max error bars (categorical keys).
When other keys are swept too, each combination of their values is a separate line (up to 8;
beyond that they are pooled with the seeds).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..io import atomic_write_text, load_run, load_sweep_results, remove_stale_temporaries
from ._display import FIGURES, Display, Line, LinePlot, Panel, _as_run, plt

__all__ = ["SweepMetrics", "displays", "make_figures", "sweep_figures", "build_report", "build_sweep_report"]

_NOT_METRICS = {"member_id", "seed", "outcome"}
_MAX_LINES = 8
_MAX_METRICS = 16


def _num(s) -> float:
    try:
        return float(s)
    except (TypeError, ValueError):
        return math.nan


def _metrics(columns: list[str], rows: list[dict[str, str]], keys: list[str]) -> dict[str, np.ndarray]:
    """Numeric summary columns that vary across members (skipping one equal to an earlier one) → finite values."""
    seen: dict[str, np.ndarray] = {}
    for c in (c for c in columns if c not in _NOT_METRICS and c not in keys):
        vals = np.array([_num(r.get(c)) for r in rows])
        finite = vals[np.isfinite(vals)]
        varies = finite.size and (np.unique(finite).size > 1 or finite.size < vals.size)
        if varies and not any(np.array_equal(vals, v, equal_nan=True) for v in seen.values()):
            seen[c] = vals
    return {c: v[np.isfinite(v)] for c, v in list(seen.items())[:_MAX_METRICS]}


def _order(values: list[str]) -> tuple[list[str], np.ndarray, bool]:
    """The distinct values (sorted when all are numbers), their x positions, and whether they are numbers."""
    distinct = list(dict.fromkeys(values))
    nums = [_num(v) for v in distinct]
    if all(math.isfinite(x) for x in nums):
        return [v for _, v in sorted(zip(nums, distinct))], np.array(sorted(nums), dtype=float), True
    return distinct, np.arange(len(distinct), dtype=float), False


def _safe_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", key).strip("_") or "key"


def _stats(values: list[float]) -> tuple[float, float, float]:
    v = np.array([x for x in values if math.isfinite(x)], dtype=float)
    return (v.mean(), v.min(), v.max()) if v.size else (math.nan, math.nan, math.nan)


class SweepMetrics(LinePlot):
    """Every summary number that varies across a sweep's members against one swept key.

    One panel per numeric ``results.csv`` column that varies across the completed and diverged
    members (at most 16; a column equal to an earlier one is skipped), drawn as described in the
    module docstring: mean over seeds with a min–max band (numeric key; log x axis when the
    values span more than a factor 30) or min–max error bars (categorical key); a log y axis
    when the positive values span more than a factor 100.

    Parameters
    ----------
    panels, ncols, title, panel_size, sharey
        As for :class:`LinePlot`; build one with :meth:`from_sweep`.

    Examples
    --------
    A loaded sweep (what :meth:`from_sweep` reads from ``sweep.toml`` and ``results.csv``):

    >>> from pathlib import Path
    >>> from simbias.viz import SweepMetrics
    >>> rows = [{"member_id": f"m{lr}-{s}", "train.lr": lr, "seed": str(s), "outcome": "completed",
    ...          "final_loss": str(float(lr) * (1 + s))} for lr in ("0.01", "0.1", "1.0") for s in (0, 1)]
    >>> sw = {"path": Path("sweeps/lr"), "meta": {"name": "lr"}, "rows": rows, "keys": ["train.lr", "seed"],
    ...       "columns": ["member_id", "train.lr", "seed", "outcome", "final_loss"]}
    >>> d = SweepMetrics.from_sweep(sw, key="train.lr")
    >>> d.panels[0].props["title"], d.panels[0].lines[0].y.round(6).tolist()   # mean over the two seeds
    ('final_loss', [0.015, 0.15, 1.5])
    >>> SweepMetrics.from_sweep("sweeps/lr", key="train.lr").plot()   # doctest: +SKIP
    """

    @classmethod
    def from_sweep(cls, sweep, *, key: str) -> "SweepMetrics | None":
        """One panel per varying summary number of the sweep directory ``sweep`` against ``key``.

        Parameters
        ----------
        sweep : str, os.PathLike or dict
            A sweep directory, or one already loaded as ``{"path", "meta", "columns", "rows",
            "keys"}`` (the argument of a :class:`FigureSet` sweep factory).
        key : str
            A swept spec key (x axis); the other swept keys (not ``seed``) split the lines when
            they take 2–8 combinations of values, else they are pooled with the seeds.

        Returns
        -------
        SweepMetrics or None
            ``None`` when no summary number varies or no member completed or diverged, or when
            ``key`` takes a single value while other keys are swept.

        Raises
        ------
        simbias.InputError
            A path without ``sweep.toml``.
        """
        sw = sweep if isinstance(sweep, Mapping) else load_sweep_results(sweep)
        keys = [k for k in sw["keys"] if k != "seed"]
        rows = [r for r in sw["rows"] if r.get("outcome") in ("completed", "diverged")]
        metrics = _metrics(sw["columns"], rows, keys)
        xs, pos, numeric = _order([r.get(key, "") for r in rows])
        if not metrics or (len(xs) < 2 and len(keys) > 1):
            return None
        others = [k for k in keys if k != key]
        combos = list(dict.fromkeys(tuple(r.get(k, "") for k in others) for r in rows))
        split = 1 < len(combos) <= _MAX_LINES
        xprops: dict[str, Any] = {"xticks": pos, "xticklabels": xs}
        if numeric and np.all(pos > 0) and pos.max() / pos.min() > 30:
            xprops = {"xscale": "log", "xlim": (pos.min() / 1.3, pos.max() * 1.3)}
        elif numeric and pos.max() > pos.min():
            pad = 0.05 * (pos.max() - pos.min())
            xprops = {"xlim": (pos.min() - pad, pos.max() + pad)}
        panels = []
        for metric, vals in metrics.items():
            lines = []
            for ci, combo in enumerate(combos if split else [None]):
                sel = [r for r in rows if combo is None or tuple(r.get(k, "") for k in others) == combo]
                mean, lo, hi = np.array([_stats([_num(r.get(metric)) for r in sel if r.get(key, "") == x]) for x in xs]).T
                label = None if combo is None else ", ".join(f"{k}={v}" for k, v in zip(others, combo))
                kw = {"color": f"C{ci % 10}", "ms": 3, **({"lw": 1.2} if numeric else {})}
                off = (ci - (len(combos) - 1) / 2) * 0.08 if split and not numeric else 0.0  # categorical: side by side
                lines.append(Line(pos + off, mean, "o-" if numeric else "o", label, kw,
                                  band=(lo, hi) if numeric else None, yerr=None if numeric else [mean - lo, hi - mean]))
            logy = {"yscale": "log"} if vals.size and np.all(vals > 0) and vals.max() / vals.min() > 100 else {}
            legend = {} if split and not panels else None  # one legend, on the first panel
            panels.append(Panel(lines, {**xprops, **logy, "title": metric, "xlabel": key}, legend))
        n_seeds = len({r.get("seed") for r in rows})
        return cls(panels, ncols=min(4, len(metrics)), panel_size=(3.6, 2.8),
                   title=f"{sw['meta'].get('name', sw['path'].name)}: summary numbers against {key} "
                         f"(mean over {n_seeds} seed{'s' if n_seeds != 1 else ''}, band = min–max)")


def displays(source) -> dict[str, Display]:
    """The figures of a run or a sweep, as displays by file name (nothing is drawn yet).

    A run's figures are the ``run`` factories of :data:`FIGURES` for its spec's ``experiment``; a
    sweep's are one :class:`SweepMetrics` per swept key (``<key>.png``) plus the kind's ``sweep``
    factories (when some member completed or diverged).  Factories that return ``None`` (arrays
    not recorded) give no entry.

    Parameters
    ----------
    source : str, os.PathLike, dict or object
        A run directory, a loaded run (``simbias.io.load_run``, or any mapping/object with
        ``history``, ``spec`` and ``summary``) or a sweep directory.

    Returns
    -------
    dict
        File name (as written under ``figures/``) → :class:`Display`.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> from simbias.viz import FIGURES, FigureSet, LossCurve, displays
    >>> FIGURES["my-kind"] = FigureSet(run={"loss.png": LossCurve.from_history})
    >>> h = History(steps=np.arange(10), arrays={"loss": np.linspace(1.0, 0.1, 10)})
    >>> made = displays({"spec": {"experiment": "my-kind"}, "history": h})
    >>> {name: type(d).__name__ for name, d in made.items()}
    {'loss.png': 'LossCurve'}
    >>> del FIGURES["my-kind"]
    >>> displays("runs/fprinciple-1d")["peak_error_heatmap.png"].plot()   # doctest: +SKIP
    """
    if isinstance(source, (str, os.PathLike)) and (Path(source) / "sweep.toml").exists():
        sw = load_sweep_results(source)
        made = {f"{_safe_name(k)}.png": SweepMetrics.from_sweep(sw, key=k) for k in sw["keys"] if k != "seed"}
        if any(r.get("outcome") in ("completed", "diverged") for r in sw["rows"]):
            fs = FIGURES.get(str(sw["meta"].get("experiment", "")))
            made.update({name: make(sw) for name, make in (fs.sweep.items() if fs else ())})
    else:
        run = _as_run(source)
        fs, h = FIGURES.get(str(run["spec"].get("experiment", ""))), run.get("history")
        made = {name: make(h, spec=run["spec"], summary=run["summary"])
                for name, make in (fs.run.items() if fs and h is not None else ())}
    return {name: d for name, d in made.items() if d is not None}


def make_figures(run, figdir: Path, *, dpi: int = 110) -> list[Path]:
    """Draw every figure of a run (or of a sweep directory) into ``figdir``.

    Parameters
    ----------
    run : str, os.PathLike or dict
        Run directory or loaded run, or a sweep directory, as for :func:`displays`.
    figdir : str or os.PathLike
        Folder to write to (created when there is a figure); figures closed after writing.
    dpi : int, default 110
        Resolution of the PNGs.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Examples
    --------
    >>> from pathlib import Path
    >>> make_figures("runs/fprinciple-1d", Path("runs/fprinciple-1d/figures"))   # doctest: +SKIP
    [PosixPath('runs/fprinciple-1d/figures/fit_snapshots.png'), ...]
    """
    made, figdir, out = displays(run), Path(figdir), []
    if made:
        figdir.mkdir(parents=True, exist_ok=True)
    for name, d in made.items():
        try:
            out.append(d.save(figdir / name, dpi=dpi))
        finally:
            if hasattr(d, "figure_"):
                plt.close(d.figure_)
    return out


def sweep_figures(path) -> list[Path]:
    """Draw ``figures/<key>.png`` for every swept key of a sweep directory, then the kind's own sweep figures.

    Parameters
    ----------
    path : str or os.PathLike
        Sweep directory; figures go to ``path/figures`` (PNG, 90 dpi).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Examples
    --------
    >>> sweep_figures("sweeps/condensation-1d")   # doctest: +SKIP
    """
    return make_figures(path, Path(path) / "figures", dpi=90)


_CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px} th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1em}
figure{margin:0} img{max-width:100%} figcaption{font-size:12px;color:#555}
pre{background:#f6f6f6;padding:1em;overflow:auto} .scroll{overflow:auto;max-height:40em}"""


def _page(path: Path, title: str, intro: str, sections: list[tuple[str, str]]) -> Path:
    body = "".join(f"<h2>{html.escape(h)}</h2>{content}" for h, content in sections)
    page = (f'<!doctype html>\n<html><head><meta charset="utf-8"><title>simbias — {title}</title>\n<style>\n{_CSS}\n'
            f"</style></head><body>\n<h1>{title}</h1>\n<p>{intro}</p>\n{body}\n</body></html>\n")
    atomic_write_text(path / "report.html", page)
    return path / "report.html"


def _figures_html(figs: list[Path], empty: str) -> str:
    tags = "".join(f'<figure><img src="data:image/{"gif" if f.suffix == ".gif" else "png"};base64,'
                   f'{base64.b64encode(f.read_bytes()).decode()}" alt="{html.escape(f.stem)}">'
                   f"<figcaption>{html.escape(f.name)}</figcaption></figure>" for f in map(Path, figs))
    return f'<div class="figs">{tags}</div>' if tags else f"<p>{empty}</p>"


def build_report(path, *, figures: bool = True, manifest: dict | None = None) -> Path:
    """(Re)build ``figures/*`` and ``report.html`` of the run directory ``path``; return the report path.

    Figures are written atomically (temporary names that a killed process leaves are removed by
    the next run or report); a damaged file raises :class:`~simbias.errors.InputError` naming it.

    The page holds the headline numbers (``summary.json``), the figures embedded as base64 data,
    ``spec.toml`` and the manifest.

    Parameters
    ----------
    path : str or os.PathLike
        Run directory written by ``simbias run`` (or a sweep member, or ``Monitor.finish``).
    figures : bool, default True
        Redraw the figures (else embed the ones on disk).
    manifest : dict, optional
        Shown instead of the directory's ``manifest.json`` (``simbias run`` builds the report
        before it writes the manifest).

    Returns
    -------
    pathlib.Path
        ``path/report.html``.

    Raises
    ------
    simbias.InputError
        ``path`` is not a run directory, or one of its files is damaged.

    Examples
    --------
    >>> build_report("runs/fprinciple-1d")   # doctest: +SKIP
    """
    run = load_run(path)
    p = run["path"]
    remove_stale_temporaries(p)
    figs = make_figures(run, p / "figures") if figures else sorted((p / "figures").glob("*.*"))
    man, e = (run["manifest"] if manifest is None else manifest), lambda v: html.escape(str(v))
    rows = "".join(f"<tr><th>{e(k)}</th><td><code>{e(json.dumps(v))}</code></td></tr>" for k, v in run["summary"].items())
    intro = (f"experiment <code>{e(run['spec'].get('experiment'))}</code> · outcome <b>{e(man.get('outcome', '?'))}</b> · "
             f"device {e(man.get('device', '?'))} · seed {e(man.get('seed', '?'))} · wall time "
             f"{e(man.get('wall_time_s', '?'))} s · spec hash <code>{e(man.get('spec_hash', '?'))}</code>")
    return _page(p, e(run["spec"].get("description") or run["spec"].get("experiment", "run")), intro, [
        ("Headline numbers", f"<table>{rows}</table>"), ("Figures", _figures_html(figs, "(none)")),
        ("Spec", f"<pre>{e((p / 'spec.toml').read_text(encoding='utf-8'))}</pre>"),
        ("Environment", f"<pre>{e(json.dumps(man, indent=2))}</pre>")])


def build_sweep_report(path, *, figures: bool = True) -> Path:
    """(Re)build the sweep figures and ``report.html`` of the sweep directory ``path``; return the report path.

    The page holds the member counts by outcome, the figures (:func:`sweep_figures`), the first
    500 rows of ``results.csv`` and ``sweep.toml``.

    Parameters
    ----------
    path : str or os.PathLike
        Sweep directory written by ``simbias sweep``.
    figures : bool, default True
        Redraw the figures (else embed the ones on disk).

    Returns
    -------
    pathlib.Path
        ``path/report.html``.

    Examples
    --------
    >>> build_sweep_report("sweeps/condensation-1d")   # doctest: +SKIP
    """
    sw = load_sweep_results(path)
    p, meta, columns, rows = sw["path"], sw["meta"], sw["columns"], sw["rows"]
    figs = sweep_figures(p) if figures else sorted((p / "figures").glob("*.png"))
    counts = Counter(r.get("outcome", "?") for r in rows)
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{e(r.get(c, '') or '')}</td>" for c in columns) + "</tr>" for r in rows[:500])
    more = f"<p>… {len(rows) - 500} more rows in results.csv</p>" if len(rows) > 500 else ""
    intro = (f"experiment <code>{e(str(meta.get('experiment', '?')))}</code> · {len(rows)} members "
             f"({', '.join(f'{v} {e(k)}' for k, v in sorted(counts.items()))}) · sweep hash "
             f"<code>{e(str(meta.get('hash', '?')))}</code> · one run directory per member under <code>members/</code>")
    return _page(p, e(f"sweep {meta.get('name', p.name)}"), intro, [
        ("Figures", _figures_html(figs, "(none: nothing varies, or no member finished)")),
        ("results.csv", f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>{more}'),
        ("Sweep", f"<pre>{e((p / 'sweep.toml').read_text(encoding='utf-8'))}</pre>")])
