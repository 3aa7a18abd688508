"""Draws made ahead in blocks equal the keyed draws made one at a time."""

from __future__ import annotations

import numpy as np

from supplyshock.model.compile import compile_scenario
from supplyshock.scenario.distributions import Distribution
from supplyshock.scenario.io import load_scenario
from supplyshock.sim.ahead import OutageDraws, QualificationDraws
from supplyshock.sim.dice import Dice, stable_key

CONTROL_KEY = np.array([11, 22], dtype=np.int64)
LINK_KEY = np.arange(1000, 1030, dtype=np.int64) * 7919
SPEC = Distribution.model_validate({"dist": "lognorm", "s": 0.5, "scale": 40.0})
OTHER = Distribution.model_validate({"dist": "uniform", "loc": 5.0, "scale": 50.0})


def test_qualification_draws_match_one_at_a_time() -> None:
    net = compile_scenario(load_scenario("october_2025_suspended"), np.random.SeedSequence(1))
    dice = Dice(np.random.SeedSequence(5))
    links = np.array([0, 7, 300, net.n_links - 1], dtype=np.int64)
    got = QualificationDraws(dice, net).days(links)
    commodity = net.buyer_commodity[net.link_buyer[links]]
    for i, ln in enumerate(links):
        spec = net.qualification_days[commodity[i]]
        assert got[i] == dice.days(spec, net.link_key[ln : ln + 1], 2)[0]


def test_outage_draws_match_one_at_a_time_beyond_the_first_block() -> None:
    net = compile_scenario(load_scenario("october_2025_suspended"), np.random.SeedSequence(1))
    dice = Dice(np.random.SeedSequence(7))
    ahead = OutageDraws(dice, net)
    assert ahead.facilities
    for f in ahead.facilities[:3]:
        first_block = len(ahead._blocks[f][0])
        for n in (0, 1, first_block - 1, first_block, 3 * first_block + 2):  # grows twice
            key = stable_key(net.facilities[f])
            rate = net.outage_rate_per_day[f]
            gap = float(np.ceil(-np.log(dice.uniform(key, n, 3)[()]) / rate))
            duration = float(dice.days(net.outage_days[f], key, n, 4)[()])
            assert ahead.get(f, n) == (gap, duration)
