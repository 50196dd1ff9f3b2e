"""``analyze``: one-shot simplicity-bias measurements of a trained model.

What it measures on ``(x, y)`` (the model's training data, or any labelled sample):

* the output's spectrum along the first principal component of ``x`` against the target's
  (projection method; ``projection_error`` at the target's peaks, ``projection_spectrum``),
* the filtering method's ``e_low`` / ``e_high`` at the δ where the target's low band holds
  80 / 50 / 30 % of its energy,
* Δ_F at the DFT peaks when ``x`` is a uniform 1-D grid,
* for a readable hidden layer (an ``nn.Linear`` feeding another): the number of orientation
  clusters and the effective width (condensation).

It is a :class:`~simbias.workflow.Monitor` recording once, so the run directory
(``experiment = "analyze"``) reads back with :func:`simbias.load` and ``simbias report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..errors import InputError
from ..results import History
from ._monitor import Monitor, readable_layers

__all__ = ["analyze", "Analysis"]


@dataclass
class Analysis:
    """What :func:`analyze` measured: ``summary`` numbers, the one-record ``history``, the run ``path``.

    Parameters
    ----------
    summary : dict
        ``steps``, ``records`` and ``final_<name>`` per measured number (as
        :meth:`Monitor.summary`): ``final_train_loss``, ``final_projection_error``,
        ``final_e_low`` / ``final_e_high`` (one per δ), and when they apply ``final_peak_error``,
        ``final_effective_width``, ``final_n_clusters``.
    history : History
        The single record (step 0) with its static arrays (peaks, frequencies, δ values, ...).
    path : pathlib.Path, optional
        The run directory written, or ``None`` when ``out`` was not given.

    Examples
    --------
    >>> import torch
    >>> from simbias import analyze
    >>> x = torch.linspace(-1, 1, 64)[:, None]
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    >>> a = analyze(net, x, torch.sin(3 * torch.pi * x))
    >>> type(a).__name__, a.path, a.history.steps.tolist()
    ('Analysis', None, [0])
    """

    summary: dict[str, Any]
    history: History
    path: Path | None = None


def analyze(model: torch.nn.Module, x, y, *, out: str | Path | None = None, name: str = "analyze",
            figures: bool = True) -> Analysis:
    """Measure the simplicity-bias instruments on a trained model.

    The measurements listed in the module docstring, taken once (step 0) by a :class:`Monitor`
    with the probes ``loss``, ``projection``, ``filtering``, plus ``peak_error`` when ``x`` is a
    uniform 1-D grid and ``condensation`` when the model has a readable hidden layer.  ``x`` and
    ``y`` are moved to the device and dtype of the model's first parameter.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``x`` (n, ...) to outputs (n, c) (logits for class labels).
    x, y : array-like
        Float inputs and targets (class labels as ``long`` (n,), regression targets (n,) or (n, c)).
    out : str or Path, optional
        Write a run directory (``experiment = "analyze"``) there.
    name : str, default "analyze"
        The ``description`` of the written spec.
    figures : bool, default True
        With ``out``: also write ``figures/`` and ``report.html``.

    Returns
    -------
    Analysis

    Raises
    ------
    simbias.InputError
        Not a module, integer inputs, a model that fails on ``x`` or does not return (n, c), or
        (on a uniform 1-D grid) a target whose DFT has no peak to track.

    Examples
    --------
    >>> import torch
    >>> from simbias import analyze
    >>> _ = torch.manual_seed(0)
    >>> x = torch.linspace(-1, 1, 64)[:, None]
    >>> y = torch.sin(torch.pi * x) + 0.5 * torch.sin(5 * torch.pi * x)
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    >>> a = analyze(net, x, y)
    >>> a.history.static["peak_frequencies"].round(4).tolist()   # π and 5π: the target's two peaks
    [3.1416, 15.708]
    >>> sorted(a.summary)
    ['final_e_high', 'final_e_low', 'final_effective_width', 'final_n_clusters', 'final_peak_error', 'final_projection_error', 'final_train_loss', 'records', 'steps']
    >>> analyze(net, x, y, out="runs/analyze-net")   # doctest: +SKIP
    """
    if not isinstance(model, torch.nn.Module):
        raise InputError("model", f"got {type(model).__name__}", "pass a torch.nn.Module")
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if not x.is_floating_point():
        raise InputError("data", f"x has dtype {x.dtype}", "pass float inputs")
    try:
        p = next(iter(model.parameters()))
        x = x.to(p.device, p.dtype)
        y = y.to(p.device, p.dtype) if y.is_floating_point() else y.to(p.device)
    except StopIteration:
        pass
    probes: list[Any] = ["loss", "projection", "filtering"]
    if x.ndim == 2 and x.shape[1] == 1:
        from ._monitor import DataProblem

        if DataProblem.from_tensors(x, y).uniform:
            probes.append("peak_error")
    if readable_layers(model) is not None:
        probes.append("condensation")
    try:
        with torch.no_grad():
            model.eval()
            out_try = model(x[:2])
    except Exception as e:  # a user's model: any failure to run on the data is bad input
        raise InputError("data", f"the model does not run on inputs of shape {tuple(x.shape)} "
                         f"({type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''})",
                         "pass inputs shaped as the model expects") from None
    if out_try.ndim != 2:
        raise InputError("model", f"outputs have shape {tuple(out_try.shape)}", "the model must return (n, c) outputs")
    mon = Monitor(model, (x, y), probes=probes, every=1, name=name)
    mon._kind = "analyze"
    mon.step(0)
    hist = mon.history()
    summary = mon.summary()
    path = mon.finish(out, figures=figures) if out is not None else None
    return Analysis(summary, hist, path)
