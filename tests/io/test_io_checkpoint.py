"""io's checkpoints: state files and the checkpointing keywords (the state itself: tests/train/test_fit_jobs.py)."""

from types import SimpleNamespace

import pytest
import torch

from simbias.errors import InputError
from simbias.io import checkpoint_interval, checkpointing, load_state, save_state


def test_load_state_refuses_damaged_foreign_and_mismatched_files(tmp_path):
    p = tmp_path / "checkpoint.pt"
    p.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="cannot read"):
        load_state(p)
    torch.save({"format": 999}, p)
    with pytest.raises(InputError, match="not a simbias checkpoint"):
        load_state(p)
    save_state(p, {"task": 3})
    assert load_state(p, task=3)["task"] == 3
    with pytest.raises(InputError, match="another task"):
        load_state(p, task=4)


def test_checkpointing_keywords(tmp_path):
    p = tmp_path / "checkpoint.pt"
    jobs = [SimpleNamespace(steps=100), SimpleNamespace(steps=30_000)]
    p.write_bytes(b"stale")
    assert checkpointing(p, jobs[:1], "auto", resume=False) == {} and not p.exists()  # stale file removed
    kw = checkpointing(p, jobs, "auto", resume=True, spec_hash="ab")  # nothing to resume: a fresh start
    assert kw["checkpoint_every"] == checkpoint_interval("auto", 30_000) and "resume" not in kw
    kw["on_checkpoint"]({"step": 5})
    kw = checkpointing(p, jobs, 7, resume=True, spec_hash="ab")
    assert kw["checkpoint_every"] == 7 and kw["resume"]["step"] == 5 and kw["resume"]["spec_hash"] == "ab"
    with pytest.raises(InputError, match="another spec_hash"):
        checkpointing(p, jobs, 7, resume=True, spec_hash="cd")
    with pytest.raises(InputError, match="--checkpoint-every"):
        checkpoint_interval(-1, 10)
