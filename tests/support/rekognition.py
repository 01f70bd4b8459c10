"""Rekognition answers in their real shapes, for botocore Stubber tests."""

BOX = {"Width": 0.5, "Height": 0.4, "Left": 0.1, "Top": 0.2}

LABELS_RESPONSE = {
    "Labels": [
        {
            "Name": "Dog",
            "Confidence": 98.7,
            "Instances": [{"BoundingBox": BOX, "Confidence": 98.7}],
            "Parents": [{"Name": "Animal"}, {"Name": "Pet"}, {"Name": "Mammal"}],
            "Aliases": [{"Name": "Puppy"}],
            "Categories": [{"Name": "Animals and Pets"}],
        },
        {"Name": "Grass", "Confidence": 91.2, "Instances": [], "Parents": [{"Name": "Plant"}]},
        {"Name": "Outdoors", "Confidence": 88.0, "Instances": [], "Parents": []},
    ],
    "LabelModelVersion": "3.0",
}
MODERATION_RESPONSE = {
    "ModerationLabels": [
        {
            "Confidence": 91.5,
            "Name": "Graphic Violence",
            "ParentName": "Violence",
            "TaxonomyLevel": 2,
        },
        {"Confidence": 91.5, "Name": "Violence", "ParentName": "", "TaxonomyLevel": 1},
    ],
    "ModerationModelVersion": "7.0",
}
TEXT_RESPONSE = {
    "TextDetections": [
        {
            "DetectedText": "BEWARE OF DOG",
            "Type": "LINE",
            "Id": 0,
            "Confidence": 99.1,
            "Geometry": {"BoundingBox": BOX, "Polygon": [{"X": 0.1, "Y": 0.2}]},
        },
        {
            "DetectedText": "BEWARE",
            "Type": "WORD",
            "Id": 1,
            "ParentId": 0,
            "Confidence": 99.0,
            "Geometry": {"BoundingBox": BOX, "Polygon": [{"X": 0.1, "Y": 0.2}]},
        },
    ],
    "TextModelVersion": "3.0",
}
