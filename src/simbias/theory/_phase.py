"""Phase diagram of two-layer ReLU networks (Luo, Xu, Ma & Zhang, JMLR 2021, arXiv 2007.07497).

Model (paper §2): f(x) = (1/α) Σ_{k=1}^m a_k σ(w_k·x + b_k), a_k ~ N(0, β₁²), (w_k, b_k) ~ N(0, β₂²).
The rescaling ā = a/β₁, w̄ = w/β₂, t̄ = t/(β₁β₂) leaves two numbers:

* κ  = β₁β₂/α   (energetic scale),   γ  = −log κ  / log m,
* κ′ = β₁/β₂    (dynamical scale),   γ′ = −log κ′ / log m.

At finite m these are *estimators* of the paper's limits m → ∞; a fixed factor c in κ shifts the
estimate by −log c / log m (e.g. LeCun's β₂ = 1/√d gives γ = ½ + ½·log d / log m).

Regimes (paper Theorems 1–2, Fig. 1): linear when γ < 1 or γ′ > γ − 1; condensed when γ > 1 and
γ′ < γ − 1; critical on the boundary {γ = 1, γ′ ≤ 0} ∪ {γ′ = γ − 1, γ′ ≥ 0}.  Equivalently, with the
margin μ = γ − 1 − max(0, γ′): linear if μ < 0, condensed if μ > 0, critical if μ = 0.

Regime indicator (paper §4): the slope S_w of log RD(θ_w*) against log m, fitted by least squares over
several widths (the authors use ``numpy.polyfit(log m, log RD, 1)``): S_w < 0 linear, > 0 condensed.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..errors import InputError
from ..errors import positive_number as _positive

__all__ = ["phase_coordinates", "phase_regime", "phase_scales", "two_layer_scales", "width_slope"]

PRESETS = ("ntk", "mean_field", "lecun", "he", "xavier", "power")


def _width(value, *, minimum: int = 1, name: str = "width") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InputError(name, f"got {value!r}", "use a positive integer")
    if value < minimum:
        raise InputError(name, f"got {value}", f"use an integer ≥ {minimum}")
    return int(value)


def phase_coordinates(alpha: float, beta1: float, beta2: float, width: int) -> tuple[float, float]:
    """Phase-diagram coordinates (γ, γ′) of a two-layer net at width m.

    κ = β₁β₂/α, κ′ = β₁/β₂, γ = −log κ / log m, γ′ = −log κ′ / log m (arXiv 2007.07497, §3).
    ``width`` must be ≥ 2 (log 1 = 0).  Example: every parameter with std m^(−t) and α = 1
    (the authors' tutorial convention) gives exactly (2t, 0).

    Parameters
    ----------
    alpha : float
        Output normalisation α > 0.
    beta1 : float
        Standard deviation β₁ > 0 of the output weights.
    beta2 : float
        Standard deviation β₂ > 0 of the input weights and biases.
    width : int
        Number of hidden neurons m ≥ 2.

    Returns
    -------
    tuple of float
        (γ, γ′).

    Examples
    --------
    >>> g, gp = phase_coordinates(1.0, 100 ** -0.75, 100 ** -0.75, 100)  # std m^(-t), t = 0.75
    >>> round(g, 9), abs(round(gp, 9))
    (1.5, 0.0)
    """
    a, b1, b2 = _positive("alpha", alpha), _positive("beta1", beta1), _positive("beta2", beta2)
    m = _width(width, minimum=2)
    logm = math.log(m)
    gamma = -(math.log(b1) + math.log(b2) - math.log(a)) / logm
    gamma_prime = -(math.log(b1) - math.log(b2)) / logm
    return gamma, gamma_prime


def phase_scales(gamma: float, gamma_prime: float, width: int, *, beta1_exp: float = 0.0) -> tuple[float, float, float]:
    """Scales (α, β₁, β₂) placing a width-m net exactly at (γ, γ′) — the authors' parametrisation.

    As in ``phasediagram_twolayerNN``: β₁ = m^(−beta1_exp), β₂ = m^(−(beta1_exp − γ′)),
    α = m^(γ − beta1_exp − beta2_exp).  ``beta1_exp = 0`` gives β₁ = 1 (the paper's Fig. 3 family
    α = m^γ when also γ′ = 0).  Inverse of :func:`phase_coordinates`.

    Parameters
    ----------
    gamma : float
        Target γ.
    gamma_prime : float
        Target γ′.
    width : int
        Number of hidden neurons m ≥ 2.
    beta1_exp : float, default 0.0
        Exponent e₁ of β₁ = m^(−e₁).

    Returns
    -------
    tuple of float
        (α, β₁, β₂).

    Examples
    --------
    >>> a, b1, b2 = phase_scales(1.5, 0.25, 64)
    >>> [round(v, 9) for v in phase_coordinates(a, b1, b2, 64)]
    [1.5, 0.25]
    """
    m = _width(width, minimum=2)
    g, gp, e1 = float(gamma), float(gamma_prime), float(beta1_exp)
    for name, v in (("gamma", g), ("gamma_prime", gp), ("beta1_exp", e1)):
        if not math.isfinite(v):
            raise InputError(name, f"got {v}", "use a finite number")
    e2 = e1 - gp
    alpha_exp = g - e1 - e2
    return float(m**alpha_exp), float(m ** (-e1)), float(m ** (-e2))


def phase_regime(gamma: float, gamma_prime: float, *, tol: float = 1e-6) -> str:
    """``"linear"``, ``"critical"`` or ``"condensed"`` for the point (γ, γ′) of the phase diagram.

    Uses the margin μ = γ − 1 − max(0, γ′) (arXiv 2007.07497, Theorems 1–2): linear if μ < −tol,
    condensed if μ > tol, critical if |μ| ≤ tol.  ``tol`` absorbs floating-point error in γ, γ′
    computed from logs (default 1e-6); widen it (e.g. 0.1) to call points near the boundary
    "critical" when (γ, γ′) are finite-m estimates such as Xavier's γ ≈ 1 − log 2 / log m.

    Parameters
    ----------
    gamma : float
        γ coordinate.
    gamma_prime : float
        γ′ coordinate.
    tol : float, default 1e-6
        Half-width of the band |μ| ≤ tol called critical.

    Returns
    -------
    str
        ``"linear"``, ``"critical"`` or ``"condensed"``.

    Examples
    --------
    >>> phase_regime(0.5, 0.0), phase_regime(1.0, 0.0), phase_regime(1.75, 0.25)
    ('linear', 'critical', 'condensed')
    """
    g, gp = float(gamma), float(gamma_prime)
    if not (math.isfinite(g) and math.isfinite(gp)):
        raise InputError("(gamma, gamma_prime)", f"got ({gamma}, {gamma_prime})", "use finite numbers")
    if not (tol >= 0 and math.isfinite(tol)):
        raise InputError("tol", f"got {tol}", "use a non-negative number")
    margin = g - 1.0 - max(0.0, gp)
    if margin < -tol:
        return "linear"
    if margin > tol:
        return "condensed"
    return "critical"


def two_layer_scales(name: str, width: int, in_features: int, *, t: float | None = None) -> tuple[float, float, float]:
    """(α, β₁, β₂) of the named initialisation (arXiv 2007.07497, Table 1) at width m, input dim d.

    ==============  =====  ============  ============  =========================
    name            α      β₁            β₂            (γ, γ′) as m → ∞
    ==============  =====  ============  ============  =========================
    ``ntk``         √m     1             1             (½, 0)
    ``mean_field``  m      1             1             (1, 0)
    ``lecun``       1      1/√m          1/√d          (½, ½)
    ``he``          1      √(2/m)        √(2/d)        (½, ½)
    ``xavier``      1      √(2/(m+1))    √(2/(m+d))    (1, 0)
    ``power``       1      m^(−t)        m^(−t)        (2t, 0)   (authors' tutorials; needs ``t``)
    ==============  =====  ============  ============  =========================

    β₁ scales the output weights (fan-in m), β₂ the input weights and biases (fan-in d; the bias
    is drawn with the same β₂, as in the paper where it is folded into w).

    Parameters
    ----------
    name : {"ntk", "mean_field", "lecun", "he", "xavier", "power"}
        The initialisation.
    width : int
        Number of hidden neurons m.
    in_features : int
        Input dimension d.
    t : float, optional
        Exponent of ``"power"`` (required there, ignored otherwise).

    Returns
    -------
    tuple of float
        (α, β₁, β₂).

    Examples
    --------
    >>> two_layer_scales("ntk", 100, 1)
    (10.0, 1.0, 1.0)
    >>> two_layer_scales("power", 100, 1, t=0.5)
    (1.0, 0.1, 0.1)
    """
    m = _width(width)
    d = _width(in_features, name="in_features")
    if name == "ntk":
        return math.sqrt(m), 1.0, 1.0
    if name == "mean_field":
        return float(m), 1.0, 1.0
    if name == "lecun":
        return 1.0, 1.0 / math.sqrt(m), 1.0 / math.sqrt(d)
    if name == "he":
        return 1.0, math.sqrt(2.0 / m), math.sqrt(2.0 / d)
    if name == "xavier":
        return 1.0, math.sqrt(2.0 / (m + 1)), math.sqrt(2.0 / (m + d))
    if name == "power":
        if t is None:
            raise InputError("t", "preset 'power' needs the exponent t (std = m^(-t))", "pass t=, e.g. t=1.0")
        tt = float(t)
        if not math.isfinite(tt):
            raise InputError("t", f"got {t}", "use a finite number")
        s = float(m ** (-tt))
        return 1.0, s, s
    raise InputError("preset", f"unknown two-layer initialisation {name!r}", f"choose one of {', '.join(PRESETS)}")


def width_slope(widths: Sequence[float], rd: Sequence[float]) -> float:
    """Slope S_w of the least-squares line log RD = S_w · log m + c (arXiv 2007.07497, §4).

    ``widths`` and ``rd`` are equally long, positive and finite; at least three widths are needed
    (two points always fit a line exactly, so they give no check).  For synthetic RD = c·m^s the
    slope is s exactly.  Same as the authors' ``numpy.polyfit(log m, log RD, 1)[0]``.

    Parameters
    ----------
    widths : sequence of float
        Widths m (≥ 3 values, at least two distinct).
    rd : sequence of float
        Relative distance RD(θ_w*) at each width, positive.

    Returns
    -------
    float
        The fitted slope S_w (< 0 linear regime, > 0 condensed).

    Examples
    --------
    >>> round(width_slope([100, 1000, 10000], [1.0, 0.1, 0.01]), 12)
    -1.0
    """
    m = np.asarray(widths, dtype=np.float64).ravel()
    r = np.asarray(rd, dtype=np.float64).ravel()
    if m.size < 3:
        raise InputError("widths", f"got {m.size} width(s)", "give ≥ 3 widths to fit the RD-vs-width slope")
    if r.size != m.size:
        raise InputError("rd", f"got {r.size} values for {m.size} widths", "give one RD per width")
    if not (np.all(np.isfinite(m)) and np.all(m > 0)):
        raise InputError("widths", f"got {m.tolist()}", "use positive finite widths")
    if not (np.all(np.isfinite(r)) and np.all(r > 0)):
        raise InputError("rd", f"got {r.tolist()}", "RD must be positive and finite to take logs")
    if np.unique(m).size < 2:
        raise InputError("widths", f"got {m.tolist()}", "use at least two different widths")
    lm, lr = np.log(m), np.log(r)
    lm_c = lm - lm.mean()
    return float(np.dot(lm_c, lr - lr.mean()) / np.dot(lm_c, lm_c))
