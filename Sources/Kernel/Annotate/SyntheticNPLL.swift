/// Synthetic noisy-partial-label generators (docs/annotation.md). All are deterministic given the seed
/// (each draws from its own named RNG sub-stream).
public enum SyntheticNPLL {
    /// ALIM / Co-Reg `--noisy_type flip`: each negative label ȳ ≠ y joins S with probability `q`
    /// (`generate_uniform_cv_candidate_labels`); then, with probability `eta`, the true label is
    /// replaced by a uniformly chosen non-candidate (`generate_noise_labels`), so P(y ∉ S) = η
    /// (unless S already holds every class, which then stays clean).
    public static func flip(labels: [Int32], classes c: Int, q: Double, eta: Double, seed: UInt64) throws -> Annotation {
        try check(labels, c, q, eta)
        let rng = RNG(seed: seed).substream("annotate.flip")
        var cand = [UInt8](repeating: 0, count: labels.count * c)
        for (i, l) in labels.enumerated() {
            let y = Int(l)
            for j in 0..<c where j != y && rng.nextDouble() < q { cand[i * c + j] = 1 }
            cand[i * c + y] = 1
            if rng.nextDouble() < eta { replaceTrue(&cand, i, y, c, rng, weights: nil) }
        }
        return try Annotation(count: labels.count, classCount: c, candidates: cand, source: "flip q=\(q) eta=\(eta) seed=\(seed)")
    }

    /// PiCO's generator: every negative label joins S with probability `q` and the true label is
    /// always kept (`generate_uniform_cv_candidate_labels`). With `groups` (class → superclass,
    /// e.g. CIFAR-100's 20 coarse classes) only negatives of the true class's group can join
    /// (PiCO's hierarchical CIFAR-100 setting). `eta` > 0 adds the noise stage of `flip`.
    public static func pico(labels: [Int32], classes c: Int, q: Double, groups: [Int]? = nil, eta: Double = 0,
                            seed: UInt64) throws -> Annotation {
        try check(labels, c, q, eta)
        if let g = groups, g.count != c {
            throw TensorError("annotate", "groups must give one group per class (\(c)), got \(g.count)")
        }
        let rng = RNG(seed: seed).substream("annotate.pico")
        var cand = [UInt8](repeating: 0, count: labels.count * c)
        for (i, l) in labels.enumerated() {
            let y = Int(l)
            for j in 0..<c where j != y {
                let u = rng.nextDouble()
                if let g = groups, g[j] != g[y] { continue }
                if u < q { cand[i * c + j] = 1 }
            }
            cand[i * c + y] = 1
            if eta > 0, rng.nextDouble() < eta { replaceTrue(&cand, i, y, c, rng, weights: nil) }
        }
        return try Annotation(count: labels.count, classCount: c, candidates: cand,
                              source: "pico q=\(q)" + (groups != nil ? " hierarchical" : "") + (eta > 0 ? " eta=\(eta)" : "") + " seed=\(seed)")
    }

    /// Instance-dependent partial labels from a model's confidences `probs` [N, C] (row-major,
    /// e.g. a network trained on clean labels): negative ȳ joins S with probability
    /// min(1, q·(C−1)·p_ȳ / Σ_{k≠y} p_k), so the expected number of wrong candidates is about
    /// q·(C−1) but concentrates on the classes the model confuses with y. With probability `eta`
    /// the true label is then replaced by a non-candidate drawn in proportion to its confidence.
    public static func instanceDependent(labels: [Int32], probs: [Float], classes c: Int, q: Double, eta: Double = 0,
                                         seed: UInt64) throws -> Annotation {
        try check(labels, c, q, eta)
        guard probs.count == labels.count * c else {
            throw TensorError("annotate", "probabilities hold \(probs.count) values, expected N·C = \(labels.count)·\(c)")
        }
        if let i = probs.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw TensorError("annotate", "probability \(probs[i]) at sample \(i / c), class \(i % c) is not a finite value ≥ 0")
        }
        let rng = RNG(seed: seed).substream("annotate.instance")
        var cand = [UInt8](repeating: 0, count: labels.count * c)
        for (i, l) in labels.enumerated() {
            let y = Int(l)
            var rest = 0.0
            for j in 0..<c where j != y { rest += Double(probs[i * c + j]) }
            for j in 0..<c where j != y {
                let share = rest > 0 ? Double(probs[i * c + j]) / rest : 1 / Double(c - 1)
                if rng.nextDouble() < min(1, q * Double(c - 1) * share) { cand[i * c + j] = 1 }
            }
            cand[i * c + y] = 1
            if eta > 0, rng.nextDouble() < eta {
                replaceTrue(&cand, i, y, c, rng, weights: Array(probs[(i * c)..<((i + 1) * c)]))
            }
        }
        return try Annotation(count: labels.count, classCount: c, candidates: cand, source: "instance-dependent q=\(q) eta=\(eta) seed=\(seed)")
    }

    static func check(_ labels: [Int32], _ c: Int, _ q: Double, _ eta: Double) throws {
        guard c >= 2 else { throw TensorError("annotate", "need at least 2 classes, got \(c)") }
        guard q >= 0, q <= 1 else { throw TensorError("annotate", "q must be in [0, 1], got \(q)") }
        guard eta >= 0, eta <= 1 else { throw TensorError("annotate", "eta must be in [0, 1], got \(eta)") }
        if let i = labels.firstIndex(where: { $0 < 0 || Int($0) >= c }) {
            throw TensorError("annotate", "label \(labels[i]) of sample \(i) is outside 0..<\(c)")
        }
    }

    /// Removes y from S_i and adds one non-candidate (uniform, or ∝ `weights` when given and not all zero).
    static func replaceTrue(_ cand: inout [UInt8], _ i: Int, _ y: Int, _ c: Int, _ rng: RNG, weights: [Float]?) {
        let free = (0..<c).filter { cand[i * c + $0] == 0 }
        guard !free.isEmpty else { return }
        var pick = free[rng.nextInt(below: free.count)]
        if let w = weights {
            let tot = free.reduce(0.0) { $0 + Double(w[$1]) }
            if tot > 0 {
                var u = rng.nextDouble() * tot
                for j in free { u -= Double(w[j]); if u < 0 { pick = j; break } }
            }
        }
        cand[i * c + y] = 0
        cand[i * c + pick] = 1
    }
}
