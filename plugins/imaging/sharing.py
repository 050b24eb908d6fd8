"""What the imaging plugin shares in a de-identified report: what was imaged and when,
never a picture (the plugin embeds none) nor a caption (free text)."""

FIELDS = {
    "time_point": "category", "modality": "category", "marker": "category", "specimen": "category",
    "caption": "text", "sha256": "category", "width": "measure", "height": "measure",
    "embedded_bytes": "count", "images": "count", "modalities": "category",
}
