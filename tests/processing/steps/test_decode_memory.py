"""decode() within a memory budget: the estimate, the reason, and reduced pixels that match a
full-size conversion."""

import io
import threading

import pytest
from PIL import Image, ImageChops

from processing.steps import budget
from processing.steps.decode import decode
from processing.steps.errors import TooMuchMemory
from processing.steps.thumbnails import render_renditions
from tests.processing import big_files

MB = 1024 * 1024


def as_file(image: Image.Image, image_format: str, **options) -> io.BytesIO:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    buffer.seek(0)
    return buffer


def test_over_the_budget_is_rejected_with_what_it_needs_and_the_limit():
    data = io.BytesIO(big_files.grey16_png())  # 9999×10000 16-bit grey

    with pytest.raises(TooMuchMemory) as raised:
        decode(data, max_pixels=100_000_000, target=(1600, 1600), max_bytes=128 * MB)

    assert str(raised.value) == (
        "This image needs about 271 MB of memory to open; the limit is 128 MB"
    )


def test_amounts_read_as_people_say_them():
    assert budget.amount(int(1.6 * 1024 * MB)) == "1.6 GB"
    assert budget.amount(512 * MB) == "512 MB"


def test_a_full_size_decode_counts_its_conversions():
    data = io.BytesIO(big_files.rgba_tiff())  # 400 MB decoded, no reduce without a target

    with pytest.raises(TooMuchMemory, match="needs about 765 MB .* the limit is 700 MB"):
        decode(data, max_pixels=100_000_000, max_bytes=700 * MB)


def test_a_progressive_jpeg_counts_its_coefficients():
    picture = Image.new("RGB", (4000, 3000), (200, 100, 50))
    baseline = as_file(picture, "JPEG")
    progressive = as_file(picture, "JPEG", progressive=True)

    decode(baseline, max_pixels=100_000_000, target=(400, 400), max_bytes=30 * MB)
    # libjpeg keeps every 8×8 block's coefficients (4:2:0: 1.5 per pixel, 2 bytes): 36 MB
    with pytest.raises(TooMuchMemory, match="needs about 36 MB"):
        decode(progressive, max_pixels=100_000_000, target=(400, 400), max_bytes=30 * MB)


@pytest.mark.parametrize("mode", ["P", "RGBA", "LA", "I;16", "CMYK"])
def test_reduced_in_bands_looks_like_converted_then_reduced(mode):
    gradient = Image.linear_gradient("L").resize((3400, 3300))
    picture = {
        "P": gradient.convert("RGB").quantize(64),
        "RGBA": Image.merge("RGBA", (gradient, gradient.rotate(90), gradient, gradient)),
        "LA": Image.merge("LA", (gradient, gradient.rotate(90))),
        "I;16": gradient.convert("I").point(lambda v: v * 256).convert("I;16"),
        "CMYK": Image.merge("CMYK", (gradient,) * 4),
    }[mode]
    if mode == "P":
        picture.info["transparency"] = 0
    image_format = "TIFF" if mode in ("I;16", "CMYK") else "PNG"

    banded = decode(as_file(picture, image_format), max_pixels=10**8, target=(800, 800)).image

    from processing.steps.colour import to_srgb

    expected = to_srgb(picture).reduce(4)
    assert banded.mode == expected.mode and banded.size == expected.size == (850, 825)
    difference = ImageChops.difference(banded.convert("RGBA"), expected.convert("RGBA"))
    assert max(high for _, high in difference.getextrema()) <= 2


def test_renditions_of_a_huge_palette_png_keep_its_transparency():
    data = io.BytesIO(big_files.palette_transparent_png())  # colour 0 is transparent

    grid, preview = render_renditions(data, max_pixels=100_000_000, max_bytes=512 * MB)

    with Image.open(io.BytesIO(preview.data)) as image:
        assert image.mode == "RGBA" and image.getchannel("A").getextrema() == (0, 0)


def test_decodes_at_once_share_one_budget():
    gate = budget.MemoryGate()
    inside, order = threading.Event(), []

    def second():
        with gate.reserve(300, 500):
            order.append("second")

    with gate.reserve(300, 500):
        thread = threading.Thread(target=second)
        thread.start()
        inside.wait(0.2)  # the second would exceed 500 together: it must still be waiting
        order.append("first done")
    thread.join(5)

    assert order == ["first done", "second"]
    with gate.reserve(600, 500):  # alone, a decode always goes ahead (check() bounds it)
        pass


def test_a_decode_inside_another_on_the_same_thread_does_not_wait_for_itself():
    gate = budget.MemoryGate()
    with gate.reserve(400, 500), gate.reserve(400, 500):  # would deadlock if it waited
        pass
