"""io's checkpoints: state files, history packing, the jobs' RNG state, and the checkpointing keywords."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from simbias import History
from simbias.errors import InputError, Outcome
from simbias.io import (checkpoint_interval, checkpointing, load_state, pack_history, rng_state, save_state,
                        set_rng_state, unpack_history)


def test_pack_history_round_trips_arrays_outcome_and_info(tmp_path):
    h = History(steps=np.arange(4), arrays={"loss": np.array([[4.0, 3, 2, 1], [1, 1, 1, 1]])})
    h.outcome, h.diverged_step, h.info = [Outcome("completed"), Outcome("diverged")], 3, {"note": "x"}
    save_state(tmp_path / "c.pt", {"h": pack_history(h)})  # survives torch.save/load(weights_only=True)
    got = unpack_history(load_state(tmp_path / "c.pt")["h"])
    assert np.array_equal(got.steps, h.steps) and np.array_equal(got["loss"], h["loss"])
    assert got.outcome == h.outcome and got.diverged_step == 3 and got.info == {"note": "x"}


def test_rng_state_restores_the_global_rng_and_every_generator_the_jobs_hold():
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
    jobs = [SimpleNamespace(options={"generator": g1}, problem=SimpleNamespace(sampler=g2, other=3)),
            SimpleNamespace(options={"generator": g1}, problem=None)]  # g1 counted once
    state = rng_state(jobs)
    assert len(state["generators"]) == 2
    first = [torch.rand(3), torch.rand(3, generator=g1), torch.rand(3, generator=g2)]
    set_rng_state(state, jobs)
    again = [torch.rand(3), torch.rand(3, generator=g1), torch.rand(3, generator=g2)]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    with pytest.raises(InputError, match="generators differ"):
        set_rng_state(state, jobs[1:])


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
