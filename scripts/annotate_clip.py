#!/usr/bin/env python3
"""Annotate a dataset with CLIP into CoReg's annotation .npz (docs/annotation.md).

For users who have CLIP: either `open_clip` (pip install open_clip_torch) or Hugging Face
`transformers`. CoReg itself never needs this script (its tests use the simulated annotator).

For every image and every prompt template t, the class probabilities are
softmax(logit_scale · cos(image_embedding, text_embedding(t, class))) with L2-normalised
embeddings (logit_scale = 100, as CLIP). The script writes

    candidates      uint8 [N, C]     union over templates of each template's top-1 (default rule)
    template_probs  float32 [N, T, C]
    avg_probs       float32 [N, C]   template average
    classes         <U [C]           class names used in the prompts

Inputs:
    --images DIR     a class-per-folder tree (DIR/<class>/<image>) or a flat folder of images
    --images X.npy   an array [N, H, W], [N, H, W, C] or [N, C, H, W] (uint8 0..255 or float 0..1)

Examples:
    python3 scripts/annotate_clip.py --images x_train.npy --dataset fmnist --out ann.npz
    python3 scripts/annotate_clip.py --images data/train --classes "cat,dog" --backend transformers \\
        --model openai/clip-vit-base-patch32 --out ann.npz
"""

import argparse
import os
import sys

# The two template sets of the authors' code: "small" (27, the default) and the 80 CLIP ImageNet ones.
def coreg_registry(args):
    """Class names and prompt templates from CoReg's one registry (`coreg data list --json`, or a
    JSON file it wrote), so that no list is kept twice."""
    import json
    import subprocess
    if args.registry:
        with open(args.registry) as f:
            return json.load(f)
    try:
        out = subprocess.run([args.coreg, "data", "list", "--json"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("cannot read CoReg's dataset registry with %s (%s); build coreg, pass --coreg PATH, or "
                 "--registry FILE written by `coreg data list --json > FILE`" % (args.coreg, e))
    return json.loads(out)


IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".ppm", ".bmp")


def load_images(path):
    """Returns (list of PIL images, class names from the folder tree or None)."""
    import numpy as np
    from PIL import Image
    if path.endswith(".npy"):
        x = np.load(path)
        if x.dtype != np.uint8:
            x = np.clip(np.asarray(x, dtype=np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        if x.ndim == 4 and x.shape[1] in (1, 3) and x.shape[-1] not in (1, 3):
            x = x.transpose(0, 2, 3, 1)
        if x.ndim == 4 and x.shape[-1] == 1:
            x = x[..., 0]
        if x.ndim not in (3, 4):
            sys.exit("%s: expected images [N, H, W] or [N, H, W, C], got shape %s" % (path, x.shape))
        return [Image.fromarray(im).convert("RGB") for im in x], None
    if not os.path.isdir(path):
        sys.exit("%s: not a directory or .npy file" % path)
    subdirs = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
    files = []
    if subdirs:
        for d in subdirs:
            for f in sorted(os.listdir(os.path.join(path, d))):
                if f.lower().endswith(IMAGE_EXTENSIONS):
                    files.append(os.path.join(path, d, f))
    else:
        files = [os.path.join(path, f) for f in sorted(os.listdir(path)) if f.lower().endswith(IMAGE_EXTENSIONS)]
    return [Image.open(f).convert("RGB") for f in files], (subdirs or None)


class OpenCLIPBackend:
    def __init__(self, model, pretrained, device):
        import open_clip
        import torch
        self.torch = torch
        self.model, _, self.preprocess = open_clip.create_model_and_transforms(model, pretrained=pretrained, device=device)
        self.tokenizer = open_clip.get_tokenizer(model)
        self.device = device
        self.model.eval()

    def encode_text(self, texts):
        with self.torch.no_grad():
            return self.model.encode_text(self.tokenizer(texts).to(self.device)).float()

    def encode_images(self, images):
        with self.torch.no_grad():
            x = self.torch.stack([self.preprocess(im) for im in images]).to(self.device)
            return self.model.encode_image(x).float()


class TransformersBackend:
    def __init__(self, model, device):
        import torch
        from transformers import CLIPModel, CLIPProcessor
        self.torch = torch
        self.model = CLIPModel.from_pretrained(model).to(device).eval()
        self.processor = CLIPProcessor.from_pretrained(model)
        self.device = device

    def encode_text(self, texts):
        with self.torch.no_grad():
            t = self.processor(text=texts, return_tensors="pt", padding=True).to(self.device)
            return self.model.get_text_features(**t).float()

    def encode_images(self, images):
        with self.torch.no_grad():
            t = self.processor(images=images, return_tensors="pt").to(self.device)
            return self.model.get_image_features(**t).float()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", required=True, help="class-per-folder directory, flat folder, or .npy array")
    ap.add_argument("--dataset", help="class names of a dataset in CoReg's registry (cifar10, fmnist, eurosat, …; `coreg data list`)")
    ap.add_argument("--coreg", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "coreg"),
                    help="the coreg binary whose registry gives class names and templates (default: this checkout's release build)")
    ap.add_argument("--registry", help="a JSON file from `coreg data list --json` instead of running coreg")
    ap.add_argument("--classes", help="comma-separated class names (overrides --dataset and folder names)")
    ap.add_argument("--template", default="small", help="'small' (27 templates, default) or anything else for the 80")
    ap.add_argument("--backend", default="open_clip", choices=["open_clip", "transformers"])
    ap.add_argument("--model", default=None, help="ViT-B-32 (open_clip) or openai/clip-vit-base-patch32 (transformers)")
    ap.add_argument("--pretrained", default="openai", help="open_clip weights tag")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--logit-scale", type=float, default=100.0)
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    ap.add_argument("--out", required=True, help="output annotation .npz")
    args = ap.parse_args()

    import numpy as np
    import torch

    registry = coreg_registry(args)
    class_names = {d["name"]: d["classes"] for d in registry["datasets"] if d["classes"]}
    for d in registry["datasets"]:
        for a in d["aliases"]:
            if d["classes"]:
                class_names[a] = d["classes"]
    images, folder_classes = load_images(args.images)
    if args.classes:
        classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    elif args.dataset:
        if args.dataset.lower() not in class_names:
            sys.exit("unknown --dataset %s; expected one of %s" % (args.dataset, ", ".join(sorted(class_names))))
        classes = class_names[args.dataset.lower()]
    elif folder_classes:
        classes = folder_classes
    else:
        sys.exit("give --classes or --dataset (class names are needed for the prompts)")
    templates = registry["templates"]["small" if args.template == "small" else "imagenet"]
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if args.backend == "open_clip":
        backend = OpenCLIPBackend(args.model or "ViT-B-32", args.pretrained, device)
    else:
        backend = TransformersBackend(args.model or "openai/clip-vit-base-patch32", device)

    # Text embeddings [T, C, D], L2-normalised.
    text = torch.stack([backend.encode_text([t.format(c) for c in classes]) for t in templates])
    text = text / text.norm(dim=-1, keepdim=True)
    n, t_count, c_count = len(images), len(templates), len(classes)
    probs = np.zeros((n, t_count, c_count), dtype=np.float32)
    for s in range(0, n, args.batch_size):
        f = backend.encode_images(images[s:s + args.batch_size])
        f = f / f.norm(dim=-1, keepdim=True)
        logits = args.logit_scale * torch.einsum("nd,tcd->ntc", f, text)
        probs[s:s + len(f)] = logits.softmax(dim=-1).cpu().numpy()
        print("%d/%d images" % (min(n, s + args.batch_size), n), file=sys.stderr)

    argmax = probs.argmax(axis=2)                       # [N, T]
    candidates = np.zeros((n, c_count), dtype=np.uint8)
    for t in range(t_count):
        candidates[np.arange(n), argmax[:, t]] = 1
    avg = probs.mean(axis=1).astype(np.float32)
    tmp = args.out + ".tmp.npz"
    np.savez_compressed(tmp, candidates=candidates, template_probs=probs, avg_probs=avg,
                        classes=np.array(classes))
    os.replace(tmp, args.out)
    print("wrote %s: %d samples, %d classes, %d templates, avg |S| %.3f"
          % (args.out, n, c_count, t_count, candidates.sum(axis=1).mean()), file=sys.stderr)


if __name__ == "__main__":
    main()
