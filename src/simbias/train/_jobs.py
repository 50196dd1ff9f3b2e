"""Trainers of one job (anything with ``model``, ``problem``, ``optimizer``, ``lr``, ``steps``, ``record``,
``options``, ``name``, such as :class:`simbias.train.Job`), and the probe sets of the projection and
filtering methods."""

from __future__ import annotations

from typing import Sequence

from ..results import History
from ._fit import fit
from ._optim import make_optimizer
from ._probes_nd import FilterError, ProjectionError, ProjectionSpectrum, choose_deltas, target_matrix

__all__ = ["fit_job", "fit_counting", "projection_probes", "filter_probe"]


def fit_job(job, *, progress: bool = False, on_record=None) -> History:
    """Train ``job`` by one plain :func:`fit` call (``job.options`` are its keywords); the history's
    ``info["job"]`` names the job when it has a name (a plan's diverged job can then be named).

    Parameters
    ----------
    job : a training job (its model, problem, optimizer name, lr, steps, record, options, name).
    progress, on_record : as in :func:`fit`.

    Returns
    -------
    History
        What :func:`fit` returns.

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> from simbias import nn, problems
    >>> job = SimpleNamespace(model=nn.MLP(1, [8], generator=torch.Generator().manual_seed(0)),
    ...                       problem=problems.make_regression("sin(x)", n_train=16), optimizer="adam", lr=1e-2,
    ...                       steps=5, record=None, options={}, name="demo")
    >>> fit_job(job).info["job"]
    'demo'
    """
    history = fit(job.model, job.problem, job.optimizer, steps=job.steps, record=job.record, lr=job.lr,
                  progress=progress, on_record=on_record, **job.options)
    if job.name:
        history.info["job"] = job.name
    return history


def fit_counting(job, *, progress: bool = False, on_record=None) -> History:
    """Train ``job`` with a gradient-free optimiser built from ``job.options["optimizer_options"]`` and
    keep its number of loss evaluations in the history's ``info["loss_evaluations"]``.

    Parameters
    ----------
    job : a training job (as :func:`fit_job`'s); its optimiser counts ``evaluations`` (PSO, ES, (1+1)-ES).
    progress, on_record : as in :func:`fit`.

    Returns
    -------
    History

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> from simbias import nn, problems
    >>> job = SimpleNamespace(model=nn.MLP(1, [4], generator=torch.Generator().manual_seed(0)),
    ...                       problem=problems.make_regression("sin(x)", n_train=16), optimizer="pso", lr=1.0,
    ...                       steps=3, record=None, options={"optimizer_options": {"particles": 5, "seed": 0}})
    >>> fit_counting(job).info["loss_evaluations"] >= 3 * 5  # 5 particles, 3 steps (and the initial swarm)
    True
    """
    opt = make_optimizer(job.optimizer, job.model.parameters(), lr=job.lr, **job.options["optimizer_options"])
    history = fit(job.model, job.problem, opt, steps=job.steps, record=job.record, progress=progress,
                  on_record=on_record)
    history.info["loss_evaluations"] = int(opt.evaluations)
    return history


def projection_probes(problem, *, direction: Sequence[float] | None = None, **settings) -> tuple[list, str]:
    """The probes of the projection method: :class:`ProjectionError` and its :class:`ProjectionSpectrum`
    along ``direction``, else the data set's own (``problem.info["direction"]``), else the first
    principal component.

    Parameters
    ----------
    problem : the data (``x_train``, ``y_train``, optionally ``info``).
    direction : sequence of float, optional
        The direction p.
    **settings
        Further :class:`ProjectionError` keywords (``k_max``, ``n_k``, ``component``, ``output``,
        ``max_peaks``, ``rel_floor``, ``endpoints``, ``kind``).

    Returns
    -------
    (probes, source)
        The two probes, and where the direction came from: ``"given"``, ``"data"`` or ``"pc1"``.

    Examples
    --------
    >>> import torch
    >>> from simbias import problems
    >>> ds = problems.load_dataset("synthetic-projection", n=50, d=5)
    >>> [type(p).__name__ for p in projection_probes(ds)[0]], projection_probes(ds)[1]
    (['ProjectionError', 'ProjectionSpectrum'], 'data')
    """
    known = {"given": direction and list(direction), "data": (getattr(problem, "info", None) or {}).get("direction")}
    source = next((k for k, v in known.items() if v is not None), "pc1")
    pe = ProjectionError(direction=known.get(source), **settings)
    return [pe, ProjectionSpectrum(pe)], source


def filter_probe(problem, deltas: Sequence[float] = (), shares: Sequence[float] = (0.8, 0.5, 0.3),
                 **settings) -> tuple[FilterError, str]:
    """The probe of the filtering method: :class:`FilterError` at the variances ``deltas``, or, when none
    are given, at those where the low band holds ``shares`` of the target's energy (:func:`choose_deltas`).

    Parameters
    ----------
    problem : the data (``x_train``, ``y_train``, optionally ``n_classes``).
    deltas : sequence of float
        Filter variances δ > 0; empty: chosen from ``shares``.
    shares : sequence of float
        Low-band energy shares in (0, 1).
    **settings
        Further :class:`FilterError` keywords (``output``, ``scale``).

    Returns
    -------
    (FilterError, source)
        The probe, and ``"given"`` or ``"energy shares"``.

    Examples
    --------
    >>> import torch
    >>> from simbias import problems
    >>> ds = problems.load_dataset("synthetic-projection", n=40, d=3)
    >>> filter_probe(ds, [0.5])[1], filter_probe(ds, shares=[0.5])[1]
    ('given', 'energy shares')
    """
    if deltas:
        return FilterError(list(deltas), **settings), "given"
    y = target_matrix(problem.y_train, getattr(problem, "n_classes", None), dtype=problem.x_train.dtype)
    return FilterError(choose_deltas(problem.x_train, y, shares)[0], **settings), "energy shares"
