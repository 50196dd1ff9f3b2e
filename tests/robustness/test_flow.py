"""Hostile input and faults in the run / sweep / report flows (issue 9, item 5).

Every bad input ends in exactly one stderr line (never a traceback) with exit 2, every failure
during a run in one line with exit 1, and nothing is left on disk that the case does not expect.
Most cases run the CLI in process (``main(argv)``); the race and the kill run real subprocesses.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from simbias.cli import main
from simbias.io import spec_hash

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--set", "model.widths=[8]", "--set", "train.steps=5", "--set", "problem.n_train=32",
        "--set", "problem.n_test=64", "--set", "record.snapshot_every=5", "--quiet"]


def _can_mount() -> bool:
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/.simbias-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                        capture_output=True).returncode == 0
    if ok:
        subprocess.run(["umount", str(probe)], capture_output=True)
    probe.rmdir()
    return ok


CAN_MOUNT = _can_mount()
NO_MOUNT = "needs root and permission to mount a tmpfs (size-limited / read-only file system)"


@pytest.fixture
def tmpfs(tmp_path):
    """``make(size, ro=False) -> Path``: a tiny tmpfs mounted under ``tmp_path`` (unmounted after)."""
    mounts = []

    def make(size: str = "64k", *, ro: bool = False, name: str = "fs") -> Path:
        d = tmp_path / name
        d.mkdir()
        opts = f"size={size}" + (",ro" if ro else "")
        subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(d)], check=True)
        mounts.append(d)
        return d

    yield make
    for d in reversed(mounts):
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}:\n{err}"
    assert "Traceback" not in err
    return lines[0]


def _tiny_run(path: Path, *extra: str) -> None:
    assert main(["run", "fprinciple-1d", *TINY, "--no-figures", "--out", str(path), *extra]) == 0


def _tiny_sweep(path: Path, seeds: int = 2) -> None:
    assert main(["sweep", "fprinciple-1d", *TINY, "--seeds", str(seeds), "--out", str(path)]) == 0


# --------------------------------------------------------------------------------------------
# the table: argv (built in a fresh folder), exit code, text of the one line, what is on disk
# --------------------------------------------------------------------------------------------

@dataclass
class Case:
    id: str
    argv: Callable[[Path], list[str]]
    code: int
    says: tuple[str, ...]
    absent: tuple[str, ...] = ()          # paths (relative to the folder) that must not exist after
    present: tuple[str, ...] = ()         # paths that must still exist after
    mount: bool = False                   # needs a tmpfs


def _w(rel: str, data: bytes | str) -> Callable[[Path], None]:
    def write(d: Path) -> None:
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return write


def _run_then(damage: Callable[[Path], None]) -> Callable[[Path], list[str]]:
    def argv(d: Path) -> list[str]:
        _tiny_run(d / "r")
        damage(d / "r")
        return ["report", str(d / "r")]
    return argv


def _sweep_then(damage: Callable[[Path], None]) -> Callable[[Path], list[str]]:
    def argv(d: Path) -> list[str]:
        _tiny_sweep(d / "s")
        damage(d / "s")
        return ["report", str(d / "s")]
    return argv


def _nested_spec(d: Path) -> list[str]:
    (d / "deep.toml").write_text('experiment = "fprinciple"\n[model]\nwidths = ' + "[" * 3000 + "]" * 3000 + "\n")
    return ["run", str(d / "deep.toml"), "--out", str(d / "o")]


def _pickled_history(r: Path) -> None:
    (r / "history.npz").write_bytes(pickle.dumps({"steps": [1, 2]}))


def _symlink_loop(d: Path) -> list[str]:
    os.symlink(d / "loop", d / "loop")
    return ["run", "fprinciple-1d", *TINY, "--out", str(d / "loop")]


def _afile(d: Path) -> list[str]:
    (d / "afile").write_text("x")
    return ["run", "fprinciple-1d", *TINY, "--out", str(d / "afile" / "sub")]


def _adir_toml(d: Path) -> list[str]:
    (d / "adir.toml").mkdir()
    return ["run", str(d / "adir.toml")]


def _file_arg(name: str, data: bytes) -> Callable[[Path], list[str]]:
    def argv(d: Path) -> list[str]:
        (d / name).write_bytes(data)
        return ["run", str(d / name), "--out", str(d / "o")]
    return argv


def _other_run(d: Path) -> list[str]:
    _tiny_run(d / "o")
    return ["run", "fprinciple-1d", *TINY, "--set", "seed=7", "--out", str(d / "o")]


def _sweep_file(data: bytes) -> Callable[[Path], list[str]]:
    def argv(d: Path) -> list[str]:
        (d / "garbage").mkdir()
        (d / "garbage" / "sweep.toml").write_bytes(data)
        return ["sweep", str(d / "garbage" / "sweep.toml"), "--resume"]
    return argv


def _readonly_out(d: Path) -> list[str]:
    return ["run", "fprinciple-1d", *TINY, "--out", str(d / "fs" / "o")]


RUN = ["run", "fprinciple-1d", *TINY]
CASES = [
    # refused before the claim: nothing written to --out
    Case("target-not-finite", lambda d: [*RUN, "--set", "problem.target=log(x-x)", "--out", str(d / "o")], 2,
         ("problem.target", "not finite"), absent=("o",)),
    Case("target-beyond-float32", lambda d: [*RUN, "--set", "problem.target=sin(x)+0*1e39", "--out", str(d / "o")],
         2, ("problem.target",), absent=("o",)),
    # each kind's build checks its expression on the run's own points in the spec's dtype, before the claim
    Case("box-target-not-finite", lambda d: ["run", "condensation-initial", "--set", "problem.target=log(x1-x1)",
                                             "--set", "train.steps=1", "--quiet", "--out", str(d / "o")], 2,
         ("problem.target", "not finite"), absent=("o",)),
    Case("points-target-beyond-float32", lambda d: ["run", "condensation-1d", "--set", "dtype=float32", "--set",
                                                    "problem.target=x+0*1e39", "--set", "train.steps=1", "--quiet",
                                                    "--out", str(d / "o")], 2, ("problem.target", "float32"),
         absent=("o",)),
    Case("solution-beyond-float32", lambda d: ["run", "jacobi-vs-dnn", "--set", "dtype=float32", "--set",
                                               "problem.solution=sin(x)+0*1e39", "--set", "train.steps=10", "--set",
                                               "hybrid.steps=10", "--quiet", "--out", str(d / "o")], 2,
         ("problem.solution", "float32"),
         absent=("o",)),
    Case("n-train-too-big", lambda d: [*RUN, "--set", "problem.n_train=1000000000", "--out", str(d / "o")], 2,
         ("problem.n_train", "memory"), absent=("o",)),
    Case("n-test-too-big", lambda d: [*RUN, "--set", "problem.n_test=1000000000", "--out", str(d / "o")], 2,
         ("problem.n_test", "memory"), absent=("o",)),
    Case("widths-too-big", lambda d: [*RUN, "--set", "model.widths=[10000000,10000000]", "--out", str(d / "o")], 2,
         ("model.widths", "memory"), absent=("o",)),
    Case("seed-negative", lambda d: [*RUN, "--set", "seed=-1", "--out", str(d / "o")], 2, ("seed", "2**63"),
         absent=("o",)),
    Case("seed-too-big", lambda d: [*RUN, "--set", f"seed={2**63}", "--out", str(d / "o")], 2, ("seed",),
         absent=("o",)),
    Case("set-nested-3000", lambda d: [*RUN, "--set", "model.widths=" + "[" * 3000 + "]" * 3000, "--out",
                                       str(d / "o")], 2, ("model.widths", "deep"), absent=("o",)),
    Case("spec-nested-3000", _nested_spec, 2, ("deep.toml", "deep"), absent=("o",)),
    Case("spec-random-bytes", _file_arg("rand.toml", bytes(range(128, 256)) * 8), 2, ("rand.toml", "not UTF-8"),
         absent=("o",)),
    Case("spec-utf16", _file_arg("u16.toml", 'experiment = "fprinciple"\n'.encode("utf-16")), 2,
         ("u16.toml", "not UTF-8"), absent=("o",)),
    Case("spec-bad-toml", _file_arg("bad.toml", b"experiment = = 1\n[[[\n"), 2, ("bad.toml", "TOML"), absent=("o",)),
    Case("spec-is-directory", _adir_toml, 2, ("adir.toml", "is a directory")),
    Case("spec-missing", lambda d: ["run", str(d / "nope.toml")], 2, ("nope.toml", "does not exist")),
    Case("unknown-preset", lambda d: ["run", "no-such-preset"], 2, ("no-such-preset",)),
    Case("data-file-missing", lambda d: ["run", "fprinciple-filtering", "--set", "problem.path=missing.npz",
                                         "--out", str(d / "o")], 2, ("problem.path", "does not exist"), absent=("o",)),
    Case("data-file-garbage-rolled-back", lambda d: (_w("bad.npz", bytes(range(256)) * 2)(d), [
        "run", "fprinciple-filtering", "--set", "problem.path=bad.npz", "--no-figures", "--out", str(d / "o")])[1],
         2, ("bad.npz",), absent=("o",)),
    Case("unknown-key", lambda d: [*RUN, "--set", "model.nope=1", "--out", str(d / "o")], 2, ("model.nope",),
         absent=("o",)),
    Case("out-under-a-file", _afile, 2, ("--out",), present=("afile",), absent=("afile/sub",)),
    Case("out-symlink-loop", _symlink_loop, 2, ("--out", "symbolic link")),
    Case("out-holds-other-run", _other_run, 2, ("--out", "different run"), present=("o/manifest.json",)),
    Case("out-read-only", _readonly_out, 2, ("--out", "cannot create"), mount=True),
    # report on damaged files: the file is named
    Case("report-truncated-history", _run_then(lambda r: (r / "history.npz").write_bytes(
        (r / "history.npz").read_bytes()[:200])), 2, ("history.npz", "damaged")),
    Case("report-pickled-history", _run_then(_pickled_history), 2, ("history.npz", "pickled", "allow_pickle")),
    Case("report-garbage-spec", _run_then(lambda r: (r / "spec.toml").write_bytes(b"\xff\xfe[[[")), 2,
         ("spec.toml", "damaged")),
    Case("report-garbage-manifest", _run_then(lambda r: (r / "manifest.json").write_text("{not json")), 2,
         ("manifest.json", "damaged")),
    Case("report-truncated-summary", _run_then(lambda r: (r / "summary.json").write_text('{"a": 1')), 2,
         ("summary.json", "damaged")),
    Case("report-summary-not-object", _run_then(lambda r: (r / "summary.json").write_text("[1, 2]")), 2,
         ("summary.json", "JSON object")),
    Case("report-not-a-run", lambda d: ["report", str(d)], 2, ("not a run directory",)),
    Case("report-sweep-garbage-csv", _sweep_then(lambda s: (s / "results.csv").write_bytes(b"\x00\x01garbage")), 2,
         ("results.csv", "damaged")),
    Case("report-sweep-ragged-csv", _sweep_then(lambda s: (s / "results.csv").write_text(
        "member_id,seed,outcome\n1,2,3,4,5\n")), 2, ("results.csv", "damaged")),
    # sweeps
    Case("sweep-bad-member", lambda d: ["sweep", "fprinciple-1d", *TINY, "--grid", "problem.target=sin(x),log(x-x)",
                                        "--out", str(d / "s")], 2, ("problem.target", "member 1", "log(x-x)"),
         absent=("s",)),
    Case("sweep-too-many-seeds", lambda d: ["sweep", "fprinciple-1d", "--seeds", "100000000", "--out", str(d / "s")],
         2, ("--seeds", "100000"), absent=("s",)),
    Case("sweep-too-big-grid", lambda d: ["sweep", "fprinciple-1d", "--grid", "train.lr=" + ",".join(
        f"{i + 1}e-4" for i in range(400)), "--grid", "seed=" + ",".join(str(i) for i in range(400)),
        "--out", str(d / "s")], 2, ("--grid", "members"), absent=("s",)),
    Case("sweep-garbage-definition", _sweep_file(bytes(range(256))), 2, ("sweep.toml", "not UTF-8")),
    Case("sweep-definition-no-sections", _sweep_file(b"a = 1\n"), 2, ("sweep.toml", "not a sweep definition")),
    Case("sweep-definition-bad-types", _sweep_file(b'[sweep]\nexperiment = "fprinciple"\ngrid = 3\n[base]\n'), 2,
         ("sweep.toml", "damaged")),
    Case("sweep-missing-definition", lambda d: ["sweep", str(d / "garbage" / "sweep.toml"), "--resume"], 2,
         ("does not exist",)),
    Case("sweep-bad-seed", lambda d: ["sweep", "fprinciple-1d", *TINY, "--grid", "seed=1,-5", "--out", str(d / "s")],
         2, ("seed", "member 1"), absent=("s",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path, capsys, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    if case.mount:
        if not CAN_MOUNT:
            pytest.skip(NO_MOUNT)
        request.getfixturevalue("tmpfs")("64k", ro=True)
    argv = case.argv(tmp_path)
    capsys.readouterr()
    t0 = time.perf_counter()
    code = main(argv)
    took = time.perf_counter() - t0
    err = capsys.readouterr().err
    line = _one_line(err)
    assert code == case.code, line
    for s in case.says:
        assert s in line, line
    for rel in case.absent:
        assert not (tmp_path / rel).exists() and not (tmp_path / rel).is_symlink(), f"{rel} left behind: {line}"
    for rel in case.present:
        assert (tmp_path / rel).exists(), rel
    assert took < 20, f"refusing took {took:.1f} s"


# --------------------------------------------------------------------------------------------
# rollback, the last-resort guard, ENOSPC, leftovers
# --------------------------------------------------------------------------------------------

def _patched_runner(monkeypatch, exc: BaseException, *, times: int = 1):
    """Make the fprinciple kind raise ``exc`` after training (the run directory is claimed by then)."""
    from simbias.experiments._kind import KINDS
    import dataclasses

    kind = KINDS["fprinciple"]
    calls = {"n": 0}

    def summarize(spec, plan, history):
        calls["n"] += 1
        if calls["n"] <= times:
            raise exc
        return kind.summarize(spec, plan, history)

    monkeypatch.setitem(KINDS, "fprinciple", dataclasses.replace(kind, summarize=summarize))
    return calls


def test_input_error_inside_the_runner_rolls_the_claim_back(tmp_path, capsys, monkeypatch):
    from simbias.errors import InputError

    _patched_runner(monkeypatch, InputError("problem.path", "found only while building", "fix it"))
    out = tmp_path / "a" / "b" / "o"
    assert main(["run", "fprinciple-1d", *TINY, "--no-figures", "--out", str(out)]) == 2
    assert "problem.path" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "a").exists()  # every folder the claim created is gone
    assert main(["run", "fprinciple-1d", *TINY, "--no-figures", "--out", str(out)]) == 0  # the corrected rerun
    assert json.loads((out / "manifest.json").read_text())["outcome"] == "completed"


def test_unexpected_exception_is_one_line_unless_debugging(tmp_path, capsys, monkeypatch):
    _patched_runner(monkeypatch, ZeroDivisionError("boom"), times=2)
    assert main(["run", "fprinciple-1d", *TINY, "--no-figures", "--out", str(tmp_path / "o")]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "ZeroDivisionError" in line and "boom" in line and "please report" in line
    assert not (tmp_path / "o" / ".simbias.lock").exists()  # the claim is released on every exit path
    monkeypatch.setenv("SIMBIAS_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["run", "fprinciple-1d", *TINY, "--no-figures", "--out", str(tmp_path / "o")])


def test_enospc_while_writing_history_is_one_line_and_keeps_the_spec(tmp_path, capsys, monkeypatch):
    import simbias.io._store as store

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "o" / "history.npz"))

    monkeypatch.setattr(store.np, "savez_compressed", full)
    assert main(["run", "fprinciple-1d", *TINY, "--no-figures", "--out", str(tmp_path / "o")]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "no space left" in line and "run directory (partial)" in line
    assert (tmp_path / "o" / "spec.toml").exists() and not (tmp_path / "o" / "manifest.json").exists()


@pytest.mark.skipif(not CAN_MOUNT, reason=NO_MOUNT)
@pytest.mark.parametrize("size, figures", [("8k", False), ("200k", True)], ids=["history", "figures"])
def test_disk_full_on_a_tiny_file_system(tmpfs, tmp_path, capsys, size, figures):
    fs = tmpfs(size)
    args = ["run", "fprinciple-1d", *TINY, "--out", str(fs / "o")] + ([] if figures else ["--no-figures"])
    assert main(args) == 1
    assert "no space left" in _one_line(capsys.readouterr().err)
    assert not (fs / "o" / "manifest.json").exists()  # never "completed" without its files
    left = [p.name for p in (fs / "o").rglob("*") if ".tmp" in p.name or p.name == ".simbias.lock"]
    assert left == []


@pytest.mark.skipif(not CAN_MOUNT, reason=NO_MOUNT)
def test_disk_full_during_a_sweep(tmpfs, capsys):
    fs = tmpfs("24k")
    assert main(["sweep", "fprinciple-1d", *TINY, "--seeds", "4", "--out", str(fs / "s")]) == 1
    assert "no space left" in _one_line(capsys.readouterr().err)


@pytest.mark.skipif(not CAN_MOUNT, reason=NO_MOUNT)
def test_report_on_a_read_only_run_folder(tmpfs, capsys):
    fs = tmpfs("4m")
    _tiny_run(fs / "r")
    subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
    capsys.readouterr()
    assert main(["report", str(fs / "r")]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "read-only" in line.lower()


def test_report_is_written_before_the_manifest_says_completed(tmp_path, capsys, monkeypatch):
    import simbias.viz as viz

    def broken(*a, **k):
        raise OSError(errno.EIO, "Input/output error", "figures")

    monkeypatch.setattr(viz, "build_report", broken)
    out = tmp_path / "o"
    assert main(["run", "fprinciple-1d", *TINY, "--out", str(out)]) == 1
    assert "Input/output error" in _one_line(capsys.readouterr().err)
    assert (out / "summary.json").exists() and not (out / "manifest.json").exists()


def test_stale_figure_temporaries_are_swept(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", "fprinciple-1d", *TINY, "--out", str(out)]) == 0
    (out / "figures" / "training.tmp.gif").write_bytes(b"")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process that drew figures and is gone
    (out / "figures" / f".tmp-{dead.pid}").mkdir()
    (out / ".history.npz.abc.tmp").write_bytes(b"")
    assert main(["report", str(out)]) == 0
    names = {p.name for p in out.rglob("*")}
    assert not {"training.tmp.gif", f".tmp-{dead.pid}", ".history.npz.abc.tmp"} & names
    assert "training.gif" in names and "report.html" in names


def test_two_claims_of_one_directory_exclude_each_other(tmp_path):
    from simbias.errors import InputError
    from simbias.io import RunDir

    a, b = RunDir(tmp_path / "o"), RunDir(tmp_path / "o")
    a.claim("h1")
    with pytest.raises(InputError, match="in use"):
        b.claim("h1")
    a.release()
    b.claim("h1")
    b.release()
    assert list((tmp_path / "o").iterdir()) == []


# --------------------------------------------------------------------------------------------
# sweeps: a bad member fails alone; damaged members are retrained on --resume
# --------------------------------------------------------------------------------------------

def test_a_member_failing_in_its_bucket_fails_alone(tmp_path, capsys, monkeypatch):
    import dataclasses

    from simbias.experiments._kind import KINDS

    kind = KINDS["fprinciple"]

    def fragile(spec, plan, history):
        if spec.train.lr == 0.005:
            raise RuntimeError("member blew up")
        return kind.summarize(spec, plan, history)

    monkeypatch.setitem(KINDS, "fprinciple", dataclasses.replace(kind, summarize=fragile))
    out = tmp_path / "s"
    assert main(["sweep", "fprinciple-1d", *TINY, "--grid", "train.lr=0.001,0.005,0.002", "--out", str(out)]) == 1
    from simbias.io import SweepDir

    cols, rows = SweepDir(out).read_results()
    assert [r["outcome"] for r in rows] == ["completed", "failed", "completed"]
    man = json.loads((out / "members" / rows[1]["member_id"] / "manifest.json").read_text())
    assert "member blew up" in man["error"]
    ok = json.loads((out / "members" / rows[0]["member_id"] / "manifest.json").read_text())
    assert "error" not in ok


def test_resume_retrains_damaged_members(tmp_path, capsys):
    out = tmp_path / "s"
    _tiny_sweep(out, seeds=3)
    before = (out / "results.csv").read_text()
    ids = [r.split(",")[0] for r in before.splitlines()[1:]]
    m = out / "members"
    (m / ids[0] / "summary.json").write_text('{"final_')          # truncated summary
    (m / ids[1] / "history.npz").unlink()                          # missing history
    (m / ids[2] / "manifest.json").write_bytes(b"\x00garbage")     # garbage manifest
    capsys.readouterr()
    assert main(["sweep", str(out / "sweep.toml"), "--resume"]) == 0
    o = capsys.readouterr().out
    assert "already done" not in o  # all three were retrained
    assert (out / "results.csv").read_text() == before
    for i in ids:
        assert json.loads((m / i / "manifest.json").read_text())["outcome"] == "completed"


# --------------------------------------------------------------------------------------------
# real processes: a race on one --out, and a SIGKILLed claim
# --------------------------------------------------------------------------------------------

_RACER = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from simbias.cli import main
    me, root, rounds, seed = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    other = "b" if me == "a" else "a"
    codes = []
    for r in range(rounds):
        (root / f"ready-{r}-{me}").touch()
        while not (root / f"ready-{r}-{other}").exists():
            time.sleep(0.0005)
        codes.append(main(["run", "fprinciple-1d", "--set", "model.widths=[8]", "--set", "train.steps=3",
                           "--set", "problem.n_train=16", "--set", "problem.n_test=32", "--set", "seed=" + seed,
                           "--no-figures", "--quiet", "--out", str(root / f"out-{r}")]))
    print("codes:", " ".join(map(str, codes)))
''')


def _env():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("SIMBIAS_DEBUG", None)
    return env


@pytest.mark.parametrize("rounds", [3, pytest.param(10, marks=pytest.mark.slow)])
def test_two_processes_racing_for_one_out_never_both_win(tmp_path, rounds):
    """Two processes with different specs start ``simbias run`` into one --out at the same
    instant (a file barrier before every round): exactly one wins, and the folder is one run's."""
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, me, str(tmp_path), str(rounds), seed],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
             for me, seed in (("a", "1"), ("b", "2"))]
    outs = [p.communicate(timeout=300) for p in procs]
    for (o, e), p in zip(outs, procs):
        assert p.returncode == 0, e
        assert "Traceback" not in e
    codes = [list(map(int, o.strip().splitlines()[-1].split()[1:])) for o, _ in outs]
    for r in range(rounds):
        pair = (codes[0][r], codes[1][r])
        assert sorted(pair) == [0, 2], f"round {r}: exit codes {pair}"
        d = tmp_path / f"out-{r}"
        import tomllib

        spec = tomllib.loads((d / "spec.toml").read_text())
        man = json.loads((d / "manifest.json").read_text())
        assert man["spec_hash"] == spec_hash(spec), f"round {r}: mixed folder"
        assert str(man["seed"]) == ("1" if pair[0] == 0 else "2")
        assert not (d / ".simbias.lock").exists()


def test_a_killed_run_does_not_block_its_directory(tmp_path, capsys):
    out = tmp_path / "o"
    args = ["run", "fprinciple-1d", "--set", "model.widths=[8]", "--set", "train.steps=1000000", "--set",
            "problem.n_train=16", "--set", "problem.n_test=32", "--no-figures", "--quiet", "--out", str(out)]
    p = subprocess.Popen([sys.executable, "-m", "simbias", *args], env=_env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.time()
        while not (out / "spec.toml").exists() and time.time() - t0 < 60:
            time.sleep(0.05)
        assert (out / "spec.toml").exists()
        import tomllib

        from simbias.errors import InputError
        from simbias.io import RunDir

        h = spec_hash(tomllib.loads((out / "spec.toml").read_text()))
        with pytest.raises(InputError, match="in use"):  # the live process holds it
            RunDir(out).claim(h)
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert (out / ".simbias.lock").exists()  # left by the killed process
    capsys.readouterr()
    quick = [a if a != "train.steps=1000000" else "train.steps=3" for a in args]
    assert main(quick) == 2 and "different run" in _one_line(capsys.readouterr().err)  # another spec is refused
    rd = RunDir(out)  # the same spec again: the dead process's lock does not block it
    rd.claim(h)
    rd.release()
    assert not (out / ".simbias.lock").exists()


def test_two_sweep_claims_exclude_each_other_and_rollback_removes_a_fresh_folder(tmp_path):
    from simbias.errors import InputError
    from simbias.io import SweepDir

    a, b = SweepDir(tmp_path / "s"), SweepDir(tmp_path / "s")
    assert a.claim("h", resume=False) is False
    with pytest.raises(InputError, match="in use"):
        b.claim("h", resume=False)
    a.rollback()
    assert not (tmp_path / "s").exists()


def test_sweep_refused_by_its_backend_after_the_claim_leaves_nothing(tmp_path, capsys):
    pytest.importorskip("submitit")
    out = tmp_path / "s"
    code = main(["sweep", "fprinciple-1d", *TINY, "--seeds", "2", "--backend", "slurm", "--slurm", "cluster=local",
                 "--slurm", "no_such_parameter=1", "--out", str(out)])
    assert code == 2 and "--slurm" in _one_line(capsys.readouterr().err)
    assert not out.exists()


@pytest.mark.slow  # a real process drawing real figures (~10 s)
def test_sigkill_while_drawing_figures_leaves_no_partial_figure_and_no_completed_manifest(tmp_path, capsys):
    out = tmp_path / "o"
    p = subprocess.Popen([sys.executable, "-m", "simbias", "run", "fprinciple-1d", *TINY, "--out", str(out)],
                         env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.time()
        while not list((out / "figures").glob(".tmp-*")) and p.poll() is None and time.time() - t0 < 120:
            time.sleep(0.01)
        assert p.poll() is None, "the run ended before its figures could be interrupted"
        time.sleep(0.3)
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert not (out / "manifest.json").exists()  # not "completed" without its report
    assert not (out / "report.html").exists()
    assert not [f for f in (out / "figures").iterdir() if ".tmp" in f.name and not f.name.startswith(".tmp-")]
    assert main(["report", str(out)]) == 0  # the next report sweeps the killed drawing's folder
    assert not list((out / "figures").glob(".tmp-*"))
