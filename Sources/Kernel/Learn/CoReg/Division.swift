// §2.2 Co-division (eq. 4): distribution alignment, L_div, the min–max normalised loss history
// averaged over a window, a 2-component GMM, and the split into 𝒫 and 𝒰.

extension CoReg {
    /// L_div = −log max_{j∈S} p_j per sample (no gradient). probs, candidates: (N, C).
    /// A sample with an empty candidate set gets the largest loss, −log(1e-12).
    public static func divisionLoss(_ probs: Tensor, _ candidates: Tensor) throws -> Tensor {
        try Losses.checkPair("division_loss", probs, candidates)
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
}

/// Distribution alignment (docs/method.md, the code's `perform_da`): a buffer of stored per-sample
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
        try buffer.copyRows(probs, to: indices.toInts().map { Int($0) })
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

/// One network's division state (§2.2 steps 3–6): the window of min–max normalised division
/// losses, averaged for the GMM, and the split at τ_div. `update` runs one epoch's division.
public final class Division {
    /// Epochs of losses averaged (the code's 5).
    public let window: Int
    /// The stored losses, oldest first (at most `window`).
    public private(set) var history: [Tensor] = []

    public init(window: Int) throws {
        guard window >= 1 else { throw TensorError("division", "the history window must be at least 1 epoch, got \(window)") }
        self.window = window
    }

    /// One epoch: L_div of the (aligned) predictions against the candidates, min–max normalised
    /// and appended to the window, the mean over the window fitted by the GMM. Returns w (the
    /// clean posterior, (N)), the partial set 𝒫 = {i: w_i > τ} and the unlabeled set 𝒰 (int
    /// indices), the mean losses and the fitted mixture. `force` (bool (N)) puts samples in 𝒫
    /// with w = 1 (the few-shot labels). `classwise` (an option, not the paper's) fits one GMM per
    /// class of the candidate-restricted prediction, so that 𝒫 keeps the cleanest part of every
    /// class instead of whole classes the networks find hard; a class with fewer than
    /// `minClassSamples` samples keeps the global fit's w. The returned mixture is the global one.
    public func update(probs: Tensor, candidates: Tensor, threshold tau: Double, force: Tensor? = nil,
                       classwise: Bool = false, minClassSamples: Int = 20) throws
        -> (w: Tensor, partial: Tensor, unlabeled: Tensor, losses: Tensor, gmm: GMM1D) {
        let l = try CoReg.minMaxNormalize(try CoReg.divisionLoss(probs, candidates))
        try append(l)
        let avg = try Tensor.stack(history, axis: 0).mean(axes: [0])
        let g = try CoReg.divide(avg)
        var w = g.w
        if classwise {
            let cls = try CoReg.restrictToCandidates(probs, candidates).argmax(axis: 1).toInts()
            let v = avg.toDoubles()
            var wv = w.toDoubles()
            var rows = [[Int]](repeating: [], count: probs.shape[1])
            for (i, c) in cls.enumerated() { rows[Int(c)].append(i) }
            for r in rows where r.count >= Swift.max(minClassSamples, 2) {
                let x = r.map { v[$0] }
                let gc = try GMM1D.fit(x)
                for (i, p) in zip(r, gc.posteriorOfLow(x)) { wv[i] = p }
            }
            w = try Tensor.fromDoubles(wv, shape: [wv.count])
        }
        if let f = force {
            guard f.shape == w.shape else { throw TensorError("division", "force mask \(shapeString(f.shape)) does not match \(shapeString(w.shape)) samples") }
            w = try Tensor.where(f.to(.bool), Tensor(1.0), w)
        }
        let split = try CoReg.split(w, threshold: tau)
        return (w, split.partial, split.unlabeled, avg, g.gmm)
    }

    /// Appends one epoch's normalised losses, dropping the oldest beyond the window.
    public func append(_ losses: Tensor) throws {
        if let first = history.first, first.shape != losses.shape {
            throw TensorError("division", "losses \(shapeString(losses.shape)) do not match the history's \(shapeString(first.shape))")
        }
        history.append(losses)
        if history.count > window { history.removeFirst() }
    }

    /// Replaces the history (checkpoint restore): rows of a (K, N) tensor, K ≤ window.
    public func restore(_ h: Tensor) throws {
        history = []
        guard h.count > 0 else { return }
        guard h.rank == 2 else { throw TensorError("division", "expected a (K, N) history, got \(shapeString(h.shape))") }
        for k in 0..<h.shape[0] { try append(try h.select(axis: 0, index: k).contiguous()) }
    }
}

extension CoReg {
    /// The split at τ_div: 𝒫 = {i: w_i > τ}, 𝒰 = {i: w_i ≤ τ}, as int indices in sample order.
    public static func split(_ w: Tensor, threshold tau: Double) throws -> (partial: Tensor, unlabeled: Tensor) {
        guard w.rank == 1 else { throw TensorError("split", "expected w (N), got \(shapeString(w.shape))") }
        let inP = try w.gt(Tensor(tau))
        return (try inP.nonzero().reshape([-1]), try inP.logicalNot().nonzero().reshape([-1]))
    }
}
