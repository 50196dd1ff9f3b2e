"""Problems: safe target expressions, samplers, regression data sets and PDEs."""

from ._expr import FUNCTIONS as FUNCTIONS
from ._expr import Expression as Expression
from ._expr import parse_expression as parse_expression
from ._expr import check_expression_on as check_expression_on
from ._expr import MAX_DEPTH as MAX_EXPRESSION_DEPTH
from ._expr import MAX_LENGTH as MAX_EXPRESSION_LENGTH
from ._regression import SAMPLERS as SAMPLERS
from ._regression import Regression as Regression
from ._regression import make_regression as make_regression
from ._regression import random_points as random_points
from ._regression import uniform_grid as uniform_grid
from ._datasets import CIFAR10_CLASSES as CIFAR10_CLASSES
from ._datasets import DATASETS as DATASETS
from ._datasets import Dataset as Dataset
from ._datasets import load_cifar10 as load_cifar10
from ._datasets import load_dataset as load_dataset
from ._datasets import load_digits as load_digits
from ._datasets import load_idx as load_idx
from ._datasets import load_mnist as load_mnist
from ._datasets import load_mnist1d as load_mnist1d
from ._datasets import load_npz as load_npz
from ._datasets import one_hot as one_hot
from ._for_loss import for_loss as for_loss
from ._datasets import MAX_CLASSES as MAX_CLASSES
from ._datasets import MAX_DATA_BYTES as MAX_DATA_BYTES
from ._datasets import MAX_PICKLE_BYTES as MAX_PICKLE_BYTES
from ._datasets import read_idx as read_idx
from ._datasets import train_test_split as train_test_split
from ._synthetic import load_synthetic_projection as load_synthetic_projection
from ._synthetic import parity_data as parity_data
from ._synthetic import sine_amplitudes as sine_amplitudes
from ._synthetic import sine_sum as sine_sum
from ._regression import box_regression as box_regression
from ._regression import point_regression as point_regression
from ._images import HOLDOUTS as HOLDOUTS
from ._images import ImageRegression as ImageRegression
from ._images import default_image as default_image
from ._images import image_to_regression as image_to_regression
from ._images import load_image as load_image
from ._images import MAX_PIXELS as MAX_PIXELS
from ._images import pattern_image as pattern_image
from ._image_regression import BUNDLED_IMAGES as BUNDLED_IMAGES
from ._image_regression import PUBLISHED_PSNR as PUBLISHED_PSNR
from ._image_regression import psnr as psnr
from ._image_regression import GridImageRegression as GridImageRegression
from ._image_regression import bundled_image_path as bundled_image_path
from ._image_regression import grid_image_regression as grid_image_regression
from ._image_regression import load_named_image as load_named_image
from ._image_regression import text_image as text_image
from ._domains import DOMAINS as DOMAINS
from ._domains import Annulus as Annulus
from ._domains import Box as Box
from ._domains import BoxWithHoles as BoxWithHoles
from ._domains import Domain as Domain
from ._domains import Interval as Interval
from ._domains import as_domain as as_domain
from ._domains import make_domain as make_domain
from ._pde_autograd import divergence as divergence
from ._pde_autograd import elliptic_operator as elliptic_operator
from ._pde_autograd import gradient as gradient
from ._pde_autograd import laplacian as laplacian
from ._pde import PDE_PROBLEMS as PDE_PROBLEMS
from ._pde import Manufactured as Manufactured
from ._pde import MultiscaleElliptic as MultiscaleElliptic
from ._pde import PDEProblem as PDEProblem
from ._pde import Poisson as Poisson
from ._pde import PoissonBoltzmann as PoissonBoltzmann
from ._pde import jacobi_poisson as jacobi_poisson
from ._pde import make_pde as make_pde
from ._pde import ritz_poisson as ritz_poisson
from ._pde import two_scale_poisson as two_scale_poisson
from ._pde_losses import domain_mse as domain_mse
from ._pde_losses import pde_residual as pde_residual
from ._pde_losses import rel_l2 as rel_l2
from ._pde_losses import rel_squared as rel_squared
from ._pde_losses import residual_loss as residual_loss
from ._pde_losses import ritz_loss as ritz_loss
from ._pde_losses import rms as rms
from ._classical import Iteration as Iteration
from ._classical import Tridiagonal as Tridiagonal
from ._classical import discretize_1d as discretize_1d
from ._classical import fd_poisson_1d as fd_poisson_1d
from ._classical import first_converged as first_converged
from ._classical import gauss_seidel as gauss_seidel
from ._classical import jacobi as jacobi
from ._classical import jacobi_factor as jacobi_factor
from ._classical import multigrid_v_cycle as multigrid_v_cycle
from ._classical import iteration_peak_errors as iteration_peak_errors
from ._classical import sine_mode as sine_mode
from ._classical import sine_mode_errors as sine_mode_errors
from ._classical import solution_peaks as solution_peaks
from ._pde_objectives import evaluation_points as evaluation_points
from ._pde_objectives import grid_objective as grid_objective
from ._pde_objectives import latin_hypercube as latin_hypercube
from ._pde_objectives import pde_objective as pde_objective

__all__ = [
    "Expression",
    "parse_expression",
    "check_expression_on",
    "FUNCTIONS",
    "MAX_EXPRESSION_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "Regression",
    "make_regression",
    "SAMPLERS",
    "uniform_grid",
    "random_points",
    "Dataset",
    "DATASETS",
    "load_dataset",
    "load_digits",
    "load_mnist",
    "load_mnist1d",
    "load_cifar10",
    "load_idx",
    "load_npz",
    "load_synthetic_projection",
    "parity_data",
    "point_regression",
    "box_regression",
    "train_test_split",
    "one_hot",
    "for_loss",
    "MAX_CLASSES",
    "MAX_DATA_BYTES",
    "MAX_PICKLE_BYTES",
    "ImageRegression",
    "load_image",
    "image_to_regression",
    "default_image",
    "text_image",
    "BUNDLED_IMAGES",
    "MAX_PIXELS",
    "PUBLISHED_PSNR",
    "psnr",
    "Domain",
    "Interval",
    "Box",
    "Annulus",
    "BoxWithHoles",
    "make_domain",
    "as_domain",
    "DOMAINS",
    "PDEProblem",
    "Poisson",
    "PoissonBoltzmann",
    "MultiscaleElliptic",
    "Manufactured",
    "make_pde",
    "PDE_PROBLEMS",
    "residual_loss",
    "ritz_loss",
    "rel_l2",
    "rel_squared",
    "rms",
    "fd_poisson_1d",
    "jacobi",
    "gauss_seidel",
    "multigrid_v_cycle",
    "sine_mode_errors",
    "sine_amplitudes",
    "sine_sum",
    "latin_hypercube",
    "pde_objective",
    "evaluation_points",
    "grid_objective",
]
