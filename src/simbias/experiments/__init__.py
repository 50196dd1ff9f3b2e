"""Declarative layer: frozen specs, the registry of experiments, presets, ``run(spec)``."""

from . import _fprinciple  # noqa: F401  (registers the experiment kinds)
from ._common import MLPSpec as MLPSpec
from ._common import RecordSpec as RecordSpec
from ._common import RegressionSpec as RegressionSpec
from ._common import TrainSpec as TrainSpec
from ._fprinciple import FPrincipleSpec as FPrincipleSpec
from ._registry import EXPERIMENTS as EXPERIMENTS
from ._registry import BaseSpec as BaseSpec
from ._registry import Result as Result
from ._registry import configs_dir as configs_dir
from ._registry import list_presets as list_presets
from ._registry import register as register
from ._registry import resolve_spec as resolve_spec
from ._run import check_device as check_device
from ._run import run as run
from ._spec import from_dict as from_dict
from ._spec import parse_value as parse_value
from ._spec import split_grid_values as split_grid_values
from ._spec import to_dict as to_dict
from ._spec import to_toml as to_toml
from ._spec import valid_keys as valid_keys
