import XCTest
import Interpreter

/// A stand-in for a Kernel tensor: a 1-D vector with broadcasting against numbers.
final class Vec: OperatorProvider {
    var data: [Double]
    init(_ d: [Double]) { data = d }
    var typeName: String { "tensor" }
    var memberNames: [String] { ["shape", "sum"] }
    var length: Int? { data.count }
    var scriptDescription: String { "tensor([" + data.map { String($0) }.joined(separator: ", ") + "])" }
    func member(_ name: String) throws -> Value? {
        switch name {
        case "shape": return .list(ScriptList([.int(data.count)]))
        case "sum": return .native(NativeFunction("tensor.sum()", doc: "Sum of elements.") { _ in .float(self.data.reduce(0, +)) })
        default: return nil
        }
    }
    func makeIterator() throws -> AnyIterator<Value>? {
        var i = 0
        return AnyIterator { defer { i += 1 }; return i < self.data.count ? .float(self.data[i]) : nil }
    }
    struct ShapeError: Error, CustomStringConvertible { var description: String }

    func binary(_ op: BinaryOperator, _ other: Value, reversed: Bool) throws -> Value? {
        let rhs: [Double]
        switch other {
        case .int(let i): rhs = Array(repeating: Double(i), count: data.count)
        case .float(let d): rhs = Array(repeating: d, count: data.count)
        case .object(let o as Vec):
            guard o.data.count == data.count else { throw ShapeError(description: "shape mismatch: [\(data.count)] vs [\(o.data.count)]") }
            rhs = o.data
        default: return nil
        }
        let (a, b) = reversed ? (rhs, data) : (data, rhs)
        func zipped(_ f: (Double, Double) -> Double) -> Value { .object(Vec(zip(a, b).map(f))) }
        switch op {
        case .add: return zipped(+)
        case .sub: return zipped(-)
        case .mul: return zipped(*)
        case .div: return zipped(/)
        case .pow: return zipped { Foundation.pow($0, $1) }
        case .gt: return zipped { $0 > $1 ? 1 : 0 }
        case .eq: return zipped { $0 == $1 ? 1 : 0 }
        case .matmul: return .float(zip(a, b).map(*).reduce(0, +))
        default: return nil
        }
    }
    func unary(_ op: UnaryOperator) throws -> Value? {
        op == .neg ? .object(Vec(data.map { -$0 })) : nil
    }
    static var lastIndex = ""
    func index(_ components: [IndexComponent]) throws -> Value? {
        Vec.lastIndex = components.map { c -> String in
            switch c {
            case .value(let v): return "value(\(v.reprString))"
            case .slice(let a, let b, let s): return "slice(\(a.map(String.init) ?? "_"),\(b.map(String.init) ?? "_"),\(s.map(String.init) ?? "_"))"
            case .ellipsis: return "..."
            }
        }.joined(separator: " ")
        if components.count == 1, case .value(.int(let i)) = components[0] { return .float(data[i]) }
        if components.count == 1, case .value(.object(let m as Vec)) = components[0] {
            return .object(Vec(zip(data, m.data).filter { $0.1 != 0 }.map { $0.0 }))
        }
        return .null
    }
    func setIndex(_ components: [IndexComponent], to value: Value) throws -> Bool {
        guard case .value(.int(let i)) = components[0], case .float(let d) = value else { return false }
        data[i] = d
        return true
    }
}

final class ObjectTests: XCTestCase {
    func makeSession(_ r: Recorder) -> Session {
        let registry = Registry.standard()
        let m = registry.module("fake", doc: "Test tensors.")
        m.add("vec(values: list)", doc: "A tensor from numbers.") { a in
            .object(Vec(try a.list(0).items.enumerated().map { (i, v) in
                switch v {
                case .int(let x): return Double(x)
                case .float(let x): return x
                default: throw a.argumentError(0, "element \(i) is \(v.typeName)")
                }
            }))
        }
        m.add("topk(x: tensor, k: int, largest: bool = true)", doc: "Top k values.") { a in
            let v = try a.object(0, as: Vec.self, expected: "tensor")
            let k = try a.int(1)
            let sorted = v.data.sorted(by: try a.bool(2) ? (>) : (<))
            return .object(Vec(Array(sorted.prefix(k))))
        }
        registry.setGlobal("vec", try! m.member("vec")!)
        return Session(host: r.host, registry: registry)
    }

    func run(_ src: String) -> (String, [Diagnostic]) {
        let r = Recorder()
        _ = makeSession(r).evaluate(src, file: "obj.coreg")
        return (r.output, r.diagnostics)
    }

    func testOperatorsDispatchToObjects() {
        let (out, diags) = run("""
        let x = vec([1, 2, 3])
        print(x + 1)
        print(2 * x)
        print(x - x)
        print(-x)
        print(x ** 2)
        print(x @ x)
        print(x > 1.5)
        print(1 / vec([2, 4]))
        """)
        XCTAssertEqual(diags, [])
        XCTAssertEqual(out, """
        tensor([2.0, 3.0, 4.0])
        tensor([2.0, 4.0, 6.0])
        tensor([0.0, 0.0, 0.0])
        tensor([-1.0, -2.0, -3.0])
        tensor([1.0, 4.0, 9.0])
        14.0
        tensor([0.0, 1.0, 1.0])
        tensor([0.5, 0.25])

        """)
    }

    func testMembersMethodsIterationAndLen() {
        let (out, diags) = run("""
        let x = fake.vec([1, 2, 3])
        print(x.shape, x.sum(), len(x), type(x))
        var s = 0.0
        for v in x { s += v }
        print(s, 2.0 in x)
        print(fake.topk(x, 2), fake.topk(x, k = 1, largest = false))
        """)
        XCTAssertEqual(diags, [])
        XCTAssertEqual(out, "[3] 6.0 3 tensor\n6.0 true\ntensor([3.0, 2.0]) tensor([1.0])\n")
    }

    func testIndexDescriptorsReachObject() {
        let (out, _) = run("""
        let x = vec([5, 6, 7, 8])
        x[0, :, 1:3]
        print(x[1])
        x[::2, ..., -1]
        x[2] = 9.5
        print(x)
        print(x[x > 6])
        """)
        XCTAssertEqual(out, "6.0\ntensor([5.0, 6.0, 9.5, 8.0])\ntensor([9.5, 8.0])\n")
        XCTAssertEqual(Vec.lastIndex, "value(tensor([0.0, 0.0, 1.0, 1.0]))")
        _ = run("let x = vec([1])\nx[0, :, 1:3]")
        XCTAssertEqual(Vec.lastIndex, "value(0) slice(_,_,_) slice(1,3,_)")
        _ = run("let x = vec([1])\nx[::2, ..., -1]")
        XCTAssertEqual(Vec.lastIndex, "slice(_,_,2) ... value(-1)")
    }

    func testSwiftErrorsGetScriptLocation() {
        let (_, diags) = run("let a = vec([1, 2])\nlet b = vec([1, 2, 3])\nfn f() {\n  return a + b\n}\nf()")
        XCTAssertEqual(diags.count, 1)
        XCTAssertEqual(diags[0].rendered, """
        obj.coreg:4:12: error: shape mismatch: [2] vs [3]
        4 |   return a + b
          |            ^
        stack traceback:
          obj.coreg:4:12: in function 'f'
          obj.coreg:6:1: in main chunk
        """)
    }

    func testUniformArgumentErrors() {
        XCTAssertEqual(run("fake.topk(vec([1]), 2.5)").1.first?.message,
                       "bad argument #2 to 'fake.topk' (expected int, got number)")
        XCTAssertEqual(run("fake.topk(3, 1)").1.first?.message,
                       "bad argument #1 to 'fake.topk' (expected tensor, got number)")
        XCTAssertEqual(run("fake.vec([1, \"a\"])").1.first?.message,
                       "bad argument #1 to 'fake.vec' (element 1 is string)")
        XCTAssertEqual(run("vec([1]) @ \"s\"").1.first?.message, "cannot apply '@' to tensor and string")
        XCTAssertEqual(run("vec([1]).nope").1.first?.message, "tensor has no member 'nope'")
    }

    func testModuleHelpAndCompletion() {
        let r = Recorder()
        let s = makeSession(r)
        XCTAssertEqual(s.help("fake.topk"), "fake.topk(x: tensor, k: int, largest: bool = true)\nTop k values.")
        XCTAssertEqual(s.completions(for: "fake.to"), ["topk"])
        XCTAssertEqual(s.completions(for: "fake.topk(x, la"), ["largest="])
        _ = s.evaluate("let t = vec([1])")
        XCTAssertEqual(s.completions(for: "t.s"), ["shape", "sum"])
    }
}
