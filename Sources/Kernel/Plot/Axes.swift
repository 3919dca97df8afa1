import Foundation

/// Round tick positions ("nice numbers": steps of 1, 2, 2.5 or 5 × 10^k) covering [lo, hi].
public func niceTicks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
    guard lo.isFinite, hi.isFinite else { return [] }
    if hi <= lo { return [lo] }
    let raw = (hi - lo) / Double(max(count - 1, 1))
    let mag = pow(10, floor(log10(raw)))
    let step = [1, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
    // k × step computed as k × unit ÷ 10^n (or × 10^n), so 0.6 prints as 0.6, not 0.6000000000000001.
    let unit = step / mag
    let scale = mag < 1 ? (1 / mag).rounded() : mag
    func tick(_ k: Double) -> Double { mag < 1 ? k * unit / scale : k * unit * scale }
    var ticks: [Double] = []
    var k = ceil(lo / step - 1e-9)
    while tick(k) <= hi + step * 1e-9 {
        let t = tick(k)
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        k += 1
        if ticks.count > 50 { break }
    }
    return ticks
}

/// [lo, hi] widened to the nearest tick positions outside it (so the axis ends on a tick).
public func niceDomain(_ lo: Double, _ hi: Double, count: Int = 6) -> (Double, Double) {
    guard lo.isFinite, hi.isFinite, hi > lo else { return (lo, hi) }
    let raw = (hi - lo) / Double(max(count - 1, 1))
    let mag = pow(10, floor(log10(raw)))
    let step = [1, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
    return (floor(lo / step + 1e-9) * step, ceil(hi / step - 1e-9) * step)
}

/// Tick label text: integers plainly, otherwise up to 4 significant digits, scientific at the extremes.
public func tickLabel(_ v: Double) -> String {
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 { return String(format: "%.2g", v) }
    if v == v.rounded() { return String(Int(v)) }
    var s = String(format: "%.4g", v)
    if s.contains("."), !s.contains("e") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
    return s
}

/// A linear map from data to pixels.
public struct LinearScale {
    public var domain: (Double, Double)
    public var range: (Double, Double)
    public init(domain: (Double, Double), range: (Double, Double)) {
        var d = domain
        if !(d.0.isFinite && d.1.isFinite) { d = (0, 1) }
        if d.1 == d.0 { d = (d.0 - 0.5, d.1 + 0.5) }
        self.domain = d; self.range = range
    }
    public func callAsFunction(_ v: Double) -> Double {
        range.0 + (v - domain.0) / (domain.1 - domain.0) * (range.1 - range.0)
    }
}

/// The frame of a 2-D chart: title, plot area, axes with ticks and grid lines, axis labels and
/// a legend. Charts draw their marks between `begin` and `finish`.
struct ChartFrame {
    var canvas: SVGCanvas
    let left: Double, top: Double, right: Double, bottom: Double
    var x: LinearScale
    var y: LinearScale

    init(width: Double, height: Double, title: String, xDomain: (Double, Double), yDomain: (Double, Double),
         xlabel: String, ylabel: String, xTicks: [Double]? = nil, xTickLabels: [String]? = nil, niceX: Bool = false, niceY: Bool = true) {
        canvas = SVGCanvas(width: width, height: height)
        left = 64; right = width - 20
        top = title.isEmpty ? 20 : 44
        bottom = height - (xlabel.isEmpty ? 40 : 58)
        let yd = niceY ? niceDomain(yDomain.0, yDomain.1) : yDomain
        x = LinearScale(domain: niceX ? niceDomain(xDomain.0, xDomain.1) : xDomain, range: (left, right))
        y = LinearScale(domain: yd, range: (bottom, top))
        if !title.isEmpty { canvas.text(width / 2, 28, title, size: 16, anchor: .middle, weight: "bold") }
        // grid + y ticks
        for t in niceTicks(y.domain.0, y.domain.1) where t >= y.domain.0 - 1e-12 && t <= y.domain.1 + 1e-12 {
            let py = y(t)
            canvas.line(left, py, right, py, stroke: "#e6e6e6")
            canvas.line(left - 4, py, left, py, stroke: "#444444")
            canvas.text(left - 7, py + 4, tickLabel(t), size: 11, anchor: .end)
        }
        if let xt = xTicks {
            for (i, t) in xt.enumerated() {
                let px = x(t)
                canvas.line(px, bottom, px, bottom + 4, stroke: "#444444")
                let label = xTickLabels.map { i < $0.count ? $0[i] : "" } ?? tickLabel(t)
                canvas.text(px, bottom + 17, label, size: 11, anchor: .middle)
            }
        } else {
            for t in niceTicks(x.domain.0, x.domain.1) where t >= x.domain.0 - 1e-12 && t <= x.domain.1 + 1e-12 {
                let px = x(t)
                canvas.line(px, top, px, bottom, stroke: "#f0f0f0")
                canvas.line(px, bottom, px, bottom + 4, stroke: "#444444")
                canvas.text(px, bottom + 17, tickLabel(t), size: 11, anchor: .middle)
            }
        }
        if !xlabel.isEmpty { canvas.text((left + right) / 2, height - 14, xlabel, size: 12, anchor: .middle) }
        if !ylabel.isEmpty { canvas.text(16, (top + bottom) / 2, ylabel, size: 12, anchor: .middle, rotate: -90) }
    }

    /// Axis lines on top of the marks.
    mutating func finishAxes() {
        canvas.line(left, bottom, right, bottom, stroke: "#444444")
        canvas.line(left, top, left, bottom, stroke: "#444444")
    }

    /// A legend box in the upper right corner: (name, colour, dashed?, filled box?).
    mutating func legend(_ entries: [(String, String, Bool, Bool)]) {
        guard !entries.isEmpty else { return }
        let w = 24 + Double(entries.map { $0.0.count }.max() ?? 0) * 6.6 + 12
        let h = Double(entries.count) * 18 + 8
        let x0 = right - w - 8, y0 = top + 8
        canvas.rect(x0, y0, w, h, fill: "#ffffff", stroke: "#cccccc", opacity: 0.85)
        for (i, e) in entries.enumerated() {
            let cy = y0 + 13 + Double(i) * 18
            if e.3 { canvas.rect(x0 + 6, cy - 6, 14, 10, fill: e.1, opacity: 0.6) }
            else { canvas.line(x0 + 6, cy - 1, x0 + 20, cy - 1, stroke: e.1, width: 2, dash: e.2 ? "5,3" : nil) }
            canvas.text(x0 + 26, cy + 3, e.0, size: 11)
        }
    }
}
