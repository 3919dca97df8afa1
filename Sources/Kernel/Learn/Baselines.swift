#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Losses and label-update rules of the comparison methods (spec §5), each at batch level and
/// written from the papers' equations. Notation: logits z (N, C), p = softmax(z), candidate
/// matrix Y (N, C) with 0/1 entries (any dtype), confidences / weights w (N, C).
/// Training loops live in `scripts/baselines/*.coreg`; these are the per-batch pieces.
public enum Baselines {
    // MARK: confidences shared by PRODEN, RC and CAVL

    /// w⁰ = Y / |S|: the uniform confidence over each candidate set (PRODEN, RC and PiCO start
    /// from it). A row with no candidates becomes uniform over all classes.
    public static func uniformConfidence(_ candidates: Tensor) throws -> Tensor {
        guard candidates.rank == 2 else { throw TensorError("uniform_confidence", "expected candidates (N, C), got \(shapeString(candidates.shape))") }
        return try Tensor.noGrad {
            let y = try candidates.to(.float32)
            let s = try y.sum(axes: [1], keepdim: true)
            let uniform = try Tensor.full(y.shape, 1 / Double(y.shape[1]))
            return try Tensor.where(s.gt(Tensor(0)), y / s.clamp(min: 1), uniform).contiguous()
        }
    }

    /// The PRODEN / RC confidence update (Lv et al. 2020, eq. 8; Feng et al. 2020, §3.2):
    /// w_j = p_j / Σ_{k∈S} p_k for j ∈ S, 0 otherwise (no gradient). A row whose candidate mass
    /// is zero gets the uniform confidence over its candidates (over all classes when S = ∅).
    public static func candidateConfidence(_ probs: Tensor, _ candidates: Tensor) throws -> Tensor {
        try CoReg.checkPair("candidate_confidence", probs, candidates)
        return try Tensor.noGrad {
            let y = try candidates.to(.float32)
            let r = try probs.detach().to(.float32) * y
            let s = try r.sum(axes: [1], keepdim: true)
            return try Tensor.where(s.gt(Tensor(0)), r / s.clamp(min: 1e-30), uniformConfidence(y)).contiguous()
        }
    }

    /// Confidence-weighted cross-entropy −(1/N) Σ_i Σ_j w_ij log p_ij: the classifier loss of
    /// PRODEN (Lv et al. 2020, eq. 6), RC (Feng et al. 2020, eq. 7), CAVL (Zhang et al. 2022, with
    /// one-hot w) and PiCO (Wang et al. 2022, eq. 2). The weights carry no gradient.
    public static func weightedCE(_ logits: Tensor, _ weights: Tensor) throws -> Tensor {
        try CoReg.checkPair("weighted_ce", logits, weights)
        return try (weights.detach().to(.float32) * logits.logSoftmax(axis: 1)).sum(axes: [1]).mean().neg()
    }

    // MARK: CC (Feng et al. 2020)

    /// The classifier-consistent loss (Feng et al. 2020, eq. 5): −(1/N) Σ_i log Σ_{j∈S_i} p_ij.
    /// The inner sum is clamped at 1e-12 so that an empty candidate set gives a finite loss.
    public static func ccLoss(_ logits: Tensor, _ candidates: Tensor) throws -> Tensor {
        try CoReg.checkPair("cc_loss", logits, candidates)
        let m = try (logits.softmax(axis: 1) * candidates.to(.float32)).sum(axes: [1])
        return try m.clamp(min: 1e-12).log().mean().neg()
    }

    // MARK: LWC / LWS (Wen et al. 2021)

    /// Initial leveraged weights (Wen et al. 2021, §4): uniform over the candidates for j ∈ S
    /// and uniform over the non-candidates for j ∉ S (each part sums to 1; an empty part is 0).
    public static func lwInitialWeights(_ candidates: Tensor) throws -> Tensor {
        guard candidates.rank == 2 else { throw TensorError("lw_weights", "expected candidates (N, C), got \(shapeString(candidates.shape))") }
        return try Tensor.noGrad {
            let y = try candidates.to(.float32), ny = try 1 - y
            return try (y / y.sum(axes: [1], keepdim: true).clamp(min: 1) + ny / ny.sum(axes: [1], keepdim: true).clamp(min: 1)).contiguous()
        }
    }

    /// The LW weight update (Wen et al. 2021, §4, from the model's current predictions):
    /// w_j = p_j / Σ_{k∈S} p_k for j ∈ S and w_j = p_j / Σ_{k∉S} p_k for j ∉ S (no gradient).
    public static func lwWeights(_ probs: Tensor, _ candidates: Tensor) throws -> Tensor {
        try CoReg.checkPair("lw_weights", probs, candidates)
        return try Tensor.noGrad {
            let y = try candidates.to(.float32), ny = try 1 - y
            let p = try probs.detach().to(.float32)
            let a = try p * y, b = try p * ny
            return try (a / a.sum(axes: [1], keepdim: true).clamp(min: 1e-30) + b / b.sum(axes: [1], keepdim: true).clamp(min: 1e-30)).contiguous()
        }
    }

    /// The leveraged weighted loss (Wen et al. 2021, eq. 4) with ψ the cross-entropy (LWC):
    /// (1/N) Σ_i [ Σ_{j∈S} w_j (−log p_j) + β Σ_{j∉S} w_j (−log(1 − p_j)) ].
    public static func lwcLoss(_ logits: Tensor, _ candidates: Tensor, weights: Tensor, beta: Double = 1) throws -> Tensor {
        try CoReg.checkPair("lwc_loss", logits, candidates)
        try CoReg.checkPair("lwc_loss", logits, weights)
        let y = try candidates.to(.float32), w = try weights.detach().to(.float32)
        let p = try logits.softmax(axis: 1)
        let pos = try (w * y * p.clamp(min: 1e-12).log().neg()).sum(axes: [1])
        let neg = try (w * (1 - y) * (1 - p).clamp(min: 1e-12).log().neg()).sum(axes: [1])
        return try (pos + neg * beta).mean()
    }

    /// The same loss with ψ the sigmoid loss ψ(t) = σ(−t) (LWS, Wen et al. 2021):
    /// (1/N) Σ_i [ Σ_{j∈S} w_j σ(−z_j) + β Σ_{j∉S} w_j σ(z_j) ].
    public static func lwsLoss(_ logits: Tensor, _ candidates: Tensor, weights: Tensor, beta: Double = 1) throws -> Tensor {
        try CoReg.checkPair("lws_loss", logits, candidates)
        try CoReg.checkPair("lws_loss", logits, weights)
        let y = try candidates.to(.float32), w = try weights.detach().to(.float32)
        let pos = try (w * y * logits.neg().sigmoid()).sum(axes: [1])
        let neg = try (w * (1 - y) * logits.sigmoid()).sum(axes: [1])
        return try (pos + neg * beta).mean()
    }

    // MARK: CAVL (Zhang et al. 2022)

    /// The class activation value (Zhang et al. 2022, eq. 5): v_j = |z_j − 1| · z_j of the raw
    /// outputs z (no gradient).
    public static func classActivationValues(_ logits: Tensor) throws -> Tensor {
        try Tensor.noGrad { try ((logits.detach() - 1).abs() * logits.detach()).contiguous() }
    }

    /// argmax over the candidates of any score (N, C) → int32 (N); a row with no candidates
    /// takes the argmax over all classes.
    public static func maskedArgmax(_ scores: Tensor, _ candidates: Tensor) throws -> Tensor {
        try CoReg.checkPair("masked_argmax", scores, candidates)
        return try Tensor.noGrad {
            let y = try candidates.to(.float32)
            let has = try y.sum(axes: [1], keepdim: true).gt(Tensor(0))
            let allowed = try y.gt(Tensor(0)).logicalOr(has.logicalNot())
            return try Tensor.where(allowed, scores.detach().to(.float32), Tensor(-Double.infinity)).argmax(axis: 1)
        }
    }

    /// CAVL's label selection (Zhang et al. 2022, §3.2): the candidate with the largest CAV,
    /// as one-hot targets (N, C) for the cross-entropy.
    public static func cavlTargets(_ logits: Tensor, _ candidates: Tensor) throws -> Tensor {
        let lab = try maskedArgmax(try classActivationValues(logits), candidates)
        return try lab.oneHot(classes: logits.shape[1])
    }

    // MARK: PiCO (Wang et al. 2022)

    /// PiCO's prototype-based label disambiguation (Wang et al. 2022, eq. 9):
    /// s ← φ·s + (1 − φ)·onehot(argmax_{j∈S} q·μ_j), from prototype scores (N, C) (no gradient).
    public static func picoConfidence(_ confidence: Tensor, prototypeScores: Tensor, candidates: Tensor, phi: Double) throws -> Tensor {
        try CoReg.checkPair("pico_confidence", confidence, candidates)
        try CoReg.checkPair("pico_confidence", prototypeScores, candidates)
        guard (0...1).contains(phi) else { throw TensorError("pico_confidence", "phi must be in [0, 1], got \(phi)") }
        return try Tensor.noGrad {
            let z = try maskedArgmax(prototypeScores, candidates).oneHot(classes: candidates.shape[1])
            return try (confidence.to(.float32) * phi + z * (1 - phi)).contiguous()
        }
    }

    // MARK: ALIM (Xu et al. 2023)

    /// ALIM's adjusted label importance (Xu et al. 2023, eq. 3–4): the candidate mask relaxed
    /// to S + λ(1 − S), multiplied by the predictions p, then
    ///   onehot: onehot(argmax_j (S_j + λ(1 − S_j)) p_j);
    ///   scale:  ((S_j + λ(1 − S_j)) p_j)^{1/λ}, renormalised (λ > 0).
    /// λ = 0 is plain PLL disambiguation on S, λ = 1 ignores the candidate set.
    public static func alimTargets(_ probs: Tensor, _ candidates: Tensor, lambda: Double, scale: Bool) throws -> Tensor {
        try CoReg.checkPair("alim_targets", probs, candidates)
        guard lambda >= 0, lambda <= 1 else { throw TensorError("alim_targets", "lambda must be in [0, 1], got \(lambda)") }
        return try Tensor.noGrad {
            let y = try candidates.to(.float32)
            let r = try (y + (1 - y) * lambda) * probs.detach().to(.float32).clamp(min: 0)
            if !scale { return try r.argmax(axis: 1).oneHot(classes: y.shape[1]) }
            guard lambda > 0 else { throw TensorError("alim_targets", "the scale variant needs lambda > 0") }
            // (r)^{1/λ} in log space, normalised: softmax(log r / λ)
            let lr = try Tensor.where(r.gt(Tensor(0)), r.clamp(min: 1e-30).log() / lambda, Tensor(-Double.infinity))
            return try lr.softmax(axis: 1).contiguous()
        }
    }

    /// ALIM's adaptive λ (Xu et al. 2023, §3.3): with r_i = max_{j∉S} p_ij / max_{j∈S} p_ij, λ is the
    /// (1 − η)-quantile of r over the training set (η the estimated noise rate), so that about a
    /// fraction η of samples let a non-candidate win. Clamped to [0, 1].
    public static func alimAdaptiveLambda(_ probs: Tensor, _ candidates: Tensor, noiseRate eta: Double) throws -> Double {
        try CoReg.checkPair("alim_lambda", probs, candidates)
        guard (0...1).contains(eta) else { throw TensorError("alim_lambda", "noise rate must be in [0, 1], got \(eta)") }
        let p = try probs.detach().to(.float32).contiguous(), y = try candidates.to(.float32).contiguous()
        let (n, c) = (p.shape[0], p.shape[1])
        guard n > 0 else { return 0 }
        var ratios = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var inS: Float = 0, outS: Float = 0
            for j in 0..<c {
                let v = p.fptr[i * c + j]
                if y.fptr[i * c + j] > 0 { inS = Swift.max(inS, v) } else { outS = Swift.max(outS, v) }
            }
            ratios[i] = inS > 0 ? Double(outS / inS) : 1
        }
        ratios.sort()
        let k = Swift.min(n - 1, Swift.max(0, Int((Double(n) * (1 - eta)).rounded(.down))))
        return Swift.min(1, Swift.max(0, eta <= 0 ? 0 : ratios[k]))
    }

    // MARK: KD (Hinton, Vinyals and Dean 2015)

    /// Distillation from the annotator's soft labels q (N, C) at temperature T:
    /// T² · KL(q_T ‖ softmax(z / T)), batch mean, with q_T ∝ q^{1/T} (the teacher's softmax at
    /// temperature T when q = softmax(teacher logits)). T = 1 is KL(q ‖ p).
    public static func kdLoss(_ logits: Tensor, _ soft: Tensor, T: Double = 1) throws -> Tensor {
        guard T > 0 else { throw TensorError("kd_loss", "temperature must be positive, got \(T)") }
        try CoReg.checkPair("kd_loss", logits, soft)
        let q = T == 1 ? try soft.detach().to(.float32) : try CoReg.sharpen(soft.detach().to(.float32), T: T)
        return try CoReg.klDivBatchmean(logits / T, q) * (T * T)
    }

    // MARK: DivideMix (Li, Socher and Hoi 2020), co-divide on single labels

    /// Per-sample cross-entropy −log p_{i,y_i} (N), no gradient: DivideMix's division loss.
    public static func perSampleCE(_ logits: Tensor, _ labels: Tensor) throws -> Tensor {
        guard logits.rank == 2, labels.dtype == .int32, labels.shape == [logits.shape[0]] else {
            throw TensorError("per_sample_ce", "expected logits (N, C) and int32 labels (N), got \(shapeString(logits.shape)) and \(labels.dtype) \(shapeString(labels.shape))")
        }
        return try Tensor.noGrad {
            try logits.detach().to(.float32).logSoftmax(axis: 1).gather(axis: 1, index: labels.reshape([-1, 1])).reshape([-1]).neg().contiguous()
        }
    }

    // MARK: per-sample state

    /// Writes `values` (B, C) into rows `indices` (int32 (B)) of a contiguous float32 buffer
    /// (N, C), in place: the per-sample confidence tables of PRODEN, RC, LW, CAVL and PiCO.
    public static func setRows(_ buffer: Tensor, indices: Tensor, values: Tensor) throws {
        guard buffer.rank == 2, buffer.dtype == .float32, buffer.isContiguous, indices.dtype == .int32, indices.rank == 1,
              values.shape == [indices.shape[0], buffer.shape[1]] else {
            throw TensorError("set_rows", "expected a contiguous float32 buffer (N, C), int32 indices (B) and values (B, C); got \(shapeString(buffer.shape)), \(indices.dtype) \(shapeString(indices.shape)), \(shapeString(values.shape))")
        }
        let (n, c) = (buffer.shape[0], buffer.shape[1])
        let idx = indices.contiguous(), v = try values.detach().to(.float32).contiguous()
        for i in 0..<idx.count {
            let r = Int(idx.iptr[i])
            guard r >= 0 && r < n else { throw TensorError("set_rows", "index \(r) out of range for \(n) rows") }
            (buffer.fptr + r * c).update(from: v.fptr + i * c, count: c)
        }
    }
}
