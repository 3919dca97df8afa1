import XCTest
import Interpreter

/// Reference cycles inside the interpreter, which reference counting never frees. LeakSanitizer
/// found both under scripts/fuzz.sh script-parse and script-eval (docs/fuzzing.md).
final class CycleTests: XCTestCase {
    /// `help` once captured the registry that holds it: every registry, and every session built
    /// on one, leaked.
    func testRegistriesAreFreed() {
        weak var standard: Registry?
        weak var full: Registry?
        do {
            let a = Registry.standard(), b = coregRegistry()
            standard = a; full = b
            XCTAssertNotNil(standard); XCTAssertNotNil(full)
        }
        XCTAssertNil(standard, "Registry.standard() outlived its last reference")
        XCTAssertNil(full, "coregRegistry() outlived its last reference")
    }

    /// A top-level function holds the globals table it reads, and the table holds the function;
    /// the session breaks that cycle when it ends.
    func testSessionFreesItsFunctionsWhenItEnds() {
        weak var fn: ScriptFunction?
        do {
            let s = Session(host: Host(write: { _ in }))
            guard case .value(let v?) = s.evaluate("fn twice(x) => 2 * x\ntwice"), case .function(let f) = v else {
                return XCTFail("the entry did not give the function")
            }
            fn = f
        }
        XCTAssertNil(fn, "the function (and the session's globals) outlived the session")
    }

    /// `:reset` forgets definitions: their memory goes too.
    func testResetFreesFunctions() {
        weak var fn: ScriptFunction?
        let s = Session(host: Host(write: { _ in }))
        if case .value(let v?) = s.evaluate("fn twice(x) => 2 * x\ntwice"), case .function(let f) = v { fn = f }
        XCTAssertNotNil(fn)
        s.reset()
        XCTAssertNil(fn, "the function outlived :reset")
        guard case .value(let v?) = s.evaluate("fn f() => 41 + 1\nf()"), case .int(42) = v else {
            return XCTFail("the session does not work after reset")
        }
    }
}

/// Layer initialisers cannot throw: a weight over the tensor size limit stopped the process
/// (script-eval found `nn.preact_resnet18` under the target's lowered limit). The bindings now
/// check the shapes first.
final class OversizedModelTests: XCTestCase {
    func testOversizedLayersAreErrors() {
        for (entry, what) in [("nn.linear(1000000, 1000000)", "nn.linear"), ("nn.mlp(1000000, [1000000], 3)", "nn.mlp"),
                              ("nn.conv2d(1000000, 1000000, 3)", "nn.conv2d"), ("nn.cnn_small(100000000000, 10)", "nn.cnn_small"),
                              ("nn.projection_head(10000000)", "nn.projection_head"),
                              ("nn.model(\"mlp\", 1000000, 1000000, 10)", "mlp")] {
            let r = Recorder()
            guard case .error = Session(host: r.host, registry: coregRegistry()).evaluate(entry, file: "big.coreg") else {
                XCTFail("\(entry) did not fail"); continue
            }
            XCTAssertTrue(r.rendered.contains("too large") && r.rendered.contains(what), "\(entry): \(r.rendered)")
            XCTAssertTrue(r.rendered.hasPrefix("big.coreg:1:"), r.rendered)
        }
    }
}

/// A `\` as the last byte inside a string nested in an interpolation left the lexer past the end
/// of the source, and the next token's column read out of bounds (a trap).
final class LexerEdgeTests: XCTestCase {
    func testEscapeAtEndOfNestedString() {
        for text in ["print(\"\\(\"\\", "let s = \"a\\(f(\"\\", "\"\\(\"\\"] {
            let r = Recorder()
            guard case .error = Session(host: r.host).evaluate(text, file: "e.coreg") else { XCTFail("\(text) did not fail"); continue }
            XCTAssertTrue(r.rendered.hasPrefix("e.coreg:1:"), r.rendered)
            XCTAssertTrue(r.rendered.contains("unfinished"), r.rendered)
        }
    }
}
