import XCTest
import Foundation
import Interpreter

/// Seeded robustness test: mutations of the golden scripts (and some token soup) go through
/// lexer, parser, resolver and evaluator with a step budget. Nothing may crash, every failure
/// must be a located diagnostic, and no input may take long.
final class FuzzTests: XCTestCase {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    static let fragments: [String] = [
        "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "=>", "..<", "...", "+", "-", "*", "/", "//",
        "%", "**", "@", "==", "!=", "<", "<=", ">", ">=", "=", "+=", "!", "&&", "||", "\n", " ",
        "let ", "var ", "fn ", "return ", "if ", "else ", "while ", "for ", " in ", "break", "continue",
        "true", "false", "nil", " and ", " or ", "not ", "import ", "nograd ", "arg ", "x", "xs", "f",
        "0", "1", "-1", "2.5", "1e308", "9223372036854775807", "\"s\"", "\"\\(x)\"", "'", "\"", "\\(",
        "#", "[1, 2, 3]", "{a: 1}", "print(", "len(", "range(", "0..<3", "f(x)", "x[0]", "x[::-1]",
        "sorted(", "help(", "error(", "str(", "math.", "args.", "_",
    ]

    static func mutate(_ src: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var s = src
        for _ in 0..<(1 + rng.below(4)) {
            let pos = rng.below(s.count + 1)
            switch rng.below(9) {
            case 6, 7: // keep the syntax: swap a digit for a digit or an operator for an operator
                let digits = Array("0123456789".utf8), ops = Array("+-*/%<>".utf8)
                let candidates = s.indices.filter { digits.contains(s[$0]) || ops.contains(s[$0]) }
                if let i = candidates.isEmpty ? nil : candidates[rng.below(candidates.count)] {
                    s[i] = digits.contains(s[i]) ? digits[rng.below(digits.count)] : ops[rng.below(ops.count)]
                }
            case 0: // delete a range
                let n = min(1 + rng.below(12), s.count - pos)
                if n > 0 { s.removeSubrange(pos..<(pos + n)) }
            case 1, 2: // insert a fragment
                s.insert(contentsOf: Array(fragments[rng.below(fragments.count)].utf8), at: pos)
            case 3: // duplicate a range
                let n = min(1 + rng.below(40), s.count - pos)
                if n > 0 { s.insert(contentsOf: Array(s[pos..<(pos + n)]), at: rng.below(s.count + 1)) }
            case 4: // overwrite one byte with printable ASCII
                if pos < s.count { s[pos] = UInt8(32 + rng.below(95)) }
            default: // swap two ranges' order by moving a chunk
                let n = min(1 + rng.below(20), s.count - pos)
                if n > 0 {
                    let chunk = Array(s[pos..<(pos + n)])
                    s.removeSubrange(pos..<(pos + n))
                    s.insert(contentsOf: chunk, at: rng.below(s.count + 1))
                }
            }
        }
        return s
    }

    func testFuzzGoldenMutations() {
        let goldenDir = GoldenTests.goldenDirectory()
        let seeds: [[UInt8]] = GoldenTests.goldenFiles().compactMap { try? Data(contentsOf: $0) }.map { Array($0) }
        XCTAssertFalse(seeds.isEmpty)
        let total = 100_000
        var rng = SplitMix(state: 0xC0DE_2026)
        var tally = FuzzTally()
        let registry = Registry.standard()
        BigStack.run {
            for n in 0..<total {
                let input: [UInt8]
                if n % 10 == 9 {
                    var soup = ""
                    for _ in 0..<(1 + rng.below(30)) { soup += FuzzTests.fragments[rng.below(FuzzTests.fragments.count)] }
                    input = Array(soup.utf8)
                } else {
                    input = FuzzTests.mutate(seeds[rng.below(seeds.count)], &rng)
                }
                let text = String(decoding: input, as: UTF8.self)
                tally.run(n, text, registry: registry, file: goldenDir.appendingPathComponent("fuzz.coreg").path, checkStatus: true) { host in
                    host.isInterruptRequested = { false }
                    host.readFile = { path in
                        let std = (path as NSString).standardizingPath
                        guard std.hasPrefix(goldenDir.path), let d = FileManager.default.contents(atPath: std) else {
                            throw ScriptError("cannot read file")
                        }
                        return String(decoding: d, as: UTF8.self)
                    }
                }
                if tally.failures.count > 5 { break }
            }
        }
        tally.finish("fuzz", total: total)
    }
}

extension FuzzTests {
    /// The same mutations on the tensor, autograd, nn and optim goldens, run with the Kernel
    /// bindings (`coregRegistry()`): bad shapes, axes, dtypes and argument types must all end
    /// in located diagnostics. Fewer inputs than above: each may run real Kernel ops.
    func testFuzzTensorGoldensWithKernelBindings() {
        let goldenDir = GoldenTests.goldenDirectory()
        let prefixes = ["tensor_", "autograd_", "nn_", "optim_"]
        let files = GoldenTests.goldenFiles().filter { f in prefixes.contains { f.lastPathComponent.hasPrefix($0) } }
        let seeds: [[UInt8]] = files.compactMap { try? Data(contentsOf: $0) }.map { Array($0) }
        XCTAssertGreaterThanOrEqual(seeds.count, 40)
        let total = Int(ProcessInfo.processInfo.environment["COREG_TENSOR_FUZZ"] ?? "") ?? 10_000
        var rng = SplitMix(state: UInt64(ProcessInfo.processInfo.environment["COREG_TENSOR_FUZZ_SEED"] ?? "") ?? 0x7E45_0A11)
        var tally = FuzzTally()
        let registry = coregRegistry()
        BigStack.run {
            for n in 0..<total {
                let text = String(decoding: FuzzTests.mutate(seeds[rng.below(seeds.count)], &rng), as: UTF8.self)
                tally.run(n, text, registry: registry, file: goldenDir.appendingPathComponent("fuzz.coreg").path, checkStatus: false) { host in
                    host.noGrad = kernelNoGrad
                    host.readFile = { _ in throw ScriptError("cannot read file") }
                }
                if tally.failures.count > 5 { break }
            }
        }
        tally.finish("tensor fuzz", total: total)
    }
}

final class BenchTests: XCTestCase {
    /// The script and Swift sides of `coreg bench interp` do the same work: same final loss.
    func testTrainingLoopBenchmarkSidesAgree() throws {
        var c = InterpreterBench.TrainingLoopConfig.tiny
        c.steps = 20
        let r = try InterpreterBench.trainingLoop(c, repeats: 1)
        XCTAssertEqual(r.scriptFinalLoss, r.swiftFinalLoss)
        XCTAssertTrue(r.scriptFinalLoss.isFinite)
        XCTAssertEqual(r.script.count, 1)
    }

    func testScalarLoopBenchmark() {
        _ = InterpreterBench.scalarLoop(iterations: 10_000)
        let t = InterpreterBench.scalarLoop(iterations: 1_000_000)
        print("scalar loop, 1,000,000 iterations: \(String(format: "%.3f", t)) s")
        #if !DEBUG
        XCTAssertLessThan(t, 2.0)
        #endif
    }
}

/// Inputs built to break recursive code: every one must end in a diagnostic, not a crash.
final class PathologicalInputTests: XCTestCase {
    func testDeepAndLongInputs() {
        let n = 100_000
        let cases: [(String, String)] = [
            ("parens", String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n)),
            ("brackets", String(repeating: "[", count: n)),
            ("unary minus", String(repeating: "-", count: n) + "1"),
            ("not", String(repeating: "not ", count: n) + "true"),
            ("blocks", String(repeating: "if true {\n", count: n)),
            ("lambdas", String(repeating: "fn(x) => ", count: n) + "1"),
            ("plus chain", "let x = 1" + String(repeating: " + 1", count: n)),
            ("member chain", "let d = {}\nd" + String(repeating: ".a", count: n)),
            ("call chain", "print" + String(repeating: "()", count: n)),
            ("power chain", "2" + String(repeating: " ** 2", count: n)),
            ("interpolation", String(repeating: "\"\\(", count: 300) + "1" + String(repeating: ")\"", count: 300)),
            ("dict nesting", String(repeating: "{a: ", count: n)),
            ("long line", "let x = [" + String(repeating: "1, ", count: n) + "]\nprint(len(x))"),
        ]
        for (name, src) in cases {
            var diags: [Diagnostic] = []
            var out = ""
            let s = Session(host: Host(write: { out += $0 }, report: { diags.append($0) }, maxSteps: 1_000_000))
            _ = s.status(of: src)
            let result = s.evaluate(src, file: "\(name).coreg")
            if name == "long line" {
                XCTAssertEqual(out, "\(n)\n", name)
                continue
            }
            guard case .error = result else { XCTFail("\(name): expected an error"); continue }
            XCTAssertFalse(diags.isEmpty, name)
            XCTAssertTrue(diags.allSatisfy { $0.line > 0 }, name)
        }
    }

    func testRuntimeRecursionThroughNativesIsCapped() {
        var diags: [Diagnostic] = []
        let s = Session(host: Host(report: { diags.append($0) }))
        _ = s.evaluate("fn f(x) => map(f, [x])\nf(1)")
        XCTAssertEqual(diags.first?.message, "stack overflow (more than 1000 nested calls)")
        diags = []
        _ = s.evaluate("var x = []\nfor i in 0..<20000 { x = [x] }\nprint(len(x))")
        XCTAssertEqual(diags, [])
    }
}

/// One fuzz campaign's bookkeeping: each input runs in a fresh session with step and depth
/// limits; every error must be a located diagnostic and no input may take more than 2 s.
struct FuzzTally {
    var failures: [String] = []
    var outcomes = [0, 0, 0, 0]   // ok, static error, runtime error, interrupted
    var slowest = 0.0
    let start = Date()

    mutating func run(_ n: Int, _ text: String, registry: Registry, file: String, checkStatus: Bool,
                      configure: (Interpreter.Host) -> Void) {
        var diags: [Diagnostic] = []
        let host = Host(report: { diags.append($0) }, maxSteps: 3_000, maxCallDepth: 150)
        configure(host)
        let t0 = Date()
        let session = Session(host: host, registry: registry)
        if checkStatus { _ = session.status(of: text) }
        let result = session.evaluate(text, file: file)
        let dt = Date().timeIntervalSince(t0)
        slowest = max(slowest, dt)
        switch result {
        case .value: outcomes[0] += 1
        case .error:
            outcomes[diags.contains { $0.kind == .runtime } ? 2 : 1] += 1
            if diags.isEmpty || diags.contains(where: { $0.line <= 0 }) {
                failures.append("#\(n): error without a located diagnostic: \(diags.map { $0.rendered })\n\(text)")
            }
        case .interrupted: outcomes[3] += 1
        }
        if dt > 2.0 { failures.append("#\(n): took \(dt) s\n\(text)") }
    }

    func finish(_ label: String, total: Int, file: StaticString = #filePath, line: UInt = #line) {
        let elapsed = Date().timeIntervalSince(start)
        print("\(label): \(total) inputs in \(String(format: "%.1f", elapsed)) s (ran to the end \(outcomes[0]), static errors \(outcomes[1]), runtime errors \(outcomes[2]), interrupted \(outcomes[3])); slowest \(String(format: "%.3f", slowest)) s")
        XCTAssertEqual(failures, [], failures.prefix(3).joined(separator: "\n\n"), file: file, line: line)
    }
}
