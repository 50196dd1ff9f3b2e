"""Specs' common keys, the name → :class:`~simbias.experiments.Kind` registry, and the presets.

Every experiment kind is one :class:`~simbias.experiments.Kind` in :data:`KINDS` (its older names in
:data:`KIND_ALIASES`).  A preset is a TOML file in the package data ``simbias/configs`` whose
``experiment`` key names the kind; ``simbias run NAME`` loads ``NAME.toml``.
"""

from __future__ import annotations

import importlib.resources
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from ..errors import InputError
from ..io import load_toml_text, parse_value, read_spec_text
from ..results import History
from ._spec import from_dict, set_dotted, within

__all__ = ["BaseSpec", "Result", "KINDS", "KIND_ALIASES", "EXPERIMENTS", "configs_dir", "list_presets",
           "resolve_spec", "spec_class", "spec_from"]

# what numpy's SeedSequence and torch.manual_seed both accept (a module-level constant: an annotation's
# lambda would not see this module's names)
SEED_RANGE = within(0, 2**63 - 1, "use a whole number with 0 <= seed < 2**63")


@dataclass(frozen=True)
class BaseSpec:
    """Keys every experiment has.

    The base class of every kind's spec (a frozen dataclass; a kind adds its sections).  An older
    kind name in ``experiment`` is replaced by the kind's name (:data:`KIND_ALIASES`).

    Parameters
    ----------
    experiment : str, default ""
        The experiment kind (see ``simbias list``).
    description : str, default ""
        One line shown by ``simbias list``.
    seed : int, default 0
        The seed every random draw of the run is derived from (0 ≤ seed < 2**63).
    dtype : {"float32", "float64"}, default "float32"
        Floating-point type of models and data.

    Examples
    --------
    >>> from simbias.experiments import BaseSpec
    >>> BaseSpec(experiment="fprinciple", seed=3).dtype
    'float32'
    """

    experiment: str = ""
    description: str = ""
    seed: Annotated[int, SEED_RANGE] = 0
    dtype: Literal["float32", "float64"] = "float32"

    def __post_init__(self):  # an older kind name in a spec file resolves to the kind's name
        if self.experiment in KIND_ALIASES:
            object.__setattr__(self, "experiment", KIND_ALIASES[self.experiment])


@dataclass
class Result:
    """What a runner returns: the history, the headline numbers, and extra arrays for figures.

    Parameters
    ----------
    history : History
        The recorded arrays of the run (:class:`simbias.results.History`; written as
        ``history.npz``).
    summary : dict
        The headline numbers (written as ``summary.json``).
    headline : list of str, default []
        Short lines printed at the end of ``simbias run``.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias.experiments import Result
    >>> from simbias.results import History
    >>> r = Result(History(steps=np.arange(3)), {"final_train_loss": 0.1})
    >>> r.summary["final_train_loss"], r.headline
    (0.1, [])
    """

    history: History
    summary: dict[str, Any]
    headline: list[str] = field(default_factory=list)


KINDS: dict[str, Any] = {}
"""Every registered experiment kind by name (filled by :func:`~simbias.experiments.register_kind`)."""

KIND_ALIASES: dict[str, str] = {}
"""Older kind names that spec files may still use → the kind's name."""

EXPERIMENTS = KINDS  # the registry's former name, kept for users' scripts


def spec_class(kind: str) -> type:
    from ._kind import ensure_entry_points

    ensure_entry_points()  # installed packages' kinds, once
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise InputError("experiment", f"unknown experiment kind {kind!r}",
                         f"choose one of {', '.join(sorted(KINDS))} (or load yours with --plugin FILE.py)")
    return KINDS[kind].spec


def configs_dir() -> Path:
    """The presets folder: ``$SIMBIAS_CONFIGS`` if set, else the package data ``simbias/configs``.

    The presets ship inside the package (read through :mod:`importlib.resources`), so a
    non-editable ``pip install`` lists and runs them from any folder; the checkout's top-level
    ``configs`` is a link to the same folder.

    Returns:
        The folder (a :class:`~pathlib.Path`; for a package imported from a zip archive, the
        :mod:`importlib.resources` traversable of that folder).

    Example:
        >>> sorted(p.name for p in configs_dir().iterdir())[:1]  # doctest: +SKIP
        ['condensation-1d.toml']
    """
    if env := os.environ.get("SIMBIAS_CONFIGS"):
        return Path(env)
    folder = importlib.resources.files("simbias").joinpath("configs")
    return folder if not isinstance(folder, os.PathLike) else Path(os.fspath(folder))


def list_presets() -> dict[str, tuple[Path, str]]:
    """``{name: (path, description)}`` of every preset (``*.toml``) in :func:`configs_dir`.

    Returns
    -------
    dict of str to (Path, str)
        Preset name (the file name without ``.toml``) → its file and its ``description`` key
        (``""`` when it has none), sorted by file name.

    Examples
    --------
    >>> from simbias.experiments import list_presets
    >>> presets = list_presets()
    >>> "fprinciple-1d" in presets, presets["fprinciple-1d"][0].name
    (True, 'fprinciple-1d.toml')
    """
    d = configs_dir()
    files = sorted((p for p in d.iterdir() if p.name.endswith(".toml") and p.is_file()), key=lambda p: p.name) \
        if d.is_dir() else []
    return {p.name[:-len(".toml")]: (p, str(_load_preset(p).get("description", ""))) for p in files}


def _load_source(name_or_file: str) -> tuple[dict[str, Any], str]:
    p = Path(name_or_file)
    if p.suffix == ".toml" or os.sep in name_or_file:
        return load_toml_text(read_spec_text(p), str(p)), p.stem
    presets = list_presets()
    if name_or_file not in presets:
        raise InputError("NAME|FILE", f"unknown experiment {name_or_file!r}",
                         f"choose one of {', '.join(presets) or '(no presets found)'} or give a .toml file")
    return _load_preset(presets[name_or_file][0]), name_or_file


def _load_preset(p) -> dict[str, Any]:
    return load_toml_text(p.read_text(encoding="utf-8"), str(p))


def resolve_spec(name_or_file: str, overrides: list[str] = ()):
    """Load a preset or TOML file, apply ``--set`` overrides, and validate: ``(spec, name)``.

    Parameters
    ----------
    name_or_file : str
        A preset name (``simbias list``) or a path to a TOML spec file (ends in ``.toml`` or
        contains a path separator).
    overrides : list of str, default ()
        ``key=value`` assignments applied in order, as ``--set`` does (``value`` read as TOML when
        it parses, else as a string).

    Returns
    -------
    spec : BaseSpec
        The validated, frozen spec of the file's ``experiment`` kind.
    name : str
        The preset name, or the file's stem.

    Raises
    ------
    InputError
        Naming the file or spec key that is wrong (unknown preset, key or kind, bad type or value).

    Examples
    --------
    >>> from simbias.experiments import resolve_spec
    >>> spec, name = resolve_spec("fprinciple-1d", ["train.steps=200", "model.widths=[64, 64]"])
    >>> name, spec.experiment, spec.train.steps, spec.model.widths
    ('fprinciple-1d', 'fprinciple', 200, (64, 64))
    """
    data, name = _load_source(name_or_file)
    return spec_from(data, name_or_file, overrides), name


def spec_from(data: dict[str, Any], source: str, overrides=()):
    """The validated spec of the nested dict ``data`` (read from ``source``) after the ``key=value``
    ``overrides`` (``--set``; validation happens in :func:`from_dict`), which are applied to ``data`` in place."""
    for a in overrides:
        if "=" not in a:
            raise InputError("--set", f"{a!r} is not key=value", "write --set train.lr=1e-3")
        key, raw = (part.strip() for part in a.split("=", 1))
        set_dotted(data, key, parse_value(raw, name=key or "--set"))
    kind = data.get("experiment")
    if not isinstance(kind, str):
        raise InputError("experiment", f"{source} does not say which experiment it is",
                         f"add experiment = one of {', '.join(sorted(KINDS))}")
    return from_dict(spec_class(kind), data)
