import Foundation

/// Charts drawn with Unicode characters for a terminal: sparklines, horizontal bars and images
/// as half blocks (`▀` with the upper pixel as foreground and the lower as background colour).
public enum TerminalPlot {
    static let ticks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let eighths: [String] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// `▁▂▄█▆…`: values resampled (by averaging) to at most `width` characters.
    public static func sparkline(_ values: [Double], width: Int = 60, fromZero: Bool = false) -> String {
        let v = resample(values, to: width)
        guard let r = finiteRange(v) else { return String(repeating: " ", count: v.count) }
        var lo = r.0, hi = r.1
        if fromZero { lo = min(lo, 0) }
        if hi == lo { hi = lo + 1 }
        return String(v.map { x -> Character in
            guard x.isFinite else { return " " }
            if fromZero && x == 0 { return " " }
            return ticks[max(0, min(7, Int((x - lo) / (hi - lo) * 7.999)))]
        })
    }

    static func resample(_ values: [Double], to width: Int) -> [Double] {
        guard values.count > width, width > 0 else { return values }
        return (0..<width).map { i in
            let a = i * values.count / width, b = max(a + 1, (i + 1) * values.count / width)
            let part = values[a..<b].filter { $0.isFinite }
            return part.isEmpty ? .nan : part.reduce(0, +) / Double(part.count)
        }
    }

    /// One line per value: `label ████▍ 0.53`, bar lengths in eighths of a character.
    public static func bars(_ labels: [String], _ values: [Double], width: Int = 40) -> String {
        let maxAbs = values.filter { $0.isFinite }.map(abs).max() ?? 1
        let lw = min(labels.map { $0.count }.max() ?? 0, 20)
        return values.enumerated().map { i, v in
            let name = i < labels.count ? String(labels[i].prefix(20)) : String(i)
            let units = maxAbs > 0 && v.isFinite ? Int((abs(v) / maxAbs * Double(width) * 8).rounded()) : 0
            let bar = String(repeating: "█", count: units / 8) + eighths[units % 8]
            return "  " + name.padding(toLength: lw, withPad: " ", startingAt: 0) + " " + (v < 0 ? "-" : "") + bar + " " + tickLabel4(v)
        }.joined(separator: "\n")
    }

    /// Images side by side, two pixel rows per text row. Plain output uses shade characters.
    public static func halfBlocks(_ images: [Image8], color: TerminalColor) -> String {
        guard let h = images.map({ $0.height }).max() else { return "" }
        var lines: [String] = []
        var row = 0
        while row < h {
            var line = ""
            for im in images {
                for x in 0..<im.width {
                    let top = pixel(im, row, x), bottom = row + 1 < im.height ? pixel(im, row + 1, x) : nil
                    switch color {
                    case .none:
                        let g = (gray(top) + (bottom.map(gray) ?? gray(top))) / 2
                        line.append(shades[min(4, Int(g / 256 * 5))])
                    case .trueColor:
                        line += "\u{1B}[38;2;\(top.0);\(top.1);\(top.2)m"
                        if let b = bottom { line += "\u{1B}[48;2;\(b.0);\(b.1);\(b.2)m" } else { line += "\u{1B}[49m" }
                        line += "▀"
                    case .ansi256:
                        line += "\u{1B}[38;5;\(ansi256(top))m"
                        if let b = bottom { line += "\u{1B}[48;5;\(ansi256(b))m" } else { line += "\u{1B}[49m" }
                        line += "▀"
                    }
                }
                line += color == .none ? " " : "\u{1B}[0m "
            }
            lines.append(line)
            row += 2
        }
        return lines.joined(separator: "\n")
    }

    static func pixel(_ im: Image8, _ y: Int, _ x: Int) -> (Int, Int, Int) {
        guard y < im.height, x < im.width else { return (0, 0, 0) }
        let i = (y * im.width + x) * im.channels
        if im.channels == 1 { let g = Int(im.pixels[i]); return (g, g, g) }
        return (Int(im.pixels[i]), Int(im.pixels[i + 1]), Int(im.pixels[i + 2]))
    }
    static func gray(_ p: (Int, Int, Int)) -> Double { 0.299 * Double(p.0) + 0.587 * Double(p.1) + 0.114 * Double(p.2) }

    /// The nearest xterm-256 colour: the 24-step gray ramp for grays, else the 6×6×6 cube.
    static func ansi256(_ p: (Int, Int, Int)) -> Int {
        if abs(p.0 - p.1) < 12 && abs(p.1 - p.2) < 12 {
            let g = (p.0 + p.1 + p.2) / 3
            if g < 4 { return 16 }
            if g > 246 { return 231 }
            return 232 + min(23, (g - 3) / 10)
        }
        func q(_ v: Int) -> Int { v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40 }
        return 16 + 36 * q(p.0) + 6 * q(p.1) + q(p.2)
    }

    /// The "Blues" colour map at t ∈ [0, 1].
    public static func blues(_ t: Double) -> (Int, Int, Int) {
        let stops: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
        let x = max(0, min(1, t)) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        return (Int(a.0 + (b.0 - a.0) * f), Int(a.1 + (b.1 - a.1) * f), Int(a.2 + (b.2 - a.2) * f))
    }
}
