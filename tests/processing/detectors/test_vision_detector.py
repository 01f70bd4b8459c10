"""The offline models behind the detector interface: what the labels step would save."""

from processing.detectors.base import DetectorImage
from processing.detectors.vision import SYNONYMS, VisionDetector
from tests.support.vision import photo


def detect(name: str, **options):
    image = photo(name).copy()
    image.thumbnail((512, 512))  # the size processing.labeling hands a local detector
    subject = DetectorImage(
        data=None, format="JPEG", width=image.width, height=image.height, size=0, image=image
    )
    return VisionDetector(**options).detect(subject)


def by_category(detection) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for label in detection.labels:
        found.setdefault(label.category, set()).add(label.name)
    return found


def test_a_dog_photo_is_labelled_dog_pet_animal_with_synonyms_and_colours_apart():
    detection = detect("cameras/FujiFilm MX-1200.jpg")
    found = by_category(detection)
    assert {"Dog", "Pet", "Animal"} <= found["Objects and Scenes"]
    assert {"Puppy", "Canine"} <= found[SYNONYMS]
    assert found["Colors"]  # the property labels stay, under their own category
    assert "Person" not in {label.name for label in detection.labels}
    assert detection.moderation == [] and detection.source == "local"


def test_faces_become_person_and_people_labels():
    found = by_category(detect("cameras/Canon IXUS 300.jpg"))
    assert {"Person", "People"} <= found["Person Description"]
    assert "Human" in found[SYNONYMS]


def test_text_only_when_asked_for():
    assert detect("cameras/Sony DigitalMavica.jpg").text == []
    assert "Linden" in detect("cameras/Sony DigitalMavica.jpg", with_text=True).text


def test_turned_off_parts_add_nothing():
    detection = detect("cameras/Canon IXUS 300.jpg", faces_enabled=False, properties=False)
    categories = by_category(detection)
    assert "Person Description" not in categories and "Colors" not in categories
