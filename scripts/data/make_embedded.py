#!/usr/bin/env python3
"""Builds Sources/Kernel/Resources/embedded-fmnist.npz: a balanced, seeded Fashion-MNIST subset
(10,000 train images = 1,000 per class; 2,000 test images = 200 per class) taken from the Debian
package dataset-fashion-mnist (apt-get install dataset-fashion-mnist).

Members (uint8): x_train [10000, 28, 28], y_train [10000], x_test [2000, 28, 28], y_test [2000],
plus train_index / test_index (int32): the rows chosen from the official files. Rows are sorted
by original index, so the subset keeps the official order. Deflate level 9.

    python3 scripts/data/make_embedded.py [--src DIR] [--out FILE] [--seed 0]
"""
import argparse, gzip, io, os, struct, zipfile
import numpy as np

def read_idx(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    zero, dtype, ndim = struct.unpack('>HBB', data[:4])
    assert zero == 0 and dtype == 8, f'{path}: not an unsigned-byte IDX file'
    shape = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)

def balanced(labels, per_class, rng):
    picks = []
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        picks.append(rng.choice(idx, size=per_class, replace=False))
    return np.sort(np.concatenate(picks))

def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument('--src', default='/usr/share/datasets/fashion-mnist')
    ap.add_argument('--out', default=os.path.join(root, 'Sources/Kernel/Resources/embedded-fmnist.npz'))
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    xtr = read_idx(os.path.join(a.src, 'train-images-idx3-ubyte.gz'))
    ytr = read_idx(os.path.join(a.src, 'train-labels-idx1-ubyte.gz'))
    xte = read_idx(os.path.join(a.src, 't10k-images-idx3-ubyte.gz'))
    yte = read_idx(os.path.join(a.src, 't10k-labels-idx1-ubyte.gz'))
    rng = np.random.default_rng(a.seed)
    itr = balanced(ytr, 1000, rng)
    ite = balanced(yte, 200, rng)
    members = {
        'x_train': xtr[itr], 'y_train': ytr[itr], 'x_test': xte[ite], 'y_test': yte[ite],
        'train_index': itr.astype('<i4'), 'test_index': ite.astype('<i4'),
    }
    tmp = a.out + '.tmp'
    with zipfile.ZipFile(tmp, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, arr in members.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(name + '.npy', date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buf.getvalue(), compresslevel=9)
    os.replace(tmp, a.out)
    print(f'{a.out}: {os.path.getsize(a.out)} bytes; train {len(itr)}, test {len(ite)}')

if __name__ == '__main__':
    main()
