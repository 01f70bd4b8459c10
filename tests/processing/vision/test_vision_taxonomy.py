"""The label hierarchy: ImageNet's classes under the names and parents a person searches."""

from __future__ import annotations

import numpy as np

from processing.vision import taxonomy
from processing.vision.labels import labels_from


def by_name(name: str) -> taxonomy.ImageNetClass:
    return next(cls for cls in taxonomy.classes() if cls.name == name)


def test_a_beagle_is_also_a_dog_a_pet_and_an_animal():
    assert by_name("Beagle").parents == ("Dog", "Pet", "Mammal", "Animal")


def test_a_sports_car_is_also_a_car_and_a_vehicle():
    assert by_name("Sports Car").parents[:2] == ("Car", "Vehicle")


def test_class_names_read_as_words_a_person_would_type():
    names = [cls.name for cls in taxonomy.classes()]
    assert len(names) == 1000
    assert all("(" not in n or n.endswith(("(Bird)",)) for n in names)
    assert all(" / " not in n and " or " not in n for n in names)
    assert {"Tiger Cat", "Elephant", "Laptop", "Street Sign", "Granny Smith Apple"} <= set(names)


def test_every_parent_is_declared():
    for cls in taxonomy.classes():
        assert all(parent in taxonomy.PARENTS for parent in cls.parents), cls


def test_a_parent_gets_the_sum_of_its_classes():
    """No single breed is sure, yet the photo is surely of a dog: Dog gets 45% + 40%."""
    probs = np.zeros(1000)
    probs[by_name("Beagle").index] = 0.45
    probs[by_name("English Foxhound").index] = 0.40
    probs[by_name("Tabby Cat").index] = 0.15
    found = {label.name: label for label in labels_from(probs, min_confidence=30)}
    assert found["Dog"].confidence == 85.0
    assert found["Animal"].confidence == 100.0
    assert found["Beagle"].confidence == 45.0 and found["Beagle"].parents[0] == "Dog"
    assert "Tabby Cat" not in found and "Cat" not in found
    assert found["Dog"].aliases == ("Puppy", "Canine")
