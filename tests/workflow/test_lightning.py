"""MonitorCallback in a real Lightning Trainer (CPU) gives the same Δ_F history as train.fit."""

import copy

import numpy as np
import pytest
import torch

import simbias
from simbias import nn, problems, train
from tests.helpers import TOL

pl = pytest.importorskip("lightning.pytorch")


class _Module(pl.LightningModule):
    def __init__(self, net, lr):
        super().__init__()
        self.net, self.lr = net, lr

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return ((self.net(x) - y) ** 2).mean()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def test_callback_matches_fit(tmp_path):
    prob = problems.make_regression("sin(x)+0.5*sin(3*x)", n_train=61, n_test=100)
    net = nn.MLP(1, [32, 32], 1, generator=torch.Generator().manual_seed(3))
    net2 = copy.deepcopy(net)
    steps = 30
    hist = train.fit(net, prob, torch.optim.Adam(net.parameters(), lr=1e-3), steps=steps,
                     record=train.Record(every=3, probes=(train.PeakError(),)))
    from simbias.workflow import MonitorCallback

    cb = MonitorCallback((prob.x_train, prob.y_train), ["peak_error"], every=3, out=tmp_path / "pl")
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(prob.x_train, prob.y_train),
                                         batch_size=len(prob.x_train), shuffle=False)
    trainer = pl.Trainer(max_steps=steps, accelerator="cpu", devices=1, callbacks=[cb], logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(_Module(net2, 1e-3), loader)
    run = simbias.load(cb.run_dir)
    np.testing.assert_array_equal(run.history.steps, hist.steps)
    np.testing.assert_allclose(run.history["peak_error"], hist["peak_error"], rtol=TOL[torch.float32]["rtol"] * 10,
                               atol=TOL[torch.float32]["atol"])
    assert (cb.run_dir / "report.html").exists()
