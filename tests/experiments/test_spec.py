import pytest

from simbias.errors import InputError
from simbias.experiments import (FPrincipleSpec, from_dict, list_presets, parse_value, resolve_spec,
                                 split_grid_values, to_dict, to_toml, valid_keys)
from simbias.io import load_toml_text


def test_round_trip_every_preset():
    for name in list_presets():
        spec, _ = resolve_spec(name)
        data = to_dict(spec)
        again = from_dict(type(spec), load_toml_text(to_toml(data), "x"))
        assert again == spec, name


def test_issue_keys_exist():
    keys = set(valid_keys(FPrincipleSpec))
    for k in ["problem.target", "problem.domain", "problem.n_train", "problem.noise_std", "model.widths",
              "model.activation", "train.optimizer", "train.lr", "train.steps", "train.loss", "record.every", "seed"]:
        assert k in keys


def test_set_reads_toml_else_string():
    assert parse_value("1e-3") == 1e-3
    assert parse_value("[200, 100]") == [200, 100]
    assert parse_value("true") is True
    assert parse_value("sin(x)+0.5*sin(6*x)") == "sin(x)+0.5*sin(6*x)"
    spec, _ = resolve_spec("fprinciple-1d", ["train.lr=1e-3", "model.widths=[20,10]", "problem.target=sin(x)+0.5*sin(6*x)"])
    assert spec.train.lr == 1e-3 and spec.model.widths == (20, 10) and spec.problem.target == "sin(x)+0.5*sin(6*x)"


def test_unknown_key_lists_valid_ones():
    with pytest.raises(InputError) as err:
        resolve_spec("fprinciple-1d", ["train.learning_rate=1"])
    assert "train.learning_rate" in str(err.value) and "train.lr" in str(err.value)


@pytest.mark.parametrize("bad", ["train.steps=abc", "train.steps=1.5", "model.widths=3", "train.lr=-1",
                                 "model.activation=swish", 'train.loss="l1"', "problem.domain=[1.0,0.0]"])
def test_wrong_types_and_values(bad):
    with pytest.raises(InputError) as err:
        resolve_spec("fprinciple-1d", [bad])
    assert bad.split("=")[0] in str(err.value)


def test_grid_split_outside_brackets():
    assert split_grid_values("[16],[32, 32]") == ["[16]", "[32, 32]"]
    assert split_grid_values("0.1,0.5,1") == ["0.1", "0.5", "1"]
    assert split_grid_values('"max(x,0)",sin(x)') == ['"max(x,0)"', "sin(x)"]
    assert split_grid_values("'a,b', max(x,0) ,, [1,(2,3)]") == ["'a,b'", "max(x,0)", "[1,(2,3)]"]
    assert split_grid_values('"open, quote') == ['"open, quote']  # an unclosed quote runs to the end


def test_none_round_trips_and_partial_sections_keep_the_kinds_defaults():
    import dataclasses
    from dataclasses import dataclass, field

    from simbias.experiments import TrainSpec

    @dataclass(frozen=True)
    class Section:
        a: int = 1
        b: float | None = 0.5

    @dataclass(frozen=True)
    class Kind:
        seed: int = 0
        section: Section = field(default_factory=lambda: Section(a=7))
        train: TrainSpec = field(default_factory=lambda: TrainSpec(lr=0.25, steps=99))

    spec = from_dict(Kind, {"section": {"b": None}, "train": {"steps": 5}})
    assert spec.section == Section(a=7, b=None)            # a from the kind's default, b set to None
    assert spec.train.lr == 0.25 and spec.train.steps == 5  # lr from the kind's default
    again = from_dict(Kind, load_toml_text(to_toml(to_dict(spec)), "x"))
    assert again == spec
    assert dataclasses.replace(spec, seed=1) != spec


def test_old_kind_names_still_load(tmp_path):
    """Kinds are spelled with hyphens; a spec file with an older name still loads, as the new kind."""
    from simbias.experiments import get_kind

    old = tmp_path / "old.toml"
    text = to_toml(to_dict(resolve_spec("jacobi-vs-dnn")[0])).replace('experiment = "jacobi-vs-dnn"',
                                                                       'experiment = "jacobi_vs_dnn"')
    old.write_text(text)
    spec, _ = resolve_spec(str(old))
    assert spec.experiment == "jacobi-vs-dnn" and get_kind("pde_compare").name == "pde-compare"
    assert to_dict(spec) == to_dict(resolve_spec("jacobi-vs-dnn")[0])
