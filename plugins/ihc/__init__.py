"""The ihc plugin: immunohistochemistry readings scored as in the study.

Reads pathologists' readings (long or wide tables; CSV, TSV or XLSX), scores
them as intensity x percentage score, and reports a heat map, the primary
NPC against the second NEC, and a diagnostic panel verdict per NEC. Heavy
imports live in the sibling modules, imported inside the hooks.
"""

from __future__ import annotations

from typing import Any

from rinec_report import Option, Pattern, hookimpl

_EXTENSIONS = ("csv", "tsv", "txt", "xlsx")
_NAMES = ("*ihc*", "*immunohisto*", "*immunostain*")


@hookimpl
def rinec_options() -> list[Option]:
    from rinec_report.typing_ import options as table_options

    return [*table_options(),
        Option("percent_bands", "list[float]", [25.0, 50.0, 75.0],
               "Inclusive upper edges of percentage scores 1, 2 and 3 (above: 4).", scope="run"),
        Option("category_bands", "list[float]", [1.0, 5.0, 9.0],
               "Lowest final scores of the categories +, ++ and +++ (below: -).", scope="run"),
        Option("positive_from", "str", "+", "The lowest category that counts as positive in the diagnostic panel.",
               choices=("+", "++", "+++"), scope="run"),
        Option("neuroendocrine_markers", "list[str]", ["CD56", "SYN", "CgA"], "The neuroendocrine markers.",
               scope="run"),
        Option("squamous_markers", "list[str]", ["CK5/6", "p40"], "The squamous markers.", scope="run"),
        Option("ebv_markers", "list[str]", ["EBER"], "The EBV markers.", scope="run"),
        Option("marker_synonyms", "dict", {}, "Canonical marker name -> a list of other spellings (added to the "
               "built-in ones).", scope="run"),
        Option("specimen_types", "dict[str,str]", {}, "Specimen label -> type (NPC, NEC or any other name), for "
               "labels the plugin cannot read the type from.", scope="run"),
        Option("comparison_max_patients", "int", 24, "Patients drawn in the NPC-versus-NEC chart (the first ones).",
               min=1, scope="run"),
        Option("ignore_columns", "list[str]", [],
               "Columns of a wide table that are not markers, added to the built-in ones (comment, notes, remarks, "
               "age, sex, date, ...).", scope="run"),
        Option("summary_markers", "list[str]", [],
               "Markers shown per patient in the report's summary table (e.g. `[PD-L1, Ki-67]`); the "
               "second-cancer study's neuroendocrine, EBER and panel columns appear when the data has NEC "
               "specimens.", scope="run"),
        Option("sheet", "str", None, "The XLSX sheet to read (default: the first with data).", scope="run"),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [Pattern("scores", glob=tuple(f"{n}.{e}" for n in _NAMES for e in _EXTENSIONS))]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    from .parse import parse_file

    return parse_file(file.path, options)


@hookimpl
def rinec_datasets(
    files: list[Any], options: dict[str, Any], datasets: Any, patients: Any
) -> dict[str, Any] | None:
    from .combine import combine

    return combine([f.data for f in files if f.data is not None], options, datasets, patients)


@hookimpl
def rinec_sections(data: dict[str, Any], options: dict[str, Any], config: dict[str, Any] | None = None) -> list[Any]:
    from .sections import sections

    if data and ((config or {}).get("deidentify") or {}).get("enabled"):
        from .sharing import neutral_specimens

        data = neutral_specimens(data)
    return sections(data, options)


@hookimpl
def rinec_identifiers() -> dict[str, str]:
    from .sharing import FIELDS

    return FIELDS


@hookimpl
def rinec_summary_columns(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    from .sections import summary_columns

    return summary_columns(data, options)
