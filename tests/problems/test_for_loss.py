"""problems.for_loss: the loss resolved from the targets, labels one-hot for MSE."""

import pytest
import torch

from simbias.errors import InputError
from simbias.problems import Dataset, for_loss, load_dataset


def _labels():
    return Dataset(torch.rand(5, 3, dtype=torch.float64), torch.tensor([0, 2, 1, 2, 0]), name="toy")


def test_auto_is_cross_entropy_for_labels_and_keeps_them():
    ds, loss = for_loss(_labels())
    assert loss == "cross_entropy" and ds.y.dtype == torch.long and ds.n_classes == 3


def test_mse_turns_labels_into_one_hot_rows_of_the_inputs_dtype():
    ds, loss = for_loss(_labels(), "mse")
    naive = torch.zeros(5, 3, dtype=torch.float64)
    naive[torch.arange(5), torch.tensor([0, 2, 1, 2, 0])] = 1.0
    assert loss == "mse" and torch.equal(ds.y, naive) and ds.out_features == 3 and ds.n_classes is None
    assert torch.equal(ds.x_train, ds.x) and ds.y_train is ds.y


def test_float_targets_stay_and_refuse_cross_entropy():
    ds = load_dataset("synthetic-projection", n=20, d=3)
    same, loss = for_loss(ds)
    assert loss == "mse" and same is ds
    with pytest.raises(InputError, match="train.loss"):
        for_loss(ds, "cross_entropy", key="train.loss")
