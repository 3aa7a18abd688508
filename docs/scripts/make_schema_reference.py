"""Render the scenario format reference from the pydantic schema.

Every record of :mod:`supplyshock.scenario.schema` (and the uncertain-value records of
:mod:`supplyshock.scenario.distributions`), and the record of every event type registered in
:mod:`supplyshock.events` (built in, or registered by code imported before the page is made,
or declared through the ``supplyshock.event_types`` entry points) becomes a section with a
table of its fields: name (the YAML key or CSV column), type with its constraints, default,
and description. Nothing in the tables is typed by hand, so the page cannot drift from the
code.

The file is also an mkdocs hook (``hooks:`` in ``mkdocs.yml``): at build time it adds the
page ``reference/scenario-format.md`` to the site without writing into ``docs/``. Run it as a
script to print the same Markdown, or write it to ``OUT.md``::

    .venv/bin/python docs/scripts/make_schema_reference.py [OUT.md]
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

PAGE = "reference/scenario-format.md"
TRAILING = ("source", "note")  # bookkeeping columns, listed after the fields that model

INTRO = """\
# Scenario format reference

*This page is generated from the pydantic models in `supplyshock.scenario.schema` and the
event types registered in `supplyshock.events` by `docs/scripts/make_schema_reference.py`
each time the documentation is built; do not edit it by hand.*

A **world** file says what exists; a **scenario** file `extends:` a world (or another
scenario) and adds dated events. Both are YAML with the top-level keys of
[Scenario](#scenario). Each table (`commodities`, `facilities`, ...) is either a list of
mappings in the YAML file or the name of a CSV file beside it whose columns are the fields
below. In CSV cells, lists are written `A;B;C` and uncertain values as inline YAML
(`"{dist: triang, c: 0.5, loc: 30, scale: 60}"`). Unknown keys and columns are errors.

Types: *uncertain* means a plain number, a [distribution](#distribution) or a
[choice](#choice), drawn once per replication; *date* is `YYYY-MM-DD`. A field with no
default is required.
"""


def limits() -> str:
    """The limits of the scenario format, from the constants that enforce them."""
    from supplyshock.scenario import files, reading, schema
    from supplyshock.scenario.fields import MAX_AMOUNT, MAX_DAYS

    return f"""\
## Limits

Values beyond these limits are errors, reported like any other problem. They keep a run's
memory and time bounded; see also [Guarantees](../guarantees.md).

| what | limit |
|---|---|
| `horizon_days` | at most {schema.MAX_HORIZON_DAYS:,} (twenty years) |
| `start` | from {schema.EARLIEST_START} to {schema.LATEST_START} |
| days: lead times, delays, processing, qualification, outages, ramps, cover, switching, \
rule timing | 0 to {MAX_DAYS:,}; a distribution's support must start at 0 or later and its \
0.999 quantile be at most {MAX_DAYS:,} (a rarer lead-time draw beyond it is taken as {MAX_DAYS:,}) |
| capacities, demand, prices, stock quantities, release rates, quotas, recipe \
`per_unit` | at most {MAX_AMOUNT:g} (capacity and demand: for a distribution, its 0.999 \
quantile) |
| `outage_rate_per_year` | at most 365 |
| `yield` | above 0, at most 1 |
| numbers | finite; `true`/`false` are not numbers; a yes/no value (`snapback`) is `true`, \
`false`, a probability or `{{choice: [true, false], p: [...]}}` |
| keys and rows | a key twice in one mapping, or two rows with the same identifying columns \
in one file, is an error (with its line) |
| YAML file | at most {files.MAX_YAML_BYTES / 1e6:g} MB, nested at most \
{files.MAX_YAML_DEPTH} levels, at most {files.MAX_YAML_NODES:,} values once aliases \
(`*name`) are expanded |
| CSV table | at most {files.MAX_CSV_BYTES / 1e6:g} MB and {files.MAX_CSV_ROWS:,} rows |
| `extends` | at most {reading.MAX_EXTENDS} files in a chain |
| files read | regular files only, inside the scenario's folder, the bundled scenarios or a \
folder named with `--allow-path` (see [Guarantees](../guarantees.md#files-read-and-written)) |
"""


# Sections in reading order: (heading, intro, record names). Records of the schema not
# listed here are added under "Other records", so none is ever left out.
SECTIONS: list[tuple[str, str, list[str]]] = [
    (
        "Scenario and world files",
        "The top level of a world or scenario YAML file. A world has the same keys "
        "without `events` and `sources`.",
        ["Scenario", "Settings", "BlocMember"],
    ),
    ("Tables", "", []),  # filled from supplyshock.scenario.io.TABLES
    (
        "Events",
        "Items of the scenario's `events:` list; the `type` key selects the kind of event "
        "(the name in brackets after each record's name).",
        [],  # filled from the registry of event types
    ),
    (
        "Parts of events",
        "",
        ["CommoditySelector", "DestinationSelector", "ContentRule"],
    ),
    (
        "Rules",
        "Items of the scenario's `rules:` list: policies that act when the run reaches a "
        'state (see the model page, "Rules"). Actions (`then`) are events without dates.',
        ["Rule", "Condition", "Hazard"],
    ),
    (
        "Decisions",
        "The scenario's `levers:` (a mapping from lever names to levers) and `decision:` "
        'sections, used by a portfolio search (see the model page, "Decisions").',
        ["Lever", "Decision", "ChanceConstraint"],
    ),
    (
        "Uncertain values",
        "Written in place of a number: `{dist: NAME, ...}` with any `scipy.stats` "
        "distribution and its parameters as keys, or `{choice: [...], p: [...]}`.",
        ["Distribution", "Choice"],
    ),
]


def _models() -> dict[str, type[BaseModel]]:
    """Records by class name: the schema's, then those of the event types' modules."""
    from supplyshock import events
    from supplyshock.scenario import distributions, schema

    modules = [schema, distributions]
    modules += [sys.modules[kind.model.__module__] for kind in events.types()]
    found: dict[str, type[BaseModel]] = {}
    for module in modules:
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseModel):
                found.setdefault(name, obj)
    for kind in events.types():
        found[kind.model.__name__] = kind.model
    return found


def _own_doc(cls: type) -> str:
    """The class's own docstring (not a base class's), dedented."""
    doc = cls.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if doc else ""


def _doc_markdown(doc: str) -> str:
    """Docstring prose as Markdown: ``code`` becomes `code`; doctest examples are dropped."""
    kept = []
    for paragraph in doc.split("\n\n"):
        if paragraph.lstrip().startswith(">>>"):
            continue
        kept.append(" ".join(line.strip() for line in paragraph.splitlines()))
    text = "\n\n".join(kept)
    return text.replace("``", "`").replace(":class:", "").replace(":func:", "")


def _anchor(name: str) -> str:
    return name.lower()


def _bounds(prop: dict[str, Any]) -> str:
    low = prop.get("ge", prop.get("minimum"))
    low_open = prop.get("gt", prop.get("exclusiveMinimum"))
    high = prop.get("le", prop.get("maximum"))
    high_open = prop.get("lt", prop.get("exclusiveMaximum"))
    parts = []
    if low is not None and high is not None:
        return f" in [{low:g}, {high:g}]"
    if low is not None:
        parts.append(f"≥ {low:g}")
    if low_open is not None:
        parts.append(f"> {low_open:g}")
    if high is not None:
        parts.append(f"≤ {high:g}")
    if high_open is not None:
        parts.append(f"< {high_open:g}")
    return (" " + ", ".join(parts)) if parts else ""


def _type(prop: dict[str, Any]) -> str:
    """A short human-readable type with constraints, links to records."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    options = prop.get("anyOf") or prop.get("oneOf")
    if options:
        refs = {o.get("$ref", "").rsplit("/", 1)[-1] for o in options}
        rest = [o for o in options if o.get("type") != "null"]
        optional = len(rest) < len(options)
        if {"Distribution", "Choice"} <= refs and len(rest) == 3:
            number = next(o for o in rest if "$ref" not in o)
            text = "[uncertain](#uncertain-values)" + _bounds(number)
        elif "discriminator" in prop:
            text = "[event](#events)"
        else:
            text = " or ".join(_type(o) for o in rest)
        return text + (" or null" if optional else "")
    kind = prop.get("type")
    if kind == "array":
        return "list of " + _type(prop.get("items", {}))
    if kind == "object":
        values = prop.get("additionalProperties")
        if isinstance(values, dict):
            return "mapping of name to " + _type(values)
        return "mapping"
    if kind == "string":
        if prop.get("format") == "date":
            return "date"
        text = "string"
        if "pattern" in prop:
            text += f" matching `{prop['pattern']}`"
        elif prop.get("minLength"):
            text += ", not empty"
        return text
    if kind in ("number", "integer"):
        return kind + _bounds(prop)
    if kind == "boolean":
        return "boolean"
    return "any"


def _default(field: Any) -> str:
    from pydantic_core import PydanticUndefined, to_jsonable_python

    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "*required*"
    else:
        value = field.default
    value = to_jsonable_python(value)
    if value is None:
        return "null"
    text = json.dumps(value, ensure_ascii=False)
    return f"`{text}`" if len(text) <= 40 else "see " + type(field.default).__name__


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_record(name: str, cls: type[BaseModel], schema: dict[str, Any]) -> str:
    props = schema.get("properties", {})
    lines = [f"### {name} {{#{_anchor(name)}}}", ""]
    doc = _doc_markdown(_own_doc(cls))
    if doc:
        lines += [doc, ""]
    lines += ["| field | type | default | description |", "|---|---|---|---|"]
    fields = sorted(cls.model_fields.items(), key=lambda item: item[0] in TRAILING)
    for field_name, field in fields:
        if field.exclude:
            continue
        key = field.alias or field_name
        prop = props.get(key, {})
        description = field.description or ""
        lines.append(
            f"| `{key}` | {_cell(_type(prop))} | {_cell(_default(field))} | {_cell(description)} |"
        )
    return "\n".join(lines) + "\n"


def render() -> str:
    """The whole reference page as Markdown."""
    from supplyshock import events
    from supplyshock.scenario.io import TABLES
    from supplyshock.scenario.schema import Scenario

    models = _models()
    full = Scenario.model_json_schema(by_alias=True)  # events: the registered types' union
    defs: dict[str, Any] = full.get("$defs", {})
    defs["Scenario"] = {k: v for k, v in full.items() if k != "$defs"}

    sections = []
    for heading, intro, names in SECTIONS:
        if heading == "Tables":
            names = [model.__name__ for model in TABLES.values()]
            intro = "Rows of the world's tables; the heading gives the table's key. " + (
                "A scenario's row with the same identifying columns replaces the world's row."
            )
            titled = [
                (f"{model.__name__} (`{table}`)", model.__name__) for table, model in TABLES.items()
            ]
        elif heading == "Events":
            titled = [
                (f"{kind.model.__name__} (`{kind.name}`)", kind.model.__name__)
                for kind in events.types()
            ]
        else:
            titled = [(n, n) for n in names]
        sections.append((heading, intro, titled))
    placed = {name for _, _, titled in sections for _, name in titled}
    rest = sorted(n for n in defs if n not in placed and n in models)
    if rest:
        sections.append(("Other records", "", [(n, n) for n in rest]))

    out = [INTRO, limits()]
    for heading, intro, titled in sections:
        out.append(f"## {heading}\n")
        if intro:
            out.append(intro + "\n")
        for title, name in titled:
            block = render_record(name, models[name], defs.get(name, {}))
            out.append(block.replace(f"### {name} ", f"### {title} ", 1))
    return "\n".join(out)


# --------------------------------------------------------------------------- mkdocs hook


def on_files(files: Any, config: Any) -> Any:
    """Add the generated page to the site (replacing a stale copy in docs/, if any)."""
    from mkdocs.structure.files import File

    stale = files.get_file_from_path(PAGE)
    if stale is not None:
        files.remove(stale)
    files.append(File.generated(config, PAGE, content=render()))
    return files


def main(argv: list[str]) -> None:
    if not argv:
        sys.stdout.write(render())
        return
    target = Path(argv[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
