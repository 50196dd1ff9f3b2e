"""SweepDir's member files, done rows, results.csv columns and task checkpoints (simbias.io)."""

import json

import numpy as np

from simbias import History
from simbias.io import SweepDir, read_csv


def _history(n: int = 3) -> History:
    return History(steps=np.arange(n), arrays={"loss": np.linspace(1.0, 0.5, n)})


def _write(sd: SweepDir, mid: str, outcome: str = "completed", history=None, summary=None):
    head = {"member_id": mid, "train.lr": 0.01, "seed": 1}
    return sd.write_member(mid, head, spec="seed = 1\n", summary=summary or {"loss": [0.5, 0.25], "best": {"step": 2}},
                           manifest={"spec_hash": mid, "outcome": outcome}, history=history)


def test_written_member_is_done_and_reads_back_the_same_row(tmp_path):
    sd = SweepDir(tmp_path)
    row = _write(sd, "m1", history=_history())
    assert row == {"member_id": "m1", "train.lr": 0.01, "seed": 1, "outcome": "completed", "loss[0]": 0.5,
                   "loss[1]": 0.25, "best.step": 2}
    files = sorted(p.name for p in sd.member("m1").path.iterdir())
    assert files == ["history.npz", "manifest.json", "spec.toml", "summary.json"]
    assert sd.is_done("m1") and sd.read_done("m1", {"member_id": "m1", "train.lr": 0.01, "seed": 1}) == row


def test_failed_member_is_not_done_and_a_retry_starts_clean(tmp_path):
    sd = SweepDir(tmp_path)
    _write(sd, "m1", history=_history())
    row = _write(sd, "m1", outcome="failed", summary={"x": 1})  # no history: the old history.npz goes
    assert row["outcome"] == "failed" and not sd.is_done("m1") and sd.read_done("m1", {}) is None
    assert sorted(p.name for p in sd.member("m1").path.iterdir()) == ["manifest.json", "spec.toml", "summary.json"]
    (sd.member("m1").path / "stray.txt").write_text("left over")
    _write(sd, "m1", outcome="diverged", history=_history())  # the failed try's folder is replaced whole
    assert sd.is_done("m1") and not (sd.member("m1").path / "stray.txt").exists()


def test_damaged_or_missing_files_are_not_done(tmp_path):
    sd = SweepDir(tmp_path)
    for mid in ("a", "b", "c", "d"):
        _write(sd, mid, history=_history())
    (sd.member("a").path / "summary.json").write_text("{not json")
    (sd.member("b").path / "history.npz").unlink()  # a completed member needs its history
    (sd.member("c").path / "history.npz").write_bytes(b"PK\x03\x04 truncated")
    assert [sd.read_done(m, {}) for m in "abc"] == [None, None, None]
    man = json.loads((sd.member("d").path / "manifest.json").read_text())
    assert man == {"spec_hash": "d", "outcome": "completed"} and sd.read_done("d", {}) is not None
    assert sd.read_done("never-written", {}) is None


def test_results_columns_come_first_then_the_rows_keys_in_order(tmp_path):
    sd = SweepDir(tmp_path)
    sd.write_results(["member_id", "seed", "outcome"], [])
    assert sd.results_file.read_text() == "member_id,seed,outcome\n"
    rows = [{"member_id": "a", "seed": 0, "outcome": "diverged", "loss": float("nan"), "diverged_step": 7},
            {"member_id": "b", "seed": 1, "outcome": "completed", "loss": 0.1, "peaks[0]": 3}]
    sd.write_results(["member_id", "seed", "outcome"], rows)
    cols, got = read_csv(sd.results_file)
    assert cols == ["member_id", "seed", "outcome", "loss", "diverged_step", "peaks[0]"]
    assert got[0]["loss"] == "" and got[0]["peaks[0]"] == "" and got[1]["diverged_step"] == ""
    assert got[1]["loss"] == "0.1" and got[1]["peaks[0]"] == "3"


def test_task_checkpoints_are_removed_one_by_one_then_the_folder(tmp_path):
    sd = SweepDir(tmp_path)
    for t in ("t1", "t2"):
        sd.checkpoint(t).parent.mkdir(exist_ok=True)
        sd.checkpoint(t).write_bytes(b"state")
    assert sd.checkpoint("t1") == tmp_path / "checkpoints" / "t1.pt"
    sd.remove_checkpoint("t1")
    assert not sd.checkpoint("t1").exists() and sd.checkpoint("t2").exists()
    sd.remove_checkpoint("t2")
    assert not (tmp_path / "checkpoints").exists()
    sd.remove_checkpoint("t2")  # nothing left: no error
    sd.checkpoint("t3").parent.mkdir()
    sd.checkpoint("t3").write_bytes(b"state")
    sd.remove_checkpoint()
    assert not (tmp_path / "checkpoints").exists()
