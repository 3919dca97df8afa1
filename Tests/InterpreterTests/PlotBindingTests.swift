import XCTest
import Interpreter

/// The `plot` bindings: figures reach the host's display sink, `path=` saves, errors read alike.
final class PlotBindingTests: XCTestCase {
    func testFiguresReachTheDisplaySinkAndSave() throws {
        let r = Recorder()
        var shown: [FigureObject] = []
        r.host.display = { if let f = $0 as? FigureObject { shown.append(f) } }
        let s = Session(host: r.host, registry: coregRegistry())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("binding-\(getpid()).svg").path
        let result = s.evaluate("""
        let f = plot.line([[1, 2, 3], [3, 2, 1]], labels: ["up", "down"], title: "t", path: "\(path)")
        plot.hist(tensor([0.1, 0.5, 0.9]), bins: 3)
        f.kind + " " + str(len(f.svg) > 100)
        """)
        guard case .value(let v?) = result else { return XCTFail("no value: \(r.rendered)") }
        XCTAssertEqual(v.reprString, "\"line true\"")
        XCTAssertEqual(shown.map { $0.figure.kind.rawValue }, ["line", "histogram"])
        XCTAssertTrue(shown[0].scriptDescription.contains("up"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        try? FileManager.default.removeItem(atPath: path)
    }

    func testArgumentErrors() {
        let r = Recorder()
        let s = Session(host: r.host, registry: coregRegistry())
        _ = s.evaluate("plot.bar([\"a\", \"b\"], [1])")
        XCTAssertTrue(r.rendered.contains("bad argument #2 to 'plot.bar' (1 values for 2 labels)"), r.rendered)
        _ = s.evaluate("plot.line(\"text\")")
        XCTAssertTrue(r.rendered.contains("bad argument #1 to 'plot.line'"), r.rendered)
        _ = s.evaluate("plot.hist([1, 2], curves: [{mean: 1}])")
        XCTAssertTrue(r.rendered.contains("a curve needs mean and std"), r.rendered)
    }
}
