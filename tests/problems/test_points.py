"""problems.point_regression and box_regression: the point data sets of the two-layer kinds."""

import numpy as np
import pytest
import torch

from simbias.errors import InputError
from simbias.problems import box_regression, point_regression


def test_grid_points_of_a_target_with_a_wider_evaluation_grid():
    p = point_regression("x**2", domain=(-1.0, 1.0), n_train=5, n_test=7, test_domain=(-1.5, 1.5),
                         dtype=torch.float64)
    assert p.x_train[:, 0].tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert p.x_test[:, 0].tolist() == pytest.approx(np.linspace(-1.5, 1.5, 7).tolist())
    torch.testing.assert_close(p.y_train, p.x_train ** 2)
    torch.testing.assert_close(p.y_test, p.x_test ** 2)
    assert p.y_train_clean is not None and p.name == "x**2" and not p.uniform


def test_explicit_points_are_sorted_and_the_reference_interpolates_them():
    x, y = (0.5, -1.0, 0.0), (2.0, 0.0, 1.0)
    p = point_regression(x=x, y=y, n_test=9, dtype=torch.float64)
    assert p.x_train[:, 0].tolist() == [-1.0, 0.0, 0.5]
    assert p.y_train[:, 0].tolist() == [0.0, 1.0, 2.0]
    # no test_domain: the domain (default [-1, 1]) widened to cover the points
    assert (p.x_test.min().item(), p.x_test.max().item()) == (-1.0, 1.0)
    naive = np.interp(p.x_test[:, 0].numpy(), [-1.0, 0.0, 0.5], [0.0, 1.0, 2.0])
    np.testing.assert_allclose(p.y_test[:, 0].numpy(), naive, rtol=0, atol=0)
    assert p.target is None


def test_explicit_points_with_a_target_and_the_dtype():
    p = point_regression("2*x", x=(3.0, -2.0), n_test=4, dtype=torch.float32)
    assert p.x_train.dtype == torch.float32 and p.x_train[:, 0].tolist() == [-2.0, 3.0]
    assert p.y_train[:, 0].tolist() == [-4.0, 6.0]
    assert (p.x_test.min().item(), p.x_test.max().item()) == (-2.0, 3.0)


def test_a_target_not_finite_on_the_points_names_the_key():
    with pytest.raises(InputError, match="problem.target"):
        point_regression("log(x)", domain=(-1.0, 1.0), n_train=4)


def test_box_points_are_uniform_in_the_box_and_reproducible():
    kw = dict(dim=3, domain=(-4.0, 2.0), n_train=200, n_test=50, dtype=torch.float64)
    p, q = box_regression("x1 + x2*x3", seed=7, **kw), box_regression("x1 + x2*x3", seed=7, **kw)
    r = box_regression("x1 + x2*x3", seed=8, **kw)
    assert p.x_train.shape == (200, 3) and p.x_test.shape == (50, 3)
    assert torch.equal(p.x_train, q.x_train) and not torch.equal(p.x_train, r.x_train)
    assert float(p.x_train.min()) >= -4.0 and float(p.x_train.max()) < 2.0
    assert abs(float(p.x_train.mean()) - (-1.0)) < 0.3        # the box's centre
    naive = p.x_train[:, 0] + p.x_train[:, 1] * p.x_train[:, 2]
    torch.testing.assert_close(p.y_train[:, 0], naive)
    # training points come first from the one generator; the held-out points are the next draws
    g = torch.Generator().manual_seed(7)
    first = -4.0 + 6.0 * torch.rand(200, 3, generator=g, dtype=torch.float64)
    assert torch.equal(first, p.x_train)
