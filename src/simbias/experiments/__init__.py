"""Experiments: one :class:`Kind` object per experiment, frozen specs, presets, ``run`` and sweeps.

Importing a kind module registers its kinds (the built-in ones, in the order below).

Examples
--------
>>> from simbias.experiments import resolve_spec, run          # doctest: +SKIP
>>> spec, _ = resolve_spec("fprinciple-1d", ["train.steps=200"])  # doctest: +SKIP
>>> result, run_dir = run(spec, "runs/fp")                      # doctest: +SKIP
"""

from ._fprinciple import FPrincipleSpec
from ._common import MLPSpec, RecordSpec, RegressionSpec, TrainSpec
from ._kind import Fit, Kind, Plan, get_kind, load_entry_points, load_plugin, register_kind, train_plan, train_plans
from ..train import lockstep_key  # moved to train; kept importable from here
from ._registry import EXPERIMENTS, KINDS, BaseSpec, Result, configs_dir, list_presets, resolve_spec
from ._preflight import preflight
from ._run import run
from ._spec import Check, above, at_least, from_dict, split_grid_values, to_dict, valid_keys, within
from ..io import parse_value, to_toml  # moved to io; kept importable from here
from ._sweep import (BACKENDS, ENGINES, Sweep, SweepResult, expand, load_sweep, make_sweep, plan, run_members, run_sweep,
                     static_key_of)
from ._condensation import Condensation1DSpec, InitialCondensationSpec
from . import _fp_nd, _fp_consequences  # noqa: F401  (fprinciple-2d, -projection, -filtering; parity, deep-, -pso)
from ._pde import NetSpec, PDECompareSpec, PDESpec
from ._pde_jacobi import JacobiVsDNNSpec
from ._lfp import LFPSpec
from ._phase import PhaseDiagramSpec
from ._fourier_image import FourierImageSpec
from ._spectral_bias import SpectralBiasSpec

__all__ = [
    # one object per experiment kind, and how its plan trains
    "Kind", "Fit", "Plan", "KINDS", "register_kind", "get_kind", "load_plugin", "load_entry_points",
    "train_plan", "train_plans", "lockstep_key",
    # specs, presets, running
    "BaseSpec", "Result", "resolve_spec", "list_presets", "preflight", "run", "to_toml", "to_dict", "from_dict",
    # declarative checks of spec fields: Annotated[int, at_least(1)]
    "Check", "at_least", "above", "within",
    # sweeps
    "Sweep", "SweepResult", "make_sweep", "load_sweep", "run_sweep",
    # the spec sections and specs of the built-in kinds
    "MLPSpec", "RecordSpec", "RegressionSpec", "TrainSpec", "FPrincipleSpec", "Condensation1DSpec",
    "InitialCondensationSpec", "NetSpec", "PDECompareSpec", "PDESpec", "JacobiVsDNNSpec", "LFPSpec",
    "PhaseDiagramSpec", "FourierImageSpec", "SpectralBiasSpec",
]
