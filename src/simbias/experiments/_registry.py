"""The one name → object registry of experiments, and the presets (package data ``simbias/configs``).

An experiment kind (``fprinciple``, ``condensation``, ...) is a spec class plus a runner
``runner(spec, *, device, progress) -> Result``.  A preset is a TOML file in ``configs/`` whose
``experiment`` key names the kind; ``simbias run NAME`` loads ``configs/NAME.toml``.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from ..errors import InputError
from ..results import History
from ._spec import apply_override, from_dict, load_toml_text, to_dict

__all__ = ["BaseSpec", "Result", "Experiment", "EXPERIMENTS", "register", "configs_dir", "list_presets",
           "resolve_spec", "spec_class"]


@dataclass(frozen=True)
class BaseSpec:
    """Keys every experiment has.

    Attributes:
        experiment: the experiment kind (see ``simbias list``).
        description: one line shown by ``simbias list``.
        seed: the seed every random draw of the run is derived from.
        dtype: floating-point type of models and data.
    """

    experiment: str = ""
    description: str = ""
    seed: int = 0
    dtype: Literal["float32", "float64"] = "float32"


@dataclass
class Result:
    """What a runner returns: the history, the headline numbers, and extra arrays for figures."""

    history: History
    summary: dict[str, Any]
    headline: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Experiment:
    """A registered experiment kind.

    ``ensemble_runner(specs, *, device, on_step, chunk_size) -> list[MemberResult]`` trains many
    members of one static shape together, and ``static_key(spec)`` says which members may share a
    bucket (``None``: run this member on its own); both are optional and are set with
    :func:`simbias.experiments.register_ensemble`.  Kinds without them are swept sequentially.
    ``member_bytes(spec)`` estimates one member's memory inside a bucket.
    """

    name: str
    spec_cls: type
    runner: Callable[..., Result]
    description: str
    ensemble_runner: Callable[..., Any] | None = None
    static_key: Callable[[Any], Any] | None = None
    member_bytes: Callable[[Any], int] | None = None


EXPERIMENTS: dict[str, Experiment] = {}


def register(name: str, spec_cls: type, description: str):
    """Decorator registering ``runner`` as the experiment kind ``name`` with spec class ``spec_cls``."""

    def deco(runner):
        EXPERIMENTS[name] = Experiment(name, spec_cls, runner, description)
        return runner

    return deco


def spec_class(kind: str) -> type:
    from ._kind import ensure_entry_points

    ensure_entry_points()  # installed packages' kinds, once
    if kind not in EXPERIMENTS:
        raise InputError("experiment", f"unknown experiment kind {kind!r}",
                         f"choose one of {', '.join(sorted(EXPERIMENTS))} (or load yours with --plugin FILE.py)")
    return EXPERIMENTS[kind].spec_cls


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
    env = os.environ.get("SIMBIAS_CONFIGS")
    if env:
        return Path(env)
    folder = importlib.resources.files("simbias").joinpath("configs")
    return folder if not isinstance(folder, os.PathLike) else Path(os.fspath(folder))


def list_presets() -> dict[str, tuple[Path, str]]:
    """``{name: (path, description)}`` of every preset (``*.toml``) in :func:`configs_dir`."""
    out = {}
    d = configs_dir()
    files = sorted((p for p in d.iterdir() if p.name.endswith(".toml") and p.is_file()), key=lambda p: p.name) \
        if d.is_dir() else []
    for p in files:
        data = load_toml_text(p.read_text(encoding="utf-8"), str(p))
        out[p.name[:-len(".toml")]] = (p, str(data.get("description", "")))
    return out


def read_spec_text(p: Path) -> str:
    """The text of the spec file ``p``; a missing file, a directory, or bytes that are not UTF-8
    raise :class:`InputError` naming the file."""
    if p.is_dir():
        raise InputError(str(p), "is a directory, not a spec file", "give a TOML file (or a preset name)")
    if not p.exists():
        raise InputError("NAME|FILE", f"{p} does not exist", "give a preset name (simbias list) or a TOML file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(str(p), f"cannot be read ({exc.strerror or exc})", "check the file's permissions") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(str(p), "is not UTF-8 TOML (binary or another encoding such as UTF-16)",
                         "save the spec as UTF-8 text") from None


def _load_source(name_or_file: str) -> tuple[dict[str, Any], str]:
    p = Path(name_or_file)
    if p.suffix == ".toml" or os.sep in name_or_file:
        return load_toml_text(read_spec_text(p), str(p)), p.stem
    presets = list_presets()
    if name_or_file not in presets:
        raise InputError("NAME|FILE", f"unknown experiment {name_or_file!r}",
                         f"choose one of {', '.join(presets) or '(no presets found)'} or give a .toml file")
    path = presets[name_or_file][0]
    return load_toml_text(path.read_text(encoding="utf-8"), str(path)), name_or_file


def resolve_spec(name_or_file: str, overrides: list[str] = (), *, extra: dict[str, Any] | None = None):
    """Load a preset or TOML file, apply ``--set`` overrides, and validate: ``(spec, name)``."""
    data, name = _load_source(name_or_file)
    for a in overrides:
        apply_override(data, a)
    if extra:
        for k, v in extra.items():
            data[k] = v
    kind = data.get("experiment")
    if not isinstance(kind, str):
        raise InputError("experiment", f"{name_or_file} does not say which experiment it is",
                         f"add experiment = one of {', '.join(sorted(EXPERIMENTS))}")
    cls = spec_class(kind)
    spec = from_dict(cls, data)
    from ._preflight import check_seed

    check_seed(spec)
    return spec, name


def spec_dict(spec) -> dict[str, Any]:
    return to_dict(spec)


def replace(spec, **changes):
    return dataclasses.replace(spec, **changes)
