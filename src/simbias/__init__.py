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
