"""CLI hooks of :mod:`simbias.workflow`: ``--log`` for ``run``/``sweep`` and the ``analyze`` verb.

``--log tensorboard|mlflow[=URI]`` (repeatable).  ``simbias run`` streams each record to the sinks
as training takes it (:func:`live_log` is the run's ``on_record``), then sends the figures and
the summary; ``simbias sweep`` replays every member's history after the sweep.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError

__all__ = ["add_log_flag", "prepare_logging", "live_log", "log_run", "log_sweep", "add_analyze_parser", "cmd_analyze"]


def add_log_flag(parser) -> None:
    parser.add_argument("--log", action="append", default=[], metavar="SINK",
                        help="stream recorded scalars to tensorboard (DIR/tensorboard) or mlflow[=URI] "
                             "(local store DIR/mlruns by default); repeatable")


def prepare_logging(args) -> list:
    """Parse and check ``--log`` before anything trains (missing packages → one-line error)."""
    from ..workflow._sinks import check_sinks_available, parse_log_option

    opts = parse_log_option(getattr(args, "log", []) or [])
    check_sinks_available(opts)
    return opts


def live_log(opts, run_dir: Path, name: str, spec, resume: bool = False):
    """The run's ``on_record`` callback for ``--log`` (``None`` without it); ``resume``: ``run --resume``
    continues what a killed try logged (each step once, the same MLflow run)."""
    if not opts:
        return None
    from ..experiments import to_dict
    from ..workflow._sinks import LiveLog

    return LiveLog(opts, run_dir, experiment=name, spec=to_dict(spec), tags={"simbias.experiment": spec.experiment},
                   resume=resume)


def log_run(opts, run_dir: Path, name: str, live=None) -> None:
    """Finish the live sinks (figures, summary); without a live callback, replay the run."""
    if not opts:
        return
    from ..workflow import load, make_sinks, replay

    r = load(run_dir)
    if live is not None:
        n = live.finish(r.summary, r.figures, r.history)
    else:
        sinks = make_sinks(opts, run_dir, experiment=name, run_name=run_dir.name,
                           tags={"simbias.experiment": r.experiment})
        n = replay(sinks, r.history, spec=r.spec, summary=r.summary, figures=r.figures)
    print(f"  logged {n} records to {', '.join(o for o, _ in opts)}")


def _sweep_dir(args) -> Path:
    if args.out:
        return Path(args.out)
    if Path(args.name).name == "sweep.toml":
        return Path(args.name).parent
    from ..experiments import make_sweep
    from ._sweep import _default_out

    return _default_out(make_sweep(args.name, args.overrides, grid=args.grid, zip=args.zips, seeds=args.seeds))


def log_sweep(opts, args) -> None:
    """Every member as its own run: TensorBoard ``SWEEP/tensorboard/<member>``, MLflow runs grouped
    under one experiment named after the sweep (tag ``simbias.sweep`` = its hash)."""
    if not opts:
        return
    from ..workflow import TensorBoardSink, load, make_sinks, replay

    sw = load(_sweep_dir(args))
    sweep_hash = str(sw.spec.get("hash", sw.spec.get("sweep", {}).get("hash", "")) if isinstance(sw.spec, dict) else "")
    total = 0
    for m in sw.members:
        sinks = []
        for name, arg in opts:
            if name == "tensorboard":
                sinks.append(TensorBoardSink(sw.path / "tensorboard" / m.path.name))
            else:
                uri = arg or (sw.path / "mlruns").resolve().as_uri()
                sinks += make_sinks([(name, uri)], sw.path, experiment=sw.path.name, run_name=m.path.name,
                                    tags={"simbias.sweep": sweep_hash or sw.path.name, "simbias.member": m.path.name})
        total += replay(sinks, m.history, spec=m.spec, summary=m.summary, figures=m.figures)
    print(f"  logged {len(sw.members)} members ({total} records) to {', '.join(o for o, _ in opts)}", file=sys.stdout)


# ---- simbias analyze MODEL --data DATA -------------------------------------------------------

_ENTRY = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"


def add_analyze_parser(sub) -> None:
    a = sub.add_parser("analyze", help="measure a trained model: spectrum along PC1, filtering, condensation")
    a.add_argument("model", metavar="MODEL",
                   help="a TorchScript file, a state-dict file (with --arch), or module:function returning the model")
    a.add_argument("--arch", metavar="MODULE:FUNCTION",
                   help="builds the architecture a state-dict file is loaded into (called with no arguments)")
    a.add_argument("--data", required=True, metavar="DATA",
                   help="a data set name (e.g. digits) or an .npz file with arrays x and y")
    a.add_argument("--n", type=int, default=None, help="use this many samples (default all)")
    a.add_argument("--out", help="run directory (default runs/analyze-MODEL)")
    a.add_argument("--no-figures", action="store_true", help="skip figures and report.html")


def _entry_point(text: str, flag: str):
    import importlib
    import os
    import re

    import torch

    if not re.match(_ENTRY, text):
        raise InputError(flag, f"{text!r} is not a file nor module:function", "give a file path or pkg.module:function")
    mod_name, fn_name = text.split(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        mod = importlib.import_module(mod_name)  # explicit user intent: the user named their module
    except ImportError as e:
        raise InputError(flag, f"cannot import {mod_name!r} ({e})", "run from the folder that holds it or install it") from None
    fn = getattr(mod, fn_name, None)
    if not callable(fn):
        raise InputError(flag, f"{mod_name} has no function {fn_name!r}", "name a function returning an nn.Module")
    model = fn()
    if not isinstance(model, torch.nn.Module):
        raise InputError(flag, f"{text}() returned {type(model).__name__}", "return a torch.nn.Module")
    return model


def _load_model(args):
    import torch

    p = Path(args.model)
    if not p.is_file():
        if args.arch:
            raise InputError("MODEL", f"{p} does not exist", "give the state-dict file saved with torch.save")
        return _entry_point(args.model, "MODEL")
    try:
        return torch.jit.load(str(p), map_location="cpu")
    except Exception:  # not TorchScript: try a state dict
        pass
    try:
        state = torch.load(str(p), map_location="cpu", weights_only=True)
    except Exception as e:
        raise InputError("MODEL", f"{p} is neither TorchScript nor a state dict ({type(e).__name__})",
                         "save with torch.jit.save(torch.jit.script(model)) or torch.save(model.state_dict())") from None
    if not isinstance(state, dict) or not all(hasattr(v, "shape") for v in state.values()):
        raise InputError("MODEL", f"{p} holds no state dict", "save it with torch.save(model.state_dict(), path)")
    if not args.arch:
        raise InputError("--arch", f"{p} is a state dict, which needs its architecture",
                         "add --arch module:function returning the untrained model")
    model = _entry_point(args.arch, "--arch")
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise InputError("--arch", f"the state dict does not fit {args.arch}() ({str(e).splitlines()[0][:150]})",
                         "name the function that builds the same architecture") from None
    return model


def _load_data(args):
    from ..problems import DATASETS, load_dataset

    d = args.data
    if d in DATASETS:
        ds = load_dataset(d, n=args.n) if args.n else load_dataset(d)
    elif d.endswith(".npz"):
        from ..problems import load_npz

        ds = load_npz(d, n=args.n)
    else:
        raise InputError("--data", f"{d!r} is neither a data set name nor an .npz file",
                         f"use one of {', '.join(DATASETS)} or a file.npz with arrays x and y")
    return ds.x, ds.y


def cmd_analyze(args) -> int:
    from ..io import RunDir
    from ..workflow import analyze

    if args.n is not None and args.n < 2:
        raise InputError("--n", f"got {args.n}", "use at least 2 samples")
    model = _load_model(args)
    x, y = _load_data(args)
    stem = Path(args.model).stem if Path(args.model).is_file() else args.model.replace(":", "-").replace(".", "-")
    out = Path(args.out) if args.out else Path("runs") / f"analyze-{stem}"
    if out.exists() and any(out.iterdir()) and RunDir(out).existing_hash() is None:
        raise InputError("--out", f"{out} already holds other files", "choose another --out directory or delete that one")
    res = analyze(model, x, y, out=out, name=f"analyze {args.model} on {args.data}", figures=not args.no_figures)
    print(f"run directory: {res.path}")
    for k, v in res.summary.items():
        if k.startswith("final_") and not k.endswith("spectrum"):
            print(f"  {k[6:]}: {v if not isinstance(v, float) else f'{v:.4g}'}")
    return 0
