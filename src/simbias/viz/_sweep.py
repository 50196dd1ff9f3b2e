"""Sweep-level display, drawn from a sweep directory alone (``sweep.toml`` + ``results.csv``).

:class:`SweepMetrics`: for one swept key, each summary number that varies across members against
that key's values, seeds aggregated as the mean with a min–max band (numeric keys) or min–max error
bars (categorical keys).  When other keys are swept too, each combination of their values is a
separate line (up to 8; beyond that they are pooled with the seeds).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io import SweepDir
from ._display import Line, LinePlot, Panel

__all__ = ["SweepMetrics"]

_NOT_METRICS = {"member_id", "seed", "outcome"}
_MAX_LINES = 8
_MAX_METRICS = 16


def _load_sweep(path) -> dict[str, Any]:
    """``{"path", "meta", "columns", "rows", "keys"}`` of a sweep directory (a loaded one passes through)."""
    if not isinstance(path, (str, os.PathLike)):
        return path
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    p = Path(path)
    if not (p / "sweep.toml").exists():
        raise InputError("DIR", f"{p} is not a sweep directory (no sweep.toml)", "give a directory written by simbias sweep")
    meta = tomllib.loads((p / "sweep.toml").read_text(encoding="utf-8")).get("sweep", {})
    columns, rows = SweepDir(p).read_results()
    keys = [k for k, _ in meta.get("grid", [])] + [k for k, _ in meta.get("zip", [])]
    return {"path": p, "meta": meta, "columns": columns, "rows": rows, "keys": keys}


def _num(s) -> float:
    try:
        return float(s)
    except (TypeError, ValueError):
        return math.nan


def _metrics(columns: list[str], rows: list[dict[str, str]], keys: list[str]) -> list[str]:
    """Numeric summary columns that vary across members (a column equal to an earlier one is skipped)."""
    out, seen = [], []
    for c in columns:
        if c in _NOT_METRICS or c in keys:
            continue
        vals = np.array([_num(r.get(c, "")) for r in rows])
        finite = vals[np.isfinite(vals)]
        if not finite.size or (np.unique(finite).size == 1 and finite.size == vals.size):
            continue
        if any(np.array_equal(vals, v, equal_nan=True) for v in seen):
            continue
        seen.append(vals)
        out.append(c)
    return out[:_MAX_METRICS]


def _order(values: list[str]) -> tuple[list[str], bool]:
    distinct = list(dict.fromkeys(values))
    nums = [_num(v) for v in distinct]
    numeric = all(math.isfinite(x) for x in nums)
    return ([v for _, v in sorted(zip(nums, distinct))] if numeric else distinct), numeric


def _safe_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", key).strip("_") or "key"


def _stats(values: list[float]) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
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
        sw = _load_sweep(sweep)
        keys = [k for k in sw["keys"] if k != "seed"]
        rows = [r for r in sw["rows"] if r.get("outcome") in ("completed", "diverged")]
        metrics = _metrics(sw["columns"], rows, keys) if rows else []
        xs, numeric = _order([r.get(key, "") for r in rows])
        if not metrics or (len(xs) < 2 and len(keys) > 1):
            return None
        others = [k for k in keys if k != key]
        combos = list(dict.fromkeys(tuple(r.get(k, "") for k in others) for r in rows))
        split = 1 < len(combos) <= _MAX_LINES
        pos = np.array([_num(x) for x in xs] if numeric else range(len(xs)), dtype=float)
        panels = []
        for metric in metrics:
            lines = []
            for ci, combo in enumerate(combos if split else [None]):
                sel = [r for r in rows if combo is None or tuple(r.get(k, "") for k in others) == combo]
                mean, lo, hi = np.array([_stats([_num(r.get(metric)) for r in sel if r.get(key, "") == x]) for x in xs]).T
                label = None if combo is None else ", ".join(f"{k}={v}" for k, v in zip(others, combo))
                kw = {"color": f"C{ci % 10}", "ms": 3}
                if numeric:
                    lines.append(Line(pos, mean, "o-", label, {**kw, "lw": 1.2}, band=(lo, hi)))
                else:
                    off = (ci - (len(combos) - 1) / 2) * 0.08 if split else 0.0
                    lines.append(Line(pos + off, mean, "o", label, kw, yerr=[mean - lo, hi - mean]))
            props: dict[str, Any] = {"xticks": pos, "xticklabels": xs}
            if numeric and np.all(pos > 0) and pos.max() / pos.min() > 30:
                props = {"xscale": "log", "xlim": (pos.min() / 1.3, pos.max() * 1.3)}
            elif numeric and pos.max() > pos.min():
                pad = 0.05 * (pos.max() - pos.min())
                props = {"xlim": (pos.min() - pad, pos.max() + pad)}
            vals = np.array([_num(r.get(metric)) for r in rows])
            vals = vals[np.isfinite(vals)]
            if vals.size and np.all(vals > 0) and vals.max() / vals.min() > 100:
                props["yscale"] = "log"
            panels.append(Panel(lines, {**props, "title": metric, "xlabel": key}, {} if split and not panels else None))
        n_seeds = len({r.get("seed") for r in rows})
        return cls(panels, ncols=min(4, len(metrics)), panel_size=(3.6, 2.8),
                   title=f"{sw['meta'].get('name', sw['path'].name)}: summary numbers against {key} "
                         f"(mean over {n_seeds} seed{'s' if n_seeds != 1 else ''}, band = min–max)")
