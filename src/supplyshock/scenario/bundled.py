"""Where the scenarios shipped with supplyshock live, and how a name resolves to a file."""

from __future__ import annotations

from pathlib import Path

from supplyshock.errors import did_you_mean

__all__ = ["DEFAULT_SCENARIO", "bundled_dir", "bundled_scenarios", "not_found", "resolve"]

DEFAULT_SCENARIO = "october_2025_suspended"


def bundled_dir() -> Path:
    """The folder of bundled scenarios: inside an installed wheel, or the source checkout's."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_bundled_scenarios"
    if installed.is_dir():
        return installed
    return package.parent.parent / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario names mapped to their YAML files (worlds excluded), sorted by name."""
    folder = bundled_dir()
    if not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def resolve(name: str | Path, relative_to: Path | None = None) -> Path | None:
    """Find the file a scenario or world name refers to, or ``None``.

    A path to an existing file wins; otherwise ``NAME.yaml`` or ``NAME/world.yaml`` is looked
    for beside ``relative_to`` and then among the bundled scenarios.
    """
    candidate = Path(name)
    folders = [relative_to] if relative_to is not None else []
    if candidate.suffix in {".yaml", ".yml"} or candidate.is_absolute():
        for base in [*folders, Path.cwd()]:
            path = base / candidate
            if path.is_file():
                return path
        return None
    for base in [*folders, bundled_dir()]:
        for path in (base / f"{name}.yaml", base / str(name) / "world.yaml"):
            if path.is_file():
                return path
    return None


def not_found(name: str | Path) -> str:
    """The message for a scenario ``name`` that :func:`resolve` did not find: a close bundled
    name if there is one, else where the bundled names are listed."""
    hint = did_you_mean(str(name), bundled_scenarios())
    return "no such file or scenario" + (hint or "; `supplyshock list` names the bundled ones")
