"""Training two-layer nets as the condensation experiments do: snapshots of their parameters
(:class:`TwoLayerParams`), and full-batch training that restarts with half the rate on a loss
increase and/or stops once the loss has fallen to a fraction of its start (:func:`fit_backtracking`).
"""

from __future__ import annotations

import torch

from ..results import History
from ._ensemble import Ensemble
from ._fit import fit
from ._lr import fit_with_restarts
from ._stages import fit_stages, restart_builder

__all__ = ["TwoLayerParams", "fit_backtracking"]


class TwoLayerParams:
    """Snapshot probe: the parameters ``param_w`` (m, d), ``param_b`` (m,) and ``param_a`` (m,) of a
    :class:`~simbias.nn.TwoLayer` (member axis first inside :func:`~simbias.train.fit_ensemble`;
    ``param_b`` only when the net has biases).

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> from simbias.problems import make_regression
    >>> from simbias.train import Record, fit
    >>> net = TwoLayer(1, 8, generator=torch.Generator().manual_seed(0))
    >>> h = fit(net, make_regression("x", n_train=8), "sgd", lr=0.1, steps=4,
    ...         record=Record(every=None, snapshot_every=2, probes=(TwoLayerParams(),)))
    >>> h["param_w"].shape, h["param_a"].shape
    ((3, 8, 1), (3, 8))
    """

    snapshot = True

    def setup(self, model, problem) -> dict:
        return {}

    def __call__(self, ctx) -> dict[str, torch.Tensor]:
        params = ctx.model.params if isinstance(ctx.model, Ensemble) else dict(ctx.model.named_parameters())
        return {f"param_{k}": params[k].detach().clone() for k in "wab" if params.get(k) is not None}


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
