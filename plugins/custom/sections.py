"""One section per custom file: a chart (when asked) over its table, or the image."""

from __future__ import annotations

import base64
import warnings
from typing import Any

from markupsafe import Markup

from rinec_report.model import Chart, Html, InputWarning, Note, Section, SummaryColumn, Table, Text


def _numeric(frame: Any) -> list[str]:
    import pandas as pd

    return [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]


def _axis(frame: Any, wanted: Any, fallback: str | None, where: str, key: str) -> str | None:
    if wanted is None:
        return fallback
    if str(wanted) in frame.columns:
        return str(wanted)
    warnings.warn(f"{where}: {key} {wanted!r} is not a column", InputWarning, stacklevel=2)
    return fallback


# Columns a heat map draws (40 px each): a wide table's first ones, and a note.
MAX_HEATMAP_COLUMNS = 100


def _free_name(columns: Any, base: str) -> str:
    taken = {str(c) for c in columns}
    name, n = base, 1
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def heatmap_columns(frame: Any, patient: str | None) -> list[str]:
    first = str(frame.columns[0])
    return [c for c in _numeric(frame) if c != patient and c != first]


def chart(item: dict[str, Any]) -> Any | None:
    """The chart the item's plot_type asks for, or None (a table only)."""
    import altair as alt

    from rinec_report import palettes
    from rinec_report.charts import highlight_opacity

    frame, cfg, where = item["frame"], item["settings"], item["relpath"]
    kind = cfg["plot_type"]
    if kind == "table" or frame.empty:
        return None
    numeric = _numeric(frame)
    patient = item.get("patient")
    first = str(frame.columns[0])
    opacity = highlight_opacity(field=patient) if patient else alt.value(1)
    # Fields by name, never Altair's "name:type" shorthand: a column may be called
    # "sum(x)" or "time:days". The core renames the columns Vega-Lite would read as a path.
    numbers = set(numeric)
    tooltip = [alt.Tooltip(field=str(c), type="quantitative" if c in numbers else "nominal", title=str(c))
               for c in frame.columns[:8]]
    if kind == "heatmap":
        values = heatmap_columns(frame, patient)[:MAX_HEATMAP_COLUMNS]
        if not values:
            warnings.warn(f"{where}: a heatmap needs numeric columns", InputWarning, stacklevel=2)
            return None
        rows = _axis(frame, cfg.get("x"), patient or first, where, "x")
        # The long table's own two columns take names no column of the table has: a
        # table may well have a column called "value" or "column".
        column, value = (_free_name(frame.columns, base) for base in ("column", "value"))
        long = frame.melt(id_vars=[rows] if rows == patient or not patient else [rows, patient],
                          value_vars=values, var_name=column, value_name=value)
        return alt.Chart(long).mark_rect().encode(
            x=alt.X(field=column, type="nominal", title=None, sort=values),
            y=alt.Y(field=rows, type="nominal", title=rows, sort=None),
            color=alt.Color(field=value, type="quantitative", title="Value", scale=alt.Scale(scheme="viridis")),
            opacity=opacity,
            tooltip=[alt.Tooltip(field=rows, type="nominal", title=rows),
                     alt.Tooltip(field=column, type="nominal", title="Column"),
                     alt.Tooltip(field=value, type="quantitative", title="Value")],
        ).properties(width=min(900, 40 * len(values)), height=min(900, 18 * len(frame)))
    x = _axis(frame, cfg.get("x"), patient or first, where, "x")
    ys = [c for c in numeric if c != x]
    y = _axis(frame, cfg.get("y"), ys[0] if ys else None, where, "y")
    if x is None or y is None:
        warnings.warn(f"{where}: a {kind} chart needs a numeric column to plot", InputWarning, stacklevel=2)
        return None
    x_type = "Q" if kind == "scatter" and x in numeric else ("Q" if kind == "line" and x in numeric else "N")
    base = alt.Chart(frame).encode(
        x=alt.X(field=x, type="quantitative" if x_type == "Q" else "nominal", title=x, sort=None),
        y=alt.Y(field=y, type="quantitative", title=y),
        opacity=opacity,
        tooltip=tooltip,
    )
    if kind == "bar":
        mark = base.mark_bar(color=palettes.BLUE)
    elif kind == "line":
        mark = base.mark_line(color=palettes.BLUE, point=True)
    else:
        mark = base.mark_point(filled=True, size=60, color=palettes.BLUE)
    return mark.properties(width=min(900, max(240, 30 * len(frame))) if x_type == "N" else 420, height=240)


def sections(items: list[dict[str, Any]]) -> list[Section]:
    out = []
    for item in items:
        blocks: list[Any] = []
        if item["kind"] == "image":
            # The data folder keeps the picture as given, named by its section (a file name may
            # name a patient): custom_<section id>.png or .svg.
            suffix = "svg" if item["mime"] == "image/svg+xml" else "png"
            blocks.append(Html(Markup('<img class="rr-custom-image" alt="{}" src="data:{};base64,{}">').format(
                item["title"], item["mime"], item["base64"]),
                files={f"{item['id']}.{suffix}": base64.b64decode(item["base64"])}))
            blocks.append(Text(f"From {item['relpath']}; in the data folder as custom_{item['id']}.{suffix}."))
        else:
            spec = chart(item)
            if spec is not None:
                drawn = heatmap_columns(item["frame"], item.get("patient"))
                if item["settings"]["plot_type"] == "heatmap" and len(drawn) > MAX_HEATMAP_COLUMNS:
                    blocks.append(Note(f"The heat map shows the first {MAX_HEATMAP_COLUMNS} of {len(drawn):,} "
                                       "numeric columns; every column is in the table below."))
                blocks.append(Chart(spec, title=item["title"]))
            # The headers are the user's own words: shown as written.
            frame = item["frame"]
            blocks.append(Table(item["id"], frame, title="Table", patient_column=item.get("patient"),
                                column_titles={str(c): str(c) for c in frame.columns}))
            blocks.append(Text(f"From {item['relpath']}."))
        out.append(Section(id=item["id"], title=item["title"], description=item["description"], blocks=blocks))
    return out


def summary_columns(items: list[dict[str, Any]], max_columns: int) -> list[SummaryColumn]:
    """Columns of tables that name patients, one value per patient."""
    out = []
    for item in items:
        patient = item.get("patient")
        if item["kind"] != "table" or patient is None:
            continue
        frame = item["frame"].dropna(subset=[patient])
        if frame[patient].duplicated().any():
            continue  # several rows per patient: nothing to put in one cell
        wanted = item["settings"].get("summary")
        others = [str(c) for c in frame.columns if c != patient]
        columns = [str(c) for c in wanted if str(c) in others] if wanted is not None else others[:max_columns]
        for column in columns:
            values = {str(p): (None if v != v else v) for p, v in zip(frame[patient], frame[column], strict=True)}
            out.append(SummaryColumn(name=f"{item['id']}_{column}", title=column, values=values, source=column,
                                     description=f"{column}, from {item['relpath']}"))
    return out
