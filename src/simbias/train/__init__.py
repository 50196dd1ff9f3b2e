"""Training engines: ``fit`` (one model) and probes recorded by ``Record``; no files, no plots."""

from ._fit import LOSSES as LOSSES
from ._fit import fit as fit
from ._optim import OPTIMIZERS as OPTIMIZERS
from ._optim import make_optimizer as make_optimizer
from ._optim import register_optimizer as register_optimizer
from ._probes import PeakError as PeakError
from ._probes import Snapshots as Snapshots
from ._probes import TestError as TestError
from ._probes import TrainLoss as TrainLoss
from ._probes import default_probes as default_probes
from ._record import Probe as Probe
from ._record import Record as Record
from ._record import RecordContext as RecordContext
from ._record import schedule_steps as schedule_steps
