import Kernel

/// The `baselines` module: losses and label-update rules of the comparison methods
/// (Kernel/Learn/Baselines.swift, docs/baselines.md), composed by `scripts/baselines/*.coreg`. Components
/// shared with Co-Reg (prototypes, queue, SupCon, divide, mixup, sharpen) stay in `coreg`.
func registerBaselinesModule(_ r: Registry) {
    let m = r.module("baselines", doc: "Baseline PLL / NPLL / noisy-label losses and label updates (docs/baselines.md): PRODEN, CC, RC, LWC, LWS, CAVL, PiCO, PiCO+, CR-DPLL, IRNet, PaPi, ALIM, KD, DivideMix.")
    m.add("uniform_confidence(candidates)", doc: "Y / |S| per row (uniform over all classes when S is empty): the initial confidences of PRODEN, RC, CAVL, PiCO.") { a in
        wrap(try Baselines.uniformConfidence(try a.tensor(0)))
    }
    m.add("candidate_confidence(probs: tensor, candidates)", doc: "PRODEN (Lv et al. 2020) / RC (Feng et al. 2020) update: p restricted to S, renormalised (no gradient).") { a in
        wrap(try Baselines.candidateConfidence(try a.tensor(0), try a.tensor(1)))
    }
    m.add("weighted_ce(logits: tensor, weights: tensor)", doc: "−mean_i Σ_j w_ij log softmax(z)_ij with the weights detached (PRODEN, RC, CAVL, PiCO classifier loss).") { a in
        wrap(try Baselines.weightedCE(try a.tensor(0), try a.tensor(1)))
    }
    m.add("cc_loss(logits: tensor, candidates)", doc: "CC (Feng et al. 2020): −mean_i log Σ_{j∈S_i} p_ij.") { a in
        wrap(try Baselines.ccLoss(try a.tensor(0), try a.tensor(1)))
    }
    m.add("lw_initial_weights(candidates)", doc: "LW (Wen et al. 2021) initial weights: uniform over S on S, uniform over the non-candidates off S.") { a in
        wrap(try Baselines.lwInitialWeights(try a.tensor(0)))
    }
    m.add("lw_weights(probs: tensor, candidates)", doc: "LW weight update: p renormalised over S on S and over the non-candidates off S (no gradient).") { a in
        wrap(try Baselines.lwWeights(try a.tensor(0), try a.tensor(1)))
    }
    m.add("lwc_loss(logits: tensor, candidates, weights: tensor, beta: float = 1)", doc: "LWC (Wen et al. 2021): mean_i Σ_{S} w_j(−log p_j) + β Σ_{¬S} w_j(−log(1 − p_j)).") { a in
        wrap(try Baselines.lwcLoss(try a.tensor(0), try a.tensor(1), weights: try a.tensor(2), beta: try a.double(3)))
    }
    m.add("lws_loss(logits: tensor, candidates, weights: tensor, beta: float = 1)", doc: "LWS (Wen et al. 2021): mean_i Σ_{S} w_j σ(−z_j) + β Σ_{¬S} w_j σ(z_j) (sigmoid loss).") { a in
        wrap(try Baselines.lwsLoss(try a.tensor(0), try a.tensor(1), weights: try a.tensor(2), beta: try a.double(3)))
    }
    m.add("cav(logits: tensor)", doc: "CAVL's class activation value |z − 1|·z (Zhang et al. 2022), no gradient.") { a in
        wrap(try Baselines.classActivationValues(try a.tensor(0)))
    }
    m.add("masked_argmax(scores: tensor, candidates)", doc: "argmax over the candidates of each row (over all classes when S is empty) → int (N).") { a in
        wrap(try Baselines.maskedArgmax(try a.tensor(0), try a.tensor(1)))
    }
    m.add("cavl_targets(logits: tensor, candidates)", doc: "CAVL label selection: one-hot of argmax_{j∈S} |z_j − 1|·z_j.") { a in
        wrap(try Baselines.cavlTargets(try a.tensor(0), try a.tensor(1)))
    }
    m.add("pico_confidence(confidence: tensor, scores: tensor, candidates, phi: float = 0.99)", doc: "PiCO (Wang et al. 2022) disambiguation: φ·s + (1 − φ)·onehot(argmax_{j∈S} prototype score).") { a in
        wrap(try Baselines.picoConfidence(try a.tensor(0), prototypeScores: try a.tensor(1), candidates: try a.tensor(2), phi: try a.double(3)))
    }
    m.add("alim_targets(probs: tensor, candidates, lambda: float, variant: string = \"scale\")", doc: "ALIM (Xu et al. 2023): (S + λ(1 − S))·p, then onehot(argmax) or (·)^(1/λ) renormalised (variant \"onehot\" or \"scale\").") { a in
        let v = try a.string(3)
        guard v == "onehot" || v == "scale" else { throw a.argumentError(3, "variant must be \"onehot\" or \"scale\", got \"\(v)\"") }
        return wrap(try Baselines.alimTargets(try a.tensor(0), try a.tensor(1), lambda: try a.double(2), scale: v == "scale"))
    }
    m.add("alim_lambda(probs: tensor, candidates, noise_rate: float)", doc: "ALIM's adaptive λ: the ⌊N·η⌋-th smallest margin max_S p / max_{¬S} p over the samples, clamped to [0, 1].") { a in
        .float(try Baselines.alimAdaptiveLambda(try a.tensor(0), try a.tensor(1), noiseRate: try a.double(2)))
    }
    m.add("kd_loss(logits: tensor, soft: tensor, T: float = 1)", doc: "KD (Hinton et al. 2015): T²·KL(q_T ‖ softmax(z/T)), q_T ∝ q^(1/T), batch mean.") { a in
        wrap(try Baselines.kdLoss(try a.tensor(0), try a.tensor(1), T: try a.double(2)))
    }
    m.add("per_sample_ce(logits: tensor, labels: tensor)", doc: "−log p_{i,y_i} per sample (N), no gradient: DivideMix's division loss.") { a in
        wrap(try Baselines.perSampleCE(try a.tensor(0), try a.tensor(1)))
    }
    m.add("dividemix_refine(w: tensor, labels: tensor, views: list, T: float = 0.5)",
          doc: "DivideMix (Li et al. 2020) label refinement: sharpen(w·y + (1 − w)·p̄, T), p̄ the mean of the network's predictions over the views, y one-hot (N, C), w (N); no gradient.") { a in
        let vs = try a.list(2).items.map { try toTensor($0, what: "views") }
        return wrap(try Baselines.dividemixRefine(w: try a.tensor(0), labels: try a.tensor(1), views: vs, T: try a.double(3)))
    }
    m.add("dividemix_coguess(probs: list, T: float = 0.5)", doc: "DivideMix co-guessing: sharpen(mean of both networks' predictions over the views, T); no gradient.") { a in
        let ps = try a.list(0).items.map { try toTensor($0, what: "probs") }
        return wrap(try Baselines.dividemixCoGuess(ps, T: try a.double(1)))
    }
    m.add("prior_penalty(logits: tensor)", doc: "Σ_c π_c log(π_c / p̄_c), π uniform, p̄ the batch mean of softmax(z): DivideMix's regulariser.") { a in
        wrap(try Baselines.uniformPriorPenalty(try a.tensor(0)))
    }
    m.add("dividemix_loss(logits: tensor, targets: tensor, labelled: int, lambda_u: float)",
          doc: "DivideMix on a mixed batch whose first `labelled` rows are the clean part: {loss = lx + λ_u·lu + penalty, lx (soft CE), lu (MSE on probabilities, 0 without unlabelled rows), penalty}.") { a in
        let r = try Baselines.dividemixLoss(try a.tensor(0), targets: try a.tensor(1), labelled: try a.int(2), lambdaU: try a.double(3))
        return record([("loss", wrap(r.total)), ("lx", wrap(r.lx)), ("lu", wrap(r.lu)), ("penalty", wrap(r.penalty))])
    }
    m.add("pico_plus_reliable(distances: tensor, labels: tensor, ratio: float = 0.6, consistent: tensor? = nil)",
          doc: "PiCO+ (Wang et al. 2022b) reliable set: per pseudo-label class the ⌊ratio·n_c⌋ samples nearest their prototype (smallest distance), united with the `consistent` flags (nearest prototype ∈ S) → bool (N).") { a in
        wrap(try Baselines.picoPlusReliable(distances: try a.tensor(0), labels: try a.tensor(1), ratio: try a.double(2),
                                            consistent: a.isNull(3) ? nil : try a.tensor(3)))
    }
    m.add("knn_mask(queries: tensor, features: tensor, k: int = 16)", doc: "bool (B, M): the k largest q_i·f_j of each row (PiCO+'s kNN positives), no gradient.") { a in
        wrap(try Baselines.knnMask(queries: try a.tensor(0), features: try a.tensor(1), k: try a.int(2)))
    }
    m.add("pico_plus_masks(labels: tensor, reliable: tensor, batch: int, knn: tensor? = nil)",
          doc: "PiCO+ contrastive masks over [q; k; queue]: reliable anchors → reliable same-label positives, unreliable → kNN positives (none without knn), own key always; all but self allowed: {positive, allowed}.") { a in
        let (p, al) = try Baselines.picoPlusMasks(labels: try a.tensor(0), reliable: try a.tensor(1), batch: try a.int(2),
                                                  knn: a.isNull(3) ? nil : try a.tensor(3))
        return record([("positive", wrap(p)), ("allowed", wrap(al))])
    }
    m.add("complementary_loss(logits: tensor, candidates)", doc: "CR-DPLL (Wu et al. 2022) supervised term: −mean_i Σ_{j∉S_i} log(1 − p_ij + 1e-7).") { a in
        wrap(try Baselines.complementaryLoss(try a.tensor(0), try a.tensor(1)))
    }
    m.add("crdpll_target(probs: list, candidates)", doc: "CR-DPLL conformal label distribution: the views' geometric mean (Π_k p_k)^(1/K) on S, renormalised (no gradient).") { a in
        let ps = try a.list(0).items.map { try toTensor($0, what: "probs") }
        return wrap(try Baselines.crdpllTarget(ps, try a.tensor(1)))
    }
    m.add("irnet_refine(views: list, candidates, confidence: tensor, threshold: float = 0.2)",
          doc: "IRNet (Lian et al. 2022): samples whose best non-candidate beats the best candidate by > threshold in every view (same label ŷ) gain ŷ in S, with confidence max_{¬S} p of view 1, renormalised: {candidates, confidence, added (int, −1 = unchanged)}.") { a in
        let vs = try a.list(0).items.map { try toTensor($0, what: "views") }
        let r = try Baselines.irnetRefine(views: vs, candidates: try a.tensor(1), confidence: try a.tensor(2), threshold: try a.double(3))
        return record([("candidates", wrap(r.candidates)), ("confidence", wrap(r.confidence)), ("added", wrap(r.added))])
    }
    m.add("papi_confidence(confidence: tensor, probs: tensor, candidates, phi: float = 0.99)", doc: "PaPi (Xia et al. 2023) update: φ·s + (1 − φ)·(p on S, renormalised), no gradient.") { a in
        wrap(try Baselines.papiConfidence(try a.tensor(0), probs: try a.tensor(1), candidates: try a.tensor(2), phi: try a.double(3)))
    }
    m.add("mixup_kl(logits: tensor, targets: tensor, perm: tensor, lambda: float)", doc: "l·KL(t ‖ softmax(z)) + (1 − l)·KL(t[perm] ‖ softmax(z)), batch means (PaPi's prototype alignment, Co-Reg's L_prot).") { a in
        wrap(try Baselines.mixupKL(try a.tensor(0), targets: try a.tensor(1), perm: try a.tensor(2), lambda: try a.double(3)))
    }
    m.add("set_rows(buffer: tensor, indices: tensor, values: tensor)", doc: "buffer[indices] = values for a float32 (N, C) table, in place (per-sample confidences).") { a in
        try Baselines.setRows(try a.tensor(0), indices: try a.tensor(1), values: try a.tensor(2))
        return .null
    }
}
