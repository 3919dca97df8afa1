#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How per-template VLM scores become a candidate set (docs/annotation.md, the code's `--clip_plabel_mode`).
public enum CandidateRule: Sendable, Equatable, CustomStringConvertible {
    /// S = ∪_t argmax_c p_t (the paper's default, `multi_prompt`).
    case union
    /// The k classes with the largest template-averaged probability (`topk`, default k = 5).
    case topK(Int)
    /// Classes with p̄_c ≥ r · max_c p̄_c on the template average (`prob_ratio_thres`, default r = 0.5).
    case ratio(Double)
    /// Soft labels for KD: `avgProbs` = the template average; the candidate set is its top-1.
    case soft

    public var description: String {
        switch self {
        case .union: return "union of per-template top-1"
        case .topK(let k): return "top-\(k) of the template average"
        case .ratio(let r): return "p ≥ \(r)·p_max on the template average"
        case .soft: return "soft labels (template average; candidates = its top-1)"
        }
    }

    /// Parses `union`, `topk` (k from `k`), `ratio` (r from `r`), `soft`; also `multi_prompt`,
    /// `prob_ratio_thres` and `kd` as the authors' code names them.
    public static func parse(_ name: String, k: Int = 5, r: Double = 0.5) throws -> CandidateRule {
        switch name.lowercased() {
        case "union", "multi_prompt": return .union
        case "topk", "top-k", "top_k": return .topK(k)
        case "ratio", "prob_ratio_thres": return .ratio(r)
        case "soft", "kd": return .soft
        default: throw TensorError("annotate", "unknown candidate rule '\(name)'; expected union, topk, ratio or soft")
        }
    }
}

/// Candidate-set construction from per-template scores or from CLIP-style embeddings.
public enum CandidateRules {
    /// Builds candidate sets from scores [N, T, C] (row-major). `logits == true` applies a softmax
    /// per (sample, template) first; otherwise the rows are taken as probabilities as given.
    /// The result keeps `templateProbs` and `avgProbs`.
    public static func fromScores(_ scores: [Float], n: Int, t: Int, c: Int, logits: Bool, rule: CandidateRule,
                                  classes: [String]? = nil) throws -> Annotation {
        guard n >= 0, t >= 1, c >= 1, scores.count == n * t * c else {
            throw TensorError("annotate", "scores hold \(scores.count) values, expected N·T·C = \(n)·\(t)·\(c)")
        }
        if let i = scores.firstIndex(where: { !$0.isFinite }) {
            throw TensorError("annotate", "score \(i) (sample \(i / (t * c)), template \((i / c) % t), class \(i % c)) is not finite")
        }
        var probs = scores
        if logits { softmaxRows(&probs, rows: n * t, cols: c) }
        let avg = templateAverage(probs, n: n, t: t, c: c)
        var cand = [UInt8](repeating: 0, count: n * c)
        switch rule {
        case .union:
            let am = argmaxRows(probs, rows: n * t, cols: c)
            for i in 0..<n { for k in 0..<t { cand[i * c + Int(am[i * t + k])] = 1 } }
        case .topK(let k):
            guard k >= 1 else { throw TensorError("annotate", "top-k needs k ≥ 1, got \(k)") }
            for i in 0..<n {
                for j in topIndices(avg[(i * c)..<((i + 1) * c)], min(k, c)) { cand[i * c + j] = 1 }
            }
        case .ratio(let r):
            guard r > 0, r <= 1 else { throw TensorError("annotate", "the probability ratio r must be in (0, 1], got \(r)") }
            for i in 0..<n {
                let row = avg[(i * c)..<((i + 1) * c)]
                let m = row.max() ?? 0
                for j in 0..<c where Double(row[i * c + j]) >= r * Double(m) { cand[i * c + j] = 1 }
            }
        case .soft:
            let am = argmaxRows(avg, rows: n, cols: c)
            for i in 0..<n { cand[i * c + Int(am[i])] = 1 }
        }
        return try Annotation(count: n, classCount: c, candidates: cand, templateCount: t, templateProbs: probs,
                              avgProbs: avg, classes: classes, source: rule.description)
    }

    /// The same from a float32 tensor [N, T, C] (or [N, C], read as one template).
    public static func fromScores(_ scores: Tensor, logits: Bool, rule: CandidateRule, classes: [String]? = nil) throws -> Annotation {
        let s = scores.rank == 2 ? [scores.shape[0], 1, scores.shape[1]] : scores.shape
        guard s.count == 3 else {
            throw TensorError("annotate", "scores must be [N, T, C] (or [N, C]), got \(shapeString(scores.shape))")
        }
        return try fromScores(try scores.float().toFloats(), n: s[0], t: s[1], c: s[2], logits: logits, rule: rule, classes: classes)
    }

    /// CLIP's mechanism on given embeddings: image features [N, D] and text features [T, C, D]
    /// are L2-normalised, logits = `logitScale` · cos, softmax per template. Returns the
    /// per-template probabilities [N, T, C] (row-major).
    public static func clipProbabilities(image: [Float], text: [Float], n: Int, t: Int, c: Int, d: Int,
                                         logitScale: Float = 100) throws -> [Float] {
        guard image.count == n * d, text.count == t * c * d, d >= 1 else {
            throw TensorError("annotate", "embeddings: image holds \(image.count) values (expected N·D = \(n)·\(d)), text \(text.count) (expected T·C·D = \(t)·\(c)·\(d))")
        }
        var img = image, txt = text
        l2NormalizeRows(&img, rows: n, cols: d)
        l2NormalizeRows(&txt, rows: t * c, cols: d)
        var out = [Float](repeating: 0, count: n * t * c)
        if n > 0 {
            img.withUnsafeBufferPointer { a in
                txt.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { o in
                        sgemm(transA: false, transB: true, m: n, n: t * c, k: d, alpha: logitScale,
                              a: a.baseAddress!, lda: d, b: b.baseAddress!, ldb: d, beta: 0, c: o.baseAddress!, ldc: t * c)
                    }
                }
            }
        }
        softmaxRows(&out, rows: n * t, cols: c)
        return out
    }

    /// Tensor form: image [N, D], text [T, C, D] (or [C, D]) → annotation by `rule`.
    public static func fromEmbeddings(image: Tensor, text: Tensor, logitScale: Float = 100, rule: CandidateRule = .union,
                                      classes: [String]? = nil) throws -> Annotation {
        let ts = text.rank == 2 ? [1] + text.shape : text.shape
        guard image.rank == 2, ts.count == 3, ts[2] == image.shape[1] else {
            throw TensorError("annotate", "embeddings must be image [N, D] and text [T, C, D] with the same D, got \(shapeString(image.shape)) and \(shapeString(text.shape))")
        }
        let (n, d, t, c) = (image.shape[0], image.shape[1], ts[0], ts[1])
        let p = try clipProbabilities(image: try image.float().toFloats(), text: try text.float().toFloats(), n: n, t: t, c: c, d: d, logitScale: logitScale)
        return try fromScores(p, n: n, t: t, c: c, logits: false, rule: rule, classes: classes)
    }

    // MARK: helpers

    static func softmaxRows(_ x: inout [Float], rows: Int, cols: Int) {
        x.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                let b = p.baseAddress! + r * cols
                var m = -Float.infinity
                for j in 0..<cols { m = max(m, b[j]) }
                var s: Float = 0
                for j in 0..<cols { let e = expf(b[j] - m); b[j] = e; s += e }
                let inv = 1 / s
                for j in 0..<cols { b[j] *= inv }
            }
        }
    }

    static func l2NormalizeRows(_ x: inout [Float], rows: Int, cols: Int) {
        x.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                let b = p.baseAddress! + r * cols
                var s: Float = 0
                for j in 0..<cols { s += b[j] * b[j] }
                let inv = s > 0 ? 1 / s.squareRoot() : 0
                for j in 0..<cols { b[j] *= inv }
            }
        }
    }

    /// Index of the largest value per row (first on ties).
    static func argmaxRows(_ x: [Float], rows: Int, cols: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { p in
            for r in 0..<rows {
                let b = p.baseAddress! + r * cols
                var best = 0
                for j in 1..<max(1, cols) where b[j] > b[best] { best = j }
                out[r] = Int32(best)
            }
        }
        return out
    }

    static func templateAverage(_ p: [Float], n: Int, t: Int, c: Int) -> [Float] {
        var avg = [Float](repeating: 0, count: n * c)
        let inv = 1 / Float(t)
        for i in 0..<n {
            for k in 0..<t { for j in 0..<c { avg[i * c + j] += p[(i * t + k) * c + j] } }
            for j in 0..<c { avg[i * c + j] *= inv }
        }
        return avg
    }

    /// Indices of the k largest values (ties: lower index first).
    static func topIndices(_ row: ArraySlice<Float>, _ k: Int) -> [Int] {
        let base = row.startIndex
        let order = (0..<row.count).sorted { a, b in
            let va = row[base + a], vb = row[base + b]
            return va != vb ? va > vb : a < b
        }
        return Array(order.prefix(k))
    }
}
