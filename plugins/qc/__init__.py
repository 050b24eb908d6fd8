"""The qc plugin: MultiQC's per-sample metrics, joined to patients.

Reads MultiQC's data folder anywhere in the run directory, in every layout its versions
write: ``multiqc_data.json`` (lists before 1.20, dicts after), ``multiqc.parquet`` (1.29 on)
and the per-module tables ``multiqc_<module>.txt``. Each sample is joined to its patient
through the core's sample map, and shown with MultiQC's own column titles, formats and
scales. Thresholds come from the config (``qc: {min_mean_coverage: 100}``); the samples'
verdicts are published as the dataset ``sample_qc`` (and ``patient_qc``) for other plugins
(the oncoplot marks failing samples).
"""

from __future__ import annotations

from typing import Any

from rinec_report import Option, ParsedFile, Pattern, hookimpl


@hookimpl
def rinec_options() -> list[Option]:
    return [
        Option("min_mean_coverage", "float", None, "Flag a sample whose mean coverage is below this depth.",
               min=0, scope="run"),
        Option("coverage_metric", "str", "mean_coverage",
               "The general-statistics column the depth threshold reads: MultiQC's key (mosdepth's "
               "`mean_coverage`) or its column id (`mosdepth-mean_coverage`).", scope="run"),
        Option("min_values", "dict", {}, "More thresholds: metric (key or column id) -> the least value a "
               "sample may have, on MultiQC's scale (`{reads_mapped_percent: 95}`).", scope="run"),
        Option("max_values", "dict", {}, "Metric -> the most a sample may have (`{pct_duplication: 30}`).",
               scope="run"),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [
        Pattern("multiqc", glob=("multiqc_data.json",), contents=r'"report_general_stats_data"'),
        # MultiQC 1.29 named it BETA-multiqc.parquet.
        Pattern("parquet", glob=("multiqc.parquet", "BETA-multiqc.parquet")),
        # MultiQC's own tables start with a "Sample" column (its sources and citations do not);
        # its software versions (1.2x) do too, but their rows are tools: no sample table is read.
        Pattern("table", glob=("multiqc_*.txt",), contents=r"\ASample\t", max_lines=1,
                exclude=_not_sample_tables(".txt")),
        # The same with MultiQC's -k csv and -k yaml.
        Pattern("csv", glob=("multiqc_*.csv",), contents=r"\ASample,", max_lines=1,
                exclude=_not_sample_tables(".csv")),
        Pattern("yaml", glob=("multiqc_*.yaml", "multiqc_*.yml"),
                exclude=_not_sample_tables(".yaml", ".yml")),
    ]


def _not_sample_tables(*suffixes: str) -> tuple[str, ...]:
    from .multiqc import NOT_SAMPLE_TABLES

    return tuple(f"{stem}{suffix}" for stem in sorted(NOT_SAMPLE_TABLES) for suffix in suffixes)


@hookimpl
def rinec_parse(file: Any) -> Any:
    from .multiqc import read_file

    return read_file(file.path)


@hookimpl
def rinec_identifiers(data: dict[str, Any]) -> dict[str, str]:
    # MultiQC's numbers are measures; its text cells (fastp's command line names the FASTQ
    # files) are not declared, so a de-identified report drops them.
    import pandas as pd

    out = {"qc": "category", "qc_reason": "category", "qc_*": "measure", "table": "category", "column": "category",
           "title": "category", "description": "category", "format": "category", "suffix": "category",
           "scale": "category", "factor": "measure", "hidden": "category",
           # the heat map's fields: sample, column title, place on the scale, value text, scheme
           "s": "sample", "c": "category", "n": "measure", "t": "measure", "k": "category"}
    for frame in [data["samples"], *data["modules"].values()]:
        for name in frame.columns:
            if name not in ("sample", "patient_id") and pd.api.types.is_numeric_dtype(frame[name]):
                out[str(name)] = "measure"
    return out


@hookimpl
def rinec_subset(files: list[Any], subset: Any) -> list[Any]:
    out = []
    for f in files:
        values = {s: row for s, row in f.data["values"].items() if subset.keeps_sample(s)}
        # The JSON also carries the module tables (report_saved_raw_data): cut them alike.
        modules = {name: {s: row for s, row in rows.items() if subset.keeps_sample(s)}
                   for name, rows in (f.data.get("modules") or {}).items()}
        cut = len(values) < len(f.data["values"]) or any(
            len(modules[n]) < len(rows) for n, rows in (f.data.get("modules") or {}).items())
        if not cut:
            out.append(f)
        elif values or any(modules.values()):
            out.append(ParsedFile(f.file, {**f.data, "values": values,
                                           **({"modules": modules} if "modules" in f.data else {})}))
    return out


@hookimpl
def rinec_datasets(files: list[Any], patients: Any, options: dict[str, Any]) -> dict[str, Any] | None:
    from .build import join

    return join(files, patients, options)


@hookimpl
def rinec_sections(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    from .show import sections

    return sections(data, options)


@hookimpl
def rinec_summary_columns(data: dict[str, Any], options: dict[str, Any], patients: Any) -> list[Any]:
    from .show import summary_columns

    return summary_columns(data, options, patients)
