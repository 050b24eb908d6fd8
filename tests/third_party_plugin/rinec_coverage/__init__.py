"""Mean sequencing depth per sample, from coverage.tsv: sample, patient_id, mean_coverage."""
from rinec_report import Chart, InputError, Pattern, Section, SummaryColumn, Table, hookimpl
from rinec_report.charts import highlight_opacity


@hookimpl
def rinec_config_defaults():
    return {"min_coverage": 200}

@hookimpl
def rinec_patterns():
    return [Pattern("table", glob="coverage.tsv", contents=r"^sample\tpatient_id\tmean_coverage")]

@hookimpl
def rinec_parse(file):
    import pandas as pd  # imported here: plugins must load fast (the CLI loads them all for --help)
    frame = pd.read_csv(file.path, sep="\t", dtype={"sample": str, "patient_id": str})
    if (frame["mean_coverage"] < 0).any():
        raise InputError(f"row {(frame['mean_coverage'] < 0).idxmax() + 2}: negative coverage")
    return frame

@hookimpl
def rinec_datasets(files):
    import pandas as pd
    return {"coverage": pd.concat([f.data for f in files])} if files else None

@hookimpl
def rinec_sections(datasets, options):
    import altair as alt
    df = datasets.get("coverage", "coverage").assign(low=lambda d: d.mean_coverage < options["min_coverage"])
    bars = alt.Chart(df).mark_bar().encode(x="sample:N", y="mean_coverage:Q", color="low:N",
                                           opacity=highlight_opacity(), tooltip=list(df.columns))
    return [Section("depth", "Sequencing coverage", "Mean depth per sample, in reads.",
                    blocks=[Chart(bars), Table("samples", df)])]

@hookimpl
def rinec_summary_columns(datasets):
    df = datasets.get("coverage", "coverage")
    return [SummaryColumn("coverage", "Mean coverage", df.groupby("patient_id").mean_coverage.mean().to_dict())]
