"""Hostile bytes never make the maker-note and HEIF-box parsers raise or hang.

Hypothesis feeds them random bytes and real blocks from the camera corpus with bytes
changed; each run is bounded (a few seconds in all). The parsers are called beneath the
catch-all that protects the pipeline (`makernote._values`, not `maker_note_values`), so a
parser bug shows here as the exception it is.
"""

import io
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from processing.steps import exif_values, makernote
from processing.steps.flir import flir_info
from processing.steps.heif_boxes import read_meta, transform_orientation
from tests.processing.steps.exiftool_agreement import CORPUS

BOUNDED = settings(
    max_examples=400,
    deadline=timedelta(milliseconds=500),  # a hang or a runaway loop fails the example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples in CI every time
)
MAKES = [
    "Canon",
    "NIKON CORPORATION",
    "CASIO COMPUTER CO.,LTD",
    "Asahi Optical Co.,Ltd",
    "OLYMPUS IMAGING CORP.",
    "EASTMAN KODAK COMPANY",
    "Minolta Co., Ltd.",
    None,
]
CAMERA_FILES = [
    "Canon PowerShot S330.jpg",
    "Nikon D1X.jpg",
    "Nikon E5700.jpg",
    "Casio EX-Z3.jpg",
    "Pentax Optio 430.jpg",
    "Issue 339.jpg",
    "Kodak DX4330.jpg",
    "Kodak DC240.jpg",
    "Reconyx HC500 firmware 3.3.0.jpg",
    "Minolta DiMAGE 7.jpg",
    "Minolta DiMAGE A1.jpg",
]


def _exif_blocks() -> list[bytes]:
    return [Image.open(CORPUS / "cameras" / name).info["exif"] for name in CAMERA_FILES]


def _heif_metas() -> list[bytes]:
    names = ["IMG_1034.heic", "IMG_2929.HEIC", "Issue 437 (dotnet).heic"]
    return [read_meta((CORPUS / "cameras" / name).open("rb")) for name in names]


def _flir_segments() -> list[bytes]:
    """One small APP1 segment holding a real CameraInfo record (its FFF cut down to it)."""
    image = Image.open(CORPUS / "cameras" / "FLIR Vue Pro 640.jpg")
    parts = sorted((d[6], d[8:]) for m, d in image.applist if d.startswith(b"FLIR\x00"))
    fff = b"".join(part for _, part in parts)
    directory = int.from_bytes(fff[24:28], "big")
    entry = next(
        fff[at : at + 32] for at in range(directory, directory + 32 * 14, 32) if fff[at + 1] == 0x20
    )
    offset, length = int.from_bytes(entry[12:16], "big"), int.from_bytes(entry[16:20], "big")
    small_entry = entry[:12] + (64).to_bytes(4, "big") + entry[16:]
    header = fff[:24] + (32).to_bytes(4, "big") + (1).to_bytes(4, "big")
    small = header + small_entry + fff[offset : offset + length]
    return [b"FLIR\x00\x01\x00\x00" + small]


EXIF_BLOCKS = _exif_blocks()
FLIR_SEGMENTS = _flir_segments()
HEIF_METAS = _heif_metas()


def mutated(blocks: list[bytes]):
    """A real block with a few bytes replaced, and sometimes cut short."""

    @st.composite
    def build(draw):
        data = bytearray(draw(st.sampled_from(blocks)))
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        if draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data)))]
        return bytes(data)

    return build()


@BOUNDED
@given(data=st.one_of(st.binary(max_size=2048), mutated(EXIF_BLOCKS)), make=st.sampled_from(MAKES))
def test_maker_note_parsers_never_raise(data, make):
    values = makernote._values(data, (make or "").lower(), "KODAK DC240 ZOOM DIGITAL CAMERA")
    assert values.iso is None or 1 <= values.iso <= 10_000_000


@BOUNDED
@given(
    data=st.one_of(
        st.binary(max_size=2048),
        mutated(EXIF_BLOCKS).map(lambda block: b"Exif\x00\x00" + block),
    )
)
def test_canon_reader_never_raises(data):
    iso = makernote.canon_iso(data)
    assert iso is None or 1 <= iso <= 10_000_000


@BOUNDED
@given(data=st.one_of(st.binary(max_size=4096), mutated(HEIF_METAS)))
def test_heif_box_parser_never_raises(data):
    assert transform_orientation(data) in (None, 1, 2, 3, 4, 5, 6, 7, 8)


@BOUNDED
@given(data=st.binary(max_size=256))
def test_heif_file_reader_never_raises(data):
    meta = read_meta(io.BytesIO(data))
    assert meta is None or len(meta) <= len(data)


@BOUNDED
@given(segments=st.lists(st.one_of(st.binary(max_size=512), mutated(FLIR_SEGMENTS)), max_size=4))
def test_flir_record_reader_never_raises(segments):
    flir_info(
        [
            ("APP1", b"FLIR\x00\x01" + bytes([index]) + b"\x03" + data[8:])
            for index, data in enumerate(segments)
        ]
    )


@BOUNDED
@given(text=st.one_of(st.text(max_size=40), st.binary(max_size=40)))
def test_date_parser_never_raises(text):
    exif_values.date_time(text)
    exif_values.offset(text)
    exif_values.iptc_date_time(text, text)


@pytest.mark.parametrize("name", CAMERA_FILES)
def test_unmutated_blocks_still_parse(name):
    """The fuzz seeds are real notes: the parser reads something from most of them."""
    block = Image.open(CORPUS / "cameras" / name).info["exif"]
    makernote._values(block, "", None)  # any make: must not raise either
