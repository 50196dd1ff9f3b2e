"""Networks that solve PDEs: spec sections shared by the PDE experiments, and the ``pde-compare`` kind.

``pde-compare`` trains two (or more) networks on the same PDE problem — the same sample points
at every step, the same optimiser and budget — and records their errors against the exact
solution.  The presets built on it (papers.md §4, T23–T26):

* ``mscale-poisson`` — T23: the ``mscalednn`` Deep-Ritz example, −u″ = μ² sin μx on [−1, 1]
  (μ = ``problem.mu`` = 6π), normal 1-180-180-180-1 vs MscaleDNN-2 6 × 1-30-30-30-1 (sin),
  with a learning-rate decay;
* ``mscale-fit`` — T24: fitting exp(−x²) sin(70x²) (``train.loss = "fit"``), normal vs
  MscaleDNN-2 (sin, scales 1…64), plus the same MscaleDNN with s2ReLU and with ReLU
  (``extra_activations``);
* ``pb-1d`` — T25: Poisson–Boltzmann −u″ + λ²u = f (λ = 20, μ = 50), MscaleDNN-2 with scales
  1…32 vs the same network with all-ones scales;
* ``multiscale-elliptic`` — T26 at CPU size: −(A_ε u′)′ = 1, A_ε = 1/(2 + cos(2πx/ε)), Ritz with
  the MSDNN staged boundary penalty, tanh DNN vs MscaleDNN-1 (sin first layer, s2ReLU, residual);
* ``poisson-annulus`` — a 2-D complex domain: −Δu = f on the ring 1 ≤ |x| ≤ 3.

Spec sections (keys equal constructor arguments where there is one):

* ``problem`` (:class:`PDESpec`) → :func:`simbias.problems.make_pde` (``name`` and the keyword
  arguments that are set), with ``problem.domain`` (:class:`DomainSpec`) →
  :func:`simbias.problems.make_domain`; ``n_test`` test points per axis.
* ``model`` / ``baseline`` (:class:`NetSpec`) → a network of :mod:`simbias.nn` chosen by ``arch``
  (``mlp`` = :class:`~simbias.nn.DenseStack`, ``mscale1``/``mscale2``, ``fourier``, ``msffn``).
  ``scales`` is a list or a rule name (``geometric``, ``linear``, ``msdnn``) with ``n_scales``.
* ``train`` (:class:`PDETrainSpec`): optimiser, ``lr``, ``steps``, ``lr_decay`` (lr × (1 − d)
  after every step), ``loss`` (``ritz``, ``residual`` (PINN), ``fit``), ``beta`` and
  ``beta_schedule`` (``constant`` or the MSDNN ``staged`` ×{1, 10, 50, 100, 200, 500}),
  ``n_interior``/``n_boundary`` points per step, ``sampler`` and ``resample``.
* ``record`` (:class:`PDERecordSpec`): errors every ``every`` steps, solution snapshots every
  ``snapshot_every``.

Design notes (ours):

* ``train.sampler = "stratified"`` (the default) draws the interior points of a box by Latin
  hypercube sampling (in 1-D: one uniform point in each of n equal cells) instead of i.i.d.
  uniform points (``"random"``, the authors' code).  Both are unbiased for ∫_Ω; the stratified
  estimate of the Ritz energy has far less variance, and with it the MscaleDNN error of T23
  keeps decreasing instead of drifting up with the Monte-Carlo noise (measured: domain MSE
  3e-4 vs 1.2e-2 after 3000 steps).  Non-box domains fall back to i.i.d. points.
* Every network sees the same points at every step (one data generator per network, same
  seed), so the comparison is paired.
* Each network is one :class:`~simbias.experiments.Fit` (its objective, :func:`simbias.problems.pde_objective`,
  as the ``loss`` callable); the plan's ``combine`` (:meth:`simbias.results.History.side_by_side`) joins
  their histories: arrays ``<name>/<key>`` (``<name>/rel_l2``…), the per-step loss in
  ``static["<name>/loss"]``; ``x_test``/``u_test`` are shared.  The architectures are the table
  :data:`simbias.nn.ARCHITECTURES` (``mlp`` here is its ``dense`` entry; each class takes the
  :class:`NetSpec` fields that its constructor has).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from typing import Annotated, Any, Literal

import numpy as np
import torch

from .. import nn as snn
from .. import problems, train
from ..errors import InputError
from ..results import History
from ._common import Schedule, TrainBase, seeds_for, torch_dtype
from ._kind import Fit, Kind, Plan, register_kind
from ._registry import BaseSpec
from ._spec import Check, Points, Positive, above

__all__ = ["DomainSpec", "PDESpec", "NetSpec", "TrainBase", "PDETrainSpec", "PDERecordSpec", "PDECompareSpec",
           "build_pde", "build_net", "PDE_COMPARE"]

# constraints of spec fields (checked when a spec is read, naming the dotted key)
_POSITIVE_LIST = Check(lambda v: len(v) > 0 and all(x > 0 for x in v), "give a non-empty list of positive numbers")
_NET_NAME = Check(lambda v: bool(re.fullmatch(r"[A-Za-z0-9_.+-]+", v)) and v != "static",
                  "use letters, digits, '-', '_' or '.' (not 'static')")
# the PDE networks: spec name -> simbias.nn.ARCHITECTURES name (the plain net is the residual-capable DenseStack)
_ARCHS = {"mlp": "dense", "mscale1": "mscale1", "mscale2": "mscale2", "fourier": "fourier", "msffn": "msffn"}
_ARCH = Check(lambda v: v in _ARCHS, f"choose one of {', '.join(_ARCHS)}")
_ACTIVATIONS = Check(lambda v: all(a in snn.ACTIVATIONS for a in v), f"choose among {', '.join(snn.ACTIVATIONS)}")
_HOLES = Check(lambda v: all(len(r) >= 3 for r in v),
               "give each hole as [c_1, ..., c_d, radius], e.g. [[0.5, 0.5, 0.1]]")


def _given(spec, skip: tuple[str, ...] = ("name",)) -> dict[str, Any]:
    """The fields of a spec section that are set (not ``None``), but ``skip``: the constructor's keywords."""
    return {f.name: getattr(spec, f.name) for f in fields(spec)
            if f.name not in skip and getattr(spec, f.name) is not None}


# -- problem ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DomainSpec:
    """A domain of :func:`simbias.problems.make_domain`; ``name = None`` keeps the problem's own.

    Set only the arguments of the chosen domain: ``interval`` (lo, hi), ``box`` (lows, highs),
    ``annulus`` (r_inner, r_outer, center), ``box_with_holes`` (lows, highs, holes).  ``holes`` is
    a list of ``[c_1, …, c_d, r]`` rows (centre then radius; the constructor's ``(center, radius)``
    pairs written flat for TOML).

    Parameters
    ----------
    name : str, optional
        A key of :data:`simbias.problems.DOMAINS` (``interval``, ``box``, ``annulus``,
        ``box_with_holes``); unset: the problem's own domain.
    lo : float, optional
        Left end of ``interval`` (its default −1).
    hi : float, optional
        Right end of ``interval`` (its default 1).
    lows : list of float, optional
        Lower corner of ``box`` / ``box_with_holes``.
    highs : list of float, optional
        Upper corner of ``box`` / ``box_with_holes``.
    r_inner : float, optional
        Inner radius of ``annulus`` (its default 1).
    r_outer : float, optional
        Outer radius of ``annulus`` (its default 3).
    center : list of float, optional
        Centre of ``annulus`` (its default [0, 0]).
    holes : list of list of float, optional
        Holes of ``box_with_holes``, rows ``[c_1, …, c_d, r]`` (centre then radius).
    """

    name: str | None = None
    lo: float | None = None
    hi: float | None = None
    lows: tuple[float, ...] | None = None
    highs: tuple[float, ...] | None = None
    r_inner: float | None = None
    r_outer: float | None = None
    center: tuple[float, ...] | None = None
    holes: Annotated[tuple[tuple[float, ...], ...], _HOLES] | None = None


def build_pde(p: PDESpec) -> problems.PDEProblem:
    """The problem of a :class:`PDESpec` (see :func:`simbias.problems.make_pde`), with its ``domain`` when named."""
    kw, dom = _given(p, ("name", "domain", "n_test")), _given(p.domain)
    if p.domain.name is not None:
        if "holes" in dom:
            dom["holes"] = [(list(r[:-1]), r[-1]) for r in dom["holes"]]
        kw["domain"] = problems.make_domain(p.domain.name, **dom)
    elif dom:
        raise InputError(f"problem.domain.{next(iter(dom))}", "set without problem.domain.name",
                         f"add problem.domain.name = one of {', '.join(problems.DOMAINS)}")
    return problems.make_pde(p.name, **kw)


@dataclass(frozen=True)
class PDESpec:
    """A PDE problem of :func:`simbias.problems.make_pde`: ``name`` plus the arguments that are set.

    The ``problem`` section of ``pde-compare``.  Only the arguments that are set (not ``None``) are
    passed to the problem's constructor, so each problem keeps its own defaults; an argument the
    problem does not take is refused naming ``problem.<argument>``.

    Parameters
    ----------
    name : str, default "ritz_poisson"
        A key of :data:`simbias.problems.PDE_PROBLEMS`: ``poisson`` (−Δu = f from a manufactured
        solution), ``ritz_poisson`` (−u″ = μ² sin μx on [−1, 1], T23), ``poisson_boltzmann``
        (−Δu + λ²u = f, T25), ``multiscale_elliptic`` (−(A_ε |u′|^{p−2} u′)′ = f on [0, 1],
        A_ε = 1/(2 + cos(2πx/ε)), T26), ``manufactured`` (from a typed ``solution``),
        ``jacobi_poisson`` (the T9 problem), ``two_scale_poisson`` (u = sin(πax) + 0.1 sin(πbx), T28).
    solution : str, optional
        The exact solution u as an expression in x (x1 … xd in d dimensions) of ``manufactured``;
        f = −∇·(A|∇u|^{p−2}∇u) + λ²u by autograd and g = u on the boundary.
    dim : int, optional
        Space dimension of ``poisson`` and ``poisson_boltzmann`` (must agree with ``domain``).
    kind : str, optional
        The manufactured solution of ``poisson``: ``sin``, ``sin_square``, ``product`` or ``quadratic``.
    mu : float, optional
        Frequency μ of ``poisson``, ``ritz_poisson`` (default 6π) and ``poisson_boltzmann``.
    lam : float, optional
        λ ≥ 0 of the reaction term λ²u (``poisson_boltzmann``: > 0; ``manufactured``).
    eps : float, optional
        Scale ε of the oscillating coefficient of ``multiscale_elliptic``.
    p : float, optional
        Exponent p ≥ 2 of the p-Laplacian of ``multiscale_elliptic`` and ``manufactured`` (2: linear).
    a : float, optional
        Low frequency a of ``two_scale_poisson``.
    b : float, optional
        High frequency b of ``two_scale_poisson``.
    coefficient : str, optional
        The diffusion coefficient A(x) of ``manufactured`` as an expression (unset: A = 1).
    domain : DomainSpec
        The domain (``problem.domain.*``; unset: the problem's own, [−1, 1]^d for most).
    n_test : int, default 201
        Test points per axis (a uniform grid in 1-D; a grid over the bounding box, kept inside the
        domain, in 2-D; ``n_test²`` uniform random points in 3-D and above; ≥ 2).

    Examples
    --------
    >>> from simbias.experiments import PDESpec
    >>> from simbias.experiments._pde import build_pde
    >>> build_pde(PDESpec(name="poisson", dim=2, kind="product", mu=7.0)).dim
    2
    """

    name: str = "ritz_poisson"
    solution: str | None = None
    dim: int | None = None
    kind: str | None = None
    mu: float | None = None
    lam: float | None = None
    eps: float | None = None
    p: float | None = None
    a: float | None = None
    b: float | None = None
    coefficient: str | None = None
    domain: DomainSpec = field(default_factory=DomainSpec)
    n_test: Points = 201
    validate = build_pde  # unknown names, bad arguments and bad expressions fail here, before training


# -- networks --------------------------------------------------------------------------------
@dataclass(frozen=True)
class NetSpec:
    """One network of :mod:`simbias.nn` with one output, chosen by ``arch``; ``name`` labels it in ``summary.json``.

    The ``model`` and ``baseline`` sections of ``pde-compare`` (the ``baseline`` defaults: the
    ``mscalednn`` "normal" net 1-180-180-180-1, sin) and the ``model`` section of ``jacobi-vs-dnn``
    (defaults: the plain tanh DNN 1-64-64-64-1, ``xavier``): a network of :mod:`simbias.nn` with one
    output, chosen by ``arch``.  Fields that the chosen architecture does not use are ignored.

    Parameters
    ----------
    name : str, default "mscale"
        Label of the network in ``summary.json`` and the history (letters, digits, ``-``, ``_``,
        ``.``; not ``static``).
    arch : str, default "mscale2"
        ``mlp`` (:class:`~simbias.nn.DenseStack`), ``mscale1`` / ``mscale2``
        (:class:`~simbias.nn.MscaleDNN1` / ``MscaleDNN2``; ``scales``, ``first_layer``,
        ``scale_bias``, ``amplitude``), ``fourier`` (:class:`~simbias.nn.FourierFeatureNet`;
        ``kind``, ``n_features``, ``sigma``, ``two_pi``), ``msffn``
        (:class:`~simbias.nn.MultiScaleFourierNet`; ``sigmas``, ``two_pi``; ``widths[0]`` is the
        embedding width).
    widths : list of int, default [30, 30, 30]
        Hidden widths (of every sub-network for ``mscale2``; non-empty).
    activation : str, default "sin"
        A name from :data:`simbias.nn.ACTIVATIONS`.
    init : {"xavier", "msdnn", "mscale", "normal", "glorot_uniform"}, default "mscale"
        Initialisation scheme (:mod:`simbias.nn._blocks`): ``xavier`` weights N(0, 2/(n_in + n_out)),
        biases 0; ``msdnn`` weights and biases N(0, 2/(n_in + n_out)); ``mscale`` weights and
        biases N(0, 1)·2/√(n_in + n_out) (the ``mscalednn`` code); ``normal`` N(0, ``init_std``²);
        ``glorot_uniform`` weights U(±√(6/(n_in + n_out))), biases 0.
    init_std : float, optional
        Standard deviation of ``"normal"`` (required there).
    residual : bool, default False
        Add the identity, h ← σ(W h + b) + h, whenever a hidden layer keeps the width (the MSDNN
        code's skips; ``mlp``, ``mscale1``, ``mscale2``).
    scales : list of float or str, default [1, 2, 4, 8, 16, 32]
        The N scales a_i of ``mscale1``/``mscale2``: a list, or a rule of
        :func:`simbias.nn.make_scales` (``geometric`` 1, 2, 4, …; ``linear`` 1, 2, …, n; ``msdnn``
        1, 1, 2, …, n − 1) with ``n_scales`` scales.
    n_scales : int, default 6
        Number of scales when ``scales`` names a rule.
    first_layer : {"activation", "sin", "sincos"}, default "activation"
        First hidden layer of ``mscale1``: σ as everywhere, sin, or the [cos, sin] layer.
    scale_bias : bool, default False
        Scale the first-layer bias too, σ(K ⊙ (W₀x + b₀)) (SD2NN; ``mscale1``).
    amplitude : float, default 1.0
        The factor s of the ``"sincos"`` first layer.
    kind : {"gaussian", "basic", "positional"}, default "gaussian"
        Embedding kind of ``fourier`` (see :class:`simbias.nn.FourierFeatures`).
    n_features : int, default 32
        Number of frequencies m of ``fourier``.
    sigma : float, default 10.0
        Embedding scale σ of ``fourier``.
    sigmas : list of float, default [1.0, 10.0]
        The scales σ of the Gaussian embeddings of ``msffn`` (positive; DeepXDE demo: [1, 10]).
    two_pi : bool, default False
        Include 2π in the embedding (``fourier``, ``msffn``).

    Examples
    --------
    >>> import torch
    >>> from simbias.experiments import NetSpec
    >>> from simbias.experiments._pde import build_net
    >>> net = build_net(NetSpec(widths=(8,), scales="geometric", n_scales=3), 1,
    ...                 generator=torch.Generator().manual_seed(0))
    >>> net(torch.zeros(5, 1)).shape
    torch.Size([5, 1])
    """

    name: Annotated[str, _NET_NAME] = "mscale"
    arch: Annotated[str, _ARCH] = "mscale2"
    widths: Annotated[tuple[int, ...], _POSITIVE_LIST] = (30, 30, 30)
    activation: str = "sin"
    init: Literal["xavier", "msdnn", "mscale", "normal", "glorot_uniform"] = "mscale"
    init_std: float | None = None
    residual: bool = False
    scales: tuple[float, ...] | str = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    n_scales: int = 6
    first_layer: Literal["activation", "sin", "sincos"] = "activation"
    scale_bias: bool = False
    amplitude: float = 1.0
    kind: Literal["gaussian", "basic", "positional"] = "gaussian"
    n_features: int = 32
    sigma: float = 10.0
    sigmas: Annotated[tuple[float, ...], _POSITIVE_LIST] = (1.0, 10.0)
    two_pi: bool = False


def build_net(s: NetSpec, in_features: int, *, generator: torch.Generator | None = None, dtype=None, device=None,
              section: str = "model") -> torch.nn.Module:
    """The network of a :class:`NetSpec` (one output; :func:`simbias.nn.make_net`), initialised from ``generator``.

    ``scales`` given as a rule name becomes :func:`simbias.nn.make_scales` of it.  The
    :mod:`simbias.nn` constructors check widths, activation, init, scales and features; their
    errors are keyed by ``section`` (``baseline.scales``), so a throw-away build checks a spec
    before anything trains.  Without ``generator`` the initial parameters are drawn from a
    generator seeded with 0 (never from the global random state).

    Examples
    --------
    >>> build_net(NetSpec(widths=(8,)), 1, generator=torch.Generator().manual_seed(0))  # doctest: +SKIP
    """
    try:
        return snn.make_net(_ARCHS[s.arch], in_features, widths=s.widths,
                            generator=generator or torch.Generator().manual_seed(0),
                            dtype=dtype, device=device, **_given(s, ("name", "arch", "widths")))
    except InputError as exc:
        what = section if exc.what == "model input" else re.sub(r"^model\.", f"{section}.", exc.what)
        raise InputError(what, exc.problem, exc.fix) from None


# -- training --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PDETrainSpec(TrainBase):
    """Optimiser, loss and sampling (module docstring); ``beta`` is the boundary penalty (> 0).

    Parameters
    ----------
    optimizer : str, default "adam"
        A name of :data:`simbias.train.OPTIMIZERS`.
    lr : float, default 1e-3
        Learning rate (> 0).
    steps : int, default 2000
        Number of updates (≥ 1).
    lr_decay : float, default 0.0
        Multiply the learning rate by (1 − ``lr_decay``) after every step, in [0, 1).
    loss : {"ritz", "residual", "fit"}, default "ritz"
        ``ritz``: the Deep Ritz energy |Ω|·mean((1/p)A|∇u|^p + ½λ²u² − f u) + β·mean((u − g)²)
        (E & Yu, arXiv 1710.00211); ``residual``: the PINN least squares mean((L u − f)²) +
        β·mean((u − g)²); ``fit``: mean((u − u_exact)²) on the interior points.
    beta : float, default 1000.0
        The boundary penalty β (> 0).
    beta_schedule : {"constant", "staged"}, default "constant"
        ``staged``: β × 1, 10, 50, 100, 200, 500 on the step fractions [0, .1), [.1, .2),
        [.2, .25), [.25, .5), [.5, .75), [.75, 1] (the MSDNN stage penalty).
    n_interior : int, default 1000
        Interior points per step (≥ 1).
    n_boundary : int, default 100
        Boundary points per step (≥ 1).
    sampler : {"random", "stratified"}, default "stratified"
        Interior points of a box: Latin hypercube (``stratified``) or i.i.d. uniform (``random``,
        the authors' code); other domains always draw i.i.d.
    resample : bool, default True
        Draw new points every step (False: one draw for the whole run).
    """

    loss: Literal["ritz", "residual", "fit"] = "ritz"
    beta: Annotated[float, above(0.0, "the boundary penalty must be a positive finite number, e.g. 1000")] = 1000.0
    beta_schedule: Literal["constant", "staged"] = "constant"
    n_interior: Positive = 1000
    n_boundary: Positive = 100
    sampler: Literal["random", "stratified"] = "stratified"
    resample: bool = True


@dataclass(frozen=True)
class PDERecordSpec(Schedule):
    """Errors on the test points every ``every`` steps; solution snapshots every ``snapshot_every`` (≈ 20 by default).

    Parameters
    ----------
    every : int, default 100
        Errors on the test points every this many steps.
    snapshot_every : int, optional
        Solution snapshots every this many steps (unset: about 20 over the run).
    """

    every: Positive = 100


def _headline(spec, summary: dict[str, Any]) -> list[str]:
    rows = [("final relative L2 error", summary["rel_l2"]), ("final |Ω|·MSE", summary.get("domain_mse", {}))]
    return [f"{title}: " + ", ".join(f"{n} {v[n]:.3e}" for n in summary["models"] if n in v) for title, v in rows if v]


# -- the pde-compare kind ----------------------------------------------------------------------
@dataclass(frozen=True)
class PDECompareSpec(BaseSpec):
    """Spec of ``pde-compare``: train ``model`` and ``baseline`` on one PDE problem (papers.md T23–T26).

    Both networks see the same sample points at every step, the same optimiser and budget; their
    errors against the exact solution are recorded (module docstring).
    ``description``, ``seed`` and ``dtype`` are the keys every kind has (see
    :class:`~simbias.experiments.BaseSpec`).

    Parameters
    ----------
    experiment : str, default "pde-compare"
        The experiment kind (see ``simbias list``).
    problem : PDESpec
        The PDE problem, its domain and the test points (``problem.*``).
    model : NetSpec
        The network under study (``model.*``; default an MscaleDNN-2).
    baseline : NetSpec
        The network compared against (``baseline.*``; default the plain 1-180-180-180-1 sin net).
    train : PDETrainSpec
        Optimiser, loss (``ritz``, ``residual`` or ``fit``), boundary penalty and sampling (``train.*``).
    record : PDERecordSpec
        Error and snapshot intervals (``record.*``).
    extra_activations : list of str, default []
        Also train ``model`` with each of these activations (named
        ``<model.name>-<activation>``), e.g. T24's sReLU/φ vs ReLU inside the MscaleDNN structure.

    Examples
    --------
    >>> from simbias.experiments import PDECompareSpec
    >>> spec = PDECompareSpec()
    >>> spec.problem.name, spec.model.arch, spec.baseline.arch
    ('ritz_poisson', 'mscale2', 'mlp')
    """

    experiment: str = "pde-compare"
    problem: PDESpec = field(default_factory=PDESpec)
    model: NetSpec = field(default_factory=NetSpec)
    baseline: NetSpec = field(default_factory=lambda: NetSpec(name="normal", arch="mlp", widths=(180, 180, 180)))
    train: PDETrainSpec = field(default_factory=PDETrainSpec)
    record: PDERecordSpec = field(default_factory=PDERecordSpec)
    extra_activations: Annotated[tuple[str, ...], _ACTIVATIONS] = ()

    def validate(self):
        for section, net in self.networks():  # a throw-away build: the checks of simbias.nn
            build_net(net, 1, section=section)
        names = [s.name for _, s in self.networks()]
        if len(set(names)) < len(names):
            raise InputError("baseline.name", f"two networks share a name: {names}",
                             "give model and baseline different names")

    def networks(self) -> list[tuple[str, NetSpec]]:
        """``(section, spec)`` of every network to train, in order: model, baseline, extra activations."""
        extra = [replace(self.model, name=f"{self.model.name}-{a}", activation=a) for a in self.extra_activations]
        return [("model", self.model), ("baseline", self.baseline)] + [("model", s) for s in extra]


def _build_compare(spec: PDECompareSpec, device: str = "cpu") -> Plan:
    """One :class:`Fit` per network: its own objective (fresh points from a generator seeded alike for all)."""
    dtype = torch_dtype(spec.dtype)
    seeds = seeds_for(spec.seed)
    problem = build_pde(spec.problem)
    x64, grid_static = problems.evaluation_points(problem.domain, spec.problem.n_test, seed=seeds["noise"])
    x_test = x64.to(dtype=dtype, device=device)
    t, r = spec.train, spec.record
    record = train.Record(every=r.every, snapshot_every=r.snapshot_every or max(1, t.steps // 20),
                          probes=(train.SolutionError(x_test), train.SolutionSnapshots(x_test)))
    fits, loss_settings = [], _given(t, ("optimizer", "lr", "steps", "lr_decay"))  # pde_objective's keywords
    for i, (section, s) in enumerate(spec.networks()):
        model = build_net(s, problem.dim, generator=torch.Generator().manual_seed(seeds["init"] + i), dtype=dtype,
                          device=device, section=section)
        objective = problems.pde_objective(problem, torch.Generator().manual_seed(seeds["data"]), steps=t.steps,
                                           dtype=dtype, device=device, **loss_settings)
        fits.append(Fit(model, problem, t.optimizer, t.lr, t.steps, record, {"loss": objective, "lr_decay": t.lr_decay},
                        name=s.name))
    return Plan(fits, context={"problem": problem},
                combine=lambda hs: History.side_by_side({f.name: h for f, h in zip(fits, hs)}, grid_static))


def _summarize_compare(spec: PDECompareSpec, plan: Plan, history: History) -> dict[str, Any]:
    """Final and best errors of every network that ran (dicts keyed by network name) and the cost per step."""
    names, info = [f.name for f in plan.fits if f"{f.name}/rel_l2" in history], history.info
    last = {key: {n: float(history[f"{n}/{key}"][-1]) for n in names if f"{n}/{key}" in history
                  and len(history[f"{n}/{key}"])} for key in (*train.PDE_METRICS, "loss")}
    best = {n: int(np.nanargmin(history[f"{n}/rel_l2"])) for n in names}
    return {"models": names, **{m: last[m] for m in train.PDE_METRICS},
            "best_rel_l2": {n: float(history[f"{n}/rel_l2"][i]) for n, i in best.items()},
            "best_rel_l2_step": {n: int(history.steps[i]) for n, i in best.items()},
            "final_loss": last["loss"],
            "wall_time_s": {n: round(float(info[n]["wall_time_s"]), 3) for n in names if n in info},
            "ms_per_step": {n: _ms_per_step(info[n]) for n in names if n in info},
            "problem": repr(plan.context["problem"])}


def _ms_per_step(info: dict[str, Any]) -> float:
    return round(1000 * float(info["wall_time_s"]) / max(int(info["steps_done"]), 1), 3)


PDE_COMPARE = register_kind(Kind(
    "pde-compare", PDECompareSpec, _build_compare, _summarize_compare,
    "networks on one PDE (Ritz, PINN residual or fit): errors vs the exact solution over training",
    headline=_headline, hint="lower train.lr or train.beta", aliases=("pde_compare",)))
