"""When a per-frequency error reaches a threshold: the convergence steps of the F-Principle summaries."""

from __future__ import annotations

import numpy as np

__all__ = ["converged_steps"]


def converged_steps(steps, errors, threshold: float, *, inclusive: bool = False) -> tuple[list, list]:
    """Per frequency: the first recorded step with error below ``threshold``, and the step from which
    it stays below until the end.

    Parameters
    ----------
    steps : array of int, shape (records,)
        The recorded steps, increasing.
    errors : array, shape (records, frequencies)
        One column per frequency (peak, band), e.g. Δ_F(k) of :func:`peak_errors` over training.
    threshold : float
        An error strictly below this counts as converged.
    inclusive : bool, default False
        Count an error equal to ``threshold`` as converged too (``≤`` instead of ``<``).

    Returns
    -------
    (first, stays) : two lists with one entry per column
        The first step with error < threshold, and the first step of the final run of records
        below it; ``None`` where the error never gets (or does not end) below.

    Examples
    --------
    >>> import numpy as np
    >>> err = np.array([[1.0, 1.0], [0.05, 0.5], [0.2, 0.3], [0.01, 0.02]])
    >>> converged_steps(np.array([0, 10, 20, 30]), err, 0.1)
    ([10, 30], [30, 30])
    >>> converged_steps(np.array([0, 10]), np.array([[1.0], [0.1]]), 0.1, inclusive=True)
    ([10], [10])
    """
    err = np.asarray(errors)
    below = (err <= threshold if inclusive else err < threshold).T  # one row per frequency
    tail = [b.size if b.all() else int(np.argmin(b[::-1])) for b in below]  # records below at the end
    first = [int(steps[np.argmax(b)]) if b.any() else None for b in below]
    return first, [int(steps[b.size - n]) if n else None for b, n in zip(below, tail)]
