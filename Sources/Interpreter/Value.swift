import Foundation

/// Every value a CoReg script can hold. Kernel objects (tensors, datasets, models, optimisers …)
/// enter as `.object`, wrapped by a class that conforms to `ScriptObject` (and `OperatorProvider`
/// when it supports operators and indexing).
public enum Value {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list(ScriptList)
    case dict(ScriptDict)
    case range(ScriptRange)
    case function(ScriptFunction)
    case native(NativeFunction)
    case object(any ScriptObject)
}

// MARK: - Opaque objects

/// An opaque host object seen from scripts. Every requirement has a default, so a wrapper only
/// implements what it supports.
public protocol ScriptObject: AnyObject {
    /// Name used by `type(x)` and in error messages, e.g. "tensor", "dataset".
    var typeName: String { get }
    /// Member names offered by tab completion and `help`.
    var memberNames: [String] { get }
    /// `obj.name`: a property value, or a bound method as `.native`. `nil` means no such member.
    func member(_ name: String) throws -> Value?
    /// `obj.name = value`. Return false when the member cannot be set.
    func setMember(_ name: String, to value: Value) throws -> Bool
    /// Makes `obj(...)` valid: the function to call with the arguments.
    var callable: NativeFunction? { get }
    /// Makes `for x in obj` valid.
    func makeIterator() throws -> AnyIterator<Value>?
    /// `len(obj)`.
    var length: Int? { get }
    /// Text shown by `print` and the REPL.
    var scriptDescription: String { get }
    /// `if obj`: nil means "always true".
    func truthValue() throws -> Bool?
}

extension ScriptObject {
    public var memberNames: [String] { [] }
    public func member(_ name: String) throws -> Value? { nil }
    public func setMember(_ name: String, to value: Value) throws -> Bool { false }
    public var callable: NativeFunction? { nil }
    public func makeIterator() throws -> AnyIterator<Value>? { nil }
    public var length: Int? { nil }
    public var scriptDescription: String { "<\(typeName)>" }
    public func truthValue() throws -> Bool? { nil }
}

/// One component of an index expression `x[a, b:c:d, ..., mask]`.
public enum IndexComponent {
    case value(Value)                          // an int, a tensor mask, a list of indices, …
    case slice(start: Int?, stop: Int?, step: Int?)
    case ellipsis
}

/// Operator hooks for objects: `+ - * / // % ** @`, comparisons, unary `-`, indexing.
/// Return nil when the operation is not supported for these operands (the evaluator then
/// reports a uniform error). `reversed` is true when the object is the right-hand operand.
public protocol OperatorProvider: ScriptObject {
    func binary(_ op: BinaryOperator, _ other: Value, reversed: Bool) throws -> Value?
    func unary(_ op: UnaryOperator) throws -> Value?
    func index(_ components: [IndexComponent]) throws -> Value?
    func setIndex(_ components: [IndexComponent], to value: Value) throws -> Bool
}

extension OperatorProvider {
    public func unary(_ op: UnaryOperator) throws -> Value? { nil }
    public func index(_ components: [IndexComponent]) throws -> Value? { nil }
    public func setIndex(_ components: [IndexComponent], to value: Value) throws -> Bool { false }
}

// MARK: - Reference types behind values

public final class ScriptList {
    public var items: [Value]
    public init(_ items: [Value] = []) { self.items = items }
}

/// Keys a dict can use (strings, ints, bools), with insertion order kept.
public enum DictKey: Hashable, Sendable {
    case string(String), int(Int), bool(Bool)
    public var value: Value {
        switch self { case .string(let s): return .string(s); case .int(let i): return .int(i); case .bool(let b): return .bool(b) }
    }
    public init?(_ v: Value) {
        switch v {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        case .bool(let b): self = .bool(b)
        case .float(let d) where d == d.rounded() && abs(d) < 9e15: self = .int(Int(d))
        default: return nil
        }
    }
}

public final class ScriptDict {
    public private(set) var keys: [DictKey] = []
    public private(set) var values: [Value] = []
    private var index: [DictKey: Int] = [:]
    public init() {}
    public init(_ pairs: [(String, Value)]) { for (k, v) in pairs { self[.string(k)] = v } }
    public var count: Int { keys.count }
    public subscript(key: DictKey) -> Value? {
        get { index[key].map { values[$0] } }
        set {
            if let v = newValue {
                if let i = index[key] { values[i] = v } else { index[key] = keys.count; keys.append(key); values.append(v) }
            } else if let i = index[key] {
                keys.remove(at: i); values.remove(at: i)
                index = [:]
                for (j, k) in keys.enumerated() { index[k] = j }
            }
        }
    }
    public subscript(name: String) -> Value? {
        get { self[.string(name)] }
        set { self[.string(name)] = newValue }
    }
}

/// `a..<b`, `a...b` and `range(a, b, step)`: a lazy arithmetic sequence of ints.
public struct ScriptRange {
    public var start: Int, stop: Int, step: Int   // half-open: stop is excluded
    public init(start: Int, stop: Int, step: Int = 1) { self.start = start; self.stop = stop; self.step = step }
    public var count: Int {
        // Distances are computed in UInt so that even -2^63..<2^63-1 cannot overflow.
        if step > 0 {
            guard start < stop else { return 0 }
            let n = (UInt(bitPattern: stop &- start) - 1) / UInt(step) + 1
            return n > UInt(Int.max) ? Int.max : Int(n)
        }
        guard start > stop, step != Int.min else { return start > stop ? 1 : 0 }
        let n = (UInt(bitPattern: start &- stop) - 1) / UInt(-step) + 1
        return n > UInt(Int.max) ? Int.max : Int(n)
    }
    public func element(_ i: Int) -> Int { start &+ i &* step }
}

/// A function written in CoReg, with the frame it closed over.
public final class ScriptFunction {
    let decl: FunctionDecl
    let captured: Frame?
    let globals: Globals
    init(decl: FunctionDecl, captured: Frame?, globals: Globals) {
        self.decl = decl; self.captured = captured; self.globals = globals
        captured?.dependents += 1
    }
    deinit { captured?.dependents -= 1 }
    public var name: String { decl.name }
    public var parameterNames: [String] { decl.params.map { $0.ref.name } }
}

// MARK: - Type names, truth, equality, display

extension Value {
    /// The name `type(x)` returns.
    public var typeName: String {
        switch self {
        case .null: return "nil"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .list: return "list"
        case .dict: return "dict"
        case .range: return "range"
        case .function, .native: return "function"
        case .object(let o): return o.typeName
        }
    }

    /// The name used in `bad argument` messages: ints and floats are both "number".
    var argumentTypeName: String {
        switch self {
        case .int, .float: return "number"
        default: return typeName
        }
    }

    public var isNull: Bool { if case .null = self { return true }; return false }

    func isTruthy() throws -> Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.items.isEmpty
        case .dict(let d): return d.count > 0
        case .range(let r): return r.count > 0
        case .function, .native: return true
        case .object(let o): return try o.truthValue() ?? true
        }
    }

    /// Structural equality for plain values, identity for functions and objects.
    public func isEqual(to other: Value) -> Bool { Value.equal(self, other, depth: 0) }

    static func equal(_ a: Value, _ b: Value, depth: Int) -> Bool {
        if depth > 200 { return false }
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y
        case (.int(let x), .float(let y)): return Double(x) == y
        case (.float(let x), .int(let y)): return x == Double(y)
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)):
            if x === y { return true }
            guard x.items.count == y.items.count else { return false }
            for i in 0..<x.items.count where !equal(x.items[i], y.items[i], depth: depth + 1) { return false }
            return true
        case (.dict(let x), .dict(let y)):
            if x === y { return true }
            guard x.count == y.count else { return false }
            for (i, k) in x.keys.enumerated() {
                guard let v = y[k], equal(x.values[i], v, depth: depth + 1) else { return false }
            }
            return true
        case (.range(let x), .range(let y)):
            return x.count == y.count && (x.count == 0 || (x.start == y.start && (x.count == 1 || x.step == y.step)))
        case (.function(let x), .function(let y)): return x === y
        case (.native(let x), .native(let y)): return x === y
        case (.object(let x), .object(let y)): return x === y
        default: return false
        }
    }

    /// Text for `print` and `str`: strings appear without quotes.
    public var displayString: String {
        if case .string(let s) = self { return s }
        return describe(depth: 0)
    }

    /// Text for the REPL and inside containers: strings appear quoted.
    public var reprString: String { describe(depth: 0) }

    /// Bounds the work of printing shared or cyclic structures.
    final class DescribeBudget {
        var remaining = 200_000
        var path = Set<ObjectIdentifier>()
    }

    static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    func describe(depth: Int, budget: DescribeBudget = DescribeBudget()) -> String {
        budget.remaining -= 1
        if budget.remaining < 0 { return "..." }
        switch self {
        case .null: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let d): return Value.formatFloat(d)
        case .string(let s): return Value.quote(s)
        case .list(let l):
            let id = ObjectIdentifier(l)
            if depth > 50 || budget.path.contains(id) { return "[...]" }
            budget.path.insert(id)
            defer { budget.path.remove(id) }
            return "[" + l.items.map { $0.describe(depth: depth + 1, budget: budget) }.joined(separator: ", ") + "]"
        case .dict(let d):
            let id = ObjectIdentifier(d)
            if depth > 50 || budget.path.contains(id) { return "{...}" }
            if d.count == 0 { return "{}" }
            budget.path.insert(id)
            defer { budget.path.remove(id) }
            var parts: [String] = []
            for (i, k) in d.keys.enumerated() {
                parts.append("\(k.value.describe(depth: depth + 1, budget: budget)): \(d.values[i].describe(depth: depth + 1, budget: budget))")
            }
            return "{" + parts.joined(separator: ", ") + "}"
        case .range(let r):
            return r.step == 1 ? "\(r.start)..<\(r.stop)" : "range(\(r.start), \(r.stop), \(r.step))"
        case .function(let f): return "<fn \(f.decl.name)>"
        case .native(let f): return "<native fn \(f.name)>"
        case .object(let o): return o.scriptDescription
        }
    }
}

extension Value: CustomStringConvertible {
    public var description: String { reprString }
}

// MARK: - Conveniences for bindings

extension Value {
    /// The number as a Double (ints convert), else nil.
    public var doubleValue: Double? {
        switch self { case .int(let i): return Double(i); case .float(let d): return d; default: return nil }
    }
    /// The int, else nil.
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    /// The string, else nil.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The bool, else nil.
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    /// The wrapped object cast to a wrapper class, else nil.
    public func object<T>(as type: T.Type) -> T? { if case .object(let o) = self { return o as? T }; return nil }
    /// A list value from Swift values.
    public static func list(_ items: [Value]) -> Value { .list(ScriptList(items)) }
    /// A dict value (a record) from string keys.
    public static func record(_ pairs: [(String, Value)]) -> Value { .dict(ScriptDict(pairs)) }
}
