"""History.stack: same-shape runs as one ensemble history (member axis first)."""

import numpy as np

from simbias import History
from simbias.errors import Outcome


def _run(r):
    return History(steps=np.array([0, 5, 10]), arrays={"spectrum": np.arange(6.0).reshape(3, 2) + r},
                   static={"loss": np.full(10, float(r)), "frequencies": np.array([1.0, 2.0])},
                   info={"member": r, "steps_done": 10})


def test_stack_puts_the_member_axis_first():
    runs = [_run(r) for r in range(3)]
    h = History.stack(runs)
    assert h["spectrum"].shape == (3, 3, 2) and np.array_equal(h["spectrum"][2], runs[2]["spectrum"])
    assert h["loss"].shape == (3, 10) and np.array_equal(h["loss"][:, 0], [0.0, 1.0, 2.0])
    assert np.array_equal(h["frequencies"], [1.0, 2.0]) and np.array_equal(h.steps, [0, 5, 10])
    assert h.info == {"steps_done": 10, "n_members": 3, "member_static": ["loss"]}
    assert h.outcome == [Outcome.COMPLETED] * 3 and h.diverged_step == [None] * 3 and not h.diverged
    assert History.stack(runs, member_static=("frequencies",))["frequencies"].shape == (3, 2)
