"""spectral.converged_steps against a naive per-column loop."""

import numpy as np
import pytest

from simbias.spectral import converged_steps


def _naive(steps, errors, threshold):
    first, stays = [], []
    for col in np.asarray(errors).T:
        below = [e < threshold for e in col]
        first.append(next((int(s) for s, b in zip(steps, below) if b), None))
        start = None
        for i in range(len(below) - 1, -1, -1):  # walk back over the final run of records below
            if not below[i]:
                break
            start = int(steps[i])
        stays.append(start)
    return first, stays


@pytest.mark.parametrize("seed", range(5))
def test_converged_steps_matches_a_naive_loop(seed):
    rng = np.random.default_rng(seed)
    steps = np.cumsum(rng.integers(1, 5, size=30))
    errors = np.abs(rng.normal(0.2, 0.2, size=(30, 4)))
    assert converged_steps(steps, errors, 0.15) == _naive(steps, errors, 0.15)


def test_never_below_and_always_below():
    steps = np.array([0, 5, 10])
    errors = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    assert converged_steps(steps, errors, 0.5) == ([None, 0], [None, 0])


def test_the_threshold_itself_is_not_below():
    assert converged_steps(np.array([0, 1]), np.array([[0.1], [0.1]]), 0.1) == ([None], [None])


def test_inclusive_counts_the_threshold_itself():
    steps, errors = np.array([0, 1, 2]), np.array([[0.3], [0.1], [0.05]])
    assert converged_steps(steps, errors, 0.1, inclusive=True) == ([1], [1])
    assert converged_steps(steps, errors, 0.1) == ([2], [2])
