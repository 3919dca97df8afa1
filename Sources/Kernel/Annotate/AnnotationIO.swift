/// Reading and writing the annotation `.npz` (DESIGN.md, docs/annotation.md):
/// `candidates` uint8 0/1 [N, C] (required); `template_probs` float [N, T, C] or `template_argmax`
/// integer [N, T]; `avg_probs` float [N, C]; `classes` strings [C]. Every problem is a
/// `DataFormatError` naming the file and the array, e.g. `ann.npz[candidates]: expected …`.
public enum AnnotationIO {
    /// Reads and validates an annotation file. With `expectedCount` / `expectedClasses` (from the
    /// dataset it annotates) the shapes must agree; with `classNames` the stored class names,
    /// when present, must match them.
    public static func load(_ path: String, expectedCount: Int? = nil, expectedClasses: Int? = nil,
                            classNames: [String]? = nil) throws -> Annotation {
        let z = try NPZ.read(path)
        return try decode(z, file: path, expectedCount: expectedCount, expectedClasses: expectedClasses, classNames: classNames)
    }

    /// Validation of parsed members (`file` names the source in errors).
    public static func decode(_ z: NPZContents, file: String, expectedCount: Int? = nil, expectedClasses: Int? = nil,
                              classNames: [String]? = nil) throws -> Annotation {
        func err(_ member: String, _ expected: String, _ found: String) -> DataFormatError {
            DataFormatError(file: "\(file)[\(member)]", offset: nil, expected: expected, found: found)
        }
        guard let ca = z["candidates"] else {
            throw DataFormatError(file: file, offset: nil, expected: "an array named 'candidates' (uint8 0/1, [N, C])",
                                  found: z.names.isEmpty ? "no arrays" : "arrays \(z.names.joined(separator: ", "))")
        }
        guard ca.kind == .uint8 || ca.kind == .bool else {
            throw err("candidates", "dtype uint8 (|u1) or bool with 0/1 values; convert with .astype(np.uint8)", "dtype \(ca.kind.descr)")
        }
        guard ca.shape.count == 2 else {
            throw err("candidates", "a 2-D array [N, C]", "shape \(shapeString(ca.shape))")
        }
        let (n, c) = (ca.shape[0], ca.shape[1])
        guard c >= 1 else { throw err("candidates", "at least one class column", "shape \(shapeString(ca.shape))") }
        if let e = expectedCount, e != n {
            throw err("candidates", "\(e) rows (one per sample of the dataset)", "\(n) rows (shape \(shapeString(ca.shape)))")
        }
        if let e = expectedClasses, e != c {
            throw err("candidates", "\(e) columns (one per class of the dataset)", "\(c) columns (shape \(shapeString(ca.shape)))")
        }
        let cand = ca.data
        if let i = cand.firstIndex(where: { $0 > 1 }) {
            throw err("candidates", "values 0 or 1", "\(cand[i]) at sample \(i / c), class \(i % c)")
        }

        var t = 0
        var probs: [Float]? = nil
        if let pa = z["template_probs"] {
            guard pa.kind == .float32 || pa.kind == .float64 else {
                throw err("template_probs", "a float array (float32 or float64)", "dtype \(pa.kind.descr)")
            }
            guard pa.shape.count == 3, pa.shape[0] == n, pa.shape[2] == c, pa.shape[1] >= 1 else {
                throw err("template_probs", "shape [N, T, C] = [\(n), T, \(c)] to match candidates", "shape \(shapeString(pa.shape))")
            }
            t = pa.shape[1]
            let v = try pa.tensor(name: "\(file)[template_probs]").toFloats()
            if let i = v.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                throw err("template_probs", "finite probabilities ≥ 0", "\(v[i]) at element \(i)")
            }
            probs = v
        }
        var argmax: [Int32]? = nil
        if let aa = z["template_argmax"] {
            switch aa.kind {
            case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32: break
            default: throw err("template_argmax", "an integer array", "dtype \(aa.kind.descr)")
            }
            guard aa.shape.count == 2, aa.shape[0] == n, aa.shape[1] >= 1 else {
                throw err("template_argmax", "shape [N, T] = [\(n), T] to match candidates", "shape \(shapeString(aa.shape))")
            }
            if t != 0 && aa.shape[1] != t {
                throw err("template_argmax", "\(t) templates as template_probs has", "shape \(shapeString(aa.shape))")
            }
            t = aa.shape[1]
            let v = try aa.tensor(name: "\(file)[template_argmax]").toInts()
            if let i = v.firstIndex(where: { $0 < 0 || Int($0) >= c }) {
                throw err("template_argmax", "class indices in 0..<\(c)", "\(v[i]) at sample \(i / t), template \(i % t)")
            }
            argmax = v
        }
        var avg: [Float]? = nil
        if let va = z["avg_probs"] {
            guard va.kind == .float32 || va.kind == .float64 else {
                throw err("avg_probs", "a float array (float32 or float64)", "dtype \(va.kind.descr)")
            }
            guard va.shape == [n, c] else {
                throw err("avg_probs", "shape [N, C] = [\(n), \(c)] to match candidates", "shape \(shapeString(va.shape))")
            }
            let v = try va.tensor(name: "\(file)[avg_probs]").toFloats()
            if let i = v.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                throw err("avg_probs", "finite probabilities ≥ 0", "\(v[i]) at element \(i)")
            }
            avg = v
        }
        var classes: [String]? = nil
        if let cl = z["classes"] {
            guard let s = cl.strings else { throw err("classes", "a string array", "dtype \(cl.kind.descr)") }
            guard s.count == c else { throw err("classes", "\(c) names (one per candidates column)", "\(s.count) names") }
            if let want = classNames, want.count == c, want != s {
                let k = (0..<c).first { want[$0] != s[$0] }!
                throw err("classes", "the dataset's class names (class \(k) is '\(want[k])')", "'\(s[k])'")
            }
            classes = s
        }
        return try Annotation(count: n, classCount: c, candidates: cand, templateCount: t, templateProbs: probs,
                              templateArgmax: argmax, avgProbs: avg, classes: classes ?? classNames, source: file)
    }

    /// The arrays `save` writes, in order.
    public static func arrays(_ a: Annotation) throws -> [(String, NPYArray)] {
        var out: [(String, NPYArray)] = [("candidates", try NPYArray(shape: [a.count, a.classCount], kind: .uint8, data: a.candidates))]
        if let p = a.templateProbs {
            out.append(("template_probs", NPYArray(try Tensor(p, shape: [a.count, a.templateCount, a.classCount]))))
        } else if let m = a.templateArgmax {
            out.append(("template_argmax", NPYArray(try Tensor(ints: m, shape: [a.count, a.templateCount]))))
        }
        if let v = a.avgProbs ?? a.averagedProbs {
            out.append(("avg_probs", NPYArray(try Tensor(v, shape: [a.count, a.classCount]))))
        }
        if let cl = a.classes { out.append(("classes", unicodeArray(cl))) }
        return out
    }

    /// Writes the annotation atomically (compressed `.npz`, readable by `numpy.load`).
    public static func save(_ a: Annotation, to path: String) throws {
        try NPZ.write(try arrays(a), to: path, compressed: true)
    }

    /// A numpy `<U n` array of strings.
    static func unicodeArray(_ s: [String]) -> NPYArray {
        let w = max(1, s.map { $0.unicodeScalars.count }.max() ?? 1)
        var data: [UInt8] = []
        data.reserveCapacity(s.count * w * 4)
        for x in s {
            var k = 0
            for u in x.unicodeScalars { data.appendLE32(u.value); k += 1 }
            for _ in k..<w { data.appendLE32(0) }
        }
        return try! NPYArray(shape: [s.count], kind: .unicode(w), data: data)
    }
}
