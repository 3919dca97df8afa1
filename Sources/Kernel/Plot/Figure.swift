import Foundation

/// How terminal renderings may use colour.
public enum TerminalColor: Sendable {
    case none          // plain text: shade characters, no escape sequences
    case ansi256       // xterm 256-colour palette
    case trueColor     // 24-bit colour
}

/// A finished chart: its SVG document plus a compact terminal rendering. Kernel-level: it knows
/// nothing about the language; the `plot` bindings wrap it for scripts.
public struct Figure {
    public enum Kind: String, Sendable { case line, histogram, bar, confusion, images }
    public let kind: Kind
    public let title: String
    /// A one-line description, e.g. `line chart "loss": 2 series, 50 points`.
    public let summary: String
    /// The SVG document (well-formed XML).
    public let svg: String
    let terminal: (TerminalColor) -> String

    public init(kind: Kind, title: String, summary: String, svg: String, terminal: @escaping (TerminalColor) -> String) {
        self.kind = kind; self.title = title; self.summary = summary; self.svg = svg; self.terminal = terminal
    }

    /// The chart drawn with Unicode characters (and colour when allowed).
    public func terminalText(_ color: TerminalColor = .none) -> String { terminal(color) }

    /// Writes the SVG document atomically.
    public func save(to path: String) throws { try AtomicFile.write(svg, to: path) }
}

/// Options every chart shares.
public struct ChartLabels: Sendable {
    public var title: String
    public var xlabel: String
    public var ylabel: String
    public var width: Double
    public var height: Double
    public init(title: String = "", xlabel: String = "", ylabel: String = "", width: Double = 640, height: Double = 400) {
        self.title = title; self.xlabel = xlabel; self.ylabel = ylabel; self.width = width; self.height = height
    }
}

func finiteRange(_ values: [Double]) -> (Double, Double)? {
    var lo = Double.infinity, hi = -Double.infinity
    for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
    return lo <= hi ? (lo, hi) : nil
}

func quoted(_ s: String) -> String { s.isEmpty ? "" : " \"\(s)\"" }
