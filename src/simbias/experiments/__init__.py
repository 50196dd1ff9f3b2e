"""Experiments: one :class:`Kind` object per experiment, frozen specs, presets, ``run`` and sweeps.

Examples
--------
>>> from simbias.experiments import resolve_spec, run          # doctest: +SKIP
>>> spec, _ = resolve_spec("fprinciple-1d", ["train.steps=200"])  # doctest: +SKIP
>>> result, run_dir = run(spec, "runs/fp")                      # doctest: +SKIP
"""

from . import _fprinciple  # noqa: F401  (registers the experiment kinds)
from ._common import MLPSpec as MLPSpec
from ._common import RecordSpec as RecordSpec
from ._common import RegressionSpec as RegressionSpec
from ._common import TrainSpec as TrainSpec
from ._fprinciple import FPrincipleSpec as FPrincipleSpec
from ._registry import EXPERIMENTS as EXPERIMENTS
from ._kind import Fit as Fit
from ._kind import get_kind as get_kind
from ._kind import lockstep_key as lockstep_key
from ._kind import train_plans as train_plans
from ._registry import KINDS as KINDS
from ._kind import Kind as Kind
from ._kind import Plan as Plan
from ._kind import load_entry_points as load_entry_points
from ._kind import load_plugin as load_plugin
from ._kind import register_kind as register_kind
from ._kind import train_plan as train_plan
from ._registry import BaseSpec as BaseSpec
from ._registry import Result as Result
from ._registry import configs_dir as configs_dir
from ._registry import list_presets as list_presets
from ._registry import resolve_spec as resolve_spec
from ._preflight import preflight as preflight
from ._run import check_device as check_device
from ._run import run as run
from ._spec import from_dict as from_dict
from ._spec import parse_value as parse_value
from ._spec import split_grid_values as split_grid_values
from ._spec import to_dict as to_dict
from ._spec import to_toml as to_toml
from ._spec import valid_keys as valid_keys
from ._members import MemberResult as MemberResult
from ._members import run_member as run_member
from ._members import run_members as run_members
from ._members import static_key_of as static_key_of
from ._sweep import BACKENDS as BACKENDS
from ._sweep import ENGINES as ENGINES
from ._sweep import Axis as Axis
from ._sweep import Member as Member
from ._sweep import Sweep as Sweep
from ._sweep import SweepResult as SweepResult
from ._sweep import Task as Task
from ._sweep import execute_task as execute_task
from ._sweep import expand as expand
from ._sweep import load_sweep as load_sweep
from ._sweep import make_sweep as make_sweep
from ._sweep import plan as plan
from ._sweep import run_sweep as run_sweep
from . import _condensation  # noqa: F401  (registers condensation-1d, condensation-initial)
from ._condensation import Condensation1DSpec as Condensation1DSpec
from ._condensation import InitialCondensationSpec as InitialCondensationSpec
from . import _fp_nd  # noqa: F401,E402  (registers fprinciple-2d, -projection, -filtering)
from . import _fp_consequences  # noqa: F401,E402  (registers parity, deep-fprinciple, fprinciple-pso)
from . import _pde, _pde_jacobi  # noqa: F401,E402  (registers pde-compare and jacobi-vs-dnn)
from ._pde import NetSpec as NetSpec  # noqa: E402
from ._pde import PDECompareSpec as PDECompareSpec  # noqa: E402
from ._pde import PDESpec as PDESpec  # noqa: E402
from ._pde_jacobi import JacobiVsDNNSpec as JacobiVsDNNSpec  # noqa: E402
from . import _lfp  # noqa: F401  (registers lfp-1d)
from ._lfp import LFPSpec as LFPSpec
from . import _phase  # noqa: F401  (registers phase-diagram)
from ._phase import PhaseDiagramSpec as PhaseDiagramSpec
from . import _fourier_image  # noqa: F401,E402  (registers fourier-image)
from ._fourier_image import FourierImageSpec as FourierImageSpec  # noqa: E402
from . import _spectral_bias  # noqa: F401,E402  (registers spectral-bias)
from ._spectral_bias import SpectralBiasSpec as SpectralBiasSpec  # noqa: E402

__all__ = [
    # one object per experiment kind, and how its plan trains
    "Kind", "Fit", "Plan", "KINDS", "register_kind", "get_kind", "load_plugin", "load_entry_points",
    "train_plan", "train_plans", "lockstep_key",
    # specs, presets, running
    "BaseSpec", "Result", "resolve_spec", "list_presets", "preflight", "run", "to_toml", "to_dict", "from_dict",
    # sweeps
    "Sweep", "SweepResult", "make_sweep", "load_sweep", "run_sweep",
    # the spec sections and specs of the built-in kinds
    "MLPSpec", "RecordSpec", "RegressionSpec", "TrainSpec", "FPrincipleSpec", "Condensation1DSpec",
    "InitialCondensationSpec", "NetSpec", "PDECompareSpec", "PDESpec", "JacobiVsDNNSpec", "LFPSpec",
    "PhaseDiagramSpec", "FourierImageSpec", "SpectralBiasSpec",
]
