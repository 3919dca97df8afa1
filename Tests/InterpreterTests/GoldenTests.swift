import XCTest
import Foundation
import Interpreter

/// Runs every script in `golden/` (not `golden/lib/`) and compares its output and diagnostics
/// with the expectations in its comments:
///
///     # expect: line of output
///     # expect error 3:7: message             (syntax or static error; exit 65)
///     # expect runtime error: message         (exit 70)
///     # expect runtime error 4:9: message     (with location)
///     # expect warning: message               (e.g. an unused command-line argument)
///     # expect exit: 64                       (an exit status other than the kind's usual one)
///     # args: lr=0.5 name=x                   (command-line arguments)
final class GoldenTests: XCTestCase {
    struct Expectations {
        var output: [String] = []
        var staticErrors: [String] = []
        var runtimeError: String? = nil
        var warnings: [String] = []
        var args: [String] = []
        /// `# expect exit: N`: the exit status when it is not the kind's usual one (e.g. 64 for
        /// an unknown name reported at run time).
        var exit: Int32? = nil
    }

    static func goldenDirectory() -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("golden")
    }

    static func goldenFiles() -> [URL] {
        let dir = goldenDirectory()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".coreg") }.sorted().map { dir.appendingPathComponent($0) }
    }

    static func expectations(_ text: String) -> Expectations {
        var e = Expectations()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let hash = line.range(of: "# ") else { continue }
            let c = line[hash.upperBound...]
            if c.hasPrefix("expect: ") { e.output.append(String(c.dropFirst(8))) }
            else if c == "expect:" { e.output.append("") }
            else if c.hasPrefix("expect error ") { e.staticErrors.append(String(c.dropFirst(13))) }
            else if c.hasPrefix("expect runtime error") { e.runtimeError = String(c.dropFirst(20)) }
            else if c.hasPrefix("expect warning: ") { e.warnings.append(String(c.dropFirst(16))) }
            else if c.hasPrefix("expect exit: ") { e.exit = Int32(c.dropFirst(13).trimmingCharacters(in: .whitespaces)) }
            else if c.hasPrefix("args: ") { e.args = c.dropFirst(6).split(separator: " ").map(String.init) }
        }
        return e
    }

    /// Runs one golden file; returns a description of each mismatch.
    static func check(_ url: URL) -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return ["cannot read"] }
        let exp = expectations(text)
        var output = ""
        var diags: [Diagnostic] = []
        let host = Host(write: { output += $0 }, report: { diags.append($0) }, maxSteps: 5_000_000)
        host.noGrad = kernelNoGrad
        let code = runScript(path: url.path, args: exp.args, host: host, registry: coregRegistry())
        var problems: [String] = []
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        if lines != exp.output {
            problems.append("output differs:\n--- expected\n\(exp.output.joined(separator: "\n"))\n--- got\n\(lines.joined(separator: "\n"))")
        }
        let staticGot = diags.filter { $0.kind == .syntax || $0.kind == .staticError }.map { "\($0.line):\($0.column): \($0.message)" }
        if staticGot != exp.staticErrors {
            problems.append("static errors differ:\n--- expected\n\(exp.staticErrors.joined(separator: "\n"))\n--- got\n\(staticGot.joined(separator: "\n"))")
        }
        let warnings = diags.filter { $0.kind == .warning }.map { $0.message }
        if warnings != exp.warnings {
            problems.append("warnings differ:\n--- expected\n\(exp.warnings.joined(separator: "\n"))\n--- got\n\(warnings.joined(separator: "\n"))")
        }
        let runtime = diags.filter { $0.kind == .runtime }
        if let want = exp.runtimeError {
            if let got = runtime.first {
                let withLoc = " \(got.line):\(got.column): \(got.message)"
                if want != ": \(got.message)" && want != withLoc {
                    problems.append("runtime error differs:\n--- expected\n\(want)\n--- got\n\(withLoc)")
                }
            } else { problems.append("expected runtime error\(want), got none") }
        } else if let got = runtime.first {
            problems.append("unexpected runtime error: \(got.rendered)")
        }
        let wantCode: ExitCode = exp.exit.flatMap { ExitCode(rawValue: $0) }
            ?? (!exp.staticErrors.isEmpty ? .staticError : (exp.runtimeError != nil ? .runtimeError : .success))
        if code != wantCode { problems.append("exit code \(code.rawValue), expected \(wantCode.rawValue)") }
        return problems
    }

    func testGoldenScripts() {
        let files = GoldenTests.goldenFiles()
        XCTAssertGreaterThanOrEqual(files.count, 150, "expected at least 150 golden scripts")
        var failed = 0
        for f in files {
            let problems = GoldenTests.check(f)
            if !problems.isEmpty {
                failed += 1
                XCTFail("golden/\(f.lastPathComponent):\n" + problems.joined(separator: "\n"))
            }
        }
        print("golden scripts: \(files.count) run, \(failed) failed")
    }
}
