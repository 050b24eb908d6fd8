"""The two VCF readers on hostile records: seeded edits of repository VCFs (a field, a
sample value or an INFO entry replaced by a token from the list below) read by both,
which must give the same table, account and warnings, or the same one-line error. The
reads run in a child process with a time and memory bound: a malformed record must not
hang or crash the test run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hardening_helpers import HANG_S

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["tests/data/variants/depth/ad.vcf", "tests/data/vcf2maf/test_b38.vcf",
           "tests/data/variants/depth/freebayes.vcf", "tests/data/vcf/bcftools_split-vep.7.vcf",
           "tests/data/variants/depth/strelka_snv.vcf"]
# Values htslib refuses, rewrites or reads specially, and ordinary ones out of place.
TOKENS = ["", ".", "0", "-1", "1e5", "0/4", "A,T", "<DEL>", "X", "10,5,3", "99999999999",
          "PASS;PASS", "LowQual", "q10", "0|1", "1/2", "./.", "5", "10,.", ".,.", "a", "N", "*",
          "C,<NON_REF>", "3.5", "CSQ=", "CSQ=.", "DP=x", "GT:AD", "GT:DP:AD", "0/1:3",
          "0/1:3,4:7:9", "chr1", "2", "1,2", "007", "ac", "1\t2"]


def differences(seed: int, count: int, folder: str) -> dict:
    """Edited copies of SOURCES read by both readers: the ones that differ, and how
    many the columnar reader read itself."""
    import os
    import random

    sys.path.insert(0, str(ROOT / "tests"))
    from test_vcf_columnar import assert_same, read_as_set

    def read(path: Path, reader: str) -> tuple:
        os.environ["RINEC_VCF_READER"] = reader  # a child process of its own: nothing to restore
        return read_as_set(path)

    rng = random.Random(seed)
    out: dict = {"differ": [], "columnar": 0}
    for k in range(count):
        lines = (ROOT / rng.choice(SOURCES)).read_text().splitlines()
        records = [i for i, line in enumerate(lines) if not line.startswith("#")]
        for _ in range(rng.randint(1, 2)):
            i = rng.choice(records)
            fields = lines[i].split("\t")
            j = rng.randrange(len(fields))
            if j >= 9 and rng.random() < 0.6:
                values = fields[j].split(":")
                values[rng.randrange(len(values))] = rng.choice(TOKENS)
                fields[j] = ":".join(values)
            elif j == 7 and rng.random() < 0.5:
                fields[j] += ";" + rng.choice(["DP=3", "CSQ=x", "XX=1", "DP=a"])
            else:
                fields[j] = rng.choice(TOKENS)
            lines[i] = "\t".join(fields)
        path = Path(folder) / f"edit{k}.vcf"
        path.write_text("\n".join(lines) + "\n")
        fast, slow, own = read(path, "auto"), read(path, "cyvcf2"), read(path, "columnar")
        out["columnar"] += "columnar reader" not in own[0].get("error", "")
        try:
            if "error" in fast[0] or "error" in slow[0]:
                assert fast[0] == slow[0]
            else:
                assert_same(fast[0], slow[0])
            assert fast[1:] == slow[1:]
        except AssertionError as exc:
            out["differ"].append(f"{path.name}: {str(exc)[:200]}")
    return out


def test_edited_records_read_alike_by_both_readers(tmp_path: Path) -> None:
    code = ("import json, resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))\n"
            f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
            "from test_vcf_columnar_fuzz import differences\n"
            f"print(json.dumps(differences(5, 150, {str(tmp_path)!r})))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=HANG_S, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["differ"] == []
    # The edits leave many files to the columnar reader (not all go to cyvcf2).
    assert got["columnar"] >= 10
