"""Checks a spec must pass before a run (or sweep) directory is claimed.

``preflight(spec)`` catches what would otherwise only fail after files were written:

* **data files** (``path``, ``labels`` keys): they must exist and be readable (the loaders
  check their contents; an error they raise after the claim rolls the claim back);
* **memory**: a lower-bound estimate of the problem (sample counts × dimensions) and the model
  (parameters with gradient and Adam state, one forward pass of activations) against the memory
  this machine has available (``MemAvailable`` of ``/proc/meminfo``).  ``SIMBIAS_MEMORY_CHECK=0``
  turns this check off.

Every failure is an :class:`~simbias.errors.InputError` naming the spec key.  The seed's range is
declared on :class:`~simbias.experiments.BaseSpec` (checked when the spec is read), and each target
expression is checked once, by its kind's build (before the claim too), on the run's own points in
the spec's dtype (:func:`simbias.problems.check_expression_on`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError

__all__ = ["preflight", "available_memory", "estimate_bytes"]

_SIZE_KEYS = ("n_train", "n_test", "n_points", "n_interior", "n_boundary", "n_collocation", "n_samples")


def _sections(obj, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted prefix, section)`` of ``obj`` and every nested spec section."""
    yield prefix, obj
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            yield from _sections(v, f"{prefix}{f.name}.")


def available_memory() -> int | None:
    """Bytes of memory this machine can give a new process now (``None``: unknown)."""
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    with contextlib.suppress(ValueError, OSError, AttributeError):
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return None


def estimate_bytes(spec) -> tuple[int, str]:
    """A lower bound of the bytes a run of ``spec`` needs, and the spec key that dominates it.

    Counts the samples of every problem section (``n_train``, ``n_test``, …) times the input
    dimension plus one, and every network section (``widths`` of a section with an
    ``activation``, or a hidden ``width``): parameters ×4 (weights, gradient, two Adam moments)
    one forward pass of activations over ``n_train`` samples (every layer, kept for the backward
    pass) and over every other sample set (its widest layer).
    """
    size = 8 if getattr(spec, "dtype", "float32") == "float64" else 4
    sections = list(_sections(spec))
    dim = max([1] + [d for _, sec in sections if isinstance(d := getattr(sec, "dim", None), int)])
    samples = {prefix + k: v for prefix, sec in sections for k in _SIZE_KEYS
               if isinstance(v := getattr(sec, k, None), int) and not isinstance(v, bool) and v > 0}
    parts = {k: float(n) * (dim + 1) * size for k, n in samples.items()}
    for prefix, sec in sections:
        widths, width = getattr(sec, "widths", None), getattr(sec, "width", None)
        hidden, key = [], ""
        if hasattr(sec, "activation") and isinstance(widths, tuple) and all(isinstance(w, int) for w in widths):
            hidden, key = [w for w in widths if w > 0], f"{prefix}widths"
        elif isinstance(width, int) and width > 0:
            hidden, key = [width], f"{prefix}width"
        if not hidden:
            continue
        layers = [dim, *hidden, 1]
        parts[key] = parts.get(key, 0.0) + 4.0 * sum(float(a) * b + b for a, b in zip(layers[:-1], layers[1:])) * size
        # activations: training keeps every layer of n_train samples for the backward pass;
        # every other sample set (test grid, boundary, ...) passes through at least its widest layer
        for k, n in samples.items():
            acts = float(n) * (sum(hidden) if k.endswith(("n_train", "n_interior")) else max(hidden)) * size
            blame = key if max(hidden) >= n else k  # name whichever factor is the larger one
            parts[blame] = parts.get(blame, 0.0) + acts
    return (int(min(sum(parts.values()), 2.0**62)), max(parts, key=parts.get)) if parts else (0, "")


def _fmt(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024


def preflight(spec, *, device: str = "cpu") -> None:
    """Refuse ``spec`` before anything is written: data files and a memory estimate (see the
    module docstring).

    Parameters
    ----------
    spec : BaseSpec
        A resolved experiment spec (from :func:`resolve_spec`).
    device : str, default "cpu"
        The device the run will use (the memory check covers CPU runs).

    Returns
    -------
    None
        The spec passed every check.

    Raises
    ------
    InputError
        Naming the spec key that is wrong.

    Examples
    --------
    >>> from simbias.experiments import preflight, resolve_spec
    >>> spec, _ = resolve_spec("fprinciple-1d", ["train.steps=10"])
    >>> preflight(spec)
    >>> spec, _ = resolve_spec("fprinciple-filtering", ["problem.path=missing.npz"])
    >>> preflight(spec)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simbias.errors.InputError: problem.path: missing.npz does not exist ...
    """
    for prefix, sec in _sections(spec):  # data files
        for f in dataclasses.fields(sec):
            v = getattr(sec, f.name)
            wanted = f.name == "path" or f.name.endswith("_path") or (f.name == "labels" and getattr(sec, "path", None))
            if not (wanted and isinstance(v, str) and v):
                continue
            p, key = Path(v).expanduser(), prefix + f.name
            if not p.exists():
                raise InputError(key, f"{v} does not exist", "give the path of an existing data file or folder")
            if not os.access(p, os.R_OK | (os.X_OK if p.is_dir() else 0)):
                raise InputError(key, f"{v} is not readable", "check its permissions")
    if os.environ.get("SIMBIAS_MEMORY_CHECK", "1") == "0" or not str(device).startswith("cpu"):
        return
    (need, key), have = estimate_bytes(spec), available_memory()
    if have is not None and need > have:
        raise InputError(key, f"the run needs at least {_fmt(need)} of memory but {_fmt(have)} is available",
                         "make it smaller; SIMBIAS_MEMORY_CHECK=0 skips this check")
