"""``build_report(run_dir)``: figures and a self-contained ``report.html`` from a run directory alone."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from ..errors import InputError
from ..io import atomic_write_text, load_run, remove_stale_temporaries
from ._common import FIGURES

__all__ = ["build_report", "make_figures"]


def make_figures(run: dict, figdir: Path) -> list[Path]:
    """Draw the run's figures into ``figdir``.

    They are drawn into a private temporary folder ``figdir/.tmp-<pid>`` and moved into place
    one by one (``os.replace``), so an interrupted drawing never leaves a partial figure under
    its final name; the temporary folder is removed on every exit path (and a killed process's
    one by the next run or report, :func:`simbias.io.remove_stale_temporaries`).
    """
    import os
    import shutil

    kind = run["spec"].get("experiment", "")
    fn = FIGURES.get(kind)
    if fn is None or run.get("history") is None:
        return []
    figdir.mkdir(parents=True, exist_ok=True)
    tmp = figdir / f".tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        drawn = fn(run, tmp)
        out = []
        for f in drawn:
            f = Path(f)
            final = figdir / f.relative_to(tmp) if f.is_relative_to(tmp) else f
            if f != final:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(f, final)
            out.append(final)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_report(path: str | Path, *, figures: bool = True, manifest: dict | None = None) -> Path:
    """(Re)build ``figures/*`` and ``report.html`` of the run directory ``path``; return the report path.

    ``manifest`` (optional) is shown instead of the directory's ``manifest.json`` (``simbias run``
    builds the report before it writes the manifest).  A damaged file raises
    :class:`~simbias.errors.InputError` naming it.
    """
    p = Path(path)
    if not p.is_dir():
        raise InputError("DIR", f"{p} is not a directory", "give a run directory written by simbias run")
    remove_stale_temporaries(p)
    run = load_run(p)
    if manifest is not None:
        run["manifest"] = manifest
    figs = make_figures(run, p / "figures") if figures else sorted((p / "figures").glob("*.*"))
    spec_text = (p / "spec.toml").read_text(encoding="utf-8")
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td><code>{html.escape(json.dumps(v))}</code></td></tr>"
        for k, v in run["summary"].items())
    man = run["manifest"]
    imgs = []
    for f in figs:
        mime = "image/gif" if f.suffix == ".gif" else "image/png"
        data = base64.b64encode(Path(f).read_bytes()).decode()
        imgs.append(f'<figure><img src="data:{mime};base64,{data}" alt="{html.escape(f.stem)}">'
                    f"<figcaption>{html.escape(f.name)}</figcaption></figure>")
    title = html.escape(str(run["spec"].get("description") or run["spec"].get("experiment", "run")))
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>simbias — {title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse}} th,td{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
figure{{display:inline-block;margin:0.5em}} img{{max-width:100%}} pre{{background:#f6f6f6;padding:1em;overflow:auto}}
</style></head><body>
<h1>{title}</h1>
<p>experiment <code>{html.escape(str(run['spec'].get('experiment')))}</code> · outcome
<b>{html.escape(str(man.get('outcome', '?')))}</b> · device {html.escape(str(man.get('device', '?')))} ·
seed {html.escape(str(man.get('seed', '?')))} · wall time {html.escape(str(man.get('wall_time_s', '?')))} s ·
spec hash <code>{html.escape(str(man.get('spec_hash', '?')))}</code></p>
<h2>Headline numbers</h2><table>{rows}</table>
<h2>Figures</h2>{''.join(imgs) or '<p>(none)</p>'}
<h2>Spec</h2><pre>{html.escape(spec_text)}</pre>
<h2>Environment</h2><pre>{html.escape(json.dumps(man, indent=2))}</pre>
</body></html>
"""
    out = p / "report.html"
    atomic_write_text(out, page)
    return out
