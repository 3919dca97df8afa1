// The semi-supervised setting of the journal version.

extension CoReg {
    /// The semi-supervised setting of the journal version: k truly labelled samples per class
    /// (seeded choice). Their candidate sets become one-hot; `mask` marks them (they always go to
    /// the partial set with weight 1). Returns the new candidates and the mask.
    public static func fewShot(labels: Tensor, candidates: Tensor, perClass k: Int, seed: UInt64) throws -> (candidates: Tensor, mask: Tensor, indices: Tensor) {
        guard labels.dtype == .int32, labels.rank == 1, candidates.rank == 2, candidates.shape[0] == labels.shape[0] else {
            throw TensorError("fewshot", "expected int labels (N) and candidates (N, C), got \(shapeString(labels.shape)) and \(shapeString(candidates.shape))")
        }
        guard k >= 0 else { throw TensorError("fewshot", "k must be ≥ 0, got \(k)") }
        let (n, c) = (candidates.shape[0], candidates.shape[1])
        let lab = labels.toInts()
        let perm = try Tensor.randperm(n, rng: RNG(seed: seed).substream("fewshot")).toInts()
        var taken = [Int](repeating: 0, count: c)
        var chosen: [Int32] = []
        for i in perm {
            let y = Int(lab[Int(i)])
            guard y >= 0 && y < c else { throw TensorError("fewshot", "label \(y) out of range for \(c) classes") }
            if taken[y] < k { taken[y] += 1; chosen.append(i) }
        }
        chosen.sort()
        let y = try candidates.to(.float32).contiguousCopy()
        let mask = try Tensor.zeros([n], dtype: .bool)
        for i in chosen {
            let r = Int(i)
            for j in 0..<c { y.fptr[r * c + j] = 0 }
            y.fptr[r * c + Int(lab[r])] = 1
            mask.bptr[r] = 1
        }
        return (y, mask, try Tensor(ints: chosen, shape: [chosen.count]))
    }
}
