"""Figures and reports, drawn from results and run directories alone (plotting never trains)."""

from . import _fprinciple  # noqa: F401  (registers figure makers)
from ._common import FIGURES as FIGURES
from ._common import heatmap as heatmap
from ._common import register_figures as register_figures
from ._report import build_report as build_report
from ._report import make_figures as make_figures
from ._sweep import build_sweep_report as build_sweep_report
from ._sweep import sweep_figures as sweep_figures
from . import _condensation  # noqa: F401  (registers the two-layer figure makers)
from . import _fp_nd  # noqa: F401,E402  (figures of fprinciple-2d, -projection, -filtering, parity, deep, pso)
from . import _pde  # noqa: F401,E402  (registers the PDE figure makers)
from . import _fourier_image  # noqa: F401,E402  (figures of fourier-image)
from . import _spectral_bias  # noqa: F401,E402  (figures of spectral-bias)
