"""Europe between the blocs: the two bundled branches after the suspension.

``selective_snapback_2026`` parts from the default scenario on 10 Nov 2026 (the October package
returns, waived for every country outside the alliance; EU customers keep general licences),
and ``europe_joins_alliance`` parts from it on 15 Jan 2027 (the EU signs and loses the
waiver). Keyed draws make a branch share every draw with its parent, so with the same
seed the runs are identical, day for day, until the branch date.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import supplyshock as ss

PARENT = {
    "selective_snapback_2026": ("october_2025_suspended", dt.date(2026, 11, 10)),
    "europe_joins_alliance": ("selective_snapback_2026", dt.date(2027, 1, 15)),
}
SEEDS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, int], ss.RunResult]:
    names = {"october_2025_suspended", *PARENT}
    return {(n, s): ss.run(ss.load_scenario(n), seed=s) for n in names for s in SEEDS}


@pytest.mark.parametrize("branch", sorted(PARENT))
def test_a_branch_equals_its_parent_until_the_day_it_parts(runs: dict, branch: str) -> None:
    parent, day = PARENT[branch]
    for seed in SEEDS[:2]:
        a, b = runs[(parent, seed)], runs[(branch, seed)]
        cut = int(np.searchsorted(a.dates, np.datetime64(day)))
        for name in ("delivered", "shortfall", "inventory", "in_transit", "exports", "imports"):
            np.testing.assert_array_equal(a.cubes[name][:cut], b.cubes[name][:cut], err_msg=name)
        assert not np.array_equal(a.cubes["in_transit"][cut:], b.cubes["in_transit"][cut:])


def _magnets(res: ss.RunResult, bloc: str) -> float:
    table = res.shortfall(by=["bloc", "commodity"], bloc=bloc)
    return float(table.set_index("commodity").loc["ndfeb_magnet", "shortfall"])


def _country(res: ss.RunResult, country: str) -> float:
    table = res.shortfall(by=["country", "commodity"])
    rows = table[(table["country"] == country) & (table["commodity"] == "ndfeb_magnet")]
    return float(rows["shortfall"].iloc[0])


def test_a_selective_snapback_reaches_the_alliance_and_europe_through_its_suppliers(
    runs: dict,
) -> None:
    """Against the default, whose October package returns for every destination in some runs
    (the same runs, with the same terms, as the selective one: shared draws). Where it
    returned, the alliance goes without about as many magnets in both (within 10%) and the
    EU27, now exempt, without far fewer. Where it did not, the alliance goes without far
    more, and so does the EU27, a little, general licences and all (next test)."""
    key = "events[oct_2025_suspension].snapback"
    assert {runs[("october_2025_suspended", s)].provenance["draws"][key] for s in SEEDS} == {0, 1}
    for seed in SEEDS:
        default = runs[("october_2025_suspended", seed)]
        selective = runs[("selective_snapback_2026", seed)]
        alliance = _magnets(selective, "alliance") / _magnets(default, "alliance")
        europe = _magnets(selective, "eu27") / _magnets(default, "eu27")
        if default.provenance["draws"][key] == 1.0:
            assert 0.9 < alliance < 1.1 and europe < 0.5
        else:
            assert alliance > 2.0 and 1.0 < europe < 2.0


def _eu_magnet_imports(res: ss.RunResult, exporters: set[str]) -> float:
    """The EU27's magnet imports from ``exporters`` from 10 Nov 2026 on."""
    flows = res.flows()
    picked = flows[
        (flows["commodity"] == "ndfeb_magnet")
        & (flows["date"] >= "2026-11-10")
        & flows["importer"].isin(res.members("eu27"))
        & flows["exporter"].isin(exporters)
    ]
    return float(picked["quantity"].sum())


def test_europe_loses_its_allied_magnet_supply_not_its_chinese(runs: dict) -> None:
    """Why the EU27, exempt, still goes without more in the runs where the default's package
    did not return: the alliance's magnet makers, which also supply it, lose Chinese inputs
    and sell more at home, so its imports from Japan, the USA and Korea fall by more than half,
    while its imports from China do not fall."""
    key = "events[oct_2025_suspension].snapback"
    calm = [s for s in SEEDS if runs[("october_2025_suspended", s)].provenance["draws"][key] == 0]
    assert calm
    for seed in calm:
        default = runs[("october_2025_suspended", seed)]
        selective = runs[("selective_snapback_2026", seed)]
        allied = {"JPN", "USA", "KOR"}
        assert _eu_magnet_imports(selective, allied) < 0.5 * _eu_magnet_imports(default, allied)
        china = _eu_magnet_imports(selective, {"CHN"}) / _eu_magnet_imports(default, {"CHN"})
        assert china >= 0.99


def test_joining_costs_europe_magnets_and_no_one_else(runs: dict) -> None:
    """In every run the EU27 goes without several times more magnets once it signs, while the
    shortfall of the USA, Japan and India moves by less than a tenth (the waiver for the
    other non-members continues; the members' terms do not change)."""
    for seed in SEEDS:
        out, joined = runs[("selective_snapback_2026", seed)], runs[("europe_joins_alliance", seed)]
        assert _magnets(joined, "eu27") > 3 * _magnets(out, "eu27")
        for country in ("USA", "JPN", "IND"):
            before, after = _country(out, country), _country(joined, country)
            assert abs(after - before) < 0.1 * before, country
