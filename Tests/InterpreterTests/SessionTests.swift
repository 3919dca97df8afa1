import XCTest
import Interpreter

/// A host that records everything the interpreter reports.
final class Recorder {
    var output = ""
    var diagnostics: [Diagnostic] = []
    lazy var host = Host(write: { self.output += $0 },
                         report: { self.diagnostics.append($0) })
    var rendered: String { diagnostics.map { $0.rendered }.joined(separator: "\n") }
}

final class DiagnosticRenderingTests: XCTestCase {
    func testSyntaxErrorRendersCaret() {
        let r = Recorder()
        let s = Session(host: r.host)
        _ = s.evaluate("let total = (1 +\n  2\nprint(total)", file: "demo.coreg")
        XCTAssertEqual(r.rendered, """
        demo.coreg:3:1: error: expected ')' (to close '(' at line 1) near 'print'
        3 | print(total)
          | ^
        """)
    }

    func testCaretUnderColumnWithTabs() {
        let r = Recorder()
        _ = Session(host: r.host).evaluate("if true {\n\tlet x = * 2\n}", file: "t.coreg")
        XCTAssertEqual(r.rendered, "t.coreg:2:10: error: expected expression near '*'\n2 | \tlet x = * 2\n  | \t        ^")
    }

    func testSeveralSyntaxErrorsInOneRun() {
        let r = Recorder()
        _ = Session(host: r.host).evaluate("let a = )\nlet b = 1\nlet c = ]\n", file: "m.coreg")
        XCTAssertEqual(r.diagnostics.count, 2)
        XCTAssertEqual(r.diagnostics.map { "\($0.line):\($0.column)" }, ["1:9", "3:9"])
    }

    func testRuntimeErrorHasStackTrace() {
        let r = Recorder()
        let src = """
        fn inner(x) {
          return x // 0
        }
        fn outer(x) {
          return inner(x)
        }
        outer(5)
        """
        let result = Session(host: r.host).evaluate(src, file: "trace.coreg")
        guard case .error = result else { return XCTFail("expected an error") }
        XCTAssertEqual(r.rendered, """
        trace.coreg:2:12: error: integer division by zero
        2 |   return x // 0
          |            ^
        stack traceback:
          trace.coreg:2:12: in function 'inner'
          trace.coreg:5:10: in function 'outer'
          trace.coreg:7:1: in main chunk
        """)
    }

    func testLineNumberGutterWidth() {
        let r = Recorder()
        let src = String(repeating: "\n", count: 11) + "let = 3"
        _ = Session(host: r.host).evaluate(src, file: "w.coreg")
        XCTAssertEqual(r.rendered, "w.coreg:12:5: error: expected variable name near '='\n12 | let = 3\n   |     ^")
    }
}

final class SessionTests: XCTestCase {
    func testEntryStatus() {
        let s = Session(host: Host())
        XCTAssertEqual(s.status(of: "let x = 1"), .complete)
        XCTAssertEqual(s.status(of: "fn f() {"), .incomplete)
        XCTAssertEqual(s.status(of: "let x = (1 +"), .incomplete)
        XCTAssertEqual(s.status(of: "print(\"a\","), .incomplete)
        XCTAssertEqual(s.status(of: "let x = )"), .error)
        XCTAssertEqual(s.status(of: "if x {\n  print(1)\n} else {"), .incomplete)
    }

    func testBareExpressionValueAndUnderscore() {
        let r = Recorder()
        let s = Session(host: r.host)
        guard case .value(let v?) = s.evaluate("1 + 2") else { return XCTFail() }
        XCTAssertEqual(v.reprString, "3")
        guard case .value(let w?) = s.evaluate("_ * 10") else { return XCTFail() }
        XCTAssertEqual(w.reprString, "30")
        guard case .value(nil) = s.evaluate("let y = 5") else { return XCTFail() }
        guard case .value(nil) = s.evaluate("nil") else { return XCTFail() }
        XCTAssertEqual(s.value(of: "y")?.reprString, "5")
    }

    func testStateIsKeptAcrossEntries() {
        let r = Recorder()
        let s = Session(host: r.host)
        _ = s.evaluate("var n = 1\nfn bump() { n += 1 }")
        _ = s.evaluate("bump()")
        _ = s.evaluate("bump()")
        _ = s.evaluate("print(n)")
        XCTAssertEqual(r.output, "3\n")
        XCTAssertEqual(s.variables.map { $0.name }, ["n", "bump"])
    }

    func testFailedEntryDoesNotPoisonSession() {
        let r = Recorder()
        let s = Session(host: r.host)
        _ = s.evaluate("let a = undefined_name")
        XCTAssertEqual(r.diagnostics.first?.message, "undefined variable 'undefined_name'")
        guard case .value(let v?) = s.evaluate("2 * 21") else { return XCTFail() }
        XCTAssertEqual(v.reprString, "42")
        XCTAssertNil(s.value(of: "a"))
    }

    func testCompletions() {
        let s = Session(host: Host())
        _ = s.evaluate("let config = {learning_rate: 0.1, epochs: 3}\nfn train(model, lr = 0.1, epochs = 10) => nil")
        XCTAssertEqual(s.completions(for: "pri"), ["print"])
        XCTAssertEqual(s.completions(for: "config.le"), ["learning_rate"])
        XCTAssertEqual(s.completions(for: "math.sq"), ["sqrt"])
        XCTAssertEqual(s.completions(for: "train(m, ep"), ["epochs="])
        XCTAssertEqual(s.completions(for: "sorted(xs, re"), ["repr", "return", "reverse=", "reversed"])
        XCTAssertTrue(s.completions(for: "wh").contains("while"))
        XCTAssertEqual(s.completions(for: "\"abc\".upp"), [])
        _ = s.evaluate("let word = \"abc\"")
        XCTAssertEqual(s.completions(for: "word.upp"), ["upper"])
        _ = s.evaluate("let xs = [3, 1]")
        XCTAssertEqual(s.completions(for: "xs.sort(rev"), ["reverse=", "reversed"])
    }

    func testHelp() {
        let r = Recorder()
        let s = Session(host: r.host)
        XCTAssertEqual(s.help("math.sqrt"), "math.sqrt(x: number)\nSquare root.")
        XCTAssertTrue(s.help("print")!.hasPrefix("print(...values, sep: string = \" \", end: string = \"\\n\")"))
        XCTAssertNil(s.help("no_such_thing"))
        _ = s.evaluate("help(\"len\")")
        XCTAssertEqual(r.output, "len(x)\nNumber of items of a list, dict, range or object, or characters of a string.\n")
    }

    func testInterruptHook() {
        let r = Recorder()
        var polls = 0
        r.host.isInterruptRequested = { polls += 1; return polls > 1000 }
        let result = Session(host: r.host).evaluate("while true { }")
        guard case .interrupted = result else { return XCTFail("expected interruption") }
        XCTAssertEqual(r.rendered, "Interrupted.")
    }

    func testStepBudget() {
        let r = Recorder()
        r.host.maxSteps = 10_000
        let result = Session(host: r.host).evaluate("var i = 0\nwhile true { i += 1 }", file: "loop.coreg")
        guard case .error = result else { return XCTFail() }
        XCTAssertEqual(r.diagnostics.first?.message, "step limit exceeded (10000 steps)")
    }

    func testNoGradHook() {
        let r = Recorder()
        var inside = 0
        r.host.noGrad = { body in inside += 1; try body(); inside -= 1 }
        let registry = Registry.standard()
        registry.add("grad_enabled()", doc: "test") { _ in .bool(inside == 0) }
        let s = Session(host: r.host, registry: registry)
        _ = s.evaluate("print(grad_enabled())\nnograd {\n  print(grad_enabled())\n}\nprint(grad_enabled())")
        XCTAssertEqual(r.output, "true\nfalse\ntrue\n")
    }

    func testRunScriptExitCodes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coreg-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) -> String {
            let p = dir.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
            return p
        }
        let r = Recorder()
        XCTAssertEqual(runScript(path: write("ok.coreg", "arg n = 2\nprint(n * 2)"), args: ["n=5"], host: r.host), .success)
        XCTAssertEqual(r.output, "10\n")
        XCTAssertEqual(runScript(path: write("syn.coreg", "let = 1"), host: Recorder().host), .staticError)
        XCTAssertEqual(runScript(path: write("rt.coreg", "print(1 // 0)"), host: Recorder().host), .runtimeError)
        XCTAssertEqual(runScript(path: dir.appendingPathComponent("missing.coreg").path, host: Recorder().host), .noInput)
        XCTAssertEqual(checkScript(path: write("chk.coreg", "print(undefined)"), host: Recorder().host), .staticError)
        XCTAssertEqual(checkScript(path: write("chk2.coreg", "print(1 // 0)"), host: Recorder().host), .success)
        _ = write("lib.coreg", "fn ok() => 1\nfn bad() => nope")
        let c = Recorder()
        XCTAssertEqual(checkScript(path: write("imp.coreg", "import \"lib.coreg\"\nprint(lib.ok())"), host: c.host), .staticError)
        XCTAssertEqual(c.diagnostics.map { "\($0.file.split(separator: "/").last!):\($0.line):\($0.column): \($0.message)" },
                       ["lib.coreg:2:13: undefined variable 'nope'"])
        let m = Recorder()
        XCTAssertEqual(checkScript(path: write("imp2.coreg", "import \"absent.coreg\""), host: m.host), .staticError)
        XCTAssertEqual(m.diagnostics.first?.message, "cannot import 'absent.coreg': cannot read file")
        let h = Recorder()
        h.host.isInterruptRequested = { true }
        XCTAssertEqual(runScript(path: write("int.coreg", "while true { }"), host: h.host), .interrupted)
    }

    func testArgumentConversion() throws {
        XCTAssertEqual(try Host.convertArgument("3", like: nil, name: "x").reprString, "3")
        XCTAssertEqual(try Host.convertArgument("3", like: .float(0.1), name: "x").reprString, "3.0")
        XCTAssertEqual(try Host.convertArgument("0.5", like: nil, name: "x").reprString, "0.5")
        XCTAssertEqual(try Host.convertArgument("true", like: nil, name: "x").reprString, "true")
        XCTAssertEqual(try Host.convertArgument("cifar10", like: nil, name: "x").reprString, "\"cifar10\"")
        XCTAssertEqual(try Host.convertArgument("10", like: .string("a"), name: "x").reprString, "\"10\"")
        XCTAssertThrowsError(try Host.convertArgument("abc", like: .int(1), name: "x"))
    }
}
