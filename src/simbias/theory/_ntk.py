"""Empirical neural tangent kernel, kernel regression and the linearised (NTK) training dynamics.

Empirical NTK (Jacot, Gabriel & Hongler 2018): K(x, x′) = J(x) J(x′)ᵀ, J = ∂f/∂θ over every
parameter with ``requires_grad``, computed with ``torch.func.jacrev`` + ``functional_call`` (the
model is not modified).  In the linear regime (phase diagram, arXiv 2007.07497; LFP,
arXiv 1905.10264) gradient descent on the mean MSE L = (1/N) Σ (f(x_i) − y_i)² follows the
linearised model f(θ) ≈ f(θ₀) + J (θ − θ₀); its residual on the training set evolves as
r_{k+1} = (I − η·(2/N)·K) r_k, and in the infinite-time limit the prediction is
f_∞(x) = f₀(x) + K(x, X) K(X, X)⁻¹ (y − f₀(X)) — kernel regression on the residual of the initial
output (f₀ ≡ 0 with anti-symmetric initialisation).

For the two-layer ReLU net of the LFP (:func:`relu_two_layer_ntk`) the kernel has a closed form,
equal to the empirical NTK without its O(n·P) Jacobians (P = number of parameters).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.func import functional_call, jacrev

from ..errors import InputError

__all__ = ["empirical_ntk", "relu_two_layer_ntk", "kernel_regression", "linearized_prediction", "ntk_learning_rate",
           "relu_ntk_limit"]

_REDUCTIONS = ("mean", "sum")


def _jacobian(model: nn.Module, x: Tensor) -> Tensor:
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    if not params:
        raise InputError("model", "has no trainable parameters", "give a model with requires_grad parameters")
    buffers = {k: v.detach() for k, v in model.named_buffers()}
    n = x.shape[0]

    def f(p: dict[str, Tensor]) -> Tensor:
        return functional_call(model, {**p, **buffers}, (x,)).reshape(n, -1)

    jac = jacrev(f)(params)
    c = next(iter(jac.values())).shape[1]
    return torch.cat([j.reshape(n, c, -1) for j in jac.values()], dim=2)  # (n, c, P)


def empirical_ntk(model: nn.Module, x1: Tensor, x2: Tensor | None = None) -> Tensor:
    """Empirical NTK K = J(x1) J(x2)ᵀ of ``model`` at its current parameters.

    Shape (n1, n2) for a scalar output (model output (n, 1) or (n,)); (n1, n2, c, c) for c outputs.
    ``x2 = None`` means x2 = x1 (and the Jacobian is computed once).  Every parameter with
    ``requires_grad`` enters; the kernel is not scaled (no 1/m or 1/N factor).

    Parameters
    ----------
    model : torch.nn.Module
        The network, mapping (n, d) inputs to (n,) or (n, c) outputs.
    x1 : torch.Tensor
        Inputs (n1, d).
    x2 : torch.Tensor, optional
        Inputs (n2, d); ``None`` uses ``x1``.

    Returns
    -------
    torch.Tensor
        The kernel, (n1, n2) or (n1, n2, c, c).

    Examples
    --------
    >>> import torch
    >>> lin = torch.nn.Linear(2, 1)
    >>> x = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    >>> empirical_ntk(lin, x)  # J = [x, 1], K = x xᵀ + 1
    tensor([[2., 1.],
            [1., 5.]])
    """
    if not isinstance(model, nn.Module):
        raise InputError("model", f"got {type(model).__name__}", "pass a torch.nn.Module")
    j1 = _jacobian(model, x1)
    j2 = j1 if x2 is None else _jacobian(model, x2)
    K = torch.einsum("icp,jdp->ijcd", j1, j2)
    if K.shape[2] == 1:
        return K[:, :, 0, 0]
    return K


def _inputs(name: str, x: Tensor, d: int) -> Tensor:
    x = x.detach().to(torch.float64)
    x = x[:, None] if x.ndim == 1 and d == 1 else x
    if x.ndim != 2 or x.shape[1] != d:
        raise InputError(name, f"has shape {tuple(x.shape)}", f"give (n, {d}) inputs")
    return x


def relu_two_layer_ntk(model: nn.Module, x1: Tensor, x2: Tensor | None = None) -> Tensor:
    """Empirical NTK of a two-layer ReLU net f(x) = (1/α) Σ_k a_k ReLU(w_k·x + b_k), in closed form.

    K(x, x′) = (1/α²) Σ_k [σ(z_k) σ(z′_k) + a_k² 1[z_k > 0] 1[z′_k > 0] (x·x′ + 1)],
    z_k = w_k·x + b_k, σ = ReLU (the "+ 1" and b_k drop out without biases): the gradient of f with
    respect to (a, w, b), every parameter trainable, at the current parameters — the kernel of the
    linear frequency principle (Zhang, Xu, Luo & Ma, arXiv 1905.10264) and of the linear regime of
    the phase diagram.  Equals :func:`empirical_ntk` of the same net up to rounding, in float64,
    with memory O(n·m) instead of the Jacobians' O(n·P).  The derivative of ReLU at 0 is taken as 0.

    Parameters
    ----------
    model : torch.nn.Module
        A net with attributes ``w`` (m, d), ``b`` (m,) or ``None``, ``a`` (m,) (scalar output)
        and ``alpha``, e.g. a :class:`simbias.nn.TwoLayer` with ``activation="relu"``.
    x1 : torch.Tensor
        Inputs (n1, d) (or (n1,) when d = 1).
    x2 : torch.Tensor, optional
        Inputs (n2, d); ``None`` uses ``x1``.

    Returns
    -------
    torch.Tensor
        The kernel (n1, n2), float64.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> net = TwoLayer(1, 100, init="uniform", init_ranges=(3.0, 3.0, 0.1),
    ...                generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> x = torch.linspace(-1, 1, 5)[:, None]
    >>> K = relu_two_layer_ntk(net, x)
    >>> K.shape, bool(torch.allclose(K, empirical_ntk(net, x.double())))
    (torch.Size([5, 5]), True)
    """
    if getattr(model, "activation_name", "relu") != "relu":
        raise InputError("model", f"has activation {model.activation_name!r}", "use a ReLU net, or empirical_ntk")
    try:
        w, a = (getattr(model, k).detach().to(torch.float64) for k in ("w", "a"))
        b = None if model.b is None else model.b.detach().to(torch.float64)
        alpha = float(model.alpha)
    except AttributeError:
        raise InputError("model", f"got {type(model).__name__} without w, b, a, alpha",
                         "pass a two-layer net such as simbias.nn.TwoLayer, or use empirical_ntk") from None
    if w.ndim != 2 or a.shape != w.shape[:1]:
        raise InputError("model", f"has w {tuple(w.shape)} and a {tuple(a.shape)}", "give w (m, d) and a (m,) (scalar output)")
    x1 = _inputs("x1", x1, w.shape[1])
    x2 = x1 if x2 is None else _inputs("x2", x2, w.shape[1])
    z1, z2 = x1 @ w.T, x2 @ w.T
    if b is not None:
        z1, z2 = z1 + b, z2 + b
    s1, s2 = torch.relu(z1), torch.relu(z2)
    d1, d2 = (z1 > 0).to(torch.float64) * a, (z2 > 0).to(torch.float64) * a
    inner = x1 @ x2.T + 1.0 if b is not None else x1 @ x2.T
    return (s1 @ s2.T + (d1 @ d2.T) * inner) / alpha ** 2


def _check_kernel(K_train: Tensor, y_train: Tensor, K_test_train: Tensor | None) -> tuple[Tensor, bool]:
    if K_train.ndim != 2 or K_train.shape[0] != K_train.shape[1]:
        raise InputError("K_train", f"has shape {tuple(K_train.shape)}", "give a square (n, n) kernel (scalar output)")
    n = K_train.shape[0]
    vec = y_train.ndim == 1
    y = y_train[:, None] if vec else y_train
    if y.ndim != 2 or y.shape[0] != n:
        raise InputError("y_train", f"has shape {tuple(y_train.shape)} for {n} training points", "give (n,) or (n, c)")
    if K_test_train is not None and (K_test_train.ndim != 2 or K_test_train.shape[1] != n):
        raise InputError("K_test_train", f"has shape {tuple(K_test_train.shape)}", f"give (n_test, {n})")
    return y, vec


def kernel_regression(K_train: Tensor, y_train: Tensor, K_test_train: Tensor, *, ridge: float = 0.0) -> Tensor:
    """Kernel (ridge) regression: K(x, X) (K(X, X) + ridge·I)⁻¹ y.

    ``y_train`` is (n,) or (n, c) (the same scalar kernel for each column); returns (n_test,) or
    (n_test, c).  With ``ridge = 0`` the kernel matrix must be non-singular (else pass a small ridge).

    Parameters
    ----------
    K_train : torch.Tensor
        Kernel matrix K(X, X), (n, n).
    y_train : torch.Tensor
        Targets (n,) or (n, c).
    K_test_train : torch.Tensor
        Kernel K(x, X), (n_test, n).
    ridge : float, default 0.0
        Non-negative ridge added to the diagonal.

    Returns
    -------
    torch.Tensor
        Predictions (n_test,) or (n_test, c).

    Examples
    --------
    >>> import torch
    >>> K = torch.tensor([[2.0, 1.0], [1.0, 2.0]])
    >>> kernel_regression(K, torch.tensor([1.0, -1.0]), K)  # on the training points: y back
    tensor([ 1., -1.])
    """
    y, vec = _check_kernel(K_train, y_train, K_test_train)
    r = float(ridge)
    if not (math.isfinite(r) and r >= 0):
        raise InputError("ridge", f"got {ridge}", "use a non-negative number")
    A = K_train + r * torch.eye(K_train.shape[0], dtype=K_train.dtype, device=K_train.device)
    try:
        coef = torch.linalg.solve(A, y)
    except RuntimeError:
        raise InputError("K_train", "is singular", "pass ridge > 0 (e.g. 1e-10 × its trace)") from None
    out = K_test_train @ coef
    return out[:, 0] if vec else out


def linearized_prediction(
    K_train: Tensor,
    y_train: Tensor,
    K_test_train: Tensor,
    *,
    f0_train: Tensor | None = None,
    f0_test: Tensor | None = None,
    lr: float | None = None,
    steps: int | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Prediction of the linearised (NTK) model after ``steps`` GD steps, or at infinite time.

    f_k(x) = f₀(x) − K(x, X) K⁻¹ (I − (I − η s K)^k) (f₀(X) − y), s = 2/N for ``reduction="mean"``
    (L = (1/N) Σ (f − y)², N = n·c) or s = 2 for ``"sum"``; evaluated in the eigenbasis of K so a
    singular K is handled exactly (directions with zero eigenvalue do not move).  ``steps=None``
    gives the limit k → ∞: f₀(x) + K(x, X) K⁺ (y − f₀(X)) (kernel regression on the initial
    residual).  ``f0_*`` default to 0 (anti-symmetric initialisation).

    Parameters
    ----------
    K_train : torch.Tensor
        NTK on the training inputs, (n, n).
    y_train : torch.Tensor
        Targets (n,) or (n, c).
    K_test_train : torch.Tensor
        NTK between test and training inputs, (n_test, n).
    f0_train, f0_test : torch.Tensor, optional
        Initial outputs on the training and test inputs (default 0).
    lr : float, optional
        Learning rate η (needed when ``steps`` is given).
    steps : int, optional
        Number of GD steps k; ``None`` gives k → ∞.
    reduction : {"mean", "sum"}, default "mean"
        Loss normalisation, fixes s.

    Returns
    -------
    torch.Tensor
        Predictions at the test inputs, shaped like ``y_train`` with n_test rows.

    Examples
    --------
    >>> import torch
    >>> K = torch.eye(2)
    >>> linearized_prediction(K, torch.tensor([1.0, 2.0]), K, lr=0.5, steps=1)  # η s = 0.5
    tensor([0.5000, 1.0000])
    """
    y, vec = _check_kernel(K_train, y_train, K_test_train)
    n = K_train.shape[0]
    f0x = torch.zeros_like(y) if f0_train is None else f0_train.reshape(y.shape).to(y)
    f0t = torch.zeros(K_test_train.shape[0], y.shape[1], dtype=y.dtype, device=y.device)
    if f0_test is not None:
        f0t = f0_test.reshape(f0t.shape).to(y)
    lam, V = torch.linalg.eigh(0.5 * (K_train + K_train.T))
    cutoff = lam.abs().max() * n * torch.finfo(lam.dtype).eps
    pos = lam > cutoff
    lam_safe = torch.where(pos, lam, torch.ones_like(lam))
    if steps is None:
        g = torch.where(pos, 1.0 / lam_safe, torch.zeros_like(lam))
    else:
        if reduction not in _REDUCTIONS:
            raise InputError("reduction", f"got {reduction!r}", f"choose one of {', '.join(_REDUCTIONS)}")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise InputError("steps", f"got {steps!r}", "use a non-negative integer or None (infinite time)")
        if lr is None or not (math.isfinite(float(lr)) and float(lr) > 0):
            raise InputError("lr", f"got {lr!r}", "give the positive learning rate used for the steps")
        s = 2.0 / (n * y.shape[1]) if reduction == "mean" else 2.0
        q = 1.0 - float(lr) * s * lam
        g = torch.where(pos, (1.0 - q**steps) / lam_safe, torch.zeros_like(lam))
    r0 = y - f0x
    out = f0t + K_test_train @ (V @ (g[:, None] * (V.T @ r0)))
    return out[:, 0] if vec else out


def ntk_learning_rate(model: nn.Module, x: Tensor, *, factor: float = 0.5, reduction: str = "mean") -> float:
    """Learning rate ``factor / λ_max`` for full-batch GD on the mean MSE, from the initial empirical NTK.

    The caller's loss is L = (1/N) Σ (f(x_i) − y_i)² (``reduction="mean"``, N = n·c entries) or
    Σ (f − y)² (``"sum"``).  Its Gauss–Newton Hessian has the non-zero spectrum of H = s·K with
    s = 2/N (mean) or 2 (sum), K the empirical NTK on ``x``.  GD on the linearised model is stable
    iff η·λ_max(H) < 2; the rule returns η = factor / λ_max(H), so ``factor`` must lie in (0, 2)
    (0.5 is a safe default; the phase-diagram check in papers.md §9 T18 used it).

    Parameters
    ----------
    model : torch.nn.Module
        The network at initialisation.
    x : torch.Tensor
        Training inputs (n, d).
    factor : float, default 0.5
        η·λ_max(H), in (0, 2).
    reduction : {"mean", "sum"}, default "mean"
        The caller's loss normalisation.

    Returns
    -------
    float
        The learning rate η.

    Examples
    --------
    >>> import torch
    >>> lin = torch.nn.Linear(2, 1)
    >>> x = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    >>> round(ntk_learning_rate(lin, x, reduction="sum"), 4)  # λ_max(2K) = 2 (3.5 + √3.25)
    0.0471
    """
    f = float(factor)
    if not (0.0 < f < 2.0):
        raise InputError("factor", f"got {factor}", "use 0 < factor < 2 (GD is unstable for lr·λ_max ≥ 2)")
    if reduction not in _REDUCTIONS:
        raise InputError("reduction", f"got {reduction!r}", f"choose one of {', '.join(_REDUCTIONS)}")
    K = empirical_ntk(model, x)
    if K.ndim == 4:
        n, _, c, _ = K.shape
        K = K.permute(0, 2, 1, 3).reshape(n * c, n * c)
    N = K.shape[0]
    s = 2.0 / N if reduction == "mean" else 2.0
    lam_max = float(torch.linalg.eigvalsh(s * 0.5 * (K + K.T)).max())
    if not (math.isfinite(lam_max) and lam_max > 0):
        raise InputError("model", f"has an empirical NTK with λ_max = {lam_max}", "check the model's initialisation")
    return f / lam_max


def relu_ntk_limit(model: nn.Module, x: Tensor, y: Tensor, x_test: Tensor) -> Tensor:
    """The infinite-time output on ``x_test`` of the linearised two-layer ReLU net ``model`` trained
    on (``x``, ``y``): f₀ + K(x_test, X) K⁺ (y − f₀(X)) with the net's initial NTK K
    (:func:`relu_two_layer_ntk`, :func:`linearized_prediction`).

    Parameters
    ----------
    model : nn.Module
        The initial net (one output; a :class:`~simbias.nn.TwoLayer` with ReLU).
    x : torch.Tensor
        (n, d) training inputs.
    y : torch.Tensor
        (n,) labels (float64).
    x_test : torch.Tensor
        (n_test, d) evaluation points.

    Returns
    -------
    torch.Tensor
        (n_test,) float64 on the CPU.

    Examples
    --------
    >>> import torch
    >>> from simbias.nn import TwoLayer
    >>> net = TwoLayer(1, 200, antisymmetric=True, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> x, y = torch.tensor([[-0.5], [0.5]], dtype=torch.float64), torch.tensor([1.0, -1.0], dtype=torch.float64)
    >>> [round(v, 9) for v in relu_ntk_limit(net, x, y, x).tolist()]   # the kernel interpolant passes through the data
    [1.0, -1.0]
    """
    K = relu_two_layer_ntk(model, x, x).cpu()
    Kt = relu_two_layer_ntk(model, x_test, x).to(torch.float64).cpu()
    with torch.no_grad():
        f0, f0_test = (model(v)[:, 0].to(torch.float64).cpu() for v in (x, x_test))
    return linearized_prediction(K, y, Kt, f0_train=f0, f0_test=f0_test)
