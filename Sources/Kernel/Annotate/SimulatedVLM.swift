#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A simulated CLIP-style annotator: CLIP's mechanism (L2-normalised image and "text"
/// embeddings, logits = scale · cos, softmax per template, union of per-template top-1) on a
/// fixed image encoder that never sees labels. See docs/annotation.md for the exact recipe.
///
/// What it uses, exactly:
/// - **Image encoder (label-free):** L2-normalised pixels minus the mean of the (normalised)
///   reference images, times a
///   fixed Gaussian random matrix [D, P] drawn from the seed, then L2-normalised; plus a fixed
///   per-image random perturbation of size `imageNoise` (keyed by the image's source index, so an
///   image gets the same features in any subset), normalised again.
/// - **"Text" embeddings (the annotator's own pretraining):** class prototypes = the normalised
///   mean feature of a small *labelled reference set*: `referencePerClass` images per class, drawn
///   with the seed from the dataset it is fitted on (their indices are kept in
///   `referenceIndices`). No other label is read. Each template's class vector is
///   normalise(μ_c + mixing · m_c + templateNoise · Σ_{c'≠c} g_{t,c,c'} w_{c,c'} μ_{c'} +
///   templateJitter · ε_{t,c} + classBias · b_c), where w_{c,c'} = softmax over c' of
///   10·cos(μ_c, μ_c') (visual similarity), m_c = Σ w_{c,c'} μ_{c'}, g ~ N(0, 1) per template, and
///   b_c, ε_{t,c} fixed random directions; each template also adds a random logit offset of size
///   `templateBias` (in cosine units) per class.
/// - The preset constants were chosen offline with `tune` on the embedded training split
///   (aggregate statistics only: mean |S|, η and template-0 accuracy).
public final class SimulatedVLM {
    public struct Parameters: Sendable, Equatable, CustomStringConvertible {
        /// Feature dimension D of the random-projection encoder.
        public var featureDim: Int = 64
        /// Number of templates T (27, as the authors' default template set).
        public var templates: Int = 27
        /// Labelled reference ("pretraining") images per class for the prototypes.
        public var referencePerClass: Int = 20
        /// Weight of the similarity-weighted mix of other classes' prototypes in each class vector.
        public var mixing: Double = 0.3
        /// Sharpness of that similarity weighting (softmax of prototype cosines × this).
        public var mixingSharpness: Double = 10
        /// Size of a per-class random direction shared by all templates (systematic class bias).
        public var classBias: Double = 0
        /// Size of each template's random mix of *similar* classes' prototypes into each class
        /// vector (template disagreement that follows visual similarity).
        public var templateNoise: Double = 0.5
        /// Size of each template's random direction added to each class vector (unstructured).
        public var templateJitter: Double = 0.1
        /// Std of the per-(template, class) logit offset, in cosine units.
        public var templateBias: Double = 0
        /// Size of the fixed per-image perturbation of the image features.
        public var imageNoise: Double = 0.3
        /// Logit scale applied to cosines (CLIP: 100). Does not change argmaxes, only probabilities.
        public var logitScale: Double = 100

        public init() {}

        public var description: String {
            "D=\(featureDim) T=\(templates) ref=\(referencePerClass)/class mixing=\(fmt(mixing, 3)) class_bias=\(fmt(classBias, 4)) "
                + "template_noise=\(fmt(templateNoise, 4)) template_jitter=\(fmt(templateJitter, 4)) template_bias=\(fmt(templateBias, 4)) image_noise=\(fmt(imageNoise, 4)) scale=\(fmt(logitScale, 1))"
        }

        /// Sets a parameter by its script/CLI name (`template_noise`, `image_noise`, …).
        public mutating func set(_ name: String, _ v: Double) throws {
            switch name {
            case "feature_dim", "dim": featureDim = Int(v)
            case "templates": templates = Int(v)
            case "reference_per_class", "ref": referencePerClass = Int(v)
            case "mixing": mixing = v
            case "mixing_sharpness": mixingSharpness = v
            case "class_bias": classBias = v
            case "template_noise": templateNoise = v
            case "template_jitter": templateJitter = v
            case "template_bias": templateBias = v
            case "image_noise": imageNoise = v
            case "logit_scale", "scale": logitScale = v
            default:
                throw TensorError("annotate", "unknown simulated-annotator parameter '\(name)'; expected one of \(Parameters.names.joined(separator: ", "))")
            }
        }
        public static let names = ["feature_dim", "templates", "reference_per_class", "mixing", "mixing_sharpness", "class_bias",
                                   "template_noise", "template_jitter", "template_bias", "image_noise", "logit_scale"]
    }

    /// Target statistics for `tune`.
    public struct Targets: Sendable {
        public var avgCandidates: Double
        public var noiseRate: Double
        public var template0Accuracy: Double
        public init(avgCandidates: Double, noiseRate: Double, template0Accuracy: Double) {
            self.avgCandidates = avgCandidates; self.noiseRate = noiseRate; self.template0Accuracy = template0Accuracy
        }
        /// AAAI Table 2 (FMNIST) and the CLIP zero-shot accuracy of "a photo of a {}".
        public static let fmnistCLIP = Targets(avgCandidates: 1.58, noiseRate: 0.2235, template0Accuracy: 0.62)
    }

    /// Named parameter sets. `fmnist-clip`: close to CLIP ViT-B/32 on Fashion-MNIST (avg |S| 1.58,
    /// η 22%, template-0 accuracy 62%); `clean`: no perturbations (a nearest-prototype classifier
    /// repeated over templates).
    public static func preset(_ name: String) -> Parameters? {
        var p = Parameters()
        switch name.lowercased() {
        case "fmnist-clip", "fmnist", "default", "clip":
            // Found by `coreg annotate tune --data embedded --rounds 3` from reference_per_class=50.
            p.referencePerClass = 50; p.mixing = 0.3; p.classBias = 0; p.templateNoise = 0.1631; p.templateJitter = 0.1
            p.templateBias = 0.0143; p.imageNoise = 1.2308; p.logitScale = 30
            return p
        case "clean":
            p.mixing = 0; p.templateNoise = 0; p.templateJitter = 0; p.imageNoise = 0; p.classBias = 0; p.templateBias = 0; p.templates = 1
            return p
        default: return nil
        }
    }
    public static let presetNames = ["fmnist-clip", "clean"]

    public let parameters: Parameters
    public let seed: UInt64
    public let classNames: [String]
    /// Rows of the fitting dataset whose labels built the prototypes.
    public let referenceIndices: [Int]
    let pixelCount: Int
    let pixelMean: [Float]
    let projection: [Float]      // [D, P]
    /// Unit class prototypes [C, D].
    public let prototypes: [Float]
    /// Unit class vectors [T, C, D].
    public private(set) var textVectors: [Float] = []
    /// Per-(template, class) cosine offsets [T, C].
    public private(set) var templateOffsets: [Float] = []

    /// Fits the annotator on `dataset`: draws the reference set (`referencePerClass` labelled
    /// images per class), the encoder and the class vectors. Deterministic given `seed`.
    public init(fittingOn dataset: Dataset, parameters p: Parameters, seed: UInt64) throws {
        guard p.featureDim >= 2, p.templates >= 1, p.referencePerClass >= 1 else {
            throw TensorError("annotate", "simulated annotator needs feature_dim ≥ 2, templates ≥ 1, reference_per_class ≥ 1 (got \(p))")
        }
        parameters = p
        self.seed = seed
        classNames = dataset.classNames
        let c = dataset.classCount
        // Reference set: the first `referencePerClass` images of each class in a seeded order.
        var taken = [Int](repeating: 0, count: c), ref: [Int] = []
        for i in Dataset.permutation(dataset.count, seed: RNG(seed: seed).substream("simvlm.reference").seed) {
            let y = Int(dataset.labels[i])
            if taken[y] < p.referencePerClass { taken[y] += 1; ref.append(i) }
        }
        if let y = taken.firstIndex(of: 0) {
            throw TensorError("annotate", "\(dataset.name): class \(y) (\(dataset.classNames[y])) has no image for the reference set")
        }
        referenceIndices = ref.sorted()
        pixelCount = dataset.channels * dataset.height * dataset.width
        var refImages = try dataset.images(at: referenceIndices).toFloats()
        CandidateRules.l2NormalizeRows(&refImages, rows: referenceIndices.count, cols: pixelCount)
        var mean = [Float](repeating: 0, count: pixelCount)
        for r in 0..<referenceIndices.count { for j in 0..<pixelCount { mean[j] += refImages[r * pixelCount + j] } }
        for j in 0..<pixelCount { mean[j] /= Float(referenceIndices.count) }
        pixelMean = mean
        let d = p.featureDim
        let prng = RNG(seed: seed).substream("simvlm.encoder")
        projection = (0..<(d * pixelCount)).map { _ in Float(prng.nextNormal()) }
        // Prototypes from the reference features.
        let f0 = SimulatedVLM.encode(refImages, count: referenceIndices.count, pixelMean: mean, projection: projection, p: pixelCount, d: d)
        let refSource = referenceIndices.map { Int(dataset.sourceIndices[$0]) }
        let f = SimulatedVLM.perturb(f0, sources: refSource, d: d, size: p.imageNoise, seed: seed)
        var proto = [Float](repeating: 0, count: c * d)
        for (r, i) in referenceIndices.enumerated() {
            let y = Int(dataset.labels[i])
            for k in 0..<d { proto[y * d + k] += f[r * d + k] }
        }
        CandidateRules.l2NormalizeRows(&proto, rows: c, cols: d)
        prototypes = proto
        buildTextVectors()
    }

    /// Builds the per-template class vectors and offsets from the prototypes.
    func buildTextVectors() {
        let p = parameters, c = classNames.count, d = p.featureDim, t = p.templates
        let rng = RNG(seed: seed).substream("simvlm.text")
        let scale = 1 / Double(d).squareRoot()
        let bias = (0..<(c * d)).map { _ in Float(rng.nextNormal() * scale) }
        let eps = (0..<(t * c * d)).map { _ in Float(rng.nextNormal() * scale) }
        let off = (0..<(t * c)).map { _ in Float(rng.nextNormal()) }
        let gains = (0..<(t * c * c)).map { _ in Float(rng.nextNormal()) }
        // Similarity weights: softmax over the other classes of prototype cosines × sharpness.
        var sim = [Float](repeating: 0, count: c * c)
        for a in 0..<c {
            var w = [Double](repeating: 0, count: c)
            var m = -Double.infinity
            for b in 0..<c where b != a {
                var s: Float = 0
                for k in 0..<d { s += prototypes[a * d + k] * prototypes[b * d + k] }
                w[b] = Double(s) * p.mixingSharpness; m = max(m, w[b])
            }
            var tot = 0.0
            for b in 0..<c where b != a { w[b] = exp(w[b] - m); tot += w[b] }
            for b in 0..<c where b != a { sim[a * c + b] = Float(w[b] / tot) }
        }
        // Shared mix of similar classes (all templates) and per-template random mixes.
        var mix = [Float](repeating: 0, count: c * d)
        for a in 0..<c { for b in 0..<c where b != a { for k in 0..<d { mix[a * d + k] += sim[a * c + b] * prototypes[b * d + k] } } }
        var text = [Float](repeating: 0, count: t * c * d)
        for i in 0..<t {
            for a in 0..<c {
                let row = (i * c + a) * d
                for k in 0..<d {
                    text[row + k] = prototypes[a * d + k] + Float(p.mixing) * mix[a * d + k]
                        + Float(p.classBias) * bias[a * d + k] + Float(p.templateJitter) * eps[row + k]
                }
                for b in 0..<c where b != a {
                    let g = Float(p.templateNoise) * gains[(i * c + a) * c + b] * sim[a * c + b]
                    if g != 0 { for k in 0..<d { text[row + k] += g * prototypes[b * d + k] } }
                }
            }
        }
        CandidateRules.l2NormalizeRows(&text, rows: t * c, cols: d)
        textVectors = text
        templateOffsets = off.map { $0 * Float(p.templateBias) }
    }

    /// Random-projection features [N, D] of images [N, P] (unit rows).
    static func encode(_ x: [Float], count n: Int, pixelMean: [Float], projection: [Float], p: Int, d: Int) -> [Float] {
        var xc = x
        CandidateRules.l2NormalizeRows(&xc, rows: n, cols: p)
        for i in 0..<n { for j in 0..<p { xc[i * p + j] -= pixelMean[j] } }
        var f = [Float](repeating: 0, count: n * d)
        if n > 0 {
            xc.withUnsafeBufferPointer { a in projection.withUnsafeBufferPointer { w in f.withUnsafeMutableBufferPointer { o in
                sgemm(transA: false, transB: true, m: n, n: d, k: p, alpha: 1, a: a.baseAddress!, lda: p,
                      b: w.baseAddress!, ldb: p, beta: 0, c: o.baseAddress!, ldc: d)
            } } }
        }
        CandidateRules.l2NormalizeRows(&f, rows: n, cols: d)
        return f
    }

    /// Adds the fixed per-image perturbation (keyed by source index) and renormalises.
    static func perturb(_ f: [Float], sources: [Int], d: Int, size: Double, seed: UInt64) -> [Float] {
        guard size > 0 else { return f }
        var out = f
        let base = RNG(seed: seed).substream("simvlm.image").seed
        let scale = size / Double(d).squareRoot()
        for (r, s) in sources.enumerated() {
            let rng = RNG(seed: RNG.mix(base ^ RNG.mix(UInt64(truncatingIfNeeded: s))))
            for k in 0..<d { out[r * d + k] += Float(rng.nextNormal() * scale) }
        }
        CandidateRules.l2NormalizeRows(&out, rows: sources.count, cols: d)
        return out
    }

    /// Unit image features [N, D] of a dataset's images.
    public func features(_ data: Dataset) throws -> [Float] {
        guard data.channels * data.height * data.width == pixelCount else {
            throw TensorError("annotate", "\(data.name): images of \(data.imageShape) do not match the annotator's \(pixelCount) pixels")
        }
        let d = parameters.featureDim
        var out = [Float](); out.reserveCapacity(data.count * d)
        let chunk = 4096
        var s = 0
        while s < data.count {
            let idx = Array(s..<min(data.count, s + chunk))
            let x = try data.images(at: idx).toFloats()
            out.append(contentsOf: SimulatedVLM.encode(x, count: idx.count, pixelMean: pixelMean, projection: projection, p: pixelCount, d: d))
            s += chunk
        }
        return SimulatedVLM.perturb(out, sources: data.sourceIndices.map { Int($0) }, d: d, size: parameters.imageNoise, seed: seed)
    }

    /// Per-template probabilities [N, T, C]: softmax(scale · (cos + offset)).
    public func probabilities(features f: [Float], count n: Int) -> [Float] {
        let (t, c, d) = (parameters.templates, classNames.count, parameters.featureDim)
        var out = [Float](repeating: 0, count: n * t * c)
        if n > 0 {
            f.withUnsafeBufferPointer { a in textVectors.withUnsafeBufferPointer { b in out.withUnsafeMutableBufferPointer { o in
                sgemm(transA: false, transB: true, m: n, n: t * c, k: d, alpha: 1, a: a.baseAddress!, lda: d,
                      b: b.baseAddress!, ldb: d, beta: 0, c: o.baseAddress!, ldc: t * c)
            } } }
        }
        let s = Float(parameters.logitScale)
        for i in 0..<n { for j in 0..<(t * c) { out[i * t * c + j] = s * (out[i * t * c + j] + templateOffsets[j]) } }
        CandidateRules.softmaxRows(&out, rows: n * t, cols: c)
        return out
    }

    /// Annotates `data`: per-template probabilities, then `rule` (default: union of top-1).
    public func annotate(_ data: Dataset, rule: CandidateRule = .union) throws -> Annotation {
        guard data.classCount == classNames.count else {
            throw TensorError("annotate", "\(data.name) has \(data.classCount) classes, the annotator \(classNames.count)")
        }
        ProgressHook.step("annotating \(data.name)", 0, 3)
        let f = try features(data)
        ProgressHook.step("annotating \(data.name)", 1, 3)
        let probs = probabilities(features: f, count: data.count)
        ProgressHook.step("annotating \(data.name)", 2, 3)
        defer { ProgressHook.step("annotating \(data.name)", 3, 3) }
        var a = try CandidateRules.fromScores(probs, n: data.count, t: parameters.templates, c: classNames.count,
                                              logits: false, rule: rule, classes: data.classNames)
        a.source = "simulated VLM (\(parameters), seed \(seed)), \(rule)"
        return a
    }

    /// Fits on `train` and annotates it (the usual entry point).
    public static func annotate(_ train: Dataset, parameters: Parameters, seed: UInt64, rule: CandidateRule = .union) throws -> Annotation {
        try SimulatedVLM(fittingOn: train, parameters: parameters, seed: seed).annotate(train, rule: rule)
    }

    // MARK: tuning

    /// Quick statistics (mean |S|, η, template-0 accuracy) of the union rule on precomputed
    /// features, for tuning.
    func quickStats(features f: [Float], labels: [Int32]) -> (avg: Double, eta: Double, acc0: Double) {
        let n = labels.count, t = parameters.templates, c = classNames.count
        let probs = probabilities(features: f, count: n)
        let am = CandidateRules.argmaxRows(probs, rows: n * t, cols: c)
        var total = 0, noisy = 0, ok0 = 0
        var seen = [Bool](repeating: false, count: c)
        for i in 0..<n {
            for j in 0..<c { seen[j] = false }
            for k in 0..<t { seen[Int(am[i * t + k])] = true }
            total += seen.reduce(0) { $0 + ($1 ? 1 : 0) }
            if !seen[Int(labels[i])] { noisy += 1 }
            if am[i * t] == labels[i] { ok0 += 1 }
        }
        let dn = Double(max(1, n))
        return (Double(total) / dn, Double(noisy) / dn, Double(ok0) / dn)
    }

    /// Searches `imageNoise` (→ template-0 accuracy), `templateNoise` (→ mean |S|) and
    /// `templateBias` (→ η) by alternating bisections, starting from `start`. Uses the labels of
    /// `data` only through these three aggregate statistics. Returns the parameters and the
    /// statistics they reach: a heuristic (coordinate-wise), so check them — targets that the
    /// model cannot reach together (e.g. low η with low accuracy and small sets) are missed.
    public static func tune(_ data: Dataset, targets: Targets, start: Parameters, seed: UInt64, rounds: Int = 4,
                            log: ((String) -> Void)? = nil) throws -> (Parameters, (avg: Double, eta: Double, acc0: Double)) {
        var p = start
        func eval(_ q: Parameters) throws -> (avg: Double, eta: Double, acc0: Double) {
            let a = try SimulatedVLM(fittingOn: data, parameters: q, seed: seed)
            return a.quickStats(features: try a.features(data), labels: data.labels)
        }
        // Bisection of one parameter in [lo, hi] for a monotone statistic (direction measured at the ends).
        func bisect(_ lo0: Double, _ hi0: Double, target: Double,
                    set: (inout Parameters, Double) -> Void, stat: ((avg: Double, eta: Double, acc0: Double)) -> Double) throws {
            var lo = lo0, hi = hi0
            var a = p, b = p
            set(&a, lo); set(&b, hi)
            let increasing = stat(try eval(b)) >= stat(try eval(a))
            for _ in 0..<12 {
                let mid = (lo + hi) / 2
                var q = p; set(&q, mid)
                let v = stat(try eval(q))
                if (v < target) == increasing { lo = mid } else { hi = mid }
            }
            set(&p, (lo + hi) / 2)
        }
        for r in 0..<rounds {
            try bisect(0, 3, target: targets.template0Accuracy, set: { $0.imageNoise = $1 }, stat: { $0.acc0 })
            try bisect(0, 8, target: targets.avgCandidates, set: { $0.templateNoise = $1 }, stat: { $0.avg })
            try bisect(0, 0.3, target: targets.noiseRate, set: { $0.templateBias = $1 }, stat: { $0.eta })
            if let log { log("round \(r): \(p) → \(try eval(p))") }
        }
        return (p, try eval(p))
    }
}
