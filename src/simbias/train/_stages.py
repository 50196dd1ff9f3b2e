"""Chunked (staged) training written once: :func:`fit_stages`.

A run of ``steps`` updates is cut into stages of ``stage_steps`` updates, each one :func:`fit`
call on the same model and optimiser (so the optimiser state carries over and the parameters
follow exactly the path of one long call); the stage histories are joined with
:meth:`History.concat <simbias.results.History.concat>`.  Between stages ``until(history)``
may end training (e.g. "the loss fell below 1e-3 of its start"), which is how the condensation
experiments stop once the net has condensed.  Restarts with a smaller learning rate are
:func:`~simbias.train.fit_with_restarts` for one model (:func:`restart_builder` gives its ``build``)
and :func:`fit_ensemble_with_restarts` for many trained together (the phase diagram's rounds).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from ..errors import InputError
from ..results import History
from ._ensemble import Ensemble, fit_ensemble, make_ensemble_optimizer, stack_problems
from ._fit import fit
from ._lr import fit_with_restarts, loss_increase
from ._optim import make_optimizer
from ._record import Record

__all__ = ["fit_stages", "fit_ensemble_with_restarts", "restart_builder", "fit_backtracking"]


def fit_stages(model, problem, optimizer, *, steps: int, stage_steps: int,
               record: "Record | Callable[[int], Record] | None" = None,
               until: Callable[[History], bool] | None = None, **fit_kwargs) -> History:
    """Train in stages of ``stage_steps`` updates (the last may be shorter) up to ``steps``.

    Parameters
    ----------
    model, problem, optimizer : as for :func:`~simbias.train.fit` (one optimiser for all stages).
    steps : total number of updates.
    stage_steps : updates per stage.
    record : the :class:`Record` of every stage, or ``record(k)`` building one for a stage of
        ``k`` updates.
    until : ``until(history_so_far) -> bool`` after each stage; ``True`` ends training
        (``info["stopped_early"]``).
    **fit_kwargs : passed to every :func:`fit` call (loss, progress, lr_decay, …).

    Returns
    -------
    History
        the joined history (steps continue across stages; ``info["stages"]`` = stages run).  A
        diverged stage ends training; the history then says ``diverged``.

    Examples
    --------
    >>> h = fit_stages(net, problem, opt, steps=10_000, stage_steps=200,          # doctest: +SKIP
    ...                until=lambda h: h["loss"][-1] < 1e-3 * h["loss"][0])
    """
    if isinstance(stage_steps, bool) or not isinstance(stage_steps, int) or stage_steps < 1:
        raise InputError("stage_steps", f"got {stage_steps!r}", "use a positive integer")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise InputError("train.steps", f"got {steps!r}", "use a non-negative integer")
    parts: list[History] = []
    done = 0
    while True:
        k = min(stage_steps, steps - done)
        rec = record(k) if callable(record) and not isinstance(record, Record) else record
        parts.append(fit(model, problem, optimizer, steps=k, record=rec, **fit_kwargs))
        done += k
        hist = History.concat(parts)
        if hist.diverged or done >= steps:
            break
        if until is not None and until(hist):
            hist.info["stopped_early"] = True
            break
    hist.info["stages"] = len(parts)
    return hist


def fit_ensemble_with_restarts(models: Sequence[torch.nn.Module], problem, lr, *, steps: int, optimizer: str = "sgd",
                               optimizer_options: dict | None = None, max_restarts: int = 20, tol: float = 0.0,
                               check_every: int | None = None, rtol: float = 1e-4) -> History:
    """:func:`~simbias.train.fit_with_restarts` for many models trained together.

    The models of one structure (parameter names, shapes and dtypes) train as one
    :func:`~simbias.train.fit_ensemble` (full batch, per-member learning rates).  A member whose
    loss ever increases (:func:`~simbias.train.loss_increase` with ``floor = tol``) or that
    diverges is put back to its initialisation with half its rate, and the failed members train
    again together in the next round, at most ``max_restarts`` rounds after the first; with
    ``max_restarts = 0`` increases are not watched (one plain run).
    Every ``check_every`` steps training stops once each member has an MSE below ``tol``,
    diverged or (when restarts are allowed) increased its loss.  The models end trained.

    Parameters
    ----------
    models : sequence of nn.Module
        The models (trained in place).
    problem : problem or sequence of problems
        One supervised problem for all, or one per model.
    lr : float or sequence of float
        The first learning rate (one, or one per model).
    steps : int
        The most updates of each round.
    optimizer : {"sgd", "adam"}, default "sgd"
        A name of :data:`~simbias.train.ENSEMBLE_OPTIMIZERS`.
    optimizer_options : dict, optional
        E.g. ``{"momentum": 0.9}``.
    max_restarts : int, default 20
        The most restarts of a member (≥ 0).
    tol : float, default 0.0
        A member is done once its MSE is below this; losses below it are not checked for increases.
    check_every : int, optional
        Steps between the checks (unset: only at the end).
    rtol : float, default 1e-4
        Of :func:`~simbias.train.loss_increase`.

    Returns
    -------
    History
        ``static``: per member ``lr`` (the accepted rate), ``restarts``, ``final_loss`` (MSE after
        training), ``diverged`` (the last run diverged) and ``steps_done`` (the steps of all rounds
        of its ensemble together); ``info["steps_done"]``: the most of these.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> from simbias.problems import make_regression
    >>> prob = make_regression("sin(x)", n_train=32)
    >>> nets = [TwoLayer(1, 50, generator=torch.Generator().manual_seed(s)) for s in range(3)]
    >>> h = fit_ensemble_with_restarts(nets, prob, 8.0, steps=50, check_every=10)
    >>> bool((h.static["lr"] == 8.0 / 2.0 ** h.static["restarts"]).all())
    True
    """
    if isinstance(max_restarts, bool) or not isinstance(max_restarts, int) or max_restarts < 0:
        raise InputError("train.max_restarts", f"got {max_restarts!r}", "use a non-negative integer")
    models = list(models)
    n = len(models)
    problems = list(problem) if isinstance(problem, (list, tuple)) else [problem] * n
    start = [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in models]
    out = {"lr": np.broadcast_to(np.asarray(lr, dtype=np.float64), (n,)).copy(),
           "restarts": np.zeros(n, dtype=np.int64), "final_loss": np.full(n, np.nan),
           "diverged": np.zeros(n, dtype=bool), "steps_done": np.zeros(n, dtype=np.int64)}
    groups: dict[tuple, list[int]] = {}
    for i, m in enumerate(models):  # the models of one structure train together
        groups.setdefault(tuple((k, tuple(v.shape), v.dtype) for k, v in m.state_dict().items()), []).append(i)
    for group in groups.values():
        todo = group
        for rnd in range(max_restarts + 1):
            if not todo:
                break
            ens, data = Ensemble([models[i] for i in todo]), stack_problems([problems[i] for i in todo])
            opt = make_ensemble_optimizer(optimizer, ens, lr=[out["lr"][i] for i in todo], **(optimizer_options or {}))

            def status(losses) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
                """(MSE now, diverged, loss increased) per member, from the per-step losses so far."""
                losses = torch.as_tensor(losses, dtype=torch.float64).cpu()
                with torch.no_grad():
                    mse = ((ens(data.x_train) - data.y_train) ** 2).mean(dim=(1, 2)).to(torch.float64).cpu().numpy()
                rose = [max_restarts > 0 and loss_increase(row, rtol=rtol, floor=tol) is not None for row in losses]
                return mse, ~np.isfinite(mse) | losses.isnan().any(dim=1).numpy(), np.asarray(rose, dtype=bool)

            def settled(step: int, values: dict) -> bool:
                if step == 0:
                    return False
                mse, bad, rose = status(values["losses"])
                return bool(np.all((mse < tol) | bad | rose))

            h = fit_ensemble(ens, data, opt, steps=steps, record=Record(every=check_every, probes=()), stop=settled)
            mse, bad, rose = status(h.static["loss"])
            out["steps_done"][group] += int(h.info["steps_done"])
            ens.write_back([models[i] for i in todo])
            out["final_loss"][todo] = mse
            again = (bad | rose) & (rnd < max_restarts)
            out["diverged"][todo] = bad & ~again
            for i in np.asarray(todo)[again]:
                out["lr"][i] *= 0.5
                out["restarts"][i] += 1
                with torch.no_grad():
                    models[i].load_state_dict(start[i])
            todo = [int(i) for i in np.asarray(todo)[again]]
    done = int(out["steps_done"].max(initial=0))
    return History(steps=np.asarray([done], dtype=np.int64), static=out, info={"steps_done": done})


def restart_builder(model: torch.nn.Module, optimizer: str, **options) -> Callable[[float], tuple]:
    """The ``build(lr)`` of :func:`~simbias.train.fit_with_restarts` for one model: every call puts
    ``model`` back at its parameters of now (its initialisation) and returns it with a fresh optimiser.

    Parameters
    ----------
    model : nn.Module
        The initialised model (trained in place by the restarts).
    optimizer : str
        A name of :data:`~simbias.train.OPTIMIZERS`.
    **options
        Of the optimiser (e.g. ``momentum=0.9``).

    Returns
    -------
    callable
        ``build(lr) -> (model, optimizer)``.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> from simbias.problems import make_regression
    >>> from simbias.train import fit, fit_with_restarts
    >>> prob = make_regression("sin(x)", n_train=32)
    >>> net = TwoLayer(1, 50, generator=torch.Generator().manual_seed(0))
    >>> res = fit_with_restarts(restart_builder(net, "sgd"), 8.0, lambda m, o: fit(m, prob, o, steps=50))
    >>> res.model is net, res.lr == 8.0 / 2**res.restarts
    (True, True)
    """
    start = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def build(lr: float):
        with torch.no_grad():
            model.load_state_dict(start)
        return model, make_optimizer(optimizer, model.parameters(), lr=lr, **options)

    return build


def fit_backtracking(model, problem, optimizer: str, lr: float, *, steps: int, record=None, optimizer_options=None,
                     max_restarts: int = 0, stop_loss_ratio: float | None = None, stage_steps: int | None = None,
                     progress: bool = False, on_record=None) -> History:
    """Full-batch training of ``model`` (in place) with restarts and/or an early stop.

    Restarts (``max_restarts`` > 0): whenever the loss increases the run starts again from the same
    initialisation with half the rate (:func:`~simbias.train.fit_with_restarts`).  Early stop
    (``stop_loss_ratio``): training runs in stages of ``stage_steps`` updates
    (:func:`~simbias.train.fit_stages`; default about 50 stages) and ends after the first stage
    whose final MSE is below ``stop_loss_ratio`` × the initial loss (e.g. the end of the initial
    stage of condensation).

    Parameters
    ----------
    model : nn.Module
        The initialised net (trained in place).
    problem : Regression
        Its data (``x_train``, ``y_train``).
    optimizer : str
        A name of :data:`~simbias.train.OPTIMIZERS`.
    lr : float
        The first learning rate.
    steps : int
        The most updates.
    record : Record or callable, optional
        What to record; with ``stop_loss_ratio``, a Record or ``record(k)`` building one for a
        stage of ``k`` updates.
    optimizer_options : dict, optional
        Of the optimiser (e.g. ``{"momentum": 0.9}``).
    max_restarts : int, default 0
        The most restarts (0: none).
    stop_loss_ratio : float, optional
        The fraction of the initial loss that ends training.
    stage_steps : int, optional
        Updates between the checks of ``stop_loss_ratio``.
    progress, on_record
        Of :func:`~simbias.train.fit` (``progress`` only without ``stop_loss_ratio``).

    Returns
    -------
    History
        Of the accepted run, with ``info["lr"]`` and ``info["restarts"]`` (and ``info["stages"]``,
        ``info["stopped_early"]`` with ``stop_loss_ratio``).

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> from simbias.problems import make_regression
    >>> prob = make_regression("sin(3*x)", domain=(-1, 1), n_train=16)
    >>> net = TwoLayer(1, 20, generator=torch.Generator().manual_seed(0))
    >>> h = fit_backtracking(net, prob, "sgd", 0.02, steps=2000, stop_loss_ratio=0.1, stage_steps=5, max_restarts=5)
    >>> h.info["stopped_early"], h.info["restarts"], len(h.static["loss"]) < 2000
    (True, 0, True)
    """

    def low(h: History) -> bool:
        with torch.no_grad():
            now = float(((model(problem.x_train) - problem.y_train) ** 2).mean())
        return now < stop_loss_ratio * float(h.static["loss"][0])

    def run(net, opt) -> History:
        if stop_loss_ratio is None:
            return fit(net, problem, opt, steps=steps, record=record, progress=progress, on_record=on_record)
        return fit_stages(net, problem, opt, steps=steps, stage_steps=stage_steps or max(1, steps // 50),
                          record=record, until=low, on_record=on_record)

    build = restart_builder(model, optimizer, **(optimizer_options or {}))
    return fit_with_restarts(build, lr, run, max_restarts=max_restarts).history
