"""TOML read and write: spec files, ``spec.toml``/``sweep.toml`` of a run or sweep, ``--set`` values.

Reading refuses (with an :class:`~simbias.errors.InputError` naming the file or key) what would
otherwise fail deep inside: a file that is missing, a folder, unreadable or not UTF-8, text that is
not TOML, and lists or tables nested more than :data:`MAX_NESTING` deep (the parser recurses).
Writing covers what a resolved spec holds: bools, numbers, strings, lists of them and tables.
"""

from __future__ import annotations

import json
import os
import re
from itertools import accumulate
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..errors import InputError

__all__ = ["MAX_NESTING", "to_toml", "load_toml_text", "read_spec_text", "parse_value"]

MAX_NESTING = 64
"""Brackets/braces deep a spec file or a ``--set`` value may nest (TOML parsing recurses)."""

# a string (a double-quoted one with its escapes, ended by its quote or the line's end) or a comment
_NOT_NESTING = re.compile(r'"(?:\\[\s\S]|[^"\\\n])*"?|\'[^\'\n]*\'?|#[^\n]*')


def _toml_scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, float) else str(v)  # repr writes inf, -inf and nan as TOML does
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_scalar(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} to TOML")


def to_toml(data: dict[str, Any]) -> str:
    """Write a nested dict of scalars, lists and tables as TOML (top-level scalars first).

    Parameters
    ----------
    data : dict
        Nested dict of bools, ints, floats, strings, lists of them and dicts (tables), e.g. from
        :func:`simbias.experiments.to_dict`; a nested dict becomes a ``[dotted.table]``.

    Returns
    -------
    str
        The TOML text (ends with a newline); :func:`load_toml_text` of it gives ``data`` back.

    Examples
    --------
    >>> from simbias.io import to_toml
    >>> print(to_toml({"seed": 1, "train": {"lr": 0.001, "optimizer": "adam"}}), end="")
    seed = 1
    <BLANKLINE>
    [train]
    lr = 0.001
    optimizer = "adam"
    """
    return "\n".join(_toml_lines(data, "")).lstrip("\n") + "\n"


def _toml_lines(table: dict[str, Any], path: str):
    """The lines of ``table`` (its scalars under ``[path]``, then its nested tables)."""
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, dict)]
    if path and scalars:
        yield f"\n[{path}]"
    yield from (f"{k} = {_toml_scalar(v)}" for k, v in scalars)
    for k, v in table.items():
        if isinstance(v, dict):
            yield from _toml_lines(v, f"{path}.{k}" if path else k)


def _nesting(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside quoted strings and comments (an upper bound
    of what the TOML parser will recurse into)."""
    steps = (1 if ch in "[{" else -1 for ch in _NOT_NESTING.sub("", text) if ch in "[{]}")
    return max(accumulate(steps, lambda depth, step: max(0, depth + step), initial=0))


def _loads(text: str, source: str, what: str, fix: str) -> dict[str, Any]:
    if _nesting(text) > MAX_NESTING:
        raise InputError(source, f"{what} more than {MAX_NESTING} deep", fix)
    return tomllib.loads(text)  # the cap bounds the parser's recursion


def load_toml_text(text: str, source: str) -> dict[str, Any]:
    """Parse TOML ``text`` read from ``source``; text that is not TOML, or nests too deep, is refused.

    Parameters
    ----------
    text : str
        The TOML text.
    source : str
        Where it came from (a file name), named by the error.

    Returns
    -------
    dict
        The parsed tables.

    Raises
    ------
    InputError
        Naming ``source``: invalid TOML, or lists/tables nested more than :data:`MAX_NESTING` deep.

    Examples
    --------
    >>> from simbias.io import load_toml_text
    >>> load_toml_text('seed = 1\\n[model]\\nwidths = [8, 8]', "spec.toml")
    {'seed': 1, 'model': {'widths': [8, 8]}}
    >>> load_toml_text("seed = ", "spec.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simbias.errors.InputError: spec.toml: is not valid TOML (...) (check the file's syntax)
    """
    try:
        return _loads(text, source, "nests lists or tables", "flatten the values")
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, f"is not valid TOML ({' '.join(str(exc).split())})", "check the file's syntax") from None


def read_spec_text(path: str | os.PathLike) -> str:
    """The text of the spec file ``path``, or an :class:`InputError` naming the file.

    Parameters
    ----------
    path : str or os.PathLike
        A TOML file (a spec, a run's ``spec.toml``, a sweep's ``sweep.toml``).

    Returns
    -------
    str
        Its text.

    Raises
    ------
    InputError
        A missing file, a folder, an unreadable file, or bytes that are not UTF-8.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "spec.toml"
    >>> _ = p.write_text('experiment = "fprinciple"', encoding="utf-8")
    >>> read_spec_text(p)
    'experiment = "fprinciple"'
    >>> _ = p.write_bytes(b"\\xff\\xfe")
    >>> read_spec_text(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simbias.errors.InputError: ...spec.toml: is not UTF-8 TOML ...
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(str(p), "is a directory, not a spec file", "give a TOML file (or a preset name)")
    if not p.exists():
        raise InputError("NAME|FILE", f"{p} does not exist", "give a preset name (simbias list) or a TOML file")
    try:
        return p.read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(str(p), f"cannot be read ({exc.strerror or exc})", "check the file's permissions") from None
    except UnicodeDecodeError:
        raise InputError(str(p), "is not UTF-8 TOML (binary or another encoding such as UTF-16)",
                         "save the spec as UTF-8 text") from None


def parse_value(text: str, *, name: str = "--set") -> Any:
    """Read ``text`` as a TOML value when it parses as one, else keep it as a string (``--set`` values).

    Parameters
    ----------
    text : str
        The value as typed: ``1e-3``, ``[200, 100]``, ``true``, ``"text"`` or ``sin(x)+0.5*sin(6*x)``.
    name : str, default "--set"
        The key or flag named by the error.

    Returns
    -------
    object
        The TOML value, or ``text`` itself when it is not one.

    Raises
    ------
    InputError
        A value nested more than :data:`MAX_NESTING` deep, naming ``name``.

    Examples
    --------
    >>> from simbias.io import parse_value
    >>> parse_value("[200, 100]"), parse_value("1e-3"), parse_value("sin(x)+0.5*sin(6*x)")
    ([200, 100], 0.001, 'sin(x)+0.5*sin(6*x)')
    """
    try:
        return _loads(f"v = {text}", name, "the value nests lists", "flatten the value")["v"]
    except tomllib.TOMLDecodeError:
        return text
