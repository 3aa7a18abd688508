"""Golden summaries of the bundled scenarios: regenerate on purpose, compare in tests.

Regenerate after an intended change of results with:
    python -m tests.regression.golden

The numbers are bit-identical on one numeric platform; on another (other CPU vector
instructions, numpy or scipy) their last digits differ (docs/guarantees.md), which the test's
relative tolerance of 1e-9 allows, so regenerating on another machine changes digits near the
sixteenth: keep existing entries unless results were meant to change.
"""

from __future__ import annotations

import json
from pathlib import Path

import supplyshock as ss

PATH = Path(__file__).with_name("golden.json")
SEED = 0


def summarise(name: str) -> dict[str, dict[str, float]]:
    """Alliance shortfall and world production per commodity for one seeded run.

    The alliance is counted over the whole horizon (``membership="ever"``), so the golden
    numbers record what the engine computes, whatever the default bloc accounting; dated
    accounting is tested on its own (tests/metrics).
    """
    res = ss.run(ss.load_scenario(name), seed=SEED)
    table = res.shortfall(by=["bloc", "commodity"], bloc="alliance", membership="ever")
    balance = res.mass_balance().set_index("commodity")
    return {
        "alliance_shortfall": {r.commodity: float(r.shortfall) for r in table.itertuples()},
        "produced": {k: float(v) for k, v in balance["produced"].items()},
    }


def main() -> None:
    golden = {name: summarise(name) for name in sorted(ss.bundled_scenarios())}
    PATH.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {PATH}")


if __name__ == "__main__":
    main()
