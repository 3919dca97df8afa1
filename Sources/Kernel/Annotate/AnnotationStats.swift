/// Statistics of an annotation against the true labels (docs/annotation.md "annotation statistics",
/// §4.2): average |S|, noise rate η = P(y ∉ S) overall and per class, the false-positive rate
/// q̂, the set-size histogram, the confusion of the noise and, when scores are present, the
/// zero-shot accuracy of every template and of the template average. Every field is plain data
/// for plots; `report` prints it.
public struct AnnotationStats: Sendable {
    public let count: Int
    public let classCount: Int
    /// Mean |S|.
    public let avgCandidates: Double
    /// η = share of samples whose true label is not in S (1 − "CLIP Partial Acc").
    public let noiseRate: Double
    /// η per true class (NaN for a class without samples).
    public let noiseRatePerClass: [Double]
    /// Samples per true class.
    public let classCounts: [Int]
    /// q̂ = P(ȳ ∈ S | ȳ ≠ y) measured on the samples whose true label is in S (the flip stage of
    /// the synthetic generators; the noise stage's replacement labels are excluded this way).
    public let falsePositiveRate: Double
    /// P(ȳ ∈ S | ȳ ≠ y) over all samples, replacement labels included.
    public let wrongCandidateRate: Double
    /// Mean of [y ∈ S]/|S| (the precision of the candidate sets; empty sets count 0).
    public let setPrecision: Double
    /// `setSizeHistogram[k]` = number of samples with |S| = k, k = 0...C.
    public let setSizeHistogram: [Int]
    /// Samples with an empty candidate set.
    public var emptySets: Int { setSizeHistogram.first ?? 0 }
    /// [C, C] row-major: `noiseConfusion[y * C + j]` counts noisy samples (y ∉ S) of true class y
    /// with j ∈ S: where the noise sends each class.
    public let noiseConfusion: [Int]
    /// [C, C] row-major: for every sample of class y, each wrong candidate j ∈ S (noisy or not).
    public let wrongCandidates: [Int]
    /// Zero-shot accuracy (argmax) of each template, when per-template scores are present.
    public let zeroShotAccPerTemplate: [Double]?
    /// Accuracy of the argmax of the template-averaged probabilities, when known.
    public let zeroShotAccAvg: Double?
    /// Template 0 ("a photo of a {}"): "CLIP Acc" of the authors' code.
    public var zeroShotAccTemplate0: Double? { zeroShotAccPerTemplate?.first }
    /// Mean of the per-template accuracies.
    public var zeroShotAccTemplateMean: Double? {
        guard let a = zeroShotAccPerTemplate, !a.isEmpty else { return nil }
        return a.reduce(0, +) / Double(a.count)
    }

    /// Computes the statistics; `labels` are the true classes of the annotated samples.
    public init(_ a: Annotation, labels: [Int32]) throws {
        let (n, c) = (a.count, a.classCount)
        guard labels.count == n else {
            throw TensorError("annotate", "\(labels.count) labels for an annotation of \(n) samples (the counts must match)")
        }
        if let i = labels.firstIndex(where: { $0 < 0 || Int($0) >= c }) {
            throw TensorError("annotate", "label \(labels[i]) of sample \(i) is outside 0..<\(c)")
        }
        count = n; classCount = c
        var hist = [Int](repeating: 0, count: c + 1)
        var perClassNoisy = [Int](repeating: 0, count: c), perClass = [Int](repeating: 0, count: c)
        var conf = [Int](repeating: 0, count: c * c), wrong = [Int](repeating: 0, count: c * c)
        var total = 0, noisy = 0, fpClean = 0, cleanN = 0, wrongAll = 0
        var prec = 0.0
        for i in 0..<n {
            let y = Int(labels[i])
            var s = 0
            for j in 0..<c where a.contains(i, j) { s += 1 }
            hist[s] += 1; total += s
            perClass[y] += 1
            let inS = a.contains(i, y)
            if inS { cleanN += 1; fpClean += s - 1; prec += 1 / Double(s) } else { noisy += 1; perClassNoisy[y] += 1 }
            for j in 0..<c where j != y && a.contains(i, j) {
                wrong[y * c + j] += 1; wrongAll += 1
                if !inS { conf[y * c + j] += 1 }
            }
        }
        let dn = Double(max(n, 1))
        avgCandidates = Double(total) / dn
        noiseRate = Double(noisy) / dn
        noiseRatePerClass = (0..<c).map { perClass[$0] == 0 ? .nan : Double(perClassNoisy[$0]) / Double(perClass[$0]) }
        classCounts = perClass
        falsePositiveRate = c > 1 && cleanN > 0 ? Double(fpClean) / Double(cleanN * (c - 1)) : 0
        wrongCandidateRate = c > 1 && n > 0 ? Double(wrongAll) / Double(n * (c - 1)) : 0
        setPrecision = prec / dn
        setSizeHistogram = hist
        noiseConfusion = conf
        wrongCandidates = wrong
        if let am = a.templateArgmax, a.templateCount > 0 {
            let t = a.templateCount
            zeroShotAccPerTemplate = (0..<t).map { k in
                var ok = 0
                for i in 0..<n where Int(am[i * t + k]) == Int(labels[i]) { ok += 1 }
                return Double(ok) / dn
            }
        } else {
            zeroShotAccPerTemplate = nil
        }
        if let avg = a.averagedProbs {
            let am = CandidateRules.argmaxRows(avg, rows: n, cols: c)
            var ok = 0
            for i in 0..<n where am[i] == labels[i] { ok += 1 }
            zeroShotAccAvg = Double(ok) / dn
        } else {
            zeroShotAccAvg = nil
        }
    }

    /// The largest entries of `noiseConfusion` as (true class, wrong candidate, count, share of
    /// the true class's samples), largest first.
    public func topNoiseConfusions(_ k: Int = 10) -> [(trueClass: Int, candidate: Int, count: Int, share: Double)] {
        var out: [(Int, Int, Int, Double)] = []
        for y in 0..<classCount { for j in 0..<classCount where noiseConfusion[y * classCount + j] > 0 {
            out.append((y, j, noiseConfusion[y * classCount + j], Double(noiseConfusion[y * classCount + j]) / Double(max(1, classCounts[y]))))
        } }
        out.sort { $0.2 != $1.2 ? $0.2 > $1.2 : ($0.0, $0.1) < ($1.0, $1.1) }
        return out.prefix(k).map { (trueClass: $0.0, candidate: $0.1, count: $0.2, share: $0.3) }
    }

    /// A text report: the headline numbers, per-class noise, the set-size histogram, the main
    /// noise confusions and (when present) the per-template zero-shot accuracies.
    public func report(classNames: [String]? = nil, title: String = "annotation statistics", testAccuracy: AnnotationStats? = nil) -> String {
        let names = classNames?.count == classCount ? classNames! : (0..<classCount).map { "class \($0)" }
        var s = "\(title): \(count) samples, \(classCount) classes\n"
        s += "  avg |S|            \(fmt(avgCandidates, 3))\n"
        s += "  noise rate η       \(pct(noiseRate))  (true label not in S)\n"
        s += "  set precision      \(pct(setPrecision))  (mean [y∈S]/|S|)\n"
        s += "  false-positive q̂   \(fmt(falsePositiveRate, 4))  (wrong classes in S, samples with y∈S)\n"
        if let a0 = zeroShotAccTemplate0 { s += "  zero-shot acc t0   \(pct(a0))  (template 0)\n" }
        if let m = zeroShotAccTemplateMean { s += "  zero-shot acc mean \(pct(m))  (mean over \(zeroShotAccPerTemplate!.count) templates)\n" }
        if let av = zeroShotAccAvg { s += "  zero-shot acc avg  \(pct(av))  (template-averaged probabilities)\n" }
        if let t = testAccuracy {
            if let a0 = t.zeroShotAccTemplate0 { s += "  test zero-shot t0  \(pct(a0))\n" }
            if let av = t.zeroShotAccAvg { s += "  test zero-shot avg \(pct(av))\n" }
        }
        s += "  set sizes:"
        for (k, h) in setSizeHistogram.enumerated() where h > 0 { s += " |S|=\(k): \(h)" }
        s += "\n  noise rate per class:\n"
        let w = names.map { $0.count }.max() ?? 0
        for y in 0..<classCount {
            s += "    \(names[y])\(String(repeating: " ", count: w - names[y].count))  \(pct(noiseRatePerClass[y]))  (\(classCounts[y]) samples)\n"
        }
        let top = topNoiseConfusions(8)
        if !top.isEmpty {
            s += "  noise confusions (true class → candidates of noisy sets, share of the class):\n"
            for e in top { s += "    \(names[e.trueClass]) → \(names[e.candidate]): \(e.count) (\(pct(e.share)))\n" }
        }
        if let per = zeroShotAccPerTemplate, per.count > 1 {
            s += "  zero-shot acc per template:"
            for (k, a) in per.enumerated() { s += (k % 9 == 0 ? "\n   " : "") + " \(k):\(fmt(100 * a, 1))" }
            s += "\n"
        }
        return s
    }

    /// One JSON object: count, avg_candidates, noise_rate, noise_rate_per_class, set_precision,
    /// false_positive_rate, set_size_histogram, noise_confusion (C×C), and zero_shot_acc_template0,
    /// zero_shot_acc_avg, zero_shot_acc_per_template when scores are present.
    public func json(classNames: [String]? = nil) -> String {
        func num(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
        func str(_ x: String) -> String {
            var o = "\""
            for u in x.unicodeScalars {
                switch u {
                case "\"": o += "\\\""
                case "\\": o += "\\\\"
                case "\n": o += "\\n"
                default:
                    if u.value < 0x20 { o += "\\u00" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16) } else { o.unicodeScalars.append(u) }
                }
            }
            return o + "\""
        }
        var f: [String] = [
            "\"count\": \(count)", "\"classes\": \(classCount)",
            "\"avg_candidates\": \(num(avgCandidates))", "\"noise_rate\": \(num(noiseRate))",
            "\"noise_rate_per_class\": [\(noiseRatePerClass.map(num).joined(separator: ", "))]",
            "\"set_precision\": \(num(setPrecision))", "\"false_positive_rate\": \(num(falsePositiveRate))",
            "\"set_size_histogram\": [\(setSizeHistogram.map(String.init).joined(separator: ", "))]",
            "\"noise_confusion\": [" + (0..<classCount).map { y in "[" + noiseConfusion[(y * classCount)..<((y + 1) * classCount)].map(String.init).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]",
        ]
        if let n = classNames, n.count == classCount { f.insert("\"class_names\": [\(n.map(str).joined(separator: ", "))]", at: 2) }
        if let a0 = zeroShotAccTemplate0 { f.append("\"zero_shot_acc_template0\": \(num(a0))") }
        if let av = zeroShotAccAvg { f.append("\"zero_shot_acc_avg\": \(num(av))") }
        if let per = zeroShotAccPerTemplate { f.append("\"zero_shot_acc_per_template\": [\(per.map(num).joined(separator: ", "))]") }
        return "{" + f.joined(separator: ", ") + "}"
    }
}
