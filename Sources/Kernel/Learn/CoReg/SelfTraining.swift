// §2.4 Self-training on mixed strong views (eq. 8): soft CE on the 𝒫 rows, MSE on the 𝒰 rows
// weighted by λ_u and the linear ramp. Mixup itself is generic (Data/Mixup.swift).

extension CoReg {
    /// The ramp of λ_u (the code's `linear_rampup`): clip((t − warm-up) / length, 0, 1) with
    /// t = epoch + batch / batches, so it grows within each epoch.
    public static func ramp(epoch: Int, batch i: Int, batches: Int, warmup: Int, length: Double) -> Double {
        guard length > 0 else { return 1 }
        let t = Double(epoch) + Double(i) / Double(Swift.max(batches, 1))
        return Swift.min(Swift.max((t - Double(warmup)) / length, 0), 1)
    }

    /// Eq. 8 on one mixed batch whose first `labelled` rows come from 𝒫: L_x = soft CE there,
    /// L_u = mean squared error between softmax and targets on the rest (0 without 𝒰 rows), and
    /// L = L_x + weight·L_u (weight = λ_u·ramp). Returns (L, L_x, L_u).
    public static func selfTrainingLoss(_ logits: Tensor, targets: Tensor, labelled nx: Int, weight: Double) throws
        -> (loss: Tensor, lx: Tensor, lu: Tensor) {
        let n = logits.shape.first ?? 0
        guard logits.rank == 2, targets.shape == logits.shape, nx >= 1, nx <= n else {
            throw TensorError("self_training_loss", "expected logits and targets (N, C) with 1 ≤ labelled ≤ N; got \(shapeString(logits.shape)), \(shapeString(targets.shape)), labelled \(nx)")
        }
        let lx = try Losses.softCrossEntropy(logits.slice(axis: 0, start: 0, end: nx), targets.slice(axis: 0, start: 0, end: nx))
        let lu = nx < n ? try Losses.mseOnProbs(logits.slice(axis: 0, start: nx, end: n), targets.slice(axis: 0, start: nx, end: n))
                        : try Tensor.zeros([])
        return (try lx + weight * lu, lx, lu)
    }
}
