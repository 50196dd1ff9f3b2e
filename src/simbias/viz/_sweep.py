"""Sweep-level figures and report, drawn from a sweep directory alone (``sweep.toml`` + ``results.csv``).

For every swept key, one figure: each summary number that varies across members against that
key's values, seeds aggregated as the mean with a min–max band (numeric keys) or min–max error
bars (categorical keys).  When other keys are swept too, each combination of their values is a
separate line (up to 8; beyond that they are pooled with the seeds).
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io import SweepDir, atomic_write_text
from ._common import plt

__all__ = ["sweep_figures", "build_sweep_report"]

_NOT_METRICS = {"member_id", "seed", "outcome"}
_MAX_LINES = 8
_MAX_METRICS = 16


def _sweep_meta(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    f = path / "sweep.toml"
    if not f.exists():
        raise InputError("DIR", f"{path} is not a sweep directory (no sweep.toml)", "give a directory written by simbias sweep")
    return tomllib.loads(f.read_text(encoding="utf-8")).get("sweep", {})


def _keys(meta: dict[str, Any]) -> list[str]:
    return [k for k, _ in meta.get("grid", [])] + [k for k, _ in meta.get("zip", [])]


def _num(s: str) -> float:
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


def _save(fig, path: Path) -> Path:
    import io

    from ..io import atomic_write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)  # fixed layout: 'tight' bounding boxes cost seconds at 16 panels
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path


def _order(values: list[str]) -> tuple[list[str], bool]:
    distinct = list(dict.fromkeys(values))
    nums = [_num(v) for v in distinct]
    numeric = all(math.isfinite(x) for x in nums)
    if numeric:
        distinct = [v for _, v in sorted(zip(nums, distinct))]
    return distinct, numeric


def _safe_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", key).strip("_") or "key"


def sweep_figures(path: str | Path) -> list[Path]:
    """Draw ``figures/<key>.png`` for every swept key of the sweep directory ``path``."""
    p = Path(path)
    meta = _sweep_meta(p)
    columns, rows = SweepDir(p).read_results()
    keys = [k for k in _keys(meta) if k != "seed"]
    rows = [r for r in rows if r.get("outcome") in ("completed", "diverged")]
    out: list[Path] = []
    if not rows:
        return out
    metrics = _metrics(columns, rows, keys)
    if not metrics:
        return out
    figdir = p / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    for key in keys:
        xs, numeric = _order([r.get(key, "") for r in rows])
        if len(xs) < 2 and len(keys) > 1:
            continue
        others = [k for k in keys if k != key]
        combos = list(dict.fromkeys(tuple(r.get(k, "") for k in others) for r in rows))
        split = 1 < len(combos) <= _MAX_LINES
        ncol = min(4, len(metrics))
        nrow = math.ceil(len(metrics) / ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.6 * ncol, 2.8 * nrow), squeeze=False)
        xpos = [_num(x) for x in xs] if numeric else list(range(len(xs)))
        for ax, metric in zip(axes.flat, metrics):
            for ci, combo in enumerate(combos if split else [None]):
                sel = [r for r in rows if combo is None or tuple(r.get(k, "") for k in others) == combo]
                mean, lo, hi = [], [], []
                for x in xs:
                    v = np.array([_num(r.get(metric, "")) for r in sel if r.get(key, "") == x])
                    v = v[np.isfinite(v)]
                    mean.append(v.mean() if v.size else np.nan)
                    lo.append(v.min() if v.size else np.nan)
                    hi.append(v.max() if v.size else np.nan)
                mean, lo, hi = np.array(mean), np.array(lo), np.array(hi)
                label = None if combo is None else ", ".join(f"{k}={v}" for k, v in zip(others, combo))
                color = f"C{ci % 10}"
                if numeric:
                    ax.plot(xpos, mean, "o-", color=color, ms=3, lw=1.2, label=label)
                    ax.fill_between(xpos, lo, hi, color=color, alpha=0.2, lw=0)
                else:
                    off = (ci - (len(combos) - 1) / 2) * 0.08 if split else 0.0
                    ax.errorbar(np.array(xpos) + off, mean, yerr=[mean - lo, hi - mean], fmt="o", color=color, ms=3,
                                capsize=2, label=label)
            if numeric:
                pos = np.array(xpos)
                if np.all(pos > 0) and pos.max() / pos.min() > 30:
                    ax.set_xscale("log")
                    ax.set_xlim(pos.min() / 1.3, pos.max() * 1.3)
                elif pos.max() > pos.min():
                    pad = 0.05 * (pos.max() - pos.min())
                    ax.set_xlim(pos.min() - pad, pos.max() + pad)
            else:
                ax.set_xticks(xpos)
                ax.set_xticklabels(xs, rotation=30, fontsize=7)
            vals = np.array([_num(r.get(metric, "")) for r in rows])
            vals = vals[np.isfinite(vals)]
            if vals.size and np.all(vals > 0) and vals.max() / vals.min() > 100:
                ax.set_yscale("log")
            ax.set_title(metric, fontsize=9)
            ax.set_xlabel(key, fontsize=8)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(metrics):]:
            ax.axis("off")
        if split:
            handles, labels = axes.flat[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=7, frameon=False)
        n_seeds = len({r.get("seed") for r in rows})
        fig.suptitle(f"{meta.get('name', p.name)}: summary numbers against {key} "
                     f"(mean over {n_seeds} seed{'s' if n_seeds != 1 else ''}, band = min–max)", fontsize=10)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.32 / nrow + 0.04, top=1 - 0.35 / nrow - 0.02,
                            wspace=0.35, hspace=0.75)
        out.append(_save(fig, figdir / f"{_safe_name(key)}.png"))
    return out


def build_sweep_report(path: str | Path, *, figures: bool = True) -> Path:
    """(Re)build the sweep figures and ``report.html`` of the sweep directory ``path``."""
    p = Path(path)
    meta = _sweep_meta(p)
    figs = sweep_figures(p) if figures else sorted((p / "figures").glob("*.png"))
    columns, rows = SweepDir(p).read_results()
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.get("outcome", "?")] = counts.get(r.get("outcome", "?"), 0) + 1
    shown = rows[:500]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(r.get(c, '') or '')}</td>" for c in columns) + "</tr>"
                   for r in shown)
    more = f"<p>… {len(rows) - len(shown)} more rows in results.csv</p>" if len(rows) > len(shown) else ""
    imgs = "".join(
        f'<figure><img src="data:image/png;base64,{base64.b64encode(Path(f).read_bytes()).decode()}" '
        f'alt="{html.escape(Path(f).stem)}"><figcaption>{html.escape(Path(f).name)}</figcaption></figure>' for f in figs)
    title = html.escape(f"sweep {meta.get('name', p.name)}")
    summary = ", ".join(f"{v} {html.escape(k)}" for k, v in sorted(counts.items()))
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>simbias — {title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;font-size:12px}} th,td{{border:1px solid #ccc;padding:2px 6px;text-align:left}}
figure{{margin:0.5em 0}} img{{max-width:100%}} pre{{background:#f6f6f6;padding:1em;overflow:auto}}
.scroll{{overflow:auto;max-height:40em}}
</style></head><body>
<h1>{title}</h1>
<p>experiment <code>{html.escape(str(meta.get('experiment', '?')))}</code> · {len(rows)} members ({summary}) ·
sweep hash <code>{html.escape(str(meta.get('hash', '?')))}</code> · one run directory per member under
<code>members/</code></p>
<h2>Figures</h2>{imgs or '<p>(none: nothing varies, or no member finished)</p>'}
<h2>results.csv</h2><div class="scroll"><table><tr>{head}</tr>{body}</table></div>{more}
<h2>Sweep</h2><pre>{html.escape((p / 'sweep.toml').read_text(encoding='utf-8'))}</pre>
</body></html>
"""
    out = p / "report.html"
    atomic_write_text(out, page)
    return out


# --------------------------------------------------------------------------------------------
# kind-specific sweep figures (appended by the two-layer work, issue 4): a registry keyed by
# experiment kind; ``sweep_figures`` draws the generic figures, then the kind's own.
# --------------------------------------------------------------------------------------------

# kind → fn(sweep_dir: Path, meta: dict) -> list of written paths
SWEEP_FIGURES: dict[str, Any] = {}


def register_sweep_figures(kind: str):
    """Decorator: ``fn(sweep_dir, meta)`` draws extra sweep-level figures for experiment ``kind``."""

    def deco(fn):
        SWEEP_FIGURES[kind] = fn
        return fn

    return deco


_generic_sweep_figures = sweep_figures


def sweep_figures(path: str | Path) -> list[Path]:  # noqa: F811 - extends the generic figures above
    """Draw ``figures/<key>.png`` for every swept key, then the kind's own sweep figures."""
    p = Path(path)
    out = _generic_sweep_figures(p)
    meta = _sweep_meta(p)
    fn = SWEEP_FIGURES.get(str(meta.get("experiment", "")))
    if fn is not None:
        (p / "figures").mkdir(parents=True, exist_ok=True)
        out += fn(p, meta)
    return out
