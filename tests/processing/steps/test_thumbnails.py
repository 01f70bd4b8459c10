"""Renditions: right size, upright, sRGB, alpha kept, and nothing private left inside."""

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from processing.steps import thumbnails
from processing.steps.metadata import extract_metadata
from processing.steps.thumbnails import RENDITION_SPECS, RenditionSpec, render_renditions

SPECS = {spec.name: spec for spec in RENDITION_SPECS}
PRIVATE_MARKERS = (b"Exif", b"GPS", b"http://ns.adobe.com/xap", b"<x:xmpmeta", b"ICCP", b"XMP ")


def render(data: bytes, **options) -> dict:
    renditions = render_renditions(io.BytesIO(data), max_pixels=100_000_000, **options)
    return {rendition.name: rendition for rendition in renditions}


def opened(rendition) -> Image.Image:
    return Image.open(io.BytesIO(rendition.data))


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_every_good_file_renders_within_its_box_without_upscaling(good_file, max_pixels):
    data = good_file.read_bytes()
    metadata = extract_metadata(io.BytesIO(data), max_pixels=max_pixels)
    renditions = render(data)
    assert list(renditions) == ["grid", "preview"]
    for name, rendition in renditions.items():
        spec = SPECS[name]
        image = opened(rendition)
        assert image.format == "WEBP" and rendition.mime_type == "image/webp"
        assert image.size == (rendition.width, rendition.height)
        assert rendition.width <= spec.max_width and rendition.height <= spec.max_height
        assert rendition.width <= metadata.width and rendition.height <= metadata.height
        # one side touches the box unless the photo is smaller than the box
        assert rendition.width == min(spec.max_width, metadata.width) or rendition.height == min(
            spec.max_height, metadata.height
        )
        ratio = metadata.width / metadata.height
        assert abs(rendition.width / rendition.height - ratio) < 0.02 * ratio + 2 / rendition.height


@pytest.mark.parametrize("number", range(1, 9))
def test_orientation_is_applied(corpus, number):
    reference = render((corpus / "good" / "orientation_landscape_1.jpg").read_bytes())
    renditions = render((corpus / "good" / f"orientation_landscape_{number}.jpg").read_bytes())
    for name, rendition in renditions.items():
        assert rendition.width > rendition.height  # all eight files show a landscape
        ours = opened(rendition).convert("RGB")
        theirs = opened(reference[name]).convert("RGB")
        mirrored = theirs.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        # pixel by pixel: the same picture differs by little (JPEG, ICC), a mirrored one by a lot
        assert mean_difference(ours, theirs) < 12 < mean_difference(mirrored, theirs)


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    return max(ImageStat.Stat(ImageChops.difference(first, second)).mean)


@pytest.mark.parametrize(
    "name",
    [
        "large/iphone_hdr_NO.jpg",
        "large/HMD_Nokia_8.3_5G_hdr.heif",
        "good/gps_DSCN0010.jpg",
        "good/Canon_40D.jpg",
        "good/exif.png",
        "good/pil_sample_cmyk.jpg",
        "good/hopper.tif",
    ],
)
def test_renditions_carry_no_exif_gps_xmp_or_profile(corpus, name):
    original = (corpus / name).read_bytes()
    for rendition in render(original).values():
        image = opened(rendition)
        assert not image.getexif()
        assert "icc_profile" not in image.info and "xmp" not in image.info
        for marker in PRIVATE_MARKERS:
            assert marker not in rendition.data, marker


def test_cmyk_becomes_rgb_with_the_right_colours(corpus):
    path = corpus / "good" / "pil_sample_cmyk.jpg"
    naive = Image.open(path).convert("RGB")
    preview = opened(render(path.read_bytes())["preview"])
    assert preview.mode == "RGB"
    for ours, theirs in zip(ImageStat.Stat(preview).mean, ImageStat.Stat(naive).mean, strict=True):
        assert abs(ours - theirs) < 6


def test_alpha_is_preserved():
    image = Image.new("RGBA", (800, 600), (0, 128, 255, 255))
    image.paste((255, 0, 0, 0), (0, 0, 400, 600))  # left half fully transparent
    for rendition in render(png_bytes(image)).values():
        out = opened(rendition)
        assert out.mode == "RGBA"
        assert out.getpixel((2, 2))[3] == 0
        assert out.getpixel((out.width - 3, out.height // 2))[3] == 255


def test_opaque_alpha_is_dropped_to_save_bytes():
    image = Image.new("RGBA", (300, 200), (10, 200, 30, 255))
    assert {opened(r).mode for r in render(png_bytes(image)).values()} == {"RGB"}


@pytest.mark.parametrize("mode", ["P", "LA", "I;16", "I", "L", "1"])
def test_unusual_modes_render(mode):
    image = Image.new("RGB", (500, 300), (90, 160, 220))
    image = Image.new(mode, (500, 300), 30_000) if mode.startswith("I") else image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "TIFF" if mode == "I" else "PNG")  # Pillow writes 32-bit I only as TIFF
    renditions = render(buffer.getvalue())
    assert (renditions["grid"].width, renditions["grid"].height) == (400, 240)
    assert (renditions["preview"].width, renditions["preview"].height) == (500, 300)


def test_small_image_is_never_upscaled(corpus):
    renditions = render((corpus / "good" / "hopper.gif").read_bytes())
    assert {(r.width, r.height) for r in renditions.values()} == {(128, 128)}


def test_decodes_once_and_derives_smaller_from_larger(corpus, monkeypatch):
    calls = []
    real_decode = thumbnails.decode

    def counting_decode(fp, **options):
        calls.append(options["target"])
        return real_decode(fp, **options)

    monkeypatch.setattr(thumbnails, "decode", counting_decode)
    renditions = render((corpus / "large" / "iphone_hdr_NO.jpg").read_bytes())
    assert calls == [(1600, 1600)]
    assert (renditions["preview"].width, renditions["preview"].height) == (1600, 1200)
    assert (renditions["grid"].width, renditions["grid"].height) == (400, 300)


def test_other_formats_and_specs_order():
    image = Image.new("RGBA", (1000, 500), (0, 0, 0, 0))
    specs = (
        RenditionSpec("small", 100, 100, "JPEG", 70),
        RenditionSpec("wide", 900, 200, "PNG", 90),
    )
    renditions = render_renditions(io.BytesIO(png_bytes(image)), specs=specs, max_pixels=10**6)
    assert [r.name for r in renditions] == ["small", "wide"]
    small, wide = renditions
    assert (small.format, small.mime_type) == ("JPEG", "image/jpeg")
    assert (small.width, small.height) == (100, 50)
    assert opened(small).getpixel((5, 5)) == (255, 255, 255)  # transparency flattened onto white
    assert (wide.width, wide.height, opened(wide).mode) == (400, 200, "RGBA")
