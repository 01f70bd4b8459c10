"""What is in a photo, worked out on the CPU with models that ship with the code.

Pure like processing.steps: PIL images and numbers in, dataclasses out; no Django, no
albums, no storage, nothing fetched at run time. One module per analysis (labels, faces,
moderation, text, places); runtime.py builds the onnxruntime sessions they share.
"""
