// §2.6 Noisy supervised contrastive learning (eq. 11) with a momentum key encoder and a queue.

extension CoReg {
    /// The positive and ignore masks of the noisy supervised contrastive loss, for B anchors
    /// against M = 2B + Q elements [queries; keys; queue]. Element j's pseudo-label and 𝒫 flag
    /// come from `labels` (M) and `flags` (M, true = 𝒫); anchors are the first B.
    /// Positives: same label with both anchor and element in 𝒫, plus the anchor's own key.
    /// Ignored: for an anchor in 𝒫, same-label elements from 𝒰; for an anchor in 𝒰, all
    /// same-label elements; never the own key. The anchor's own query column is excluded.
    /// Returns (positive, allowed) as bool (B, M); allowed = not ignored and not self.
    public static func contrastiveMasks(labels: Tensor, flags: Tensor, batch b: Int) throws -> (positive: Tensor, allowed: Tensor) {
        guard labels.rank == 1, flags.shape == labels.shape, b >= 1, labels.shape[0] >= 2 * b else {
            throw TensorError("contrastive_masks", "expected labels and flags of the same length M ≥ 2·B (B = \(b)), got \(shapeString(labels.shape)) and \(shapeString(flags.shape))")
        }
        let m = labels.shape[0]
        let lab = try labels.to(.int32).contiguous(), fl = try flags.to(.bool).contiguous()
        let pos = Tensor(uninitialized: [b, m], dtype: .bool), allow = Tensor(uninitialized: [b, m], dtype: .bool)
        for i in 0..<b {
            let li = lab.iptr[i], fi = fl.bptr[i] != 0
            for j in 0..<m {
                let same = lab.iptr[j] == li, fj = fl.bptr[j] != 0
                var p = same && fi && fj
                var ignored = same && (fi ? !fj : true)
                if j == b + i { p = true; ignored = false }   // own key
                if j == i { p = false; ignored = true }        // self
                pos.bptr[i * m + j] = p ? 1 : 0
                allow.bptr[i * m + j] = ignored ? 0 : 1
            }
        }
        return (pos, allow)
    }

    /// −(1/|P_i|) Σ_{j∈P_i} log( exp(q_i·f_j/τ) / Σ_{j' allowed} exp(q_i·f_j'/τ) ), averaged over
    /// anchors. q: (B, d) queries (with grad); features: (M, d) = [q; k; queue] (keys and queue
    /// carry no gradient); masks from `contrastiveMasks`.
    public static func noisySupCon(queries q: Tensor, features: Tensor, positive: Tensor, allowed: Tensor, tau: Double = 0.07) throws -> Tensor {
        guard q.rank == 2, features.rank == 2, q.shape[1] == features.shape[1],
              positive.shape == [q.shape[0], features.shape[0]], allowed.shape == positive.shape else {
            throw TensorError("noisy_supcon", "expected q (B, d), features (M, d), masks (B, M); got \(shapeString(q.shape)), \(shapeString(features.shape)), \(shapeString(positive.shape))")
        }
        guard tau > 0 else { throw TensorError("noisy_supcon", "tau must be positive, got \(tau)") }
        let logits = try q.matmul(features.transpose(0, 1)) / tau
        let masked = try Tensor.where(allowed, logits, Tensor(-Double.infinity))
        let logProb = try logits - masked.logsumexp(axes: [1], keepdim: true)
        let posLog = try Tensor.where(positive, logProb, Tensor(0)).sum(axes: [1])
        let npos = try positive.float().sum(axes: [1]).clamp(min: 1)
        return try (posLog / npos).mean().neg()
    }
}

/// A FIFO queue of key features with their (sharpened) pseudo-label vectors and 𝒫/𝒰 flags,
/// for the momentum-contrast loss. Initialised with random unit features (the code starts from
/// random normal keys), uniform targets and 𝒰 flags.
public final class ContrastQueue {
    public let features: Tensor  // (Q, d)
    public let targets: Tensor   // (Q, C)
    public let flags: Tensor     // (Q) bool, true = 𝒫
    public private(set) var pointer = 0
    public init(size q: Int, dim d: Int, classes c: Int, rng: RNG) throws {
        guard q > 0, d > 0, c > 0 else { throw TensorError("queue", "size, dim and classes must be positive") }
        features = try Tensor.randn([q, d], rng: rng).l2Normalize(axis: 1).contiguous()
        targets = try Tensor.full([q, c], 1 / Double(c))
        flags = try Tensor.zeros([q], dtype: .bool)
    }
    public var size: Int { features.shape[0] }
    /// Writes a batch at the pointer (wrapping around) and advances it.
    public func enqueue(features k: Tensor, targets t: Tensor, flags f: Tensor) throws {
        let (q, d, c) = (features.shape[0], features.shape[1], targets.shape[1])
        let b = k.shape.first ?? 0
        guard k.shape == [b, d], t.shape == [b, c], f.shape == [b], b <= q else {
            throw TensorError("queue", "expected keys (B, \(d)), targets (B, \(c)), flags (B) with B ≤ \(q); got \(shapeString(k.shape)), \(shapeString(t.shape)), \(shapeString(f.shape))")
        }
        let rows = (0..<b).map { (pointer + $0) % q }
        try features.copyRows(k, to: rows)
        try targets.copyRows(t, to: rows)
        try flags.copyRows(f, to: rows)
        pointer = (pointer + b) % q
    }
    /// Restores the pointer (for checkpoints).
    public func setPointer(_ p: Int) throws {
        guard p >= 0 && p < size else { throw TensorError("queue", "pointer \(p) out of range 0..<\(size)") }
        pointer = p
    }
}

