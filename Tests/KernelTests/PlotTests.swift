import XCTest
#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import Kernel

/// The SVG writer, axis ticks and terminal renderers of `Kernel/Plot`.
final class PlotTests: XCTestCase {
    func assertWellFormed(_ svg: String, file: StaticString = #filePath, line: UInt = #line) {
        let p = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(p.parse(), "not well-formed: \(String(describing: p.parserError))", file: file, line: line)
    }

    func testEscapingKeepsXMLWellFormed() {
        XCTAssertEqual(SVG.escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;")
        XCTAssertEqual(SVG.escape("bell\u{07}tab\t"), "belltab\t")   // control characters XML forbids are dropped
        var c = SVGCanvas(width: 10, height: 10)
        c.text(1, 1, "<&\u{01}>")
        assertWellFormed(c.document)
    }

    func testNiceTicksAndNumbers() {
        XCTAssertEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(niceTicks(0, 59), [0, 20, 40])
        XCTAssertEqual(niceTicks(-1, 1), [-1, -0.5, 0, 0.5, 1])
        XCTAssertEqual(niceDomain(0.002, 3.3).0, 0)
        XCTAssertEqual(niceDomain(0.002, 3.3).1, 4)
        XCTAssertEqual(SVG.num(1.0), "1")
        XCTAssertEqual(SVG.num(2.345), "2.35")
        XCTAssertEqual(SVG.num(.nan), "0")
        XCTAssertEqual(tickLabel(0.5), "0.5")
        XCTAssertEqual(tickLabel(1e-5), "1e-05")
    }

    func testEveryChartIsWellFormed() throws {
        let figs = [
            Plot.line([Series(name: "a & b", y: [1, 2, .nan, 4]), Series(name: "", x: [0, 1], y: [3, 1])],
                      labels: ChartLabels(title: "t", xlabel: "x", ylabel: "y")),
            Plot.line([]),
            Plot.histogram([0.1, 0.2, 0.2, 0.9], bins: 4, curves: [.gaussian(name: "g", mean: 0.2, std: 0.1, weight: 1)]),
            Plot.histogram([], bins: 3),
            Plot.bar(["a", "b"], [1, -2]),
            Plot.confusion([[3, 1], [0, 4]], classes: ["x", "y"], normalize: true),
            try Plot.images(try Tensor.rand([3, 3, 4, 5]), captions: ["<1>", "2"], title: "imgs"),
            try Plot.images(try Tensor.rand([2, 6, 6])),
        ]
        for f in figs {
            assertWellFormed(f.svg)
            XCTAssertFalse(f.terminalText(.none).contains("\u{1B}"), "plain rendering must not contain escapes")
        }
        XCTAssertThrowsError(try Plot.images(try Tensor.rand([2, 2, 4, 4])))   // C must be 1 or 3
    }

    func testHistogramDensityMatchesGaussianScale() {
        // With density bars the Gaussian curve is drawn unscaled; the summary counts values.
        let f = Plot.histogram([0, 1, 1, 2], bins: 2, density: true, curves: [.gaussian(name: "n", mean: 1, std: 0.5, weight: 1)])
        XCTAssertTrue(f.summary.contains("4 values, 2 bins"), f.summary)
        XCTAssertTrue(f.svg.contains("<polyline"))
    }

    func testTerminalRenderers() throws {
        XCTAssertEqual(TerminalPlot.sparkline([0, 1, 2, 3, 4, 5, 6, 7]), "▁▂▃▄▅▆▇█")
        XCTAssertEqual(TerminalPlot.sparkline([1, 2, 3, 4], width: 2), "▁█")
        XCTAssertEqual(TerminalPlot.bars(["a", "bb"], [2, 1], width: 4), "  a  ████ 2\n  bb ██ 1")
        let img = try Image8(height: 2, width: 2, channels: 1, pixels: [0, 255, 255, 0])
        XCTAssertEqual(TerminalPlot.halfBlocks([img], color: .none), "▒▒ ")
        let tc = TerminalPlot.halfBlocks([img], color: .trueColor)
        XCTAssertTrue(tc.contains("\u{1B}[38;2;0;0;0m\u{1B}[48;2;255;255;255m▀"), tc)
        XCTAssertTrue(TerminalPlot.halfBlocks([img], color: .ansi256).contains("\u{1B}[38;5;16m\u{1B}[48;5;231m▀"))
    }

    /// An atomic save replaces the file by renaming a complete new one over it; it never rewrites
    /// the old file in place. A hard link to the old file tells the two apart: after a rename it
    /// still holds the old bytes (another inode), after an in-place write it would hold the new
    /// ones. No temporary file is left behind.
    func testSaveWritesAtomically() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("plot-atomic-\(getpid())").path
        try? fm.removeItem(atPath: dir)
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: dir) }
        let path = dir + "/figure.svg", link = dir + "/old-figure.svg"
        try "old contents".write(toFile: path, atomically: false, encoding: .utf8)
        try fm.linkItem(atPath: path, toPath: link)
        try Plot.bar(["a"], [1]).save(to: path)
        assertWellFormed(try String(contentsOfFile: path, encoding: .utf8))
        XCTAssertEqual(try String(contentsOfFile: link, encoding: .utf8), "old contents",
                       "the save rewrote the old file in place instead of renaming a new one over it")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir).sorted(), ["figure.svg", "old-figure.svg"])
    }
}
