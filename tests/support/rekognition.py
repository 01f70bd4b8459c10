"""Rekognition answers in their real shapes, for botocore Stubber tests, and the client."""

import boto3


def rekognition_client():
    """A real boto3 Rekognition client with placeholder keys, for a Stubber to answer."""
    return boto3.client(
        "rekognition",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


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


def face(box: dict, confidence: float) -> dict:
    """One of DetectFaces' FaceDetails with its default attributes, as Rekognition sends it."""
    left, top = box["Left"], box["Top"]
    return {
        "BoundingBox": box,
        "Landmarks": [
            {"Type": "eyeLeft", "X": left + box["Width"] * 0.3, "Y": top + box["Height"] * 0.4},
            {"Type": "eyeRight", "X": left + box["Width"] * 0.7, "Y": top + box["Height"] * 0.4},
            {"Type": "mouthLeft", "X": left + box["Width"] * 0.35, "Y": top + box["Height"] * 0.8},
            {"Type": "mouthRight", "X": left + box["Width"] * 0.65, "Y": top + box["Height"] * 0.8},
            {"Type": "nose", "X": left + box["Width"] * 0.5, "Y": top + box["Height"] * 0.6},
        ],
        "Pose": {"Roll": -2.1, "Yaw": 8.4, "Pitch": 4.9},
        "Quality": {"Brightness": 71.3, "Sharpness": 83.1},
        "Confidence": confidence,
    }


# Two faces that count, listed right one first (the second reaches past the left edge), and
# two that do not: one narrower than 2% of the image, one Rekognition is only 41% sure of.
FACES_RESPONSE = {
    "FaceDetails": [
        face({"Width": 0.12, "Height": 0.2, "Left": 0.6, "Top": 0.25}, 99.98),
        face({"Width": 0.1, "Height": 0.18, "Left": -0.02, "Top": 0.3}, 97.5),
        face({"Width": 0.015, "Height": 0.025, "Left": 0.4, "Top": 0.1}, 99.1),
        face({"Width": 0.08, "Height": 0.12, "Left": 0.3, "Top": 0.6}, 41.0),
    ]
}
ONE_FACE_RESPONSE = {
    "FaceDetails": [face({"Width": 0.22, "Height": 0.3, "Left": 0.4, "Top": 0.15}, 99.9)]
}
