"""Sweeps: expansion, member ids, seeds, bucketing, consistency with `simbias run`, results.csv, resume.

A sweep member trains in a batch (fit_ensemble), `simbias run` alone (fit): they agree within the per-dtype
table of tests/helpers.py (float32: relative 1e-5 on every summary number and every recorded array), never
asserted bitwise (DESIGN.md "Exactness contract").
"""

import json
import shutil

import numpy as np
import pytest
import torch
from helpers import REL, assert_histories_close, assert_results_close

from simbias.errors import InputError
from simbias.experiments import (expand, load_sweep, make_sweep, plan, resolve_spec, run, run_sweep, to_dict)
from simbias.experiments._preflight import estimate_bytes
from simbias.io import SweepDir, read_csv, spec_hash

TINY = ["model.widths=[16]", "train.steps=60", "problem.n_train=64", "problem.n_test=100", "record.snapshot_every=20"]


def test_expansion_order_ids_and_seeds_are_deterministic():
    sw = make_sweep("fprinciple-1d", TINY, grid=["model.widths=[8],[16, 16]", "train.lr=1e-3,2e-3"], seeds=3)
    ms = expand(sw)
    assert len(ms) == 12
    assert [m.seed for m in ms[:4]] == [0, 1, 2, 0]  # seeds vary fastest
    assert [m.values["model.widths"] for m in ms[::6]] == [[8], [16, 16]]  # first grid key slowest
    assert [m.values["train.lr"] for m in ms[:6:3]] == [1e-3, 2e-3]
    again = expand(make_sweep("fprinciple-1d", TINY, grid=["model.widths=[8],[16, 16]", "train.lr=1e-3,2e-3"], seeds=3))
    assert [m.id for m in ms] == [m.id for m in again] and len({m.id for m in ms}) == 12
    # the id is the hash of the member's resolved spec: the same as `simbias run` with those overrides
    spec, _ = resolve_spec("fprinciple-1d", TINY + ["model.widths=[16,16]", "train.lr=2e-3", "seed=2"])
    assert ms[-1].id == spec_hash(to_dict(spec)) and ms[-1].spec == spec
    assert sw.hash == make_sweep("fprinciple-1d", TINY, grid=["model.widths=[8],[16, 16]", "train.lr=1e-3,2e-3"],
                                 seeds=3).hash


def test_zip_and_seed_axes():
    sw = make_sweep("fprinciple-1d", TINY, grid=["seed=3,5"], zip=["train.lr=1e-3,2e-3", "model.init_t=0.5,1.0"])
    ms = expand(sw)
    assert [(m.values["train.lr"], m.values["model.init_t"], m.seed) for m in ms] == [
        (1e-3, 0.5, 3), (2e-3, 1.0, 3), (1e-3, 0.5, 5), (2e-3, 1.0, 5)]
    assert sw.keys == ["train.lr", "model.init_t"]
    no_seeds = expand(make_sweep("fprinciple-1d", TINY + ["seed=7"], grid=["train.lr=1e-3,2e-3"]))
    assert [m.seed for m in no_seeds] == [7, 7]


@pytest.mark.parametrize("kw,match", [
    ({"grid": ["model.width=[8]"]}, "not a spec key"),
    ({"grid": ["train.lr=fast,1e-3"]}, "train.lr"),
    ({"grid": ["model.widths=[8],abc"]}, "model.widths"),
    ({"grid": ["train.lr="]}, "has no values"),
    ({"grid": ["train.lr"]}, "not key="),
    ({}, "the sweep is empty"),
    ({"zip": ["train.lr=1e-3,2e-3", "seed=1,2,3"]}, "differ in length"),
    ({"grid": ["seed=1,2"], "seeds": 2}, "already names seed"),
    ({"grid": ["train.lr=1e-3,0.001"]}, "same run"),
    ({"grid": ["train.lr=1e-3", "train.lr=2e-3"]}, "swept twice"),
    ({"seeds": 0}, "positive"),
    ({"grid": ["problem.target=sin(x),import os"]}, None),
])
def test_bad_sweeps_raise_one_line_input_errors(kw, match):
    if match is None:  # a bad target is found when the spec is validated (at the latest when planned), before training
        with pytest.raises(InputError) as exc:
            plan(expand(make_sweep("fprinciple-1d", TINY, **kw)))
    else:
        with pytest.raises(InputError, match=match) as exc:
            make_sweep("fprinciple-1d", TINY, **kw)
    assert "\n" not in str(exc.value)


def test_buckets_group_by_shape_and_split_to_budget():
    sw = make_sweep("fprinciple-1d", TINY, grid=["model.widths=[8],[16]", "train.lr=1e-3,2e-3", "model.init_t=0.5,1"],
                    seeds=2)
    ms = expand(sw)
    tasks = plan(ms)
    assert [len(t.members) for t in tasks] == [8, 8] and all(t.engine == "ensemble" for t in tasks)
    assert {tuple(m.spec.model.widths) for m in tasks[0].members} == {(8,)}
    assert [len(t.members) for t in plan(ms, bucket_size=3)] == [3, 3, 2, 3, 3, 2]
    per = estimate_bytes(ms[0].spec)[0]
    sizes = [len(t.members) for t in plan(ms, memory_budget=4 * per)]  # width-8 members take `per` bytes each
    assert sizes[:2] == [4, 4] and max(sizes[2:]) < 4 and sum(sizes) == 16
    assert [len(t.members) for t in plan(ms, engine="sequential")] == [1] * 16
    mixed = make_sweep("fprinciple-1d", TINY, grid=["train.batch_size=16,64"], seeds=2)  # mini-batches run alone
    assert [(len(t.members), t.engine) for t in plan(expand(mixed))] == [(1, "sequential"), (1, "sequential"),
                                                                         (2, "ensemble")]


@pytest.mark.numerics
def test_sweep_member_equals_simbias_run(tmp_path):
    """The consistency contract, on the issue's configuration: widths [32, 32], 200 steps, float32."""
    base = ["model.widths=[32,32]", "train.steps=200"]
    sw = make_sweep("fprinciple-1d", base, grid=["train.lr=1e-3"], seeds=2)
    res = run_sweep(sw, tmp_path / "sw")
    assert res.counts["completed"] == 2
    sd = SweepDir(tmp_path / "sw")
    for m in expand(sw):
        spec, _ = resolve_spec("fprinciple-1d", base + [f"train.lr={m.spec.train.lr}", f"seed={m.seed}"])
        ref, _ = run(spec, tmp_path / f"run-{m.index}")
        got, manifest = sd.read_member(m.id)
        assert manifest["spec_hash"] == m.id and manifest["outcome"] == "completed"
        want = json.loads((tmp_path / f"run-{m.index}" / "summary.json").read_text())
        assert got.keys() == want.keys()
        for k, v in want.items():
            a, b = np.array(v, dtype=float), np.array(got[k], dtype=float)  # None → nan
            np.testing.assert_allclose(b, a, rtol=REL[torch.float32], atol=0, equal_nan=True, err_msg=k)
        assert_histories_close(tmp_path / f"run-{m.index}" / "history.npz", sd.member(m.id).path / "history.npz")
        run_files = sorted(p.name for p in (tmp_path / f"run-{m.index}").iterdir())
        assert sorted(p.name for p in sd.member(m.id).path.iterdir()) == run_files  # the same files, no figures


@pytest.mark.numerics
def test_sequential_engine_and_results_csv(tmp_path):
    sw = make_sweep("fprinciple-1d", TINY, grid=["model.widths=[8],[12]"], seeds=2)
    a = run_sweep(sw, tmp_path / "ens", bucket_size=3)
    b = run_sweep(sw, tmp_path / "seq", engine="sequential")
    assert a.counts == b.counts == {"completed": 4, "diverged": 0, "failed": 0}
    assert_results_close(tmp_path / "ens" / "results.csv", tmp_path / "seq" / "results.csv")  # batched ≈ alone
    cols, rows = read_csv(tmp_path / "ens" / "results.csv")
    assert cols[:4] == ["member_id", "model.widths", "seed", "outcome"]
    assert "converged_step[0]" in cols and "final_train_loss" in cols and "frequencies[1]" in cols
    assert [r["model.widths"] for r in rows] == ["[8]", "[8]", "[12]", "[12]"] and rows[1]["seed"] == "1"
    assert load_sweep(tmp_path / "ens").hash == sw.hash


def test_diverged_member_is_an_outcome_not_a_crash(tmp_path):
    sw = make_sweep("fprinciple-1d", TINY, grid=["train.lr=1e-3,1e25"])
    res = run_sweep(sw, tmp_path / "sw")
    assert res.counts == {"completed": 1, "diverged": 1, "failed": 0}
    cols, rows = read_csv(tmp_path / "sw" / "results.csv")
    assert [r["outcome"] for r in rows] == ["completed", "diverged"] and rows[1]["diverged_step"] != ""


@pytest.mark.numerics
def test_resume_finishes_only_what_is_missing(tmp_path):
    sw = make_sweep("fprinciple-1d", TINY, grid=["train.lr=1e-3,2e-3,3e-3"], seeds=2)
    full = tmp_path / "full"
    run_sweep(sw, full, bucket_size=2)  # three tasks of two members
    part = tmp_path / "part"
    shutil.copytree(full, part)
    ms = expand(sw)
    sd = SweepDir(part)
    shutil.rmtree(sd.member(ms[1].id).path)                 # never started
    (sd.member(ms[4].id).path / "manifest.json").unlink()   # killed before its done-marker
    (part / "results.csv").write_text("member_id\nhalf-writ")
    before = {m.id: (sd.member(m.id).path / "history.npz").read_bytes() for m in ms if m.index in (0, 5)}
    res = run_sweep(sw, part, resume=True, bucket_size=2)
    assert res.skipped == 4 and res.counts["completed"] == 6
    # members 1 and 4 are retrained in their planned tasks {0, 1} and {4, 5}; 0 and 5 are not rewritten
    assert all((sd.member(i).path / "history.npz").read_bytes() == b for i, b in before.items())
    assert (part / "results.csv").read_text() == (full / "results.csv").read_text()  # byte for byte
    with pytest.raises(InputError, match="different sweep"):
        run_sweep(make_sweep("fprinciple-1d", TINY, grid=["train.lr=1e-3,2e-3"]), part, resume=True)
    with pytest.raises(InputError, match="different sweep"):
        run_sweep(make_sweep("fprinciple-1d", TINY, grid=["train.lr=1e-3,2e-3"]), part)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="other files"):
        run_sweep(sw, tmp_path / "other", resume=True)


def test_backend_arguments_are_checked(tmp_path):
    sw = make_sweep("fprinciple-1d", TINY, seeds=1)
    with pytest.raises(InputError, match="--backend"):
        run_sweep(sw, tmp_path / "a", backend="dask")
    with pytest.raises(InputError, match="--address"):
        run_sweep(sw, tmp_path / "a", address="127.0.0.1:6379")
    with pytest.raises(InputError, match="--workers"):
        run_sweep(sw, tmp_path / "a", workers=2)
