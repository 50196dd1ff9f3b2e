"""One experiment kind, one object: :class:`Kind`, built from a spec into a :class:`Plan`.

A kind says what to build and what to measure; it never writes a training loop of its own and
never says how members are batched::

    register_kind(Kind(
        name="my-kind", spec=MySpec, description="one line for `simbias list`",
        build=build,            # build(spec, device) -> Plan: model(s), problem(s), optimiser, Record
        summarize=summarize,    # summarize(spec, plan, history) -> the summary.json numbers
        headline=headline,      # headline(spec, summary) -> lines printed after the run
    ))

``simbias run`` trains the plan's :class:`Fit` jobs (:class:`simbias.train.Job`) through
:func:`simbias.train.fit_jobs`; a sweep builds every member's plan and trains the jobs of members that
share a static shape (same architecture, optimiser, schedule, record and data shapes —
:func:`~simbias.train.lockstep_key`) through one :func:`simbias.train.fit_ensemble` call, whatever the
kind.  A job with a ``trainer`` of its own (restarts, stages, a gradient-free optimiser, a classical
solver) runs alone.

Kinds come from the built-in modules, from installed packages through the ``simbias.experiments``
entry-point group, and from a user's file with ``--plugin FILE.py`` (:func:`load_plugin`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .. import train
from ..errors import InputError
from ..results import History
from ..train import Job as Fit  # a plan's training job; the name the kinds use
from ._registry import KIND_ALIASES, KINDS, spec_class

__all__ = ["Fit", "Plan", "Kind", "KINDS", "PLUGINS", "register_kind", "get_kind", "train_plan", "train_plans",
           "load_plugin", "load_entry_points", "ensure_entry_points"]


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

def train_plan(plan: Plan, *, progress: bool = False, on_record=None, **engine) -> History:
    """Train every job of ``plan`` and combine their histories.

    Jobs that share a :func:`~simbias.train.lockstep_key` (e.g. the repeats of one run, each its own seed) train
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
        Passed on to :func:`simbias.train.fit_jobs`: ``checkpoint_every``/``on_checkpoint``/``resume``
        (checkpoints of the plan's state and a bit-for-bit resume from one; a job with a
        trainer of its own restarts from its beginning).

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


def train_plans(plans: Sequence[Plan], *, lockstep: bool = True, **engine) -> list[History]:
    """Train many members' plans through :func:`simbias.train.fit_jobs` and combine each plan's histories.

    Jobs that share a :func:`~simbias.train.lockstep_key` train as one ensemble, also across plans
    (``lockstep=False``: each plan as :func:`train_plan` trains it, its own same-key jobs still
    together).  Each member's numbers equal its own :func:`train_plan` within the float tolerance
    table.  A member that diverges is recorded as diverged; its bucket-mates go on (a plan whose job
    diverged trains no further job).

    Parameters
    ----------
    plans : sequence of Plan
        One plan per member.
    lockstep : bool, default True
        Train same-key jobs of different plans together; ``False``: plan by plan.
    **engine
        :func:`~simbias.train.fit_jobs`'s keywords: ``on_step`` (member-steps of progress),
        ``chunk_size``, ``checkpoint_every``/``on_checkpoint``/``resume`` (checkpoints of the whole
        state, a sweep task's, and a bit-for-bit resume from one), ``progress``, ``on_record``.

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
    plans, out = list(plans), []
    for p, hs in zip(plans, train.fit_jobs([p.fits for p in plans], lockstep=lockstep, **engine)):
        ran = [h for h in hs if h is not None]
        bad = next((h for h in ran if h.diverged), None)
        if p.combine is None and len(ran) == len(hs) > 1:
            raise ValueError("a plan with several fits needs combine=")
        # combine also joins a diverged run's partial histories (the jobs up to and including the first that
        # diverged); without it a plan is its last job, a cut-short plan its diverged job
        whole = p.combine(ran) if p.combine is not None else bad if len(ran) < len(hs) else ran[-1]
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
