import Foundation

/// A small SVG writer: elements are appended as text and `document` wraps them in a well-formed
/// `<svg>` root. Every attribute value and text node goes through `SVG.escape`.
public struct SVGCanvas {
    public let width: Double
    public let height: Double
    private(set) var body: [String] = []

    public init(width: Double, height: Double) {
        self.width = width; self.height = height
        body.append("<rect x=\"0\" y=\"0\" width=\"\(SVG.num(width))\" height=\"\(SVG.num(height))\" fill=\"#ffffff\"/>")
    }

    public mutating func raw(_ element: String) { body.append(element) }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double,
                              stroke: String = "#000000", width: Double = 1, dash: String? = nil) {
        var s = "<line x1=\"\(SVG.num(x1))\" y1=\"\(SVG.num(y1))\" x2=\"\(SVG.num(x2))\" y2=\"\(SVG.num(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(SVG.num(width))\""
        if let d = dash { s += " stroke-dasharray=\"\(d)\"" }
        body.append(s + "/>")
    }

    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String,
                              stroke: String? = nil, opacity: Double? = nil, title: String? = nil) {
        var s = "<rect x=\"\(SVG.num(x))\" y=\"\(SVG.num(y))\" width=\"\(SVG.num(max(w, 0)))\" height=\"\(SVG.num(max(h, 0)))\" fill=\"\(fill)\""
        if let st = stroke { s += " stroke=\"\(st)\"" }
        if let o = opacity { s += " fill-opacity=\"\(SVG.num(o))\"" }
        if let t = title { body.append(s + "><title>\(SVG.escape(t))</title></rect>") } else { body.append(s + "/>") }
    }

    /// A polyline through points; non-finite points break the line into pieces.
    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, dash: String? = nil) {
        var run: [String] = []
        func flush() {
            if run.count >= 2 {
                var s = "<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(SVG.num(width))\" stroke-linejoin=\"round\""
                if let d = dash { s += " stroke-dasharray=\"\(d)\"" }
                body.append(s + " points=\"\(run.joined(separator: " "))\"/>")
            } else if run.count == 1 {
                let xy = run[0].split(separator: ",")
                body.append("<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"\(SVG.num(width + 0.5))\" fill=\"\(stroke)\"/>")
            }
            run.removeAll()
        }
        for (x, y) in points {
            if x.isFinite && y.isFinite { run.append("\(SVG.num(x)),\(SVG.num(y))") } else { flush() }
        }
        flush()
    }

    public enum Anchor: String { case start, middle, end }

    public mutating func text(_ x: Double, _ y: Double, _ text: String, size: Double = 12, anchor: Anchor = .start,
                              weight: String? = nil, fill: String = "#222222", rotate: Double? = nil) {
        var s = "<text x=\"\(SVG.num(x))\" y=\"\(SVG.num(y))\" font-size=\"\(SVG.num(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\""
        if let w = weight { s += " font-weight=\"\(w)\"" }
        if let r = rotate { s += " transform=\"rotate(\(SVG.num(r)) \(SVG.num(x)) \(SVG.num(y)))\"" }
        body.append(s + ">\(SVG.escape(text))</text>")
    }

    /// An embedded raster image (a PNG data URI), drawn without smoothing.
    public mutating func image(_ x: Double, _ y: Double, _ w: Double, _ h: Double, png: [UInt8]) {
        let uri = "data:image/png;base64," + Data(png).base64EncodedString()
        body.append("<image x=\"\(SVG.num(x))\" y=\"\(SVG.num(y))\" width=\"\(SVG.num(w))\" height=\"\(SVG.num(h))\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"\(uri)\" xlink:href=\"\(uri)\"/>")
    }

    /// The complete document.
    public var document: String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"\(SVG.num(width))\" height=\"\(SVG.num(height))\" viewBox=\"0 0 \(SVG.num(width)) \(SVG.num(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        for e in body { s += e; s += "\n" }
        return s + "</svg>\n"
    }
}

public enum SVG {
    /// Escapes text for XML attribute values and text nodes; drops characters XML 1.0 forbids.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = u.value
                if v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D { continue }
                if v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals and no trailing zeros.
    public static func num(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 100).rounded() / 100
        if r == r.rounded() && abs(r) < 1e15 { return String(Int(r)) }
        var s = String(format: "%.2f", r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    /// Ten distinguishable colours (the "tab10" palette).
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    public static func color(_ i: Int) -> String { palette[((i % palette.count) + palette.count) % palette.count] }
}
