#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The building blocks of Co-Reg (spec §2), each at batch level. Per-sample work stays inside
/// these compiled functions; a `.coreg` script composes them into the method.
public enum CoReg {
    // MARK: warm-up (§2.1)

    /// Partial cross-entropy −log(Σ_j y_j f_j(x) + 1e-5), averaged over the samples whose
    /// candidate set does not hold every class (those carry no information and are skipped).
    /// candidates: (N, C) 0/1 (any dtype). Returns 0 when every sample is skipped.
    public static func partialCE(_ logits: Tensor, _ candidates: Tensor) throws -> Tensor {
        try checkPair("partial_ce", logits, candidates)
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

    // MARK: division (§2.2)

    /// L_div = −log max_{j∈S} p_j per sample (no gradient). probs, candidates: (N, C).
    /// A sample with an empty candidate set gets the largest loss, −log(1e-12).
    public static func divisionLoss(_ probs: Tensor, _ candidates: Tensor) throws -> Tensor {
        try checkPair("division_loss", probs, candidates)
        return try Tensor.noGrad {
            let m = try (probs.to(.float32) * candidates.to(.float32)).amax(axes: [1])
            return try m.clamp(min: 1e-12).log().neg()
        }
    }

    /// Min–max normalisation to [0, 1] (all zeros when the values are constant).
    public static func minMaxNormalize(_ x: Tensor) throws -> Tensor {
        let lo = try x.amin(), hi = try x.amax()
        let range = try (hi - lo).item()
        if range <= 0 { return Tensor.zerosLike(x).contiguous() }
        return try (x - lo) / range
    }

    /// The division: fits a 2-component GMM to `losses` (N) and returns the posterior of the
    /// smaller-mean component (w) and the fitted mixture.
    public static func divide(_ losses: Tensor, maxIter: Int = 10, tol: Double = 1e-2, regCovar: Double = 5e-4) throws -> (w: Tensor, gmm: GMM1D) {
        guard losses.rank == 1 else { throw TensorError("divide", "expected a 1-D tensor of losses, got \(shapeString(losses.shape))") }
        let v = losses.toDoubles()
        let g = try GMM1D.fit(v, maxIter: maxIter, tol: tol, regCovar: regCovar)
        return (try Tensor.fromDoubles(g.posteriorOfLow(v), shape: [v.count]), g)
    }

    // MARK: co-pseudo-labels (§2.3)

    /// Eq. 5: the providing network's prediction restricted to the candidates and renormalised.
    /// A sample whose restricted mass is zero keeps the unrestricted prediction.
    public static func restrictToCandidates(_ probs: Tensor, _ candidates: Tensor) throws -> Tensor {
        try checkPair("restrict", probs, candidates)
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

    /// Eq. 7: p^{1/T} renormalised.
    public static func sharpen(_ p: Tensor, T: Double) throws -> Tensor {
        guard T > 0 else { throw TensorError("sharpen", "temperature T must be positive, got \(T)") }
        let q = try p.clamp(min: 0).pow(1 / T)
        return try q / q.sum(axes: [-1], keepdim: true).clamp(min: 1e-30)
    }

    // MARK: self-training (§2.4)

    /// Mixup over a batch: l ~ Beta(α, α), l ← max(l, 1 − l), one random permutation over the
    /// whole batch; returns l·a + (1 − l)·a[perm] for inputs and targets, l and the permutation.
    public static func mixup(_ x: Tensor, _ targets: Tensor, alpha: Double, rng: RNG) throws -> (x: Tensor, targets: Tensor, lambda: Double, perm: Tensor) {
        guard x.rank >= 1, targets.rank >= 1, x.shape[0] == targets.shape[0] else {
            throw TensorError("mixup", "inputs \(shapeString(x.shape)) and targets \(shapeString(targets.shape)) need the same first dimension")
        }
        guard alpha > 0 else { throw TensorError("mixup", "alpha must be positive, got \(alpha)") }
        var l = sampleBeta(alpha, alpha, rng: rng)
        l = Swift.max(l, 1 - l)
        let perm = try Tensor.randperm(x.shape[0], rng: rng)
        let xm = try x * l + x.indexSelect(axis: 0, index: perm) * (1 - l)
        let tm = try targets * l + targets.indexSelect(axis: 0, index: perm) * (1 - l)
        return (xm, tm, l, perm)
    }

    /// Mean over batch and classes of (softmax(logits) − target)² (the 𝒰 loss).
    public static func mseOnProbs(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
        guard logits.shape == target.shape else {
            throw TensorError("mse_probs", "logits \(shapeString(logits.shape)) and targets \(shapeString(target.shape)) differ")
        }
        let d = try logits.softmax(axis: -1) - target
        return try (d * d).mean()
    }

    // MARK: prototypes (§2.5)

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

    // MARK: contrastive (§2.6)

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

    // MARK: helpers

    static func checkPair(_ op: String, _ a: Tensor, _ y: Tensor) throws {
        guard a.rank == 2, a.shape == y.shape else {
            throw TensorError(op, "expected predictions and candidates of the same shape (N, C), got \(shapeString(a.shape)) and \(shapeString(y.shape))")
        }
    }
}

/// Beta(a, b) from two Gamma draws (Marsaglia–Tsang, with the α < 1 boost).
public func sampleBeta(_ a: Double, _ b: Double, rng: RNG) -> Double {
    let x = sampleGamma(a, rng: rng), y = sampleGamma(b, rng: rng)
    return x + y > 0 ? x / (x + y) : 0.5
}

public func sampleGamma(_ alpha: Double, rng: RNG) -> Double {
    if alpha < 1 {
        let u = Swift.max(rng.nextDouble(), 1e-300)
        return sampleGamma(alpha + 1, rng: rng) * pow(u, 1 / alpha)
    }
    let d = alpha - 1.0 / 3, c = 1 / (9 * d).squareRoot()
    while true {
        var x: Double, v: Double
        repeat {
            x = rng.nextNormal()
            v = 1 + c * x
        } while v <= 0
        v = v * v * v
        let u = rng.nextDouble()
        if u < 1 - 0.0331 * x * x * x * x { return d * v }
        if log(Swift.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
    }
}

/// Distribution alignment (spec §2.2, the code's `perform_da`): a buffer of stored per-sample
/// predictions (N, C), initialised uniform and overwritten with raw softmax outputs; alignment
/// divides predictions by (mean of the buffer / prior) and renormalises.
public final class DistributionAlignment {
    public let buffer: Tensor   // (N, C)
    public let prior: Tensor    // (C)
    public init(samples n: Int, classes c: Int, prior: Tensor? = nil) throws {
        guard n > 0, c > 0 else { throw TensorError("distribution_alignment", "need N > 0 samples and C > 0 classes") }
        buffer = try Tensor.full([n, c], 1 / Double(c))
        if let p = prior {
            guard p.shape == [c] else { throw TensorError("distribution_alignment", "prior must have shape [\(c)], got \(shapeString(p.shape))") }
            self.prior = try p.to(.float32).contiguous()
        } else {
            self.prior = try Tensor.full([c], 1 / Double(c))
        }
    }
    /// Overwrites the stored predictions of `indices` (int32 (B)) with `probs` (B, C).
    public func store(indices: Tensor, probs: Tensor) throws {
        let c = buffer.shape[1]
        guard indices.dtype == .int32, indices.rank == 1, probs.shape == [indices.shape[0], c] else {
            throw TensorError("distribution_alignment", "expected int indices (B) and probs (B, \(c)), got \(shapeString(indices.shape)) and \(shapeString(probs.shape))")
        }
        let idx = indices.contiguous(), p = try probs.detach().to(.float32).contiguous()
        let n = buffer.shape[0]
        for i in 0..<idx.count {
            let r = Int(idx.iptr[i])
            guard r >= 0 && r < n else { throw TensorError("distribution_alignment", "index \(r) out of range for \(n) samples") }
            (buffer.fptr + r * c).update(from: p.fptr + i * c, count: c)
        }
    }
    /// p / (mean(buffer) / prior), renormalised per row.
    public func align(_ probs: Tensor) throws -> Tensor {
        guard probs.rank == 2, probs.shape[1] == buffer.shape[1] else {
            throw TensorError("distribution_alignment", "expected probs (N, \(buffer.shape[1])), got \(shapeString(probs.shape))")
        }
        return try Tensor.noGrad {
            let ratio = try buffer.mean(axes: [0]) / prior
            let q = try probs / ratio.clamp(min: 1e-12)
            return try q / q.sum(axes: [1], keepdim: true).clamp(min: 1e-30)
        }
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
        let kk = try k.detach().to(.float32).contiguous(), tt = try t.detach().to(.float32).contiguous()
        let ff = try f.to(.bool).contiguous()
        for i in 0..<b {
            let r = (pointer + i) % q
            (features.fptr + r * d).update(from: kk.fptr + i * d, count: d)
            (targets.fptr + r * c).update(from: tt.fptr + i * c, count: c)
            flags.bptr[r] = ff.bptr[i]
        }
        pointer = (pointer + b) % q
    }
    /// Restores the pointer (for checkpoints).
    public func setPointer(_ p: Int) throws {
        guard p >= 0 && p < size else { throw TensorError("queue", "pointer \(p) out of range 0..<\(size)") }
        pointer = p
    }
}

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
