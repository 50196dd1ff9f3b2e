"""Per-kind ensemble runners: train a bucket of same-shape sweep members with ``fit_ensemble``.

An experiment kind plugs into sweeps with :func:`register_ensemble`::

    register_ensemble("fprinciple", run_fprinciple_ensemble, static_key=fprinciple_static_key,
                      member_bytes=fprinciple_member_bytes)

* ``static_key(spec)`` returns a hashable key; members with equal keys have one static shape
  and may be trained in lockstep (so it holds everything that fixes tensor shapes or the training
  schedule: widths, data sizes, steps, optimiser kind, record schedule, dtype …; per-member values
  such as the seed, learning rate, initial scale or target stay out of it).  ``None`` means "run
  this member on its own" (e.g. mini-batch training, an optimiser without an ensemble version).
  It is called for every member before anything trains, so it is also the place for cheap
  validation that would otherwise fail mid-sweep (e.g. parsing the target expression).
* ``runner(specs, *, device, on_step, chunk_size)`` returns one :class:`MemberResult` per spec, in
  order; ``on_step(k)`` reports ``k`` member-steps of progress.  The member results must equal
  what the kind's ordinary runner gives for each spec alone (up to float rounding).
* ``member_bytes(spec)`` (optional) estimates one member's memory in a bucket; sweeps split
  buckets to a memory budget with it.

Kinds without an ensemble runner are swept one member at a time (:func:`run_member`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .. import problems, train
from ..errors import DivergenceError, Outcome
from ..results import History
from ._common import build_mlp, build_record, build_regression, seeds_for, torch_dtype
from ._fprinciple import FPrincipleSpec, fprinciple_summary
from ._registry import EXPERIMENTS, Result

__all__ = ["MemberResult", "register_ensemble", "run_member", "run_members", "run_fprinciple_ensemble",
           "fprinciple_static_key", "fprinciple_member_bytes", "static_key_of"]


@dataclass
class MemberResult:
    """What one sweep member produced: the result (possibly partial), its outcome and timing."""

    result: Result
    outcome: Outcome
    diverged_step: int | None = None
    wall_time_s: float = 0.0
    error: str | None = None
    bucket_size: int = 1


def register_ensemble(kind: str, runner: Callable[..., list[MemberResult]], *, static_key: Callable[[Any], Any],
                      member_bytes: Callable[[Any], int] | None = None) -> None:
    """Attach an ensemble runner (and its bucket key) to the registered experiment ``kind``."""
    exp = EXPERIMENTS[kind]
    EXPERIMENTS[kind] = dataclasses.replace(exp, ensemble_runner=runner, static_key=static_key, member_bytes=member_bytes)


def static_key_of(spec) -> Any:
    """The bucket key of ``spec`` (``None``: no ensemble runner, or the member must run alone)."""
    exp = EXPERIMENTS[spec.experiment]
    if exp.ensemble_runner is None or exp.static_key is None:
        return None
    key = exp.static_key(spec)
    return None if key is None else (spec.experiment, key)


def _empty_history() -> History:
    return History(steps=np.zeros(0, dtype=np.int64))


def _steps_of(spec) -> int:
    return int(getattr(getattr(spec, "train", None), "steps", 1) or 1)


def run_member(spec, *, device: str = "cpu") -> MemberResult:
    """Run one member through its kind's ordinary runner (what ``simbias run`` does), catching
    divergence as an outcome and other run failures as ``failed``."""
    exp = EXPERIMENTS[spec.experiment]
    t0 = time.perf_counter()
    try:
        result = exp.runner(spec, device=device, progress=False)
    except DivergenceError as exc:
        hist = getattr(exc, "history", None) or _empty_history()
        summary = {**getattr(exc, "summary", {}), "diverged_step": exc.step}
        return MemberResult(Result(hist, summary, [str(exc)]), Outcome.DIVERGED, exc.step, time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - one failing member is an outcome, not the end of the sweep
        return MemberResult(Result(_empty_history(), {}, []), Outcome.FAILED, None,
                            time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}")
    return MemberResult(result, Outcome.COMPLETED, None, time.perf_counter() - t0)


def run_members(specs: Sequence[Any], *, engine: str = "ensemble", device: str = "cpu",
                on_step: Callable[[int], None] | None = None, chunk_size: int | None = None) -> list[MemberResult]:
    """Run a bucket: with its kind's ensemble runner when ``engine="ensemble"`` and the members
    share a static key, else one at a time.  An exception inside an ensemble marks every member of
    the bucket ``failed`` (a resumed sweep retries them)."""
    specs = list(specs)
    exp = EXPERIMENTS[specs[0].experiment]
    keys = {static_key_of(s) for s in specs} if engine == "ensemble" else {None}
    if len(keys) == 1 and None not in keys and exp.ensemble_runner is not None:
        t0 = time.perf_counter()
        try:
            return exp.ensemble_runner(specs, device=device, on_step=on_step, chunk_size=chunk_size)
        except Exception as exc:  # noqa: BLE001
            msg = f"{type(exc).__name__}: {exc}"
            empty = Result(_empty_history(), {}, [])
            return [MemberResult(empty, Outcome.FAILED, None, time.perf_counter() - t0, error=msg,
                                 bucket_size=len(specs)) for _ in specs]
    out = []
    for s in specs:
        out.append(run_member(s, device=device))
        if on_step is not None:
            on_step(_steps_of(s))
    return out


# --------------------------------------------------------------------------------------------
# fprinciple
# --------------------------------------------------------------------------------------------

def fprinciple_static_key(spec: FPrincipleSpec):
    """Everything that fixes shapes or the schedule of an F-Principle run."""
    p, m, t, r = spec.problem, spec.model, spec.train, spec.record
    problems.parse_expression(p.target, dim=1, name="problem.target")  # fail before training, not mid-sweep
    if t.batch_size is not None and t.batch_size < p.n_train:
        return None  # per-member mini-batches: run alone
    if t.optimizer not in train.ENSEMBLE_OPTIMIZERS:
        return None
    return (spec.dtype, tuple(m.widths), m.activation, m.output_bias, p.n_train, p.n_test, t.optimizer,
            t.momentum if t.optimizer == "sgd" else None, t.steps, t.loss,
            t.derivative_weight if t.loss != "mse" else None, t.lr_decay, r.every, r.log_points, r.snapshot_every,
            r.error_kind, r.max_peaks)


def fprinciple_member_bytes(spec: FPrincipleSpec) -> int:
    """Rough bytes of one member in a bucket: parameters with gradient and Adam state, the
    activations of a step, the data, and the recorded history."""
    p, m, t, r = spec.problem, spec.model, spec.train, spec.record
    size = torch_dtype(spec.dtype).itemsize
    sizes = [1, *m.widths, 1]
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    acts = 3 * p.n_train * sum(m.widths)
    records = t.steps // max(1, r.every) + (r.log_points or 0) + 2
    snaps = t.steps // max(1, r.snapshot_every or max(1, t.steps // 50)) + 2
    history = 8 * records * (2 + (r.max_peaks or 8)) + size * snaps * (p.n_test + p.n_train + 1)
    return int(4 * n_params * size + acts * size + 4 * (p.n_train + p.n_test) * size + history)


def _headline(summary: dict, spec: FPrincipleSpec) -> list[str]:
    head = []
    if "frequencies" in summary:
        head.append(f"peaks at ω ≈ {summary['frequencies']} converged (Δ_F < {spec.record.threshold}) at steps "
                    f"{summary['converged_step']}")
    if "final_train_loss" in summary:
        head.append(f"final train loss {summary['final_train_loss']:.3e}")
    if spec.problem.noise_std > 0 and "best_test_error" in summary:
        head.append(f"best test error {summary['best_test_error']:.3e} at step {summary['best_test_step']}, "
                    f"final {summary['final_test_error']:.3e}")
    return head


def run_fprinciple_ensemble(specs: Sequence[FPrincipleSpec], *, device: str = "cpu",
                            on_step: Callable[[int], None] | None = None,
                            chunk_size: int | None = None) -> list[MemberResult]:
    """Train F-Principle members of one static key together (see :func:`fit_ensemble`).

    Each member is built exactly as :func:`run_fprinciple` builds it (same seeds, data, init);
    members whose labels have different DFT peaks are trained in separate ensembles.
    """
    specs = list(specs)
    s0 = specs[0]
    dtype = torch_dtype(s0.dtype)
    probs, models = [], []
    for spec in specs:
        seeds = seeds_for(spec.seed)
        pr = build_regression(spec.problem, seeds=seeds, dtype=dtype, device=device)
        probs.append(pr)
        models.append(build_mlp(spec.model, pr.in_features, pr.out_features, seed=seeds["init"], dtype=dtype,
                                device=device))
    # group by DFT peaks (the per-frequency probe needs one set of peaks per ensemble)
    groups: dict[tuple, list[int]] = {}
    for i, pr in enumerate(probs):
        peaks = train.PeakError(kind=s0.record.error_kind, max_peaks=s0.record.max_peaks).setup(None, pr)["peaks"]
        groups.setdefault(tuple(int(k) for k in peaks), []).append(i)
    out: list[MemberResult | None] = [None] * len(specs)
    for idx in groups.values():
        t0 = time.perf_counter()
        ens = train.Ensemble([models[i] for i in idx])
        t = s0.train
        opts = {"momentum": t.momentum} if t.optimizer == "sgd" and t.momentum else {}
        opt = train.make_ensemble_optimizer(t.optimizer, ens, lr=[specs[i].train.lr for i in idx], **opts)
        probes = (train.TrainLoss(), train.PeakError(kind=s0.record.error_kind, max_peaks=s0.record.max_peaks),
                  train.TestError(), train.Snapshots())
        record = build_record(s0.record, probes)
        k = len(idx)
        hist = train.fit_ensemble(ens, train.stack_problems([probs[i] for i in idx]), opt, steps=t.steps, loss=t.loss,
                                  derivative_weight=t.derivative_weight, record=record, lr_decay=t.lr_decay,
                                  on_step=None if on_step is None else (lambda _s: on_step(k)), chunk_size=chunk_size)
        wall = time.perf_counter() - t0
        for j, i in enumerate(idx):
            h = train.member_history(hist, j)
            d = hist.diverged_step[j]
            try:
                summary = fprinciple_summary(h, specs[i].record.threshold)
            except (IndexError, ValueError):  # nothing recorded before an immediate divergence
                summary = {"threshold": float(specs[i].record.threshold)}
            if d is not None:
                summary = {**summary, "diverged_step": d}
                res = Result(h, summary, [f"training diverged at step {d}; lower train.lr"])
                out[i] = MemberResult(res, Outcome.DIVERGED, d, wall, bucket_size=k)
            else:
                out[i] = MemberResult(Result(h, summary, _headline(summary, specs[i])), Outcome.COMPLETED, None, wall,
                                      bucket_size=k)
    return out  # type: ignore[return-value]


register_ensemble("fprinciple", run_fprinciple_ensemble, static_key=fprinciple_static_key,
                  member_bytes=fprinciple_member_bytes)
