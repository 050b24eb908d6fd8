"""A minimal BGZF writer, so that generated VCF.gz files are indexed-reader
friendly (htslib's blocked gzip) without pysam or bgzip.

Used by example_run/make_variants.py, the benchmarks and the tests.
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_MAX_INPUT = 65280  # leaves room for incompressible data in a 64 KiB block


def _block(data: bytes, level: int) -> bytes:
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    payload = comp.compress(data) + comp.flush()
    bsize = len(payload) + 25  # total block size - 1
    header = struct.pack("<4BI2BH2B2H", 0x1F, 0x8B, 8, 4, 0, 0, 0xFF, 6, 66, 67, 2, bsize)
    return header + payload + struct.pack("<2I", zlib.crc32(data), len(data))


class BgzfWriter:
    """``with BgzfWriter(path) as out: out.write(b"...")``; adds the EOF block."""

    def __init__(self, path: str, level: int = 6):
        self._fh: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._buf = bytearray()
        self._level = level

    def write(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        self._buf += data
        while len(self._buf) >= _MAX_INPUT:
            self._fh.write(_block(bytes(self._buf[:_MAX_INPUT]), self._level))
            del self._buf[:_MAX_INPUT]

    def close(self) -> None:
        if self._buf:
            self._fh.write(_block(bytes(self._buf), self._level))
            self._buf.clear()
        self._fh.write(EOF_BLOCK)
        self._fh.close()

    def __enter__(self) -> BgzfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
