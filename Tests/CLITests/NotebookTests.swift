import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `coreg notebook` to Markdown and to nbformat-4, and the SVG the `plot` module writes.
final class NotebookTests: XCTestCase {
    var intro: String { Coreg.root.appendingPathComponent("scripts/notebooks/intro.coreg").path }

    /// Parses XML with Foundation's parser; fails the test with the parser's error.
    func assertWellFormedXML(_ data: Data, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let p = XMLParser(data: data)
        let ok = p.parse()
        XCTAssertTrue(ok, "\(what) is not well-formed XML: \(String(describing: p.parserError))", file: file, line: line)
    }

    func testIntroRendersToMarkdownWithSVGFiles() throws {
        let dir = try Coreg.temporaryDirectory()
        let out = dir.appendingPathComponent("intro.md")
        let (code, _, err) = try Coreg.run(["notebook", intro, "-o", out.path])
        XCTAssertEqual(code, 0, err)
        let md = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(md.contains("```coreg"), md)
        XCTAssertFalse(md.contains("Not run"), md)
        let figs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("intro_files").path).filter { $0.hasSuffix(".svg") }
        XCTAssertGreaterThanOrEqual(figs.count, 2)
        for f in figs {
            XCTAssertTrue(md.contains("intro_files/\(f)"), "\(f) is not referenced")
            assertWellFormedXML(try Data(contentsOf: dir.appendingPathComponent("intro_files/\(f)")), f)
        }
    }

    func testIntroRendersToValidNbformat4() throws {
        let dir = try Coreg.temporaryDirectory()
        let out = dir.appendingPathComponent("intro.ipynb")
        let (code, _, err) = try Coreg.run(["notebook", intro, "--to", "ipynb", "-o", out.path])
        XCTAssertEqual(code, 0, err)
        let nb = try checkNotebook(try Data(contentsOf: out))
        let cells = nb["cells"] as! [[String: Any]]
        let outputs = cells.flatMap { ($0["outputs"] as? [[String: Any]]) ?? [] }
        XCTAssertTrue(outputs.contains { $0["output_type"] as? String == "stream" })
        XCTAssertTrue(outputs.contains { $0["output_type"] as? String == "execute_result" })
        XCTAssertTrue(outputs.contains { $0["output_type"] as? String == "display_data" })
        XCTAssertTrue(cells.contains { $0["cell_type"] as? String == "markdown" })
    }

    func testFailingCellShowsErrorAndLaterCellsAreNotRun() throws {
        let dir = try Coreg.temporaryDirectory()
        let src = dir.appendingPathComponent("broken.coreg")
        try "# %%\nlet a = 1\nprint(a)\n# %%\nlet b = a // 0\n# %%\nprint(\"after\")\n".write(to: src, atomically: true, encoding: .utf8)
        let (code, _, err) = try Coreg.run(["notebook", src.path, "--to", "ipynb", "-o", dir.appendingPathComponent("b.ipynb").path])
        XCTAssertEqual(code, 70, err)
        let nb = try checkNotebook(try Data(contentsOf: dir.appendingPathComponent("b.ipynb")))
        let cells = nb["cells"] as! [[String: Any]]
        XCTAssertEqual(cells.count, 3)
        let failed = (cells[1]["outputs"] as! [[String: Any]]).first { $0["output_type"] as? String == "error" }
        XCTAssertNotNil(failed)
        XCTAssertTrue((failed?["evalue"] as? String ?? "").contains("division by zero"))
        // the error names the script's own line (cell 2 starts at line 5)
        XCTAssertTrue(((failed?["traceback"] as? [String]) ?? []).joined().contains("broken.coreg:5:"))
        XCTAssertTrue(cells[2]["execution_count"] is NSNull)
        XCTAssertEqual((cells[2]["metadata"] as? [String: Any])?["coreg"] as? [String: String], ["status": "not run"])

        let (code2, _, _) = try Coreg.run(["notebook", src.path, "-o", dir.appendingPathComponent("b.md").path])
        XCTAssertEqual(code2, 70)
        let md = try String(contentsOf: dir.appendingPathComponent("b.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("**Error:**"), md)
        XCTAssertTrue(md.contains("Not run: cell 2 failed"), md)
    }

    func testEveryPlotKindWritesWellFormedSVG() throws {
        let dir = try Coreg.temporaryDirectory()
        let script = """
        tensor.manual_seed(1)
        let d = "\(dir.path)/"
        plot.line({train: [1, 0.6, 0.4, 0.3], "test <&>": [1.1, 0.8, 0.7, 0.65]}, title: "loss", xlabel: "epoch", ylabel: "loss", path: d + "line.svg")
        let l = tensor.cat([randn(200) * 0.1 + 0.3, randn(100) * 0.2 + 1.5])
        plot.hist(l, bins: 25, curves: [{mean: 0.3, std: 0.1, weight: 0.667, label: "clean"}, {mean: 1.5, std: 0.2, weight: 0.333, label: "noisy"}], path: d + "hist.svg")
        plot.bar(["a", "b", "c"], [3, -1, 2], title: "bars", path: d + "bar.svg")
        plot.confusion([[5, 1, 0], [2, 7, 1], [0, 0, 9]], classes: ["cat", "dog", "bird"], path: d + "confusion.svg")
        plot.images(rand(6, 3, 8, 8), captions: ["a", "b", "c", "d", "e", "f"], path: d + "images.svg")
        plot.images(rand(4, 1, 5, 5), ncols: 2, path: d + "gray.svg")
        print(plot.sparkline([1, 2, 3, 2, 1]))
        """
        let (code, out, err) = try Coreg.run(["run", "-"], stdin: script)
        XCTAssertEqual(code, 0, err)
        XCTAssertTrue(out.contains("▁"), out)
        for name in ["line", "hist", "bar", "confusion", "images", "gray"] {
            let data = try Data(contentsOf: dir.appendingPathComponent("\(name).svg"))
            assertWellFormedXML(data, name)
            XCTAssertLessThan(data.count, 200_000, "\(name).svg is too large")
        }
        let line = try String(contentsOf: dir.appendingPathComponent("line.svg"), encoding: .utf8)
        XCTAssertTrue(line.contains("test &lt;&amp;&gt;"))
        let images = try String(contentsOf: dir.appendingPathComponent("images.svg"), encoding: .utf8)
        XCTAssertTrue(images.contains("data:image/png;base64,"))
    }

    /// A structural nbformat-4 check: top-level keys, cell types, sources as string lists and
    /// outputs of the four kinds with their required fields.
    func checkNotebook(_ data: Data) throws -> [String: Any] {
        let nb = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(nb["nbformat"] as? Int, 4)
        XCTAssertNotNil(nb["nbformat_minor"] as? Int)
        XCTAssertNotNil(nb["metadata"] as? [String: Any])
        let cells = try XCTUnwrap(nb["cells"] as? [[String: Any]])
        var ids = Set<String>()
        for c in cells {
            let type = c["cell_type"] as? String
            XCTAssertTrue(type == "code" || type == "markdown", "cell_type \(String(describing: type))")
            let id = try XCTUnwrap(c["id"] as? String)
            XCTAssertTrue(ids.insert(id).inserted, "duplicate id \(id)")
            XCTAssertNotNil(c["metadata"] as? [String: Any])
            XCTAssertNotNil(c["source"] as? [String], "source must be a list of strings")
            guard type == "code" else { XCTAssertNil(c["outputs"]); continue }
            XCTAssertTrue(c["execution_count"] is Int || c["execution_count"] is NSNull)
            let outputs = try XCTUnwrap(c["outputs"] as? [[String: Any]])
            for o in outputs {
                switch o["output_type"] as? String {
                case "stream":
                    XCTAssertTrue(["stdout", "stderr"].contains(o["name"] as? String ?? ""))
                    XCTAssertNotNil(o["text"] as? [String])
                case "execute_result":
                    XCTAssertNotNil(o["execution_count"] as? Int)
                    XCTAssertNotNil((o["data"] as? [String: Any])?["text/plain"])
                    XCTAssertNotNil(o["metadata"] as? [String: Any])
                case "display_data":
                    let d = try XCTUnwrap(o["data"] as? [String: Any])
                    let svg = try XCTUnwrap(d["image/svg+xml"] as? [String])
                    assertWellFormedXML(Data(svg.joined().utf8), "display_data svg")
                    XCTAssertNotNil(o["metadata"] as? [String: Any])
                case "error":
                    XCTAssertNotNil(o["ename"] as? String)
                    XCTAssertNotNil(o["evalue"] as? String)
                    XCTAssertNotNil(o["traceback"] as? [String])
                default:
                    XCTFail("unknown output_type \(String(describing: o["output_type"]))")
                }
            }
        }
        return nb
    }
}
