"""The ``simbias`` command line: a thin shell over :mod:`simbias.experiments`, :mod:`simbias.io`
and :mod:`simbias.viz`.

Exit codes: 0 success; 2 bad input (one line on stderr naming the input, what was wrong and the
fix); 1 a failure during the run (e.g. divergence, with the step named).
"""

from __future__ import annotations

import argparse

import os
import sys
from pathlib import Path

from ..errors import InputError, RunFailure

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other bad input
        self.exit(2, f"simbias: error: {message} (see {self.prog} --help)\n")

    def parse_args(self, args=None, namespace=None):  # unknown flags: point at the subcommand's help
        ns, extra = self.parse_known_args(args, namespace)
        if extra:
            command = getattr(ns, "command", None)
            prog = f"{self.prog} {command}" if command else self.prog
            self.exit(2, f"simbias: error: unrecognized arguments: {' '.join(extra)} (see {prog} --help)\n")
        return ns


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="simbias", description="Measure, reproduce and exploit the simplicity bias of neural networks.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("list", help="list the built-in experiments")

    def spec_args(sp):
        sp.add_argument("name", metavar="NAME|FILE.toml", help="a preset name (simbias list) or a TOML spec file")
        sp.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a spec key, e.g. --set train.lr=1e-3 (repeatable)")
        add_plugin_flag(sp)

    r = sub.add_parser("run", help="train, measure, and write a run directory")
    spec_args(r)
    r.add_argument("--out", help="run directory (default runs/NAME, or runs/NAME-HASH if that holds another run)")
    r.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    r.add_argument("--no-figures", action="store_true", help="skip figures and report.html")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its checkpoint.pt (same spec; none: start over)")
    add_checkpoint_flag(r)

    s = sub.add_parser("show-config", help="print the fully resolved spec as TOML")
    spec_args(s)

    rep = sub.add_parser("report", help="(re)build figures and report.html of a run or sweep directory")
    rep.add_argument("dir", metavar="DIR")
    add_plugin_flag(rep)

    _add_sweep(sub)
    from ._analyze import add_analyze_parser, add_log_flag  # simbias.workflow hooks: --log, analyze

    add_log_flag(r)
    add_analyze_parser(sub)
    if "sweep" in sub.choices:
        add_log_flag(sub.choices["sweep"])
    return p


def checkpoint_every(text: str):
    """``--checkpoint-every``: ``auto`` or a number of steps (0: none)."""
    if text == "auto":
        return text
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"--checkpoint-every: got {text!r}; give a number of steps, 0 for none, or auto")
    return n


CHECKPOINT_KEY = "record.checkpoint_every"


def take_checkpoint_override(args) -> None:
    """``--set record.checkpoint_every=N`` (the name issue users know) sets ``--checkpoint-every``.

    The interval changes no number of the run, so it is a setting of the driver, not a spec key:
    it stays out of ``spec.toml`` and the spec hash (a resumed or re-checkpointed run is the same run).
    """
    keep = []
    for text in args.overrides:
        key, sep, value = text.partition("=")
        if sep and key.strip() == CHECKPOINT_KEY:
            try:
                args.checkpoint_every = checkpoint_every(value.strip())
            except argparse.ArgumentTypeError:
                raise InputError(CHECKPOINT_KEY, f"got {value.strip()!r}",
                                 "give a number of steps, 0 for none, or auto") from None
        else:
            keep.append(text)
    args.overrides = keep


def add_checkpoint_flag(parser) -> None:
    parser.add_argument("--checkpoint-every", type=checkpoint_every, default="auto", metavar="N",
                        help="write a checkpoint every N steps (0: none; default auto: every 5000 steps "
                             "for runs of at least 20000 steps; also --set record.checkpoint_every=N); "
                             "--resume continues from it")


def add_plugin_flag(sp) -> None:
    """``--plugin FILE.py`` (repeatable): a user's experiment kind from one Python file."""
    sp.add_argument("--plugin", action="append", default=[], metavar="FILE.py",
                    help="load experiment kinds from this Python file first (repeatable)")


def load_plugins(paths, *, figures: bool = True) -> None:
    """Installed packages' kinds (entry points, once), then the ``--plugin`` files; a kind's own
    figures become its report figures when :mod:`simbias.viz` has none for it."""
    from ..experiments import load_plugin
    from ..experiments._kind import KINDS, ensure_entry_points

    ensure_entry_points()
    for p in paths:
        load_plugin(p)
    if figures and any(k.figures for k in KINDS.values()):
        from ..viz import FIGURES, FigureSet

        for k in KINDS.values():
            if k.figures and k.name not in FIGURES:
                FIGURES[k.name] = FigureSet(run={n if Path(n).suffix else f"{n}.png": f for n, f in k.figures})


def _add_sweep(sub) -> None:
    try:
        from ._sweep import add_sweep_parser
    except ImportError:
        return
    add_sweep_parser(sub)


def _default_out(name: str, spec_data: dict) -> Path:
    from ..io import RunDir, spec_hash

    h = spec_hash(spec_data)
    base = Path("runs") / name
    rd = RunDir(base)
    try:
        if not base.exists() or not any(p.name != ".simbias.lock" for p in base.iterdir()) \
                or rd.existing_hash() == h:
            return base
    except OSError:
        return base  # the claim names the problem
    return Path("runs") / f"{name}-{h[:8]}"


def _cmd_list() -> int:
    from ..experiments import KINDS, configs_dir, list_presets

    presets = list_presets()
    if not presets:
        print(f"no presets found in {configs_dir()}")
        return 0
    width = max(len(n) for n in presets)
    for name, (_, desc) in presets.items():
        print(f"{name:<{width}}  {desc}")
    print(f"\nexperiment kinds: {', '.join(sorted(KINDS))}")
    return 0


def _cmd_show_config(args) -> int:
    from ..experiments import resolve_spec, to_dict, to_toml

    spec, _ = resolve_spec(args.name, args.overrides)
    sys.stdout.write(to_toml(to_dict(spec)))
    return 0


def _cmd_run(args) -> int:
    from ..experiments import resolve_spec, run, to_dict
    from ..io import RunDir
    from ..viz import build_report

    take_checkpoint_override(args)
    spec, name = resolve_spec(args.name, args.overrides)
    from ._analyze import live_log, log_run, prepare_logging

    log_opts = prepare_logging(args)
    out = Path(args.out) if args.out else _default_out(name, to_dict(spec))
    live = live_log(log_opts, out, name, spec, resume=args.resume)
    fresh = args.resume and not RunDir(out).checkpoint.exists()
    show = not args.quiet and sys.stderr.isatty() or os.environ.get("SIMBIAS_PROGRESS") == "1"
    reports: list[Path] = []

    def finalize(path: Path, manifest: dict) -> None:  # the report exists before the manifest says completed
        reports.append(build_report(path, manifest=manifest))

    try:
        result, rd = run(spec, out, device=args.device, progress=show,
                         finalize=None if args.no_figures else finalize, on_record=live,
                         checkpoint_every=args.checkpoint_every, resume=args.resume)
    except RunFailure as exc:  # one line: what failed, and where the partial run is
        if live is not None and live.sinks is not None:
            live.finish({})  # what streamed before the failure is kept (TensorBoard/MLflow closed)
        raise RunFailure(f"{exc}; run directory (partial): {out}") from exc
    except OSError as exc:
        raise RunFailure(f"{_os_error(exc)}; run directory (partial): {out}") from exc
    except MemoryError:
        raise RunFailure(f"out of memory; make the problem or the model smaller; run directory (partial): {out}") \
            from None
    except KeyboardInterrupt:  # what streamed so far reaches the trackers (--resume continues from there)
        if live is not None:
            live.sync()
        raise
    print(f"run directory: {rd.path}")
    if fresh:
        print(f"  (--resume: {rd.path} held no checkpoint; trained from the beginning)")
    for line in result.headline:
        print(f"  {line}")
    if reports:
        print(f"  report: {reports[0]}")
    log_run(log_opts, rd.path, name, live)
    return 0


def _cmd_report(args) -> int:
    from ..viz import build_report
    from ..workflow import _figures  # noqa: F401  (figures of Monitor / analyze run directories)

    p = Path(args.dir)
    if (p / "sweep.toml").exists():
        from ._sweep import sweep_report

        print(f"report: {sweep_report(p)}")
        return 0
    print(f"report: {build_report(p)}")
    return 0


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _os_error(exc: OSError) -> str:
    import errno

    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    what = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device{where}; finished files are kept — free space and rerun"
    return f"{what}{where}"


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``simbias`` and ``python -m simbias``; returns the exit code.

    Every error reaches the user as one line on stderr: bad input exits 2, a failure during the
    run 1 (an unexpected one names its class and asks to be reported; ``SIMBIAS_DEBUG=1`` shows
    the traceback instead).
    """
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except InputError as exc:
        print(f"simbias: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except RunFailure as exc:
        print(f"simbias: failed: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("simbias: interrupted; finished work is saved", file=sys.stderr)
        return 130
    except OSError as exc:
        if os.environ.get("SIMBIAS_DEBUG") == "1":
            raise
        print(f"simbias: failed: {_one_line(_os_error(exc))}", file=sys.stderr)
        return 1
    except MemoryError:
        if os.environ.get("SIMBIAS_DEBUG") == "1":
            raise
        print("simbias: failed: out of memory; make the problem or the model smaller", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last resort: never a traceback for a user
        if os.environ.get("SIMBIAS_DEBUG") == "1":
            raise
        print(f"simbias: failed: unexpected {type(exc).__name__}: {_one_line(exc)[:300]} "
              f"(please report this; SIMBIAS_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


def _dispatch(args) -> int:
    load_plugins(getattr(args, "plugin", None) or [], figures=args.command in ("run", "sweep", "report"))
    if args.command == "list":
        return _cmd_list()
    if args.command == "show-config":
        return _cmd_show_config(args)
    if args.command == "run":
        return _cmd_run(args)
    if args.command == "report":
        return _cmd_report(args)
    if args.command == "analyze":
        from ._analyze import cmd_analyze

        return cmd_analyze(args)
    if args.command == "sweep":
        from ._analyze import log_sweep, prepare_logging
        from ._sweep import cmd_sweep

        log_opts = prepare_logging(args)
        code = cmd_sweep(args)
        if code == 0:
            log_sweep(log_opts, args)
        return code
    return 2


def _entry() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    _entry()


