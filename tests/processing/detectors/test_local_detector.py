"""The offline detector names image properties a person would agree with."""

from pathlib import Path

import pytest
from PIL import Image

from processing.detectors.base import DetectorImage
from processing.detectors.local import LocalDetector, colour_name

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"


def detect(image: Image.Image, *, width: int | None = None, height: int | None = None):
    width, height = width or image.width, height or image.height
    subject = DetectorImage(
        data=None, format="PNG", width=width, height=height, size=0, image=image
    )
    return LocalDetector().detect(subject)


def names(detection) -> dict[str, float]:
    return {label.name: label.confidence for label in detection.labels}


@pytest.mark.parametrize(
    "rgb, name",
    [
        ((220, 20, 30), "Red"),
        ((255, 140, 0), "Orange"),
        ((250, 230, 40), "Yellow"),
        ((30, 160, 60), "Green"),
        ((30, 80, 200), "Blue"),
        ((120, 40, 170), "Purple"),
        ((255, 105, 180), "Pink"),
        ((139, 69, 19), "Brown"),
        ((10, 10, 10), "Black"),
        ((250, 250, 250), "White"),
        ((128, 128, 128), "Gray"),
    ],
)
def test_colour_names(rgb, name):
    assert colour_name(*rgb) == name


def test_dominant_colours_with_pixel_share_as_confidence():
    image = Image.new("RGB", (400, 300), (30, 80, 200))
    image.paste((220, 20, 30), (0, 0, 100, 300))  # a quarter red
    detection = detect(image)
    found = names(detection)
    assert found["Blue"] == pytest.approx(75, abs=3)
    assert found["Red"] == pytest.approx(25, abs=3)
    assert detection.source == "local" and detection.moderation == [] and detection.skipped is None
    assert {label.category for label in detection.labels if label.name in ("Blue", "Red")} == {
        "Colors"
    }


def test_greyscale_photo_is_black_and_white():
    image = Image.open(CORPUS / "good" / "hopper_gray.jpg")
    assert "Black and White" in names(detect(image))
    colourful = Image.open(CORPUS / "good" / "hopper.png")
    assert "Black and White" not in names(detect(colourful))


def test_bright_and_dark():
    assert "Bright" in names(detect(Image.new("RGB", (100, 100), (240, 240, 235))))
    assert "Dark" in names(detect(Image.new("RGB", (100, 100), (15, 15, 25))))
    assert not {"Bright", "Dark"} & set(names(detect(Image.new("RGB", (10, 10), (120, 90, 60)))))


@pytest.mark.parametrize(
    "size, expected",
    [
        ((400, 300), {"Landscape"}),
        ((300, 400), {"Portrait"}),
        ((500, 500), {"Square"}),
        ((3000, 1000), {"Landscape", "Panorama"}),
    ],
)
def test_shape(size, expected):
    shape_names = {"Landscape", "Portrait", "Square", "Panorama"}
    image = Image.new("RGB", (64, 64), "white")  # pixels are a small copy; shape is the photo's
    assert set(names(detect(image, width=size[0], height=size[1]))) & shape_names == expected


def test_transparent_pixels_are_named_and_ignored_for_colour():
    image = Image.new("RGBA", (200, 200), (255, 0, 0, 0))  # invisible red
    image.paste((30, 160, 60, 255), (0, 0, 100, 200))
    found = names(detect(image))
    assert found["Transparent"] == pytest.approx(50, abs=3)
    assert found["Green"] == pytest.approx(100, abs=1)
    assert "Red" not in found


def test_decodes_the_original_when_no_small_copy_is_given():
    data = (CORPUS / "good" / "hopper.webp").read_bytes()
    subject = DetectorImage(data=data, format="WEBP", width=128, height=128, size=len(data))
    detection = LocalDetector().detect(subject)
    assert detection.labels and "Square" in names(detection)


def test_nothing_to_look_at_is_a_skip_not_an_error():
    subject = DetectorImage(data=b"<html>", format="JPEG", width=10, height=10, size=6)
    detection = LocalDetector().detect(subject)
    assert detection.labels == [] and detection.skipped.startswith("labels skipped")


def test_corpus_photos_get_some_colour():
    for name in ("gps_DSCN0010.jpg", "pil_sample_cmyk.jpg", "hopper.gif", "hopper.avif"):
        data = (CORPUS / "good" / name).read_bytes()
        subject = DetectorImage(data=data, format="", width=0, height=0, size=len(data))
        categories = {label.category for label in LocalDetector().detect(subject).labels}
        assert "Colors" in categories, name
