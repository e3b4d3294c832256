"""Run keys: canonical JSON (RFC 8785 number rules) and the sha256 over it + version."""

import hashlib

import numpy as np
import pytest

import ratecheck
from ratecheck.errors import SpecError
from ratecheck.sweep.keys import KEY_SCHEME, canonical_json, run_key


def test_key_is_sha256_of_scheme_version_and_canonical_json():
    fragment = {"seed": 3, "params": {"gamma": 0.1}, "algo": "ringmaster"}
    text = '{"algo":"ringmaster","params":{"gamma":0.1},"seed":3}'
    assert canonical_json(fragment) == text
    expected = hashlib.sha256(f"{KEY_SCHEME}\n{ratecheck.__version__}\n{text}".encode()).hexdigest()
    assert run_key(fragment) == expected


def test_numbers_are_keyed_by_value_not_by_spelling():
    base = run_key({"gamma": 0.1, "R": 4, "taus": [1.0, 2.5]})
    assert run_key({"taus": (1, 2.5), "R": 4.0, "gamma": float("0.1000")}) == base
    assert run_key({"gamma": np.float64(0.1), "R": np.int64(4), "taus": np.array([1.0, 2.5])}) == base
    # distinct doubles stay distinct: nothing is rounded
    assert run_key({"gamma": 0.1 + 2**-56, "R": 4, "taus": [1.0, 2.5]}) != base
    assert run_key({"gamma": float(np.float32(0.1)), "R": 4, "taus": [1.0, 2.5]}) != base
    assert canonical_json({"z": -0.0, "big": 2.0**60, "inf": float("inf"), "nan": float("nan")}) == (
        '{"big":1.152921504606847e+18,"inf":{"$float":"inf"},"nan":{"$float":"nan"},"z":0}'
    )
    # a big Python int stays exact (no float conversion)
    assert canonical_json({"seed": 2**64 + 1}) == '{"seed":18446744073709551617}'


def test_version_is_part_of_the_key(monkeypatch):
    before = run_key({"seed": 1})
    monkeypatch.setattr(ratecheck, "__version__", "999.0")
    assert run_key({"seed": 1}) != before


def test_bad_fragments_name_the_field():
    with pytest.raises(SpecError, match=r"fragment\.params\.f: a function"):
        run_key({"params": {"f": lambda x: x}})
    with pytest.raises(SpecError, match=r"fragment\.grid: keys must be strings"):
        run_key({"grid": {1: 2}})
    with pytest.raises(SpecError, match="fragment: must be a dict"):
        run_key([1, 2])
