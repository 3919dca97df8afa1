import Foundation

/// Printing in the style NumPy and PyTorch users expect: summarised above `threshold` elements
/// with `edgeItems` per side, `precision` digits, right-aligned columns, scientific notation
/// when the range demands it, and dtype / grad suffixes only when they are not the default.
public struct PrintOptions: Sendable, Equatable {
    public var precision = 4
    public var threshold = 1000
    public var edgeItems = 3
    public var lineWidth = 80
    /// nil: choose automatically; true/false: force scientific or fixed notation.
    public var sciMode: Bool? = nil
    public init() {}
}

extension Tensor: CustomStringConvertible {
    nonisolated(unsafe) public static var printOptions = PrintOptions()

    public var description: String { formatted() }

    public func formatted(_ opts: PrintOptions = Tensor.printOptions, prefix: String = "tensor(") -> String {
        let summarize = count > opts.threshold
        // Collect the displayed elements (all, or only the edges when summarising).
        var shown: [Double] = []
        collect(0, offset, summarize, opts.edgeItems, &shown)
        let fmt = ElementFormatter(values: shown, dtype: dtype, opts: opts)
        var body: String
        if rank == 0 {
            body = fmt.format(shown.first ?? 0)
        } else if count == 0 {
            body = "[]"
        } else {
            var cursor = 0
            body = render(0, summarize, opts, fmt, indent: prefix.count, shown, &cursor)
        }
        var suffix: [String] = []
        // as PyTorch: an empty tensor shows its size unless it is 1-D; float32 and bool are the
        // default dtypes and show no suffix
        if count == 0 && rank != 1 { suffix.append("size=(" + shape.map(String.init).joined(separator: ", ") + ")") }
        if dtype == .int32 { suffix.append("dtype=\(dtype)") }
        if requiresGrad { suffix.append(node == nil ? "requires_grad=True" : "grad_fn=<\(node!.prim.kind.rawValue)>") }
        if !suffix.isEmpty { body += ", " + suffix.joined(separator: ", ") }
        return prefix + body + ")"
    }

    private func edgeIndices(_ n: Int, _ summarize: Bool, _ edge: Int) -> [Int]? {
        if summarize && n > 2 * edge { return Array(0..<edge) + [-1] + Array((n - edge)..<n) }
        return nil
    }

    private func collect(_ d: Int, _ pos: Int, _ summarize: Bool, _ edge: Int, _ out: inout [Double]) {
        if d == rank {
            switch dtype {
            case .float32: out.append(Double(storage.floats[pos]))
            case .int32: out.append(Double(storage.ints[pos]))
            case .bool: out.append(storage.bools[pos] != 0 ? 1 : 0)
            }
            return
        }
        let idx = edgeIndices(shape[d], summarize, edge) ?? Array(0..<shape[d])
        for i in idx where i >= 0 { collect(d + 1, pos + i * strides[d], summarize, edge, &out) }
    }

    private func render(_ d: Int, _ summarize: Bool, _ opts: PrintOptions, _ fmt: ElementFormatter,
                        indent: Int, _ vals: [Double], _ cursor: inout Int) -> String {
        let n = shape[d]
        let idx = edgeIndices(n, summarize, opts.edgeItems) ?? Array(0..<n)
        if d == rank - 1 {
            var items: [String] = []
            for i in idx {
                if i < 0 { items.append(" ...") } else { items.append(fmt.format(vals[cursor])); cursor += 1 }
            }
            // wrap long rows
            let per = Swift.max(1, (opts.lineWidth - indent) / (fmt.width + 2))
            if items.count <= per { return "[" + items.joined(separator: ", ") + "]" }
            var lines: [String] = []
            var i = 0
            while i < items.count {
                lines.append(items[i..<Swift.min(i + per, items.count)].joined(separator: ", "))
                i += per
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        var parts: [String] = []
        for i in idx {
            if i < 0 { parts.append("..."); continue }
            parts.append(render(d + 1, summarize, opts, fmt, indent: indent + 1, vals, &cursor))
        }
        let sep = "," + String(repeating: "\n", count: rank - d - 1) + String(repeating: " ", count: indent + 1)
        return "[" + parts.joined(separator: sep) + "]"
    }
}

/// Chooses one notation and width for all displayed elements (PyTorch's `_Formatter`).
struct ElementFormatter {
    let dtype: DType
    let precision: Int
    var intMode = false
    var sciMode = false
    var width = 1

    init(values: [Double], dtype: DType, opts: PrintOptions) {
        self.dtype = dtype
        precision = opts.precision
        if dtype == .float32 {
            let finite = values.filter { $0.isFinite }
            let nonzero = finite.map { Swift.abs($0) }.filter { $0 != 0 }
            intMode = finite.allSatisfy { $0 == $0.rounded() }
            if let mx = nonzero.max(), let mn = nonzero.min() {
                if intMode {
                    sciMode = mx / mn > 1000 || mx > 1e8
                } else {
                    sciMode = mx / mn > 1000 || mx > 1e8 || mn < 1e-4
                }
            }
            if let forced = opts.sciMode { sciMode = forced }
        }
        // PyTorch sizes float columns by the finite nonzero values only (nan/inf/0 may be narrower
        // or wider); other dtypes by every value.
        let sized = dtype == .float32 ? values.filter { $0.isFinite && $0 != 0 } : values
        width = Swift.max(1, sized.map { raw($0).count }.max() ?? 1)
    }

    func raw(_ v: Double) -> String {
        switch dtype {
        case .bool: return v != 0 ? "True" : "False"
        case .int32: return String(Int(v))
        case .float32:
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            if sciMode { return String(format: "%.\(precision)e", v) }
            if intMode { return String(format: "%.0f.", v) }
            return String(format: "%.\(precision)f", v)
        }
    }

    func format(_ v: Double) -> String {
        let s = raw(v)
        return s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}
