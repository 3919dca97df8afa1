// §2.5 Prototypical similarity alignment (eq. 9–10): one shared set of class prototypes, moved
// by momentum towards the trained network's features, and the alignment of the similarity
// distribution with the (mixed) pseudo-labels.

extension CoReg {
    /// Sequential momentum update o_y ← γ·o_y + (1 − γ)·z for each row (in order), then L2
    /// normalisation of every prototype. prototypes: (C, d), features: (B, d), labels: int (B).
    public static func updatePrototypes(_ prototypes: Tensor, features: Tensor, labels: Tensor, momentum g: Double) throws {
        guard prototypes.rank == 2, features.rank == 2, features.shape[1] == prototypes.shape[1],
              labels.dtype == .int32, labels.shape == [features.shape[0]], prototypes.isContiguous, prototypes.dtype == .float32 else {
            throw TensorError("update_prototypes", "expected prototypes (C, d) contiguous float32, features (B, d), int labels (B); got \(shapeString(prototypes.shape)), \(shapeString(features.shape)), \(labels.dtype) \(shapeString(labels.shape))")
        }
        let (c, d) = (prototypes.shape[0], prototypes.shape[1])
        let f = features.detach().contiguous(), lab = labels.contiguous()
        let o = prototypes.fptr
        let gf = Float(g), k = 1 - Float(g)
        for i in 0..<f.shape[0] {
            let y = Int(lab.iptr[i])
            guard y >= 0 && y < c else { throw TensorError("update_prototypes", "label \(y) out of range for \(c) prototypes") }
            for j in 0..<d { o[y * d + j] = gf * o[y * d + j] + k * f.fptr[i * d + j] }
        }
        for y in 0..<c {
            var s: Float = 0
            for j in 0..<d { s += o[y * d + j] * o[y * d + j] }
            let inv = 1 / Swift.max(s.squareRoot(), 1e-12)
            for j in 0..<d { o[y * d + j] *= inv }
        }
    }

    /// Prototype similarity logits z·Oᵀ / τ (B, C).
    public static func prototypeLogits(_ z: Tensor, _ prototypes: Tensor, tau: Double) throws -> Tensor {
        guard tau > 0 else { throw TensorError("prototype_logits", "tau must be positive, got \(tau)") }
        return try z.matmul(prototypes.detach().transpose(0, 1)) / tau
    }

    /// Eq. 9, mixup-consistent as in the code: with s = the similarity logits of the mixed batch,
    /// t_a its unmixed targets and t_b = t_a[perm], l·KL(t_a ‖ s) + (1 − l)·KL(t_b ‖ s) on the first
    /// `labelled` rows (𝒫), plus λ_u·(l·MSE(s, t_a) + (1 − l)·MSE(s, t_b)) on the rest (𝒰).
    public static func prototypeLoss(_ sim: Tensor, targets: Tensor, perm: Tensor, lambda l: Double, labelled nx: Int, lambdaU: Double) throws -> Tensor {
        let n = sim.shape.first ?? 0
        guard sim.rank == 2, targets.shape == sim.shape, perm.shape == [n], nx >= 1, nx <= n else {
            throw TensorError("prototype_loss", "expected similarities and targets (N, C), a permutation (N) and 1 ≤ labelled ≤ N; got \(shapeString(sim.shape)), \(shapeString(targets.shape)), \(shapeString(perm.shape)), labelled \(nx)")
        }
        let tb = try targets.indexSelect(axis: 0, index: perm)
        func rows(_ t: Tensor, _ a: Int, _ b: Int) throws -> Tensor { try t.slice(axis: 0, start: a, end: b) }
        var loss = try Losses.mixupKL(rows(sim, 0, nx), rows(targets, 0, nx), rows(tb, 0, nx), lambda: l)
        if nx < n {
            loss = try loss + lambdaU * Losses.mixupMSE(rows(sim, nx, n), rows(targets, nx, n), rows(tb, nx, n), lambda: l)
        }
        return loss
    }
}
