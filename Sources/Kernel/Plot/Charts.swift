import Foundation

/// One line of a line chart; `x` defaults to 0, 1, 2, ….
public struct Series {
    public var name: String
    public var x: [Double]?
    public var y: [Double]
    public init(name: String, x: [Double]? = nil, y: [Double]) { self.name = name; self.x = x; self.y = y }
    var xs: [Double] { x ?? y.indices.map(Double.init) }
}

/// A curve drawn over a histogram: a weighted Gaussian (a GMM component) or sampled points.
public enum HistogramCurve {
    case gaussian(name: String, mean: Double, std: Double, weight: Double)
    case points(name: String, x: [Double], y: [Double])
    var name: String {
        switch self { case .gaussian(let n, _, _, _), .points(let n, _, _): return n }
    }
}

public enum Plot {
    // MARK: line chart

    /// Several series with a legend, axes with ticks and titles.
    public static func line(_ series: [Series], labels: ChartLabels = ChartLabels()) -> Figure {
        let allX = series.flatMap { $0.xs }, allY = series.flatMap { $0.y }
        let xr = finiteRange(allX) ?? (0, 1), yr = finiteRange(allY) ?? (0, 1)
        var f = ChartFrame(width: labels.width, height: labels.height, title: labels.title, xDomain: xr, yDomain: yr,
                           xlabel: labels.xlabel, ylabel: labels.ylabel, niceX: true)
        for (i, s) in series.enumerated() {
            let pts = zip(s.xs, s.y).map { (f.x($0.0), f.y($0.1)) }
            f.canvas.polyline(pts, stroke: SVG.color(i), width: 1.8)
        }
        f.finishAxes()
        if series.count > 1 || !(series.first?.name.isEmpty ?? true) {
            f.legend(series.enumerated().map { ($0.element.name.isEmpty ? "series \($0.offset)" : $0.element.name, SVG.color($0.offset), false, false) })
        }
        let points = series.map { $0.y.count }.max() ?? 0
        let summary = "line chart\(quoted(labels.title)): \(series.count) series, \(points) points"
        return Figure(kind: .line, title: labels.title, summary: summary, svg: f.canvas.document) { _ in
            var out = summary
            let width = series.map { $0.name.count }.max() ?? 0
            for s in series {
                out += "\n  " + s.name.padding(toLength: width, withPad: " ", startingAt: 0) + (width > 0 ? "  " : "")
                out += TerminalPlot.sparkline(s.y, width: 60)
                if let r = finiteRange(s.y), let last = s.y.last {
                    out += "  min \(tickLabel4(r.0))  max \(tickLabel4(r.1))  last \(tickLabel4(last))"
                }
            }
            return out
        }
    }

    // MARK: histogram

    /// Counts of `values` in `bins` equal bins (as a density when `density`), with curves on top.
    public static func histogram(_ values: [Double], bins: Int = 30, range: (Double, Double)? = nil, density: Bool = false,
                                 curves: [HistogramCurve] = [], labels: ChartLabels = ChartLabels()) -> Figure {
        let nb = max(1, bins)
        var (lo, hi) = range ?? finiteRange(values) ?? (0, 1)
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        let w = (hi - lo) / Double(nb)
        var counts = [Double](repeating: 0, count: nb)
        var n = 0
        for v in values where v.isFinite && v >= lo && v <= hi {
            counts[min(nb - 1, Int((v - lo) / w))] += 1; n += 1
        }
        let heights = density && n > 0 ? counts.map { $0 / (Double(n) * w) } : counts
        // Curves are densities; scale them to counts unless the bars are densities too.
        let scale = density ? 1 : Double(n) * w
        var curvePoints: [(String, [(Double, Double)])] = []
        for c in curves {
            switch c {
            case .gaussian(let name, let mu, let sd, let weight):
                let s = max(sd, 1e-12)
                let pts = (0...200).map { i -> (Double, Double) in
                    let x = lo + (hi - lo) * Double(i) / 200
                    let z = (x - mu) / s
                    return (x, scale * weight * exp(-0.5 * z * z) / (s * (2 * Double.pi).squareRoot()))
                }
                curvePoints.append((name, pts))
            case .points(let name, let xs, let ys):
                curvePoints.append((name, Array(zip(xs, ys))))
            }
        }
        let ymax = max(heights.max() ?? 1, curvePoints.flatMap { $0.1.map { $0.1 } }.filter { $0.isFinite }.max() ?? 0)
        var f = ChartFrame(width: labels.width, height: labels.height, title: labels.title, xDomain: (lo, hi), yDomain: (0, ymax > 0 ? ymax : 1),
                           xlabel: labels.xlabel, ylabel: labels.ylabel.isEmpty ? (density ? "density" : "count") : labels.ylabel)
        for (i, h) in heights.enumerated() where h > 0 {
            let x0 = f.x(lo + Double(i) * w), x1 = f.x(lo + Double(i + 1) * w)
            f.canvas.rect(x0, f.y(h), x1 - x0, f.y(0) - f.y(h), fill: "#9ecae1", stroke: "#ffffff",
                          title: "[\(tickLabel4(lo + Double(i) * w)), \(tickLabel4(lo + Double(i + 1) * w))): \(Int(counts[i]))")
        }
        for (i, c) in curvePoints.enumerated() {
            f.canvas.polyline(c.1.map { (f.x($0.0), f.y($0.1)) }, stroke: SVG.color(i + 1), width: 2, dash: nil)
        }
        f.finishAxes()
        if !curvePoints.isEmpty {
            var entries: [(String, String, Bool, Bool)] = [("data (\(n))", "#9ecae1", false, true)]
            for (i, c) in curvePoints.enumerated() { entries.append((c.0, SVG.color(i + 1), false, false)) }
            f.legend(entries)
        }
        let summary = "histogram\(quoted(labels.title)): \(n) values, \(nb) bins in [\(tickLabel4(lo)), \(tickLabel4(hi))]" + (curves.isEmpty ? "" : ", \(curves.count) curves")
        return Figure(kind: .histogram, title: labels.title, summary: summary, svg: f.canvas.document) { _ in
            summary + "\n  " + TerminalPlot.sparkline(counts, width: 60, fromZero: true) + "\n  " + tickLabel4(lo)
                + String(repeating: " ", count: max(1, min(nb, 60) - tickLabel4(lo).count - tickLabel4(hi).count)) + tickLabel4(hi)
        }
    }

    // MARK: bar chart

    public static func bar(_ names: [String], _ values: [Double], labels: ChartLabels = ChartLabels()) -> Figure {
        let n = values.count
        let lo = min(0, values.filter { $0.isFinite }.min() ?? 0), hi = max(0, values.filter { $0.isFinite }.max() ?? 1)
        var f = ChartFrame(width: labels.width, height: labels.height, title: labels.title, xDomain: (-0.5, Double(n) - 0.5),
                           yDomain: (lo, hi > lo ? hi : lo + 1), xlabel: labels.xlabel, ylabel: labels.ylabel,
                           xTicks: (0..<n).map(Double.init), xTickLabels: names)
        let slot = (f.right - f.left) / Double(max(n, 1))
        for (i, v) in values.enumerated() where v.isFinite {
            let cx = f.x(Double(i)), y0 = f.y(0), y1 = f.y(v)
            f.canvas.rect(cx - slot * 0.35, min(y0, y1), slot * 0.7, abs(y0 - y1), fill: SVG.color(0), title: "\(i < names.count ? names[i] : String(i)): \(tickLabel4(v))")
        }
        f.finishAxes()
        let summary = "bar chart\(quoted(labels.title)): \(n) bars"
        return Figure(kind: .bar, title: labels.title, summary: summary, svg: f.canvas.document) { _ in
            summary + "\n" + TerminalPlot.bars(names, values, width: 40)
        }
    }

    // MARK: confusion matrix

    /// A heatmap of `matrix` (rows = true class, columns = predicted class). With `normalize`,
    /// each row is divided by its sum.
    public static func confusion(_ matrix: [[Double]], classes: [String], normalize: Bool = false,
                                 labels: ChartLabels = ChartLabels(xlabel: "predicted", ylabel: "true")) -> Figure {
        let k = matrix.count
        let m: [[Double]] = normalize ? matrix.map { row in let s = row.reduce(0, +); return row.map { s > 0 ? $0 / s : 0 } } : matrix
        let names = (0..<k).map { $0 < classes.count ? classes[$0] : String($0) }
        let vmax = max(m.flatMap { $0 }.filter { $0.isFinite }.max() ?? 1, 1e-12)
        let labelW = Double(min(names.map { $0.count }.max() ?? 1, 16)) * 7 + 16
        let cell = max(14, min(72, (min(labels.width, labels.height) - 120) / Double(max(k, 1))))
        let left = 40 + labelW, top = labels.title.isEmpty ? 24.0 : 48.0
        let width = left + cell * Double(k) + 24, height = top + cell * Double(k) + labelW + 40
        var c = SVGCanvas(width: width, height: height)
        if !labels.title.isEmpty { c.text(width / 2, 28, labels.title, size: 16, anchor: .middle, weight: "bold") }
        for i in 0..<k {
            for j in 0..<min(k, m[i].count) {
                let v = m[i][j], t = max(0, min(1, v / vmax))
                let col = TerminalPlot.blues(t)
                c.rect(left + Double(j) * cell, top + Double(i) * cell, cell, cell, fill: String(format: "#%02x%02x%02x", col.0, col.1, col.2),
                       stroke: "#ffffff", title: "\(names[i]) → \(names[j]): \(tickLabel4(v))")
                if k <= 20 {
                    let txt = normalize ? String(format: "%.2f", v) : tickLabel4(v)
                    c.text(left + (Double(j) + 0.5) * cell, top + (Double(i) + 0.5) * cell + 4, txt, size: min(11, cell * 0.32),
                           anchor: .middle, fill: t > 0.55 ? "#ffffff" : "#222222")
                }
            }
            c.text(left - 6, top + (Double(i) + 0.5) * cell + 4, names[i], size: 11, anchor: .end)
            c.text(left + (Double(i) + 0.5) * cell, top + Double(k) * cell + 8, names[i], size: 11, anchor: .end, rotate: -60)
        }
        c.text(left + cell * Double(k) / 2, height - 10, labels.xlabel, size: 12, anchor: .middle)
        c.text(14, top + cell * Double(k) / 2, labels.ylabel, size: 12, anchor: .middle, rotate: -90)
        let total = matrix.flatMap { $0 }.reduce(0, +)
        let diag = (0..<k).reduce(0.0) { $0 + ($1 < matrix[$1].count ? matrix[$1][$1] : 0) }
        let summary = "confusion matrix\(quoted(labels.title)): \(k) classes" + (total > 0 && !normalize ? String(format: ", accuracy %.2f%%", 100 * diag / total) : "")
        return Figure(kind: .confusion, title: labels.title, summary: summary, svg: c.document) { _ in
            var out = summary
            let cw = max(5, (m.flatMap { $0 }.map { (normalize ? String(format: "%.2f", $0) : tickLabel4($0)).count }.max() ?? 1) + 1)
            let nw = min(names.map { $0.count }.max() ?? 1, 12)
            for i in 0..<min(k, 20) {
                out += "\n  " + String(names[i].prefix(nw)).padding(toLength: nw, withPad: " ", startingAt: 0) + " "
                for j in 0..<min(k, 20, m[i].count) {
                    let s = normalize ? String(format: "%.2f", m[i][j]) : tickLabel4(m[i][j])
                    out += String(repeating: " ", count: max(0, cw - s.count)) + s
                }
            }
            if k > 20 { out += "\n  …" }
            return out
        }
    }

    // MARK: image grid

    /// Images [N, C, H, W] (C = 1 or 3, values in 0…1) in a grid with captions; embedded as PNG.
    public static func images(_ t: Tensor, captions: [String] = [], columns: Int? = nil, scale: Int = 2,
                              title: String = "") throws -> Figure {
        var x = t
        if x.rank == 2 { x = try x.reshape([1, 1] + x.shape) }
        if x.rank == 3 { x = try x.reshape([x.shape[0], 1, x.shape[1], x.shape[2]]) }
        guard x.rank == 4, x.shape[1] == 1 || x.shape[1] == 3 else {
            throw TensorError("plot.images", "expected images [N, C, H, W] with C = 1 or 3 (or [N, H, W]), got shape \(t.shape)")
        }
        let n = x.shape[0], ch = x.shape[1], h = x.shape[2], w = x.shape[3]
        let data = x.contiguous().toDoubles()
        let imgs: [Image8] = try (0..<n).map { i in
            var px = [UInt8](repeating: 0, count: h * w * ch)
            let base = i * ch * h * w
            for p in 0..<(h * w) { for c in 0..<ch {
                let v = data[base + c * h * w + p]
                px[p * ch + c] = UInt8(max(0, min(255, (v.isFinite ? v : 0) * 255 + 0.5)))
            } }
            return try Image8(height: h, width: w, channels: ch, pixels: px)
        }
        let cols = max(1, min(columns ?? Int(Double(n).squareRoot().rounded(.up)), max(n, 1)))
        let rows = (n + cols - 1) / cols
        let s = Double(max(1, scale))
        let cellW = max(Double(w) * s, 48) + 10, capH = captions.isEmpty ? 4.0 : 18.0
        let cellH = Double(h) * s + capH + 8
        let top = title.isEmpty ? 8.0 : 40.0
        let gridW = Double(cols) * cellW + 10
        let canvasW = max(gridW, Double(title.count) * 10 + 24)
        var c = SVGCanvas(width: canvasW, height: top + Double(rows) * cellH + 4)
        if !title.isEmpty { c.text(c.width / 2, 26, title, size: 16, anchor: .middle, weight: "bold") }
        for (i, im) in imgs.enumerated() {
            let x0 = (canvasW - gridW) / 2 + 10 + Double(i % cols) * cellW, y0 = top + Double(i / cols) * cellH
            let ox = x0 + (cellW - 10 - Double(w) * s) / 2
            c.image(ox, y0, Double(w) * s, Double(h) * s, png: try ImageDecode.encodePNG(im))
            if i < captions.count { c.text(x0 + (cellW - 10) / 2, y0 + Double(h) * s + 14, captions[i], size: 11, anchor: .middle) }
        }
        let summary = "image grid\(quoted(title)): \(n) images \(ch == 1 ? "gray" : "RGB") \(h)×\(w)"
        return Figure(kind: .images, title: title, summary: summary, svg: c.document) { color in
            var out = summary
            let shown = min(n, max(1, 72 / (w + 1)))
            out += "\n" + TerminalPlot.halfBlocks(Array(imgs.prefix(shown)), color: color)
            if shown > 0, !captions.isEmpty {
                out += "\n" + (0..<shown).map { i in
                    let cap = i < captions.count ? String(captions[i].prefix(w)) : ""
                    return cap.padding(toLength: w + 1, withPad: " ", startingAt: 0)
                }.joined()
            }
            if shown < n { out += "\n(\(n - shown) more)" }
            return out
        }
    }
}

func tickLabel4(_ v: Double) -> String {
    guard v.isFinite else { return String(v) }
    if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
    return String(format: "%.4g", v)
}
