"""The 1-D Frequency Principle experiment (arXiv 1807.01251, 1901.06523).

Train an MLP on a 1-D target sampled on a uniform grid, record Δ_F(k) = |ĥ_k − f̂_k| / |f̂_k| at
the peaks of the target's DFT at every step, and report the step at which each peak converges.
With label noise (``problem.noise_std > 0``, papers.md T11) it also tracks the error against the
clean target on a dense grid, whose minimum marks the early-stopping point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .. import train
from ._common import (MLPSpec, RecordSpec, RegressionSpec, TrainSpec, build_mlp, build_optimizer, build_record,
                      build_regression, converged_steps, seeds_for, torch_dtype)
from ._registry import BaseSpec, Result, register

__all__ = ["FPrincipleSpec", "run_fprinciple", "fprinciple_summary"]


@dataclass(frozen=True)
class FPrincipleSpec(BaseSpec):
    experiment: str = "fprinciple"
    problem: RegressionSpec = field(default_factory=RegressionSpec)
    model: MLPSpec = field(default_factory=MLPSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    record: RecordSpec = field(default_factory=RecordSpec)


def fprinciple_summary(history, threshold: float) -> dict:
    """The F-Principle headline numbers of a history with ``peak_error`` (and optionally ``test_error``)."""
    steps = history.steps
    out: dict = {}
    if "peak_error" in history:
        err = history["peak_error"]
        first, stays = converged_steps(steps, err, threshold)
        out["frequencies"] = [round(float(f), 6) for f in history["peak_frequencies"]]
        out["peak_indices"] = [int(k) for k in history["peaks"]]
        out["converged_step"] = first
        out["stays_converged_step"] = stays
        out["final_peak_error"] = [float(e) for e in err[-1]]
    out["threshold"] = float(threshold)
    if "train_loss" in history:
        out["final_train_loss"] = float(history["train_loss"][-1])
    if "test_error" in history:
        te = history["test_error"]
        snap = history["snapshot_steps"]
        i = int(np.nanargmin(te))
        out["best_test_step"] = int(snap[i])
        out["best_test_error"] = float(te[i])
        out["final_test_error"] = float(te[-1])
    return out


@register("fprinciple", FPrincipleSpec, "1-D Frequency Principle: Δ_F at the target's DFT peaks over training")
def run_fprinciple(spec: FPrincipleSpec, *, device="cpu", progress=False) -> Result:
    dtype = torch_dtype(spec.dtype)
    seeds = seeds_for(spec.seed)
    problem = build_regression(spec.problem, seeds=seeds, dtype=dtype, device=device)
    model = build_mlp(spec.model, problem.in_features, problem.out_features, seed=seeds["init"], dtype=dtype, device=device)
    opt = build_optimizer(spec.train, model.parameters())
    probes = (train.TrainLoss(), train.PeakError(kind=spec.record.error_kind, max_peaks=spec.record.max_peaks),
              train.TestError(), train.Snapshots())
    record = build_record(spec.record, probes)
    gen = torch.Generator().manual_seed(seeds["batches"])
    history = train.fit(model, problem, opt, steps=spec.train.steps, loss=spec.train.loss,
                        derivative_weight=spec.train.derivative_weight, batch_size=spec.train.batch_size,
                        record=record, generator=gen, progress=progress, lr_decay=spec.train.lr_decay)
    if history.diverged:
        raise history.divergence_error(summary=fprinciple_summary(history, spec.record.threshold))
    summary = fprinciple_summary(history, spec.record.threshold)
    head = [f"peaks at ω ≈ {summary['frequencies']} converged (Δ_F < {spec.record.threshold}) at steps "
            f"{summary['converged_step']}", f"final train loss {summary['final_train_loss']:.3e}"]
    if spec.problem.noise_std > 0:
        head.append(f"best test error {summary['best_test_error']:.3e} at step {summary['best_test_step']}, "
                    f"final {summary['final_test_error']:.3e}")
    return Result(history, summary, head)
