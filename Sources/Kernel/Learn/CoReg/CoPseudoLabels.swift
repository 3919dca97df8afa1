// §2.3 Co-pseudo-labels (eq. 5–7): the providing network restricts its prediction to the
// candidates, the two branches of eq. 6 fuse it with the trained network's own (𝒫) or average
// both networks' (𝒰), and eq. 7 sharpens.

extension CoReg {
    /// Eq. 5: the providing network's prediction restricted to the candidates and renormalised.
    /// A sample whose restricted mass is zero keeps the unrestricted prediction.
    public static func restrictToCandidates(_ probs: Tensor, _ candidates: Tensor) throws -> Tensor {
        try Losses.checkPair("restrict", probs, candidates)
        return try Tensor.noGrad {
            let r = try probs * candidates.to(.float32)
            let s = try r.sum(axes: [1], keepdim: true)
            let ok = try s.gt(Tensor(0))
            return try Tensor.where(ok, r / s.clamp(min: 1e-30), probs)
        }
    }

    /// Eq. 6 for 𝒫: w·p + (1 − w)·p̄ (w: (N), p and p̄: (N, C)).
    public static func fusePartial(w: Tensor, restricted p: Tensor, own pbar: Tensor) throws -> Tensor {
        guard p.shape == pbar.shape, p.rank == 2, w.shape == [p.shape[0]] else {
            throw TensorError("fuse", "expected w (N), p and p̄ (N, C); got \(shapeString(w.shape)), \(shapeString(p.shape)), \(shapeString(pbar.shape))")
        }
        let wk = try w.reshape([-1, 1])
        return try wk * p + (1 - wk) * pbar
    }

    /// Eq. 6 for 𝒰: the mean of the softmax tables over the weak views of both networks (the
    /// code averages 2 views × 2 networks; under `no_copl` the trained network's 2 alone), summed
    /// in the order given. tables: K ≥ 1 tables (N, C).
    public static func fuseUnlabeled(_ tables: [Tensor]) throws -> Tensor {
        guard let first = tables.first else { throw TensorError("fuse_unlabeled", "expected at least one table of probabilities") }
        var s = first
        for p in tables.dropFirst() {
            guard p.shape == first.shape, p.rank == 2 else {
                throw TensorError("fuse_unlabeled", "expected tables of one shape (N, C), got \(shapeString(first.shape)) and \(shapeString(p.shape))")
            }
            s = try s + p
        }
        return try s / Double(tables.count)
    }

    /// Eq. 7: p^{1/T} renormalised.
    public static func sharpen(_ p: Tensor, T: Double) throws -> Tensor {
        guard T > 0 else { throw TensorError("sharpen", "temperature T must be positive, got \(T)") }
        let q = try p.clamp(min: 0).pow(1 / T)
        return try q / q.sum(axes: [-1], keepdim: true).clamp(min: 1e-30)
    }
}
