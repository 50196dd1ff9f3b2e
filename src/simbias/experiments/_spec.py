"""Frozen spec dataclasses ⇄ plain dicts ⇄ TOML, with validation that teaches.

A spec is a tree of frozen dataclasses whose field names equal the constructor arguments they
feed, so the dotted key ``model.widths`` is the ``widths=`` of the model.  :func:`from_dict`
checks every key and type and raises :class:`~simbias.errors.InputError` naming the dotted key,
what came and what is valid; :func:`to_dict` and :func:`simbias.io.to_toml` round-trip exactly
(``None`` values are omitted, since TOML has no null).

``--set key=value`` reads ``value`` as a TOML value when it parses as one (``1e-3``, ``[200, 100]``,
``true``, ``"text"``) and as a plain string otherwise (``sin(x)+0.5*sin(6*x)``): :func:`simbias.io.parse_value`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import re
import types
from typing import Annotated, Any, Callable, Literal, Union, get_args, get_origin, get_type_hints

from ..errors import InputError
from ..io import MAX_NESTING

__all__ = ["from_dict", "to_dict", "split_grid_values", "valid_keys", "Check", "at_least",
           "above", "within", "Count", "Positive", "NonNegative", "Points", "Interval", "check_fields"]


@dataclasses.dataclass(frozen=True)
class Check:
    """A constraint on one spec value, attached to a field's type with ``typing.Annotated``.

    :func:`from_dict` (through :func:`check_fields`) raises ``InputError(key, "got VALUE", fix)``
    when ``test(value)`` is false, naming the dotted key; ``None`` (an unset optional) is never
    tested.  ``fix`` says what is valid.

    Parameters
    ----------
    test : callable
        ``value -> bool``: true for a valid value (already of the field's type).
    fix : str
        What the user should give instead, e.g. ``"use a value ≥ 1"``.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> from typing import Annotated
    >>> from simbias.experiments import Check, from_dict
    >>> @dataclass(frozen=True)
    ... class Section:
    ...     even: Annotated[int, Check(lambda v: v % 2 == 0, "use an even number")] = 2
    >>> from_dict(Section, {"even": 3}, prefix="model.")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simbias.errors.InputError: model.even: got 3 ...
    """

    test: Callable[[Any], bool]
    fix: str


def at_least(lo, fix: str | None = None) -> Check:
    """A :class:`Check` that a number is finite and ``≥ lo``.

    Parameters
    ----------
    lo : int or float
        The smallest valid value.
    fix : str, optional
        What to tell the user (default ``"use a value ≥ lo"``).

    Returns
    -------
    Check
        Put it in a field's type: ``width: Annotated[int, at_least(1)] = 64``.

    Examples
    --------
    >>> from simbias.experiments import at_least
    >>> at_least(1).test(0), at_least(1).test(3)
    (False, True)
    """
    return Check(lambda v: math.isfinite(v) and v >= lo, fix or f"use a value ≥ {lo}")


def above(lo, fix: str | None = None) -> Check:
    """A :class:`Check` that a number is finite and ``> lo``.

    Parameters
    ----------
    lo : int or float
        The bound, itself invalid.
    fix : str, optional
        What to tell the user (default ``"use a value > lo"``).

    Returns
    -------
    Check

    Examples
    --------
    >>> from simbias.experiments import above
    >>> above(0.0).test(0.0), above(0.0).test(1e-3)
    (False, True)
    """
    return Check(lambda v: math.isfinite(v) and v > lo, fix or f"use a value > {lo}")


def within(lo, hi, fix: str | None = None) -> Check:
    """A :class:`Check` that ``lo ≤ value ≤ hi``.

    Parameters
    ----------
    lo, hi : int or float
        The closed range of valid values.
    fix : str, optional
        What to tell the user (default ``"use a value in [lo, hi]"``).

    Returns
    -------
    Check

    Examples
    --------
    >>> from simbias.experiments import within
    >>> within(0, 1).test(1.5), within(0, 1).test(0.5)
    (False, True)
    """
    return Check(lambda v: lo <= v <= hi, fix or f"use a value in [{lo}, {hi}]")


Count = Annotated[int, at_least(0, "use a count ≥ 0")]
"""An ``int`` ≥ 0."""
Positive = Annotated[int, at_least(1, "use a positive integer")]
"""An ``int`` ≥ 1."""
NonNegative = Annotated[float, at_least(0.0, "use a finite number ≥ 0")]
"""A ``float`` ≥ 0."""
Points = Annotated[int, at_least(2, "use at least 2 points")]
"""A number of points (``int`` ≥ 2)."""
Interval = Annotated[tuple[float, ...], Check(lambda v: len(v) == 2 and v[0] < v[1], "give [lo, hi] with lo < hi")]
"""``[lo, hi]`` with ``lo < hi``."""


def _checks(tp) -> list[Check]:
    if get_origin(tp) is Annotated:
        return [c for c in tp.__metadata__ if isinstance(c, Check)]
    if get_origin(tp) in (Union, types.UnionType):
        return [c for a in get_args(tp) for c in _checks(a)]
    return []


@functools.lru_cache(maxsize=None)
def _hints(cls) -> dict[str, Any]:
    """The field types of a spec class with their ``Annotated`` checks (evaluated once per class; callers
    must not change the dict)."""
    return get_type_hints(cls, include_extras=True)


def check_fields(obj, prefix: str = "") -> None:
    """Run the :class:`Check` constraints of every field of the spec section ``obj`` (not nested sections).

    Parameters
    ----------
    obj : object
        A spec dataclass instance.
    prefix : str, default ""
        Dotted key prefix for the error message (``"model."``).

    Raises
    ------
    InputError
        Naming the first field whose value fails its check.

    Examples
    --------
    >>> from simbias.experiments import MLPSpec
    >>> from simbias.experiments._spec import check_fields
    >>> check_fields(MLPSpec(widths=(8, 8)), "model.")
    """
    for name, tp in _hints(type(obj)).items():
        value = getattr(obj, name, None)
        if value is None:
            continue
        for c in _checks(tp):
            if not c.test(value):
                shown = list(value) if isinstance(value, tuple) else value
                raise InputError(f"{prefix}{name}", f"got {shown!r}", c.fix)


def valid_keys(cls, prefix: str = "") -> list[str]:
    """Every dotted key of the spec class ``cls``."""
    nested = {k: tp for k, tp in _hints(cls).items() if dataclasses.is_dataclass(tp)}
    return [key for f in dataclasses.fields(cls)
            for key in (valid_keys(nested[f.name], f"{prefix}{f.name}.") if f.name in nested else [prefix + f.name])]


def _describe(tp) -> str:
    origin = get_origin(tp)
    if origin is Annotated:
        return _describe(get_args(tp)[0])
    if origin in (Literal, Union, types.UnionType):  # the choices, or the types, one of which it is
        return " | ".join(repr(a) if origin is Literal else _describe(a) for a in get_args(tp))
    if origin in (list, tuple):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        return f"list of {_describe(args[0])}" if args else "list"
    if tp is type(None):
        return "none"
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp, key: str, base=None) -> Any:
    """``value`` as the spec type ``tp`` (``base``: what a section given in part is completed from)."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _coerce(value, get_args(tp)[0], key)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if type(None) in args and (value is None or (isinstance(value, str) and value.lower() in ("none", "null")
                                                     and str not in args)):
            return None
        for a in args:
            if a is not type(None):
                with contextlib.suppress(InputError):
                    return _coerce(value, a, key)
        raise _type_error(key, value, tp)
    if origin is Literal:
        if value in get_args(tp):
            return value
        raise InputError(key, f"got {value!r}", f"choose one of {', '.join(repr(a) for a in get_args(tp))}")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise _type_error(key, value, tp)
        args = [a for a in get_args(tp) if a is not Ellipsis]
        return tuple(_coerce(v, args[0] if args else Any, f"{key}[{i}]") for i, v in enumerate(value))
    if tp is Any:
        return value
    if tp in (bool, int, float, str):
        if tp is int and isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            value = int(value)
        elif tp is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, tp) or (tp is not bool and isinstance(value, bool)):
            raise _type_error(key, value, tp)
        if tp is float and not math.isfinite(value):  # no spec key means anything by nan or ±inf
            raise InputError(key, f"got {value}", "give a finite number")
        return value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise InputError(key, f"expected a table of settings, got {value!r}", f"set its keys, e.g. {key}.<name>=...")
        return from_dict(tp, value, prefix=f"{key}.", base=base)
    raise TypeError(f"unsupported spec type {tp!r} for {key}")  # a bug in a spec class, not user input


def _type_error(key: str, value: Any, tp) -> InputError:
    return InputError(key, f"expected {_describe(tp)}, got {value!r} ({type(value).__name__})",
                      f"e.g. --set {key}=<{_describe(tp)}>")


def from_dict(cls, data: dict[str, Any], *, prefix: str = "", base=None):
    """Build the frozen spec ``cls`` from a nested dict, validating keys and types.

    Keys missing from ``data`` take their values from ``base`` (an instance of ``cls``) when
    given, else from the class defaults.  A nested section given only in part is completed from
    the *enclosing* spec's default for that section (its ``default_factory``), so a kind whose
    ``train`` section defaults differ from the generic section class keeps them.  Every built
    section's ``validate()`` runs.

    Parameters
    ----------
    cls : type
        A spec dataclass (a kind's spec or one section).
    data : dict
        Nested plain values, as read from TOML (lists become tuples; an integral float is
        accepted for an ``int`` key; ``"none"`` gives ``None`` for an optional key).
    prefix : str, default ""
        Dotted key prefix used in error messages (``"model."`` for a section).
    base : object, optional
        An instance of ``cls`` that supplies the keys missing from ``data``.

    Returns
    -------
    object
        The frozen ``cls`` instance.

    Raises
    ------
    InputError
        Naming the dotted key: an unknown key (listing the valid ones), a value of the wrong type,
        a non-finite number, or a value its section's ``validate`` refuses.

    Examples
    --------
    >>> from simbias.experiments import TrainSpec, from_dict
    >>> from_dict(TrainSpec, {"lr": 1e-2, "steps": 100.0}).steps
    100
    >>> from_dict(TrainSpec, {"stepz": 1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simbias.errors.InputError: stepz: unknown spec key ...
    """
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise InputError(prefix + unknown[0], "unknown spec key",
                         f"valid keys here: {', '.join(valid_keys(cls, prefix))}")
    kwargs = {k: _coerce(v, hints[k], prefix + k, getattr(base, k) if base is not None else _field_default(fields[k]))
              for k, v in data.items()}
    obj = dataclasses.replace(base, **kwargs) if base is not None else cls(**kwargs)
    check_fields(obj, prefix)
    if hasattr(obj, "validate"):
        obj.validate()
    return obj


def _field_default(f: dataclasses.Field):
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return f.default_factory()  # type: ignore[misc]
    return None if f.default is dataclasses.MISSING else f.default


def to_dict(spec) -> dict[str, Any]:
    """Nested plain dict of a spec (tuples become lists).

    TOML has no null: a ``None`` whose field defaults to ``None`` is left out, and a ``None`` whose
    field defaults to something else is written as the string ``"none"`` (read back as ``None``),
    so every spec round-trips.

    Parameters
    ----------
    spec : object
        A spec dataclass instance (or one section).

    Returns
    -------
    dict
        Nested plain values: ``from_dict(type(spec), to_dict(spec)) == spec``.

    Examples
    --------
    >>> from simbias.experiments import MLPSpec, to_dict
    >>> to_dict(MLPSpec(widths=(8, 8)))["widths"]
    [8, 8]
    """
    out: dict[str, Any] = {}
    for f in dataclasses.fields(spec):
        v = getattr(spec, f.name)
        if v is None and _field_default(f) is None:
            continue  # TOML has no null: a None that is the default is left out
        if isinstance(v, tuple):
            v = [list(x) if isinstance(x, tuple) else x for x in v]
        out[f.name] = to_dict(v) if dataclasses.is_dataclass(v) else "none" if v is None else v
    return out


def set_dotted(data: dict[str, Any], key: str, value: Any, *, flag: str = "--set") -> None:
    parts = key.split(".")
    if len(parts) > MAX_NESTING:
        raise InputError(flag, f"the key has {len(parts)} dotted parts", f"spec keys have at most {MAX_NESTING}")
    if not key or any(not p for p in parts):
        raise InputError(flag, f"{key!r} is not a dotted spec key", "e.g. model.widths")
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise InputError(key, f"{p!r} is a setting, not a table", "check the key with simbias show-config")
    node[parts[-1]] = value


def split_grid_values(text: str) -> list[str]:
    """Split ``v1,v2,...`` at commas outside brackets and quotes: ``[16],[32, 32]`` → two values."""
    out, depth, cur = [], 0, ""
    for tok in re.findall(r'"[^"]*"?|\'[^\']*\'?|[^"\']', text):  # a quoted string (to its end) or one character
        depth += (tok in "[({") - (tok in "])}")
        if tok == "," and depth == 0:
            out, cur = out + [cur], ""
        else:
            cur += tok
    return [v.strip() for v in out + [cur] if v.strip()]
