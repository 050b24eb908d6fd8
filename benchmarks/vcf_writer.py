"""Generated VCF text to BGZF (htslib's blocked gzip) through cyvcf2's Writer."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable


def write_bgzf_vcf(chunks: Iterable[str], path: str) -> None:
    """Write the VCF text (an iterable of pieces) to ``path`` as .vcf.gz."""
    from cyvcf2 import VCF, Writer

    fd, tmp = tempfile.mkstemp(suffix=".vcf", dir=os.path.dirname(path) or None)
    try:
        with os.fdopen(fd, "w") as fh:
            for piece in chunks:
                fh.write(piece)
        reader = VCF(tmp)
        writer = Writer(path, reader, mode="wz")
        for rec in reader:
            writer.write_record(rec)
        writer.close()
        reader.close()
    finally:
        os.unlink(tmp)
