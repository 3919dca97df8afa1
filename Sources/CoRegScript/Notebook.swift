import ArgumentParser
import Foundation
import Interpreter
import Kernel

/// `coreg notebook FILE.coreg [-o OUT] [--to md|ipynb]`: runs a script made of `# %%` cells in
/// one session and writes every cell with what it printed, its value and its figures.
struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Run a script of `# %%` cells and write it with outputs and figures (Markdown + SVG, or Jupyter .ipynb).",
        discussion: "Cells start at lines beginning with `# %%` (percent format); `# %% [markdown]` starts a cell of `#`-comment prose. A failing cell shows its error and later cells are marked as not run. Markdown output puts figures as SVG files in OUT_files/ beside it. Exit codes: 0 all cells ran, 65/70/130 a cell failed (the notebook is still written), 66 input missing.")
    enum Format: String, ExpressibleByArgument { case md, ipynb }

    @Argument(help: "The .coreg script of cells.") var file: String
    @Option(name: .shortAndLong, help: "Output file (default: FILE with .md or .ipynb).") var output: String?
    @Option(name: .customLong("to"), help: "md or ipynb (default: from -o's extension, else md).") var format: Format?
    @Argument(parsing: .allUnrecognized, help: "name=value arguments for the script.") var arguments: [String] = []

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            writeStderr("\(file): error: cannot read file\n")
            throw ExitCode(66)
        }
        let fmt = format ?? (output.map { $0.hasSuffix(".ipynb") ? .ipynb : .md } ?? .md)
        let base = (file as NSString).deletingPathExtension
        let out = output ?? base + (fmt == .md ? ".md" : ".ipynb")
        let book = NotebookRunner(path: file, arguments: arguments)
        let results = book.run(NotebookRunner.cells(in: text))
        do {
            switch fmt {
            case .md: try NotebookWriter.writeMarkdown(results, to: out)
            case .ipynb: try NotebookWriter.writeIPYNB(results, to: out)
            }
        } catch {
            writeStderr("\(out): error: \(error)\n")
            throw ExitCode(73)
        }
        let figures = results.reduce(0) { $0 + $1.figures.count }
        let failed = results.first { $0.status == .failed }
        writeStderr("wrote \(out) (\(results.filter { $0.cell.kind == .code }.count) code cells, \(figures) figures"
                    + (failed.map { ", cell \($0.index + 1) failed" } ?? "") + ")\n")
        throw ExitCode(failed?.exitCode ?? 0)
    }
}

struct NotebookCell {
    enum Kind { case code, markdown }
    var kind: Kind
    var source: String
    /// 1-based line of the first source line in the script (diagnostics name real lines).
    var firstLine: Int
}

struct CellResult {
    enum Status { case ok, failed, notRun, markdown }
    var index: Int
    var cell: NotebookCell
    var status: Status
    var executionCount: Int?
    var stdout = ""
    var value: String?
    var figures: [Figure] = []
    var error = ""
    var exitCode: Int32 = 0
    var failedCell: Int?
}

/// Runs cells in one `Session`, collecting per cell: printed text, diagnostics, the value of a
/// final bare expression and figures (through `host.display`).
final class NotebookRunner {
    let session: Session
    let host: Interpreter.Host
    let path: String
    private var current = CellResult(index: 0, cell: NotebookCell(kind: .code, source: "", firstLine: 1), status: .ok)
    private var shown: [ObjectIdentifier] = []

    init(path: String, arguments: [String]) {
        self.path = path
        host = makeHost()
        var args: [String: String] = [:]
        for a in arguments { if let eq = a.firstIndex(of: "=") { args[String(a[..<eq])] = String(a[a.index(after: eq)...]) } }
        host.arguments = args
        session = Session(host: host, registry: coregRegistry())
        host.write = { [unowned self] s in self.current.stdout += s }
        host.report = { [unowned self] d in
            self.current.error += (self.current.error.isEmpty ? "" : "\n") + d.rendered
            writeStderr(d.rendered + "\n")
        }
        host.display = { [unowned self] obj in
            if let f = obj as? FigureObject { self.current.figures.append(f.figure); self.shown.append(ObjectIdentifier(f)) }
        }
    }

    /// Splits percent-format text: a line starting `# %%` opens a cell (`[markdown]` for prose).
    static func cells(in text: String) -> [NotebookCell] {
        var cells: [NotebookCell] = []
        var kind = NotebookCell.Kind.code
        var lines: [String] = []
        var start = 1
        func flush() {
            var body = lines, first = start
            while let l = body.first, l.trimmingCharacters(in: .whitespaces).isEmpty { body.removeFirst(); first += 1 }
            while let l = body.last, l.trimmingCharacters(in: .whitespaces).isEmpty { body.removeLast() }
            if kind == .markdown {
                body = body.map { l in l.hasPrefix("# ") ? String(l.dropFirst(2)) : (l.hasPrefix("#") ? String(l.dropFirst()) : l) }
            }
            if !body.isEmpty { cells.append(NotebookCell(kind: kind, source: body.joined(separator: "\n"), firstLine: first)) }
        }
        for (i, line) in text.components(separatedBy: "\n").enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("# %%") || t.hasPrefix("#%%") {
                flush()
                lines = []
                start = i + 2
                let tag = t.lowercased()
                kind = tag.contains("[markdown]") || tag.contains("[md]") ? .markdown : .code
            } else {
                lines.append(line)
            }
        }
        flush()
        return cells
    }

    func run(_ cells: [NotebookCell]) -> [CellResult] {
        var results: [CellResult] = []
        var failed: Int? = nil
        var count = 0
        for (i, cell) in cells.enumerated() {
            if cell.kind == .markdown {
                results.append(CellResult(index: i, cell: cell, status: .markdown))
                continue
            }
            if let f = failed {
                var r = CellResult(index: i, cell: cell, status: .notRun)
                r.failedCell = f
                results.append(r)
                continue
            }
            count += 1
            current = CellResult(index: i, cell: cell, status: .ok, executionCount: count)
            shown = []
            let padded = String(repeating: "\n", count: max(0, cell.firstLine - 1)) + cell.source
            Signals.installForEvaluation()
            let r = session.evaluate(padded, file: path)
            Signals.reset()
            switch r {
            case .value(let v?):
                if case .object(let o) = v, shown.contains(ObjectIdentifier(o)) { break }
                if case .object(let f as FigureObject) = v { current.figures.append(f.figure); break }   // made earlier, shown now
                current.value = v.reprString
            case .value(nil): break
            case .error, .interrupted:
                current.status = .failed
                if case .interrupted = r { current.exitCode = 130 }
                else { current.exitCode = session.status(of: padded) == .complete && !isStaticError(current.error) ? 70 : 65 }
                failed = i + 1
            }
            results.append(current)
        }
        return results
    }

    /// Static errors (undefined names …) carry no stack traceback; runtime errors do.
    private func isStaticError(_ text: String) -> Bool { !text.contains("stack traceback") }
}

/// Markdown (+ SVG files) and nbformat-4 writers.
enum NotebookWriter {
    static func lines(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        for ch in s {
            cur.append(ch)
            if ch == "\n" { out.append(cur); cur = "" }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    static func fence(_ body: String, _ lang: String) -> String {
        let ticks = body.contains("```") ? "~~~~" : "```"
        return ticks + lang + "\n" + body + (body.hasSuffix("\n") ? "" : "\n") + ticks + "\n"
    }

    static func writeMarkdown(_ results: [CellResult], to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let figDirName = stem + "_files"
        let figDir = dir.isEmpty ? figDirName : dir + "/" + figDirName
        var md = ""
        for r in results {
            switch r.status {
            case .markdown:
                md += r.cell.source + "\n\n"
                continue
            default: break
            }
            md += fence(r.cell.source, "coreg")
            switch r.status {
            case .notRun:
                md += "\n*Not run: cell \(r.failedCell ?? 0) failed.*\n\n"
                continue
            default: break
            }
            if !r.stdout.isEmpty { md += "\n" + fence(r.stdout, "text") }
            if let v = r.value { md += "\n" + fence(v, "text") }
            for (k, f) in r.figures.enumerated() {
                if k == 0 { try FileManager.default.createDirectory(atPath: figDir, withIntermediateDirectories: true) }
                let name = "cell\(r.index + 1)-\(k + 1).svg"
                try f.save(to: figDir + "/" + name)
                md += "\n![\(f.summary.replacingOccurrences(of: "[", with: "\\[").replacingOccurrences(of: "]", with: "\\]"))](\(figDirName)/\(name))\n"
            }
            if r.status == .failed { md += "\n**Error:**\n\n" + fence(r.error, "text") }
            else if !r.error.isEmpty { md += "\n" + fence(r.error, "text") }   // warnings
            md += "\n"
        }
        try AtomicFile.write(md, to: path)
    }

    static func writeIPYNB(_ results: [CellResult], to path: String) throws {
        var cells: [[String: Any]] = []
        for r in results {
            let id = "cell-\(r.index + 1)"
            if r.status == .markdown {
                cells.append(["cell_type": "markdown", "id": id, "metadata": [String: Any](), "source": lines(r.cell.source)])
                continue
            }
            var outputs: [[String: Any]] = []
            var metadata: [String: Any] = [:]
            if !r.stdout.isEmpty { outputs.append(["output_type": "stream", "name": "stdout", "text": lines(r.stdout)]) }
            if r.status == .ok, !r.error.isEmpty {   // warnings of a cell that ran
                outputs.append(["output_type": "stream", "name": "stderr", "text": lines(r.error + "\n")])
            }
            for f in r.figures {
                outputs.append(["output_type": "display_data", "metadata": [String: Any](),
                                "data": ["image/svg+xml": lines(f.svg), "text/plain": lines(f.summary)]])
            }
            if let v = r.value, let n = r.executionCount {
                outputs.append(["output_type": "execute_result", "execution_count": n, "metadata": [String: Any](),
                                "data": ["text/plain": lines(v)]])
            }
            switch r.status {
            case .failed:
                let first = r.error.split(separator: "\n").first.map(String.init) ?? "error"
                let msg = first.range(of: "error: ").map { String(first[$0.upperBound...]) } ?? first
                outputs.append(["output_type": "error", "ename": r.exitCode == 130 ? "Interrupted" : r.exitCode == 65 ? "StaticError" : "RuntimeError", "evalue": msg,
                                "traceback": r.error.components(separatedBy: "\n")])
                metadata["coreg"] = ["status": "failed"]
            case .notRun:
                outputs.append(["output_type": "stream", "name": "stderr", "text": ["Not run: cell \(r.failedCell ?? 0) failed.\n"]])
                metadata["coreg"] = ["status": "not run"]
            default: break
            }
            cells.append(["cell_type": "code", "id": id, "metadata": metadata, "source": lines(r.cell.source),
                          "execution_count": r.executionCount.map { $0 as Any } ?? NSNull(), "outputs": outputs])
        }
        let nb: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": [
                "kernelspec": ["name": "coreg", "display_name": "CoReg", "language": "coreg"],
                "language_info": ["name": "coreg", "file_extension": ".coreg", "mimetype": "text/x-coreg"],
            ],
        ]
        let data = try JSONSerialization.data(withJSONObject: nb, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write([UInt8](data) + [10], to: path)
    }
}
