#!/usr/bin/env python3
"""Writes a tiny copy of every dataset format CoReg's loader knows, in the layout its publisher
distributes, for scripts/tests/datasets_e2e.sh:

    NAME      SPEC                      layout
    fmnist    fmnist:OUT/fmnist         IDX, gzipped (train-images-idx3-ubyte.gz, ...)
    mnist     mnist:OUT/mnist           IDX, raw (train-images-idx3-ubyte, ...)
    kmnist    kmnist:OUT/kmnist         IDX, gzipped
    cifar10   cifar10:OUT/cifar10       cifar-10-batches-bin/data_batch_1..5.bin, test_batch.bin, batches.meta.txt
    cifar100  cifar100:OUT/cifar100     cifar-100-binary/train.bin, test.bin (coarse, fine, 3072 bytes), *_label_names.txt
    svhn      svhn:OUT/svhn             train_32x32.mat, test_32x32.mat (X [32, 32, 3, N] uint8, y [N, 1], 10 = digit 0)
    eurosat   eurosat:OUT/eurosat       2750/<ClassName>/<ClassName>_<k>.jpg, 64x64 RGB JPEG
    fer2013   fer2013:OUT/fer2013.csv   emotion,pixels,Usage; 48x48 gray; Training, PublicTest, PrivateTest rows
    gtsrb     gtsrb:OUT/gtsrb           Final_Training/Images/000NN/*.ppm (+ GT-000NN.csv), Final_Test/Images/*.ppm,
                                        GT-final_test.csv; a few of the 43 classes, images of varying size
    npz       npz:OUT/arrays.npz        x_train, y_train, x_test, y_test (uint8 NHWC, 24x24x3), classes
    folder    folder:OUT/folder         <class>/<image>, PNG and JPEG mixed, 40x40 RGB

Images carry a class-dependent signal (brightness, stripe frequency and orientation, a bright
square at a class-dependent place, a colour tint) plus noise, from a fixed numpy seed, so the
output is the same on every run.

For the sets whose training split is the file order (IDX, CIFAR, SVHN, gtsrb, npz) it also writes
OUT/annotations/NAME.npz as a user with their own VLM labels would: `candidates` uint8 [N, C],
the true label plus, with probability 0.4, one random other class; in about 5% of the rows the
true label is replaced by another class (a noisy set). The other sets (eurosat, fer2013, folder)
are split at random by the loader; annotate them with `coreg annotate make`.

OUT/manifest.json describes each set: spec, train/test counts, classes, the image shape the
loader yields ([C, H, W]), for the file-order sets the training labels in order and their histogram,
and the annotation file (null for the randomly split sets).

    python3 scripts/tests/gen_datasets.py OUT REGISTRY.json    (REGISTRY.json: `coreg data list --json`)
"""
import gzip
import io
import json
import os
import shutil
import struct
import sys

import numpy as np
import scipy.io
from PIL import Image

SEED = 20250  # every array below comes from one generator seeded with this

# The publishers' class names (batches.meta.txt, *_label_names.txt, EuroSAT's folder names) are
# the ones CoReg's dataset registry keeps; they are read from `coreg data list --json` (argument 2)
# so that no list is written twice.
CIFAR10_NAMES = CIFAR100_FINE = CIFAR100_COARSE = EUROSAT_NAMES = None


def load_registry(path):
    global CIFAR10_NAMES, CIFAR100_FINE, CIFAR100_COARSE, EUROSAT_NAMES
    with open(path) as f:
        names = {d["name"]: d["classes"] for d in json.load(f)["datasets"]}
    CIFAR10_NAMES, CIFAR100_FINE = names["cifar10"], names["cifar100"]
    CIFAR100_COARSE, EUROSAT_NAMES = names["cifar100-coarse"], names["eurosat"]


GTSRB_CLASSES = [0, 1, 2, 12, 38]          # a few of the 43 (the loader takes gaps)
GTSRB_ALL = 43
NPZ_CLASSES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
FOLDER_CLASSES = ["circle", "cross", "square", "stripes"]

rng = np.random.default_rng(SEED)


# ---------------------------------------------------------------- images and labels

def images(labels, classes, h, w, c):
    """uint8 [N, h, w, c]: a class-dependent pattern plus Gaussian noise."""
    n = len(labels)
    g = int(np.ceil(np.sqrt(classes)))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((n, h, w, c), dtype=np.float64)
    for i, k in enumerate(labels):
        k = int(k)
        img = np.full((h, w, c), 50.0 + 110.0 * (k % 7) / 6.0)
        freq = 1 + k % 5
        ang = np.pi * (k % 4) / 4
        img += 35.0 * np.sin(2 * np.pi * freq * (xx * np.cos(ang) + yy * np.sin(ang)) / max(h, w))[..., None]
        cy, cx = divmod(k % (g * g), g)
        y0, y1 = cy * h // g, max(cy * h // g + 2, (cy + 1) * h // g)
        x0, x1 = cx * w // g, max(cx * w // g + 2, (cx + 1) * w // g)
        img[y0:y1, x0:x1, :] = 245.0
        if c == 3:
            img[..., k % 3] += 40.0
            img[..., (k // 3) % 3] -= 25.0
        img += rng.normal(0.0, 14.0, img.shape)
        out[i] = img
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def balanced_labels(classes, per_class):
    """Each class `per_class` times, shuffled (the published files are not sorted by class)."""
    y = np.repeat(np.asarray(classes, dtype=np.int64), per_class)
    rng.shuffle(y)
    return y


def candidates(labels, classes, p_extra=0.4, p_wrong=0.05):
    """A VLM-style candidate set per sample: uint8 0/1 [N, C]."""
    n = len(labels)
    out = np.zeros((n, classes), dtype=np.uint8)
    for i, y in enumerate(labels):
        y = int(y)
        if rng.random() < p_wrong:
            y = (y + 1 + int(rng.integers(classes - 1))) % classes
        out[i, y] = 1
        if rng.random() < p_extra:
            out[i, (y + 1 + int(rng.integers(classes - 1))) % classes] = 1
    return out


# ---------------------------------------------------------------- writers

def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def idx_bytes(arr):
    """An IDX file: 0, 0, type 0x08 (unsigned byte), rank, big-endian dims, then the bytes."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    return struct.pack(">HBB", 0, 8, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape) + arr.tobytes()


def ppm_bytes(img):
    h, w = img.shape[:2]
    return b"P6\n%d %d\n255\n" % (w, h) + np.ascontiguousarray(img, dtype=np.uint8).tobytes()


def pil_bytes(img, fmt, **kw):
    b = io.BytesIO()
    Image.fromarray(img).save(b, format=fmt, **kw)
    return b.getvalue()


def planar(nhwc):
    return np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2))


# ---------------------------------------------------------------- datasets

def idx_set(out, name, gz, per_train=6, per_test=2):
    d = os.path.join(out, name)
    ytr, yte = balanced_labels(range(10), per_train), balanced_labels(range(10), per_test)
    xtr, xte = images(ytr, 10, 28, 28, 1)[..., 0], images(yte, 10, 28, 28, 1)[..., 0]
    for prefix, x, y in (("train", xtr, ytr), ("t10k", xte, yte)):
        for kind, arr in (("images-idx3", x), ("labels-idx1", y)):
            data = idx_bytes(arr)
            if gz:
                write(os.path.join(d, f"{prefix}-{kind}-ubyte.gz"), gzip.compress(data, mtime=0))
            else:
                write(os.path.join(d, f"{prefix}-{kind}-ubyte"), data)
    return dict(spec=f"{name}:{d}", shape=[1, 28, 28], classes=10, train_labels=ytr, test=len(yte))


def cifar10(out, per_train=6, per_test=2):
    d = os.path.join(out, "cifar10", "cifar-10-batches-bin")
    ytr, yte = balanced_labels(range(10), per_train), balanced_labels(range(10), per_test)
    xtr, xte = planar(images(ytr, 10, 32, 32, 3)), planar(images(yte, 10, 32, 32, 3))

    def records(x, y):  # <1 x label><3072 x pixel>: 1024 red, 1024 green, 1024 blue, row-major
        return b"".join(bytes([int(l)]) + img.tobytes() for img, l in zip(x, y))
    parts = np.array_split(np.arange(len(ytr)), 5)
    for b, ix in enumerate(parts, start=1):
        write(os.path.join(d, f"data_batch_{b}.bin"), records(xtr[ix], ytr[ix]))
    write(os.path.join(d, "test_batch.bin"), records(xte, yte))
    write(os.path.join(d, "batches.meta.txt"), ("\n".join(CIFAR10_NAMES) + "\n\n").encode())
    write(os.path.join(d, "readme.html"), b"<meta HTTP-EQUIV=\"REFRESH\" content=\"0; url=http://www.cs.toronto.edu/~kriz/cifar.html\">\n")
    return dict(spec=f"cifar10:{os.path.dirname(d)}", shape=[3, 32, 32], classes=10, train_labels=ytr, test=len(yte))


def cifar100(out, per_train=2, per_test=1):
    d = os.path.join(out, "cifar100", "cifar-100-binary")
    ytr, yte = balanced_labels(range(100), per_train), balanced_labels(range(100), per_test)
    xtr, xte = planar(images(ytr, 100, 32, 32, 3)), planar(images(yte, 100, 32, 32, 3))

    def records(x, y):  # <1 x coarse label><1 x fine label><3072 x pixel>
        return b"".join(bytes([int(l) // 5, int(l)]) + img.tobytes() for img, l in zip(x, y))
    write(os.path.join(d, "train.bin"), records(xtr, ytr))
    write(os.path.join(d, "test.bin"), records(xte, yte))
    write(os.path.join(d, "fine_label_names.txt"), ("\n".join(CIFAR100_FINE) + "\n").encode())
    write(os.path.join(d, "coarse_label_names.txt"), ("\n".join(CIFAR100_COARSE) + "\n").encode())
    return dict(spec=f"cifar100:{os.path.dirname(d)}", shape=[3, 32, 32], classes=100, train_labels=ytr, test=len(yte))


def svhn(out, per_train=6, per_test=2):
    d = os.path.join(out, "svhn")
    os.makedirs(d, exist_ok=True)
    ytr, yte = balanced_labels(range(10), per_train), balanced_labels(range(10), per_test)
    for file, y, compress in (("train_32x32.mat", ytr, True), ("test_32x32.mat", yte, False)):
        x = images(y, 10, 32, 32, 3)                     # [N, row, col, channel]
        X = np.ascontiguousarray(x.transpose(1, 2, 3, 0))  # [32, 32, 3, N]: X(row, col, channel, n)
        Y = np.where(y == 0, 10, y).astype(np.float64).reshape(-1, 1)  # digit 0 is stored as 10
        scipy.io.savemat(os.path.join(d, file), {"X": X, "y": Y}, do_compression=compress)
    return dict(spec=f"svhn:{d}", shape=[3, 32, 32], classes=10, train_labels=ytr, test=len(yte))


def eurosat(out, per_class=8):
    root = os.path.join(out, "eurosat")
    for k, cls in enumerate(EUROSAT_NAMES):
        x = images([k] * per_class, 10, 64, 64, 3)
        for j in range(per_class):
            write(os.path.join(root, "2750", cls, f"{cls}_{j + 1}.jpg"), pil_bytes(x[j], "JPEG", quality=90))
    return dict(spec=f"eurosat:{root}", shape=[3, 64, 64], classes=10, total=10 * per_class)


def fer2013(out, per_train=8, per_public=1, per_private=1):
    path = os.path.join(out, "fer2013", "fer2013.csv")
    rows = ["emotion,pixels,Usage"]
    n_train = 0
    for usage, per in (("Training", per_train), ("PublicTest", per_public), ("PrivateTest", per_private)):
        y = balanced_labels(range(7), per)
        x = images(y, 7, 48, 48, 1)[..., 0]
        for img, l in zip(x, y):
            rows.append(f"{int(l)}," + " ".join(str(int(v)) for v in img.ravel()) + f",{usage}")
        if usage == "Training":
            n_train = len(y)
    write(path, ("\n".join(rows) + "\n").encode())
    return dict(spec=f"fer2013:{path}", shape=[1, 64, 64], classes=7, total=n_train)


def gtsrb(out, per_train=8, per_test=2):
    root = os.path.join(out, "gtsrb")
    header = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n"
    train_labels = []
    for k in GTSRB_CLASSES:  # class folders in order, files in order: the loader's order
        cdir = os.path.join(root, "Final_Training", "Images", f"{k:05d}")
        lines = [header]
        for j in range(per_train):
            s = int(rng.integers(30, 61))
            h, w = s, s + int(rng.integers(-3, 4))
            img = images([GTSRB_CLASSES.index(k)], len(GTSRB_CLASSES), h, w, 3)[0]
            name = f"{j // 4:05d}_{j % 4:05d}.ppm"  # track_image, as in the published archive
            write(os.path.join(cdir, name), ppm_bytes(img))
            lines.append(f"{name};{w};{h};5;5;{w - 5};{h - 5};{k}\n")
            train_labels.append(k)
        write(os.path.join(cdir, f"GT-{k:05d}.csv"), "".join(lines).encode())
    test_y = balanced_labels(GTSRB_CLASSES, per_test)
    lines = [header]
    for i, k in enumerate(test_y):
        s = int(rng.integers(30, 61))
        img = images([GTSRB_CLASSES.index(int(k))], len(GTSRB_CLASSES), s, s, 3)[0]
        name = f"{i:05d}.ppm"
        write(os.path.join(root, "Final_Test", "Images", name), ppm_bytes(img))
        lines.append(f"{name};{s};{s};5;5;{s - 5};{s - 5};{int(k)}\n")
    write(os.path.join(root, "GT-final_test.csv"), "".join(lines).encode())
    return dict(spec=f"gtsrb:{root}", shape=[3, 64, 64], classes=GTSRB_ALL,
                train_labels=np.array(train_labels), test=len(test_y))


def npz(out, per_train=6, per_test=2, size=24):
    path = os.path.join(out, "npz", "arrays.npz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    c = len(NPZ_CLASSES)
    ytr, yte = balanced_labels(range(c), per_train), balanced_labels(range(c), per_test)
    np.savez_compressed(path, x_train=images(ytr, c, size, size, 3), y_train=ytr,
                        x_test=images(yte, c, size, size, 3), y_test=yte, classes=np.array(NPZ_CLASSES))
    return dict(spec=f"npz:{path}", shape=[3, size, size], classes=c, train_labels=ytr, test=len(yte))


def folder(out, per_class=12, size=40):
    root = os.path.join(out, "folder")
    for k, cls in enumerate(FOLDER_CLASSES):
        x = images([k] * per_class, len(FOLDER_CLASSES), size, size, 3)
        for j in range(per_class):
            if j % 2 == 0:
                write(os.path.join(root, cls, f"img_{j:03d}.png"), pil_bytes(x[j], "PNG"))
            else:
                write(os.path.join(root, cls, f"img_{j:03d}.jpg"), pil_bytes(x[j], "JPEG", quality=92))
    write(os.path.join(root, "README.txt"), b"class-per-folder test set written by scripts/tests/gen_datasets.py\n")
    return dict(spec=f"folder:{root}", shape=[3, size, size], classes=len(FOLDER_CLASSES),
                total=len(FOLDER_CLASSES) * per_class)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out = os.path.abspath(sys.argv[1])
    load_registry(sys.argv[2])
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "annotations"))
    sets = {
        "fmnist": idx_set(out, "fmnist", gz=True),
        "mnist": idx_set(out, "mnist", gz=False),
        "kmnist": idx_set(out, "kmnist", gz=True),
        "cifar10": cifar10(out),
        "cifar100": cifar100(out),
        "svhn": svhn(out),
        "eurosat": eurosat(out),
        "fer2013": fer2013(out),
        "gtsrb": gtsrb(out),
        "npz": npz(out),
        "folder": folder(out),
    }
    manifest = {}
    for name, s in sets.items():
        m = {"spec": s["spec"], "shape": s["shape"], "classes": s["classes"]}
        if "train_labels" in s:  # the training split is the file order: the labels are known
            y = np.asarray(s["train_labels"])
            m["train"] = int(len(y))
            m["test"] = int(s["test"])
            m["histogram"] = np.bincount(y, minlength=s["classes"]).tolist()
            m["train_labels"] = y.tolist()
            ann = os.path.join(out, "annotations", f"{name}.npz")
            np.savez_compressed(ann, candidates=candidates(y, s["classes"]))
            m["annotations"] = ann
        else:                    # split 80/20 at random by the loader
            m["total"] = int(s["total"])
            m["annotations"] = None
        manifest[name] = m
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"wrote {len(manifest)} datasets to {out}")


if __name__ == "__main__":
    main()
