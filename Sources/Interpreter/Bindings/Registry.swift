import Foundation

/// The one registry of native bindings. Each entry has a name, a signature, a doc string and an
/// implementation; the same table feeds calls (with keyword arguments and defaults), `help`,
/// `?name` and tab completion. Modules (`nn`, `optim`, …) are tables of entries reached as
/// `nn.linear(...)`.


public struct NativeParameter {
    public var name: String
    /// Expected kind as declared: "int", "float" (accepts ints), "number", "string", "bool",
    /// "list", "dict", "function", "any", or an object's `typeName` (e.g. "tensor"); "a|b" for
    /// either; a trailing `?` also accepts nil. nil means "any".
    public var type: String? { didSet { kind = type.map(ParameterType.init(parsing:)) } }
    /// `type`, parsed once when the signature is built; the call checks arguments against it.
    public private(set) var kind: ParameterType?
    /// Default value; nil means the argument is required.
    public var defaultValue: Value?
    public init(_ name: String, type: String? = nil, default defaultValue: Value? = nil) {
        self.name = name; self.type = type; self.defaultValue = defaultValue
        self.kind = type.map(ParameterType.init(parsing:))
    }
}

/// A parameter's declared type as a value: its alternatives, whether nil is accepted, and the
/// wording error messages use ("int or list").
public struct ParameterType: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case any, int, float, number, string, bool, list, dict, range, function, iterable
        case object(String)
    }
    public let alternatives: [Kind]
    public let optional: Bool
    /// "int?" reads "int", "int|list" reads "int or list".
    public let text: String

    public init(parsing declared: String) {
        var t = Substring(declared)
        optional = t.hasSuffix("?")
        if optional { t = t.dropLast() }
        text = t.replacingOccurrences(of: "|", with: " or ")
        alternatives = t.split(separator: "|").map { name -> Kind in
            switch name {
            case "any": return .any
            case "int": return .int
            case "float": return .float
            case "number": return .number
            case "string": return .string
            case "bool": return .bool
            case "list": return .list
            case "dict": return .dict
            case "range": return .range
            case "function": return .function
            case "iterable": return .iterable
            default: return .object(String(name))
            }
        }
    }

    public func matches(_ v: Value) -> Bool {
        if optional && v.isNull { return true }
        return alternatives.contains { ParameterType.matches($0, v) }
    }

    static func matches(_ k: Kind, _ v: Value) -> Bool {
        switch (k, v) {
        case (.any, _): return true
        case (.int, .int): return true
        case (.float, .int), (.float, .float), (.number, .int), (.number, .float): return true
        case (.string, .string), (.bool, .bool), (.list, .list), (.dict, .dict), (.range, .range): return true
        case (.function, .function), (.function, .native): return true
        case (.function, .object(let o)): return o.callable != nil
        case (.iterable, .list), (.iterable, .range), (.iterable, .string), (.iterable, .dict), (.iterable, .object): return true
        case (.object(let name), .object(let o)): return o.typeName == name
        default: return false
        }
    }
}

public struct Signature {
    public var parameters: [NativeParameter]
    /// Name of a trailing `...rest` parameter collecting extra positional arguments.
    public var variadic: String?
    /// Accepts keyword arguments that are not parameters (`**options`): passed in `Arguments.options`.
    public var acceptsExtraKeywords: Bool
    /// Parameters that positional arguments may fill: those declared before `...rest`.
    /// Later ones are keyword-only (e.g. `print(...values, sep = " ")`).
    public var positionalCount: Int

    public init(_ parameters: [NativeParameter], variadic: String? = nil, acceptsExtraKeywords: Bool = false,
                positionalCount: Int? = nil) {
        self.parameters = parameters; self.variadic = variadic; self.acceptsExtraKeywords = acceptsExtraKeywords
        self.positionalCount = positionalCount ?? parameters.count
    }

    /// Parses `"x: tensor, k: int, dim: int = -1, ...rest, **options"` (the part between the
    /// parentheses). Defaults are literals: numbers, strings, true, false, nil, `[]`.
    public init(parsing text: String) {
        var params: [NativeParameter] = []
        var variadic: String? = nil
        var extra = false
        var positional: Int? = nil
        for raw in Signature.splitTopLevel(text) {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if part.isEmpty { continue }
            if part.hasPrefix("**") { extra = true; continue }
            if part.hasPrefix("...") { variadic = String(part.dropFirst(3)); positional = params.count; continue }
            var decl = part
            var def: Value? = nil
            if let eq = part.firstIndex(of: "=") {
                decl = part[..<eq].trimmingCharacters(in: .whitespaces)
                def = Signature.literal(part[part.index(after: eq)...].trimmingCharacters(in: .whitespaces))
            }
            var name = decl
            var type: String? = nil
            if let colon = decl.firstIndex(of: ":") {
                name = decl[..<colon].trimmingCharacters(in: .whitespaces)
                type = decl[decl.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            params.append(NativeParameter(name, type: type, default: def))
        }
        self.init(params, variadic: variadic, acceptsExtraKeywords: extra, positionalCount: positional)
    }

    static func splitTopLevel(_ s: String) -> [String] {
        var out: [String] = [], cur = "", depth = 0, inString = false
        for ch in s {
            if ch == "\"" { inString.toggle() }
            if !inString {
                if ch == "(" || ch == "[" { depth += 1 }
                if ch == ")" || ch == "]" { depth -= 1 }
                if ch == "," && depth == 0 { out.append(cur); cur = ""; continue }
            }
            cur.append(ch)
        }
        out.append(cur)
        return out
    }

    static func literal(_ s: String) -> Value {
        switch s {
        case "nil": return .null
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "[]": return .list(ScriptList())   // note: callers get a fresh list per call
        default: break
        }
        if let i = Int(s) { return .int(i) }
        if let d = Double(s) { return .float(d) }
        if s.hasPrefix("\""), s.hasSuffix("\""), s.count >= 2 {
            return .string(String(s.dropFirst().dropLast()).replacingOccurrences(of: "\\n", with: "\n"))
        }
        return .string(s)
    }

    /// `(x: tensor, k: int, dim: int = -1)`
    public var text: String {
        var parts = parameters.enumerated().map { (i, p) -> String in
            var s = (i == positionalCount && variadic != nil) ? "...\(variadic!), " : ""
            s += p.name
            if let t = p.type { s += ": \(t)" }
            if let d = p.defaultValue { s += " = \(d.reprString)" }
            return s
        }
        if let v = variadic, positionalCount == parameters.count { parts.append("...\(v)") }
        if acceptsExtraKeywords { parts.append("**options") }
        return "(" + parts.joined(separator: ", ") + ")"
    }
}

public typealias NativeBody = (inout Arguments) throws -> Value

/// A function implemented in Swift.
public final class NativeFunction {
    /// Qualified name as scripts see it: "print", "nn.linear".
    public let name: String
    public let signature: Signature
    public let doc: String
    let body: NativeBody

    public init(name: String, signature: Signature, doc: String, body: @escaping NativeBody) {
        self.name = name; self.signature = signature; self.doc = doc; self.body = body
    }
    /// `NativeFunction("topk(x: tensor, k: int, dim: int = -1)", doc: "…") { args in … }`
    public convenience init(_ declaration: String, doc: String, body: @escaping NativeBody) {
        let (name, sig) = NativeFunction.split(declaration)
        self.init(name: name, signature: sig, doc: doc, body: body)
    }
    static func split(_ declaration: String) -> (String, Signature) {
        guard let open = declaration.firstIndex(of: "("), let close = declaration.lastIndex(of: ")") else {
            return (declaration, Signature([]))
        }
        let name = declaration[..<open].trimmingCharacters(in: .whitespaces)
        return (name, Signature(parsing: String(declaration[declaration.index(after: open)..<close])))
    }
    /// `name(params)  doc` as `help` prints it.
    public var helpText: String { "\(name)\(signature.text)\n\(doc)" }
}

/// The arguments of one native call, matched to the signature: `values[i]` is parameter i
/// (defaults filled in; nil for an absent optional parameter declared `= nil`).
public struct Arguments {
    public let function: String
    public var values: [Value]
    /// Extra positional arguments when the signature has `...rest`.
    public var rest: [Value]
    /// Extra keyword arguments when the signature has `**options`, in call order.
    public var options: [(String, Value)]
    public let context: CallContext

    public subscript(_ i: Int) -> Value { i < values.count ? values[i] : .null }
    public var count: Int { values.count }

    /// `bad argument #n to 'f' (expected what, got type)`: n is 1-based.
    public func argumentError(_ i: Int, expected: String, got: Value) -> ScriptError {
        ScriptError("bad argument #\(i + 1) to '\(function)' (expected \(expected), got \(got.argumentTypeName))")
    }
    public func argumentError(_ i: Int, _ message: String) -> ScriptError {
        ScriptError("bad argument #\(i + 1) to '\(function)' (\(message))")
    }

    public func isNull(_ i: Int) -> Bool { self[i].isNull }
    public func int(_ i: Int) throws -> Int {
        switch self[i] {
        case .int(let v): return v
        case .float(let d) where d == d.rounded() && abs(d) < 9.2e18: return Int(d)
        case .bool(let b): return b ? 1 : 0
        default: throw argumentError(i, expected: "int", got: self[i])
        }
    }
    public func double(_ i: Int) throws -> Double {
        switch self[i] {
        case .int(let v): return Double(v)
        case .float(let d): return d
        default: throw argumentError(i, expected: "number", got: self[i])
        }
    }
    public func string(_ i: Int) throws -> String {
        if case .string(let s) = self[i] { return s }
        throw argumentError(i, expected: "string", got: self[i])
    }
    public func bool(_ i: Int) throws -> Bool {
        if case .bool(let b) = self[i] { return b }
        throw argumentError(i, expected: "bool", got: self[i])
    }
    public func list(_ i: Int) throws -> ScriptList {
        if case .list(let l) = self[i] { return l }
        throw argumentError(i, expected: "list", got: self[i])
    }
    public func dict(_ i: Int) throws -> ScriptDict {
        if case .dict(let d) = self[i] { return d }
        throw argumentError(i, expected: "dict", got: self[i])
    }
    /// An object of a given wrapper class, e.g. `try args.object(0, as: TensorObject.self, expected: "tensor")`.
    public func object<T>(_ i: Int, as type: T.Type, expected: String) throws -> T {
        if case .object(let o) = self[i], let t = o as? T { return t }
        throw argumentError(i, expected: expected, got: self[i])
    }
    /// Any iterable argument as an array of values (lists, ranges, strings, dict keys, objects).
    public func sequence(_ i: Int) throws -> [Value] {
        guard let items = try context.evaluator.iterateToArray(self[i]) else {
            throw argumentError(i, expected: "iterable", got: self[i])
        }
        return items
    }
    /// A keyword option given through `**options`.
    public func option(_ name: String) -> Value? { options.first { $0.0 == name }?.1 }
}

/// What a native function may ask of the running interpreter.
public final class CallContext {
    unowned let evaluator: Evaluator
    init(evaluator: Evaluator) { self.evaluator = evaluator }
    public var host: Host { evaluator.host }
    /// Calls a script or native function value (e.g. a `key=` callback).
    public func call(_ function: Value, _ args: [Value], keywords: [(String, Value)] = []) throws -> Value {
        try evaluator.callValue(function, args, keywords: keywords, span: evaluator.currentSpan)
    }
    /// Counts `n` steps against the host's step budget (for natives that do work per element).
    public func charge(_ n: Int) throws { try evaluator.charge(n) }
    /// Polls the interrupt hook; throws when an interrupt was requested.
    public func checkInterrupt() throws { try evaluator.checkInterrupt() }
}

/// A table of native functions reached as `name.member` (also used for the `math` module).
public final class NativeModule: ScriptObject {
    public let name: String
    public let doc: String
    public private(set) var order: [String] = []
    private var table: [String: Value] = [:]

    public init(name: String, doc: String) { self.name = name; self.doc = doc }
    public var typeName: String { "module" }
    /// Makes the module itself callable (`tensor([1, 2])` beside `tensor.sum(x)`).
    public var call: NativeFunction?
    public var callable: NativeFunction? { call }
    public var memberNames: [String] { order }
    public func member(_ name: String) throws -> Value? { table[name] }
    public var scriptDescription: String { "<module \(name)>" }

    /// Adds a function: `module.add("linear(in: int, out: int, bias: bool = true)", doc: "…") { args in … }`.
    @discardableResult
    public func add(_ declaration: String, doc: String, _ body: @escaping NativeBody) -> NativeFunction {
        let (short, sig) = NativeFunction.split(declaration)
        let f = NativeFunction(name: "\(name).\(short)", signature: sig, doc: doc, body: body)
        set(short, .native(f))
        return f
    }
    /// Adds a constant or any other value (e.g. `math.pi`, a nested module).
    public func set(_ member: String, _ value: Value) {
        if table[member] == nil { order.append(member) }
        table[member] = value
    }
}

/// The registry: global functions plus modules. `Registry.standard()` holds the core builtins;
/// the integrator adds Kernel modules with `registry.module("nn", doc: …)`.
public final class Registry {
    public private(set) var globalNames: [String] = []
    private var globals: [String: Value] = [:]
    public private(set) var modules: [String: NativeModule] = [:]

    public init() {}

    /// A registry holding the core builtins (print, len, range, …) and the `math` module.
    public static func standard() -> Registry {
        let r = Registry()
        CoreBindings.register(into: r)
        return r
    }

    /// Adds a global function.
    @discardableResult
    public func add(_ declaration: String, doc: String, _ body: @escaping NativeBody) -> NativeFunction {
        let f = NativeFunction(declaration, doc: doc, body: body)
        setGlobal(f.name, .native(f))
        return f
    }
    /// Adds a global function with a signature built in code.
    @discardableResult
    public func add(name: String, signature: Signature, doc: String, _ body: @escaping NativeBody) -> NativeFunction {
        let f = NativeFunction(name: name, signature: signature, doc: doc, body: body)
        setGlobal(name, .native(f))
        return f
    }

    /// Binds any value as a global (a constant, an object, an alias of a module function).
    public func setGlobal(_ name: String, _ value: Value) {
        if globals[name] == nil { globalNames.append(name) }
        globals[name] = value
    }
    /// The module with this name, created (and bound as a global) on first use.
    public func module(_ name: String, doc: String = "") -> NativeModule {
        if let m = modules[name] { return m }
        let m = NativeModule(name: name, doc: doc)
        modules[name] = m
        setGlobal(name, .object(m))
        return m
    }
    public func global(_ name: String) -> Value? { globals[name] }

    /// Looks up `print` or `nn.linear`.
    public func lookup(_ qualified: String) -> Value? {
        let parts = qualified.split(separator: ".").map(String.init)
        guard let first = parts.first, var v = globals[first] else { return nil }
        for p in parts.dropFirst() {
            guard case .object(let o) = v, let m = try? o.member(p) else { return nil }
            v = m
        }
        return v
    }

    /// The doc text `help(name)` and `?name` show, or nil.
    public func help(_ qualified: String) -> String? {
        guard let v = lookup(qualified) else { return nil }
        return Registry.helpText(for: v)
    }

    static func helpText(for v: Value) -> String {
        switch v {
        case .native(let f): return f.helpText
        case .function(let f):
            let file = f.decl.source.path.split(separator: "/").last.map(String.init) ?? f.decl.source.path
            return "\(f.decl.name)(\(f.parameterNames.joined(separator: ", ")))\nfunction defined at \(file):\(f.decl.span.line)"
        case .object(let o as NativeModule):
            var s = "module \(o.name)" + (o.doc.isEmpty ? "" : "\n\(o.doc)")
            for n in o.order { if case .native(let f)? = try? o.member(n) { s += "\n  \(n)\(f.signature.text)" } else { s += "\n  \(n)" } }
            return s
        case .object(let o):
            return "\(o.typeName)" + (o.memberNames.isEmpty ? "" : "\nmembers: " + o.memberNames.joined(separator: ", "))
        default:
            return "\(v.typeName): \(v.reprString)"
        }
    }
}
