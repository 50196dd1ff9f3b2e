"""Figures as displays, and reports, drawn from results and run directories alone (plotting never trains).

Every figure is a :class:`Display`: built once from results (``from_history`` / ``from_run``), drawn
any number of times with ``plot(ax=None)``, written with ``save(path)``.  :func:`displays` gives a
run's or a sweep's figures by file name; :func:`build_report` writes them and ``report.html``.

Examples
--------
>>> import matplotlib.pyplot as plt                                   # doctest: +SKIP
>>> from simbias.viz import FrequencyErrorHeatmap, LossCurve          # doctest: +SKIP
>>> fig, (a, b) = plt.subplots(1, 2)                                  # doctest: +SKIP
>>> FrequencyErrorHeatmap.from_run("runs/fprinciple-1d").plot(ax=a)   # doctest: +SKIP
>>> LossCurve.from_run("runs/fprinciple-1d").plot(ax=b)               # doctest: +SKIP
"""

from ._display import FIGURES, Display, DisplayGrid, FigureSet, FrequencyErrorHeatmap, ImageGrid, Line, LinePlot, Panel
from ._shared import FitSnapshots, FrequencyErrorCurves, LossCurve, TrainingAnimation
from ._condensation import CosineSimilarityMaps, NeuronFeatures, PhaseMap
from ._report import SweepMetrics, build_report, build_sweep_report, displays, make_figures, sweep_figures
from . import _fprinciple, _pde, _fourier_image, _spectral_bias  # noqa: F401  (register the figures of their kinds)

__all__ = ["Display", "Line", "Panel", "LinePlot", "ImageGrid", "FrequencyErrorHeatmap", "DisplayGrid",
           "LossCurve", "FrequencyErrorCurves", "FitSnapshots", "TrainingAnimation", "NeuronFeatures",
           "CosineSimilarityMaps", "PhaseMap", "SweepMetrics", "FigureSet", "FIGURES", "displays", "make_figures",
           "sweep_figures", "build_report", "build_sweep_report"]
