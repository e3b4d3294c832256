"""Issue 22: ``ratecheck theorems`` lists the cards from a cache of their summary rows
(``<cache_root>/cards/<key>.json``, :mod:`ratecheck.theory.listing`).

Behaviour, not timing: a cached row is the row of the fully loaded card; editing a card,
a note or the card code invalidates it; a broken card, or a reference to a card that is
gone, is the same error (exit code 2, naming the field) with a warm cache as without.
"""

import json
import shutil
from pathlib import Path

import pytest

from ratecheck.errors import CardError
from ratecheck.theory import all_cards
from ratecheck.theory import listing
from test_theory_cli import run  # noqa: F401 (the fixture: this subsystem's commands only)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RATECHECK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "cards"


@pytest.fixture
def proofs(tmp_path, monkeypatch):
    """A copy of proofs/ (notes included), used as the card folder."""
    dest = tmp_path / "proofs"
    shutil.copytree(ROOT / "proofs", dest)
    monkeypatch.setenv("RATECHECK_PROOFS", str(dest))
    return dest


@pytest.fixture
def loads(monkeypatch):
    """The ids of the cards the listing loads fully (the cache misses)."""
    seen = []
    real = listing.load_card
    monkeypatch.setattr(listing, "load_card", lambda card_id: seen.append(card_id) or real(card_id))
    return seen


def test_cached_rows_equal_the_rows_of_the_loaded_cards(cache, loads):
    fresh = [listing.row(c) for c in all_cards()]
    first = listing.rows()
    assert first == fresh and loads == [r["id"] for r in fresh]
    assert len(list(cache.glob("*.json"))) == len(fresh)
    loads.clear()
    again = listing.rows()
    assert loads == []  # every row from the cache
    assert again == fresh
    for a, b in zip(again, fresh):  # same key order too: the JSON output is byte-identical
        assert json.dumps(a) == json.dumps(b)


def test_listing_output_is_the_same_cold_and_warm(run, loads):
    cold = [run("theorems"), run("theorems", "--json")]
    n = len(loads)
    warm = [run("theorems"), run("theorems", "--json")]
    assert len(loads) == n  # the warm runs loaded no card
    assert cold == warm and all(code == 0 for code, _, _ in warm)
    rows = json.loads(warm[1][1])
    assert rows == [listing.row(c) for c in all_cards()]


def test_editing_a_card_invalidates_its_row(proofs, run, loads):
    assert run("theorems")[0] == 0
    p = proofs / "rennala-sgd.toml"
    text = p.read_text(encoding="utf-8")
    assert text.count('constants = "explicit"') >= 1 and "\ntitle = " in text
    old_title = json.loads(run("theorems", "--json")[1])
    old_title = next(r["title"] for r in old_title if r["id"] == "rennala-sgd")
    loads.clear()
    assert f'\ntitle = "{old_title}"\n' in text
    p.write_text(text.replace(f'title = "{old_title}"', 'title = "An edited title"', 1)
                 .replace('constants = "explicit"', 'constants = "hidden"'), encoding="utf-8")
    code, out, _ = run("theorems", "--json")
    assert code == 0 and loads == ["rennala-sgd"]  # only the edited card is loaded again
    row = next(r for r in json.loads(out) if r["id"] == "rennala-sgd")
    assert row["title"] == "An edited title" and set(row["bounds"].values()) == {"hidden"}
    assert row == next(listing.row(c) for c in all_cards() if c.id == "rennala-sgd")
    code, out, _ = run("theorems")
    line = next(ln for ln in out.splitlines() if ln.startswith("rennala-sgd "))
    assert line.split()[3] == "hidden"


def test_editing_a_note_or_the_card_code_invalidates_every_row(proofs, run, loads, tmp_path):
    assert run("theorems")[0] == 0
    loads.clear()
    assert run("theorems")[0] == 0 and loads == []
    note = proofs / "notes" / "fixed-computation.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nAn added line.\n", encoding="utf-8")
    assert run("theorems")[0] == 0
    assert len(loads) == len(list(proofs.glob("*.toml")))  # provenances are resolved in the notes

    package = tmp_path / "package"
    shutil.copytree(ROOT / "ratecheck", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = listing.code_hash(package)
    (package / "theory" / "card.py").write_text((package / "theory" / "card.py").read_text() + "\n# edited\n")
    listing.code_hash.cache_clear()
    assert listing.code_hash(package) != before
    edited = listing.code_hash(package)
    (package / "vocabulary.py").write_text((package / "vocabulary.py").read_text() + "\n# edited\n")
    listing.code_hash.cache_clear()
    assert listing.code_hash(package) not in (before, edited)


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_a_broken_card_is_an_error_naming_the_field(proofs, run, warm):
    if warm:
        assert run("theorems")[0] == 0  # the card's valid version is cached
    p = proofs / "rennala-sgd.toml"
    p.write_text(p.read_text(encoding="utf-8").replace('constants = "explicit"', 'constants = "sorta"', 1),
                 encoding="utf-8")
    with pytest.raises(CardError) as exc:
        all_cards()
    for argv in (["theorems"], ["theorems", "--json"], ["theorems"]):
        code, out, err = run(*argv)
        assert code == 2 and out == ""
        assert err == f"ratecheck: error: {exc.value}\n"
        assert "rennala-sgd.toml: bounds." in err and ".constants: must be one of" in err


def test_a_reference_to_a_removed_card_is_an_error_from_the_cached_rows(proofs, run, loads):
    # the card folder adds to the built-in catalogue: the removed card is one only it has
    text = (proofs / "lower-bound-homogeneous.toml").read_text()
    (proofs / "lbh-copy.toml").write_text(text.replace('id = "lower-bound-homogeneous"', 'id = "lbh-copy"'))
    asgd = (proofs / "asgd.toml").read_text()
    (proofs / "asgd.toml").write_text(asgd.replace('with = ["lower-bound-homogeneous"]', 'with = ["lbh-copy"]'))
    assert run("theorems")[0] == 0
    assert [c.id for c in all_cards() if "lbh-copy" in c.tight["with"]]
    (proofs / "lbh-copy.toml").unlink()
    with pytest.raises(CardError) as exc:
        all_cards()
    assert "names unknown card 'lbh-copy'" in str(exc.value)
    loads.clear()
    code, out, err = run("theorems")
    assert loads == []  # every other card's row is still valid
    assert code == 2 and out == "" and err == f"ratecheck: error: {exc.value}\n"


def test_an_unusable_cache_is_not_used(tmp_path, monkeypatch, run):
    (tmp_path / "blocked").write_text("a file where the cache folder would be")
    monkeypatch.setenv("RATECHECK_CACHE_DIR", str(tmp_path / "blocked"))
    code, out, _ = run("theorems", "--json")
    assert code == 0 and json.loads(out) == [listing.row(c) for c in all_cards()]


def test_a_corrupt_entry_is_a_miss(cache, loads):
    fresh = listing.rows()
    victim = sorted(cache.glob("*.json"))[0]
    victim.write_text("{not json", encoding="utf-8")
    loads.clear()
    assert listing.rows() == fresh and len(loads) == 1
    assert json.loads(victim.read_text(encoding="utf-8"))["row"] in fresh  # written again
