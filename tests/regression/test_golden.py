"""Bundled scenarios reproduce their golden summaries (see golden.py to regenerate)."""

from __future__ import annotations

import json

import pytest

from tests.regression.golden import PATH, summarise

GOLDEN = json.loads(PATH.read_text())


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_summary(name: str) -> None:
    now = summarise(name)
    for part, expected in GOLDEN[name].items():
        assert set(now[part]) == set(expected), part
        for key, value in expected.items():
            assert now[part][key] == pytest.approx(value, rel=1e-9, abs=1e-9), (part, key)
