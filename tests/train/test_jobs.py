"""train.fit_job, fit_counting, projection_probes and filter_probe."""

from types import SimpleNamespace

import numpy as np
import torch

from simbias import nn, problems, train


def _job(optimizer="adam", lr=1e-2, options=None, name=""):
    model = nn.MLP(1, [8], generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    problem = problems.make_regression("sin(x)", n_train=32, dtype=torch.float64)
    return SimpleNamespace(model=model, problem=problem, optimizer=optimizer, lr=lr, steps=6,
                           record=train.Record(every=1, probes=(train.TrainLoss(),)), options=options or {}, name=name)


def test_fit_job_is_one_plain_fit_and_names_the_job():
    a, b = _job(name="deep 1"), _job()
    h = train.fit_job(a)
    ref = train.fit(b.model, b.problem, "adam", steps=6, record=b.record, lr=1e-2)
    assert np.array_equal(h["train_loss"], ref["train_loss"]) and h.info["job"] == "deep 1"
    assert "job" not in train.fit_job(_job()).info


def test_fit_counting_counts_the_swarm_evaluations():
    job = _job("pso", 1.0, {"optimizer_options": {"particles": 4, "seed": 0}})
    h = train.fit_counting(job)
    twin = _job()  # the same model and data, trained by hand
    opt = train.make_optimizer("pso", twin.model.parameters(), lr=1.0, particles=4, seed=0)
    ref = train.fit(twin.model, twin.problem, opt, steps=6)
    assert h.info["loss_evaluations"] == opt.evaluations >= 6 * 4
    assert h.static["loss"][-1] == ref.static["loss"][-1]


def test_projection_probes_direction_given_then_data_then_pc1():
    ds = problems.load_dataset("synthetic-projection", n=40, d=4)
    assert train.projection_probes(ds, direction=[1, 0, 0, 0])[1] == "given"
    assert train.projection_probes(ds)[1] == "data"
    digits = problems.load_dataset("digits", n=40)
    probes, source = train.projection_probes(digits, n_k=20)
    assert source == "pc1" and [type(p) for p in probes] == [train.ProjectionError, train.ProjectionSpectrum]


def test_filter_probe_given_deltas_or_chosen_from_energy_shares():
    ds = problems.load_dataset("synthetic-projection", n=40, d=3, dtype=torch.float64)
    probe, source = train.filter_probe(ds, [0.5, 2.0])
    assert source == "given" and list(probe.deltas) == [0.5, 2.0]
    probe, source = train.filter_probe(ds, shares=[0.6])
    y = train.target_matrix(ds.y_train, dtype=ds.x.dtype)
    assert source == "energy shares" and list(probe.deltas) == train.choose_deltas(ds.x, y, [0.6])[0]
