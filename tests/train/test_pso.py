"""Gradient-free optimisers: batched evaluation == sequential, monotone PSO, options, registry."""

import numpy as np
import pytest
import torch

from simbias import nn as snn
from simbias.errors import InputError
from simbias.problems import load_digits, make_regression
from simbias.train import (ES, OPTIMIZERS, PSO, FunctionalLoss, OnePlusOneES, Record, TrainLoss, fit,
                           make_optimizer)


def setup(seed=0, dtype=torch.float64):
    problem = make_regression("sin(x) + sin(3*x)", n_train=41, dtype=dtype)
    model = snn.MLP(1, [8], activation="tanh", init="std", init_std=0.5, generator=torch.Generator().manual_seed(seed),
                    dtype=dtype)
    return problem, model


def mse_objective(problem):
    def objective(model, step):
        return ((model(problem.x_train) - problem.y_train) ** 2).mean()
    return objective


def test_functional_loss_matches_the_model_at_each_vector(f64):
    problem, model = setup()
    params = list(model.parameters())
    crit = lambda out, y: ((out - y) ** 2).mean()  # noqa: E731
    fl = FunctionalLoss(params, model, problem.x_train, problem.y_train, crit, chunk_size=3)
    theta0 = torch.nn.utils.parameters_to_vector(params).detach()
    thetas = theta0 + 0.3 * torch.randn(7, theta0.numel(), generator=torch.Generator().manual_seed(1))
    got = fl(thetas)
    for i in range(7):
        torch.nn.utils.vector_to_parameters(thetas[i], params)
        with torch.no_grad():
            want = crit(model(problem.x_train), problem.y_train)
        torch.testing.assert_close(got[i], want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,opts", [("pso", dict(particles=12)), ("es", dict(population=10, sigma=0.05))])
def test_batched_and_sequential_evaluation_give_the_same_run(name, opts):
    """fit's closure hooks (vmap over functional_call) and the plain closure (one call per
    particle) must drive the optimiser through the same numbers."""
    runs = []
    for loss in ("mse", "callable"):
        problem, model = setup()
        opt = make_optimizer(name, model.parameters(), lr=1.0 if name == "pso" else 0.05, seed=3, **opts)
        h = fit(model, problem, opt, steps=25, loss="mse" if loss == "mse" else mse_objective(problem))
        runs.append((h["loss"], torch.nn.utils.parameters_to_vector(model.parameters()).detach(), opt.evaluations))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(runs[0][1], runs[1][1], rtol=1e-9, atol=1e-11)
    assert runs[0][2] == runs[1][2]


def test_pso_loss_never_increases_and_counts_evaluations(f64):
    problem, model = setup()
    opt = PSO(model.parameters(), particles=20, seed=0)
    h = fit(model, problem, opt, steps=60, record=Record(every=10, probes=(TrainLoss(),)))
    loss = h["loss"]
    assert np.all(np.diff(loss) <= 1e-15) and loss[-1] < 0.5 * loss[0]
    assert opt.best_loss == pytest.approx(float(h["train_loss"][-1]), rel=1e-12)  # the model holds the swarm's best
    assert opt.evaluations == 20 * 61 + 60  # initial swarm + 60 moves, plus one closure call per step
    assert opt.positions.shape == (20, sum(p.numel() for p in model.parameters()))


def test_es_and_one_plus_one_reduce_the_loss(f64):
    for cls, kw in ((ES, dict(lr=0.03, population=20, sigma=0.02)), (OnePlusOneES, dict(lr=0.1))):
        problem, model = setup()
        h = fit(model, problem, cls(model.parameters(), seed=1, **kw), steps=150)
        assert h["loss"][-1] < 0.6 * h["loss"][0], cls.__name__


def test_same_seed_same_swarm_and_lr_scales_the_move(f64):
    finals = []
    for lr in (1.0, 1.0, 0.5):
        problem, model = setup()
        fit(model, problem, PSO(model.parameters(), lr=lr, particles=10, seed=7), steps=15)
        finals.append(torch.nn.utils.parameters_to_vector(model.parameters()).detach())
    assert torch.equal(finals[0], finals[1]) and not torch.equal(finals[0], finals[2])


def test_pso_trains_a_cnn_with_cross_entropy():
    ds = load_digits(n=60, dtype=torch.float32)
    problem = type("P", (), {"x_train": ds.x, "y_train": ds.y})()
    model = snn.CNN((1, 8, 8), 10, channels=(4, 4), hidden=(16,), generator=torch.Generator().manual_seed(0))
    opt = PSO(model.parameters(), particles=8, seed=0, chunk_size=4)
    h = fit(model, problem, opt, steps=8, loss="cross_entropy")
    assert h["loss"][-1] < h["loss"][0]


def test_registry_and_bad_options():
    assert {"pso", "es", "one_plus_one"} <= set(OPTIMIZERS)
    _, model = setup()
    for name, kw, needle in [("pso", dict(particles=1), "train.particles"), ("pso", dict(inertia=-1), "train.inertia"),
                             ("es", dict(population=7), "train.population"), ("es", dict(sigma=0), "train.sigma"),
                             ("pso", dict(spread=-0.1), "train.spread")]:
        with pytest.raises(InputError, match=needle):
            make_optimizer(name, model.parameters(), lr=1.0, **kw)
    with pytest.raises(InputError, match="closure"):
        PSO(model.parameters()).step(None)
