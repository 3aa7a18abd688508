"""A griffe extension that turns the reST habits of supplyshock's docstrings into Markdown.

The docstrings are written for ``help()`` and doctest: Sphinx roles (:class:`X`), doctest
examples (>>> lines), literal blocks introduced by ``::`` and reST simple tables. mkdocstrings
renders docstrings as Markdown, where those would come out as stray colons, block quotes and
run-together lines. This extension rewrites them when the API reference is built; the source
is left alone. Used by ``mkdocs.yml`` (``extensions:`` of the python handler).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

DOCTEST_DIRECTIVE = re.compile(r"\s*# doctest: [+-][A-Z_, +-]+$", re.MULTILINE)
ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|obj|exc|const):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def _is_border(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) <= {"=", " "} and "==" in stripped


def _table(lines: list[str]) -> list[str]:
    """A reST simple table (``===  ===`` borders) as a Markdown table."""
    border = lines[0]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", border)]
    rows = []
    for line in lines[1:]:
        if _is_border(line):
            continue
        cells = []
        for i, (start, _) in enumerate(spans):
            end = spans[i + 1][0] if i + 1 < len(spans) else None
            cells.append(line[start:end].strip())
        rows.append(cells)
    if not rows:
        return []
    header = ["", ""] if len(spans) == 2 else [""] * len(spans)
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(spans)]
    out += ["| " + " | ".join(cells) + " |" for cells in rows]
    return out


def rest_to_markdown(text: str) -> str:
    """Rewrite roles, doctests, ``::`` literal blocks and simple tables as Markdown."""
    text = ROLE.sub(_role, text)
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            body = DOCTEST_DIRECTIVE.sub("", textwrap.dedent("\n".join(block)))
            out += ["```pycon", *body.splitlines(), "```"]
            continue
        if _is_border(line):
            block = [line]
            i += 1
            borders = 1
            while i < len(lines) and borders < 3 and lines[i].strip():
                block.append(lines[i])
                borders += _is_border(lines[i])
                i += 1
            out += _table(block)
            continue
        if line.rstrip().endswith("::") and not stripped.startswith("```"):
            head = line.rstrip()[:-1]
            out.append(head if head.strip() != ":" else "")
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out += ["", "```text", *textwrap.dedent("\n".join(block)).splitlines(), "```", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class RestDocstrings(griffe.Extension):
    """Rewrite every docstring of the loaded package once it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rest_to_markdown(obj.docstring.value)
