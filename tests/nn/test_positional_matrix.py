"""nn.positional_matrix: Tancik et al.'s notebook frequencies 2**linspace(0, s, m) − 1 per input axis."""

import numpy as np
import torch

from simbias.nn import CoordinateNet, positional_matrix


def test_rows_are_the_notebook_frequencies_per_axis():
    b = positional_matrix(2, 8, 31.0)
    want = torch.from_numpy(2.0 ** np.linspace(0, 5, 8) - 1)
    assert b.shape == (16, 2) and b.dtype == torch.float64
    assert torch.allclose(b[:8, 0], want, rtol=1e-12) and torch.all(b[:8, 1] == 0)
    assert torch.allclose(b[8:, 1], want, rtol=1e-12) and torch.all(b[8:, 0] == 0)
    assert positional_matrix(1, 1, 7.0).tolist() == [[0.0]]  # one frequency: b_0 = 0


def test_fits_a_positional_coordinate_net():
    net = CoordinateNet(2, [8], 1, encoding="positional", n_features=4)
    net.B.copy_(positional_matrix(2, 4, 15.0))
    assert net.B[3, 0] == 15.0 and net(torch.rand(5, 2)).shape == (5, 1)
