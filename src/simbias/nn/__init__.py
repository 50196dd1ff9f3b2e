"""Models written for one member: MLP, two-layer nets, MscaleDNN, Fourier features; activations."""

from ._activations import ACTIVATIONS as ACTIVATIONS
from ._activations import Ricker as Ricker
from ._activations import get_activation as get_activation
from ._activations import phi as phi
from ._activations import s2relu as s2relu
from ._activations import srelu as srelu
from ._activations import x2tanh as x2tanh
from ._activations import xtanh as xtanh
from ._mlp import INITS as INITS
from ._mlp import MLP as MLP
from ._mlp import init_linear_ as init_linear_
from ._twolayer import TwoLayer as TwoLayer
from ._twolayer import two_layer_scales as two_layer_scales
from ._blocks import DENSE_INITS as DENSE_INITS
from ._blocks import DenseStack as DenseStack
from ._blocks import ScaledLinear as ScaledLinear
from ._blocks import SinCosFirstLayer as SinCosFirstLayer
from ._blocks import init_dense_ as init_dense_
from ._mscale import SCALE_RULES as SCALE_RULES
from ._mscale import MscaleDNN1 as MscaleDNN1
from ._mscale import MscaleDNN2 as MscaleDNN2
from ._mscale import check_scales as check_scales
from ._mscale import expand_scales as expand_scales
from ._mscale import make_scales as make_scales
from ._fourier import FOURIER_KINDS as FOURIER_KINDS
from ._fourier import FourierFeatureNet as FourierFeatureNet
from ._fourier import FourierFeatures as FourierFeatures
from ._fourier import MultiScaleFourierNet as MultiScaleFourierNet
from ._cnn import CNN as CNN
from ._cnn import CNN_INITS as CNN_INITS
from ._cnn import init_layer_ as init_layer_
from ._architectures import ARCHITECTURES as ARCHITECTURES
from ._architectures import make_net as make_net
from ._init import INIT_ALIASES as INIT_ALIASES
from ._init import INIT_SCHEMES as INIT_SCHEMES
from ._init import InitScheme as InitScheme
from ._init import init_parameters_ as init_parameters_
from ._init import register_init as register_init
from ._init import resolve_init as resolve_init
from ._plan import DenseLayer as DenseLayer
from ._plan import DensePlan as DensePlan
from ._coordinate import ENCODINGS as ENCODINGS
from ._coordinate import CoordinateNet as CoordinateNet
from ._coordinate import encoding_width as encoding_width

__all__ = [
    "MLP",
    "TwoLayer",
    "DenseStack",
    "ScaledLinear",
    "SinCosFirstLayer",
    "MscaleDNN1",
    "MscaleDNN2",
    "FourierFeatures",
    "FourierFeatureNet",
    "MultiScaleFourierNet",
    "CoordinateNet",
    "CNN",
    "ARCHITECTURES",
    "make_net",
    "DensePlan",
    "DenseLayer",
    "ACTIVATIONS",
    "get_activation",
    "srelu",
    "s2relu",
    "phi",
    "xtanh",
    "x2tanh",
    "Ricker",
    "INIT_SCHEMES",
    "InitScheme",
    "register_init",
    "resolve_init",
    "init_parameters_",
    "make_scales",
    "ENCODINGS",
]
