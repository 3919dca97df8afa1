/// A malformed spec string (an annotator, a parameter, a value): what was given and what was
/// expected. Like `UnknownNameError`, the CLI and scripts exit 64 (usage) on it.
public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The one parser of annotator specs, shared by `coreg annotate make --annotator`, scripts'
/// `annotations=` and `annotate.from_spec`:
///
///     simulated[:PRESET][,name=value…]   the simulated CLIP-style annotator (presets: fmnist-clip, clean)
///     flip[:q=..,eta=..]                 ALIM/Co-Reg uniform flips (default q=0.03, eta=0.2)
///     pico[:q=..,eta=..]                 PiCO's generator (default q=0.1, eta=0)
///     instance[:q=..,eta=..,preset=..]   instance-dependent flips that follow the simulated
///                                        annotator's confusions (default q=0.1, eta=0, fmnist-clip)
///     FILE.npz                           an annotation archive (candidates, optional scores)
///     FILE.jsonl                         free-text VLM answers {"index": i, "answer": "…"}
///
/// `description` is the canonical spec with every default filled in (what results.json records).
public enum AnnotatorSpec: Equatable, Sendable, CustomStringConvertible {
    case simulated(preset: String, overrides: [String: Double])
    case flip(q: Double, eta: Double)
    case pico(q: Double, eta: Double)
    case instance(q: Double, eta: Double, preset: String)
    case file(path: String)
    case answers(path: String)

    public static let kinds = ["simulated", "flip", "pico", "instance", "FILE.npz", "FILE.jsonl"]
    public static let defaultFlip = (q: 0.03, eta: 0.2)
    public static let defaultPico = (q: 0.1, eta: 0.0)
    public static let defaultInstance = (q: 0.1, eta: 0.0)

    public static func parse(_ spec: String) throws -> AnnotatorSpec {
        let s = spec.trimmingCharacters()
        let lower = s.lowercased()
        if lower.hasSuffix(".npz") { return .file(path: s) }
        if lower.hasSuffix(".jsonl") { return .answers(path: s) }
        let parts = s.split(separator: ":", maxSplits: 1).map(String.init)
        let kind = (parts.first ?? "").lowercased()
        var items = parts.count > 1 ? parts[1].split(separator: ",").map { $0.trimmingCharacters() } : []
        switch kind {
        case "simulated":
            var preset = "fmnist-clip"
            if let first = items.first, !first.contains("=") {
                guard SimulatedVLM.preset(first) != nil else {
                    throw UnknownNameError(kind: "simulated-annotator preset", name: first, known: SimulatedVLM.presetNames)
                }
                preset = first.lowercased()
                items.removeFirst()
            }
            let kv = try numbers(items, spec: s, allowed: SimulatedVLM.Parameters.names, what: "simulated-annotator parameter")
            return .simulated(preset: canonicalPreset(preset), overrides: kv)
        case "flip", "pico", "instance":
            let allowed = kind == "instance" ? ["q", "eta", "preset"] : ["q", "eta"]
            var preset = "fmnist-clip"
            items = try items.filter { item in
                guard kind == "instance", item.lowercased().hasPrefix("preset=") else { return true }
                let name = String(item.dropFirst("preset=".count))
                guard SimulatedVLM.preset(name) != nil else {
                    throw UnknownNameError(kind: "simulated-annotator preset", name: name, known: SimulatedVLM.presetNames)
                }
                preset = canonicalPreset(name)
                return false
            }
            let kv = try numbers(items, spec: s, allowed: allowed, what: "\(kind) parameter")
            let d = kind == "flip" ? defaultFlip : (kind == "pico" ? defaultPico : defaultInstance)
            let q = kv["q"] ?? d.q, eta = kv["eta"] ?? d.eta
            guard (0...1).contains(q), (0...1).contains(eta) else {
                throw SpecError("annotator '\(s)': q and eta are probabilities in [0, 1], got q=\(q), eta=\(eta)")
            }
            switch kind {
            case "flip": return .flip(q: q, eta: eta)
            case "pico": return .pico(q: q, eta: eta)
            default: return .instance(q: q, eta: eta, preset: preset)
            }
        default:
            throw UnknownNameError(kind: "annotator", name: s, known: kinds)
        }
    }

    /// `name=number` items, each name one of `allowed`.
    static func numbers(_ items: [String], spec: String, allowed: [String], what: String) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for item in items where !item.isEmpty {
            let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters() }
            guard kv.count == 2 else { throw SpecError("bad annotator parameter '\(item)' in '\(spec)'; expected name=number") }
            guard allowed.contains(kv[0]) else { throw UnknownNameError(kind: what, name: kv[0], known: allowed) }
            guard let v = Double(kv[1]), v.isFinite else {
                throw SpecError("bad annotator parameter '\(item)' in '\(spec)'; \(kv[0]) must be a number")
            }
            out[kv[0]] = v
        }
        return out
    }

    static func canonicalPreset(_ name: String) -> String {
        let n = name.lowercased()
        return n == "clean" ? "clean" : "fmnist-clip"
    }

    static func fmt(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    }

    public var description: String {
        switch self {
        case .simulated(let p, let o):
            return "simulated:" + ([p] + o.keys.sorted().map { "\($0)=\(AnnotatorSpec.fmt(o[$0]!))" }).joined(separator: ",")
        case .flip(let q, let eta): return "flip:q=\(AnnotatorSpec.fmt(q)),eta=\(AnnotatorSpec.fmt(eta))"
        case .pico(let q, let eta): return "pico:q=\(AnnotatorSpec.fmt(q)),eta=\(AnnotatorSpec.fmt(eta))"
        case .instance(let q, let eta, let p): return "instance:q=\(AnnotatorSpec.fmt(q)),eta=\(AnnotatorSpec.fmt(eta)),preset=\(p)"
        case .file(let path), .answers(let path): return path
        }
    }

    /// The simulated annotator's parameters (preset with overrides), for `simulated` and `instance`.
    public func simulatedParameters() throws -> SimulatedVLM.Parameters? {
        switch self {
        case .simulated(let preset, let o):
            var p = SimulatedVLM.preset(preset)!
            for k in o.keys.sorted() { try p.set(k, o[k]!) }
            return p
        case .instance(_, _, let preset): return SimulatedVLM.preset(preset)!
        default: return nil
        }
    }

    /// Annotates the training samples `indices` (nil: all) of `train`, the *whole* training split,
    /// the same way from every entry point:
    /// - `simulated` / `instance`: the annotator is fitted on the whole split and applied to every
    ///   image, and the rows of `indices` are taken (a VLM does not know which subset you train on);
    /// - `flip` / `pico`: drawn for the samples of `indices` in their order, from their labels;
    /// - a file covers either the whole split (its rows at `indices` are taken) or exactly the
    ///   samples of `indices`, in order (what `coreg annotate make --subset` writes).
    /// Returns the annotation and, for the simulated annotator, its annotation of `test` (the
    /// zero-shot baseline), when `test` is given.
    public func annotate(train: Dataset, indices: [Int]? = nil, seed: UInt64, test: Dataset? = nil) throws -> (train: Annotation, test: Annotation?) {
        if let idx = indices, let bad = idx.first(where: { $0 < 0 || $0 >= train.count }) {
            throw TensorError("annotate", "subset index \(bad) is out of range for the \(train.count) training samples")
        }
        let labels: [Int32] = indices.map { $0.map { train.labels[$0] } } ?? train.labels
        func rows(_ a: Annotation, file: String?) throws -> Annotation {
            guard let idx = indices else { return a }
            if a.count == train.count { return try a.subset(idx) }
            if a.count == idx.count { return a }
            throw DataFormatError(file: file ?? "annotations", offset: nil,
                                  expected: "candidates for the \(train.count) training samples or the \(idx.count) of the subset",
                                  found: "\(a.count) rows")
        }
        switch self {
        case .simulated:
            let vlm = try SimulatedVLM(fittingOn: train, parameters: try simulatedParameters()!, seed: seed)
            return (try rows(try vlm.annotate(train), file: nil), try test.map { try vlm.annotate($0) })
        case .instance(let q, let eta, _):
            let vlm = try SimulatedVLM(fittingOn: train, parameters: try simulatedParameters()!, seed: seed)
            let full = try vlm.annotate(train)
            guard let probs = full.averagedProbs else { throw TensorError("annotate", "the simulated annotator gave no probabilities") }
            let c = train.classCount
            var p = probs
            if let idx = indices {
                p = []
                p.reserveCapacity(idx.count * c)
                for i in idx { p.append(contentsOf: probs[(i * c)..<((i + 1) * c)]) }
            }
            var a = try SyntheticNPLL.instanceDependent(labels: labels, probs: p, classes: c, q: q, eta: eta, seed: seed)
            a.classes = train.classNames
            return (a, nil)
        case .flip(let q, let eta):
            var a = try SyntheticNPLL.flip(labels: labels, classes: train.classCount, q: q, eta: eta, seed: seed)
            a.classes = train.classNames
            return (a, nil)
        case .pico(let q, let eta):
            var a = try SyntheticNPLL.pico(labels: labels, classes: train.classCount, q: q, eta: eta, seed: seed)
            a.classes = train.classNames
            return (a, nil)
        case .file(let path):
            let a = try AnnotationIO.load(path, expectedClasses: train.classCount)
            return (try rows(a, file: path), nil)
        case .answers(let path):
            let r = try VLMAnswers.load(path, classNames: train.classNames, count: train.count)
            return (try rows(r.annotation, file: path), nil)
        }
    }
}
