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
