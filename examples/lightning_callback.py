"""The simbias instruments as a PyTorch Lightning callback: the CNN of own_loop.py on the digits.

    python examples/lightning_callback.py     # → runs/lightning-callback/report.html (about a minute)

Needs ``pip install 'simbias[lightning,data]'``.  ``MonitorCallback`` records before every
optimiser step (step = ``trainer.global_step``) and writes the run directory when training ends.
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lightning.pytorch as pl  # noqa: E402

import simbias  # noqa: E402
from own_loop import make_cnn  # noqa: E402
from simbias.problems import load_dataset, train_test_split  # noqa: E402
from simbias.workflow import MonitorCallback  # noqa: E402


class Classifier(pl.LightningModule):
    def __init__(self, net: torch.nn.Module, lr: float = 1e-3):
        super().__init__()
        self.net, self.lr = net, lr

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self.net(x), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def main(out: str = "runs/lightning-callback", epochs: int = 30, batch_size: int = 100) -> None:
    torch.set_num_threads(1)
    train_set, _ = train_test_split(load_dataset("digits"), n_train=1000, seed=0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_set.x, train_set.y),
                                         batch_size=batch_size, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    cb = MonitorCallback((train_set.x, train_set.y), ["loss", "accuracy", "filtering", "projection"],
                         every=10, snapshot_every=50, out=out, name="Lightning: CNN on digits",
                         settings={"optimizer": "adam", "lr": 1e-3, "batch_size": batch_size, "epochs": epochs})
    trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, callbacks=[cb], logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Classifier(make_cnn()), loader)
    run = simbias.load(cb.run_dir)
    print(run)
    print(f"e_low  (per δ) at the end: {[round(v, 3) for v in run.summary['final_e_low']]}")
    print(f"e_high (per δ) at the end: {[round(v, 3) for v in run.summary['final_e_high']]}")
    print(f"report: {cb.run_dir / 'report.html'}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
