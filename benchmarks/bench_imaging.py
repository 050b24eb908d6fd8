"""Imaging at scale: 1,000 images (JPEG photos, DICOM series, one pyramidal TIFF slide)
for 50 patients, through a whole run (cohort + imaging).

Prints wall time, peak memory (the main process and the largest worker), the page's size
and how much of it the images take, and what the budget reduced. The baseline, measured
in the same run, is a bare serial loop that only decodes every input once (Pillow,
pydicom, OpenSlide's thumbnail): the floor for reading these files in one process.

    python benchmarks/bench_imaging.py [--images 1000] [--jobs N] [--format avif|webp|jpeg] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

PATIENTS = 50
SERIES = 4  # DICOM series of SLICES slices each
SLICES = 24


def make_run(root: Path, n_images: int) -> dict[str, int]:
    """A run directory with a clinical table and ``n_images`` image files."""
    g = np.random.default_rng(1)
    root.mkdir(parents=True, exist_ok=True)
    rows = ["patient_id,age,nec_diagnosis_date"] + [f"P{i},{50 + i % 20},2019-0{1 + i % 9}-15"
                                                    for i in range(1, PATIENTS + 1)]
    (root / "clinical.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    n_dicom = SERIES * SLICES
    n_jpeg = n_images - n_dicom - 1
    for i in range(n_jpeg):
        patient = f"P{1 + i % PATIENTS}"
        folder = root / "images" / patient
        folder.mkdir(parents=True, exist_ok=True)
        modality = ("endoscopy", "HE", "IHC_CD56_NEC", "MRI")[i % 4]
        _photo(folder / f"2019-{1 + i % 12:02d}_{modality}_{i:04d}.jpg", g)
    for s in range(SERIES):
        folder = root / "images" / f"P{s + 1}" / f"2019-05_MRI_series{s}"
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(SLICES):
            _dicom(folder / f"slice{k:03d}.dcm", f"P{s + 1}", s, k, g)
    _slide(root / "images" / "P1" / "2019-02_HE_NEC_slide.tif")
    return {"jpeg": n_jpeg, "dicom": n_dicom, "slide": 1}


def _photo(path: Path, g: np.random.Generator) -> None:
    img = Image.new("RGB", (1280, 960), tuple(int(v) for v in g.integers(120, 230, 3)))
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y, r = g.uniform(0, 1280), g.uniform(0, 960), g.uniform(10, 120)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(v) for v in g.integers(0, 255, 3)))
    img.save(path, quality=85)


def _dicom(path: Path, patient: str, series: int, instance: int, g: np.random.Generator) -> None:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = f"1.2.826.0.1.3680043.10.99.{series}.{instance + 1}"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.SeriesInstanceUID = f"1.2.826.0.1.3680043.10.99.{series}"
    ds.PatientID, ds.StudyDate, ds.Modality, ds.InstanceNumber = patient, "20190510", "MR", instance + 1
    pixels = (g.normal(500, 150, (512, 512))).clip(0, 4095).astype(np.uint16)
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)


def _slide(path: Path) -> None:
    """200 megapixels at level 0, written tile by tile so that no level is ever in memory."""
    import tifffile

    width, height, side = 16384, 12288, 256

    def tiles(step: int):
        w, h = width // step, height // step
        for y in range(0, h, side):
            for x in range(0, w, side):
                tile = np.full((side, side, 3), 244, np.uint8)
                yy, xx = np.mgrid[y : y + side, x : x + side]
                tissue = (yy >= h // 5) & (yy < 4 * h // 5) & (xx >= w // 6) & (xx < 5 * w // 6)
                tile[tissue] = (200, 110, 170)
                tile[tissue & (yy % max(2, 16 // step) == 0)] = (90, 40, 120)
                yield tile

    with tifffile.TiffWriter(path, bigtiff=True) as tif:
        for level in range(5):
            step = 2**level
            tif.write(tiles(step), shape=(height // step, width // step, 3), dtype=np.uint8, tile=(side, side),
                      photometric="rgb", compression="zlib", metadata=None, subfiletype=1 if level else 0)


class PeakMemory(threading.Thread):
    """Polls /proc for this process's descendants (the core's workers) and keeps the
    largest peak resident size (VmHWM) any of them reached. getrusage(RUSAGE_CHILDREN)
    cannot tell: the workers are still alive when the run returns."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.cpu: dict[int, float] = {}  # pid -> user + system seconds, last seen
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        tick = os.sysconf("SC_CLK_TCK")
        while not self.stop.wait(0.5):
            for pid in _descendants(me):
                try:
                    with open(f"/proc/{pid}/stat") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                    self.cpu[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
                except (OSError, IndexError, ValueError):
                    pass
                try:
                    with open(f"/proc/{pid}/status") as status:
                        for line in status:
                            if line.startswith("VmHWM:"):
                                self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except OSError:
                    pass


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        frontier += children
    return found


def baseline(root: Path) -> float:
    """Decode every input once, serially, without encoding anything."""
    import openslide
    import pydicom

    start = time.perf_counter()
    for path in sorted(root.rglob("*")):
        if path.suffix == ".jpg":
            with Image.open(path) as img:
                img.draft("RGB", (1600, 1600))
                img.load()
        elif path.suffix == ".dcm":
            _ = pydicom.dcmread(path).pixel_array
        elif path.suffix == ".tif":
            with openslide.OpenSlide(str(path)) as slide:
                slide.get_thumbnail((800, 800))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--format", choices=("avif", "webp", "jpeg"), default="avif", help="imaging.format")
    parser.add_argument("--keep", type=Path, default=None, help="write the report here and keep it")
    args = parser.parse_args()
    from rinec_report import run

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "run"
        t0 = time.perf_counter()
        kinds = make_run(root, args.images)
        made = time.perf_counter() - t0
        disk = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        base_s = baseline(root)
        outdir = args.keep or Path(tmp) / "out"
        os.environ.setdefault("SOURCE_DATE_EPOCH", "1600000000")
        sampler = PeakMemory()
        sampler.start()
        t0, cpu0 = time.perf_counter(), time.process_time()
        report = run(root, outdir=outdir, force=True, plugins=("cohort", "imaging"), jobs=args.jobs,
                     plugin_options={"imaging": {"format": args.format}})
        wall, main_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        sampler.stop.set()
        page = report.html_path.stat().st_size
        table = report.tables["imaging_images"]
        notes = [b.text for _, s in report.sections if s.id == "timeline" for b in s.blocks
                 if type(b).__name__ == "Note" and "embedded" in b.text]
        warnings = [m.line() for m in report.messages]
        if args.keep is None:
            shutil.rmtree(outdir, ignore_errors=True)
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, sampler.peak_kb) / 1024
    print(f"inputs: {args.images} images ({kinds['jpeg']} JPEG 1280x960, {kinds['dicom']} DICOM slices 512x512 in "
          f"{SERIES} series, 1 pyramidal TIFF 16384x12288) for {PATIENTS} patients, {disk / 1e6:.0f} MB on disk "
          f"(generated in {made:.0f} s)")
    print(f"baseline (decode every file once, serial, no encoding): {base_s:.1f} s")
    print(f"rinec-report run (cohort + imaging, {args.format}, jobs={args.jobs or os.cpu_count()}): {wall:.1f} s wall, "
          f"{wall / base_s:.2f}x the baseline (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    workers_cpu = sum(sampler.cpu.values())
    print(f"CPU time (load-independent): main process {main_cpu:.0f} s, workers {workers_cpu:.0f} s in all; "
          f"on {os.cpu_count()} idle cores the run would take about "
          f"{main_cpu + workers_cpu / (args.jobs or os.cpu_count()):.0f} s")
    print(f"peak memory: main process {self_mb:.0f} MB, largest worker {child_mb:.0f} MB")
    print(f"page: {page / 1e6:.1f} MB; images shown: {len(table)} (a DICOM series once), embedded "
          f"{table['embedded_bytes'].sum() / 1e6:.1f} MB")
    for note in notes:
        print(f"budget: {note}")
    print(f"messages: {len(warnings)}" + (f" (first: {warnings[0]})" if warnings else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
