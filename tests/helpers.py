"""Shared test helpers: one tolerance table per dtype.

``TOL`` is what ``assert_close`` uses; ``REL`` is the relative bound (max |a − b| / max |b| over a whole
array) that batched-vs-per-member and sweep-vs-run comparisons assert on every CPU (DESIGN.md,
"Exactness contract"): float32 relative 1e-5, float64 relative 1e-10.
"""

import torch

TOL = {
    torch.float64: dict(rtol=1e-10, atol=1e-12),
    torch.float32: dict(rtol=1e-5, atol=1e-6),
}

REL = {
    torch.float64: 1e-10,
    torch.float32: 1e-5,
}


def assert_close(actual, expected, dtype=torch.float64, **override):
    tol = dict(TOL[dtype])
    tol.update(override)
    torch.testing.assert_close(torch.as_tensor(actual), torch.as_tensor(expected), **tol)
