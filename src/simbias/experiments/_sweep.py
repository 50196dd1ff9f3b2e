"""Sweeps: a grid (and zipped lists) over spec keys × seeds → members → buckets → a sweep directory.

::

    sweep = make_sweep("fprinciple-1d", ["train.steps=500"], grid=["model.widths=[16],[32, 32]"], seeds=4)
    run_sweep(sweep, "sweeps/widths", engine="ensemble", backend="local")

* **Members.**  ``--grid key=v1,v2`` axes are crossed (first key slowest), ``--zip`` axes advance
  together, and seeds vary fastest.  ``--seeds N`` gives seeds 0 … N−1 (the grid may instead name
  ``seed``).  A member's id is the hash of its fully resolved spec, so it is the same in every
  sweep and on every machine, and a member with ``seed = s`` is exactly ``simbias run`` with the
  same overrides and ``--set seed=s``.
* **Buckets.**  Every kind is swept the same way: each member's plan is built, and members whose
  jobs' :func:`~simbias.train.lockstep_key` agree (same widths, data sizes, steps, …) are
  trained together with :func:`simbias.train.fit_ensemble` (engine ``ensemble``), or each alone
  exactly as ``simbias run`` trains it (engine ``sequential``).  A divergence is an outcome of its
  member; an exception fails its member (a bucket that raised is retrained one member at a
  time).  Different widths are different buckets; no
  padding (measured in research/peers.md §5.2: padding to the largest width cost 8× the grouped
  time).  A bucket is split into tasks that fit ``memory_budget`` (and at most ``bucket_size``
  members), which are also the unit of resumption and of parallel work.
* **Backends.**  ``local`` (in this process, one task after another), ``ray`` (each task a Ray
  task; ``ray.init`` locally or ``address=`` to join a cluster; one GPU per task when the cluster
  has GPUs) and ``slurm`` (each task a submitit job).  Workers only compute; this process writes
  every file, atomically, so resuming does not depend on the backend or the engine.
* **Resume.**  A member is done when its run directory's manifest says so; ``resume=True`` skips
  done members and trains the rest, each in the same task it was planned in (the whole task is
  retrained, only its missing members are written): batched kernels may round a member's last
  bits differently with another batch composition on some CPUs.  With the same ``engine``,
  ``bucket_size`` and ``memory_budget`` the final ``results.csv`` of an interrupted and resumed
  sweep equals that of an uninterrupted one byte for byte, on every CPU.  With checkpoints
  (``checkpoint_every``; the local backend) a task writes ``checkpoints/<task>.pt`` under the
  sweep directory as it trains, and a resumed sweep continues a killed task from it instead of
  retraining it (bit for bit on one machine); the file goes once the task's members are written.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import importlib
import math
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import InputError, Outcome
from ..io import SweepDir, checkpointing, claimed, manifest_head, now, parse_value, read_spec_file, spec_hash, to_toml
from ..results import History
from ..train import lockstep_key
from ._kind import PLUGINS, get_kind, load_plugin, train_plans
from ._preflight import estimate_bytes, preflight
from ._registry import Result, _load_source, spec_class, spec_from
from ._run import check_device, result_of
from ._spec import from_dict, set_dotted, split_grid_values, to_dict, valid_keys

__all__ = ["Axis", "Sweep", "Member", "Task", "SweepResult", "make_sweep", "load_sweep", "expand", "plan",
           "run_sweep", "MemberResult", "run_members", "static_key_of", "ENGINES",
           "BACKENDS", "DEFAULT_MEMORY_BUDGET", "MAX_MEMBERS"]

ENGINES = ("ensemble", "sequential")
BACKENDS = ("local", "ray", "slurm")
DEFAULT_MEMORY_BUDGET = 2 << 30  # bytes per task
MAX_MEMBERS = 100_000  # a sweep larger than this is refused at once (split it into several sweeps)


# --------------------------------------------------------------------------------------------
# the sweep definition
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Axis:
    """One swept key: its values, and whether it is crossed (``grid``) or zipped (``zip``)."""

    key: str
    values: tuple
    mode: str = "grid"


@dataclass(frozen=True)
class Sweep:
    """A sweep: a resolved base spec, the axes, and the seeds (``None``: the base spec's seed).

    Built by :func:`make_sweep` (or read back by :func:`load_sweep`); ``to_toml()`` writes the
    ``sweep.toml`` of its directory and ``hash`` identifies its members (a resumed sweep must match).

    Parameters
    ----------
    name : str
        The sweep's name (the preset or file it came from).
    experiment : str
        The kind name.
    base : dict
        The fully resolved base spec as a nested dict.
    axes : tuple of Axis
        The swept keys with their values; ``grid`` axes are crossed, ``zip`` axes go together.
    seeds : tuple of int, optional
        The seeds every grid point runs with (``None``: the base spec's seed).

    Examples
    --------
    >>> sweep = make_sweep("fprinciple-1d", grid=["train.lr=1e-3,1e-2"], seeds=2)
    >>> sweep.keys, sweep.seeds, len(sweep.hash)
    (['train.lr'], (0, 1), 16)
    """

    name: str
    experiment: str
    base: dict
    axes: tuple[Axis, ...] = ()
    seeds: tuple[int, ...] | None = None

    @property
    def keys(self) -> list[str]:
        """The swept spec keys (``seed`` excluded: it has its own column)."""
        return [a.key for a in self.axes if a.key != "seed"]

    def identity(self) -> dict[str, Any]:
        base = _pruned({k: v for k, v in self.base.items() if k != "description"})
        axes = {mode: [[a.key, list(a.values)] for a in self.axes if a.mode == mode] for mode in ("grid", "zip")}
        return {"experiment": self.experiment, "base": base, **axes,
                "seeds": None if self.seeds is None else list(self.seeds)}

    @property
    def hash(self) -> str:
        """Stable hash of everything that defines the members (not the name or description)."""
        return spec_hash(self.identity())

    def to_toml(self) -> str:
        table = {"name": self.name, "experiment": self.experiment, "hash": self.hash, **self.identity(), "base": None}
        return ("# written by `simbias sweep`; finish it with `simbias sweep <this file> --resume`\n"
                + to_toml({"sweep": _pruned(table), "base": self.base}))


def _pruned(d: dict[str, Any]) -> dict[str, Any]:
    """``d`` without ``None`` values and empty tables, at every depth: what ``sweep.toml`` can hold."""
    items = ((k, _pruned(v) if isinstance(v, dict) else v) for k, v in d.items())
    return {k: v for k, v in items if v is not None and v != {}}


def make_sweep(source: str, overrides: Sequence[str] = (), *, grid: Sequence[str] = (), zip: Sequence[str] = (),
               seeds: int | None = None) -> Sweep:
    """Build a :class:`Sweep` from the CLI's pieces; every bad input raises :class:`InputError`.

    ``source`` is a preset name, a spec TOML file, or a ``sweep.toml`` (then the sweep it holds,
    and ``grid``/``zip``/``seeds`` must be empty).  Every member is validated here, before
    anything trains.

    Parameters
    ----------
    source : str
        A preset name, a spec TOML file or a ``sweep.toml``.
    overrides : sequence of str
        ``key=value`` overrides of the base spec (``--set``).
    grid : sequence of str
        ``key=v1,v2,...`` axes that are crossed (``--grid``; commas inside brackets do not split).
    zip : sequence of str
        ``key=v1,v2,...`` axes of equal length that vary together (``--zip``).
    seeds : int, optional
        Run every grid point with seeds ``0 … seeds−1`` (``--seeds``).

    Returns
    -------
    Sweep
        The validated sweep.

    Raises
    ------
    InputError
        An unknown key, a key swept twice, zipped lists of different lengths, an empty or too
        large sweep, or a member whose spec is invalid.

    Examples
    --------
    >>> sweep = make_sweep("fprinciple-1d", ["train.steps=20"], grid=["model.widths=[16],[32]"])
    >>> sweep.keys, sweep.axes[0].values
    (['model.widths'], ([16], [32]))
    """
    p = Path(source)
    data, name = ({}, "") if p.name == "sweep.toml" else _load_source(source)
    if p.name == "sweep.toml" or "sweep" in data:  # a sweep definition: the sweep it holds
        if grid or zip or seeds is not None or overrides:
            raise InputError("NAME|FILE", f"{source} is a sweep definition", "give no --set/--grid/--zip/--seeds with it")
        return load_sweep(p)
    spec = spec_from(data, source, overrides)
    kind, keys = data["experiment"], sorted(set(valid_keys(type(spec))) - {"experiment"})  # kind: as written
    axes: list[Axis] = []
    for flag, text in [("--grid", t) for t in grid] + [("--zip", t) for t in zip]:
        if "=" not in text:
            raise InputError(flag, f"{text!r} is not key=v1,v2,...", f"write e.g. {flag} train.lr=1e-3,1e-2")
        key, raw = (part.strip() for part in text.split("=", 1))
        values = tuple(parse_value(v, name=key) for v in split_grid_values(raw))
        if not values:
            raise InputError(flag, f"{key} has no values", f"give at least one value: {flag} {key}=v1,v2,...")
        if key not in keys:
            raise InputError(flag, f"{key!r} is not a spec key of {kind}", f"valid keys: {', '.join(keys)}")
        if any(a.key == key for a in axes):
            raise InputError(flag, f"{key} is swept twice", "give each key once")
        axes.append(Axis(key, values, flag[2:]))
    zips = [a for a in axes if a.mode == "zip"]
    if len({len(a.values) for a in zips}) > 1:
        lens = ", ".join(f"{a.key}: {len(a.values)}" for a in zips)
        raise InputError("--zip", f"zipped lists differ in length ({lens})", "give every --zip key as many values")
    if seeds is not None:
        _check_count(seeds, "--seeds", "seeds")
        if any(a.key == "seed" for a in axes):
            raise InputError("--seeds", "the grid already names seed", "give either --seeds N or --grid seed=...")
        if seeds > MAX_MEMBERS:
            raise InputError("--seeds", f"got {seeds}; a sweep has at most {MAX_MEMBERS} members",
                             "split it into several sweeps")
    elif not axes:
        raise InputError("--grid", "the sweep is empty (no --grid, --zip or --seeds)",
                         "give e.g. --grid train.lr=1e-3,1e-2 or --seeds 4")
    sweep = Sweep(name, kind, to_dict(spec), tuple(axes), None if seeds is None else tuple(range(seeds)))
    expand(sweep)  # validate every member now (size, types, duplicates), before anything trains
    return sweep


def _check_count(value: Any, flag: str, what: str) -> None:
    """``value`` (unless ``None``) must be a positive int, else one :class:`InputError` naming ``flag``."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InputError(flag, f"got {value!r}", f"give a positive number of {what}")


def load_sweep(path: str | os.PathLike) -> Sweep:
    """Read a ``sweep.toml`` (a file, or the sweep directory holding it); a missing or damaged
    file raises :class:`InputError` naming it.

    Parameters
    ----------
    path : str or PathLike
        A ``sweep.toml`` or a sweep directory.

    Returns
    -------
    Sweep
        The sweep it defines (its recorded hash must match its contents).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> sweep = make_sweep("fprinciple-1d", grid=["train.lr=1e-3,1e-2"])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sweep.toml"
    >>> _ = path.write_text(sweep.to_toml(), encoding="utf-8")
    >>> load_sweep(path) == sweep
    True
    """
    p = Path(path) / "sweep.toml" if Path(path).is_dir() else Path(path)
    if not p.is_file():
        raise InputError("DIR", f"{p} does not exist", "give a sweep directory written by simbias sweep")
    data = read_spec_file(p)
    sw = data.get("sweep")
    if not isinstance(sw, dict) or not isinstance(data.get("base"), dict):
        raise InputError(str(p), "is not a sweep definition (no [sweep] and [base])", "give a sweep.toml")
    try:
        axes = tuple(Axis(str(k), tuple(v), mode) for mode in ("grid", "zip") for k, v in sw.get(mode, []))
        seeds = tuple(int(s) for s in sw["seeds"]) if "seeds" in sw else None
        sweep = Sweep(str(sw.get("name", p.parent.name)), str(sw["experiment"]), data["base"], axes, seeds)
        h = sweep.hash
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(str(p), f"is damaged or not written by simbias sweep ({type(exc).__name__}: "
                                 f"{' '.join(str(exc).split())[:120]})", "restore it or start a new sweep") from None
    if sw.get("hash") and sw["hash"] != h:
        raise InputError(str(p), f"records hash {sw['hash']} but its contents hash to {h}",
                         "the file was edited; restore it or start a new sweep")
    return sweep


# --------------------------------------------------------------------------------------------
# members and tasks
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    """One run of a sweep: position, id (hash of the resolved spec), spec, swept values, seed."""

    index: int
    id: str
    spec: Any
    values: dict
    seed: int

    @property
    def head(self) -> dict[str, Any]:
        """The first cells of the member's ``results.csv`` row: id, swept values, seed."""
        return {"member_id": self.id, **self.values, "seed": self.seed}


def expand(sweep: Sweep, *, check_on: str | None = None) -> list[Member]:
    """The members of ``sweep``, in a deterministic order (grid product, then zip, then seed); a
    sweep of more than :data:`MAX_MEMBERS` members is refused before it is expanded.

    With ``check_on`` (a device) every member also passes :func:`~simbias.experiments.preflight`
    (data files, memory; :func:`plan` builds each member, which checks its expressions).  An error
    names the member and its values."""
    cls = spec_class(sweep.experiment)
    grid = [a for a in sweep.axes if a.mode == "grid"]
    zips = [a for a in sweep.axes if a.mode == "zip"]
    seed_axis = [Axis("seed", sweep.seeds)] if sweep.seeds else []
    # the grid's axes, then the zipped values together, then the seeds (fastest)
    axes = [*(a.values for a in grid), list(zip(*(a.values for a in zips))) or [()], sweep.seeds or (None,)]
    if (n := math.prod(map(len, axes))) > MAX_MEMBERS:
        raise InputError("--grid" if grid else "--zip" if zips else "--seeds",
                         f"the sweep has {n} members; at most {MAX_MEMBERS} are allowed", "split it into several sweeps")
    members: list[Member] = []
    seen: dict[str, int] = {}
    for *combo, zipped, s in product(*axes):
        point = [*zip(grid, combo), *zip(zips, zipped), *zip(seed_axis, [s])]
        data = copy.deepcopy(sweep.base)
        for a, v in point:
            set_dotted(data, a.key, copy.deepcopy(v), flag=f"--{a.mode}")
        try:
            spec = from_dict(cls, data)
            if check_on is not None:
                preflight(spec, device=check_on)
        except InputError as exc:
            vals = ", ".join(f"{a.key}={v!r}" for a, v in point)
            raise InputError(exc.what, f"member {len(members)} ({vals}): {exc.problem}", exc.fix) from None
        resolved = to_dict(spec)
        if (mid := spec_hash(resolved)) in seen:
            raise InputError("--grid", f"members {seen[mid]} and {len(members)} are the same run",
                             "remove duplicate values (e.g. 1e-3 and 0.001)")
        seen[mid] = len(members)
        values = {a.key: functools.reduce(dict.get, a.key.split("."), resolved) for a in sweep.axes if a.key != "seed"}
        members.append(Member(len(members), mid, spec, values, int(spec.seed)))
    return members


@dataclass
class Task:
    """A unit of work: members trained together (``ensemble``) or one member (``sequential``)."""

    kind: str
    members: list[Member]
    engine: str

    @property
    def steps(self) -> int:
        return sum(int(getattr(getattr(m.spec, "train", None), "steps", 1) or 1) for m in self.members)

    @property
    def id(self) -> str:
        """The task's name (its checkpoint file's): a hash of its engine and members."""
        return hashlib.sha256(repr((self.engine, [m.id for m in self.members])).encode()).hexdigest()[:16]


def plan(members: Sequence[Member], *, engine: str = "ensemble", memory_budget: int | None = None,
         bucket_size: int | None = None) -> list[Task]:
    """Group ``members`` into tasks: buckets of one static key, split to ``memory_budget`` bytes
    and ``bucket_size`` members (balanced); members without a bucket run one per task.  Finding
    the keys builds every member's plan: a member that cannot be built (e.g. its target
    expression) raises :class:`InputError` naming it, before anything trains."""
    if engine not in ENGINES:
        raise InputError("--engine", f"got {engine!r}", f"choose one of {', '.join(ENGINES)}")
    _check_count(bucket_size, "--bucket-size", "members")
    budget = DEFAULT_MEMORY_BUDGET if memory_budget is None else int(memory_budget)
    buckets: dict[Any, list[Member]] = {}
    for m in members:
        try:
            key = static_key_of(m.spec)
        except InputError as exc:
            vals = ", ".join(f"{k}={v!r}" for k, v in {**m.values, "seed": m.seed}.items())
            raise InputError(exc.what, f"member {m.index} ({vals}): {exc.problem}", exc.fix) from None
        buckets.setdefault((None, m.index) if engine == "sequential" or key is None else key, []).append(m)
    tasks: list[Task] = []
    for key, ms in buckets.items():  # a key (None, i): member i alone
        per = estimate_bytes(ms[0].spec)[0]
        cap = min(len(ms) if per <= 0 else max(1, budget // per), bucket_size or len(ms))
        # ceil(len / cap) balanced tasks, the first ones one member larger
        tasks += [Task(ms[0].spec.experiment, [ms[i] for i in part], "sequential" if key[0] is None else "ensemble")
                  for part in np.array_split(np.arange(len(ms)), math.ceil(len(ms) / cap))]
    return sorted(tasks, key=lambda t: t.members[0].index)


# --------------------------------------------------------------------------------------------
# training a bucket of members
# --------------------------------------------------------------------------------------------

@dataclass
class MemberResult:
    """What one sweep member produced: the result (possibly partial), its outcome and timing."""

    result: Result
    outcome: Outcome
    diverged_step: int | None = None
    wall_time_s: float = 0.0
    error: str | None = None
    bucket_size: int = 1


def static_key_of(spec) -> Any:
    """The bucket key of ``spec`` (``None``: the member trains alone).

    The member's plan is built (on the CPU) and the key is the :func:`~simbias.train.lockstep_key`
    of each of its jobs: members share a bucket exactly when all their jobs can train in lockstep.
    Building also validates the member (data opened, model built) before anything is written."""
    keys = tuple(lockstep_key(f) for f in get_kind(spec.experiment).build(spec, "cpu").fits)
    return None if None in keys else (spec.experiment, hashlib.sha256(repr(keys).encode()).hexdigest())


def run_members(specs: Sequence[Any], *, engine: str = "ensemble", device: str = "cpu",
                on_step: Callable[[int], None] | None = None, chunk_size: int | None = None,
                checkpoint: dict | None = None) -> list[MemberResult]:
    """Train a bucket: in lockstep (``engine="ensemble"``), else one member at a time.  An exception
    fails its member: a bucket that raised is retrained one member at a time, so a bad member
    fails alone.  ``checkpoint`` (``{"path", "every", "resume", "task"}``) checkpoints the task
    into ``path`` and resumes from it."""
    specs = list(specs)
    if engine != "ensemble" and len(specs) > 1:  # one member at a time, each exactly as `simbias run` trains it
        return [r for s in specs for r in run_members([s], device=device, on_step=on_step)]
    t0 = time.perf_counter()
    try:
        kind = get_kind(specs[0].experiment)
        plans = [kind.build(s, device) for s in specs]
        kw = checkpointing(jobs=[f for p in plans for f in p.fits], **checkpoint) if checkpoint else {}
        hists = train_plans(plans, on_step=on_step, chunk_size=chunk_size, **kw)
        wall = (time.perf_counter() - t0) / len(specs)
        out = [MemberResult(result_of(kind, s, p, h), Outcome.DIVERGED if h.diverged else Outcome.COMPLETED,
                            h.diverged_step if h.diverged else None, wall, bucket_size=len(specs))
               for s, p, h in zip(specs, plans, hists)]
    except Exception as exc:  # noqa: BLE001 - one failing member is an outcome, not the end of the sweep
        if len(specs) > 1:
            return [r for s in specs for r in run_members([s], device=device)]
        return [MemberResult(Result(History(steps=np.zeros(0, dtype=np.int64)), {}, []), Outcome.FAILED, None,
                             time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}")]
    return out


# --------------------------------------------------------------------------------------------
# running a sweep
# --------------------------------------------------------------------------------------------

@dataclass
class SweepResult:
    """What :func:`run_sweep` did.

    Parameters
    ----------
    path : Path
        The sweep directory.
    sweep : Sweep
        The sweep that ran.
    n_members : int
        Number of members.
    counts : dict of str to int
        Members per outcome (``completed``, ``diverged``, ``failed``).
    skipped : int
        Members a resumed sweep found already finished.
    failures : list of (str, str)
        ``(member id, message)`` of each failed member.
    wall_time_s : float
        Wall time of the call in seconds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> sweep = make_sweep("fprinciple-1d", ["train.steps=20", "model.widths=[16]"], seeds=2)
    >>> result = run_sweep(sweep, pathlib.Path(tempfile.mkdtemp()) / "sweep")
    >>> result.n_members, result.counts["completed"], result.skipped
    (2, 2, 0)
    """

    path: Path
    sweep: Sweep
    n_members: int
    counts: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    wall_time_s: float = 0.0


def run_sweep(sweep: Sweep, out: str | os.PathLike, *, engine: str = "ensemble", backend: str = "local",
              address: str | None = None, workers: int | None = None, device: str = "cpu", resume: bool = False,
              progress: bool = False, memory_budget: int | None = None, bucket_size: int | None = None,
              chunk_size: int | None = None, backend_options: dict[str, Any] | None = None,
              checkpoint_every: int | str | None = "auto") -> SweepResult:
    """Run (or resume) ``sweep`` into the sweep directory ``out``.

    Writes ``sweep.toml``, one run directory per member and ``results.csv`` (one row per member:
    swept keys, seed, outcome, summary numbers).  A diverged or failed member is an outcome,
    not a crash.  Ctrl-C stops after saving what is finished (``results.csv`` included) and
    re-raises.

    Parameters
    ----------
    sweep : Sweep
        From :func:`make_sweep` or :func:`load_sweep`.
    out : str or PathLike
        The sweep directory (claimed exclusively).
    engine : {"ensemble", "sequential"}, default "ensemble"
        ``ensemble``: buckets through :func:`~simbias.train.fit_ensemble`; ``sequential``: each
        member through its kind's ordinary runner, i.e. ``simbias run``.
    backend : {"local", "ray", "slurm"}, default "local"
        Where the tasks run.
    address : str, optional
        Ray cluster address (``ray`` only; default: start Ray locally).
    workers : int, optional
        CPUs of the local Ray instance (``ray``; the ``local`` backend runs one task at a time).
    device : str, default "cpu"
        ``cpu`` or ``cuda`` (Ray picks a GPU per task by itself when the cluster has GPUs).
    resume : bool, default False
        Keep the members this directory already finished and run only the rest.
    progress : bool, default False
        Show one progress bar over members × steps.
    memory_budget : int, optional
        Bytes one task may use (default 2 GiB); bigger buckets are split.
    bucket_size : int, optional
        At most this many members per task.
    chunk_size : int, optional
        Members per cache-sized chunk inside ``fit_ensemble`` (``None``: automatic).
    backend_options : dict, optional
        ``slurm``: ``cluster`` ("local"/"debug" for tests) and submitit ``update_parameters``
        keys (``timeout_min``, ``slurm_partition``, …).
    checkpoint_every : int or "auto" or None, default "auto"
        Steps between checkpoints of a task (``local`` backend; ``"auto"``: every 5 000 steps
        for jobs of at least 20 000 steps; ``0``/``None``: none).  A task writes
        ``checkpoints/<task>.pt`` under the sweep directory; ``resume=True`` continues a killed
        task from it (its members equal an uninterrupted sweep's bit for bit on one machine);
        the file is removed when the task's members are written.

    Returns
    -------
    SweepResult
        The directory, member counts per outcome, skipped members, failures and wall time.

    Raises
    ------
    InputError
        A bad option or member, found before the directory is claimed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> sweep = make_sweep("fprinciple-1d", ["train.steps=20", "model.widths=[16]"],
    ...                    grid=["train.lr=1e-3,1e-2"])
    >>> result = run_sweep(sweep, pathlib.Path(tempfile.mkdtemp()) / "sweep")
    >>> result.counts
    {'completed': 2, 'diverged': 0, 'failed': 0}
    >>> (result.path / "results.csv").is_file()
    True
    """
    t0 = time.perf_counter()
    if backend not in BACKENDS:
        raise InputError("--backend", f"got {backend!r}", f"choose one of {', '.join(BACKENDS)}")
    _check_count(workers, "--workers", "workers")
    if address and backend != "ray":
        raise InputError("--address", "only the ray backend joins a cluster", "add --backend ray")
    if backend == "local":
        if (workers or 1) > 1:
            raise InputError("--workers", "the local backend runs its tasks in this process, one after another",
                             "for parallel workers on one machine use --backend ray --workers K")
        device = check_device(device)
    members = expand(sweep, check_on=device)  # every member's own checks before anything is written
    tasks = plan(members, engine=engine, memory_budget=memory_budget, bucket_size=bucket_size)  # builds them
    # an InputError after the claim (e.g. a backend that is not installed) rolls it back: the corrected
    # rerun finds the folder as before
    with claimed(SweepDir(out), sweep.hash, resume=resume) as sd:
        sd.write_definition(sweep.to_toml())
        rows = {m.index: r for m in members if resume and (r := sd.read_done(m.id, m.head)) is not None}
        todo = {m.id for m in members if m.index not in rows}
        # Resume retrains an unfinished member in the very task it was planned in (the whole task,
        # writing only the missing members): batch composition may change the last bits on some CPUs.
        tasks = [t for t in tasks if any(m.id in todo for m in t.members)]
        started, failures = now(), []
        table = {"hash": sweep.hash, "member": None, "engine": engine, "backend": backend}  # the manifests' "sweep"
        counts = {"completed": 0, "diverged": 0, "failed": 0}

        def flush() -> None:
            ordered = [rows[i] for i in sorted(rows)]
            sd.write_results(["member_id", *sweep.keys, "seed", "outcome"], ordered)  # then the summaries' columns
            counts.update(dict.fromkeys(counts, 0), **Counter(r["outcome"] for r in ordered))  # members per outcome
            bar.set_postfix_str(f"finished {counts['completed'] + counts['diverged']}/{len(members)} "
                                f"(diverged {counts['diverged']}), failed {counts['failed']}")

        def write(m: Member, mr: MemberResult) -> dict[str, Any]:
            manifest = {**manifest_head(m.spec, m.id, device, started), "outcome": str(mr.outcome),
                        "wall_time_s": round(mr.wall_time_s, 3), "finished": now(),
                        "sweep": {**table, "member": m.index, "bucket_size": mr.bucket_size}}
            manifest.update(_pruned({"diverged_step": mr.diverged_step, "error": mr.error or None}))
            return sd.write_member(m.id, m.head, spec=to_toml(to_dict(m.spec)), summary=mr.result.summary,
                                   manifest=manifest, history=mr.result.history)

        from tqdm.auto import tqdm

        bar = tqdm(total=sum(t.steps for t in tasks), desc=f"sweep {sweep.name}", unit="member-step", unit_scale=True,
                   dynamic_ncols=True, disable=not (progress and tasks))  # on stderr
        runner = {"local": _run_local, "ray": _run_ray, "slurm": _run_slurm}[backend]
        try:
            flush()
            for task, results in runner(tasks, device=device, chunk_size=chunk_size, workers=workers, address=address,
                                        options=dict(backend_options or {}), sd=sd, every=checkpoint_every,
                                        resume=resume, progress=bar.update):
                for m, mr in zip(task.members, results):
                    if m.id in todo:
                        rows[m.index] = write(m, mr)
                        if mr.error:
                            failures.append((m.id, mr.error))
                flush()
            sd.remove_checkpoint()  # every task is written (a kill's leftovers)
        finally:
            flush()
            bar.close()
        return SweepResult(sd.path, sweep, len(members), counts, len(members) - len(todo), failures,
                           time.perf_counter() - t0)


# --------------------------------------------------------------------------------------------
# backends (workers compute; this process writes)
# --------------------------------------------------------------------------------------------

def _run_local(tasks, *, device, chunk_size, sd, every, resume, progress, **_):
    """Each task in this process, one after another; with ``every`` a task checkpoints into
    ``checkpoints/<task>.pt`` (``resume``: continues from it), removed once its members are written."""
    for task in tasks:
        ck = {"path": str(sd.checkpoint(task.id)), "task": task.id, "every": every, "resume": resume} if every else None
        yield task, run_members([m.spec for m in task.members], engine=task.engine, device=device, on_step=progress,
                                chunk_size=chunk_size, checkpoint=ck)
        sd.remove_checkpoint(task.id)  # its members are written: nothing left to resume


def _payload(task: Task, device: str, chunk_size: int | None) -> dict[str, Any]:
    """A task as plain data, the keywords of :func:`_worker_task` (a worker rebuilds the specs)."""
    return {"kind": task.kind, "specs": [to_dict(m.spec) for m in task.members], "plugins": list(PLUGINS),
            "engine": task.engine, "device": device, "chunk_size": chunk_size}


def _worker_task(kind: str, specs: list[dict], plugins: list[str], **options) -> list[MemberResult]:
    """A task in a worker process (Ray, SLURM): the sweep's ``--plugin`` files loaded, the specs
    rebuilt, :func:`run_members` with as many torch threads as the worker was given CPUs."""
    import torch

    if (threads := os.environ.get("OMP_NUM_THREADS", "")).isdigit():
        torch.set_num_threads(max(1, int(threads)))
    for p in plugins:
        load_plugin(p)
    return run_members([from_dict(spec_class(kind), d) for d in specs], **options)


def _backend(module: str, extra: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError("--backend", f"{module} is not installed", f"pip install 'simbias[{extra}]'") from None


def _collect(jobs: dict, ready: Callable, result: Callable, cancel: Callable, progress: Callable):
    """Yield ``(task, result)`` of ``jobs`` (handle → task) as ``ready(handles)`` reports them done;
    when anything goes wrong (or the sweep stops) the jobs left are cancelled."""
    try:
        while jobs:
            done = ready(list(jobs))
            for h in done:
                task = jobs.pop(h)
                progress(task.steps)
                yield task, result(h)
            if not done:
                time.sleep(0.2)
    except BaseException:
        for h in jobs:
            with contextlib.suppress(Exception):
                cancel(h)
        raise


def _run_ray(tasks, *, device, chunk_size, workers, address, progress, **_):
    ray = _backend("ray", "ray")
    started = not ray.is_initialized()
    if started:
        where = {"address": address} if address else {"num_cpus": workers or os.cpu_count() or 1,
                                                       "include_dashboard": False}
        ray.init(log_to_driver=False, **where)
    try:
        gpus = float(ray.cluster_resources().get("GPU", 0))
        if gpus > 0:
            device = "cuda"
        elif device.startswith("cuda"):
            raise InputError("--device", f"{device} requested but the Ray cluster has no GPUs", "use --device cpu")
        remote = ray.remote(num_cpus=1, num_gpus=1 if gpus > 0 else 0, max_retries=0)(_worker_task)
        jobs = {remote.remote(**_payload(t, device, chunk_size)): t for t in tasks}
        yield from _collect(jobs, lambda refs: ray.wait(refs, num_returns=1)[0], ray.get,
                            lambda ref: ray.cancel(ref, force=True), progress)
    finally:
        if started:
            ray.shutdown()


def _run_slurm(tasks, *, device, chunk_size, options, sd, progress, **_):
    submitit = _backend("submitit", "slurm")
    folder = Path(options.pop("folder", sd.path / ".submitit"))
    executor = submitit.AutoExecutor(folder=folder, cluster=options.pop("cluster", None))
    params = {"timeout_min": 60, "cpus_per_task": 1, **options}
    if device.startswith("cuda"):
        params.setdefault("gpus_per_node", 1)
    try:
        executor.update_parameters(**params)
    except Exception as exc:  # noqa: BLE001 - submitit raises plain errors for unknown keys
        raise InputError("--slurm", str(exc).splitlines()[0], "see submitit's AutoExecutor.update_parameters") from None
    jobs = {executor.submit(_worker_task, **_payload(t, device, chunk_size)): t for t in tasks}
    yield from _collect(jobs, lambda js: [j for j in js if j.done()], lambda j: j.result(),
                        lambda j: j.cancel(check=False), progress)
