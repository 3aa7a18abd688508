"""A batch (or two) as one self-contained HTML report: headline tables, fan charts, the
comparison and provenance. See :func:`build_report` and ``supplyshock report``."""

from supplyshock.report.build import build_report, write_report

__all__ = ["build_report", "write_report"]
