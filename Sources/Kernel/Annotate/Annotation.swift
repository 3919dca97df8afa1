/// Candidate label sets for N samples over C classes, with the VLM scores they came from when
/// known. This is the in-memory form of the annotation `.npz` (docs/annotation.md):
/// `candidates` uint8 [N, C]; optionally `template_probs` [N, T, C] or `template_argmax` [N, T];
/// optionally `avg_probs` [N, C]; optionally `classes`.
public struct Annotation: Sendable {
    /// N.
    public let count: Int
    /// C.
    public let classCount: Int
    /// Row-major [N, C] 0/1 membership: `candidates[i * C + j] == 1` iff class j ∈ S_i.
    public var candidates: [UInt8]
    /// T (0 when no per-template scores are kept).
    public var templateCount: Int
    /// Per-template probabilities [N, T, C] (row-major), when known.
    public var templateProbs: [Float]?
    /// Per-template top-1 classes [N, T], when known (derived from `templateProbs` when those exist).
    public var templateArgmax: [Int32]?
    /// Template-averaged probabilities [N, C], when known; also the soft labels of the `soft` rule.
    public var avgProbs: [Float]?
    /// Class names, when known.
    public var classes: [String]?
    /// Where the annotation came from ("union of 27 templates", "flip q=0.05 eta=0.2", a path …).
    public var source: String

    public init(count: Int, classCount: Int, candidates: [UInt8], templateCount: Int = 0,
                templateProbs: [Float]? = nil, templateArgmax: [Int32]? = nil, avgProbs: [Float]? = nil,
                classes: [String]? = nil, source: String = "") throws {
        guard count >= 0, classCount > 0 else {
            throw TensorError("annotation", "need N ≥ 0 samples and C ≥ 1 classes, got N=\(count), C=\(classCount)")
        }
        guard candidates.count == count * classCount else {
            throw TensorError("annotation", "candidates hold \(candidates.count) values, expected N·C = \(count)·\(classCount)")
        }
        if let i = candidates.firstIndex(where: { $0 > 1 }) {
            throw TensorError("annotation", "candidates must be 0/1, found \(candidates[i]) at sample \(i / classCount), class \(i % classCount)")
        }
        if let p = templateProbs, p.count != count * templateCount * classCount {
            throw TensorError("annotation", "template_probs hold \(p.count) values, expected N·T·C = \(count)·\(templateCount)·\(classCount)")
        }
        if let a = templateArgmax {
            guard a.count == count * templateCount else {
                throw TensorError("annotation", "template_argmax holds \(a.count) values, expected N·T = \(count)·\(templateCount)")
            }
            if let i = a.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
                throw TensorError("annotation", "template_argmax value \(a[i]) at \(i) is outside 0..<\(classCount)")
            }
        }
        if let a = avgProbs, a.count != count * classCount {
            throw TensorError("annotation", "avg_probs hold \(a.count) values, expected N·C = \(count)·\(classCount)")
        }
        if let c = classes, c.count != classCount {
            throw TensorError("annotation", "\(c.count) class names for \(classCount) classes")
        }
        self.count = count
        self.classCount = classCount
        self.candidates = candidates
        self.templateCount = templateCount
        self.templateProbs = templateProbs
        self.templateArgmax = templateArgmax
        self.avgProbs = avgProbs
        self.classes = classes
        self.source = source
        if templateArgmax == nil, let p = templateProbs, templateCount > 0 {
            self.templateArgmax = CandidateRules.argmaxRows(p, rows: count * templateCount, cols: classCount)
        }
    }

    /// |S_i| for every sample.
    public var setSizes: [Int] {
        (0..<count).map { i in
            var s = 0
            for j in 0..<classCount { s += Int(candidates[i * classCount + j]) }
            return s
        }
    }

    /// The classes in S_i, ascending.
    public func candidateSet(_ i: Int) -> [Int] {
        (0..<classCount).filter { candidates[i * classCount + $0] != 0 }
    }

    /// True iff class j ∈ S_i.
    @inline(__always) public func contains(_ i: Int, _ j: Int) -> Bool { candidates[i * classCount + j] != 0 }

    /// Template-averaged probabilities: `avgProbs`, else the mean of `templateProbs`, else nil.
    public var averagedProbs: [Float]? {
        if let a = avgProbs { return a }
        guard let p = templateProbs, templateCount > 0 else { return nil }
        return CandidateRules.templateAverage(p, n: count, t: templateCount, c: classCount)
    }

    /// The candidate matrix as a float32 tensor [N, C] of 0/1 (what partial-label losses take).
    public func candidateTensor() throws -> Tensor {
        try Tensor(candidates.map { Float($0) }, shape: [count, classCount])
    }

    /// The samples at `indices`, in that order (scores follow).
    public func subset(_ indices: [Int]) throws -> Annotation {
        for i in indices where i < 0 || i >= count {
            throw TensorError("annotation", "index \(i) is out of range for \(count) samples")
        }
        func rows<T>(_ a: [T]?, _ w: Int) -> [T]? {
            guard let a else { return nil }
            var out: [T] = []; out.reserveCapacity(indices.count * w)
            for i in indices { out.append(contentsOf: a[(i * w)..<((i + 1) * w)]) }
            return out
        }
        return try Annotation(count: indices.count, classCount: classCount, candidates: rows(candidates, classCount)!,
                              templateCount: templateCount, templateProbs: rows(templateProbs, templateCount * classCount),
                              templateArgmax: rows(templateArgmax, templateCount), avgProbs: rows(avgProbs, classCount),
                              classes: classes, source: source)
    }

    /// One line: N, C, T and the source.
    public var summary: String {
        let sizes = setSizes
        let avg = count == 0 ? 0 : Double(sizes.reduce(0, +)) / Double(count)
        var s = "annotation: \(count) samples × \(classCount) classes, avg |S| \(fmt(avg, 3))"
        if templateCount > 0 { s += ", \(templateCount) templates" + (templateProbs != nil ? " (probabilities)" : " (argmax)") }
        if !source.isEmpty { s += ", from \(source)" }
        return s
    }
}

/// Fixed-point formatting without Foundation.
func fmt(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (abs(x) * p).rounded()
    let ip = Int(r / p), fp = Int(r - Double(ip) * p)
    var f = String(fp)
    while f.count < digits { f = "0" + f }
    let sign = x < 0 && r != 0 ? "-" : ""
    return digits == 0 ? sign + String(ip) : sign + String(ip) + "." + f
}

/// A percentage with one decimal: 0.2235 → "22.4%".
func pct(_ x: Double) -> String { fmt(100 * x, 1) + "%" }
