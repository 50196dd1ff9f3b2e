"""Plain data passed between layers: the recorded history of a training run.

A :class:`History` holds NumPy arrays keyed by probe name.  Arrays of a single run have the
record axis first (``(n_records, ...)``); arrays of an ensemble have the member axis first
(``(n_members, n_records, ...)``).  ``steps`` holds the training step of every record.
Static (non-recorded) arrays such as the evaluation grid live in ``static``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import Outcome

__all__ = ["History"]


@dataclass
class History:
    """Arrays recorded during training.

    Attributes:
        steps: ``(n_records,)`` int array, the step at which each record was taken (step 0 is
            the initial state, before any update).
        arrays: recorded arrays by name, record axis first (member axis first for ensembles).
        static: arrays that do not change during training (grids, targets, peak indices).
        outcome: how the run ended (per member for ensembles: a list).
        diverged_step: step at which the loss became non-finite, or ``None``.
        info: small JSON-able facts about the run (wall time, steps done, ...).
    """

    steps: np.ndarray
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    static: dict[str, np.ndarray] = field(default_factory=dict)
    outcome: Outcome | list[Outcome] = Outcome.COMPLETED
    diverged_step: int | None | list[int | None] = None
    info: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.arrays:
            return self.arrays[name]
        if name in self.static:
            return self.static[name]
        raise KeyError(f"history has no array {name!r}; it has {sorted({*self.arrays, *self.static})}")

    def __contains__(self, name: str) -> bool:
        return name in self.arrays or name in self.static

    def to_npz_dict(self) -> dict[str, np.ndarray]:
        """Flat dict for ``np.savez``: ``steps``, recorded arrays, and ``static/<name>``."""
        out = {"steps": np.asarray(self.steps)}
        out.update({k: np.asarray(v) for k, v in self.arrays.items()})
        out.update({f"static/{k}": np.asarray(v) for k, v in self.static.items()})
        return out

    @classmethod
    def from_npz_dict(cls, data: dict[str, np.ndarray]) -> "History":
        arrays, static = {}, {}
        for k, v in data.items():
            if k == "steps":
                continue
            if k.startswith("static/"):
                static[k[len("static/"):]] = v
            else:
                arrays[k] = v
        return cls(steps=np.asarray(data["steps"]), arrays=arrays, static=static)
