"""The simbias instruments in your own training loop: a small CNN on the bundled 8×8 digits.

Plain PyTorch: your model, your optimiser, your mini-batches.  A ``simbias.Monitor`` records the
filtering method (e_low / e_high: the low-frequency part of the labels is learned first) and the
projection method (Δ along the first principal component) on the training set, and writes a
normal run directory with figures and report.html:

    python examples/own_loop.py            # → runs/own-loop/report.html  (about a minute, 1 thread)
    simbias report runs/own-loop           # rebuild the report; simbias.load("runs/own-loop") in a notebook

Needs scikit-learn for the digits (``pip install 'simbias[data]'``).
"""

import sys

import torch

import simbias
from simbias.problems import load_dataset, train_test_split


def make_cnn() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 8, 8)),
        torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(32 * 2 * 2, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )


def main(out: str = "runs/own-loop", epochs: int = 30, batch_size: int = 100) -> None:
    torch.set_num_threads(1)
    train_set, test_set = train_test_split(load_dataset("digits"), n_train=1000, seed=0)
    model = make_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    monitor = simbias.Monitor(
        model, (train_set.x, train_set.y, test_set.x, test_set.y),
        probes=["loss", "accuracy", "filtering", "projection"],
        every=10, snapshot_every=50, name="own loop: CNN on digits",
        settings={"optimizer": "adam", "lr": 1e-3, "batch_size": batch_size, "epochs": epochs},
    )
    g = torch.Generator().manual_seed(0)
    step = 0
    for _ in range(epochs):
        for idx in torch.randperm(len(train_set.x), generator=g).split(batch_size):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(train_set.x[idx]), train_set.y[idx])
            monitor.step(step, loss=loss)  # before the update: the state after `step` updates
            loss.backward()
            opt.step()
            step += 1
    path = monitor.finish(out, step=step)
    run = simbias.load(path)
    print(run)
    print(f"e_low  (per δ) at the end: {[round(v, 3) for v in run.summary['final_e_low']]}")
    print(f"e_high (per δ) at the end: {[round(v, 3) for v in run.summary['final_e_high']]}")
    print(f"report: {path / 'report.html'}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
