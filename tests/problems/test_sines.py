"""problems.sine_sum / sine_amplitudes (Rahaman et al. 2019 target) against the formula written out."""

import math

import numpy as np
import pytest
import torch

from simbias.problems import sine_amplitudes, sine_sum


def test_amplitude_profiles():
    assert sine_amplitudes(4, "equal", 2.0).tolist() == [2.0] * 4
    np.testing.assert_allclose(sine_amplitudes(10, "increasing"), 0.1 * np.arange(1, 11))
    np.testing.assert_allclose(sine_amplitudes(3, "increasing", 2.0), [0.2, 0.4, 0.6])


def test_sine_sum_is_the_formula_with_phases_from_the_seed():
    ks, amps, n = [2, 5, 7], [1.0, 0.5, 0.25], 32
    r = sine_sum(ks, amps, n_points=n, seed=11, dtype=torch.float64)
    phases = np.random.default_rng(11).uniform(0.0, 2 * math.pi, size=3)
    for i in range(n):  # naive oracle, one point at a time
        x = i / n
        want = sum(a * math.sin(2 * math.pi * k * x + p) for k, a, p in zip(ks, amps, phases))
        assert float(r.x_train[i, 0]) == x and float(r.y_train[i, 0]) == pytest.approx(want, abs=1e-12)
    assert torch.equal(r.x_test, r.x_train) and torch.equal(r.y_test, r.y_train) and r.uniform
    assert not torch.equal(r.y_train, sine_sum(ks, amps, n_points=n, seed=12, dtype=torch.float64).y_train)
    assert sine_sum(ks, amps).y_train.dtype == torch.float32
