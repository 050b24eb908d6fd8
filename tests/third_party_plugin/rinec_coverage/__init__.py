"""Mean sequencing coverage per sample, from a `coverage.tsv` (sample, patient_id, mean_coverage)."""

from rinec_report import Chart, InputError, Pattern, Section, SummaryColumn, Table, hookimpl
from rinec_report.charts import highlight_opacity


@hookimpl
def rinec_config_defaults():
    return {"min_coverage": 200}


@hookimpl
def rinec_patterns():
    return [Pattern("table", glob="coverage.tsv", contents=r"^sample\tpatient_id\tmean_coverage")]


@hookimpl
def rinec_parse(file, options):
    import pandas as pd

    frame = pd.read_csv(file.path, sep="\t", dtype={"sample": str, "patient_id": str})
    if frame["mean_coverage"].lt(0).any():
        raise InputError(f"row {frame['mean_coverage'].lt(0).idxmax() + 2}: negative coverage")
    return frame


@hookimpl
def rinec_datasets(files):
    import pandas as pd

    return {"coverage": pd.concat([f.data for f in files], ignore_index=True)}


@hookimpl
def rinec_sections(datasets, options):
    import altair as alt

    frame = datasets.of("coverage")["coverage"]
    frame = frame.assign(low=frame["mean_coverage"] < options["min_coverage"])
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x="sample:N",
            y="mean_coverage:Q",
            color="low:N",
            opacity=highlight_opacity(),
            tooltip=["sample", "patient_id", "mean_coverage"],
        )
    )
    return [
        Section(
            "coverage",
            "Sequencing coverage",
            "Mean depth per sample.",
            blocks=[Chart(chart), Table("samples", frame)],
        )
    ]


@hookimpl
def rinec_summary_columns(datasets):
    frame = datasets.of("coverage")["coverage"]
    return [
        SummaryColumn(
            "coverage",
            "Mean coverage",
            frame.groupby("patient_id")["mean_coverage"].mean().to_dict(),
        )
    ]
