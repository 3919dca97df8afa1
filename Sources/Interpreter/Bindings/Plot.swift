import Kernel

/// The `plot` module: charts as `figure` objects. Each function draws a Kernel `Figure` (SVG plus
/// a terminal rendering), saves it when `path=` is given, and shows it through `host.display`
/// (the notebook renderer collects figures that way).

public final class FigureObject: ScriptObject {
    public let figure: Figure
    public init(_ f: Figure) { figure = f }
    public var typeName: String { "figure" }
    public var memberNames: [String] { ["kind", "title", "summary", "svg", "text", "save"] }
    public func member(_ name: String) throws -> Value? {
        switch name {
        case "kind": return .string(figure.kind.rawValue)
        case "title": return .string(figure.title)
        case "summary": return .string(figure.summary)
        case "svg": return .string(figure.svg)
        case "text": return .string(figure.terminalText(.none))
        case "save":
            return .native(NativeFunction("save(path: string)", doc: "Writes the figure as an SVG file (atomically).") { args in
                try self.figure.save(to: try args.string(0))
                return .null
            })
        default: return nil
        }
    }
    /// Compact and plain (no escape sequences): the REPL shows a coloured version itself.
    public var scriptDescription: String { figure.terminalText(.none) }
}

/// Numbers from a tensor (flattened), a list of numbers or a range.
func plotNumbers(_ v: Value, _ args: Arguments, _ i: Int) throws -> [Double] {
    switch v {
    case .object(let o as TensorObject): return o.tensor.contiguous().toDoubles()
    case .list(let l):
        return try l.items.map { item -> Double in
            switch item {
            case .int(let n): return Double(n)
            case .float(let d): return d
            case .bool(let b): return b ? 1 : 0
            case .object(let o as TensorObject) where o.tensor.count == 1: return try o.tensor.item()
            case .null: return .nan
            default: throw args.argumentError(i, "expected numbers, found \(item.argumentTypeName) in the list")
            }
        }
    case .range(let r): return (0..<r.count).map { Double(r.element($0)) }
    default: throw args.argumentError(i, expected: "tensor or list of numbers", got: v)
    }
}

func plotStrings(_ v: Value) -> [String] {
    switch v {
    case .list(let l): return l.items.map { $0.displayString }
    case .null: return []
    default: return [v.displayString]
    }
}

/// The series of `plot.line`: one list/tensor, a list of them, a 2-D tensor (rows) or a dict {name: values}.
func plotSeries(_ v: Value, _ args: Arguments) throws -> [(String?, [Double])] {
    switch v {
    case .dict(let d):
        return try zip(d.keys, d.values).map { ($0.value.displayString, try plotNumbers($1, args, 0)) }
    case .object(let o as TensorObject) where o.tensor.rank == 2:
        let t = o.tensor.contiguous(), n = t.shape[1], data = t.toDoubles()
        return (0..<t.shape[0]).map { (nil, Array(data[$0 * n..<($0 + 1) * n])) }
    case .list(let l) where l.items.contains(where: { if case .list = $0 { return true }; if case .object(let o as TensorObject) = $0 { return o.tensor.rank >= 1 }; return false }):
        return try l.items.map { (nil, try plotNumbers($0, args, 0)) }
    default:
        return [(nil, try plotNumbers(v, args, 0))]
    }
}

private func labelsFrom(_ args: Arguments, title: Int, xlabel: Int? = nil, ylabel: Int? = nil, width: Int? = nil) throws -> ChartLabels {
    var l = ChartLabels(title: try args.string(title))
    if let x = xlabel { l.xlabel = try args.string(x) }
    if let y = ylabel { l.ylabel = try args.string(y) }
    if let w = width { l.width = Double(try args.int(w)); l.height = Double(try args.int(w + 1)) }
    return l
}

/// Saves when a path was given, shows through the host, returns the script value.
private func finish(_ f: Figure, _ args: Arguments, path: Int) throws -> Value {
    if !args.isNull(path) { try f.save(to: try args.string(path)) }
    let obj = FigureObject(f)
    args.context.host.display(obj)
    return .object(obj)
}

func registerPlotModule(_ r: Registry) {
    let m = r.module("plot", doc: "Charts as SVG files and in the terminal: line, hist, bar, confusion, images, sparkline.")
    m.add("line(series, x = nil, labels: list? = nil, title: string = \"\", xlabel: string = \"\", ylabel: string = \"\", path: string? = nil, width: int = 640, height: int = 400)",
          doc: "A line chart. series: a list or 1-D tensor, a list of them, a 2-D tensor (one series per row) or a dict {name: values}. x: shared x values. Saves SVG to path when given.") { args in
        let raw = try plotSeries(args[0], args)
        let xs = args.isNull(1) ? nil : try plotNumbers(args[1], args, 1)
        let names = args.isNull(2) ? [] : plotStrings(args[2])
        let series = raw.enumerated().map { i, s in
            Series(name: s.0 ?? (i < names.count ? names[i] : (raw.count > 1 ? "series \(i)" : "")), x: xs, y: s.1)
        }
        return try finish(Plot.line(series, labels: try labelsFrom(args, title: 3, xlabel: 4, ylabel: 5, width: 7)), args, path: 6)
    }
    m.add("hist(values, bins: int = 30, curves: list? = nil, density: bool? = nil, range: list? = nil, title: string = \"\", xlabel: string = \"\", ylabel: string = \"\", path: string? = nil, width: int = 640, height: int = 400)",
          doc: "A histogram. curves: dicts {mean, std, weight, label} (Gaussian components, e.g. a 2-component GMM of the loss) or {x, y, label}; with curves the bars are densities unless density=false.") { args in
        let values = try plotNumbers(args[0], args, 0)
        var curves: [HistogramCurve] = []
        if !args.isNull(2) {
            for (k, c) in try args.list(2).items.enumerated() {
                guard case .dict(let d) = c else { throw args.argumentError(2, "curves must be dicts, item \(k) is \(c.argumentTypeName)") }
                let name = d["label"]?.displayString ?? "curve \(k)"
                if let xv = d["x"], let yv = d["y"] {
                    curves.append(.points(name: name, x: try plotNumbers(xv, args, 2), y: try plotNumbers(yv, args, 2)))
                } else {
                    guard let mu = d["mean"]?.doubleValue, let sd = d["std"]?.doubleValue else {
                        throw args.argumentError(2, "a curve needs mean and std (or x and y)")
                    }
                    curves.append(.gaussian(name: name, mean: mu, std: sd, weight: d["weight"]?.doubleValue ?? 1))
                }
            }
        }
        var range: (Double, Double)? = nil
        if !args.isNull(4) {
            let r = try plotNumbers(args[4], args, 4)
            guard r.count == 2, r[0] < r[1] else { throw args.argumentError(4, "range must be [low, high] with low < high") }
            range = (r[0], r[1])
        }
        let density = args.isNull(3) ? !curves.isEmpty : try args.bool(3)
        let f = Plot.histogram(values, bins: max(1, try args.int(1)), range: range, density: density, curves: curves,
                               labels: try labelsFrom(args, title: 5, xlabel: 6, ylabel: 7, width: 9))
        return try finish(f, args, path: 8)
    }
    m.add("bar(labels: list, values, title: string = \"\", xlabel: string = \"\", ylabel: string = \"\", path: string? = nil, width: int = 640, height: int = 400)",
          doc: "A bar chart of values (list or tensor) named by labels.") { args in
        let names = plotStrings(args[0]), values = try plotNumbers(args[1], args, 1)
        guard names.count == values.count else { throw args.argumentError(1, "\(values.count) values for \(names.count) labels") }
        return try finish(Plot.bar(names, values, labels: try labelsFrom(args, title: 2, xlabel: 3, ylabel: 4, width: 6)), args, path: 5)
    }
    m.add("confusion(matrix, classes: list? = nil, normalize: bool = false, title: string = \"\", path: string? = nil)",
          doc: "A confusion-matrix heatmap: matrix [K, K] (rows true, columns predicted) as a tensor or nested list; normalize divides each row by its sum.") { args in
        var rows: [[Double]]
        switch args[0] {
        case .object(let o as TensorObject):
            let t = o.tensor.contiguous()
            guard t.rank == 2, t.shape[0] == t.shape[1] else { throw args.argumentError(0, "expected a square [K, K] tensor, got shape \(t.shape)") }
            let d = t.toDoubles(), k = t.shape[0]
            rows = (0..<k).map { Array(d[$0 * k..<($0 + 1) * k]) }
        case .list(let l): rows = try l.items.map { try plotNumbers($0, args, 0) }
        default: throw args.argumentError(0, expected: "tensor or list of lists", got: args[0])
        }
        guard rows.allSatisfy({ $0.count == rows.count }) else { throw args.argumentError(0, "the matrix must be square") }
        var labels = ChartLabels(title: try args.string(3), xlabel: "predicted", ylabel: "true")
        labels.width = 560; labels.height = 560
        let f = Plot.confusion(rows, classes: args.isNull(1) ? [] : plotStrings(args[1]), normalize: try args.bool(2), labels: labels)
        return try finish(f, args, path: 4)
    }
    m.add("images(images: tensor, captions: list? = nil, ncols: int? = nil, scale: int = 2, title: string = \"\", path: string? = nil)",
          doc: "A grid of images [N, C, H, W] (or [N, H, W]) with values in 0…1, C = 1 (gray) or 3 (RGB), with captions; embedded as PNG.") { args in
        let t = try args.tensor(0)
        let f = try Plot.images(t, captions: args.isNull(1) ? [] : plotStrings(args[1]), columns: args.isNull(2) ? nil : try args.int(2),
                                scale: try args.int(3), title: try args.string(4))
        return try finish(f, args, path: 5)
    }
    m.add("sparkline(values, width: int = 60)", doc: "A one-line chart of values as a string: ▁▂▄█▆….") { args in
        .string(TerminalPlot.sparkline(try plotNumbers(args[0], args, 0), width: max(1, try args.int(1))))
    }
    m.add("save(figure: figure, path: string)", doc: "Writes a figure as an SVG file (atomically).") { args in
        try args.object(0, as: FigureObject.self, expected: "figure").figure.save(to: try args.string(1))
        return .null
    }
}
