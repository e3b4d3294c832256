"""The asynchrony models declare their parameters as the problem families do: once, in the
annotated signature of their constructor (type, range and description, checked by
``ratecheck.strict.validated``), listed by ``ratecheck models``."""

import argparse
import json

import pytest

from ratecheck.asynchrony import MODELS, commands, make_model
from ratecheck.errors import SpecError
from ratecheck.strict import declared

NAMES = MODELS.names()


def cli(argv):
    parser = argparse.ArgumentParser(prog="ratecheck")
    commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def branches(schema: dict) -> list[dict]:
    return schema.get("anyOf", [schema])


def a_value(schema: dict):
    """A value of the declared type (given for the required parameters around the one tested)."""
    return {"integer": 1, "number": 1.0, "string": "x", "array": []}[branches(schema)[0]["type"]]


def wrong_values(schema: dict) -> list:
    """Values of the wrong type for a declaration: a boolean; a string unless any text is
    allowed; 2.5 unless a float is (an integer's fraction, or a number where a name or a
    list is wanted)."""
    kinds = [b.get("type") for b in branches(schema)]
    free_text = any(b.get("type") == "string" and "enum" not in b and "const" not in b for b in branches(schema))
    return [True] + ([] if free_text else ["not-a-value"]) + ([] if "number" in kinds else [2.5])


def test_the_bundled_models_are_registered():
    assert {"fixed", "random", "universal", "data-dependent", "trace", "constant", "uniform", "sequence",
            "adversarial"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_is_declared_with_a_type_and_a_description(name):
    params = declared(MODELS.get(name).__init__)
    assert params
    for param, p in params.items():
        assert p["schema"], f"{name}.{param} has no type annotation"
        assert p["description"], f"{name}.{param} has no Field(description=...)"


@pytest.mark.parametrize("name", NAMES)
def test_a_wrong_typed_value_is_refused_naming_the_parameter(name):
    params = declared(MODELS.get(name).__init__)
    required = {k: a_value(p["schema"]) for k, p in params.items() if p["required"]}
    for param, p in params.items():
        for bad in wrong_values(p["schema"]):
            with pytest.raises(SpecError) as err:
                make_model({"model": name, **required, param: bad})
            assert err.value.field == f"asynchrony.{param}", (param, bad, str(err.value))


def test_a_wrong_entry_of_a_list_or_a_table_is_named():
    for spec, field, text in [
        ({"model": "fixed", "tau": [1, "a"]}, "asynchrony.tau[1]", 'must be a valid number, got "a"'),
        ({"model": "fixed", "tau": [1, 0]}, "asynchrony.tau[1]", "must be greater than 0, got 0"),
        ({"model": "sequence", "values": [1, 2.5]}, "asynchrony.values[1]", "must be a valid integer, got 2.5"),
        ({"model": "universal", "breaks": [[0, "1"]], "rates": [[1, 1]]}, "asynchrony.breaks[0][1]",
         'must be a valid number, got "1"'),
        ({"model": "universal", "rate": [1.0], "pieces": [{"worker": 0, "start": 1}]}, "asynchrony.pieces[0].rate",
         "missing"),
        ({"model": "universal", "rate": [1.0], "outages": [{"worker": 0.5, "start": 1}]},
         "asynchrony.outages[0].worker", "must be a valid integer or a valid list or 'all', got 0.5"),
    ]:
        with pytest.raises(SpecError) as err:
            make_model(spec)
        assert err.value.field == field and str(err.value) == f"{field}: {text}"


def test_listing_names_every_model_with_its_parameters_and_descriptions(capsys):
    assert cli(["models"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert f"\n{name} — " in f"\n{out}"
        for param, p in declared(MODELS.get(name).__init__).items():
            assert f"    {param}: " in out and p["description"] in out
    assert "    tau: int ≥ 0 (required) — the delay δ_k of every step\n" in out
    assert "    scale: float > 0 (default 1.0) — multiplies every τ_i\n" in out


def test_listing_json_and_one_model(capsys):
    assert cli(["models", "--json"]) == 0
    entries = {e["model"]: e for e in json.loads(capsys.readouterr().out)}
    assert set(entries) == set(NAMES)
    assert entries["trace"]["required"] == ["file"]
    assert entries["fixed"]["parameters"]["order"] == {
        "type": '"sorted" | "shuffled" | "given"', "default": "sorted",
        "description": "τ sorted increasingly, shuffled with shuffle_seed, or as the profile gives them"}
    assert cli(["models", "uniform"]) == 0
    assert capsys.readouterr().out.startswith("uniform — ")
    with pytest.raises(SpecError) as err:
        cli(["models", "no-such-model"])
    assert err.value.field == "model"
