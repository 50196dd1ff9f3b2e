"""One experiment kind, one object: :class:`Kind`, built from a spec into a :class:`Plan`.

A kind says what to build and what to measure; it never writes a training loop of its own and
never says how members are batched::

    register_kind(Kind(
        name="my-kind", spec=MySpec, description="one line for `simbias list`",
        build=build,            # build(spec, device) -> Plan: model(s), problem(s), optimiser, Record
        summarize=summarize,    # summarize(spec, plan, history) -> the summary.json numbers
        headline=headline,      # headline(spec, summary) -> lines printed after the run
    ))

``simbias run`` trains the plan's :class:`Fit` jobs through :func:`simbias.train.fit`; a sweep
builds every member's plan and trains the jobs of members that share a static shape (same
architecture, optimiser, schedule, record and data shapes — :func:`lockstep_key`) through one
:func:`simbias.train.fit_ensemble` call, whatever the kind.  A job with a ``trainer`` of its own
(restarts, stages, a gradient-free optimiser, a classical solver) runs alone.

Kinds come from the built-in modules, from installed packages through the ``simbias.experiments``
entry-point group, and from a user's file with ``--plugin FILE.py`` (:func:`load_plugin`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from .. import train
from ..errors import InputError
from ..results import History

__all__ = ["Fit", "Plan", "Kind", "KINDS", "register_kind", "get_kind", "lockstep_key", "train_plan",
           "train_plans", "load_plugin", "load_entry_points"]


@dataclass
class Fit:
    """One training of one model: everything :func:`simbias.train.fit` needs.

    Parameters
    ----------
    model : the member's model (written for one member).
    problem : its supervised problem (``x_train``, ``y_train``, …) or objective holder.
    optimizer : optimiser name (``"adam"``, ``"sgd"``, …).
    lr : learning rate.
    steps : number of updates.
    record : what to record, and when.
    options : further :func:`~simbias.train.fit` keywords (``loss``, ``derivative_weight``,
        ``batch_size``, ``lr_decay``, ``optimizer_options``, ``generator``, ``stop``).
    name : the job's name when a plan has several.
    trainer : ``trainer(fit, progress=..., on_record=...) -> History`` for a job that is not one
        plain ``fit`` call (restarts, stages, gradient-free optimisers); such a job never
        trains in lockstep with other members.

    Example
    -------
    >>> Fit(model, problem, "adam", lr=1e-3, steps=2000, record=train.Record(every=1))  # doctest: +SKIP
    """

    model: torch.nn.Module
    problem: Any
    optimizer: str = "adam"
    lr: float = 1e-3
    steps: int = 1000
    record: train.Record | None = None
    options: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    trainer: Callable[..., History] | None = None


@dataclass
class Plan:
    """What a kind builds from a spec: the training jobs and what ``summarize`` needs besides.

    Parameters
    ----------
    fits : the jobs, trained in order.
    context : anything ``summarize`` or ``combine`` reads (the problem, theory curves, …).
    combine : ``combine(histories) -> History`` joins the jobs' histories (default: the only one).
    extra : ``extra(plan, history) -> History`` computes what follows training without a model
        update (e.g. a classical solver), given the combined history.
    """

    fits: list[Fit]
    context: dict[str, Any] = field(default_factory=dict)
    combine: Callable[[list[History]], History] | None = None

    def history(self, histories: Sequence[History]) -> History:
        if self.combine is not None:
            return self.combine(list(histories))
        if len(histories) != 1:
            raise ValueError("a plan with several fits needs combine=")
        return histories[0]


def _no_headline(spec, summary) -> list[str]:
    return []


@dataclass(frozen=True)
class Kind:
    """A registered experiment kind (see the module docstring).

    Parameters
    ----------
    name : the ``experiment = "..."`` value of its spec files.
    spec : the frozen spec dataclass (its fields are the spec keys).
    build : ``build(spec, device) -> Plan``; raises :class:`~simbias.errors.InputError` on bad input.
        It is called before a run directory is claimed, so everything that can be checked is.
    summarize : ``summarize(spec, plan, history) -> dict``: the ``summary.json`` numbers.
    description : one line for ``simbias list``.
    headline : ``headline(spec, summary) -> list[str]`` printed after ``simbias run``.
    hint : what to do when training diverges (the one-line error ends with it).
    figures : optional ``[(file_stem, display_factory), ...]``: ``display_factory(run)`` returns a
        :class:`simbias.viz.Display`; built-in kinds register theirs in :mod:`simbias.viz`.
    aliases : older names of this kind that spec files may still use.

    Example
    -------
    >>> register_kind(Kind("my-kind", MySpec, build, summarize, "my experiment"))  # doctest: +SKIP
    """

    name: str
    spec: type
    build: Callable[[Any, str], Plan]
    summarize: Callable[[Any, Plan, History], dict[str, Any]]
    description: str = ""
    headline: Callable[[Any, dict[str, Any]], list[str]] = _no_headline
    hint: str = "lower train.lr"
    figures: tuple = ()
    aliases: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {}
_ALIASES: dict[str, str] = {}


def register_kind(kind: Kind) -> Kind:
    """Register ``kind`` (and its aliases); re-registering a name replaces it.  Returns ``kind``."""
    if not isinstance(kind, Kind):
        raise InputError("kind", f"got {type(kind).__name__}", "register a simbias.experiments.Kind")
    if not dataclasses.is_dataclass(kind.spec) or "experiment" not in {f.name for f in dataclasses.fields(kind.spec)}:
        raise InputError(f"kind {kind.name!r}", "its spec is not a BaseSpec dataclass",
                         "derive the spec from simbias.experiments.BaseSpec")
    KINDS[kind.name] = kind
    from ._registry import EXPERIMENTS, Experiment  # the name index of `simbias list` and spec loading

    EXPERIMENTS[kind.name] = Experiment(kind.name, kind.spec, None, kind.description)
    for a in kind.aliases:
        _ALIASES[a] = kind.name
    return kind


def canonical(name: str) -> str:
    """The registered name of ``name`` (an alias maps to its kind)."""
    return _ALIASES.get(name, name)


def get_kind(name: str) -> Kind:
    """The kind registered as ``name`` (or an alias of it)."""
    k = KINDS.get(canonical(name))
    if k is None:
        raise InputError("experiment", f"unknown experiment kind {name!r}",
                         f"choose one of {', '.join(sorted(KINDS))} (or load yours with --plugin FILE.py)")
    return k


# ---------------------------------------------------------------------------------------------
# training a plan
# ---------------------------------------------------------------------------------------------

def _fit_kwargs(f: Fit) -> dict[str, Any]:
    return dict(steps=f.steps, record=f.record, lr=f.lr, **f.options)


def _train_one(f: Fit, *, progress: bool = False, on_record=None, on_step=None, **engine) -> History:
    if f.trainer is not None:
        return f.trainer(f, progress=progress, on_record=on_record)
    kw = _fit_kwargs(f)
    return train.fit(f.model, f.problem, f.optimizer, progress=progress, on_record=on_record, on_step=on_step,
                     **engine, **kw)


def _job_record(f: Fit, plan: Plan, on_record):
    """``on_record`` for one job: a plan of several named jobs prefixes the names (``job/name``)."""
    if on_record is None or len(plan.fits) == 1 or not f.name:
        return on_record
    return lambda step, values, p=f.name: on_record(step, {f"{p}/{k}": v for k, v in values.items()})


def train_plan(plan: Plan, *, progress: bool = False, on_record=None, checkpoint_every: int | None = None,
               on_checkpoint: Callable[[dict], None] | None = None, resume: dict | None = None, **engine) -> History:
    """Train every job of ``plan`` with :func:`simbias.train.fit` and combine their histories.

    A diverged job ends the plan (the combined history says ``diverged``).  ``on_record(step,
    values)`` sees every record as it is taken (live logging).  With ``checkpoint_every`` the
    state of the plan (:mod:`simbias.experiments._resume`: the job index, the running job's
    :class:`~simbias.train.Checkpoint`, the finished jobs' histories, RNG states) goes to
    ``on_checkpoint(state)`` every ``checkpoint_every`` steps of a job and between jobs;
    ``resume=state`` continues from it, bit for bit.  A job with its own ``trainer`` is not
    checkpointed inside: a resume restarts it from its beginning."""
    from . import _resume as R

    hs: list[History] = []
    if resume is not None:
        hs = [R.unpack_history(d) for d in resume["histories"]]
        R.set_rng_state(resume["rng"], plan.fits)

    def state(j: int, ckpt) -> dict:
        return {"job": j, "histories": [R.pack_history(h) for h in hs], "rng": R.rng_state(plan.fits),
                "checkpoint": None if ckpt is None else ckpt.to_dict()}

    for j in range(len(hs), len(plan.fits)):
        f = plan.fits[j]
        ck: dict[str, Any] = {}
        if on_checkpoint is not None and checkpoint_every and f.trainer is None:
            ck = dict(checkpoint_every=checkpoint_every, on_checkpoint=lambda c, j=j: on_checkpoint(state(j, c)))
        if resume is not None and j == resume["job"] and resume["checkpoint"] is not None and f.trainer is None:
            ck["resume"] = train.Checkpoint.from_dict(resume["checkpoint"])
        hs.append(_train_one(f, progress=progress, on_record=_job_record(f, plan, on_record), **ck, **engine))
        if hs[-1].diverged:
            break
        if on_checkpoint is not None and checkpoint_every and j + 1 < len(plan.fits):
            on_checkpoint(state(j + 1, None))
    if len(hs) < len(plan.fits) and plan.combine is None:
        return hs[-1]
    return plan.history(hs) if len(hs) == len(plan.fits) else hs[-1]


def _shape_sig(t) -> Any:
    return (tuple(t.shape), str(t.dtype), str(t.device)) if isinstance(t, torch.Tensor) else None


def _settings(obj) -> Any:
    """The plain settings of an object (a probe, a record): its class and simple attributes."""
    simple = (int, float, str, bool, type(None))
    items = vars(obj).items() if hasattr(obj, "__dict__") else ()
    return (type(obj).__qualname__, tuple(sorted((k, v if isinstance(v, simple) else repr(v) if isinstance(v, tuple)
                                                  and all(isinstance(x, simple) for x in v) else type(v).__name__)
                                                 for k, v in items if not k.startswith("_"))))


def _record_sig(r) -> Any:
    if r is None:
        return None
    return (r.every, r.log_points, r.snapshot_every, tuple(_settings(p) for p in r.probes))


def _lockstep_options(f: Fit) -> dict[str, Any] | None:
    """The fit options an ensemble takes (full batch: a batch as large as the data is no mini-batch)."""
    opts = {k: v for k, v in f.options.items() if k not in ("generator", "batch_size")}
    bs, x = f.options.get("batch_size"), getattr(f.problem, "x_train", None)
    if bs is not None and not (isinstance(x, torch.Tensor) and bs >= x.shape[0]):
        return None
    return opts


def lockstep_key(f: Fit) -> Any:
    """Jobs with equal keys train together in one :func:`~simbias.train.fit_ensemble` call.

    The key holds what fixes shapes and the schedule: the model's class and parameter shapes
    (and its dense description), the optimiser and its options, steps, the record schedule, the
    loss options and the shapes of the problem's tensors.  Per-member values (learning rate,
    initial parameters, data values) stay out.  ``None``: this job trains alone (its own
    trainer, mini-batches, or an optimiser without an ensemble version).
    """
    if f.trainer is not None or f.optimizer not in train.ENSEMBLE_OPTIMIZERS:
        return None
    opts = _lockstep_options(f)
    if opts is None:
        return None
    if any(callable(v) for v in opts.values()):
        return None
    model = f.model
    dense = model.dense_plan() if hasattr(model, "dense_plan") else None
    params = tuple((n, _shape_sig(p)) for n, p in model.named_parameters())
    buffers = tuple((n, _shape_sig(b)) for n, b in model.named_buffers())
    data = tuple((k, _shape_sig(v)) for k, v in sorted(vars(f.problem).items()) if isinstance(v, torch.Tensor)) \
        if hasattr(f.problem, "__dict__") else ()
    return (type(model).__module__, type(model).__qualname__, repr(dense), params, buffers, f.optimizer, f.steps,
            _record_sig(f.record), repr(sorted(opts.items())), data, f.name)


def train_plans(plans: Sequence[Plan], *, on_step: Callable[[int], None] | None = None,
                chunk_size: int | None = None, lockstep: bool = True, checkpoint_every: int | None = None,
                on_checkpoint: Callable[[dict], None] | None = None, resume: dict | None = None) -> list[History]:
    """Train many members' plans; jobs that share a :func:`lockstep_key` train as one ensemble.

    Returns one combined history per plan, in order.  Each member's numbers equal its own
    :func:`train_plan` within the float tolerance table (bitwise where the CPU's batched kernels
    agree with the per-member ones).  A member that diverges is recorded as diverged; its
    bucket-mates go on.  ``checkpoint_every``/``on_checkpoint``/``resume`` as in
    :func:`train_plan`; the state also says which lockstep group of the job was training.
    """
    from . import _resume as R

    plans = list(plans)
    all_fits = [f for p in plans for f in p.fits]
    n_jobs = {len(p.fits) for p in plans}
    per: list[list[History]] = [[] for _ in plans]
    alive = list(range(len(plans)))
    at = (0, 0)
    if resume is not None:
        per = [[R.unpack_history(d) for d in hs] for hs in resume["histories"]]
        alive, at = list(resume["alive"]), (int(resume["job"]), int(resume["group"]))
        R.set_rng_state(resume["rng"], all_fits)
    saving = on_checkpoint is not None and bool(checkpoint_every)

    def state(j: int, g: int, ckpt) -> dict:
        return {"job": j, "group": g, "alive": list(alive), "rng": R.rng_state(all_fits),
                "histories": [[R.pack_history(h) for h in hs] for hs in per],
                "checkpoint": None if ckpt is None else ckpt.to_dict()}

    for j in range(at[0], max(n_jobs) if n_jobs else 0):
        todo = [i for i in alive if j < len(plans[i].fits)]
        groups: dict[Any, list[int]] = {}
        for i in todo:
            key = lockstep_key(plans[i].fits[j]) if lockstep else None
            groups.setdefault(key if key is not None else ("alone", i), []).append(i)
        for g, (key, idx) in enumerate(groups.items()):
            if (j, g) < at:
                continue
            fits = [plans[i].fits[j] for i in idx]
            ck: dict[str, Any] = {}
            if saving and all(f.trainer is None for f in fits):
                ck = dict(checkpoint_every=checkpoint_every, on_checkpoint=lambda c, j=j, g=g: on_checkpoint(state(j, g, c)))
            if resume is not None and (j, g) == at and resume["checkpoint"] is not None and ck:
                ck["resume"] = train.Checkpoint.from_dict(resume["checkpoint"])
            if len(idx) == 1 or key[0] == "alone":
                for i, f in zip(idx, fits):
                    per[i].append(_train_one(f, on_step=on_step, **(ck if f.trainer is None else {})))
            else:
                f0 = fits[0]
                opts = _lockstep_options(f0)
                hist = train.fit_ensemble([f.model for f in fits], train.stack_problems([f.problem for f in fits]),
                                          f0.optimizer, steps=f0.steps, record=f0.record, lr=[f.lr for f in fits],
                                          on_step=None if on_step is None else (lambda _s, k=len(idx): on_step(k)),
                                          chunk_size=chunk_size, **ck, **opts)
                for m, i in enumerate(idx):
                    per[i].append(train.member_history(hist, m))
            if saving:
                on_checkpoint(state(j, g + 1, None))
        alive = [i for i in alive if not per[i][-1].diverged] if todo else alive
    out = []
    for p, hs in zip(plans, per):
        out.append(p.history(hs) if len(hs) == len(p.fits) else hs[-1])
    return out


# ---------------------------------------------------------------------------------------------
# plugins
# ---------------------------------------------------------------------------------------------

def load_plugin(path: str | Path) -> list[str]:
    """Import a user's kind file (``--plugin FILE.py``); returns the names of the kinds it registered.

    The file is ordinary Python that the user chose to run (like ``python FILE.py``); it
    registers its kinds with :func:`register_kind`.
    """
    p = Path(path)
    if p.is_dir() or not p.is_file():
        what = "is a directory" if p.is_dir() else "does not exist"
        raise InputError("--plugin", f"{p} {what}", "give the path of a Python file that calls register_kind")
    if p.suffix != ".py":
        raise InputError("--plugin", f"{p} is not a .py file", "give the path of a Python file that calls register_kind")
    before = set(KINDS)
    name = "simbias_plugin_" + hashlib.sha256(str(p.resolve()).encode()).hexdigest()[:12]
    if name in sys.modules:
        return sorted(getattr(sys.modules[name], "__simbias_kinds__", []))
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise InputError("--plugin", f"{p} cannot be imported", "give the path of a Python file")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken plugin is the user's input
        sys.modules.pop(name, None)
        raise InputError("--plugin", f"{p} failed to import: {type(exc).__name__}: {exc}",
                         "fix the plugin file (run it with python to see the traceback)") from None
    added = sorted(set(KINDS) - before)
    mod.__simbias_kinds__ = added
    if not added:
        raise InputError("--plugin", f"{p} registered no experiment kind",
                         "call simbias.experiments.register_kind(Kind(...)) in the file")
    return added


def load_entry_points() -> list[str]:
    """Register the kinds of installed packages (entry-point group ``simbias.experiments``).

    Each entry point names a module (imported: it registers its kinds) or a callable returning
    a :class:`Kind` or a list of them.  A broken package is skipped with a warning line.
    """
    from importlib.metadata import entry_points

    added: list[str] = []
    for ep in entry_points(group="simbias.experiments"):
        before = set(KINDS)
        try:
            obj = ep.load()
            made = obj() if callable(obj) and not isinstance(obj, Kind) else obj
            for k in made if isinstance(made, (list, tuple)) else [made]:
                if isinstance(k, Kind):
                    register_kind(k)
        except Exception as exc:  # noqa: BLE001
            print(f"simbias: skipped the experiments of {ep.value}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        added += sorted(set(KINDS) - before)
    return added
