"""fit_ensemble: M members in lockstep equal M fit calls; per-member lr; divergence isolation.

Exactness contract (DESIGN.md): a batched member equals its own ``fit`` within the per-dtype table of
tests/helpers.py (float32: relative 1e-5 on every recorded array and every parameter; float64: 1e-10),
never bitwise — batched and per-member kernels round differently on AVX2 and AVX-512 CPUs. Bitwise
equality is asserted only for the same computation run twice.
"""

import copy
import json
import os

import numpy as np
import pytest
import torch

from simbias import nn as snn
from simbias import problems, train
from simbias.errors import InputError, Outcome

from helpers import REL

pytestmark = pytest.mark.numerics


def _problem(dtype, n=64, target="sin(x) + sin(3*x)", noise=0.0, seed=0):
    return problems.make_regression(target, n_train=n, n_test=100, noise_std=noise, noise_seed=seed, dtype=dtype)


def _mlp(seed, dtype, widths=(16, 16), act="tanh"):
    return snn.MLP(1, list(widths), 1, activation=act, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _record(problem):
    return train.Record(every=1, snapshot_every=10, probes=train.default_probes(problem))


def _fit_each(models, problem, lrs, steps, opt="adam", **kw):
    out = []
    for m, lr in zip(models, lrs):
        m = copy.deepcopy(m)
        o = torch.optim.Adam(m.parameters(), lr=lr) if opt == "adam" else torch.optim.SGD(m.parameters(), lr=lr, momentum=0.9)
        pr = problem(m) if callable(problem) else problem
        out.append((train.fit(m, pr, o, steps=steps, record=_record(pr), **kw), m))
    return out


def _rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def _compare(H, refs, ens, tol):
    worst = 0.0
    for i, (ref, model) in enumerate(refs):
        h = train.member_history(H, i)
        assert h.outcome == Outcome.COMPLETED
        assert np.array_equal(h.steps, ref.steps)
        for k in ref.arrays:
            assert h[k].shape == ref[k].shape, k
            worst = max(worst, _rel(h[k], ref[k]))
        worst = max(worst, _rel(h["loss"], ref["loss"]))
        for name, p in model.named_parameters():
            worst = max(worst, _rel(ens.params[name][i].detach(), p.detach()))
    assert worst <= tol, worst
    _log_worst(H, worst)
    return worst


def _log_worst(H, worst):
    """Append the largest batched-vs-single difference to $SIMBIAS_NUMERICS_LOG (a JSON line), if set."""
    path = os.environ.get("SIMBIAS_NUMERICS_LOG")
    if path:
        dtype = str(np.asarray(H["train_loss"]).dtype)
        with open(path, "a") as f:
            f.write(json.dumps({"dtype": dtype, "worst": worst,
                                "cap": os.environ.get("ATEN_CPU_CAPABILITY", "native")}) + "\n")


@pytest.mark.parametrize("kernel", ["dense", "vmap"])
def test_float64_ensemble_equals_fit_calls(kernel):
    dt = torch.float64
    prob = _problem(dt)
    models = [_mlp(s, dt) for s in range(3)]
    lrs = [1e-3, 3e-3, 5e-4]
    refs = _fit_each(models, prob, lrs, 40)
    ens = train.Ensemble([copy.deepcopy(m) for m in models], kernel=kernel)
    H = train.fit_ensemble(ens, prob, train.EnsembleAdam(ens.parameters(), lr=lrs), steps=40, record=_record(prob))
    assert H["train_loss"].shape == (3, 41) and H["output_test"].shape[0] == 3  # member axis first
    _compare(H, refs, ens, REL[torch.float64])


def test_float32_ensemble_equals_fit_within_tolerance():
    dt = torch.float32
    prob = _problem(dt, n=201, target="sin(x) + sin(3*x) + sin(5*x)")
    models = [_mlp(s, dt, widths=(32, 32)) for s in range(3)]
    refs = _fit_each(models, prob, [1e-3] * 3, 100)
    ens = train.Ensemble([copy.deepcopy(m) for m in models])
    H = train.fit_ensemble(ens, prob, "adam", lr=1e-3, steps=100, record=_record(prob))
    assert H.info["kernel"] == "dense" and H.info["backward"] == "manual"
    _compare(H, refs, ens, REL[torch.float32])  # relative 1e-5; bitwise on some CPUs, never asserted


def test_float32_vmap_kernel_within_tolerance():
    dt = torch.float32
    prob = _problem(dt)
    models = [_mlp(s, dt) for s in range(2)]
    refs = _fit_each(models, prob, [1e-3] * 2, 60)
    ens = train.Ensemble([copy.deepcopy(m) for m in models], kernel="vmap")
    H = train.fit_ensemble(ens, prob, "adam", lr=1e-3, steps=60, record=_record(prob))
    _compare(H, refs, ens, REL[torch.float32])


@pytest.mark.parametrize("act", ["relu", "sin", "sigmoid", "softplus", "gelu"])
def test_activations_within_tolerance(act):
    """Kernels that compute the tail of a tensor with other code (sigmoid, softplus) run per member."""
    dt = torch.float32
    prob = _problem(dt, n=53)
    models = [_mlp(s, dt, widths=(12, 12), act=act) for s in range(3)]
    refs = _fit_each(models, prob, [2e-3] * 3, 25)
    ens = train.Ensemble([copy.deepcopy(m) for m in models])
    H = train.fit_ensemble(ens, prob, "adam", lr=2e-3, steps=25, record=_record(prob))
    _compare(H, refs, ens, REL[torch.float32])


def test_two_layer_members_with_per_member_alpha():
    dt = torch.float32
    prob = _problem(dt, n=50)
    models = [snn.TwoLayer(1, 40, activation="relu", alpha=a, generator=torch.Generator().manual_seed(s), dtype=dt)
              for s, a in enumerate([1.0, 4.0, 0.25])]
    refs = _fit_each(models, prob, [1e-3] * 3, 50)
    ens = train.Ensemble([copy.deepcopy(m) for m in models])
    H = train.fit_ensemble(ens, prob, "adam", lr=1e-3, steps=50, record=_record(prob))
    _compare(H, refs, ens, REL[torch.float32])
    m1 = ens.member(1)
    assert isinstance(m1, snn.TwoLayer) and m1.alpha == 4.0
    torch.testing.assert_close(m1(prob.x_test), ens(prob.x_test)[1], rtol=REL[torch.float32], atol=0)


def test_sgd_momentum_derivative_loss_and_write_back():
    dt = torch.float32
    prob = _problem(dt)
    models = [_mlp(s, dt) for s in range(2)]
    refs = _fit_each(models, prob, [1e-2] * 2, 30, opt="sgd")
    trained = [copy.deepcopy(m) for m in models]
    H = train.fit_ensemble(trained, prob, "sgd", lr=1e-2, optimizer_options={"momentum": 0.9}, steps=30,
                           record=_record(prob))
    for (ref, m), t, m0 in zip(refs, trained, models):  # a list of models gets the trained parameters back
        assert not all(torch.equal(q, q0) for q, q0 in zip(t.parameters(), m0.parameters()))  # it moved
        for p, q in zip(m.parameters(), t.parameters()):
            assert _rel(q.detach(), p.detach()) <= REL[torch.float32]
    assert H.info["n_members"] == 2
    # the Sobolev loss goes through autograd with one input copy per member
    refs = []
    for s in range(2):
        m = _mlp(s, dt)
        refs.append(train.fit(m, prob, torch.optim.Adam(m.parameters(), lr=1e-3), steps=20, loss="mse+derivative",
                              derivative_weight=0.1))
    H = train.fit_ensemble([_mlp(s, dt) for s in range(2)], prob, "adam", lr=1e-3, steps=20, loss="mse+derivative",
                           derivative_weight=0.1)
    for i in range(2):
        assert _rel(train.member_history(H, i)["loss"], refs[i]["loss"]) <= 1e-5


@pytest.mark.parametrize("name,kw", [("adam", {"weight_decay": 0.01, "betas": (0.8, 0.99)}),
                                     ("sgd", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
                                     ("sgd", {})])
def test_ensemble_optimizers_equal_torch_optim_at_one_member(name, kw):
    g = torch.Generator().manual_seed(0)
    ps = [torch.randn(7, 5, generator=g), torch.randn(3, generator=g)]
    a = [p.clone().requires_grad_() for p in ps]
    b = [p.clone()[None] for p in ps]
    ref = (torch.optim.Adam if name == "adam" else torch.optim.SGD)(a, lr=0.01, **kw)
    ours = train.make_ensemble_optimizer(name, b, lr=0.01, **kw)
    for _ in range(25):
        grads = [torch.randn(p.shape, generator=g) for p in ps]
        for p, gr in zip(a, grads):
            p.grad = gr.clone()
        ref.step()
        ours.step([gr[None] for gr in grads])
    for x, y in zip(a, b):
        assert torch.equal(x.detach(), y[0])


def test_per_member_learning_rate_tensor_and_decay():
    p = torch.zeros(3, 2)
    opt = train.EnsembleSGD([p], lr=[0.1, 0.2, 0.3])
    opt.step([torch.ones(3, 2)])
    assert torch.allclose(p[:, 0], torch.tensor([-0.1, -0.2, -0.3]))
    opt.decay(0.5)
    opt.step([torch.ones(3, 2)], active=torch.tensor([True, False, True]))
    assert torch.allclose(p[:, 0], torch.tensor([-0.15, -0.2, -0.45]))
    with pytest.raises(InputError):
        train.EnsembleSGD([p], lr=[0.1, 0.2])
    with pytest.raises(InputError):
        train.EnsembleAdam([p], lr=-1.0)


def test_diverged_member_is_recorded_and_the_others_are_untouched():
    dt = torch.float32
    prob = _problem(dt)
    models = [_mlp(s, dt) for s in range(4)]
    lrs = [1e-3, 1e25, 1e-3, 2e-3]
    H = train.fit_ensemble([copy.deepcopy(m) for m in models], prob, "adam", lr=lrs, steps=60, record=_record(prob))
    assert H.outcome[1] == Outcome.DIVERGED and H.diverged_step[1] is not None
    assert [H.outcome[i] for i in (0, 2, 3)] == [Outcome.COMPLETED] * 3
    d = H.diverged_step[1]
    assert np.isnan(H["train_loss"][1, d:]).all() and np.isfinite(H["train_loss"][[0, 2, 3]]).all()
    h1 = train.member_history(H, 1)
    assert h1["loss"].shape == (d,) and h1.steps.max(initial=-1) < d and len(h1["train_loss"]) == len(h1.steps)
    without = train.fit_ensemble([copy.deepcopy(models[i]) for i in (0, 2, 3)], prob, "adam", lr=[lrs[i] for i in (0, 2, 3)],
                                 steps=60, record=_record(prob))
    for a, b in ((0, 0), (2, 1), (3, 2)):  # another batch composition: equal within float32's relative 1e-5
        ha, hb = train.member_history(H, a), train.member_history(without, b)
        for k in ha.arrays:
            assert _rel(ha[k], hb[k]) <= REL[torch.float32], k
        assert _rel(ha["loss"], hb["loss"]) <= REL[torch.float32]


def test_results_do_not_depend_on_chunking_or_batch_composition():
    dt = torch.float32
    prob = _problem(dt)
    models = [_mlp(s, dt) for s in range(7)]
    runs = [train.fit_ensemble([copy.deepcopy(m) for m in models], prob, "adam", lr=1e-3, steps=30, chunk_size=c,
                               record=_record(prob)) for c in (1, 4, None)]
    assert [r.info["chunks"] for r in runs] == [[3, 2, 2], [4, 3], [7]]  # never a batch of one
    for r in runs[1:]:  # other chunkings are other computations: float32 relative 1e-5, not bitwise
        for k in runs[0].arrays:
            assert _rel(r[k], runs[0][k]) <= REL[torch.float32], k
    alone = train.fit_ensemble([copy.deepcopy(models[3])], prob, "adam", lr=1e-3, steps=30, record=_record(prob))
    for k in alone.arrays:
        assert _rel(alone[k][0], runs[0][k][3]) <= REL[torch.float32], k
    again = train.fit_ensemble([copy.deepcopy(m) for m in models], prob, "adam", lr=1e-3, steps=30, chunk_size=4,
                               record=_record(prob))
    for k in again.arrays:  # the same computation twice: bit for bit
        assert np.array_equal(again[k], runs[1][k], equal_nan=True), k


def test_per_member_labels_use_each_members_own_peaks():
    dt = torch.float32
    probs = [_problem(dt, noise=0.05, seed=s) for s in range(3)]
    models = [_mlp(s, dt) for s in range(3)]

    def record():
        return train.Record(every=1, snapshot_every=10, probes=(train.TrainLoss(), train.PeakError(max_peaks=2),
                                                                train.TestError(), train.Snapshots()))

    refs = []
    for m, pr in zip(models, probs):
        m = copy.deepcopy(m)
        refs.append((train.fit(m, pr, torch.optim.Adam(m.parameters(), lr=1e-3), steps=30, record=record()), m))
    stacked = train.stack_problems(probs)
    assert "y_train" in stacked.per_member and "x_train" not in stacked.per_member
    ens = train.Ensemble([copy.deepcopy(m) for m in models])
    H = train.fit_ensemble(ens, stacked, "adam", lr=1e-3, steps=30, record=record())
    assert "target_spectrum" in H.info["member_static"] and "y_train" in H.info["member_static"]
    _compare(H, refs, ens, REL[torch.float32])


def test_members_of_different_shapes_or_settings_are_refused():
    dt = torch.float32
    with pytest.raises(InputError, match="bucket members by shape"):
        train.Ensemble([_mlp(0, dt, widths=(8,)), _mlp(1, dt, widths=(16,))])
    with pytest.raises(InputError, match="differs from member 0"):
        train.Ensemble([_mlp(0, dt, act="tanh"), _mlp(1, dt, act="relu")])
    with pytest.raises(InputError):
        train.Ensemble([])
    with pytest.raises(InputError, match="separate ensembles"):  # labels whose DFT peaks differ
        probs = [_problem(dt, target=t) for t in ("sin(x)", "sin(x) + sin(4*x)")]
        train.fit_ensemble([_mlp(0, dt), _mlp(1, dt)], train.stack_problems(probs), "adam", lr=1e-3, steps=2,
                           record=_record(probs[0]))
    ens = train.Ensemble([_mlp(0, dt), _mlp(1, dt)])
    other = train.Ensemble([_mlp(0, dt), _mlp(1, dt)])
    with pytest.raises(InputError, match="stacked parameters"):
        train.fit_ensemble(ens, _problem(dt), train.EnsembleAdam(other.parameters(), lr=1e-3), steps=2)


class _Fourier(torch.nn.Module):
    """A member type with no hand-batched kernel: goes through torch.func.vmap."""

    def __init__(self, seed):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.B = torch.nn.Parameter(torch.randn(1, 8, generator=g))
        self.lin = torch.nn.Linear(16, 1)
        with torch.no_grad():
            self.lin.weight.copy_(torch.randn(1, 16, generator=g) * 0.1)
            self.lin.bias.zero_()

    def forward(self, x):
        z = x @ self.B
        return self.lin(torch.cat([torch.sin(z), torch.cos(z)], dim=-1))


def test_generic_modules_through_vmap():
    prob = _problem(torch.float32)
    models = [_Fourier(s) for s in range(3)]
    refs = _fit_each(models, prob, [1e-2] * 3, 30)
    ens = train.Ensemble([copy.deepcopy(m) for m in models])
    assert ens.plan is None
    H = train.fit_ensemble(ens, prob, "adam", lr=1e-2, steps=30, record=_record(prob))
    assert H.info["kernel"] == "vmap"
    _compare(H, refs, ens, 1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    prob = _problem(torch.float64)
    models = [_mlp(s, torch.float64) for s in range(3)]
    cpu = train.fit_ensemble([copy.deepcopy(m) for m in models], prob, "adam", lr=1e-3, steps=30, record=_record(prob))
    gpu = train.fit_ensemble([copy.deepcopy(m).cuda() for m in models], prob.to("cuda"), "adam", lr=1e-3, steps=30,
                             record=_record(prob.to("cuda")))
    for k in cpu.arrays:
        np.testing.assert_allclose(gpu[k], cpu[k], rtol=1e-9, atol=1e-12)
