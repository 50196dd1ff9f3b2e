"""Shared test helpers: one tolerance table per dtype."""

import torch

TOL = {
    torch.float64: dict(rtol=1e-10, atol=1e-12),
    torch.float32: dict(rtol=1e-5, atol=1e-6),
}


def assert_close(actual, expected, dtype=torch.float64, **override):
    tol = dict(TOL[dtype])
    tol.update(override)
    torch.testing.assert_close(torch.as_tensor(actual), torch.as_tensor(expected), **tol)
