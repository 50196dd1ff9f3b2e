"""Hostile and broken input to the problems / data-file layer (issue 9, item 5).

Every case builds its hostile input in ``tmp_path`` (generated here: no binary fixtures), runs the
CLI in-process, and asserts exit code 2, exactly one line on stderr, no traceback, and that the
line names the input (the spec key or the file).  Cases that are refused during spec validation
must also leave ``--out`` untouched; the others are refused while the run is built, so whether
``--out`` stays empty depends on the CLI's pre-flight (``CLAIMS`` below says which).

Time bounds are generous (``FAST`` seconds for a case; ``BOMB`` seconds for the decompression,
pickle and pixel bombs, which must be refused without doing the work they ask for).
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest
import torch

from simbias import problems
from simbias.cli import main
from simbias.errors import InputError

FAST = 20.0  # s: one refused case, including building the spec (shared, slow CI machines)
BOMB = 5.0  # s: a bomb must be refused without doing its work (the issue measured 57 s before)

_TINY_DATA = ["--set", "train.steps=1", "--set", "model.widths=[4]"]


# ------------------------------------------------------------------------------ hostile files


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def _npz_header_bomb(path):
    """An .npz whose x.npy header declares 80 GB of float64 but holds 64 bytes."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**4)})
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x.npy", buf.getvalue() + bytes(64))
        z.writestr("y.npy", buf.getvalue())
    return path


def _npz_short_member(path):
    """x.npy declares 1000 rows but the archive holds 2."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (1000, 3)})
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x.npy", buf.getvalue() + bytes(48))
        z.writestr("y.npy", buf.getvalue() + bytes(48))
    return path


def _truncated(path, source):
    blob = source.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    return path


def _idx_header(magic, dims):
    return struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims)


def _idx_gzip_bomb(path, megabytes=64):
    """A gzip IDX file whose header says 10 images of 28×28 but whose stream expands to ``megabytes`` MB."""
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(_idx_header(2051, (10, 28, 28)))
        zeros = bytes(1 << 20)
        for _ in range(megabytes):
            f.write(zeros)
    return path


def _idx_labels(path, n=10):
    path.write_bytes(_idx_header(2049, (n,)) + bytes(n))
    return path


def _idx_images(path, n=10, extra=0):
    path.write_bytes(_idx_header(2051, (n, 28, 28)) + bytes(n * 784 + extra))
    return path


def _laughs(depth=9):
    """A "billion laughs" pickle: 10^depth references to one string through shared nested lists."""
    x = [b"lol"] * 10
    for _ in range(depth - 1):
        x = [x] * 10
    return pickle.dumps({b"data": x, b"labels": x, b"filenames": x}, protocol=2)


class _PersistentPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return "external-object" if isinstance(obj, str) and obj == "ref" else None


def _persid_pickle():
    buf = io.BytesIO()
    _PersistentPickler(buf, protocol=2).dump({b"data": "ref", b"labels": [0]})
    return buf.getvalue()


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


def _cifar(n=4, protocol=2, data=None, labels=None):
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8) if data is None else data
    labels = [int(v) for v in rng.integers(0, 10, n)] if labels is None else labels
    return pickle.dumps({b"batch_label": b"x", b"data": data, b"labels": labels, b"filenames": [b"a.png"] * n},
                        protocol=protocol)


def _png(path, width, height, body=b""):
    """A PNG whose header says ``width × height`` (gray, 8 bit); the pixel data is ``body`` (usually short)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(body))
                     + chunk(b"IEND", b""))
    return path


# ------------------------------------------------------------------------------ the table

# (id, builder(tmp_path) -> argv, substrings the one stderr line must contain, refused at spec validation)
# ``{tmp}`` in a substring is replaced by nothing (file names are asserted through the builder's return).

def _run(*args):
    return ["run", *args]


def _data(path_args, extra=()):
    return _run("fprinciple-filtering", *path_args, *_TINY_DATA, *extra)


def _npz_case(build):
    def make(tmp):
        p = build(tmp)
        return _data(["--set", "problem.dataset=npz", "--set", f"problem.path={p}"]), p.name
    return make


def _idx_case(build_images, build_labels=None):
    def make(tmp):
        img = build_images(tmp)
        lab = (build_labels or (lambda t: _idx_labels(t / "labels-idx1-ubyte")))(tmp)
        return _data(["--set", "problem.dataset=idx", "--set", f"problem.path={img}",
                      "--set", f"problem.labels={lab}"]), img.name
    return make


def _cifar_case(blob_or_build):
    def make(tmp):
        folder = tmp / "cifar-10-batches-py"
        folder.mkdir()
        blob = blob_or_build(tmp) if callable(blob_or_build) else blob_or_build
        (folder / "data_batch_1").write_bytes(blob)
        return _data(["--set", "problem.dataset=cifar10", "--set", f"problem.path={folder}"]), "data_batch_1"
    return make


def _spec(*args):
    def make(tmp):
        return list(args), None
    return make


def _image_case(build, *extra):
    def make(tmp):
        p = build(tmp)
        return _run("fprinciple-2d", "--set", f"problem.path={p}", "--set", "problem.size=0",
                    "--set", "train.steps=1", "--set", "model.widths=[4]", *extra), p.name
    return make


DIGITS_401 = "1" * 401
DEEP = "sin(" * 65 + "x" + ")" * 65
LONG = "+".join(["x"] * 1001)

CASES = [
    # --- expressions -------------------------------------------------------------------------
    ("target-log-zero", _spec("show-config", "fprinciple-1d", "--set", "problem.target=log(x-x)"), ["problem.target"], True),
    ("target-one-over-x", _spec("show-config", "fprinciple-1d", "--set", "problem.target=1/x",
                                "--set", "problem.domain=[-1, 1]"), ["problem.target", "inf"], True),
    ("target-sqrt-negative", _spec("show-config", "fprinciple-1d", "--set", "problem.target=sqrt(x)"),
     ["problem.target", "nan"], True),
    ("target-401-digits", _spec("show-config", "fprinciple-1d", "--set", f"problem.target=sin(x)+{DIGITS_401}"),
     ["problem.target", "401 characters", "limit 40"], True),
    ("target-beyond-float64", _spec("show-config", "fprinciple-1d", "--set", "problem.target=sin(x)+1e400"),
     ["problem.target", "float64"], True),
    ("target-beyond-float32", _spec("run", "fprinciple-1d", "--set", "problem.target=sin(x)+0*1e39", "--set",
                                    "dtype=float32", "--set", "train.steps=1", "--set", "model.widths=[4]"),
     ["problem.target", "float32", "3.4e+38"], False),
    ("target-nested-65", _spec("show-config", "fprinciple-1d", "--set", f"problem.target={DEEP}"),
     ["problem.target", "65 levels", "limit 64"], True),
    ("target-too-long", _spec("show-config", "fprinciple-1d", "--set", f"problem.target={LONG}"),
     ["problem.target", "limit 2000"], True),
    ("target-dunder", _spec("show-config", "fprinciple-1d", "--set", "problem.target=x.__class__"),
     ["problem.target", "not allowed"], True),
    ("target-import", _spec("show-config", "fprinciple-1d", "--set", "problem.target=__import__('os')"),
     ["problem.target", "not allowed"], True),
    ("target-lambda", _spec("show-config", "fprinciple-1d", "--set", "problem.target=(lambda: 1)()"),
     ["problem.target", "not allowed"], True),
    ("solution-sqrt", _spec("show-config", "jacobi-vs-dnn", "--set", "problem.solution=sqrt(x)"),
     ["problem.solution", "nan"], True),
    ("solution-log-zero", _spec("show-config", "jacobi-vs-dnn", "--set", "problem.solution=log(x-x)"),
     ["problem.solution"], True),
    ("coefficient-log", _spec("show-config", "jacobi-vs-dnn", "--set", "problem.coefficient=log(x)"),
     ["problem.coefficient"], True),
    ("solution-unknown-name", _spec("show-config", "jacobi-vs-dnn", "--set", "problem.solution=sin(y)"),
     ["problem.solution", "'y'"], True),
    # --- numeric spec keys: nan, ±inf, negative where meaningless ------------------------------
    ("noise-inf", _spec("show-config", "fprinciple-1d", "--set", "problem.noise_std=inf"), ["problem.noise_std"], True),
    ("noise-nan", _spec("show-config", "fprinciple-1d", "--set", "problem.noise_std=nan"), ["problem.noise_std"], True),
    ("noise-negative", _spec("show-config", "fprinciple-1d", "--set", "problem.noise_std=-0.1"),
     ["problem.noise_std"], True),
    ("lr-inf", _spec("show-config", "fprinciple-1d", "--set", "train.lr=inf"), ["train.lr"], True),
    ("lr-minus-inf", _spec("show-config", "fprinciple-1d", "--set", "train.lr=-inf"), ["train.lr"], True),
    ("lr-nan", _spec("show-config", "fprinciple-1d", "--set", "train.lr=nan"), ["train.lr"], True),
    ("lr-zero", _spec("show-config", "fprinciple-1d", "--set", "train.lr=0"), ["train.lr"], True),
    ("lr-negative", _spec("show-config", "fprinciple-1d", "--set", "train.lr=-1e-3"), ["train.lr"], True),
    ("lr-inf-data", _spec("show-config", "fprinciple-filtering", "--set", "train.lr=inf"), ["train.lr"], True),
    ("lr-inf-jacobi", _spec("show-config", "jacobi-vs-dnn", "--set", "train.lr=inf"), ["train.lr"], True),
    ("lr-inf-pde", _spec("show-config", "mscale-poisson", "--set", "train.lr=inf"), ["train.lr"], True),
    ("lr-decay-inf", _spec("show-config", "fprinciple-1d", "--set", "train.lr_decay=inf"), ["train.lr_decay"], True),
    ("momentum-negative", _spec("show-config", "fprinciple-1d", "--set", "train.momentum=-0.5"),
     ["train.momentum"], True),
    ("momentum-above-one", _spec("show-config", "fprinciple-1d", "--set", "train.momentum=1.5"),
     ["train.momentum"], True),
    ("momentum-negative-lfp", _spec("run", "lfp-1d", "--set", "train.momentum=-1", "--set", "train.steps=1"),
     ["train.momentum"], False),
    ("derivative-weight-negative", _spec("show-config", "fprinciple-1d", "--set", "train.derivative_weight=-1"),
     ["train.derivative_weight"], True),
    ("batch-size-zero", _spec("show-config", "fprinciple-1d", "--set", "train.batch_size=0"),
     ["train.batch_size"], True),
    ("threshold-negative", _spec("show-config", "fprinciple-1d", "--set", "record.threshold=-1"),
     ["record.threshold"], True),
    ("record-every-zero", _spec("show-config", "fprinciple-1d", "--set", "record.every=0"), ["record.every"], True),
    ("max-peaks-zero", _spec("show-config", "fprinciple-1d", "--set", "record.max_peaks=0"), ["record.max_peaks"], True),
    ("domain-inf", _spec("show-config", "fprinciple-1d", "--set", "problem.domain=[0, inf]"), ["problem.domain"], True),
    ("domain-reversed", _spec("show-config", "fprinciple-1d", "--set", "problem.domain=[1, -1]"),
     ["problem.domain"], True),
    ("n-train-one", _spec("show-config", "fprinciple-1d", "--set", "problem.n_train=1"), ["problem.n_train"], True),
    ("n-test-negative", _spec("show-config", "fprinciple-1d", "--set", "problem.n_test=-5"), ["problem.n_test"], True),
    ("init-std-negative", _spec("show-config", "fprinciple-1d", "--set", "model.init_std=-1"), ["model.init_std"], True),
    ("init-t-inf", _spec("show-config", "fprinciple-1d", "--set", "model.init_t=inf"), ["model.init_t"], True),
    ("lam-inf", _spec("show-config", "jacobi-vs-dnn", "--set", "problem.lam=inf"), ["problem.lam"], True),
    ("max-pixels-zero", _spec("show-config", "fprinciple-2d", "--set", "problem.max_pixels=0"),
     ["problem.max_pixels"], True),
    # --- npz ---------------------------------------------------------------------------------
    ("npz-label-2e9", _npz_case(lambda t: _npz(t / "labels.npz", x=np.zeros((4, 3)), y=np.array([0, 1, 2, 2 * 10**9]))),
     ["npz", "2000000000", "limit 100000"], False),
    ("npz-zero-rows", _npz_case(lambda t: _npz(t / "empty.npz", x=np.zeros((0, 3)), y=np.zeros(0, dtype=np.int64))),
     ["npz", "0 rows"], False),
    ("npz-truncated", _npz_case(lambda t: _truncated(t / "trunc.npz", _npz(t / "full.npz", x=np.random.rand(50, 3),
                                                                          y=np.arange(50) % 2))), ["npz"], False),
    ("npz-object-array", _npz_case(lambda t: _npz(t / "objects.npz", x=np.array([[1, 2]], dtype=object),
                                                 y=np.array([0]))), ["npz", "objects"], False),
    ("npz-garbage", _npz_case(lambda t: (t / "garbage.npz").write_bytes(b"not a zip at all") and t / "garbage.npz"),
     ["npz", "not an .npz archive"], False),
    ("npz-header-80gb", _npz_case(lambda t: _npz_header_bomb(t / "bomb.npz")), ["npz", "limit", "MAX_DATA_BYTES"], False),
    ("npz-short-member", _npz_case(lambda t: _npz_short_member(t / "short.npz")), ["npz", "truncated"], False),
    ("npz-missing-y", _npz_case(lambda t: _npz(t / "noy.npz", x=np.zeros((4, 3)))), ["npz", "'y'"], False),
    ("npz-nan", _npz_case(lambda t: _npz(t / "nan.npz", x=np.full((4, 3), np.nan), y=np.arange(4))),
     ["npz", "NaN"], False),
    ("npz-negative-label", _npz_case(lambda t: _npz(t / "neg.npz", x=np.zeros((4, 3)), y=np.array([0, -1, 1, 0]))),
     ["npz", "negative"], False),
    ("npz-strings", _npz_case(lambda t: _npz(t / "str.npz", x=np.array([["a", "b"]]), y=np.array([0]))),
     ["npz", "non-numeric"], False),
    ("npz-directory", _npz_case(lambda t: (t / "dir.npz").mkdir() or t / "dir.npz"), ["npz", "directory"], False),
    ("npz-missing", _npz_case(lambda t: t / "nowhere.npz"), ["npz", "does not exist"], False),
    # --- IDX ---------------------------------------------------------------------------------
    ("idx-gzip-bomb", _idx_case(lambda t: _idx_gzip_bomb(t / "images-idx3-ubyte.gz")),
     ["idx.images", "decompressed", "7840"], False),
    ("idx-truncated", _idx_case(lambda t: (t / "cut-idx3-ubyte").write_bytes(_idx_header(2051, (10, 28, 28)) + bytes(100))
                                and t / "cut-idx3-ubyte"), ["idx.images", "truncated"], False),
    ("idx-over-long", _idx_case(lambda t: _idx_images(t / "long-idx3-ubyte", extra=5)), ["idx.images"], False),
    ("idx-header-huge", _idx_case(lambda t: (t / "huge-idx3-ubyte").write_bytes(_idx_header(2051, (60000, 65535, 65535)))
                                  and t / "huge-idx3-ubyte"), ["idx.images", "MAX_DATA_BYTES"], False),
    ("idx-swapped", _idx_case(lambda t: _idx_labels(t / "swap-idx1-ubyte")), ["idx.images", "swapped"], False),
    ("idx-damaged-gzip", _idx_case(lambda t: (t / "bad-idx3-ubyte.gz").write_bytes(
        gzip.compress(_idx_header(2051, (10, 28, 28)) + np.random.default_rng(0).bytes(7840))[:4000])
        and t / "bad-idx3-ubyte.gz"),
     ["idx.images"], False),
    ("idx-zero-images", _idx_case(lambda t: _idx_images(t / "zero-idx3-ubyte", n=0),
                                  lambda t: _idx_labels(t / "zero-idx1-ubyte", n=0)), ["idx.images", "no pixels"], False),
    ("idx-empty-file", _idx_case(lambda t: (t / "empty-idx3-ubyte").write_bytes(b"") or t / "empty-idx3-ubyte"),
     ["idx.images", "0 bytes"], False),
    # --- CIFAR-10 pickles --------------------------------------------------------------------
    ("cifar-billion-laughs", _cifar_case(_laughs()), ["cifar10", "data_batch_1", "not loaded"], False),
    ("cifar-persistent-id", _cifar_case(_persid_pickle()), ["cifar10", "persistent-id"], False),
    ("cifar-os-system", _cifar_case(lambda t: pickle.dumps({b"data": _Evil(t / "pwned")}, protocol=2)),
     ["cifar10", "os", "not loaded"], False),
    ("cifar-object-dtype", _cifar_case(_cifar(data=np.array([[None] * 3072], dtype=object), labels=[0])),
     ["cifar10", "object"], False),
    ("cifar-truncated", _cifar_case(_cifar()[:500]), ["cifar10", "data_batch_1"], False),
    ("cifar-wrong-shape", _cifar_case(_cifar(data=np.zeros((2, 10), dtype=np.uint8), labels=[0, 1])),
     ["cifar10", "3072"], False),
    ("cifar-label-range", _cifar_case(_cifar(n=2, labels=[0, 2_000_000_000])), ["cifar10", "0…9"], False),
    ("cifar-opcode-flood", _cifar_case(b"\x80\x02" + b"N0" * 1_100_000 + b"}."), ["cifar10", "opcodes"], False),
    ("cifar-not-a-pickle", _cifar_case(b"\x00garbage\n" * 10), ["cifar10", "data_batch_1"], False),
    # --- images ------------------------------------------------------------------------------
    ("image-144-megapixels", _image_case(lambda t: _png(t / "huge.png", 12000, 12000)),
     ["image", "144.0 megapixels", "problem.max_pixels"], False),
    ("image-over-raised-limit", _image_case(lambda t: _png(t / "wide.png", 2000, 1000), "--set", "problem.max_pixels=1000"),
     ["image", "2.0 megapixels"], False),
    ("image-garbage", _image_case(lambda t: (t / "junk.png").write_bytes(b"GIF89a nothing") and t / "junk.png"),
     ["image", "cannot read"], False),
    ("image-directory", _image_case(lambda t: (t / "adir.png").mkdir() or t / "adir.png"), ["image", "directory"], False),
    ("image-missing", _image_case(lambda t: t / "missing.png"), ["problem.path", "does not exist"], False),
]

#: cases refused while the run is built: ``--out`` stays empty only once the CLI validates before claiming
CLAIMS = [c[0] for c in CASES if not c[3]]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2(case, tmp_path, capsys):
    name, make, needles, at_validation = case
    argv, filename = make(tmp_path)
    out = tmp_path / "out"
    if argv[0] == "run":
        argv = [*argv, "--out", str(out), "--no-figures", "--quiet"]
    capsys.readouterr()
    t0 = time.perf_counter()
    code = main(argv)
    elapsed = time.perf_counter() - t0
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    line = lines[0]
    assert line.startswith("simbias: error: ")
    for needle in needles + ([filename] if filename else []):
        assert needle in line, (needle, line)
    assert elapsed < FAST, elapsed
    if at_validation:  # refused while the spec is validated: `simbias run` claims nothing
        run_argv = ["run", *argv[1:]] if argv[0] == "show-config" else argv
        if "--out" not in run_argv:
            run_argv = [*run_argv, "--out", str(out), "--no-figures", "--quiet"]
        assert main(run_argv) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
        assert not out.exists()
    if name == "cifar-os-system":
        assert not (tmp_path / "pwned").exists()


# ------------------------------------------------------------------------------ library level


def test_gzip_idx_bomb_is_refused_without_allocating_it(tmp_path):
    bomb = _idx_gzip_bomb(tmp_path / "bomb-idx3-ubyte.gz", megabytes=128)
    assert bomb.stat().st_size < 1_000_000  # a small file that expands to 128 MB
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(InputError, match="bomb-idx3-ubyte.gz"):
            problems.read_idx(bomb, magic=2051)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < BOMB
    assert peak < 32 * 2**20, peak  # nothing near the 128 MB the stream holds


def test_billion_laughs_pickle_is_refused_fast(tmp_path):
    p = tmp_path / "data_batch_1"
    p.write_bytes(_laughs(depth=9))
    assert p.stat().st_size < 7000
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="by reference"):
        problems.load_cifar10(p)
    assert time.perf_counter() - t0 < BOMB


def test_pickle_size_cap_before_reading(tmp_path):
    p = tmp_path / "data_batch_1"
    with open(p, "wb") as f:  # a sparse file: nothing is written, the size is what counts
        f.truncate(problems.MAX_PICKLE_BYTES + 1)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="MAX_PICKLE_BYTES"):
        problems.load_cifar10(p)
    assert time.perf_counter() - t0 < BOMB


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_real_batches_still_load_under_the_scan(tmp_path, protocol):
    p = tmp_path / "data_batch_1"
    p.write_bytes(_cifar(n=6, protocol=protocol))
    d = problems.load_cifar10(p)
    assert d.x.shape == (6, 3072) and d.n_classes == 10


def test_image_limit_is_checked_before_decoding_and_can_be_raised(tmp_path):
    from PIL import Image

    huge = _png(tmp_path / "huge.png", 12000, 12000)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="problem.max_pixels"):
        problems.load_image(huge)
    assert time.perf_counter() - t0 < BOMB
    p = tmp_path / "ok.png"
    Image.fromarray(np.full((30, 40), 128, dtype=np.uint8)).save(p)
    with pytest.raises(InputError, match="1200"):
        problems.load_image(p, max_pixels=1000)
    assert problems.load_image(p, max_pixels=1200).shape == (30, 40)
    with pytest.raises(InputError, match="problem.max_pixels"):
        problems.load_image(p, max_pixels=0)


def test_npz_label_limit_and_a_good_file(tmp_path):
    ok = _npz(tmp_path / "ok.npz", x=np.random.rand(6, 3), y=np.array([0, 1, 2, 0, 1, 2]))
    assert problems.load_npz(ok).n_classes == 3
    at_limit = _npz(tmp_path / "big.npz", x=np.zeros((2, 1)), y=np.array([0, problems.MAX_CLASSES]))
    with pytest.raises(InputError, match="big.npz"):
        problems.load_npz(at_limit)


# ------------------------------------------------------------------------------ check_expression_on


def test_check_expression_on_returns_values_and_names_the_key():
    x = torch.linspace(-1, 1, 11, dtype=torch.float64)
    torch.testing.assert_close(problems.check_expression_on("x**2", x, key="problem.target"), x**2)
    with pytest.raises(InputError, match=r"^problem\.solution: 'sqrt\(x\)' is nan at x = \(-1\)"):
        problems.check_expression_on("sqrt(x)", [-1, 1], key="problem.solution")
    with pytest.raises(InputError, match=r"^my\.key: .*inf at x = \(0\)"):
        problems.check_expression_on("1/x", [-1, 1], key="my.key")
    # a domain of two dimensions, parsed for its dimension; the origin is outside the annulus
    y = problems.check_expression_on("log(x1**2 + x2**2)", "annulus", key="problem.solution")
    assert torch.isfinite(y).all()
    with pytest.raises(InputError, match="problem.solution"):
        problems.check_expression_on("log(x1**2 + x2**2)", {"name": "box", "lows": [-1, -1], "highs": [1, 1]},
                                     key="problem.solution")


def test_check_expression_on_dtype_range():
    x = torch.linspace(0, 1, 5)
    assert torch.isfinite(problems.check_expression_on("x + 1e39*0", x.double(), dtype=torch.float64)).all()
    with pytest.raises(InputError, match=r"float32 range"):
        problems.check_expression_on("x + 1e39*0", x, key="problem.target", dtype="float32")
    parsed = problems.parse_expression("exp(x)", name="problem.target")
    with pytest.raises(InputError, match="problem.target"):  # finite literals, overflow on the points
        problems.check_expression_on(parsed, torch.tensor([100.0]), dtype=torch.float32)


@pytest.mark.parametrize("text, limit", [
    ("1" * 41, "limit 40"),
    ("sin(" * 65 + "x" + ")" * 65, "limit 64"),
    ("-" * 1500 + "x", "64"),
    ("x+" * 1000 + "x", "limit 2000"),
    ("9" * 5000, "limit 2000"),
])
def test_parser_limits(text, limit):
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="problem.target") as info:
        problems.parse_expression(text)
    assert limit in str(info.value) and "\n" not in str(info.value)
    assert time.perf_counter() - t0 < BOMB


def test_parser_accepts_what_the_limits_allow():
    assert problems.parse_expression("sin(" * 60 + "x" + ")" * 60).max_constant == 0.0
    e = problems.parse_expression("1234567890.123456789e10 * x + pi")
    assert e.max_constant == pytest.approx(1234567890.123456789e10)
