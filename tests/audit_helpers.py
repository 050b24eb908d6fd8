"""Files with planted identifiers for the audit's tests: pictures whose metadata
name a patient, a DICOM file, an SVG, and a plugin that embeds files in its page."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from rinec_report import Html, Pattern, Section, hookimpl


def png_with_text(chunks: dict[str, tuple[str, str]]) -> bytes:
    """A 4x4 PNG with text chunks: {key: (how, text)}, how one of tEXt, zTXt, iTXt."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, (how, text) in chunks.items():
        if how == "iTXt":
            info.add_itxt(key, text, zip=True)
        else:
            info.add_text(key, text, zip=how == "zTXt")
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_exif(artist: str, description: str, taken: str, comment: str) -> bytes:
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = artist
    exif[ExifTags.Base.ImageDescription] = description
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "grey").save(out, "JPEG", exif=exif, comment=comment)
    return out.getvalue()


def tiff_with_description(description: str) -> bytes:
    from PIL import Image, TiffImagePlugin

    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[270] = description  # ImageDescription (TIFF 6.0, tag 270)
    out = io.BytesIO()
    Image.new("L", (4, 4)).save(out, "TIFF", tiffinfo=info)
    return out.getvalue()


def jpeg_with_xmp(creator: str) -> bytes:
    """A JPEG whose XMP packet (APP1) names its creator, with an entity in the name."""
    from PIL import Image

    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="'
           + creator.replace("&", "&amp;") + '"/></rdf:RDF></x:xmpmeta>')
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "grey").save(out, "JPEG", xmp=xmp.encode())
    return out.getvalue()


def jpeg_with_iptc(byline: str) -> bytes:
    """A JPEG whose IPTC record (APP13, Photoshop 3.0 resource 0x0404) has a by-line (2:80)."""
    import struct

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "grey").save(out, "JPEG")
    data = byline.encode()
    iptc = b"\x1c\x02\x50" + struct.pack(">H", len(data)) + data
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc + b"\x00" * (len(iptc) % 2)
    body = b"Photoshop 3.0\x00" + resource
    app13 = b"\xff\xed" + struct.pack(">H", len(body) + 2) + body
    jpeg = out.getvalue()
    return jpeg[:2] + app13 + jpeg[2:]


def dicom_with(patient_name: str, birth_date: str, description: str = "MRI", private: str | None = None) -> bytes:
    """A small MR image whose header names a patient (and, in a private element, says ``private``)."""
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = MRImageStorage, meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientBirthDate, ds.Modality = patient_name, birth_date, "MR"
    ds.SeriesDescription = description
    ds.Rows = ds.Columns = 4
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.PixelData = np.zeros((4, 4), dtype=np.uint8).tobytes()
    if private:
        block = ds.private_block(0x0029, "ACME 1.0", create=True)
        block.add_new(0x10, "OB", private.encode())
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" '
       'fill="#eeeeee"/><text x="4" y="20">John Smith MRN4410021 DOB 1961-03-14</text></svg>')


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


class Attach:
    """A third-party plugin that shows ``attach_*`` files of the run directory as they
    are (a picture, a download link), as a plugin of a lab's own might."""

    MIME = {".jpg": "image/jpeg", ".dcm": "application/dicom", ".tif": "image/tiff"}

    @hookimpl
    def rinec_patterns(self):
        return [Pattern("attach", glob=["attach_*.jpg", "attach_*.dcm", "attach_*.tif"])]

    @hookimpl
    def rinec_parse(self, file):
        return {"name": Path(file.path).name, "bytes": Path(file.path).read_bytes()}

    @hookimpl
    def rinec_datasets(self, files):
        return {"files": [f.data for f in files]}

    @hookimpl
    def rinec_sections(self, data):
        blocks = []
        for item in data["files"]:
            uri = data_uri(self.MIME[Path(item["name"]).suffix], item["bytes"])
            tag = "img" if uri.startswith("data:image/jpeg") else "a"
            blocks.append(Html(f'<{tag} {"src" if tag == "img" else "href"}="{uri}">attachment</{tag}>'))
        return [Section("attachments", "Attachments", blocks=blocks)]
