"""Many training jobs, same-shape ones in lockstep: :class:`Job`, :func:`lockstep_key`, :func:`fit_jobs`.

A :class:`Job` is one training of one model (everything :func:`~simbias.train.fit` needs).
:func:`fit_jobs` trains lists of jobs ("runs": each list trains in order, e.g. an experiment's
stages, and ends at its first divergence); jobs with equal :func:`lockstep_key` (same model
structure, optimiser, steps, record schedule, loss options and data shapes) train together
through one :func:`~simbias.train.fit_ensemble` call, every other job through
:func:`~simbias.train.fit` or its own ``trainer`` (restarts, stages, gradient-free optimisers).

With ``checkpoint_every`` the state of the whole goes to ``on_checkpoint(state)``: the index of the
lockstep group being trained, the running group's :class:`~simbias.train.Checkpoint`, the finished
jobs' histories, which runs diverged and the RNG states (the global torch generator and every
``torch.Generator`` the jobs hold), all tensors, numbers, strings, lists and dicts
(``torch.load(..., weights_only=True)`` reads it back).  ``resume=state`` continues from it and equals
the uninterrupted training bit for bit on one machine.  A job with a ``trainer`` of its own is not
checkpointed inside: a resumed training restarts such a job from its beginning.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch

from ..results import History
from ._checkpoint import Checkpoint, pack_history, rng_state, set_rng_state, unpack_history
from ._ensemble import ENSEMBLE_OPTIMIZERS, fit_ensemble, member_history, stack_problems
from ._fit import fit
from ._record import Record

__all__ = ["Job", "lockstep_key", "fit_jobs"]


@dataclass
class Job:
    """One training of one model: everything :func:`~simbias.train.fit` needs.

    Parameters
    ----------
    model : torch.nn.Module
        The model (written for one member).
    problem : object
        Its supervised problem (``x_train``, ``y_train``, …) or objective holder.
    optimizer : str, default "adam"
        Optimiser name (``"adam"``, ``"sgd"``, …).
    lr : float, default 1e-3
        Learning rate.
    steps : int, default 1000
        Number of updates.
    record : Record, optional
        What to record, and when.
    options : dict
        Further :func:`~simbias.train.fit` keywords (``loss``, ``derivative_weight``, ``batch_size``,
        ``lr_decay``, ``optimizer_options``, ``generator``, ``stop``).
    name : str
        The job's name when a run has several.
    trainer : callable, optional
        ``trainer(job, progress=..., on_record=...) -> History`` for a job that is not one plain
        ``fit`` call (restarts, stages, gradient-free optimisers); such a job never trains in
        lockstep with others.

    Examples
    --------
    >>> import torch
    >>> from simbias import nn, problems, train
    >>> job = Job(nn.MLP(1, [8], generator=torch.Generator().manual_seed(0)),
    ...           problems.make_regression("sin(x)", n_train=16), "adam", lr=1e-2, steps=5,
    ...           record=train.Record(every=1))
    >>> fit_jobs([[job]])[0][0].steps.tolist()
    [0, 1, 2, 3, 4, 5]
    """

    model: torch.nn.Module
    problem: Any
    optimizer: str = "adam"
    lr: float = 1e-3
    steps: int = 1000
    record: Record | None = None
    options: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    trainer: Callable[..., History] | None = None


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


_ENSEMBLE_KEYWORDS = set(inspect.signature(fit_ensemble).parameters)
_ENSEMBLE_LOSSES = ("mse", "mse+derivative")


def _lockstep_options(job: Job) -> dict[str, Any] | None:
    """The fit options an ensemble takes (full batch: a batch as large as the data is no mini-batch);
    ``None`` when the job trains alone: its own trainer, an optimiser, option or loss the ensemble
    engine does not take (e.g. cross_entropy, stop_loss), a callable option, or mini-batches."""
    opts = {k: v for k, v in job.options.items() if k not in ("generator", "batch_size")}
    bs, x = job.options.get("batch_size"), getattr(job.problem, "x_train", None)
    alone = (job.trainer is not None or job.optimizer not in ENSEMBLE_OPTIMIZERS
             or not set(opts) <= _ENSEMBLE_KEYWORDS or opts.get("loss", "mse") not in _ENSEMBLE_LOSSES
             or any(callable(v) for v in opts.values())
             or (bs is not None and not (isinstance(x, torch.Tensor) and bs >= x.shape[0])))
    return None if alone else opts


def lockstep_key(job: Job) -> Any:
    """Jobs with equal keys train together in one :func:`~simbias.train.fit_ensemble` call.

    The key holds what fixes shapes and the schedule: the model's class and parameter shapes
    (and its dense description), the optimiser and its options, steps, the record schedule, the
    loss options, the shapes of the problem's tensors and the job's name.  Per-member values
    (learning rate, initial parameters, data values) stay out.  ``None``: this job trains alone
    (its own trainer, mini-batches, or an optimiser without an ensemble version).

    Parameters
    ----------
    job : Job
        One training job.

    Returns
    -------
    hashable or None
        The job's key, or ``None`` when it never trains in lockstep.

    Examples
    --------
    >>> import torch
    >>> from simbias import nn, problems
    >>> def job(seed, lr, width=8):
    ...     net = nn.MLP(1, [width], generator=torch.Generator().manual_seed(seed))
    ...     return Job(net, problems.make_regression("sin(x)", n_train=16), "adam", lr=lr, steps=10)
    >>> lockstep_key(job(0, 1e-3)) == lockstep_key(job(1, 1e-2))  # seed and learning rate are per member
    True
    >>> lockstep_key(job(0, 1e-3)) == lockstep_key(job(0, 1e-3, width=16))  # another shape
    False
    """
    opts, model, r = _lockstep_options(job), job.model, job.record
    if opts is None:
        return None
    dense = model.dense_plan() if hasattr(model, "dense_plan") else None
    data = _shapes(sorted(vars(job.problem).items())) if hasattr(job.problem, "__dict__") else ()
    record = None if r is None else (r.every, r.log_points, r.snapshot_every, tuple(_settings(p) for p in r.probes))
    return (type(model).__module__, type(model).__qualname__, repr(dense), _shapes(model.named_parameters()),
            _shapes(model.named_buffers()), job.optimizer, job.steps, record, repr(sorted(opts.items())), data,
            job.name)


def _train_group(jobs: list[Job], *, count: Callable[[int], None] | None = None, chunk_size: int | None = None,
                 **engine) -> list[History]:
    """Train jobs of one lockstep key: one job through ``fit`` (or its trainer), several through one
    ``fit_ensemble`` call.  ``count(k)`` reports ``k`` member-steps after every update."""
    if count is not None:
        engine["on_step"] = lambda _step, k=len(jobs): count(k)
    j0 = jobs[0]
    if len(jobs) > 1:
        hist = fit_ensemble([j.model for j in jobs], stack_problems([j.problem for j in jobs]), j0.optimizer,
                            steps=j0.steps, record=j0.record, lr=[j.lr for j in jobs], chunk_size=chunk_size,
                            **engine, **_lockstep_options(j0))
        return [member_history(hist, m) for m in range(len(jobs))]
    if j0.trainer is not None:
        return [j0.trainer(j0, progress=engine.get("progress", False), on_record=engine.get("on_record"))]
    return [fit(j0.model, j0.problem, j0.optimizer, steps=j0.steps, record=j0.record, lr=j0.lr, **engine, **j0.options)]


def _groups(runs: Sequence[Sequence[Job]], across: bool) -> list[list[tuple[int, int]]]:
    """The ``(run, job)`` pairs that train together, in training order (by first job index).

    Jobs of one run with equal :func:`lockstep_key` always group (``across``: also jobs of
    different runs).  A job whose model object appears in another job of its run (continued
    training) trains alone, in order."""
    groups: dict[Any, list[tuple[int, int]]] = {}
    for i, jobs in enumerate(runs):
        ids = [id(f.model) for f in jobs]
        for j, f in enumerate(jobs):
            key = lockstep_key(f) if ids.count(id(f.model)) == 1 else None
            key = ("alone", i, j) if key is None else key if across else (i, key)
            groups.setdefault(key, []).append((i, j))
    return sorted(groups.values(), key=lambda g: (min(j for _, j in g), g[0][0]))


def fit_jobs(runs: Sequence[Sequence[Job]], *, lockstep: bool = True, on_step: Callable[[int], None] | None = None,
             chunk_size: int | None = None, checkpoint_every: int | None = None,
             on_checkpoint: Callable[[dict], None] | None = None, resume: dict | None = None,
             **engine) -> list[list[History | None]]:
    """Train lists of jobs; jobs that share a :func:`lockstep_key` train as one ensemble.

    Each run (an inner list) trains its jobs in order; a job that diverges ends its run (its later
    jobs are not trained) while the other members of its lockstep group go on.  Each job's numbers
    equal its own :func:`~simbias.train.fit` within the float tolerance table (bitwise where the
    CPU's batched kernels agree with the per-member ones).  Checkpoints and resume: module docstring.

    Parameters
    ----------
    runs : sequence of sequences of Job
        The runs (e.g. one per experiment member), each a list of jobs trained in order.
    lockstep : bool, default True
        Train same-key jobs of different runs together; ``False``: only jobs of one run group.
    on_step : callable, optional
        ``on_step(k)`` after every update: ``k`` member-steps of progress.
    chunk_size : int, optional
        Members per chunk inside :func:`~simbias.train.fit_ensemble` (unset: automatic).
    checkpoint_every : int, optional
        Steps of a group between checkpoints of the whole state (one also after each group).
    on_checkpoint : callable, optional
        ``on_checkpoint(state)`` receives them (a dict; with ``checkpoint_every``).
    resume : dict, optional
        A state handed to ``on_checkpoint``: continue from it, bit for bit (the same runs, rebuilt).
    **engine
        Passed on to the training loops (``progress``, ``on_record``).

    Returns
    -------
    list of list of History or None
        Per run, its jobs' histories in order (``None``: not trained, its run diverged before).

    Examples
    --------
    >>> import torch
    >>> from simbias import nn, problems
    >>> def job(seed, lr=1e-2, width=8):
    ...     net = nn.MLP(1, [width], generator=torch.Generator().manual_seed(seed))
    ...     return Job(net, problems.make_regression("sin(x)", n_train=16), "adam", lr=lr, steps=20)
    >>> out = fit_jobs([[job(0)], [job(1, lr=1e30), job(2, width=12)]])  # job(0), job(1): one ensemble
    >>> [[None if h is None else h.diverged for h in hs] for hs in out]  # the second run ends at its divergence
    [[False], [True, None]]
    """
    runs, saving = [list(r) for r in runs], on_checkpoint is not None and bool(checkpoint_every)
    every_job = [f for r in runs for f in r]
    at = resume or {"histories": [[None] * len(r) for r in runs], "dead": [], "group": 0, "checkpoint": None}
    done = [[None if d is None else unpack_history(d) for d in hs] for hs in at["histories"]]
    dead, start = set(at["dead"]), int(at["group"])
    if resume is not None:
        set_rng_state(resume["rng"], every_job)

    def state(g: int, ckpt) -> dict:
        return {"group": g, "dead": sorted(dead), "rng": rng_state(every_job),
                "histories": [[None if h is None else pack_history(h) for h in hs] for hs in done],
                "checkpoint": None if ckpt is None else ckpt.to_dict()}

    for g, group in list(enumerate(_groups(runs, lockstep)))[start:]:
        group = [(i, j) for i, j in group if i not in dead]
        jobs = [runs[i][j] for i, j in group]
        ck: dict[str, Any] = {}
        if saving and all(f.trainer is None for f in jobs):
            ck = dict(checkpoint_every=checkpoint_every, on_checkpoint=lambda c, g=g: on_checkpoint(state(g, c)))
            if g == start and at["checkpoint"] is not None:
                ck["resume"] = Checkpoint.from_dict(at["checkpoint"])
        for (i, j), h in zip(group, _train_group(jobs, count=on_step, chunk_size=chunk_size, **ck, **engine)
                             if group else ()):
            done[i][j] = h
            if h.diverged:
                dead.add(i)
        if saving:
            on_checkpoint(state(g + 1, None))
    return done
