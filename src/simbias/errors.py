"""Exceptions and run outcomes shared by every layer.

Two kinds of failure reach a user:

* :class:`InputError` — something the user gave is wrong (a spec key, a value, an
  expression, a file).  The message is one line: which input, what came, how to fix it.
  The CLI maps it to exit code 2.
* :class:`RunFailure` — the run itself failed (for example :class:`DivergenceError`,
  with the step named).  The CLI maps it to exit code 1.

Inside ensembles a failing member is not an exception but an :class:`Outcome`.
"""

from __future__ import annotations

import enum
import math

__all__ = ["SimbiasError", "InputError", "RunFailure", "DivergenceError", "Outcome", "positive_number"]


class SimbiasError(Exception):
    """Base class of every error simbias raises on purpose.

    Catch it to handle every deliberate simbias failure at once; the two kinds a user meets are
    :class:`InputError` (exit code 2) and :class:`RunFailure` (exit code 1).

    Examples
    --------
    >>> issubclass(InputError, SimbiasError) and issubclass(RunFailure, SimbiasError)
    True
    """


class InputError(SimbiasError, ValueError):
    """Bad user input: one line naming the input, what came, and the fix.

    Also a :class:`ValueError`, so code that catches ``ValueError`` keeps working.

    Parameters
    ----------
    what : str
        The input at fault: a spec key (``"model.width"``), a flag or a file path.
    problem : str
        What was wrong with it (``"got -3"``).
    fix : str, optional
        How to fix it; shown in parentheses after the problem.

    Examples
    --------
    >>> str(InputError("model.width", "got -3", "use a positive integer"))
    'model.width: got -3 (use a positive integer)'
    """

    def __init__(self, what: str, problem: str, fix: str | None = None):
        self.what, self.problem, self.fix = what, problem, fix
        msg = f"{what}: {problem}"
        if fix:
            msg += f" ({fix})"
        super().__init__(msg)


def positive_number(name: str, value) -> float:
    """``value`` as a positive finite float, or an :class:`InputError` naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(name, f"got {value!r}", "use a positive number") from None
    if not (math.isfinite(v) and v > 0):
        raise InputError(name, f"got {value!r}", "use a positive finite number")
    return v


class RunFailure(SimbiasError, RuntimeError):
    """A run that started but could not finish.

    Takes the usual :class:`RuntimeError` arguments (a message).  The CLI prints it as one line
    and exits 1; :class:`DivergenceError` is the most common subclass.

    Examples
    --------
    >>> str(RunFailure("the checkpoint file is truncated"))
    'the checkpoint file is truncated'
    """


class DivergenceError(RunFailure):
    """The loss became NaN or infinite at ``step``.

    Everything is given to the constructor, so the exception is raised once, fully formed:
    ``hint`` (the fix the user reads), ``history`` (what was recorded before the step) and
    ``summary`` (the experiment's numbers so far, written to ``summary.json``).  The message is
    built when it is read, so it always shows the current ``hint``.

    Parameters
    ----------
    step : int
        The step at which the loss became non-finite.
    loss : float
        The loss value there (NaN or ±inf).
    hint : str, default "lower train.lr"
        The fix shown to the user.
    history : History, optional
        What was recorded before the step.
    summary : dict, optional
        The experiment's numbers so far.

    Examples
    --------
    >>> str(DivergenceError(12, float("nan"), hint="lower train.lr_factor"))
    'training diverged at step 12 (loss = nan); lower train.lr_factor'
    """

    def __init__(self, step: int, loss: float, hint: str = "lower train.lr", *, history=None,
                 summary: dict | None = None):
        self.step, self.loss, self.hint = int(step), float(loss), hint
        self.history = history
        self.summary = dict(summary) if summary is not None else {}
        super().__init__(self.step, self.loss)

    def __str__(self) -> str:
        return f"training diverged at step {self.step} (loss = {self.loss}); {self.hint}"

    def __reduce__(self):  # pickles whole (sweep back-ends send failures between processes)
        return (type(self), (self.step, self.loss, self.hint), {"history": self.history, "summary": self.summary})


class Outcome(str, enum.Enum):
    """How a run (or one ensemble member) ended.

    A string enum: ``COMPLETED``, ``DIVERGED`` (the loss became non-finite) or ``FAILED`` (any
    other failure); ``str()`` gives the plain value written to CSV and JSON.

    Parameters
    ----------
    value : str
        ``Outcome(value)`` looks a member up by its value: ``"completed"``, ``"diverged"`` or
        ``"failed"`` (anything else raises :class:`ValueError`).

    Examples
    --------
    >>> str(Outcome.DIVERGED), Outcome("completed") is Outcome.COMPLETED
    ('diverged', True)
    """

    COMPLETED = "completed"
    DIVERGED = "diverged"
    FAILED = "failed"

    def __str__(self) -> str:  # written as plain text in CSV/JSON
        return self.value
