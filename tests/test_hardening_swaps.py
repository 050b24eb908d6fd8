"""A run directory changed while the run reads it: each input swapped for a link out of
the run directory, a FIFO or a link to a folder, at a random point of the scan or the
parse. Whatever the moment, no byte of the outside files reaches the page or its data
folder, and the run ends (a FIFO must not block it).

The reference is the rule itself: the outside copies carry a marker that no inside file
holds, so any occurrence of it in the output is a read through a swapped path.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from page_helpers import page_text
from variants_helpers import csq, write_vcf

from rinec_report import run
from rinec_report.executor import LocalExecutor

MARKER = "OUTSIDEMARKER"
INPUTS = {
    "clinical.csv": ("patient_id,sample_id,age,sex\nP1,S1,61,M\nP2,S2,55,F\n",
                     f"patient_id,sample_id,age,sex\nP1,S1,61,{MARKER}\n{MARKER}9,S9,50,F\n"),
    "ihc_scores.csv": ("patient_id,specimen,marker,intensity,percent\nP1,NEC,Ki-67,3,80\n",
                       f"patient_id,specimen,marker,intensity,percent\nP1,NEC,{MARKER},3,80\n"),
    "depth_rr.tsv": ("sample\tdepth\nS1\t300\n", f"sample\tdepth\n{MARKER}\t300\n"),
    "depth_rr.yaml": ("title: Depth\n", f"title: {MARKER}\n"),
    "string_interactions.tsv": ("#node1\tnode2\tcombined_score\nTP53\tRB1\t0.9\n",
                                f"#node1\tnode2\tcombined_score\nTP53\t{MARKER}\t0.9\n"),
    "panel.bed": ("17\t7668000\t7688000\tTP53\n", f"17\t7668000\t7688000\t{MARKER}\n"),
}
VCF_NAME = "variants/S1.vcf"


def _vcf(path: Path, gene: str, sample: str) -> None:
    info = "CSQ=" + csq("T", "missense_variant", gene, hgvsp="ENSP1:p.Arg175His")
    write_vcf(path, [("17", 7675088, "C", "T", "PASS", info)], samples=(sample,))


def _layout(root: Path) -> tuple[Path, Path]:
    run_dir, outside = root / "run", root / "outside"
    for folder in (run_dir / "variants", outside / "variants"):
        folder.mkdir(parents=True, exist_ok=True)
    for name, (inside_text, outside_text) in INPUTS.items():
        (run_dir / name).write_text(inside_text)
        (outside / name).write_text(outside_text)
    _vcf(run_dir / VCF_NAME, "TP53", "S1")
    _vcf(outside / VCF_NAME, MARKER, MARKER)
    return run_dir, outside


def _swap(run_dir: Path, outside: Path, name: str, how: str) -> None:
    target = run_dir / name
    if target.exists() or target.is_symlink():
        target.unlink()
    if how == "link":
        target.symlink_to(outside / name)
    elif how == "fifo":
        os.mkfifo(target)
    else:  # the folder holding it becomes a link to the outside copy of that folder
        folder = target.parent if target.parent != run_dir else None
        if folder is None:
            target.symlink_to(outside / name)
        else:
            for child in folder.iterdir():
                child.unlink()
            folder.rmdir()
            folder.symlink_to(outside / folder.name)


class SwappingExecutor(LocalExecutor):
    """This process's parse, with the swap made before the chosen file is parsed."""

    def __init__(self, before: int, swap) -> None:
        super().__init__(jobs=1)
        self.before, self.swap = before, swap

    def map(self, fn, items, sizes=None):
        for i, item in enumerate(items):
            if i == self.before:
                self.swap()
            yield fn(item)


NAMES = [*INPUTS, VCF_NAME]


@settings(max_examples=24, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), how=st.sampled_from(["link", "fifo", "folder"]),
       moment=st.integers(min_value=-1, max_value=len(NAMES)))
def test_no_byte_from_outside_reaches_the_report(tmp_path_factory, name, how, moment):
    root = tmp_path_factory.mktemp("swap")
    run_dir, outside = _layout(root)
    swapped = []

    def swap() -> None:
        if not swapped:
            swapped.append(True)
            _swap(run_dir, outside, name, how)

    if moment < 0:  # during the scan: before the scanner reaches the run directory's files
        import rinec_report.scan as scan_module

        original = scan_module._match_file

        def slowed(*args, **kwargs):
            swap()
            return original(*args, **kwargs)

        scan_module._match_file = slowed
        try:
            report = run(run_dir, outdir=root / "out", force=True, executor=SwappingExecutor(10**9, swap))
        finally:
            scan_module._match_file = original
    else:
        report = run(run_dir, outdir=root / "out", force=True, executor=SwappingExecutor(moment, swap))
    assert report.html_path.is_file()
    written = [report.html_path, *Path(report.data_dir).rglob("*")]
    for path in written:
        if path.is_file():
            text = path.read_text(errors="replace")
            if path == report.html_path:
                text = page_text(text)  # its chart specs unpacked
            assert MARKER not in text, (name, how, moment, path.name)
