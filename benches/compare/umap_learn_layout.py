"""Times umap-learn's layout optimiser on a fixture graph and init, prints one JSON line.

Used by benches/compare/compare_umap_learn.sh (see there); the graph is pruned and scheduled
exactly as umap-learn's `simplicial_set_embedding` does (MATH.md §B.2), the JIT is warmed up on a
tiny problem first, and only `optimize_layout_euclidean` is timed.
"""
import json
import sys
import time

import numpy as np


def load(d, n_epochs):
    indptr = np.fromfile(f"{d}/graph_indptr.u32", dtype="<u4").astype(np.int64)
    indices = np.fromfile(f"{d}/graph_indices.u32", dtype="<u4").astype(np.int64)
    w = np.fromfile(f"{d}/graph_weights.f32", dtype="<f4")
    n = len(indptr) - 1
    init = np.fromfile(f"{d}/init.f32", dtype="<f4").reshape(n, 2)
    head = np.repeat(np.arange(n), np.diff(indptr))
    keep = w >= w.max() / float(n_epochs)
    head, tail, w = head[keep], indices[keep], w[keep]
    return n, head, tail, w, init


def epochs_per_sample(w, n_epochs):
    # umap-learn's make_epochs_per_sample (float32 weights, float64 result)
    result = -1.0 * np.ones(w.shape[0], dtype=np.float64)
    n_samples = n_epochs * (w / w.max())
    result[n_samples > 0] = float(n_epochs) / np.float64(n_samples[n_samples > 0])
    return result


def quality(d, y):
    from scipy.spatial import cKDTree

    hd = np.fromfile(f"{d}/hd_nn15.u32", dtype="<u4").reshape(len(y), 15)
    labels = np.fromfile(f"{d}/labels.u8", dtype=np.uint8)
    _, nn = cKDTree(y.astype(np.float64)).query(y.astype(np.float64), k=16)
    nn = nn[:, 1:]
    pres = np.mean([len(set(hd[i]) & set(nn[i])) / 15.0 for i in range(len(y))])
    votes = labels[nn[:, :10]]
    pred = np.array([np.bincount(v, minlength=labels.max() + 1).argmax() for v in votes])
    return float(pres), float(np.mean(pred == labels))


def main():
    d, n_epochs, parallel = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "parallel"
    import numba
    from umap.layouts import optimize_layout_euclidean

    a, b = 1.5769434603, 0.8950608779
    # warm-up: compile both variants on a tiny graph
    rs = np.random.RandomState(0)
    tiny = rs.rand(20, 2).astype(np.float32)
    th, tt = np.arange(20), (np.arange(20) + 1) % 20
    for par in (False, True):
        optimize_layout_euclidean(
            tiny.copy(), tiny.copy(), th, tt, 2, 20, np.ones(20), a, b,
            np.array([1, 2, 3], dtype=np.int64), 1.0, 1.0, 5.0, parallel=par,
            verbose=False, move_other=True,
        )
    n, head, tail, w, init = load(d, n_epochs)
    eps = epochs_per_sample(w, n_epochs)
    y = init.copy()
    rng_state = np.random.RandomState(42).randint(
        np.iinfo(np.int32).min + 1, np.iinfo(np.int32).max - 1, 3
    ).astype(np.int64)
    t0 = time.perf_counter()
    optimize_layout_euclidean(
        y, y, head, tail, n_epochs, n, eps, a, b, rng_state, 1.0, 1.0, 5.0,
        parallel=parallel, verbose=False, move_other=True,
    )
    seconds = time.perf_counter() - t0
    pres, acc = quality(d, y)
    print(json.dumps({
        "who": "umap-learn " + ("parallel" if parallel else "serial"),
        "threads": numba.get_num_threads() if parallel else 1,
        "seconds": seconds, "knn_preservation": pres, "knn_accuracy": acc,
    }))


if __name__ == "__main__":
    main()
