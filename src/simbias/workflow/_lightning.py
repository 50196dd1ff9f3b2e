"""``MonitorCallback``: a :class:`~simbias.workflow.Monitor` as a PyTorch Lightning callback.

Records before every optimiser step (``on_train_batch_start``, step = ``trainer.global_step``,
the number of updates done) and writes the run directory when training ends.  Optional extra
``lightning`` (``pip install 'simbias[lightning]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError

try:
    from lightning.pytorch import Callback
except ImportError:  # pragma: no cover - depends on the extra
    try:
        from pytorch_lightning import Callback
    except ImportError:
        raise InputError("MonitorCallback", "needs the lightning package",
                         "pip install 'simbias[lightning]' (or pip install lightning)") from None

from ._monitor import Monitor

__all__ = ["MonitorCallback"]


class MonitorCallback(Callback):
    """Record simbias probes during ``Trainer.fit`` and write a run directory at the end.

    The :class:`~simbias.workflow.Monitor` is made at ``on_fit_start`` (tensor data moved to the
    module's device), records at ``on_train_batch_start`` with step ``trainer.global_step`` and
    finishes at ``on_train_end`` (a final record at ``trainer.global_step`` when it is after the
    last record).

    Parameters
    ----------
    data, probes, every, snapshot_every, name, settings, sinks
        As for :class:`~simbias.workflow.Monitor` (the model is the ``LightningModule``;
        ``name`` defaults to ``"lightning"``).
    out : str or Path
        The run directory written when training ends (``callback.run_dir`` afterwards).
    figures : bool, default True
        Also write ``figures/`` and ``report.html``.

    Examples
    --------
    >>> import lightning                                                          # doctest: +SKIP
    >>> from simbias.workflow import MonitorCallback, load                        # doctest: +SKIP
    >>> cb = MonitorCallback((x, y), ["loss", "peak_error"], out="runs/lightning")  # doctest: +SKIP
    >>> lightning.Trainer(max_steps=500, callbacks=[cb]).fit(module, loader)      # doctest: +SKIP
    >>> load(cb.run_dir).summary                                                  # doctest: +SKIP
    """

    def __init__(self, data, probes: Sequence = ("loss",), *, out: str | Path, every: int = 1,
                 snapshot_every: int | None = None, name: str = "lightning", settings: dict[str, Any] | None = None,
                 sinks: Sequence = (), figures: bool = True):
        super().__init__()
        self._kw = dict(probes=probes, every=every, snapshot_every=snapshot_every, name=name,
                        settings=settings, sinks=sinks)
        self.data, self.out, self.figures = data, Path(out), figures
        self.monitor: Monitor | None = None
        self.run_dir: Path | None = None

    def on_fit_start(self, trainer, pl_module) -> None:
        data = self.data
        if isinstance(data, (tuple, list)):
            data = tuple(t.to(pl_module.device) if hasattr(t, "to") else t for t in data)
        self.monitor = Monitor(pl_module, data, **self._kw)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self.monitor.step(trainer.global_step)

    def on_train_end(self, trainer, pl_module) -> None:
        self.run_dir = self.monitor.finish(self.out, step=trainer.global_step, figures=self.figures)
