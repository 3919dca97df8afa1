import Kernel

/// The `coreg` module: Co-Reg's components (Kernel/Learn/CoReg/, one file per section of the
/// paper; docs/method.md) at batch level,
/// so that `scripts/coreg.coreg` can compose the method and any part can be switched off,
/// swapped or re-weighted in one line.

/// A fitted two-component GMM (the division step), for inspection and plots.
final class GMMObject: ScriptObject {
    let gmm: GMM1D
    init(_ g: GMM1D) { gmm = g }
    var typeName: String { "gmm" }
    var memberNames: [String] { ["means", "stds", "weights", "iterations", "converged", "low", "density", "curves"] }
    func member(_ name: String) throws -> Value? {
        switch name {
        case "means": return .list(ScriptList(gmm.means.map { .float($0) }))
        case "stds": return .list(ScriptList(gmm.variances.map { .float($0.squareRoot()) }))
        case "weights": return .list(ScriptList(gmm.weights.map { .float($0) }))
        case "iterations": return .int(gmm.iterations)
        case "converged": return .bool(gmm.converged)
        case "low": return .int(gmm.lowComponent)
        case "curves":
            // for plot.hist(…, curves = gmm.curves): the two weighted Gaussian components
            return .list(ScriptList((0..<2).map { j in
                record([("mean", .float(gmm.means[j])), ("std", .float(gmm.variances[j].squareRoot())),
                        ("weight", .float(gmm.weights[j])), ("label", .string(j == gmm.lowComponent ? "clean (low loss)" : "noisy (high loss)"))])
            }))
        case "density":
            return .native(NativeFunction("density(x: number)", doc: "Mixture density and its two weighted components at x: {total, components}.") { args in
                let d = self.gmm.density(try args.double(0))
                return record([("total", .float(d.total)), ("components", .list(ScriptList(d.components.map { .float($0) })))])
            })
        default: return nil
        }
    }
    var scriptDescription: String {
        String(format: "<gmm means (%.4f, %.4f), stds (%.4f, %.4f), weights (%.3f, %.3f), %d iterations>",
               gmm.means[0], gmm.means[1], gmm.variances[0].squareRoot(), gmm.variances[1].squareRoot(),
               gmm.weights[0], gmm.weights[1], gmm.iterations)
    }
}

final class AlignmentObject: ScriptObject {
    let da: DistributionAlignment
    init(_ d: DistributionAlignment) { da = d }
    var typeName: String { "distribution_alignment" }
    var memberNames: [String] { ["buffer", "prior", "store", "align"] }
    func member(_ name: String) throws -> Value? {
        switch name {
        case "buffer": return wrap(da.buffer)
        case "prior": return wrap(da.prior)
        case "store":
            return .native(NativeFunction("store(indices: tensor, probs: tensor)", doc: "Overwrites the stored predictions of these samples.") { args in
                try self.da.store(indices: try args.tensor(0), probs: try args.tensor(1))
                return .null
            })
        case "align":
            return .native(NativeFunction("align(probs: tensor)", doc: "p / (mean stored prediction / prior), renormalised.") { args in
                wrap(try self.da.align(try args.tensor(0)))
            })
        default: return nil
        }
    }
}

final class QueueObject: ScriptObject {
    let q: ContrastQueue
    init(_ q: ContrastQueue) { self.q = q }
    var typeName: String { "queue" }
    var memberNames: [String] { ["features", "targets", "flags", "pointer", "size", "enqueue", "set_pointer"] }
    var length: Int? { q.size }
    func member(_ name: String) throws -> Value? {
        switch name {
        case "features": return wrap(q.features)
        case "targets": return wrap(q.targets)
        case "flags": return wrap(q.flags)
        case "pointer": return .int(q.pointer)
        case "size": return .int(q.size)
        case "enqueue":
            return .native(NativeFunction("enqueue(features: tensor, targets: tensor, flags: tensor)", doc: "Writes a batch of keys with their targets and 𝒫 flags at the pointer.") { args in
                try self.q.enqueue(features: try args.tensor(0), targets: try args.tensor(1),
                                   flags: try args.tensor(2))
                return .null
            })
        case "set_pointer":
            return .native(NativeFunction("set_pointer(p: int)", doc: "Restores the write position (checkpoints).") { args in
                try self.q.setPointer(try args.int(0))
                return .null
            })
        default: return nil
        }
    }
}

/// One network's division state: the window of normalised losses and the split (§2.2).
final class DivisionObject: ScriptObject {
    let division: Division
    init(_ d: Division) { division = d }
    var typeName: String { "division" }
    var memberNames: [String] { ["window", "history", "update", "restore"] }
    func member(_ name: String) throws -> Value? {
        switch name {
        case "window": return .int(division.window)
        case "history":
            // (K, N) for checkpoints; (0) before the first epoch
            return wrap(division.history.isEmpty ? try Tensor.zeros([0]) : try Tensor.stack(division.history, axis: 0))
        case "update":
            return .native(NativeFunction("update(probs: tensor, candidates: tensor, tau: float = 0.5, force: tensor? = nil, classwise: bool = false)",
                                          doc: "One epoch's division (eq. 4): L_div of the aligned predictions, min–max normalised into the window, the window's mean fitted by the GMM, the split at τ; force (bool, N) puts samples in 𝒫 with w = 1; classwise=true fits one GMM per class of the restricted prediction (an option, not the paper's). → {w, partial, unlabeled, losses, gmm}.") { args in
                let r = try self.division.update(probs: try args.tensor(0), candidates: try args.tensor(1),
                                                 threshold: try args.double(2), force: args.isNull(3) ? nil : try args.tensor(3),
                                                 classwise: try args.bool(4))
                return record([("w", wrap(r.w)), ("partial", wrap(r.partial)), ("unlabeled", wrap(r.unlabeled)),
                               ("losses", wrap(r.losses)), ("gmm", .object(GMMObject(r.gmm)))])
            })
        case "restore":
            return .native(NativeFunction("restore(history: tensor)", doc: "Replaces the window with the rows of a (K, N) history (checkpoints).") { args in
                try self.division.restore(try args.tensor(0))
                return .null
            })
        default: return nil
        }
    }
}

func registerCoRegModule(_ r: Registry) {
    let m = r.module("coreg", doc: "Co-Reg's components (docs/method.md), each at batch level.")
    m.add("partial_ce(logits: tensor, candidates)", doc: "Warm-up L_sup: −log(Σ_j y_j f_j + 1e-5), averaged over samples whose set is not every class.") { a in
        wrap(try CoReg.partialCE(try a.tensor(0), try a.tensor(1)))
    }
    m.add("neg_entropy(logits: tensor)", doc: "Warm-up L_neg: Σ_j f_j log f_j, batch mean.") { a in
        wrap(try CoReg.negativeEntropy(try a.tensor(0)))
    }
    m.add("division_loss(probs: tensor, candidates)", doc: "L_div = −log max_{j∈S} p_j per sample (no gradient).") { a in
        wrap(try CoReg.divisionLoss(try a.tensor(0), try a.tensor(1)))
    }
    m.add("minmax(x: tensor)", doc: "Min–max normalisation to [0, 1].") { a in wrap(try CoReg.minMaxNormalize(try a.tensor(0))) }
    m.add("divide(losses: tensor, max_iter: int = 10, tol: float = 0.01, reg_covar: float = 0.0005)",
          doc: "Fits a 2-component GMM to the losses: {w (posterior of the low-mean component), gmm}.") { a in
        let (w, g) = try CoReg.divide(try a.tensor(0), maxIter: try a.int(1), tol: try a.double(2), regCovar: try a.double(3))
        return record([("w", wrap(w)), ("gmm", .object(GMMObject(g)))])
    }
    m.add("division(window: int = 5)", doc: "One network's division state (eq. 4): the window of min–max normalised division losses whose mean the GMM fits; division.update(probs, Y, tau) runs an epoch's split.") { a in
        .object(DivisionObject(try Division(window: try a.int(0))))
    }
    m.add("warmup_loss(logits: tensor, candidates)", doc: "Eq. 3: L_warm = L_sup + L_neg.") { a in
        wrap(try CoReg.warmupLoss(try a.tensor(0), try a.tensor(1)))
    }
    m.add("fuse_unlabeled(tables: list)", doc: "Eq. 6 on 𝒰: the mean of softmax tables (N, C) over views and networks, summed in the order given.") { a in
        let l = try a.list(0).items.enumerated().map { (k, v) in try toTensor(v, what: "tables[\(k)]") }
        return wrap(try CoReg.fuseUnlabeled(l))
    }
    m.add("ramp(epoch: int, batch: int, batches: int, warmup: int, length: float = 16)", doc: "The λ_u ramp of eq. 8: clip((epoch + batch/batches − warmup) / length, 0, 1).") { a in
        .float(CoReg.ramp(epoch: try a.int(0), batch: try a.int(1), batches: try a.int(2), warmup: try a.int(3), length: try a.double(4)))
    }
    m.add("self_training_loss(logits: tensor, targets: tensor, labelled: int, weight: float)",
          doc: "Eq. 8 on a mixed batch whose first `labelled` rows are 𝒫: soft CE there + weight·MSE on the 𝒰 rows (weight = λ_u·ramp). → {loss, lx, lu}.") { a in
        let r = try CoReg.selfTrainingLoss(try a.tensor(0), targets: try a.tensor(1), labelled: try a.int(2), weight: try a.double(3))
        return record([("loss", wrap(r.loss)), ("lx", wrap(r.lx)), ("lu", wrap(r.lu))])
    }
    m.add("prototype_loss(sim: tensor, targets: tensor, perm: tensor, lambda: float, labelled: int, lambda_u: float = 1)",
          doc: "Eq. 9, mixup-consistent: l·KL(t ‖ s) + (1 − l)·KL(t[perm] ‖ s) on the first `labelled` rows, + λ_u·(the same with MSE) on the rest.") { a in
        wrap(try CoReg.prototypeLoss(try a.tensor(0), targets: try a.tensor(1), perm: try a.tensor(2), lambda: try a.double(3),
                                     labelled: try a.int(4), lambdaU: try a.double(5)))
    }
    m.add("restrict(probs: tensor, candidates)", doc: "Eq. 5: predictions restricted to the candidates and renormalised.") { a in
        wrap(try CoReg.restrictToCandidates(try a.tensor(0), try a.tensor(1)))
    }
    m.add("fuse(w: tensor, restricted: tensor, own: tensor)", doc: "Eq. 6 on 𝒫: w·p + (1 − w)·p̄.") { a in
        wrap(try CoReg.fusePartial(w: try a.tensor(0), restricted: try a.tensor(1), own: try a.tensor(2)))
    }
    m.add("sharpen(p: tensor, T: float = 0.5)", doc: "Eq. 7: p^(1/T) renormalised.") { a in
        wrap(try CoReg.sharpen(try a.tensor(0), T: try a.double(1)))
    }
    m.add("mixup(x: tensor, targets: tensor, alpha: float = 4, seed: int = 0)",
          doc: "l ~ Beta(α, α), l ← max(l, 1 − l), one permutation over the whole batch: {x, targets, lambda, perm}.") { a in
        let seed = try a.int(3)
        guard seed >= 0 else { throw a.argumentError(3, "seed must be ≥ 0") }
        let r = try Mixup.apply(try a.tensor(0), try a.tensor(1), alpha: try a.double(2), rng: RNG(seed: UInt64(seed)))
        return record([("x", wrap(r.x)), ("targets", wrap(r.targets)), ("lambda", .float(r.lambda)), ("perm", wrap(r.perm))])
    }
    m.add("mse_probs(logits: tensor, targets: tensor)", doc: "mean((softmax(logits) − targets)²) over batch and classes (the 𝒰 loss).") { a in
        wrap(try Losses.mseOnProbs(try a.tensor(0), try a.tensor(1)))
    }
    m.add("soft_ce(logits: tensor, targets: tensor)", doc: "−Σ q log softmax(z), batch mean (the 𝒫 loss).") { a in
        wrap(try Losses.softCrossEntropy(try a.tensor(0), try a.tensor(1)))
    }
    m.add("prototypes(classes: int, dim: int)", doc: "Shared class prototypes (C, d), initialised to zeros.") { a in
        wrap(try Tensor.zeros([try a.int(0), try a.int(1)]))
    }
    m.add("update_prototypes(prototypes: tensor, features: tensor, labels: tensor, momentum: float = 0.999)",
          doc: "Sequential o_y ← γ·o_y + (1 − γ)·z per row, then L2 normalisation (in place).") { a in
        try CoReg.updatePrototypes(try a.tensor(0), features: try a.tensor(1), labels: try a.tensor(2), momentum: try a.double(3))
        return .null
    }
    m.add("prototype_logits(z: tensor, prototypes: tensor, tau: float = 0.3)", doc: "z·Oᵀ / τ.") { a in
        wrap(try CoReg.prototypeLogits(try a.tensor(0), try a.tensor(1), tau: try a.double(2)))
    }
    m.add("kl_div(logits: tensor, targets: tensor)", doc: "KL(targets ‖ softmax(logits)), batch mean (KLDivLoss batchmean).") { a in
        wrap(try Losses.klDivBatchmean(try a.tensor(0), try a.tensor(1)))
    }
    m.add("contrastive_masks(labels: tensor, flags: tensor, batch: int, supervised: bool = false)",
          doc: "Positive and allowed masks (B, M) of the noisy SupCon loss; supervised=true gives plain SupCon masks (all same-label elements positive).") { a in
        let labels = try a.tensor(0), flags = try a.tensor(1)
        let f = try a.bool(3) ? try Tensor.onesLike(flags).to(.bool) : flags
        let (p, al) = try CoReg.contrastiveMasks(labels: labels, flags: f, batch: try a.int(2))
        return record([("positive", wrap(p)), ("allowed", wrap(al))])
    }
    m.add("noisy_supcon(queries: tensor, features: tensor, positive: tensor, allowed: tensor, tau: float = 0.07)",
          doc: "−mean over anchors of the mean log-probability of positives among allowed elements.") { a in
        wrap(try CoReg.noisySupCon(queries: try a.tensor(0), features: try a.tensor(1),
                                   positive: try a.tensor(2), allowed: try a.tensor(3), tau: try a.double(4)))
    }
    m.add("fewshot(labels: tensor, candidates: tensor, k: int, seed: int = 0)",
          doc: "k truly labelled samples per class: {candidates (their sets one-hot), mask (bool, N), indices}.") { a in
        let seed = try a.int(3)
        guard seed >= 0 else { throw a.argumentError(3, "seed must be ≥ 0") }
        let r = try CoReg.fewShot(labels: try a.tensor(0), candidates: try a.tensor(1), perClass: try a.int(2), seed: UInt64(seed))
        return record([("candidates", wrap(r.candidates)), ("mask", wrap(r.mask)), ("indices", wrap(r.indices))])
    }
    m.add("alignment(samples: int, classes: int)", doc: "Distribution alignment with a uniform prior and a stored-prediction buffer (N, C).") { a in
        .object(AlignmentObject(try DistributionAlignment(samples: try a.int(0), classes: try a.int(1))))
    }
    m.add("queue(size: int, dim: int, classes: int, seed: int = 0)", doc: "The MoCo queue of keys, targets and 𝒫 flags.") { a in
        let seed = try a.int(3)
        guard seed >= 0 else { throw a.argumentError(3, "seed must be ≥ 0") }
        return .object(QueueObject(try ContrastQueue(size: try a.int(0), dim: try a.int(1), classes: try a.int(2), rng: RNG(seed: UInt64(seed)))))
    }
}
