"""simbias: the simplicity bias of neural networks, measured, reproduced and used.

Subpackages (imports point down): ``cli`` → ``experiments`` / ``viz`` → ``io`` / ``train`` →
``nn`` → ``problems`` → ``spectral`` · ``condensation`` · ``theory``.
"""

from .errors import DivergenceError as DivergenceError
from .errors import InputError as InputError
from .errors import Outcome as Outcome
from .errors import RunFailure as RunFailure
from .errors import SimbiasError as SimbiasError
from .results import History as History

__version__ = "0.1.0"

# Results as data and the instruments in your own loop (simbias.workflow), imported on first use
# so that ``import simbias`` stays light.
_WORKFLOW = ("load", "Run", "Sweep", "Monitor", "MonitorCallback", "analyze", "Analysis")

__all__ = ["DivergenceError", "InputError", "Outcome", "RunFailure", "SimbiasError", "History", *_WORKFLOW]


def __getattr__(name):
    if name in _WORKFLOW:  # imported by name so that lower layers importing __version__ stay clean
        import importlib

        return getattr(importlib.import_module("simbias.workflow"), name)
    raise AttributeError(f"module 'simbias' has no attribute {name!r}")
