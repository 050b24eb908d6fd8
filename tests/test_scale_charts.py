"""Charts that summarise instead of failing when a cohort is large: the timeline's first
patients, the IHC score distributions, Kaplan-Meier curves at their steps with censored
patients counted per time. Expected values are hand counts of the inputs written here
or R's lung data as documented (228 patients, 165 deaths)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cohort_helpers import build_cohort, cohort_options, write_table
from ihc_helpers import LONG_HEADER, options, parse, write_rows
from survival_helpers import write_lung_run

from rinec_report import Chart, Note
from rinec_report.charts import altair_settings, to_spec


def _rows(spec: dict) -> list[dict]:
    json.dumps(spec, allow_nan=False)
    rows = list(spec.get("data", {}).get("values", []))
    for values in spec.get("datasets", {}).values():
        rows.extend(values)
    return rows


def test_ihc_heatmap_of_many_specimens_becomes_score_distributions(tmp_path: Path) -> None:
    from rinec_plugins.ihc.combine import combine
    from rinec_plugins.ihc.sections import MAX_HEATMAP_ROWS, sections

    n = MAX_HEATMAP_ROWS + 20
    # CD56: intensity 3 at 90% for everyone: 3 x 4 = 12. SYN: intensity 0 for even
    # patients (score 0), 1 at 50% for odd ones (1 x 2 = 2).
    rows = []
    for i in range(n):
        rows.append([f"P{i:04d}", "NEC", "CD56", 3, 90])
        rows.append([f"P{i:04d}", "NEC", "SYN", i % 2, 50])
    published = combine([parse(write_rows(tmp_path / "ihc.csv", LONG_HEADER, rows))], options())
    heat = sections(published, options())[0]
    note = next(b for b in heat.blocks if isinstance(b, Note))
    assert f"{n:,} specimens" in note.text
    chart = next(b for b in heat.blocks if isinstance(b, Chart))
    counts = {(r["marker"], r["score"]): r["readings"] for r in _rows(to_spec(chart.spec))}
    assert counts == {("CD56", 12): n, ("SYN", 0): n // 2, ("SYN", 2): n // 2}
    table = next(b for b in heat.blocks if b.__class__.__name__ == "Table")
    assert len(table.data) == 2 * n  # every reading is still listed


def test_timeline_of_many_patients_draws_the_first_ones(tmp_path: Path) -> None:
    from rinec_plugins.cohort.sections import MAX_TIMELINE_PATIENTS, timeline_section

    n = MAX_TIMELINE_PATIENTS + 50
    rows = [["patient_id", "npc_diagnosis_date", "nec_diagnosis_date", "death_date"]]
    rows += [[f"P{i:04d}", "2001-03-01", "2009-05-01", "2011-01-01"] for i in range(n)]
    cohort = build_cohort(write_table(tmp_path / "clinical.csv", rows), {"followup_end": "2020-01-01"})
    with altair_settings():
        section = timeline_section(cohort, cohort_options(followup_end="2020-01-01"))
        spec = to_spec(next(b for b in section.blocks if isinstance(b, Chart)).spec)
    note = next(b for b in section.blocks if isinstance(b, Note))
    assert f"first {MAX_TIMELINE_PATIENTS} of {n:,} patients" in note.text
    drawn = {r["patient_id"] for r in _rows(spec)}
    assert drawn == {f"P{i:04d}" for i in range(MAX_TIMELINE_PATIENTS)}


@pytest.fixture(scope="module")
def lung(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from rinec_report.runner import Run, RunOptions

    run_dir = write_lung_run(tmp_path_factory.mktemp("lung"))
    run = Run(RunOptions(run_dir, outdir=run_dir / "out", plugins=("survival",)))
    run.configure()
    parsed, _ = run.parse(run.scan())
    datasets, _ = run.build_datasets(parsed)
    return datasets.own("survival")


def _step(curve: object, time: float) -> float:
    """The survival a step curve gives at ``time``: its last point at or before it."""
    before = [s for t, s in zip(curve["time"], curve["survival"], strict=True) if t <= time + 1e-9]
    return before[-1] if before else 1.0


def test_patients_sit_on_their_curve(lung: dict) -> None:
    from rinec_plugins.survival.charts import patient_marks

    data, curves = lung["_data"], lung["curves"]
    marks = patient_marks(data, "os", "sex", curves)
    assert len(marks) == 228
    assert (marks["status"] == "event").sum() == 165
    for row in marks.itertuples():
        curve = curves[(curves["endpoint"] == "os") & (curves["group"] == row.group)]
        assert row.survival == _step(curve, row.time)


def test_curves_keep_only_their_steps_and_censored_patients_are_counted(lung: dict, monkeypatch) -> None:
    from rinec_plugins.survival import charts

    curves = lung["curves"]
    full = curves[(curves["endpoint"] == "os") & (curves["group"] == "all")]
    steps = charts.curve_steps(full)
    assert len(steps) < len(full)
    for t in sorted({*full["time"], *(full["time"] + 0.5)}):
        assert _step(steps, t) == _step(full, t)
    monkeypatch.setattr(charts, "MAX_PATIENT_MARKS", 100)
    with altair_settings():
        spec = to_spec(charts.km_chart(lung["_data"], lung, "os", None, "OS"))
    ticks = [r for r in _rows(spec) if "patients" in r]
    assert sum(r["patients"] for r in ticks) == 228 - 165
    assert not any("patient_id" in r for r in _rows(spec))


def test_oncoplot_of_more_samples_than_columns_is_binned(tmp_path: Path) -> None:
    import rinec_report

    header = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2",
              "Variant_Classification", "Variant_Type", "Tumor_Sample_Barcode", "HGVSp_Short"]
    hits = {"S1": ["GENEA", "GENEB"], "S2": ["GENEA"], "S3": ["GENEA"], "S4": ["GENEA"], "S5": ["GENEB"],
            "S6": ["GENEC"]}
    lines = ["\t".join(header)]
    for k, (sample, genes) in enumerate(hits.items()):
        for j, gene in enumerate(genes):
            cls = "Silent" if gene == "GENEC" else "Missense_Mutation"
            lines.append("\t".join([gene, "1", str(1000 + 10 * k + j), "C", "T", cls, "SNP", sample, "p.R1H"]))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "cohort.maf").write_text("\n".join(lines) + "\n")
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", force=True, plugins=("variants",),
                              config={"variants": {"oncoplot_max_samples": 2}})
    assert report.exit_status == 0
    html = (tmp_path / "out" / "rinec_report.html").read_text()
    assert "each column is 3 consecutive samples" in html
    # Waterfall order S1 (A, B), S2, S3, S4 (A), S5 (B), S6 (only a silent change):
    # columns S1-S3 and S4-S6, counted by hand.
    spec = next(to_spec(b.spec) for _, s in report.sections for b in s.blocks if isinstance(b, Chart))
    cells = {(r["b"], r["g"]): r["k"] for r in _rows(spec) if "k" in r and "g" in r}
    assert cells == {(0, "GENEA"): 3, (0, "GENEB"): 1, (1, "GENEA"): 1, (1, "GENEB"): 1}
    exported = (tmp_path / "out" / "rinec_report_data" / "variants_oncoplot_cells.tsv").read_text().splitlines()
    assert len(exported) == 1 + 6  # every mutated (sample, gene) cell


def test_gene_table_lists_counted_by_hand() -> None:
    import pandas as pd
    from rinec_plugins.variants.frames import gene_table

    classes = pd.Categorical(["Missense_Mutation", "Missense_Mutation", "Nonsense_Mutation"]
                             + ["Missense_Mutation"] * 12,
                             categories=["Missense_Mutation", "Nonsense_Mutation", "Silent", "Intron"])
    mutations = pd.DataFrame({
        "sample": ["S1", "S2", "S2"] + [f"S{k}" for k in range(12)],
        "gene": ["GENEA"] * 3 + ["GENEB"] * 12,
        "variant_classification": classes,
        "hgvsp_short": ["p.R1H", "p.R1H", "p.Q2*"] + [f"p.R{k + 10}H" for k in range(12)],
    })
    table = gene_table(mutations, [f"S{k}" for k in range(12)], ("Missense_Mutation", "Nonsense_Mutation"), 50)
    rows = table.set_index("gene")
    # No zero counts for classes the gene does not have (Silent, Intron).
    assert rows.loc["GENEA", "classes"] == "Missense_Mutation (2), Nonsense_Mutation (1)"
    assert rows.loc["GENEA", "protein_changes"] == "p.R1H (2), p.Q2*"
    assert rows.loc["GENEB", "classes"] == "Missense_Mutation (12)"
    # Ten shown, by name among equal counts, then how many there are.
    assert rows.loc["GENEB", "protein_changes"] == ", ".join(sorted(f"p.R{k + 10}H" for k in range(12))[:10]) \
        + " (10 of 12 shown)"


def test_a_large_cohort_gets_a_patient_id_field_instead_of_a_list(tmp_path: Path) -> None:
    import rinec_report

    rows = [["patient_id", "age"]] + [[f"P{i:05d}", 50] for i in range(1001)]
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_table(run_dir / "clinical.csv", rows)
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", force=True, plugins=("cohort",))
    html = (tmp_path / "out" / "rinec_report.html").read_text()
    assert report.exit_status == 0
    assert '<input id="rr-patient" type="search"' in html and "<option" not in html.split("rr-toolbar")[1][:2000]
