import Kernel

/// The `baselines` module: losses and label-update rules of the comparison methods
/// (Kernel/Learn/Baselines.swift, spec §5), composed by `scripts/baselines/*.coreg`. Components
/// shared with Co-Reg (prototypes, queue, SupCon, divide, mixup, sharpen) stay in `coreg`.
func registerBaselinesModule(_ r: Registry) {
    let m = r.module("baselines", doc: "Baseline PLL / NPLL / noisy-label losses and label updates (spec §5): PRODEN, CC, RC, LWC, LWS, CAVL, PiCO, ALIM, KD, DivideMix.")
    func t(_ a: Arguments, _ i: Int, _ what: String) throws -> Tensor {
        do { return try toTensor(a[i], what: what) } catch { throw a.argumentError(i, expected: "tensor", got: a[i]) }
    }
    m.add("uniform_confidence(candidates)", doc: "Y / |S| per row (uniform over all classes when S is empty): the initial confidences of PRODEN, RC, CAVL, PiCO.") { a in
        wrap(try Baselines.uniformConfidence(try t(a, 0, "candidates")))
    }
    m.add("candidate_confidence(probs: tensor, candidates)", doc: "PRODEN (Lv et al. 2020) / RC (Feng et al. 2020) update: p restricted to S, renormalised (no gradient).") { a in
        wrap(try Baselines.candidateConfidence(try t(a, 0, "probs"), try t(a, 1, "candidates")))
    }
    m.add("weighted_ce(logits: tensor, weights: tensor)", doc: "−mean_i Σ_j w_ij log softmax(z)_ij with the weights detached (PRODEN, RC, CAVL, PiCO classifier loss).") { a in
        wrap(try Baselines.weightedCE(try t(a, 0, "logits"), try t(a, 1, "weights")))
    }
    m.add("cc_loss(logits: tensor, candidates)", doc: "CC (Feng et al. 2020): −mean_i log Σ_{j∈S_i} p_ij.") { a in
        wrap(try Baselines.ccLoss(try t(a, 0, "logits"), try t(a, 1, "candidates")))
    }
    m.add("lw_initial_weights(candidates)", doc: "LW (Wen et al. 2021) initial weights: uniform over S on S, uniform over the non-candidates off S.") { a in
        wrap(try Baselines.lwInitialWeights(try t(a, 0, "candidates")))
    }
    m.add("lw_weights(probs: tensor, candidates)", doc: "LW weight update: p renormalised over S on S and over the non-candidates off S (no gradient).") { a in
        wrap(try Baselines.lwWeights(try t(a, 0, "probs"), try t(a, 1, "candidates")))
    }
    m.add("lwc_loss(logits: tensor, candidates, weights: tensor, beta: float = 1)", doc: "LWC (Wen et al. 2021): mean_i Σ_{S} w_j(−log p_j) + β Σ_{¬S} w_j(−log(1 − p_j)).") { a in
        wrap(try Baselines.lwcLoss(try t(a, 0, "logits"), try t(a, 1, "candidates"), weights: try t(a, 2, "weights"), beta: try a.double(3)))
    }
    m.add("lws_loss(logits: tensor, candidates, weights: tensor, beta: float = 1)", doc: "LWS (Wen et al. 2021): mean_i Σ_{S} w_j σ(−z_j) + β Σ_{¬S} w_j σ(z_j) (sigmoid loss).") { a in
        wrap(try Baselines.lwsLoss(try t(a, 0, "logits"), try t(a, 1, "candidates"), weights: try t(a, 2, "weights"), beta: try a.double(3)))
    }
    m.add("cav(logits: tensor)", doc: "CAVL's class activation value |z − 1|·z (Zhang et al. 2022), no gradient.") { a in
        wrap(try Baselines.classActivationValues(try t(a, 0, "logits")))
    }
    m.add("masked_argmax(scores: tensor, candidates)", doc: "argmax over the candidates of each row (over all classes when S is empty) → int (N).") { a in
        wrap(try Baselines.maskedArgmax(try t(a, 0, "scores"), try t(a, 1, "candidates")))
    }
    m.add("cavl_targets(logits: tensor, candidates)", doc: "CAVL label selection: one-hot of argmax_{j∈S} |z_j − 1|·z_j.") { a in
        wrap(try Baselines.cavlTargets(try t(a, 0, "logits"), try t(a, 1, "candidates")))
    }
    m.add("pico_confidence(confidence: tensor, scores: tensor, candidates, phi: float = 0.99)", doc: "PiCO (Wang et al. 2022) disambiguation: φ·s + (1 − φ)·onehot(argmax_{j∈S} prototype score).") { a in
        wrap(try Baselines.picoConfidence(try t(a, 0, "confidence"), prototypeScores: try t(a, 1, "scores"), candidates: try t(a, 2, "candidates"), phi: try a.double(3)))
    }
    m.add("alim_targets(probs: tensor, candidates, lambda: float, variant: string = \"scale\")", doc: "ALIM (Xu et al. 2023): (S + λ(1 − S))·p, then onehot(argmax) or (·)^(1/λ) renormalised (variant \"onehot\" or \"scale\").") { a in
        let v = try a.string(3)
        guard v == "onehot" || v == "scale" else { throw a.argumentError(3, "variant must be \"onehot\" or \"scale\", got \"\(v)\"") }
        return wrap(try Baselines.alimTargets(try t(a, 0, "probs"), try t(a, 1, "candidates"), lambda: try a.double(2), scale: v == "scale"))
    }
    m.add("alim_lambda(probs: tensor, candidates, noise_rate: float)", doc: "ALIM's adaptive λ: the (1 − η)-quantile of max_{¬S} p / max_S p over the samples.") { a in
        .float(try Baselines.alimAdaptiveLambda(try t(a, 0, "probs"), try t(a, 1, "candidates"), noiseRate: try a.double(2)))
    }
    m.add("kd_loss(logits: tensor, soft: tensor, T: float = 1)", doc: "KD (Hinton et al. 2015): T²·KL(q_T ‖ softmax(z/T)), q_T ∝ q^(1/T), batch mean.") { a in
        wrap(try Baselines.kdLoss(try t(a, 0, "logits"), try t(a, 1, "soft"), T: try a.double(2)))
    }
    m.add("per_sample_ce(logits: tensor, labels: tensor)", doc: "−log p_{i,y_i} per sample (N), no gradient: DivideMix's division loss.") { a in
        wrap(try Baselines.perSampleCE(try t(a, 0, "logits"), try t(a, 1, "labels")))
    }
    m.add("set_rows(buffer: tensor, indices: tensor, values: tensor)", doc: "buffer[indices] = values for a float32 (N, C) table, in place (per-sample confidences).") { a in
        try Baselines.setRows(try t(a, 0, "buffer"), indices: try t(a, 1, "indices"), values: try t(a, 2, "values"))
        return .null
    }
}
