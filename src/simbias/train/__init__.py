"""Training engines: ``fit`` (one model), ``fit_ensemble`` (many same-shape models in lockstep),
``fit_jobs`` (many jobs, same-shape ones in lockstep) and probes recorded by ``Record``; no files, no plots."""

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
from ._gradfree import ES as ES
from ._gradfree import FunctionalLoss as FunctionalLoss
from ._gradfree import GradientFreeOptimizer as GradientFreeOptimizer
from ._gradfree import OnePlusOneES as OnePlusOneES
from ._pso import PSO as PSO
from ._ensemble import ENSEMBLE_OPTIMIZERS as ENSEMBLE_OPTIMIZERS
from ._ensemble import Ensemble as Ensemble
from ._ensemble import EnsembleAdam as EnsembleAdam
from ._ensemble import PerMember as PerMember
from ._ensemble import EnsembleSGD as EnsembleSGD
from ._ensemble import StackedProblem as StackedProblem
from ._ensemble import fit_ensemble as fit_ensemble
from ._ensemble import make_ensemble_optimizer as make_ensemble_optimizer
from ._ensemble import member_history as member_history
from ._ensemble import stack_problems as stack_problems
from ._fused import FUSED_ACTIVATIONS as FUSED_ACTIVATIONS
from ._fused import fused_available as fused_available
from ._probes import GridImageError as GridImageError
from ._probes import NormalizedSpectrum as NormalizedSpectrum
from ._probes import TrainPSNR as TrainPSNR
from ._probes_nd import Accuracy as Accuracy
from ._probes_nd import BandError as BandError
from ._probes_nd import DiagonalSpectrum as DiagonalSpectrum
from ._probes_nd import EffectiveTargetLFR as EffectiveTargetLFR
from ._probes_nd import FilterError as FilterError
from ._probes_nd import ProjectionError as ProjectionError
from ._probes_nd import ProjectionSpectrum as ProjectionSpectrum
from ._probes_nd import SupervisedLoss as SupervisedLoss
from ._probes_nd import choose_deltas as choose_deltas
from ._probes_nd import output_transform as output_transform
from ._probes_nd import target_matrix as target_matrix
from ._lr import LR_RULES as LR_RULES
from ._lr import RestartResult as RestartResult
from ._lr import auto_learning_rate as auto_learning_rate
from ._lr import fit_with_restarts as fit_with_restarts
from ._stages import fit_ensemble_with_restarts as fit_ensemble_with_restarts
from ._stages import fit_stages as fit_stages
from ._stages import restart_builder as restart_builder
from ._probes import TwoLayerParams as TwoLayerParams
from ._stages import fit_backtracking as fit_backtracking
from ._checkpoint import Checkpoint as Checkpoint
from ._lockstep import Job as Job
from ._lockstep import fit_jobs as fit_jobs
from ._lockstep import lockstep_key as lockstep_key
from ._jobs import filter_probe as filter_probe
from ._jobs import fit_counting as fit_counting
from ._jobs import fit_job as fit_job
from ._jobs import projection_probes as projection_probes
from ._lr import loss_increase as loss_increase
from ._lr import resolve_lr as resolve_lr
from ._lr import scaled_learning_rate as scaled_learning_rate
from ._probes_pde import PDE_METRICS as PDE_METRICS
from ._probes_pde import GridPeakError as GridPeakError
from ._probes_pde import SolutionError as SolutionError
from ._probes_pde import SolutionSnapshots as SolutionSnapshots

__all__ = [
    "fit",
    "fit_ensemble",
    "fit_ensemble_with_restarts",
    "fit_stages",
    "fit_jobs",
    "Job",
    "lockstep_key",
    "fit_job",
    "fit_counting",
    "projection_probes",
    "filter_probe",
    "fit_with_restarts",
    "restart_builder",
    "TwoLayerParams",
    "fit_backtracking",
    "Checkpoint",
    "Record",
    "RecordContext",
    "Probe",
    "TrainLoss",
    "PeakError",
    "TestError",
    "Snapshots",
    "Accuracy",
    "BandError",
    "DiagonalSpectrum",
    "EffectiveTargetLFR",
    "FilterError",
    "ProjectionError",
    "ProjectionSpectrum",
    "SupervisedLoss",
    "TrainPSNR",
    "GridImageError",
    "NormalizedSpectrum",
    "GridPeakError",
    "SolutionError",
    "SolutionSnapshots",
    "default_probes",
    "OPTIMIZERS",
    "make_optimizer",
    "register_optimizer",
    "ENSEMBLE_OPTIMIZERS",
    "Ensemble",
    "EnsembleAdam",
    "EnsembleSGD",
    "make_ensemble_optimizer",
    "StackedProblem",
    "stack_problems",
    "member_history",
    "GradientFreeOptimizer",
    "PSO",
    "ES",
    "OnePlusOneES",
    "FunctionalLoss",
    "LOSSES",
    "resolve_lr",
    "auto_learning_rate",
    "scaled_learning_rate",
]
