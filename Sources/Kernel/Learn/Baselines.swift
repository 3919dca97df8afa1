#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Losses and label-update rules of the comparison methods (docs/baselines.md), each at batch level and
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
        try Losses.checkPair("candidate_confidence", probs, candidates)
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
        try Losses.checkPair("weighted_ce", logits, weights)
        return try (weights.detach().to(.float32) * logits.logSoftmax(axis: 1)).sum(axes: [1]).mean().neg()
    }

    // MARK: CC (Feng et al. 2020)

    /// The classifier-consistent loss (Feng et al. 2020, eq. 5): −(1/N) Σ_i log Σ_{j∈S_i} p_ij.
    /// The inner sum is clamped at 1e-12 so that an empty candidate set gives a finite loss.
    public static func ccLoss(_ logits: Tensor, _ candidates: Tensor) throws -> Tensor {
        try Losses.checkPair("cc_loss", logits, candidates)
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
        try Losses.checkPair("lw_weights", probs, candidates)
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
        try Losses.checkPair("lwc_loss", logits, candidates)
        try Losses.checkPair("lwc_loss", logits, weights)
        let y = try candidates.to(.float32), w = try weights.detach().to(.float32)
        let p = try logits.softmax(axis: 1)
        let pos = try (w * y * p.clamp(min: 1e-12).log().neg()).sum(axes: [1])
        let neg = try (w * (1 - y) * (1 - p).clamp(min: 1e-12).log().neg()).sum(axes: [1])
        return try (pos + neg * beta).mean()
    }

    /// The same loss with ψ the sigmoid loss ψ(t) = σ(−t) (LWS, Wen et al. 2021):
    /// (1/N) Σ_i [ Σ_{j∈S} w_j σ(−z_j) + β Σ_{j∉S} w_j σ(z_j) ].
    public static func lwsLoss(_ logits: Tensor, _ candidates: Tensor, weights: Tensor, beta: Double = 1) throws -> Tensor {
        try Losses.checkPair("lws_loss", logits, candidates)
        try Losses.checkPair("lws_loss", logits, weights)
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
        try Losses.checkPair("masked_argmax", scores, candidates)
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
        try Losses.checkPair("pico_confidence", confidence, candidates)
        try Losses.checkPair("pico_confidence", prototypeScores, candidates)
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
        try Losses.checkPair("alim_targets", probs, candidates)
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

    /// ALIM's adaptive λ (Xu et al. 2023; `piror_auto` case 1 of the authors' `train_merge.py`):
    /// with the margin m_i = max_{j∈S} p_ij / max_{j∉S} p_ij, λ is the ⌊N·η⌋-th smallest margin
    /// (η the estimated noise rate), so that a non-candidate outweighs the candidates, λ·max_{∉S} p >
    /// max_S p, for the fraction η of samples with the smallest margins. Clamped to [0, 1] (the
    /// authors' `--max1`, used in all their commands); η = 0 gives λ = 0 (plain PLL).
    public static func alimAdaptiveLambda(_ probs: Tensor, _ candidates: Tensor, noiseRate eta: Double) throws -> Double {
        try Losses.checkPair("alim_lambda", probs, candidates)
        guard (0...1).contains(eta) else { throw TensorError("alim_lambda", "noise rate must be in [0, 1], got \(eta)") }
        let p = try probs.detach().to(.float32).contiguous(), y = try candidates.to(.float32).contiguous()
        let (n, c) = (p.shape[0], p.shape[1])
        guard n > 0, eta > 0 else { return 0 }
        var margins = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var inS: Float = 0, outS: Float = 0
            for j in 0..<c {
                let v = p.fptr[i * c + j]
                if y.fptr[i * c + j] > 0 { inS = Swift.max(inS, v) } else { outS = Swift.max(outS, v) }
            }
            margins[i] = outS > 0 ? Double(inS / outS) : .infinity
        }
        margins.sort()
        let k = Swift.min(n - 1, Int((Double(n) * eta).rounded(.down)))
        return Swift.min(1, Swift.max(0, margins[k]))
    }

    // MARK: KD (Hinton, Vinyals and Dean 2015)

    /// Distillation from the annotator's soft labels q (N, C) at temperature T:
    /// T² · KL(q_T ‖ softmax(z / T)), batch mean, with q_T ∝ q^{1/T} (the teacher's softmax at
    /// temperature T when q = softmax(teacher logits)). T = 1 is KL(q ‖ p).
    public static func kdLoss(_ logits: Tensor, _ soft: Tensor, T: Double = 1) throws -> Tensor {
        guard T > 0 else { throw TensorError("kd_loss", "temperature must be positive, got \(T)") }
        try Losses.checkPair("kd_loss", logits, soft)
        let q = T == 1 ? try soft.detach().to(.float32) : try CoReg.sharpen(soft.detach().to(.float32), T: T)
        return try Losses.klDivBatchmean(logits / T, q) * (T * T)
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

    /// DivideMix's label refinement of the clean part: p̄ = the mean of the network's predictions
    /// over the views, ŷ = w·y + (1 − w)·p̄ with y the one-hot label and w the clean probability,
    /// then sharpened at temperature T. views: K ≥ 1 tables (N, C); w: (N). No gradient.
    public static func dividemixRefine(w: Tensor, labels y: Tensor, views: [Tensor], T: Double) throws -> Tensor {
        guard !views.isEmpty else { throw TensorError("dividemix_refine", "expected at least one view") }
        for v in views { try Losses.checkPair("dividemix_refine", v, y) }
        let pbar = try Tensor.noGrad { try CoReg.fuseUnlabeled(views.map { $0.detach() }) }
        return try Tensor.noGrad { try CoReg.sharpen(try CoReg.fusePartial(w: w.detach(), restricted: y.to(.float32), own: pbar), T: T).contiguous() }
    }

    /// DivideMix's co-guessing for the unlabelled part: the mean of both networks' predictions
    /// over the views, sharpened at temperature T. probs: K ≥ 1 tables (N, C). No gradient.
    public static func dividemixCoGuess(_ probs: [Tensor], T: Double) throws -> Tensor {
        guard let first = probs.first else { throw TensorError("dividemix_coguess", "expected at least one prediction table") }
        for p in probs { try Losses.checkPair("dividemix_coguess", p, first) }
        return try Tensor.noGrad { try CoReg.sharpen(try CoReg.fuseUnlabeled(probs.map { $0.detach() }), T: T).contiguous() }
    }

    /// Σ_c π_c log(π_c / p̄_c) with π uniform and p̄ the batch mean of softmax(z): DivideMix's
    /// regulariser that keeps a network from assigning every sample to a few classes.
    public static func uniformPriorPenalty(_ logits: Tensor) throws -> Tensor {
        guard logits.rank == 2, logits.shape[0] > 0, logits.shape[1] > 0 else {
            throw TensorError("prior_penalty", "expected logits (N, C) with N, C ≥ 1, got \(shapeString(logits.shape))")
        }
        let prior = try Tensor.ones([logits.shape[1]]) / Double(logits.shape[1])
        let pm = try logits.softmax(axis: 1).mean(axes: [0])
        return try (prior * (prior / pm).log()).sum()
    }

    /// DivideMix's loss on a mixed batch whose first `labelled` rows are the clean part:
    /// L_x = soft cross-entropy on those rows, L_u = mean squared error between the softmax and
    /// the targets on the rest (0 when there is none), and total = L_x + λ_u·L_u + the prior
    /// penalty over all rows.
    public static func dividemixLoss(_ logits: Tensor, targets: Tensor, labelled nx: Int, lambdaU: Double) throws
        -> (total: Tensor, lx: Tensor, lu: Tensor, penalty: Tensor) {
        guard logits.rank == 2, logits.shape == targets.shape, nx >= 1, nx <= logits.shape[0] else {
            throw TensorError("dividemix_loss", "expected logits and targets of one shape (N, C) and 1 ≤ labelled ≤ N, got \(shapeString(logits.shape)), \(shapeString(targets.shape)) and labelled \(nx)")
        }
        let st = try CoReg.selfTrainingLoss(logits, targets: targets, labelled: nx, weight: lambdaU)
        let penalty = try uniformPriorPenalty(logits)
        return (try st.loss + penalty, st.lx, st.lu, penalty)
    }

    // MARK: PiCO+ (Wang et al. 2022b)

    /// PiCO+'s distance-based reliable-set selection (Wang et al. 2022b, §5.1). Each sample has a
    /// distance d_i = −q_i·μ_{ŷ_i} from its embedding to the prototype of its candidate-restricted
    /// pseudo-label ŷ_i. Per class c, the ⌊ratio·n_c⌋ samples with the smallest distances among the
    /// n_c samples labelled c are reliable (ties: the lower index first), united with the samples
    /// flagged in `consistent` (their nearest prototype is one of their candidates).
    /// distances: (N) float; labels: int (N); consistent: bool (N) or nil. Returns bool (N).
    public static func picoPlusReliable(distances: Tensor, labels: Tensor, ratio: Double, consistent: Tensor? = nil) throws -> Tensor {
        guard distances.rank == 1, labels.dtype == .int32, labels.shape == distances.shape else {
            throw TensorError("pico_plus_reliable", "expected distances (N) and int labels (N), got \(shapeString(distances.shape)) and \(labels.dtype) \(shapeString(labels.shape))")
        }
        guard (0...1).contains(ratio) else { throw TensorError("pico_plus_reliable", "ratio must be in [0, 1], got \(ratio)") }
        if let c = consistent, c.shape != distances.shape {
            throw TensorError("pico_plus_reliable", "consistent flags must have shape \(shapeString(distances.shape)), got \(shapeString(c.shape))")
        }
        let d = distances.toDoubles(), lab = labels.toInts()
        var byClass: [Int32: [Int]] = [:]
        for i in 0..<d.count { byClass[lab[i], default: []].append(i) }
        var keep = [Bool](repeating: false, count: d.count)
        for (_, members) in byClass {
            let sorted = members.sorted { d[$0] != d[$1] ? d[$0] < d[$1] : $0 < $1 }
            let k = Int((Double(members.count) * ratio).rounded(.down))
            for i in sorted.prefix(k) { keep[i] = true }
        }
        if let c = consistent {
            let f = try c.to(.bool).contiguous()
            for i in 0..<keep.count where f.bptr[i] != 0 { keep[i] = true }
        }
        return try Tensor(bools: keep, shape: [keep.count])
    }

    /// The k nearest neighbours of each query among `features` by dot product (cosine similarity
    /// for unit vectors), no gradient: bool (B, M), true at the k largest q_i·f_j of row i. The
    /// query's own column counts when the query is among the features (PiCO+'s kNN positives;
    /// `picoPlusMasks` drops it). queries: (B, d); features: (M, d); 1 ≤ k ≤ M.
    public static func knnMask(queries: Tensor, features: Tensor, k: Int) throws -> Tensor {
        guard queries.rank == 2, features.rank == 2, queries.shape[1] == features.shape[1] else {
            throw TensorError("knn_mask", "expected queries (B, d) and features (M, d), got \(shapeString(queries.shape)) and \(shapeString(features.shape))")
        }
        let (b, m) = (queries.shape[0], features.shape[0])
        guard k >= 1, k <= m else { throw TensorError("knn_mask", "k must be in 1...\(m), got \(k)") }
        return try Tensor.noGrad {
            let sim = try queries.detach().to(.float32).matmul(features.detach().to(.float32).transpose(0, 1))
            let idx = try sim.topk(k, axis: 1).indices.contiguous()
            let out = try Tensor.zeros([b, m], dtype: .bool)
            for i in 0..<b { for t in 0..<k { out.bptr[i * m + Int(idx.iptr[i * k + t])] = 1 } }
            return out
        }
    }

    /// PiCO+'s contrastive masks (Wang et al. 2022b, §5.2) for B anchors against the M = 2B + Q
    /// elements [queries; keys; queue], from each element's pseudo-label (int (M)) and reliable flag
    /// (bool (M); anchors are the first B). A reliable anchor's positives are the reliable elements
    /// with its pseudo-label; an unreliable anchor's positives are its k nearest neighbours (`knn`,
    /// bool (B, M)), or none when knn is nil; every anchor's own key (column B + i) is positive.
    /// Every element but the anchor itself stays in the denominator. Returns (positive, allowed),
    /// bool (B, M), for `CoReg.noisySupCon`.
    public static func picoPlusMasks(labels: Tensor, reliable: Tensor, batch b: Int, knn: Tensor? = nil) throws -> (positive: Tensor, allowed: Tensor) {
        guard labels.rank == 1, reliable.shape == labels.shape, b >= 1, labels.shape[0] >= 2 * b else {
            throw TensorError("pico_plus_masks", "expected labels and reliable flags of the same length M ≥ 2·B (B = \(b)), got \(shapeString(labels.shape)) and \(shapeString(reliable.shape))")
        }
        let m = labels.shape[0]
        if let k = knn, k.shape != [b, m] {
            throw TensorError("pico_plus_masks", "expected knn (\(b), \(m)), got \(shapeString(k.shape))")
        }
        let lab = try labels.to(.int32).contiguous(), rel = try reliable.to(.bool).contiguous()
        let nn = try knn.map { try $0.to(.bool).contiguous() }
        let pos = Tensor(uninitialized: [b, m], dtype: .bool), allow = Tensor(uninitialized: [b, m], dtype: .bool)
        for i in 0..<b {
            let ri = rel.bptr[i] != 0
            for j in 0..<m {
                var p = ri ? (lab.iptr[j] == lab.iptr[i] && rel.bptr[j] != 0) : (nn.map { $0.bptr[i * m + j] != 0 } ?? false)
                if j == b + i { p = true }
                if j == i { p = false }
                pos.bptr[i * m + j] = p ? 1 : 0
                allow.bptr[i * m + j] = j == i ? 0 : 1
            }
        }
        return (pos, allow)
    }

    // MARK: CR-DPLL (Wu, Wang and Zhang 2022)

    /// CR-DPLL's supervised loss on the non-candidate labels (Wu, Wang and Zhang 2022, §3.1):
    /// −(1/N) Σ_i Σ_{j∉S_i} log(1 − p_ij + 1e-7), p = softmax(z) (the 1e-7 keeps p_ij = 1 finite).
    public static func complementaryLoss(_ logits: Tensor, _ candidates: Tensor) throws -> Tensor {
        try Losses.checkPair("complementary_loss", logits, candidates)
        let ny = try 1 - candidates.to(.float32)
        let l = try ((1 - logits.softmax(axis: 1)) + 1e-7).log()
        return try (l * ny).sum(axes: [1]).mean().neg()
    }

    /// CR-DPLL's conformal label distribution (Wu, Wang and Zhang 2022, §3.2): the normalised
    /// geometric mean of the K views' predictions restricted to the candidates,
    ///   q_j = y_j (Π_k p_kj)^{1/K} / Σ_l y_l (Π_k p_kl)^{1/K}   (no gradient).
    /// A row whose candidate set is empty uses all classes. probs: K ≥ 1 tables (N, C).
    public static func crdpllTarget(_ probs: [Tensor], _ candidates: Tensor) throws -> Tensor {
        guard !probs.isEmpty else { throw TensorError("crdpll_target", "expected at least one view") }
        for p in probs { try Losses.checkPair("crdpll_target", p, candidates) }
        return try Tensor.noGrad {
            let y = try candidates.to(.float32)
            var lg = try Tensor.zeros(y.shape)
            for p in probs { lg = try lg + p.detach().to(.float32).clamp(min: 1e-30).log() }
            lg = try lg / Double(probs.count)
            let has = try y.sum(axes: [1], keepdim: true).gt(Tensor(0))
            let allowed = try y.gt(Tensor(0)).logicalOr(has.logicalNot())
            return try Tensor.where(allowed, lg, Tensor(-Double.infinity)).softmax(axis: 1).contiguous()
        }
    }

    // MARK: IRNet (Lian et al. 2022)

    /// IRNet's noisy-sample detection and label correction (Lian et al. 2022, §3.2–3.3), no
    /// gradient. A sample is detected as noisy when, in every view k, its best non-candidate beats
    /// its best candidate by more than `threshold` (max_{j∉S} p_kj > max_{j∈S} p_kj + threshold) and
    /// all views name the same non-candidate ŷ. Its candidate set gains ŷ, and its confidence gets
    /// w_ŷ = max_{j∉S} p_1j (the first view), renormalised. views: K ≥ 1 probability tables (N, C);
    /// candidates, confidence: (N, C). Returns the new candidates and confidences (fresh tensors)
    /// and the added label per sample (int (N), −1 where nothing changed).
    public static func irnetRefine(views: [Tensor], candidates: Tensor, confidence: Tensor, threshold: Double) throws -> (candidates: Tensor, confidence: Tensor, added: Tensor) {
        guard !views.isEmpty else { throw TensorError("irnet_refine", "expected at least one view") }
        for p in views { try Losses.checkPair("irnet_refine", p, candidates) }
        try Losses.checkPair("irnet_refine", confidence, candidates)
        let (n, c) = (candidates.shape[0], candidates.shape[1])
        let ps = try views.map { try $0.detach().to(.float32).contiguousCopy() }
        let y = try candidates.to(.float32).contiguousCopy(), w = try confidence.detach().to(.float32).contiguousCopy()
        var added = [Int32](repeating: -1, count: n)
        for i in 0..<n {
            var label = -1, value: Float = 0, noisy = true
            for (k, p) in ps.enumerated() {
                var inS: Float = 0, outS: Float = -1, arg = -1
                for j in 0..<c {
                    let v = p.fptr[i * c + j]
                    if y.fptr[i * c + j] > 0 { inS = Swift.max(inS, v) } else if v > outS { outS = v; arg = j }
                }
                if arg < 0 || Double(outS) <= Double(inS) + threshold || (k > 0 && arg != label) { noisy = false; break }
                if k == 0 { label = arg; value = outS }
            }
            guard noisy else { continue }
            y.fptr[i * c + label] = 1
            w.fptr[i * c + label] = value
            var s: Float = 0
            for j in 0..<c { s += w.fptr[i * c + j] }
            if s > 0 { for j in 0..<c { w.fptr[i * c + j] /= s } }
            added[i] = Int32(label)
        }
        return (y, w, try Tensor(ints: added, shape: [n]))
    }

    // MARK: PaPi (Xia et al. 2023)

    /// PaPi's confidence update (Xia et al. 2023, §3.3): s ← φ·s + (1 − φ)·p̃, where p̃ is the
    /// classifier's prediction restricted to the candidates and renormalised (`candidateConfidence`),
    /// no gradient.
    public static func papiConfidence(_ confidence: Tensor, probs: Tensor, candidates: Tensor, phi: Double) throws -> Tensor {
        try Losses.checkPair("papi_confidence", confidence, candidates)
        guard (0...1).contains(phi) else { throw TensorError("papi_confidence", "phi must be in [0, 1], got \(phi)") }
        let r = try candidateConfidence(probs, candidates)
        return try Tensor.noGrad { try (confidence.detach().to(.float32) * phi + r * (1 - phi)).contiguous() }
    }

    /// The mixup-consistent KL of PaPi's prototype alignment (Xia et al. 2023, eq. 6; Co-Reg's
    /// L_prot, docs/method.md): l·KL(t ‖ softmax(z)) + (1 − l)·KL(t[perm] ‖ softmax(z)), each the batch
    /// mean over rows (KLDivLoss batchmean). logits: (B, C) of the mixed inputs; targets: (B, C)
    /// of the unmixed ones; perm: int (B), the mixup permutation; lambda: the mixing weight l.
    public static func mixupKL(_ logits: Tensor, targets: Tensor, perm: Tensor, lambda l: Double) throws -> Tensor {
        guard logits.rank == 2, targets.shape == logits.shape, perm.dtype == .int32, perm.shape == [logits.shape[0]] else {
            throw TensorError("mixup_kl", "expected logits and targets (B, C) and an int permutation (B), got \(shapeString(logits.shape)), \(shapeString(targets.shape)) and \(perm.dtype) \(shapeString(perm.shape))")
        }
        return try Losses.mixupKL(logits, targets, try targets.detach().indexSelect(axis: 0, index: perm), lambda: l)
    }

    // MARK: per-sample state

    /// Writes `values` (B, C) into rows `indices` (int32 (B)) of a contiguous float32 buffer
    /// (N, C), in place: the per-sample confidence tables of PRODEN, RC, LW, CAVL, PiCO(+), CR-DPLL and
    /// PaPi, and IRNet's refined candidate sets.
    public static func setRows(_ buffer: Tensor, indices: Tensor, values: Tensor) throws {
        guard buffer.rank == 2, buffer.dtype == .float32, buffer.isContiguous, indices.dtype == .int32, indices.rank == 1,
              values.shape == [indices.shape[0], buffer.shape[1]] else {
            throw TensorError("set_rows", "expected a contiguous float32 buffer (N, C), int32 indices (B) and values (B, C); got \(shapeString(buffer.shape)), \(indices.dtype) \(shapeString(indices.shape)), \(shapeString(values.shape))")
        }
        try buffer.copyRows(values, to: indices.toInts().map { Int($0) })
    }
}
