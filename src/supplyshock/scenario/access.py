"""Which files a scenario may read: its own folder tree, the bundled scenarios, and folders
the user names; anything else only when the user allows it.

A scenario is data, possibly from someone else. Its ``extends`` and table paths must not read
``/proc/self/environ``, ``~/.ssh`` or a ``.env`` file of another project. Paths are compared
after resolving symbolic links, so a link inside the folder to a file outside it is outside.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from supplyshock.scenario.bundled import bundled_dir

__all__ = ["Access"]

OUTSIDE_HINT = (
    "is outside the scenario's folder and the bundled scenarios; name its folder with "
    "--allow-path (roots= in Python) or pass --allow-outside-paths (allow_outside=True)"
)


@dataclass(frozen=True)
class Access:
    """The folders a scenario's files may come from (``roots``; None: anywhere).

    >>> access = Access.for_scenario(Path("/data/s/scenario.yaml"))
    >>> access.refusal(Path("/data/s/csv/lanes.csv")) is None
    True
    >>> access.refusal(Path("/etc/passwd")) is not None
    True
    """

    roots: tuple[Path, ...] | None

    @classmethod
    def for_scenario(
        cls, top: Path, roots: Iterable[str | Path] = (), allow_outside: bool = False
    ) -> Access:
        """The access of the scenario file ``top``: its folder tree, the bundled scenarios and
        ``roots``; with ``allow_outside``, anywhere."""
        if allow_outside:
            return cls(None)
        folders = [top.resolve().parent, bundled_dir().resolve()]
        folders += [Path(root).resolve() for root in roots]
        return cls(tuple(folders))

    def refusal(self, path: Path) -> str | None:
        """Why ``path`` may not be read, or None if it may."""
        if self.roots is None:
            return None
        real = path.resolve()
        if any(real.is_relative_to(root) for root in self.roots):
            return None
        return OUTSIDE_HINT
