"""simbias.spectral — pure math on tensors for measuring frequency content.

* uniform 1-D grids: :func:`dft`, :func:`dft_at` / :class:`PeakProjector`, :func:`find_peaks`,
  :func:`frequency_error`, :func:`peak_errors` (papers.md §1.1; arXiv 1807.01251, 1901.06523)
* non-uniform / high-dimensional data: :func:`nudft`, :func:`nudft_along`,
  :func:`first_principal_component` (projection method, §1.2)
* filtering method: :func:`gaussian_filter`, :func:`filter_errors`, :func:`low_frequency_ratio`,
  :func:`ratio_density`, :func:`rescale_inputs` (§1.3–1.4; arXiv 1901.06523, 2007.14313)
* images: :func:`dft2`, :func:`radial_bands`, :func:`band_errors` (§1.5)
* convergence: :func:`converged_steps` (the first step each frequency's error is below a threshold)

No modules, no I/O, no global state; every function follows its input's device and dtype.
"""

from ._bands import band_errors as band_errors
from ._bands import radial_bands as radial_bands
from ._convergence import converged_steps as converged_steps
from ._dft import PeakProjector as PeakProjector
from ._dft import dft as dft
from ._dft import dft2 as dft2
from ._dft import dft_at as dft_at
from ._dft import find_peaks as find_peaks
from ._dft import frequency_error as frequency_error
from ._dft import peak_errors as peak_errors
from ._filtering import SCALES as SCALES
from ._filtering import filter_errors as filter_errors
from ._filtering import gaussian_filter as gaussian_filter
from ._filtering import low_frequency_ratio as low_frequency_ratio
from ._filtering import ratio_density as ratio_density
from ._filtering import rescale_inputs as rescale_inputs
from ._nudft import first_principal_component as first_principal_component
from ._nudft import nudft as nudft
from ._nudft import nudft_along as nudft_along

__all__ = [
    "PeakProjector",
    "SCALES",
    "band_errors",
    "converged_steps",
    "dft",
    "dft2",
    "dft_at",
    "filter_errors",
    "find_peaks",
    "first_principal_component",
    "frequency_error",
    "gaussian_filter",
    "low_frequency_ratio",
    "nudft",
    "nudft_along",
    "peak_errors",
    "radial_bands",
    "ratio_density",
    "rescale_inputs",
]
