"""The types of the cohort's other columns: the core's (rinec_report.typing_), which
types every column in one pass; kept here under their old names for the cohort's modules."""

from __future__ import annotations

from rinec_report.typing_ import TYPES, column_type

__all__ = ["TYPES", "column_type"]
