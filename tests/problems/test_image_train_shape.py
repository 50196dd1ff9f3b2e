"""ImageRegression.train_shape: the grid of the training pixels, from the mask."""

import pytest
import torch

from simbias.problems import image_to_regression


@pytest.mark.parametrize("holdout", ["columns", "rows", "none"])
@pytest.mark.parametrize("shape", [(5, 7), (4, 6), (1, 1), (3, 2)])
def test_train_shape_counts_the_rows_and_columns_that_train(holdout, shape):
    ir = image_to_regression(torch.rand(*shape), holdout=holdout)
    h, w = shape
    naive = {"columns": (h, (w + 1) // 2), "rows": ((h + 1) // 2, w), "none": (h, w)}[holdout]  # every other one
    assert ir.train_shape == naive
    assert int(ir.train_mask.sum()) == naive[0] * naive[1]  # the training pixels fill that grid
