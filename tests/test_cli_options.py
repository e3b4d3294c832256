"""CLI rough edges (issue 20, item 4): one ``--set`` syntax for every command, help without
docstring markup, ``bound``/``compare`` in 4 significant digits with units and the explicit and
O(·) bounds in separate columns, ``bound`` with missing inputs exits 2 naming them."""

import re

import pytest

import ratecheck.cli as cli
from ratecheck.cli import parse_sets, plain
from ratecheck.errors import SpecError
from ratecheck.theory.commands import parse_sets as card_sets

MARKUP = re.compile(r"``|:[a-z]+:`")


def _run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_set_takes_several_pairs_after_one_flag_in_every_command(capsys):
    assert parse_sets(["d=5", "L=2", "noise=scalar", "eigenvalues=[1, 2]"]) == {"d": 5, "L": 2, "noise": "scalar", "eigenvalues": [1, 2]}
    assert card_sets(["L=1", "eps=1e-2"]) == {"L": 1.0, "eps": 0.01}
    with pytest.raises(SpecError, match="^d: missing value"):
        parse_sets(["d="])
    with pytest.raises(SpecError, match="^L: must be a number"):
        card_sets(["L=two"])
    code, out, _ = _run(capsys, "problems", "quadratic", "--set", "d=5", "L=2", "--json")
    assert code == 0 and '"d": 5' in out and '"L": 2' in out
    code, _, err = _run(capsys, "problems", "quadratic", "--set", "d=5", "L")
    assert code == 2 and err.startswith("ratecheck: error: --set: expected NAME=VALUE, got 'L'")


def test_help_text_has_no_docstring_markup(capsys):
    assert plain("``ratecheck pep`` and :func:`~ratecheck.report.write_report`, :mod:`ratecheck.cli`") == \
        "ratecheck pep and write_report, ratecheck.cli"
    parser = cli.build_parser([], everything=True)
    sub = parser._subparsers._group_actions[0]  # the subcommands
    assert len(sub.choices) >= 10
    for name, p in sub.choices.items():
        assert not MARKUP.search(p.format_help()), name
    with pytest.raises(SystemExit):
        cli.main(["problems", "--help"])
    assert "``" not in capsys.readouterr().out


def test_bound_prints_four_digits_with_units_in_explicit_and_hidden_columns(capsys):
    code, out, _ = _run(capsys, "bound", "ringmaster-asgd", "--set", "L=1", "Delta=1", "sigma2=1", "eps=0.01",
                        "--tau-profile", "sqrt:n=8")
    assert code == 0
    assert re.search(r"^ {4}iterations +240000 iterations +— +\[verified", out, re.M)
    assert re.search(r"^ {4}time +1\.186e\+05 virtual seconds +— +\[", out, re.M)  # 118588.0121: 4 digits
    assert "explicit" in out and "O(·), constants hidden" in out
    code, out, _ = _run(capsys, "bound", "minibatch-sgd", "--set", "L=1", "Delta=1", "sigma2=1", "eps=0.01", "--tau", "1,2")
    assert re.search(r"^ {4}time +— +10200 virtual seconds +\[", out, re.M)  # an O(·) bound: the second column


def test_bound_with_missing_inputs_exits_2_naming_them(capsys):
    code, out, err = _run(capsys, "bound", "asgd", "--set", "L=1", "Delta=1", "sigma2=1", "eps=0.1")
    assert code == 2 and out == ""
    assert err.startswith("ratecheck: error: concurrency, delay_max, n, tau: missing: asgd needs them") and err.count("\n") == 1


def test_compare_separates_explicit_and_hidden_bounds(capsys):
    code, out, _ = _run(capsys, "compare", "ringmaster-asgd", "minibatch-sgd", "--set", "L=1", "Delta=1", "sigma2=1",
                        "eps=0.01", "--tau-profile", "sqrt:n=8")
    assert code == 0
    head, ring, mini = out.splitlines()[:3]
    assert "iterations O(·)" in head and "time (virtual s)" in head
    assert ring.split()[2:6] == ["240000", "—", "1.186e+05", "—"]
    assert mini.split()[2:6] == ["—", "1350", "—", "3818"]
