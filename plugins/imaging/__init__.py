"""The imaging plugin: radiology, endoscopy and pathology images per patient and time point.

Reads PNG, JPEG and TIFF pictures, DICOM files and series (pydicom) and whole-slide
images (OpenSlide) from an ``images/`` folder, or anywhere when a sidecar
``images.tsv``/``.csv``/``.xlsx`` names them; decodes and re-encodes them in the
core's worker processes within a size budget; and shows a timeline per patient with
a zoomable viewer and a pathology panel (primary NPC beside second NEC, with the
ihc plugin's scores). Heavy imports live in the sibling modules.
"""

from __future__ import annotations

from typing import Any

from rinec_report import Option, Pattern, hookimpl

from .meta import IMAGE_EXTENSIONS, SIDECAR_NAMES


@hookimpl
def rinec_options() -> list[Option]:
    return [
        Option("budget_mb", "float", 20.0, "Size budget for every embedded image together, in MB; images are "
               "downscaled and re-encoded to fit.", cli="--image-budget-mb", min=0.1, scope="user"),
        Option("format", "str", "avif", "Encoding of embedded images: AVIF (Chrome 85, Firefox 93, Safari 16.4, "
               "Edge 121 and later), webp for older viewers, or jpeg. Where Pillow has no AVIF encoder: WebP, "
               "with a note.",
               choices=("avif", "webp", "jpeg"), scope="run"),
        Option("quality", "int", None, "Encoder quality (1-100); default 65 for AVIF, 80 for WebP and JPEG "
               "(AVIF's 65 matches WebP's 80 in fidelity).", min=1, max=100, scope="run"),
        Option("max_side", "int", 1600, "Long side, in pixels, of the largest size an image is shown at.", min=64,
               scope="run"),
        Option("min_side", "int", 400, "Smallest display size the budget may reduce an image to, in pixels "
               "(below it only the thumbnail is kept).", min=32, scope="run"),
        Option("thumb_side", "int", 200, "Long side of the gallery thumbnails, in pixels.", min=32, max=1024,
               scope="run"),
        Option("tile_side", "int", 512, "Side of a whole-slide zoom tile, in pixels.", min=64, max=4096, scope="run"),
        Option("max_tiles", "int", 16, "Zoom tiles per whole-slide image (from the areas with the most tissue).",
               min=0, max=1024, scope="run"),
        Option("window_low_percentile", "float", 1.0, "DICOM without a window: lower percentile mapped to black.",
               min=0, max=100, scope="run"),
        Option("window_high_percentile", "float", 99.0, "DICOM without a window: upper percentile mapped to "
               "white.", min=0, max=100, scope="run"),
        Option("stack_mb", "float", 2.0, "Budget per DICOM series (or multi-frame file) for its stack of slices "
               "in the viewer, in MB, counted in budget_mb; 0 shows each series by one slice only.", min=0,
               max=100, scope="run"),
        Option("stack_side", "int", 256, "Long side of a stack slice, in pixels (half of it when the stack would "
               "exceed stack_mb).", min=32, max=1024, scope="run"),
        Option("stack_burned_in", "bool", False, "Put slices whose header says BurnedInAnnotation YES (text "
               "such as a name in the pixels) into a series' stack.", scope="user"),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [
        Pattern("sidecar", glob=SIDECAR_NAMES),
        Pattern("image", glob=tuple(f"*.{e}" for e in IMAGE_EXTENSIONS)),
    ]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    from .parse import parse_file

    return parse_file(file.path, file.relpath, file.pattern, options)


@hookimpl
def rinec_subset(files: list[Any], subset: Any) -> list[Any]:
    from .subset import cut

    return cut(files, subset)


@hookimpl
def rinec_datasets(
    files: list[Any], options: dict[str, Any], datasets: Any, patients: Any, run: Any, config: dict[str, Any]
) -> dict[str, Any] | None:
    from .build import combine

    def resolve(raw: str) -> str | None:
        canonical = patients.canonical(raw)
        return canonical if canonical in patients.ids else patients.patient_of(raw)

    return combine(
        [f.data for f in files if f.data is not None],
        options,
        resolve,
        run.run_dir,
        _diagnosis_dates(datasets),
        bool(config.get("allow_links_outside")),
        {f.file.relpath for f in files},
    )


def _diagnosis_dates(datasets: Any) -> dict[str, str]:
    """The second tumour's diagnosis date per patient, when the cohort plugin has one."""
    table = datasets.get("cohort", "patients")
    if table is None or "nec_diagnosis_date" not in getattr(table, "columns", ()):
        return {}
    return {
        str(p): str(d)
        for p, d in zip(table["patient_id"], table["nec_diagnosis_date"], strict=True)
        if d is not None and d == d
    }


@hookimpl
def rinec_sections(data: dict[str, Any], datasets: Any, config: dict[str, Any]) -> list[Any]:
    from .sections import sections

    # A de-identified report (--deidentify) gets no pixels: text burned into an image
    # cannot be found, let alone replaced, the way the core replaces ids in text.
    deidentified = bool((config.get("deidentify") or {}).get("enabled"))
    return sections(data, datasets.get("ihc", "scores"), deidentified)


@hookimpl
def rinec_identifiers() -> dict[str, str]:
    # Captions are typed by people (and DICOM series descriptions may name anything).
    from .sharing import FIELDS

    return FIELDS


@hookimpl
def rinec_summary_columns(data: dict[str, Any]) -> list[Any]:
    from .sections import summary_columns

    return summary_columns(data)
