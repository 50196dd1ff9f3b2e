"""Theory: phase-diagram coordinates and regimes, activation multiplicity, LFP weights and the
FP-norm interpolant, empirical NTK and kernel regression.

Pure functions on tensors (and on any ``nn.Module`` passed in); imports only torch, numpy, scipy and
:mod:`simbias.errors`.
"""

from ._activation import activation_multiplicity as activation_multiplicity
from ._activation import condensation_directions as condensation_directions
from ._lfp import FPInterpolant as FPInterpolant
from ._lfp import Interpolant1D as Interpolant1D
from ._lfp import fp_norm_interpolant as fp_norm_interpolant
from ._lfp import lfp_decay_rates as lfp_decay_rates
from ._lfp import lfp_crossover_frequency as lfp_crossover_frequency
from ._lfp import lfp_gamma2 as lfp_gamma2
from ._lfp import linear_interpolant as linear_interpolant
from ._lfp import natural_cubic_spline as natural_cubic_spline
from ._lfp import lfp_curves as lfp_curves
from ._ntk import relu_ntk_limit as relu_ntk_limit
from ._ntk import empirical_ntk as empirical_ntk
from ._ntk import kernel_regression as kernel_regression
from ._ntk import linearized_prediction as linearized_prediction
from ._ntk import ntk_learning_rate as ntk_learning_rate
from ._ntk import relu_two_layer_ntk as relu_two_layer_ntk
from ._phase import phase_coordinates as phase_coordinates
from ._phase import phase_regime as phase_regime
from ._phase import phase_scales as phase_scales
from ._phase import two_layer_scales as two_layer_scales
from ._phase import width_slope as width_slope

__all__ = [
    "activation_multiplicity",
    "condensation_directions",
    "phase_coordinates",
    "phase_regime",
    "phase_scales",
    "two_layer_scales",
    "width_slope",
    "lfp_gamma2",
    "lfp_crossover_frequency",
    "lfp_decay_rates",
    "fp_norm_interpolant",
    "FPInterpolant",
    "Interpolant1D",
    "natural_cubic_spline",
    "linear_interpolant",
    "lfp_curves",
    "relu_ntk_limit",
    "empirical_ntk",
    "relu_two_layer_ntk",
    "kernel_regression",
    "linearized_prediction",
    "ntk_learning_rate",
]
