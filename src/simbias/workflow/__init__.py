"""Workflow on top of the experiments: results as data (``load``), live logging sinks, the probes
in a user's own training loop (``Monitor``, the Lightning callback) and one-shot ``analyze``.

Layer: above ``experiments`` and ``viz`` (it writes reports), below ``cli``.
"""

from ._analyze import Analysis as Analysis
from ._analyze import analyze as analyze
from ._load import Run as Run
from ._load import Sweep as Sweep
from ._load import load as load
from ._monitor import PROBE_NAMES as PROBE_NAMES
from ._monitor import CondensationProbe as CondensationProbe
from ._monitor import DataProblem as DataProblem
from ._monitor import Monitor as Monitor
from ._sinks import SINKS as SINKS
from ._sinks import MLflowSink as MLflowSink
from ._sinks import Sink as Sink
from ._sinks import TensorBoardSink as TensorBoardSink
from ._sinks import make_sinks as make_sinks
from ._sinks import parse_log_option as parse_log_option
from ._sinks import replay as replay
from ._sinks import scalars_of as scalars_of
from . import _figures  # noqa: F401  (registers the monitor/analyze figures)

__all__ = ["analyze", "Analysis", "Run", "Sweep", "load", "Monitor", "CondensationProbe", "Sink",
           "TensorBoardSink", "MLflowSink", "MonitorCallback"]


def __getattr__(name):
    if name == "MonitorCallback":  # needs the optional extra `lightning`
        from ._lightning import MonitorCallback

        return MonitorCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
