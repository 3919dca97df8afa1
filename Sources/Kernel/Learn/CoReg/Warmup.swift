// §2.1 Warm-up: L_warm = L_sup + L_neg (eq. 1–3), each network on all the data.

extension CoReg {
    /// Partial cross-entropy −log(Σ_j y_j f_j(x) + 1e-5), averaged over the samples whose
    /// candidate set does not hold every class (those carry no information and are skipped).
    /// candidates: (N, C) 0/1 (any dtype). Returns 0 when every sample is skipped.
    public static func partialCE(_ logits: Tensor, _ candidates: Tensor) throws -> Tensor {
        try Losses.checkPair("partial_ce", logits, candidates)
        let y = try candidates.to(.float32)
        let c = Double(logits.shape[1])
        let keep = try y.sum(axes: [1]).lt(Tensor(c - 0.5)).float()          // (N)
        let p = try logits.softmax(axis: 1)
        let l = try ((p * y).sum(axes: [1]) + 1e-5).log().neg()               // (N)
        let n = try keep.sum().item()
        if n == 0 { return try (l * 0).sum() }
        return try (l * keep).sum() / n
    }

    /// Negative entropy Σ_j f_j log f_j, averaged over the batch (the warm-up confidence penalty).
    public static func negativeEntropy(_ logits: Tensor) throws -> Tensor {
        guard logits.rank == 2 else { throw TensorError("neg_entropy", "expected logits (N, C), got \(shapeString(logits.shape))") }
        return try (logits.softmax(axis: 1) * logits.logSoftmax(axis: 1)).sum(axes: [1]).mean()
    }

    /// Eq. 3: L_warm = L_sup + L_neg.
    public static func warmupLoss(_ logits: Tensor, _ candidates: Tensor) throws -> Tensor {
        try partialCE(logits, candidates) + negativeEntropy(logits)
    }
}
