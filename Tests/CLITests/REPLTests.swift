import Foundation
import XCTest

/// The REPL driven through a real pseudo-terminal: line editing, completion, history,
/// continuation prompts, errors, commands and Ctrl-C.
final class REPLTests: XCTestCase {
    let prompt = "coreg> "

    func start(_ env: [String: String] = [:], cwd: String? = nil) throws -> PTYSession {
        let s = try PTYSession(environment: env, cwd: cwd)
        try s.expect(prompt)
        return s
    }

    func quit(_ s: PTYSession) {
        s.send(":quit\r")
        XCTAssertEqual(s.waitForExit(), 0)
    }

    func testBannerOnTerminal() throws {
        let s = try PTYSession()
        let head = try s.expect(prompt)
        XCTAssertTrue(head.contains("CoReg"), head)
        XCTAssertTrue(head.contains(":help"), head)
        XCTAssertFalse(String(decoding: Array(head.utf8), as: UTF8.self).contains("\u{1B}"), "NO_COLOR is set: no escape sequences expected in the cleaned text")
        quit(s)
    }

    func testColourOnlyWithoutNoColor() throws {
        let plain = try start()
        plain.send("plot.images(rand(2, 1, 4, 4))\r"); try plain.expect("image grid"); try plain.expect(prompt)
        XCTAssertFalse(plain.rawText.contains("\u{1B}[1;32m"), "NO_COLOR must turn the coloured prompt off")
        XCTAssertFalse(plain.rawText.contains("\u{1B}[38;"), "NO_COLOR must draw images without colour")
        quit(plain)

        let coloured = try start(["NO_COLOR": "", "COLORTERM": "truecolor"])
        coloured.send("plot.images(rand(2, 1, 4, 4))\r"); try coloured.expect("image grid"); try coloured.expect(prompt)
        XCTAssertTrue(coloured.rawText.contains("\u{1B}[1;32m"), "coloured prompt expected on a terminal")
        XCTAssertTrue(coloured.rawText.contains("\u{1B}[38;2;"), "24-bit half-block image expected with COLORTERM=truecolor")
        coloured.send("nope_undefined\r"); try coloured.expect("error"); try coloured.expect(prompt)
        XCTAssertTrue(coloured.rawText.contains("\u{1B}[1;31merror:"))
        quit(coloured)
    }

    func testCompletionOfGlobalsMembersKeywordsAndPaths() throws {
        let dir = try Coreg.temporaryDirectory()
        FileManager.default.createFile(atPath: dir.appendingPathComponent("sample_data.txt").path, contents: Data("x".utf8))
        let s = try start(cwd: dir.path)
        // a global defined in the session
        s.send("let a_long_variable = 41\r"); try s.expect(prompt)
        s.send("a_long_va\t + 1\r"); try s.expect("42"); try s.expect(prompt)
        // a module member after '.'
        s.send("math.sq\t(16)\r"); try s.expect("4.0"); try s.expect(prompt)
        // several candidates are listed, then the line is redrawn
        s.send("math.\t"); try s.expect("sqrt"); try s.expect("math.")
        s.send("pi > 3\r"); try s.expect("true"); try s.expect(prompt)
        // keyword argument names
        s.send("fn area(width, height = 1) => width * height\r"); try s.expect(prompt)
        s.send("area(3, hei\t2)\r"); try s.expect("6"); try s.expect(prompt)
        // file paths inside strings (a single file also closes the string)
        s.send("let p = \"sample_d\t\r"); try s.expect(prompt)
        s.send("p\r"); try s.expect("\"sample_data.txt\""); try s.expect(prompt)
        // :commands
        s.send(":vars\r"); try s.expect("a_long_variable: int = 41"); try s.expect(prompt)
        quit(s)
    }

    func testMultiLineEntry() throws {
        let s = try start()
        s.send("fn twice(x) {\r"); try s.expect("   ... ")
        s.send("let y = x * 2\r"); try s.expect("   ... ")
        s.send("return y\r")
        s.send("}\r"); try s.expect(prompt)
        s.send("twice(21)\r"); try s.expect("42"); try s.expect(prompt)
        s.send("[1,\r"); try s.expect("   ... ")
        s.send(" 2]\r"); try s.expect("[1, 2]"); try s.expect(prompt)
        // Ctrl-D on an empty continuation line cancels the entry (it does not exit).
        s.send("let unfinished = [\r"); try s.expect("   ... ")
        s.send("\u{04}"); try s.expect(prompt)
        s.send("twice(2)\r"); try s.expect("4"); try s.expect(prompt)
        // Ctrl-D sent the moment the continuation prompt shows: the terminal must already be in raw
        // mode then (a key that reaches the cooked line discipline is lost and the REPL hangs).
        for i in 0..<20 {
            s.send("[\(i),\r"); try s.expect("   ... ")
            s.send("\u{04}"); try s.expect(prompt)
        }
        s.send("twice(5)\r"); try s.expect("10"); try s.expect(prompt)
        quit(s)
    }

    func testHistoryPersistsAcrossSessionsAsWholeEntries() throws {
        let dir = try Coreg.temporaryDirectory()
        let hist = dir.appendingPathComponent("history").path
        do {
            let s = try start(["COREG_HISTORY": hist])
            s.send("fn hist_fn(a) {\r"); try s.expect("   ... ")
            s.send("return a + 100\r")
            s.send("}\r"); try s.expect(prompt)
            quit(s)
        }
        let saved = try String(contentsOfFile: hist, encoding: .utf8)
        XCTAssertTrue(saved.contains("hist_fn"), saved)
        let s = try start(["COREG_HISTORY": hist])
        // Ctrl-P twice: ":quit", then the whole three-line definition as one item.
        s.send("\u{10}\u{10}\r"); try s.expect(prompt)
        s.send("hist_fn(1)\r"); try s.expect("101"); try s.expect(prompt)
        quit(s)
    }

    func testErrorThenSuccessAndLastValue() throws {
        let s = try start()
        s.send("undefined_name + 1\r"); try s.expect("error"); try s.expect(prompt)
        s.send("1 // 0\r"); try s.expect("division by zero"); try s.expect(prompt)
        s.send("40 + 2\r"); try s.expect("42"); try s.expect(prompt)
        s.send("_ + 1\r"); try s.expect("43"); try s.expect(prompt)
        quit(s)
    }

    func testCommands() throws {
        let s = try start()
        s.send(":help\r"); try s.expect(":timeit"); try s.expect(prompt)
        s.send("?math.sqrt\r"); try s.expect("sqrt("); try s.expect(prompt)
        s.send(":help len\r"); try s.expect("len("); try s.expect(prompt)
        s.send("let v1 = 3\r"); try s.expect(prompt)
        s.send(":time v1 * 2\r"); try s.expect("6"); try s.expect("time:"); try s.expect(prompt)
        s.send(":timeit v1 + 1\r"); try s.expect("mean ± std. dev. of"); try s.expect(prompt)
        // what is typed is echoed, so each expectation is text only the command's effect prints:
        // 1/3 at precision 2 is "[0.33]" (the default prints "[0.3333]"), and the bare command
        // lists the options it set
        s.send(":printopts precision=2\r"); try s.expect(prompt)
        s.send("tensor([1.0 / 3.0])\r"); try s.expect("[0.33]"); try s.expect(prompt)
        s.send(":printopts\r"); try s.expect("precision=2"); try s.expect(prompt)
        s.send(":reset\r"); try s.expect("State cleared."); try s.expect(prompt)
        s.send("v1\r"); try s.expect("error"); try s.expect(prompt)
        s.send(":nope\r"); try s.expect("unknown command"); try s.expect(prompt)
        quit(s)
    }

    func testCtrlCInterruptsLoopAndKeepsState() throws {
        let s = try start()
        s.send("let kept = 7\r"); try s.expect(prompt)
        s.send("var i = 0; while true { i += 1 }\r")
        Thread.sleep(forTimeInterval: 0.5)
        s.send("\u{03}")
        try s.expect("Interrupted.")
        try s.expect(prompt)
        s.send("i > 0\r"); try s.expect("true"); try s.expect(prompt)
        s.send("kept\r"); try s.expect("7"); try s.expect(prompt)
        // Ctrl-C at the prompt clears the line (here a half-typed multi-line entry).
        s.send("fn broken(\r"); try s.expect("   ... ")
        s.send("\u{03}"); try s.expect("^C"); try s.expect(prompt)
        s.send("kept + 1\r"); try s.expect("8"); try s.expect(prompt)
        // Ctrl-D on an empty line exits with 0. Wait until the line editor holds the terminal:
        // a Ctrl-D typed ahead while the previous entry still runs (cooked mode) can be lost
        // when libedit switches the terminal to raw mode (a known limitation, docs/repl.md).
        Thread.sleep(forTimeInterval: 0.5)
        s.send("\u{04}")
        XCTAssertEqual(s.waitForExit(), 0)
    }

    func testNotATerminalRunsStdinAsScript() throws {
        let (code, out, _) = try Coreg.run([], stdin: "print(1 + 2)\n")
        XCTAssertEqual(code, 0)
        XCTAssertEqual(out, "3\n")
    }
}
