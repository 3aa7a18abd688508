"""Run one replication: ``run`` (scenario in, RunResult out) and ``simulate`` (compiled network)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from supplyshock.errors import SupplyshockError
from supplyshock.model.network import Network
from supplyshock.results import RunResult
from supplyshock.scenario.schema import Scenario
from supplyshock.sim.recorder import Recorder
from supplyshock.sim.simulation import Simulation, UserProcess
from supplyshock.sim.state import State

__all__ = ["run", "simulate"]


def simulate(
    net: Network, seed: np.random.SeedSequence, host: object | None = None
) -> tuple[Recorder, State, int]:
    """Simulate a compiled network; returns the recorder, final state and SimPy event count.

    ``host`` is passed to the start hooks of event types (``start(host, event, day)``); by
    default it is the :class:`~supplyshock.Simulation` running the network.
    """
    sim = Simulation.from_network(net, seed, host=host)
    events = sim.step_to_horizon()
    sim.close()
    return sim.recorder, sim.state, events


def run(
    scenario: Scenario | str | Path,
    seed: int | np.random.SeedSequence | None = None,
    *,
    overrides: Mapping[str, float] | None = None,
    validate: bool = True,
    processes: Sequence[UserProcess] = (),
    scenario_hash: str | None = None,
    compiled: Network | None = None,
) -> RunResult:
    """Simulate one replication of ``scenario`` and return its :class:`RunResult`.

    ``seed`` makes the run reproducible: uncertain parameters and every random event (outages,
    qualification delays) come from generators spawned from it. ``overrides``
    fixes uncertain parameters by key (see ``result.provenance["draws"]`` for the keys).
    A :class:`Scenario` object is cross-checked first, also one copied from a loaded scenario
    (``validate=False`` skips that, e.g. for replications of a scenario already checked once);
    a name or path is cross-checked as it is loaded.

    ``processes`` are user SimPy processes, each a function taking the
    :class:`~supplyshock.Simulation` and returning a generator (see ``Simulation.process``).
    ``scenario_hash``, the scenario's content hash if the caller has it already (as the
    replications of a batch do), saves hashing it again; it is recorded as given.
    ``compiled``, the network this scenario, seed and overrides compile to
    (:func:`~supplyshock.sim.simulation.compile_run`), saves compiling it again, as in a
    robust search, which compiles a future once for candidates that differ only in reserve
    sizes (:mod:`supplyshock.model.variants`).

    ``result.provenance`` records the seed as ``seed`` (its entropy) and ``spawn_key``, so
    ``seed=np.random.SeedSequence(prov["seed"], spawn_key=prov["spawn_key"])`` repeats a run.
    Replication ``i`` of a batch run with seed ``S`` (:func:`~supplyshock.batch.run_batch`)
    used ``SeedSequence(S, spawn_key=(i,))`` (``(0,)`` for every replication with
    ``common_stream``) and row ``i`` of its design as ``overrides``; it is reproduced by
    ``ss.run(scn, seed=np.random.SeedSequence(S, spawn_key=(i,)),
    overrides=batch.design().iloc[i].to_dict())``.

    Any failure of the run is a :class:`~supplyshock.errors.SupplyshockError` (a
    :class:`~supplyshock.errors.ScenarioError` for bad input) with a one-line message; the
    original exception is its ``__cause__``.

    >>> import supplyshock as ss
    >>> res = ss.run("october_2025_suspended", seed=1)
    >>> res.shortfall(by="commodity").columns.tolist()[:3]
    ['commodity', 'unit', 'demand']
    """
    try:
        sim = Simulation(
            scenario,
            seed,
            overrides=overrides,
            validate=validate,
            processes=processes,
            scenario_hash=scenario_hash,
            compiled=compiled,
        )
        return sim.run()
    except SupplyshockError:
        raise
    except Exception as exc:  # a failure validation did not foresee: one line, cause chained
        raise SupplyshockError(f"the run failed: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    """``Type: message`` on one line, cut to 200 characters."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 200 else text[:197] + "..."
