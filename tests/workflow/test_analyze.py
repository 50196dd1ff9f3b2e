"""simbias.analyze and `simbias analyze`: spectrum along PC1, filtering, condensation; bad input."""

import numpy as np
import pytest
import torch

import simbias
from simbias import nn, problems
from simbias.cli import main


def make_net():  # the architecture of a state-dict file (called by --arch / module:function)
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10))


def _trained(steps=60):
    ds = problems.load_dataset("digits", n=300)
    net = make_net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(ds.x), ds.y).backward()
        opt.step()
    return net, ds


def test_analyze_python(tmp_path):
    net, ds = _trained()
    a = simbias.analyze(net, ds.x, ds.y, out=tmp_path / "a")
    s = a.summary
    assert {"final_e_low", "final_e_high", "final_projection_error", "final_effective_width", "final_n_clusters"} <= set(s)
    # a trained classifier fits the low-frequency part better than the high (F-Principle)
    assert np.mean(s["final_e_low"]) < np.mean(s["final_e_high"])
    run = simbias.load(a.path)
    assert run.experiment == "analyze" and (a.path / "report.html").exists()
    assert {"filtering.png", "projection_spectrum.png"} <= {p.name for p in run.figures}
    (a.path / "report.html").unlink()
    assert main(["report", str(a.path)]) == 0 and (a.path / "report.html").exists()


def test_analyze_cli_torchscript_state_dict_and_entry(tmp_path, monkeypatch, capsys):
    net, _ = _trained(20)
    ts, sd = tmp_path / "net.pt", tmp_path / "net.sd"
    torch.jit.save(torch.jit.script(net), str(ts))
    torch.save(net.state_dict(), str(sd))
    (tmp_path / "mynets.py").write_text("import torch\nfrom tests.workflow.test_analyze import make_net\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import sys
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert main(["analyze", str(ts), "--data", "digits", "--n", "200", "--out", "ts", "--no-figures"]) == 0
    assert main(["analyze", str(sd), "--arch", "mynets:make_net", "--data", "digits", "--n", "200", "--out", "sd",
                 "--no-figures"]) == 0
    a, b = simbias.load("ts").summary, simbias.load("sd").summary
    np.testing.assert_allclose(a["final_e_low"], b["final_e_low"], rtol=1e-5)
    assert main(["analyze", "mynets:make_net", "--data", "digits", "--n", "200", "--out", "ep", "--no-figures"]) == 0
    assert "e_low" in capsys.readouterr().out


@pytest.mark.parametrize("argv,msg", [
    (["analyze", "nope.pt", "--data", "digits"], "MODEL: 'nope.pt' is not a file nor module:function"),
    (["analyze", "os:getcwd", "--data", "digits"], "MODEL: os:getcwd() returned str"),
    (["analyze", "nomodule_xyz:f", "--data", "digits"], "MODEL: cannot import 'nomodule_xyz'"),
    (["analyze", "tests.workflow.test_analyze:make_net", "--data", "faces"], "--data: 'faces' is neither"),
])
def test_analyze_bad_input(argv, msg, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1
    assert not (tmp_path / "runs").exists()


def test_state_dict_without_arch(tmp_path, capsys):
    f = tmp_path / "w.sd"
    torch.save(make_net().state_dict(), str(f))
    assert main(["analyze", str(f), "--data", "digits", "--out", str(tmp_path / "o")]) == 2
    assert "--arch" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_analyze_1d_has_peak_error(tmp_path):
    prob = problems.make_regression("sin(x)+sin(4*x)", n_train=81, n_test=50)
    net = nn.MLP(1, [32], 1, generator=torch.Generator().manual_seed(0))
    a = simbias.analyze(net, prob.x_train, prob.y_train)
    assert a.path is None and a.history["peak_error"].shape == (1, 2)
