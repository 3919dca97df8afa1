#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Classification losses. Cross-entropy is one fused kernel (log-softmax + NLL, gradient
/// softmax − one-hot); the others are composites of primitives and get gradients for free.
public enum Losses {
    /// Mean cross-entropy of logits [N, C] against int32 class indices [N] (optionally with
    /// label smoothing ε: the target is (1 − ε)·one-hot + ε/C).
    public static func crossEntropy(_ logits: Tensor, _ target: Tensor, labelSmoothing eps: Double = 0) throws -> Tensor {
        guard logits.rank == 2 else { throw TensorError("cross_entropy", "expected logits of shape (N, C), got \(shapeString(logits.shape))") }
        guard target.dtype == .int32, target.shape == [logits.shape[0]] else {
            throw TensorError("cross_entropy", "expected int32 targets of shape [\(logits.shape[0])], got \(target.dtype) \(shapeString(target.shape))")
        }
        guard (0..<1).contains(eps) else { throw TensorError("cross_entropy", "label smoothing must be in [0, 1), got \(eps)") }
        let (n, c) = (logits.shape[0], logits.shape[1])
        guard n > 0 else { throw TensorError("cross_entropy", "empty batch") }
        let x = try logits.to(.float32).contiguous(), t = target.contiguous()
        let probs = Tensor(uninitialized: [n, c], dtype: .float32)
        var total: Double = 0
        let xp = x.fptr, pp = probs.fptr, tp = t.iptr
        for i in 0..<n {
            let y = Int(tp[i])
            guard y >= 0 && y < c else {
                throw TensorError("cross_entropy", "target \(y) at position \(i) is out of range for \(c) classes")
            }
            let row = xp + i * c, pr = pp + i * c
            var m = -Float.infinity
            for j in 0..<c { m = Swift.max(m, row[j]) }
            var s: Float = 0
            for j in 0..<c { let e = expf(row[j] - m); pr[j] = e; s += e }
            let lse = logf(s) + m
            let inv = 1 / s
            for j in 0..<c { pr[j] *= inv }
            var li = Double(lse - row[y]) * (1 - eps)
            if eps > 0 {
                var sumLogp: Double = 0
                for j in 0..<c { sumLogp += Double(row[j] - lse) }
                li -= eps / Double(c) * sumLogp
            }
            total += li
        }
        let out = Tensor(total / Double(n))
        return out.recorded(.custom(CustomPrim(kind: .cross_entropy) { g in
            let scale = Float(try g.item()) / Float(n)
            let d = Tensor(uninitialized: [n, c], dtype: .float32)
            let dp = d.fptr
            let off = Float(eps) / Float(c)
            for i in 0..<n {
                let y = Int(tp[i])
                for j in 0..<c { dp[i * c + j] = (pp[i * c + j] - off - (j == y ? Float(1 - eps) : 0)) * scale }
            }
            _ = (t, probs)
            return [d]
        }), [logits])
    }

    /// Mean of −Σ_j q_j log softmax(z)_j for soft targets q [N, C] (e.g. pseudo-labels).
    public static func softCrossEntropy(_ logits: Tensor, _ q: Tensor) throws -> Tensor {
        guard logits.shape == q.shape, logits.rank == 2 else {
            throw TensorError("soft_cross_entropy", "logits \(shapeString(logits.shape)) and targets \(shapeString(q.shape)) must both be (N, C)")
        }
        return try (q * logits.logSoftmax(axis: 1)).sum(axes: [1]).mean().neg()
    }

    /// Mean over batch and classes of (softmax(logits) − target)² (the 𝒰 loss).
    public static func mseOnProbs(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
        guard logits.shape == target.shape else {
            throw TensorError("mse_probs", "logits \(shapeString(logits.shape)) and targets \(shapeString(target.shape)) differ")
        }
        let d = try logits.softmax(axis: -1) - target
        return try (d * d).mean()
    }

    /// KL(target ‖ softmax(logits)) summed over classes, averaged over the batch
    /// (torch KLDivLoss(reduction='batchmean') on log_softmax; 0·log 0 = 0).
    public static func klDivBatchmean(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
        guard logits.shape == target.shape, logits.rank == 2 else {
            throw TensorError("kl_div", "logits \(shapeString(logits.shape)) and target \(shapeString(target.shape)) must both be (N, C)")
        }
        let t = target.detach()
        let tlogt = try Tensor.where(t.gt(Tensor(0)), t * t.clamp(min: 1e-30).log(), Tensor(0))
        return try (tlogt - t * logits.logSoftmax(axis: 1)).sum() / Double(logits.shape[0])
    }

    /// Checks that predictions (or scores, weights) and a candidate matrix are both (N, C).
    static func checkPair(_ op: String, _ a: Tensor, _ y: Tensor) throws {
        guard a.rank == 2, a.shape == y.shape else {
            throw TensorError(op, "expected predictions and candidates of the same shape (N, C), got \(shapeString(a.shape)) and \(shapeString(y.shape))")
        }
    }

    /// Mixup-consistent KL: l·KL(t_a ‖ softmax(z)) + (1 − l)·KL(t_b ‖ softmax(z)), with t_a the
    /// unmixed targets and t_b = t_a[perm] (Co-Reg's L_prot on 𝒫, PaPi's alignment).
    public static func mixupKL(_ logits: Tensor, _ ta: Tensor, _ tb: Tensor, lambda l: Double) throws -> Tensor {
        try klDivBatchmean(logits, ta) * l + klDivBatchmean(logits, tb) * (1 - l)
    }

    /// The same with the MSE on probabilities (Co-Reg's L_prot on 𝒰).
    public static func mixupMSE(_ logits: Tensor, _ ta: Tensor, _ tb: Tensor, lambda l: Double) throws -> Tensor {
        try mseOnProbs(logits, ta) * l + mseOnProbs(logits, tb) * (1 - l)
    }
}
