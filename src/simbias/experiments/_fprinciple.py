"""The 1-D Frequency Principle experiment (arXiv 1807.01251, 1901.06523).

Train an MLP on a 1-D target sampled on a uniform grid, record Δ_F(k) = |ĥ_k − f̂_k| / |f̂_k| at
the peaks of the target's DFT at every step, and report the step at which each peak converges.
With label noise (``problem.noise_std > 0``, papers.md T11) it also tracks the error against the
clean target on a dense grid, whose minimum marks the early-stopping point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import train
from ._common import (MLPSpec, RecordSpec, RegressionSpec, TrainSpec, build_mlp, build_record, build_regression,
                      converged_steps, seeds_for, torch_dtype)
from ._fp_data import train_fit
from ._kind import Fit, Kind, Plan, register_kind
from ._registry import BaseSpec

__all__ = ["FPrincipleSpec", "FPRINCIPLE", "build_fprinciple", "fprinciple_summary", "band_summary", "peak_fit"]


@dataclass(frozen=True)
class FPrincipleSpec(BaseSpec):
    """Spec of ``fprinciple``: the 1-D Frequency Principle (arXiv 1807.01251, 1901.06523).

    An MLP trained on a 1-D target sampled on a uniform grid; Δ_F(k) = |ĥ_k − f̂_k| / |f̂_k| at the
    peaks k of the target's DFT is recorded over training (module docstring).
    ``description``, ``seed`` and ``dtype`` are the keys every kind has (see
    :class:`~simbias.experiments.BaseSpec`).

    Parameters
    ----------
    experiment : str, default "fprinciple"
        The experiment kind (see ``simbias list``).
    problem : RegressionSpec
        The target and its sampling (``problem.*``).
    model : MLPSpec
        The fully connected network (``model.*``).
    train : TrainSpec
        Optimiser, loss and number of steps (``train.*``).
    record : RecordSpec
        What is recorded and when, and the Δ_F convergence threshold (``record.*``).

    Examples
    --------
    >>> from simbias.experiments import FPrincipleSpec, from_dict
    >>> spec = from_dict(FPrincipleSpec, {"seed": 1, "train": {"steps": 500}})
    >>> spec.train.steps, spec.train.lr, spec.model.widths
    (500, 0.001, (200, 200, 200, 100))
    """

    experiment: str = "fprinciple"
    problem: RegressionSpec = field(default_factory=RegressionSpec)
    model: MLPSpec = field(default_factory=MLPSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    record: RecordSpec = field(default_factory=RecordSpec)


def band_summary(history, threshold: float, *, key: str = "band_error", freq_key: str = "band_frequencies",
                 final: str = "final_band_error") -> dict:
    """F-Principle-format numbers of a per-band (or per-peak) error history (rows = records)."""
    err = history[key]
    first, stays = converged_steps(history.steps, err, threshold)
    return {"frequencies": [round(float(f), 6) for f in history[freq_key]], "converged_step": first,
            "stays_converged_step": stays, "threshold": float(threshold), final: [float(e) for e in err[-1]]}


def fit_summary(history) -> dict:
    """The final training loss (and accuracy) of a history: ``final_train_loss``, ``final_train_accuracy``."""
    return {f"final_{k}": float(history[k][-1]) for k in ("train_loss", "train_accuracy") if k in history}


def fprinciple_summary(history, threshold: float) -> dict:
    """The F-Principle headline numbers of a history with ``peak_error`` (and optionally ``test_error``)."""
    out: dict = {"threshold": float(threshold)}
    if "peak_error" in history:
        out = {**band_summary(history, threshold, key="peak_error", freq_key="peak_frequencies",
                              final="final_peak_error"), "peak_indices": [int(k) for k in history["peaks"]]}
    out.update(fit_summary(history))
    if "test_error" in history:
        te = history["test_error"]
        i = int(np.nanargmin(te))
        out.update(best_test_step=int(history["snapshot_steps"][i]), best_test_error=float(te[i]),
                   final_test_error=float(te[-1]))
    return out


def peak_fit(spec, device: str) -> tuple[Fit, dict[str, int]]:
    """The job of a 1-D regression kind (``problem``, ``model``, ``record`` sections as ``fprinciple``'s)
    before its optimiser is set: the MLP, the target, the Δ_F/test-error/snapshot probes; and the seeds."""
    dtype, seeds = torch_dtype(spec.dtype), seeds_for(spec.seed)
    problem = build_regression(spec.problem, seeds=seeds, dtype=dtype, device=device)
    model = build_mlp(spec.model, problem.in_features, problem.out_features, seed=seeds["init"], dtype=dtype, device=device)
    probes = (train.TrainLoss(), train.PeakError(kind=spec.record.error_kind, max_peaks=spec.record.max_peaks),
              train.TestError(), train.Snapshots())
    return Fit(model, problem, steps=spec.train.steps, record=build_record(spec.record, probes)), seeds


def build_fprinciple(spec: FPrincipleSpec, device: str = "cpu") -> Plan:
    """The model, data, optimiser and probes of one F-Principle run."""
    f, seeds = peak_fit(spec, device)
    return Plan([train_fit(spec.train, f.model, f.problem, f.record, seed=seeds["batches"])])


def fprinciple_headline(spec: FPrincipleSpec, summary: dict) -> list[str]:
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


FPRINCIPLE = register_kind(Kind("fprinciple", FPrincipleSpec, build_fprinciple,
                                lambda spec, plan, history: fprinciple_summary(history, spec.record.threshold),
                                "1-D Frequency Principle: Δ_F at the target's DFT peaks over training",
                                headline=fprinciple_headline))
