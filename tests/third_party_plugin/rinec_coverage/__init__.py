"""Mean sequencing depth per sample, from coverage.tsv: sample, mean_coverage."""
from rinec_report import Chart, InputError, Option, Pattern, Section, SummaryColumn, Table, account, hookimpl
from rinec_report.charts import highlight_opacity
from rinec_report.safeio import open_content  # the core's checked, bounded read of an input


@hookimpl
def rinec_options():
    return [Option("min_coverage", "int", 200, "Flag samples below this depth.", cli="--min-coverage", min=0)]

@hookimpl
def rinec_patterns():
    return [Pattern("table", glob="coverage.tsv", contents=r"^sample\tmean_coverage")]

@hookimpl
def rinec_parse(file):
    import pandas as pd  # imported here: plugins must load fast (the CLI loads them all for --help)
    with open_content(file.path) as fh:  # no link followed, gzip or not, refused past the size limit
        frame = pd.read_csv(fh, sep="\t", dtype={"sample": str})
    if (frame["mean_coverage"] < 0).any():
        raise InputError(f"row {(frame['mean_coverage'] < 0).idxmax() + 2}: negative coverage")
    account.rows(read=len(frame), used=len(frame))  # the run information's account of the file
    return frame

@hookimpl
def rinec_datasets(files, patients):
    import pandas as pd
    if not files:
        return None
    frame = pd.concat([f.data for f in files], ignore_index=True)
    return {"coverage": frame.assign(patient_id=frame["sample"].map(patients.patient_of))}

@hookimpl
def rinec_sections(data, options):
    import altair as alt
    df = data["coverage"].assign(low=lambda d: d.mean_coverage < options["min_coverage"])
    bars = alt.Chart(df).mark_bar().encode(x="sample:N", y="mean_coverage:Q", color="low:N",
                                           opacity=highlight_opacity(), tooltip=list(df.columns))
    return [Section("depth", "Sequencing coverage", "Mean depth per sample, in reads.",
                    blocks=[Chart(bars), Table("samples", df)])]

@hookimpl
def rinec_summary_columns(data):
    df = data["coverage"]
    return [SummaryColumn("coverage", "Mean coverage", df.groupby("patient_id").mean_coverage.mean().to_dict())]
