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

import hashlib
import inspect
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from .. import train
from ..errors import InputError
from ..results import History
from ._registry import KIND_ALIASES, KINDS, spec_class

__all__ = ["Fit", "Plan", "Kind", "KINDS", "PLUGINS", "register_kind", "get_kind", "lockstep_key", "train_plan",
           "train_plans", "load_plugin", "load_entry_points", "ensure_entry_points"]


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

    Examples
    --------
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
    combine : ``combine(histories) -> History`` joins the jobs' histories (default: the only one);
        after a divergence it gets the histories of the jobs that ran.

    Examples
    --------
    >>> from simbias.experiments import get_kind, resolve_spec
    >>> spec, _ = resolve_spec("fprinciple-1d", ["train.steps=20", "model.widths=[16]"])
    >>> plan = get_kind(spec.experiment).build(spec, "cpu")
    >>> len(plan.fits), plan.fits[0].steps
    (1, 20)
    """

    fits: list[Fit]
    context: dict[str, Any] = field(default_factory=dict)
    combine: Callable[[list[History]], History] | None = None

    def history(self, histories: Sequence[History]) -> History:
        """The run's history from its jobs' histories: ``combine`` gets the jobs that ran (all of
        them, or those up to and including the first that diverged); without ``combine``, the last."""
        if self.combine is not None:
            return self.combine(list(histories))
        if len(self.fits) > 1 and len(histories) == len(self.fits):
            raise ValueError("a plan with several fits needs combine=")
        return histories[-1]


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
    figures : optional ``((file_name, factory), ...)``: ``factory(history, spec=..., summary=...)``
        returns a :class:`simbias.viz.Display` (or ``None``), e.g. a display's ``from_history``;
        ``file_name`` without a suffix gets ``.png``.  The CLI draws them into the run's report
        when :mod:`simbias.viz` has no figures of its own for the kind (built-in kinds register
        theirs there).
    aliases : older names of this kind that spec files may still use.

    Examples
    --------
    >>> register_kind(Kind("my-kind", MySpec, build, summarize, "my experiment"))  # doctest: +SKIP
    """

    name: str
    spec: type
    build: Callable[[Any, str], Plan]
    summarize: Callable[[Any, Plan, History], dict[str, Any]]
    description: str = ""
    headline: Callable[[Any, dict[str, Any]], list[str]] = lambda spec, summary: []
    hint: str = "lower train.lr"
    figures: tuple = ()
    aliases: tuple[str, ...] = ()


def register_kind(kind: Kind) -> Kind:
    """Register ``kind`` (and its aliases); re-registering a name replaces it.

    Parameters
    ----------
    kind : Kind
        The kind; its ``spec`` must be a dataclass derived from
        :class:`~simbias.experiments.BaseSpec` (it has an ``experiment`` field).

    Returns
    -------
    Kind
        ``kind`` itself.

    Raises
    ------
    InputError
        ``kind`` is not a :class:`Kind` or its spec is not a ``BaseSpec`` dataclass.

    Examples
    --------
    >>> register_kind(Kind("my-kind", MySpec, build, summarize, "my experiment"))  # doctest: +SKIP
    """
    if not isinstance(kind, Kind):
        raise InputError("kind", f"got {type(kind).__name__}", "register a simbias.experiments.Kind")
    if "experiment" not in getattr(kind.spec, "__dataclass_fields__", {}):
        raise InputError(f"kind {kind.name!r}", "its spec is not a BaseSpec dataclass",
                         "derive the spec from simbias.experiments.BaseSpec")
    KINDS[kind.name] = kind
    KIND_ALIASES.update(dict.fromkeys(kind.aliases, kind.name))
    return kind


def get_kind(name: str) -> Kind:
    """The kind registered as ``name`` (or an alias of it).

    Parameters
    ----------
    name : str
        A kind name (the ``experiment`` value of a spec) or an older alias of one.

    Returns
    -------
    Kind
        The registered kind.

    Raises
    ------
    InputError
        No kind of that name is registered (the message lists the registered ones).

    Examples
    --------
    >>> kind = get_kind("fprinciple")  # the kind behind the preset ``fprinciple-1d``
    >>> kind.name, kind.spec.__name__
    ('fprinciple', 'FPrincipleSpec')
    """
    spec_class(name)  # the one check of the name (after the installed packages' kinds are registered)
    return KINDS[KIND_ALIASES.get(name, name)]


# ---------------------------------------------------------------------------------------------
# training a plan
# ---------------------------------------------------------------------------------------------

def _train_group(fits: list[Fit], *, count: Callable[[int], None] | None = None, chunk_size: int | None = None,
                 **engine) -> list[History]:
    """Train jobs of one lockstep key: one job through ``fit`` (or its trainer), several through one
    ``fit_ensemble`` call.  ``count(k)`` reports ``k`` member-steps after every update."""
    if count is not None:
        engine["on_step"] = lambda _step, k=len(fits): count(k)
    f0 = fits[0]
    if len(fits) > 1:
        hist = train.fit_ensemble([f.model for f in fits], train.stack_problems([f.problem for f in fits]),
                                  f0.optimizer, steps=f0.steps, record=f0.record, lr=[f.lr for f in fits],
                                  chunk_size=chunk_size, **engine, **_lockstep_options(f0))
        return [train.member_history(hist, m) for m in range(len(fits))]
    if f0.trainer is not None:
        return [f0.trainer(f0, progress=engine.get("progress", False), on_record=engine.get("on_record"))]
    return [train.fit(f0.model, f0.problem, f0.optimizer, steps=f0.steps, record=f0.record, lr=f0.lr, **engine,
                      **f0.options)]


def _groups(plans: Sequence[Plan], across: bool) -> list[list[tuple[int, int]]]:
    """The ``(plan, job)`` pairs that train together, in training order (by first job index).

    Jobs of one plan with equal :func:`lockstep_key` always group (``across``: also jobs of
    different plans).  A job whose model object appears in another job of its plan (continued
    training) trains alone, in order."""
    groups: dict[Any, list[tuple[int, int]]] = {}
    for i, p in enumerate(plans):
        ids = [id(f.model) for f in p.fits]
        for j, f in enumerate(p.fits):
            key = lockstep_key(f) if ids.count(id(f.model)) == 1 else None
            key = ("alone", i, j) if key is None else key if across else (i, key)
            groups.setdefault(key, []).append((i, j))
    return sorted(groups.values(), key=lambda g: (min(j for _, j in g), g[0][0]))


def train_plan(plan: Plan, *, progress: bool = False, on_record=None, **engine) -> History:
    """Train every job of ``plan`` and combine their histories.

    Jobs that share a :func:`lockstep_key` (e.g. the repeats of one run, each its own seed) train
    together through one :func:`simbias.train.fit_ensemble` call, every other job through
    :func:`simbias.train.fit` (or its own trainer), in the plan's order.  A diverged job ends the
    plan: the history returned says ``diverged`` (the plan's combined history when every job
    trained and ``combine`` keeps the divergence, else the first diverged job's history).

    Parameters
    ----------
    plan : Plan
        What a kind's ``build`` returned.
    progress : bool, default False
        Show a progress bar on stderr.
    on_record : callable, optional
        ``on_record(step, values)`` sees every record as it is taken (live logging).
    **engine
        Passed on to the training loop: ``checkpoint_every``/``on_checkpoint``/``resume``
        (checkpoints of the plan's state and a bit-for-bit resume from one; a job with a
        trainer of its own restarts from its beginning, see :mod:`simbias.io._checkpoint`).

    Returns
    -------
    History
        The plan's combined history (``diverged`` set when a job diverged).

    Examples
    --------
    >>> from simbias.experiments import get_kind, resolve_spec
    >>> spec, _ = resolve_spec("fprinciple-1d", ["train.steps=20", "model.widths=[16]"])
    >>> history = train_plan(get_kind(spec.experiment).build(spec, "cpu"))
    >>> history.diverged, history.arrays["train_loss"].shape[0] > 0
    (False, True)
    """
    return train_plans([plan], lockstep=False, progress=progress, on_record=on_record, **engine)[0]


def _settings(obj) -> Any:
    """The plain settings of an object (a probe, a record): its class and simple attributes."""
    simple = (int, float, str, bool, type(None))
    items = vars(obj).items() if hasattr(obj, "__dict__") else ()
    return (type(obj).__qualname__, tuple(sorted((k, v if isinstance(v, simple) else repr(v) if isinstance(v, tuple)
                                                  and all(isinstance(x, simple) for x in v) else type(v).__name__)
                                                 for k, v in items if not k.startswith("_"))))


def _shapes(items) -> tuple:
    """``(name, (shape, dtype, device))`` of the tensors among ``(name, value)`` pairs."""
    return tuple((n, (tuple(t.shape), str(t.dtype), str(t.device))) for n, t in items if isinstance(t, torch.Tensor))


def _lockstep_options(f: Fit) -> dict[str, Any] | None:
    """The fit options an ensemble takes (full batch: a batch as large as the data is no mini-batch);
    ``None`` when the job trains alone: its own trainer, an optimiser, option or loss the ensemble
    engine does not take (e.g. cross_entropy, stop_loss), a callable option, or mini-batches."""
    opts = {k: v for k, v in f.options.items() if k not in ("generator", "batch_size")}
    bs, x = f.options.get("batch_size"), getattr(f.problem, "x_train", None)
    alone = (f.trainer is not None or f.optimizer not in train.ENSEMBLE_OPTIMIZERS
             or not set(opts) <= _ENSEMBLE_KEYWORDS or opts.get("loss", "mse") not in _ENSEMBLE_LOSSES
             or any(callable(v) for v in opts.values())
             or (bs is not None and not (isinstance(x, torch.Tensor) and bs >= x.shape[0])))
    return None if alone else opts


_ENSEMBLE_KEYWORDS = set(inspect.signature(train.fit_ensemble).parameters)
_ENSEMBLE_LOSSES = ("mse", "mse+derivative")


def lockstep_key(f: Fit) -> Any:
    """Jobs with equal keys train together in one :func:`~simbias.train.fit_ensemble` call.

    The key holds what fixes shapes and the schedule: the model's class and parameter shapes
    (and its dense description), the optimiser and its options, steps, the record schedule, the
    loss options and the shapes of the problem's tensors.  Per-member values (learning rate,
    initial parameters, data values) stay out.  ``None``: this job trains alone (its own
    trainer, mini-batches, or an optimiser without an ensemble version).

    Parameters
    ----------
    f : Fit
        One training job.

    Returns
    -------
    hashable or None
        The job's key, or ``None`` when it never trains in lockstep.

    Examples
    --------
    >>> from simbias.experiments import get_kind, resolve_spec
    >>> def job(lr):
    ...     spec, _ = resolve_spec("fprinciple-1d", ["model.widths=[16]", f"train.lr={lr}"])
    ...     return get_kind(spec.experiment).build(spec, "cpu").fits[0]
    >>> lockstep_key(job(1e-3)) == lockstep_key(job(1e-2))  # the learning rate is per member
    True
    """
    opts, model, r = _lockstep_options(f), f.model, f.record
    if opts is None:
        return None
    dense = model.dense_plan() if hasattr(model, "dense_plan") else None
    data = _shapes(sorted(vars(f.problem).items())) if hasattr(f.problem, "__dict__") else ()
    record = None if r is None else (r.every, r.log_points, r.snapshot_every, tuple(_settings(p) for p in r.probes))
    return (type(model).__module__, type(model).__qualname__, repr(dense), _shapes(model.named_parameters()),
            _shapes(model.named_buffers()), f.optimizer, f.steps, record, repr(sorted(opts.items())), data, f.name)


def train_plans(plans: Sequence[Plan], *, on_step: Callable[[int], None] | None = None,
                chunk_size: int | None = None, lockstep: bool = True, checkpoint_every: int | None = None,
                on_checkpoint: Callable[[dict], None] | None = None, resume: dict | None = None,
                **engine) -> list[History]:
    """Train many members' plans; jobs that share a :func:`lockstep_key` train as one ensemble.

    Returns one combined history per plan, in order.  Each member's numbers equal its own
    :func:`train_plan` within the float tolerance table (bitwise where the CPU's batched kernels
    agree with the per-member ones).  A member that diverges is recorded as diverged; its
    bucket-mates go on (a plan whose job diverged trains no further job).  ``lockstep=False``
    trains each plan as :func:`train_plan` does (its own same-key jobs still together);
    ``on_step(k)`` reports ``k`` member-steps of progress.

    With ``checkpoint_every`` the state of the whole (:mod:`simbias.io._checkpoint`: the
    group index, the running group's :class:`~simbias.train.Checkpoint`, the finished jobs'
    histories, which plans diverged, the RNG states) goes to ``on_checkpoint(state)`` every
    ``checkpoint_every`` steps of a group and after each group; ``resume=state`` continues from
    it, bit for bit (a sweep task's checkpoint).  A job with its own ``trainer`` is not
    checkpointed inside: it restarts.

    Parameters
    ----------
    plans : sequence of Plan
        One plan per member.
    on_step : callable, optional
        ``on_step(k)`` after every update: ``k`` member-steps of progress.
    chunk_size : int, optional
        Members per chunk inside :func:`~simbias.train.fit_ensemble` (unset: automatic).
    lockstep : bool, default True
        Train same-key jobs of different plans together; ``False``: plan by plan.
    checkpoint_every, on_checkpoint, resume
        Checkpoints of the whole state every ``checkpoint_every`` steps, handed to
        ``on_checkpoint(state)``; ``resume=state`` continues from one bit for bit.
    **engine
        Passed on to the training loop (``progress``, ``on_record``: see :func:`train_plan`).

    Returns
    -------
    list of History
        One combined history per plan, in order.

    Examples
    --------
    >>> from simbias.experiments import get_kind, resolve_spec
    >>> specs = [resolve_spec("fprinciple-1d", ["train.steps=20", "model.widths=[16]", f"seed={s}"])[0]
    ...          for s in (0, 1)]
    >>> histories = train_plans([get_kind(s.experiment).build(s, "cpu") for s in specs])
    >>> [h.diverged for h in histories]
    [False, False]
    """
    from .. import io as R

    plans, saving = list(plans), on_checkpoint is not None and bool(checkpoint_every)
    all_fits = [f for p in plans for f in p.fits]
    # where training stands: the finished jobs' histories, the plans that diverged, the next group
    at = resume or {"histories": [[None] * len(p.fits) for p in plans], "dead": [], "group": 0, "checkpoint": None}
    done = [[None if d is None else R.unpack_history(d) for d in hs] for hs in at["histories"]]
    dead, start = set(at["dead"]), int(at["group"])
    if resume is not None:
        R.set_rng_state(resume["rng"], all_fits)

    def state(g: int, ckpt) -> dict:
        return {"group": g, "dead": sorted(dead), "rng": R.rng_state(all_fits),
                "histories": [[None if h is None else R.pack_history(h) for h in hs] for hs in done],
                "checkpoint": None if ckpt is None else ckpt.to_dict()}

    for g, group in list(enumerate(_groups(plans, lockstep)))[start:]:
        group = [(i, j) for i, j in group if i not in dead]
        fits = [plans[i].fits[j] for i, j in group]
        ck: dict[str, Any] = {}
        if saving and all(f.trainer is None for f in fits):
            ck = dict(checkpoint_every=checkpoint_every, on_checkpoint=lambda c, g=g: on_checkpoint(state(g, c)))
            if g == start and at["checkpoint"] is not None:
                ck["resume"] = train.Checkpoint.from_dict(at["checkpoint"])
        for (i, j), h in zip(group, _train_group(fits, count=on_step, chunk_size=chunk_size, **ck, **engine)
                             if group else ()):
            done[i][j] = h
            if h.diverged:
                dead.add(i)
        if saving:
            on_checkpoint(state(g + 1, None))
    out = []
    for p, hs in zip(plans, done):
        ran = [h for h in hs if h is not None]
        bad = next((h for h in ran if h.diverged), None)
        # combine also joins a diverged run's partial histories; without it a cut-short plan is its diverged job
        whole = bad if len(ran) < len(hs) and p.combine is None else p.history(ran)
        out.append(bad if bad is not None and not whole.diverged else whole)
    return out


# ---------------------------------------------------------------------------------------------
# plugins
# ---------------------------------------------------------------------------------------------

PLUGINS: list[str] = []  # the plugin files loaded in this process (sweep workers load them too)


def load_plugin(path: str | Path) -> list[str]:
    """Import a user's kind file (``--plugin FILE.py``); returns the names of the kinds it registered.

    The file is ordinary Python that the user chose to run (like ``python FILE.py``); it
    registers its kinds with :func:`register_kind`.  Loading one file twice is a no-op.

    Parameters
    ----------
    path : the ``.py`` file.

    Returns
    -------
    list of str
        The kind names it registered.

    Raises
    ------
    InputError
        The file is missing, not ``.py``, fails to import, registers no kind or replaces an
        already registered one.

    Examples
    --------
    >>> load_plugin("examples/plugin_experiment.py")  # doctest: +SKIP
    ['fprinciple-family']
    """
    p = Path(path)
    fix = "give the path of a Python file that calls simbias.experiments.register_kind"
    if not p.is_file() or p.suffix != ".py":
        what = "is a directory" if p.is_dir() else "does not exist" if not p.is_file() else "is not a .py file"
        raise InputError("--plugin", f"{p} {what}", fix)
    name = "simbias_plugin_" + hashlib.sha256(str(p.resolve()).encode()).hexdigest()[:12]
    if name in sys.modules:
        return list(getattr(sys.modules[name], "__simbias_kinds__", []))
    spec = importlib.util.spec_from_file_location(name, p)
    mod = sys.modules[name] = importlib.util.module_from_spec(spec)
    before, aliases = dict(KINDS), dict(KIND_ALIASES)
    try:
        spec.loader.exec_module(mod)
        if replaced := sorted(k for k, v in before.items() if KINDS.get(k) is not v):
            raise InputError("--plugin", f"{p} registers the kind {replaced[0]!r} that is already registered",
                             "give the plugin's kind a name of its own")
        if len(KINDS) == len(before):
            raise InputError("--plugin", f"{p} registered no experiment kind",
                             "call simbias.experiments.register_kind(Kind(...)) in the file")
    except BaseException as exc:
        sys.modules.pop(name, None)
        for registry, old in ((KINDS, before), (KIND_ALIASES, aliases)):  # undo what the file registered
            registry.clear()
            registry.update(old)
        if isinstance(exc, (InputError, KeyboardInterrupt)):
            raise
        raise InputError("--plugin", f"{p} failed to import: {type(exc).__name__}: {exc}",
                         "fix the plugin file (run it with python to see the traceback)") from None
    mod.__simbias_kinds__ = added = sorted(set(KINDS) - set(before))
    PLUGINS.append(str(p.resolve()))
    return added


def load_entry_points() -> list[str]:
    """Register the kinds of installed packages (entry-point group ``simbias.experiments``).

    Each entry point names a module (imported: it registers its kinds) or a callable returning
    a :class:`Kind` or a list of them.  A broken package is skipped with one warning line on
    stderr; this never fails.

    Returns
    -------
    list of str
        The kind names registered, sorted.

    Examples
    --------
    In the plugin package's ``pyproject.toml``::

        [project.entry-points."simbias.experiments"]
        my-kind = "my_package.kinds"
    """
    from importlib.metadata import entry_points

    try:
        eps = list(entry_points(group="simbias.experiments"))
    except Exception as exc:  # noqa: BLE001 - damaged package metadata must not stop simbias
        print(f"simbias: skipped the installed experiment kinds: {type(exc).__name__}: {exc}", file=sys.stderr)
        return []
    before = set(KINDS)
    for ep in eps:
        try:
            obj = ep.load()
            made = obj() if callable(obj) and not isinstance(obj, Kind) else obj
            for k in made if isinstance(made, (list, tuple)) else [made]:
                if isinstance(k, Kind):
                    register_kind(k)
        except (Exception, SystemExit) as exc:  # noqa: BLE001
            print(f"simbias: skipped the experiment kinds of {ep.value}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return sorted(set(KINDS) - before)


_ENTRY_POINTS_LOADED: list[bool] = []


def ensure_entry_points() -> None:
    """:func:`load_entry_points` once per process (called when the registry is first used; a kind
    package that uses the registry while it loads does not load them again)."""
    if not _ENTRY_POINTS_LOADED:
        _ENTRY_POINTS_LOADED.append(True)
        load_entry_points()
