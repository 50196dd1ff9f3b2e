"""``simbias sweep``: many members (grid × zip × seeds) batched into buckets, one sweep directory.

Also ``sweep_report`` for ``simbias report DIR`` on a sweep directory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import InputError

__all__ = ["add_sweep_parser", "cmd_sweep", "sweep_report"]


def add_sweep_parser(sub) -> None:
    from ..experiments import BACKENDS, ENGINES

    s = sub.add_parser("sweep", help="train many members (grid × seeds) in batched buckets; write a sweep directory",
                       description="Sweep spec keys × seeds.  Members of one static shape train together "
                                   "(fit_ensemble); --resume finishes an interrupted sweep.")
    s.add_argument("name", metavar="NAME|FILE.toml",
                   help="a preset name, a spec TOML file, or a sweep.toml (to resume it)")
    s.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a spec key for every member (repeatable)")
    s.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="cross these values with the other --grid keys (split at commas outside brackets; "
                        "each value read like --set; repeatable)")
    s.add_argument("--zip", dest="zips", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="values that advance together with the other --zip keys (equal lengths; repeatable)")
    s.add_argument("--seeds", type=int, metavar="N", help="seeds 0 … N−1 for every grid point")
    s.add_argument("--engine", choices=ENGINES, default="ensemble",
                   help="ensemble: batched buckets (default); sequential: one member at a time, as simbias run")
    s.add_argument("--backend", choices=BACKENDS, default="local",
                   help="local (default), ray (pip install simbias[ray]), slurm (pip install simbias[slurm])")
    s.add_argument("--address", help="Ray cluster address to join (default: start Ray locally)")
    s.add_argument("--workers", type=int, metavar="K", help="CPUs of the local Ray instance (--backend ray)")
    s.add_argument("--out", help="sweep directory (default sweeps/NAME, or sweeps/NAME-HASH if that holds another sweep)")
    s.add_argument("--resume", action="store_true", help="keep finished members of --out and run the rest")
    s.add_argument("--figures", action="store_true", help="also draw figures and report.html for every member")
    s.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    s.add_argument("--bucket-size", type=int, metavar="N", help="at most N members trained together per task")
    s.add_argument("--slurm", action="append", default=[], metavar="KEY=VALUE",
                   help="submitit executor parameter, e.g. --slurm slurm_partition=gpu --slurm timeout_min=120 "
                        "(cluster=local runs jobs as local processes)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    from ._main import add_checkpoint_flag, add_plugin_flag

    add_checkpoint_flag(s)
    add_plugin_flag(s)


def _default_out(sweep) -> Path:
    from ..io import SweepDir

    base = Path("sweeps") / sweep.name
    try:
        if not base.exists() or not any(p.name != ".simbias.lock" for p in base.iterdir()) \
                or SweepDir(base).existing_hash() == sweep.hash:
            return base
    except OSError:
        return base  # the claim names the problem
    return Path("sweeps") / f"{sweep.name}-{sweep.hash[:8]}"


def _options(items: list[str]) -> dict:
    from ..experiments import parse_value

    out = {}
    for it in items:
        if "=" not in it:
            raise InputError("--slurm", f"{it!r} is not key=value", "e.g. --slurm slurm_partition=gpu")
        k, v = it.split("=", 1)
        out[k.strip()] = parse_value(v.strip())
    return out


def cmd_sweep(args) -> int:
    from ..experiments import make_sweep, run_sweep
    from ._main import take_checkpoint_override

    take_checkpoint_override(args)
    sweep = make_sweep(args.name, args.overrides, grid=args.grid, zip=args.zips, seeds=args.seeds)
    if args.out:
        out = Path(args.out)
    elif Path(args.name).name == "sweep.toml":
        out = Path(args.name).parent
    else:
        out = _default_out(sweep)
    show = (not args.quiet and sys.stderr.isatty()) or os.environ.get("SIMBIAS_PROGRESS") == "1"
    try:
        res = run_sweep(sweep, out, engine=args.engine, backend=args.backend, address=args.address,
                        workers=args.workers, device=args.device, resume=args.resume, progress=show,
                        bucket_size=args.bucket_size, backend_options=_options(args.slurm),
                        checkpoint_every=args.checkpoint_every)
    except KeyboardInterrupt:
        print(f"sweep directory (partial): {out}; finish it with: simbias sweep {out / 'sweep.toml'} --resume",
              file=sys.stderr)
        raise
    c = res.counts
    print(f"sweep directory: {res.path}")
    done_before = f" ({res.skipped} already done)" if res.skipped else ""
    print(f"  {res.n_members} members{done_before}: {c.get('completed', 0)} completed, {c.get('diverged', 0)} diverged, "
          f"{c.get('failed', 0)} failed · {res.wall_time_s:.1f} s")
    print(f"  results: {res.path / 'results.csv'}")
    for mid, err in res.failures[:3]:
        print(f"  failed member {mid}: {err}", file=sys.stderr)
    if args.figures:
        from ..viz import build_report

        for d in sorted((res.path / "members").iterdir()) if (res.path / "members").is_dir() else []:
            if (d / "history.npz").exists():
                build_report(d)
    report = res.path / "report.html"
    if res.skipped < res.n_members or not report.exists():  # nothing new: keep the figures
        report = sweep_report(res.path)
    print(f"  report: {report}")
    if c.get("failed", 0):
        print(f"simbias: failed: {c['failed']} members failed (see their manifest.json); "
              f"rerun with --resume to retry them", file=sys.stderr)
        return 1
    return 0


def sweep_report(path) -> Path:
    """(Re)build the sweep-level figures and ``report.html`` of a sweep directory.

    ``sweep.toml`` and ``results.csv`` are checked first: a damaged one is named in an
    :class:`InputError`."""
    from ..experiments import load_sweep
    from ..io import SweepDir
    from ..viz import build_sweep_report

    load_sweep(path)
    SweepDir(path).read_results()
    return build_sweep_report(path)
