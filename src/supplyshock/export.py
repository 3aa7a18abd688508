"""A RunResult as an xarray Dataset and a netCDF file, and back.

The Dataset has dimensions ``date``, ``country``, ``commodity``, ``facility``, ``reserve``,
``market`` (final-demand buyers), ``cell`` (country, sector, commodity cells) and ``bloc``;
a run with markets adds ``price_slot`` (one per market and commodity) with its daily
``price``, the demand responses and the price cell series, so price metrics survive the trip.
Each daily series is a variable with a ``units`` attribute: the commodity's unit where all
series share one, otherwise ``"see unit"`` (the ``unit`` coordinate of ``commodity`` gives the
unit of each commodity). Provenance is kept as attributes holding JSON strings (netCDF
attributes cannot hold nested values), so it comes back in its JSON form (tuples as lists).
netCDF files are written with the scipy engine (netCDF3, no C library needed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from supplyshock.errors import SupplyshockError

if TYPE_CHECKING:
    import xarray as xr

    from supplyshock.prices import MarketPrices
    from supplyshock.results import RunResult

__all__ = ["FORMAT", "from_xarray", "load_result", "to_netcdf", "to_xarray"]

FORMAT = "supplyshock.RunResult/1"
"""The ``format`` attribute of a Dataset written by :func:`to_xarray`."""
BALANCE = ("initial_stock", "produced", "consumed", "delivered", "final_stock", "final_in_transit")


def _strings(values: Any) -> np.ndarray:
    return np.array([str(v) for v in values], dtype=object)


def _unit_attr(units: tuple[str, ...], per: str) -> dict[str, str]:
    distinct = sorted(set(units))
    if len(distinct) == 1:
        return {"units": distinct[0]}
    return {"units": "see unit", "note": f"each {per}'s unit is its coordinate 'unit'"}


def to_xarray(res: RunResult) -> xr.Dataset:
    """The run as a Dataset: every series, coordinate, mass balance and the provenance."""
    import xarray as xr

    from supplyshock.results import SERIES

    units = dict(zip(res.commodities, res.units, strict=True))
    commodity_units = _unit_attr(res.units, "commodity")
    fac_units = tuple(units[k] for k in res.facility_output)
    res_units = tuple(units[k] for _, k in res.reserve_labels)
    cell_units = tuple(units[k] for _, _, k in res.cells)
    data: dict[str, Any] = {}
    for name in SERIES:
        data[name] = (("date", "country", "commodity"), res.cubes[name], commodity_units)
        data[f"cell_{name}"] = (
            ("date", "cell"),
            res.cell_series[name],
            _unit_attr(cell_units, "cell"),
        )
    data["production"] = (("date", "facility"), res.production, _unit_attr(fac_units, "facility"))
    data["lost"] = (("date", "facility"), res.lost, _unit_attr(fac_units, "facility"))
    data["reserve_level"] = (("date", "reserve"), res.reserves, _unit_attr(res_units, "reserve"))
    data["market_short"] = (("date", "market"), res.market_short, {"units": "1"})
    for name in BALANCE:
        data[f"balance_{name}"] = (("commodity",), res.balance[name], commodity_units)
    blocs = list(res.blocs)
    member = np.stack([res.blocs[b] for b in blocs]) if blocs else np.zeros((0, 0, 0), bool)
    data["bloc_member"] = (("bloc", "country", "date"), member.astype(bool), {"units": "1"})
    coords = {
        "date": res.dates.to_numpy(),
        "country": _strings(res.countries),
        "commodity": _strings(res.commodities),
        "unit": ("commodity", _strings(res.units)),
        "facility": _strings(res.facilities),
        "facility_kind": ("facility", _strings(res.facility_kinds)),
        "facility_country": ("facility", _strings(res.facility_country)),
        "facility_output": ("facility", _strings(res.facility_output)),
        "reserve_country": ("reserve", _strings(c for c, _ in res.reserve_labels)),
        "reserve_commodity": ("reserve", _strings(k for _, k in res.reserve_labels)),
        "market_country": ("market", _strings(c for c, _, _ in res.market_labels)),
        "market_commodity": ("market", _strings(k for _, k, _ in res.market_labels)),
        "market_sector": ("market", _strings(s for _, _, s in res.market_labels)),
        "cell_country": ("cell", _strings(c for c, _, _ in res.cells)),
        "cell_sector": ("cell", _strings(s for _, s, _ in res.cells)),
        "cell_commodity": ("cell", _strings(k for _, _, k in res.cells)),
        "bloc": _strings(blocs),
    }
    attrs = {
        "format": FORMAT,
        "title": f"supplyshock run of {res.provenance.get('scenario', '?')}",
        "provenance": json.dumps(res.provenance, default=str, sort_keys=True),
        **{f"provenance_{k}": json.dumps(v, default=str) for k, v in res.provenance.items()},
    }
    if res.market_prices is not None:
        _add_prices(res, data, coords, attrs)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _add_prices(
    res: RunResult, data: dict[str, Any], coords: dict[str, Any], attrs: dict[str, Any]
) -> None:
    """Prices (``price_slot``: market x commodity), demand responses and price cell series."""
    from supplyshock.prices import PRICE_SERIES

    mp = res.market_prices
    assert mp is not None
    data["price"] = (("date", "price_slot"), mp.prices, {"units": "see slot_unit"})
    data["price_reference"] = (("price_slot",), mp.reference, {"units": "see slot_unit"})
    data["price_unit_factor"] = (("price_slot",), mp.unit_factor, {"units": "1"})
    data["fixed_value"] = (("commodity",), mp.fixed, {"units": "US$ per unit"})
    recycled = mp.recycled if mp.recycled is not None else np.zeros_like(mp.destroyed)
    for name, values in (
        ("destroyed", mp.destroyed),
        ("substituted", mp.substituted),
        ("recycled", recycled),
    ):
        data[f"demand_{name}"] = (("date", "market"), values, {"units": "see unit"})
    for name in PRICE_SERIES:
        data[f"cell_{name}"] = (("date", "cell"), res.cell_series[name], {"units": "see unit"})
    coords["slot_market"] = ("price_slot", _strings(m for m, _, _ in mp.slots))
    coords["slot_commodity"] = ("price_slot", _strings(k for _, k, _ in mp.slots))
    coords["slot_unit"] = ("price_slot", _strings(u for _, _, u in mp.slots))
    coords["country_market"] = ("country", _strings(mp.country_market))
    attrs["markets"] = json.dumps(list(mp.markets))
    attrs["project_starts"] = json.dumps([list(row) for row in mp.project_starts])


def _prices(ds: xr.Dataset) -> tuple[MarketPrices | None, dict[str, np.ndarray]]:
    """The run's :class:`MarketPrices` and price cell series, if it was saved with them."""
    from supplyshock.prices import PRICE_SERIES, MarketPrices

    if "price" not in ds:
        return None, {}
    market_prices = MarketPrices(
        markets=tuple(json.loads(str(ds.attrs["markets"]))),
        country_market=_labels(ds, "country_market"),
        slots=_labels(ds, "slot_market", "slot_commodity", "slot_unit"),
        unit_factor=np.asarray(ds["price_unit_factor"].values, dtype=np.float64),
        reference=np.asarray(ds["price_reference"].values, dtype=np.float64),
        prices=np.ascontiguousarray(ds["price"].values, dtype=np.float64),
        fixed=np.asarray(ds["fixed_value"].values, dtype=np.float64),
        destroyed=np.ascontiguousarray(ds["demand_destroyed"].values, dtype=np.float64),
        substituted=np.ascontiguousarray(ds["demand_substituted"].values, dtype=np.float64),
        recycled=np.ascontiguousarray(ds["demand_recycled"].values, dtype=np.float64),
        project_starts=tuple(
            (str(f), int(s), int(a))
            for f, s, a in json.loads(str(ds.attrs.get("project_starts", "[]")))
        ),
    )
    series = {
        name: np.ascontiguousarray(ds[f"cell_{name}"].values, dtype=np.float64)
        for name in PRICE_SERIES
    }
    return market_prices, series


def _labels(ds: xr.Dataset, *names: str) -> tuple[Any, ...]:
    columns = [[str(v) for v in ds[n].values] for n in names]
    if len(names) == 1:
        return tuple(columns[0])
    return tuple(zip(*columns, strict=True))


def from_xarray(ds: xr.Dataset) -> RunResult:
    """The RunResult a :func:`to_xarray` Dataset was made from."""
    from supplyshock.results import SERIES, RunResult

    if ds.attrs.get("format") != FORMAT:
        raise SupplyshockError(
            f"not a supplyshock run (format {ds.attrs.get('format')!r}, expected {FORMAT!r})"
        )
    dates = pd.DatetimeIndex(ds["date"].values)
    if len(dates):  # built as the engine builds them (same resolution and frequency)
        dates = pd.date_range(dates[0].date(), periods=len(dates), freq="D")

    def array(name: str, dtype: Any = np.float64) -> np.ndarray:
        return np.ascontiguousarray(ds[name].values, dtype=dtype)

    blocs = _labels(ds, "bloc") if ds.sizes.get("bloc", 0) else ()
    member = array("bloc_member", bool)
    market_prices, price_series = _prices(ds)
    return RunResult(
        countries=_labels(ds, "country"),
        commodities=_labels(ds, "commodity"),
        units=_labels(ds, "unit"),
        facilities=_labels(ds, "facility"),
        facility_kinds=_labels(ds, "facility_kind"),
        facility_country=_labels(ds, "facility_country"),
        facility_output=_labels(ds, "facility_output"),
        dates=dates,
        blocs={b: member[i] for i, b in enumerate(blocs)},
        cubes={name: array(name) for name in SERIES},
        production=array("production"),
        lost=array("lost"),
        reserves=array("reserve_level"),
        reserve_labels=_labels(ds, "reserve_country", "reserve_commodity"),
        balance={name: array(f"balance_{name}") for name in BALANCE},
        provenance=json.loads(str(ds.attrs["provenance"])),
        market_short=array("market_short", bool),
        market_labels=_labels(ds, "market_country", "market_commodity", "market_sector"),
        cells=_labels(ds, "cell_country", "cell_sector", "cell_commodity"),
        cell_series={name: array(f"cell_{name}") for name in SERIES} | price_series,
        market_prices=market_prices,
    )


def to_netcdf(res: RunResult, path: str | Path) -> Path:
    """Write the run to a netCDF file (:func:`to_xarray`'s Dataset, scipy engine)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _without_empty(to_xarray(res)).to_netcdf(path, engine="scipy")
    return path


def _without_empty(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` without its variables on a dimension of length 0 (netCDF3 reads such a
    dimension as its unlimited one and cannot read the file back), listed in an attribute
    with their dimensions and types so that :func:`_with_empty` restores them."""
    empty = {d for d, n in ds.sizes.items() if n == 0}
    dropped = {
        str(name): [list(map(str, var.dims)), var.dtype.str, name in ds.coords]
        for name, var in ds.variables.items()
        if empty & set(map(str, var.dims))
    }
    out = ds.drop_vars(list(dropped))
    out.attrs["empty_variables"] = json.dumps(dropped)
    return out


def _with_empty(ds: xr.Dataset) -> xr.Dataset:
    """The Dataset :func:`_without_empty` was given."""
    dropped = json.loads(str(ds.attrs.pop("empty_variables", "{}")))
    if not dropped:
        return ds
    data: dict[str, Any] = {}
    coords: dict[str, Any] = {}
    for name, (dims, dtype, is_coord) in dropped.items():
        shape = tuple(int(ds.sizes.get(d, 0)) for d in dims)
        (coords if is_coord else data)[name] = (tuple(dims), np.zeros(shape, np.dtype(dtype)))
    return ds.assign(data).assign_coords(coords)


def load_result(path: str | Path) -> RunResult:
    """A run saved with ``to_netcdf``; a Parquet file of ``to_parquet`` (the daily frame only)
    is refused with a message saying how to read it."""
    import xarray as xr

    path = Path(path)
    if not path.is_file():
        raise SupplyshockError(f"no such file: {path}")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PAR1":
        raise SupplyshockError(
            f"{path} is a Parquet file of RunResult.to_parquet, which holds the daily frame only: "
            "read it with pandas.read_parquet, or save runs with to_netcdf to load them whole"
        )
    try:
        with xr.open_dataset(path, engine="scipy") as ds:
            return from_xarray(_with_empty(ds.load()))
    except (OSError, ValueError, TypeError) as exc:
        raise SupplyshockError(f"cannot read {path} as a saved run: {exc}") from None
