import Foundation

/// Methods of built-in values: `xs.append(x)`, `d.get(k, 0)`, `s.split(",")`.
struct BuiltinMethod {
    let signature: Signature
    let doc: String
    let body: (Value, inout Arguments) throws -> Value
}

enum BuiltinMethods {
    private static func m(_ decl: String, _ doc: String, _ body: @escaping (Value, inout Arguments) throws -> Value) -> (String, BuiltinMethod) {
        let (name, sig) = NativeFunction.split(decl)
        return (name, BuiltinMethod(signature: sig, doc: doc, body: body))
    }
    private static func list(_ v: Value) -> ScriptList { if case .list(let l) = v { return l }; fatalError("not a list") }
    private static func dict(_ v: Value) -> ScriptDict { if case .dict(let d) = v { return d }; fatalError("not a dict") }
    private static func str(_ v: Value) -> String { if case .string(let s) = v { return s }; fatalError("not a string") }

    static func table(for v: Value) -> [String: BuiltinMethod]? {
        switch v {
        case .list: return listMethods
        case .dict: return dictMethods
        case .string: return stringMethods
        default: return nil
        }
    }

    static let listMethods: [String: BuiltinMethod] = Dictionary(uniqueKeysWithValues: [
        m("append(item)", "Adds `item` at the end.") { v, a in list(v).items.append(a[0]); return .null },
        m("pop(index: int = -1)", "Removes and returns the item at `index` (default: the last).") { v, a in
            let l = list(v)
            let i = try a.int(0)
            let p = i < 0 ? i + l.items.count : i
            guard p >= 0 && p < l.items.count else { throw ScriptError(l.items.isEmpty ? "pop from an empty list" : "index \(i) out of range for list of length \(l.items.count)") }
            return l.items.remove(at: p)
        },
        m("insert(index: int, item)", "Inserts `item` before position `index`.") { v, a in
            let l = list(v)
            var i = try a.int(0)
            if i < 0 { i += l.items.count }
            l.items.insert(a[1], at: min(max(i, 0), l.items.count))
            return .null
        },
        m("extend(items: iterable)", "Appends every item of `items`.") { v, a in list(v).items.append(contentsOf: try a.sequence(0)); return .null },
        m("index(item)", "Position of the first item equal to `item`.") { v, a in
            guard let i = list(v).items.firstIndex(where: { $0.isEqual(to: a[0]) }) else { throw ScriptError("\(a[0].reprString) is not in the list") }
            return .int(i)
        },
        m("contains(item)", "Whether an item equals `item`.") { v, a in .bool(list(v).items.contains { $0.isEqual(to: a[0]) }) },
        m("remove(item)", "Removes the first item equal to `item`.") { v, a in
            let l = list(v)
            guard let i = l.items.firstIndex(where: { $0.isEqual(to: a[0]) }) else { throw ScriptError("\(a[0].reprString) is not in the list") }
            l.items.remove(at: i); return .null
        },
        m("reverse()", "Reverses the list in place.") { v, _ in list(v).items.reverse(); return .null },
        m("sort(key: function? = nil, reverse: bool = false)", "Sorts the list in place.") { v, a in
            let l = list(v)
            l.items = try CoreBindings.sortValues(l.items, key: a[0], reverse: try a.bool(1), a.context)
            return .null
        },
        m("copy()", "A shallow copy.") { v, _ in .list(ScriptList(list(v).items)) },
        m("clear()", "Removes all items.") { v, _ in list(v).items.removeAll(); return .null },
        m("count()", "The number of items.") { v, _ in .int(list(v).items.count) },
    ])

    static let dictMethods: [String: BuiltinMethod] = Dictionary(uniqueKeysWithValues: [
        m("keys()", "The keys, in insertion order.") { v, _ in .list(ScriptList(dict(v).keys.map { $0.value })) },
        m("values()", "The values, in insertion order.") { v, _ in .list(ScriptList(dict(v).values)) },
        m("items()", "`[key, value]` pairs, in insertion order.") { v, _ in
            let d = dict(v)
            return .list(ScriptList(zip(d.keys, d.values).map { .list(ScriptList([$0.0.value, $0.1])) }))
        },
        m("get(key, default = nil)", "The value for `key`, or `default`.") { v, a in
            guard let k = DictKey(a[0]) else { return a[1] }
            return dict(v)[k] ?? a[1]
        },
        m("has(key)", "Whether `key` is present.") { v, a in .bool(DictKey(a[0]).map { dict(v)[$0] != nil } ?? false) },
        m("remove(key)", "Removes `key` and returns its value (nil when absent).") { v, a in
            guard let k = DictKey(a[0]) else { return .null }
            let d = dict(v)
            let old = d[k]
            d[k] = nil
            return old ?? .null
        },
        m("copy()", "A shallow copy.") { v, _ in
            let d = dict(v), c = ScriptDict()
            for (k, x) in zip(d.keys, d.values) { c[k] = x }
            return .dict(c)
        },
        m("count()", "The number of keys.") { v, _ in .int(dict(v).count) },
    ])

    static let stringMethods: [String: BuiltinMethod] = Dictionary(uniqueKeysWithValues: [
        m("upper()", "Upper-case copy.") { v, _ in .string(str(v).uppercased()) },
        m("lower()", "Lower-case copy.") { v, _ in .string(str(v).lowercased()) },
        m("strip()", "Copy without leading and trailing white space.") { v, _ in .string(str(v).trimmingCharacters(in: .whitespacesAndNewlines)) },
        m("split(separator: string? = nil)", "Splits on `separator` (default: runs of white space).") { v, a in
            let s = str(v)
            if case .string(let sep) = a[0] {
                if sep.isEmpty { throw a.argumentError(0, "empty separator") }
                return .list(ScriptList(s.components(separatedBy: sep).map { .string($0) }))
            }
            return .list(ScriptList(s.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) }))
        },
        m("join(items: iterable)", "Joins the items' text with this string between them.") { v, a in
            .string(try a.sequence(0).map { $0.displayString }.joined(separator: str(v)))
        },
        m("startswith(prefix: string)", "Whether the string starts with `prefix`.") { v, a in .bool(str(v).hasPrefix(try a.string(0))) },
        m("endswith(suffix: string)", "Whether the string ends with `suffix`.") { v, a in .bool(str(v).hasSuffix(try a.string(0))) },
        m("replace(old: string, new: string)", "Replaces every `old` with `new`.") { v, a in
            let old = try a.string(0)
            if old.isEmpty { return v }
            return .string(str(v).replacingOccurrences(of: old, with: try a.string(1)))
        },
        m("find(sub: string)", "Character position of the first `sub`, or -1.") { v, a in
            let s = str(v)
            guard let r = s.range(of: try a.string(0)) else { return .int(-1) }
            return .int(s.distance(from: s.startIndex, to: r.lowerBound))
        },
        m("contains(sub: string)", "Whether `sub` occurs in the string.") { v, a in
            let sub = try a.string(0)
            return .bool(sub.isEmpty || str(v).contains(sub))
        },
    ])
}

/// The core builtins: print, len, range, str, int, float, type, help, assert, … and `math`.
enum CoreBindings {
    static func sortValues(_ items: [Value], key: Value, reverse: Bool, _ ctx: CallContext) throws -> [Value] {
        try ctx.charge(items.count)
        let keys = try items.map { key.isNull ? $0 : try ctx.call(key, [$0]) }
        var allNumbers = true, allStrings = true
        for k in keys {
            switch k {
            case .int, .float: allStrings = false
            case .string: allNumbers = false
            default: allNumbers = false; allStrings = false
            }
        }
        guard allNumbers || allStrings else {
            throw ScriptError("cannot sort: items must be all numbers or all strings")
        }
        func num(_ v: Value) -> Double { if case .int(let i) = v { return Double(i) }; if case .float(let d) = v { return d }; return 0 }
        func s(_ v: Value) -> String { if case .string(let x) = v { return x }; return "" }
        var order = Array(0..<items.count)
        if allNumbers { order.sort { num(keys[$0]) < num(keys[$1]) || (num(keys[$0]) == num(keys[$1]) && $0 < $1) } }
        else { order.sort { s(keys[$0]) < s(keys[$1]) || (s(keys[$0]) == s(keys[$1]) && $0 < $1) } }
        if reverse { order.reverse() }
        return order.map { items[$0] }
    }

    static func number(_ v: Value) -> Double? {
        switch v { case .int(let i): return Double(i); case .float(let d): return d; default: return nil }
    }

    static func length(_ v: Value) -> Int? {
        switch v {
        case .list(let l): return l.items.count
        case .string(let s): return s.count
        case .dict(let d): return d.count
        case .range(let r): return r.count
        case .object(let o): return o.length
        default: return nil
        }
    }

    static func extreme(_ a: inout Arguments, wantMax: Bool) throws -> Value {
        var items = a.rest
        if items.count == 1 { items = try a.context.evaluator.iterateToArray(items[0]) ?? items }
        guard var best = items.first else { throw ScriptError("\(a.function)() needs at least one value") }
        let ev = a.context.evaluator
        for x in items.dropFirst() {
            let better = try ev.binary(wantMax ? .gt : .lt, x, best, ev.currentSpan)
            if case .bool(true) = better { best = x }
        }
        return best
    }

    static func toInt(_ d: Double) throws -> Int {
        guard d.isFinite, abs(d) < 9.2e18 else { throw ScriptError("cannot convert \(Value.formatFloat(d)) to int") }
        return Int(d)
    }

    static func register(into r: Registry) {
        r.add("print(...values, sep: string = \" \", end: string = \"\\n\")",
              doc: "Writes the values' text, separated by `sep` and followed by `end`.") { a in
            let text = a.rest.map { $0.displayString }.joined(separator: try a.string(0)) + (try a.string(1))
            a.context.host.write(text)
            return .null
        }
        r.add("len(x)", doc: "Number of items of a list, dict, range or object, or characters of a string.") { a in
            guard let n = length(a[0]) else { throw a.argumentError(0, expected: "list, dict, string or range", got: a[0]) }
            return .int(n)
        }
        r.add("range(start: int, stop: int? = nil, step: int = 1)",
              doc: "The ints start, start+step, … before stop. With one argument: 0..<start.") { a in
            var start = try a.int(0), stop = 0
            if a.isNull(1) { stop = start; start = 0 } else { stop = try a.int(1) }
            let step = try a.int(2)
            if step == 0 { throw a.argumentError(2, "step cannot be zero") }
            return .range(ScriptRange(start: start, stop: stop, step: step))
        }
        r.add("str(x)", doc: "The text of a value, as print shows it.") { a in .string(a[0].displayString) }
        r.add("repr(x)", doc: "The text of a value as the REPL shows it (strings quoted).") { a in .string(a[0].reprString) }
        r.add("int(x)", doc: "Converts a number (truncating), bool or numeric string to an int.") { a in
            switch a[0] {
            case .int: return a[0]
            case .float(let d): return .int(try toInt(d))
            case .bool(let b): return .int(b ? 1 : 0)
            case .string(let s):
                if let i = Int(s.trimmingCharacters(in: .whitespaces)) { return .int(i) }
                throw ScriptError("cannot convert \(Value.quote(s)) to int")
            default: throw a.argumentError(0, expected: "number, bool or string", got: a[0])
            }
        }
        r.add("float(x)", doc: "Converts a number, bool or numeric string to a float.") { a in
            switch a[0] {
            case .int(let i): return .float(Double(i))
            case .float: return a[0]
            case .bool(let b): return .float(b ? 1 : 0)
            case .string(let s):
                if let d = Double(s.trimmingCharacters(in: .whitespaces)) { return .float(d) }
                throw ScriptError("cannot convert \(Value.quote(s)) to float")
            default: throw a.argumentError(0, expected: "number, bool or string", got: a[0])
            }
        }
        r.add("bool(x)", doc: "The truth value of x (nil, false, 0, empty are false).") { a in .bool(try a[0].isTruthy()) }
        r.add("type(x)", doc: "The type name: nil, bool, int, float, string, list, dict, range, function, or an object's type.") { a in
            .string(a[0].typeName)
        }
        r.add("help(name = nil)", doc: "Shows the documentation of a function, module or value (by value or by name).") { a in
            // The registry comes from the caller, not from a capture of `r`: the registry holds
            // this function, so a capture would be a cycle that leaks every registry (and with it
            // every session) ever made (LeakSanitizer, scripts/fuzz.sh script-parse).
            let r = a.context.evaluator.registry
            let text: String
            switch a[0] {
            case .null:
                text = "builtins: " + r.globalNames.sorted().joined(separator: ", ") + "\nUse help(name) or help(\"module.name\")."
            case .string(let s):
                guard let t = r.help(s) ?? a.context.evaluator.globals.index[s].flatMap({ a.context.evaluator.globals.values[$0] }).map(Registry.helpText) else {
                    throw ScriptError("no help for '\(s)'")
                }
                text = t
            default: text = Registry.helpText(for: a[0])
            }
            a.context.host.write(text + "\n")
            return .null
        }
        r.add("assert(condition, message: string = \"assertion failed\")", doc: "Stops with `message` unless condition is true.") { a in
            if try !a[0].isTruthy() { throw ScriptError(try a.string(1)) }
            return .null
        }
        r.add("error(message: string)", doc: "Stops the script with a runtime error.") { a in throw ScriptError(try a.string(0)) }
        r.add("keys(d: dict)", doc: "The keys of a dict, in insertion order.") { a in .list(ScriptList(try a.dict(0).keys.map { $0.value })) }
        r.add("values(d: dict)", doc: "The values of a dict, in insertion order.") { a in .list(ScriptList(try a.dict(0).values)) }
        r.add("items(d: dict)", doc: "`[key, value]` pairs of a dict.") { a in
            let d = try a.dict(0)
            return .list(ScriptList(zip(d.keys, d.values).map { .list(ScriptList([$0.0.value, $0.1])) }))
        }
        r.add("append(xs: list, item)", doc: "Adds `item` at the end of `xs`.") { a in (try a.list(0)).items.append(a[1]); return .null }
        r.add("list(items: iterable = [])", doc: "A new list of the items of a list, range, string, dict (keys) or object.") { a in
            .list(ScriptList(try a.sequence(0)))
        }
        r.add("min(...values)", doc: "The smallest of the values (or of one list).") { a in try extreme(&a, wantMax: false) }
        r.add("max(...values)", doc: "The largest of the values (or of one list).") { a in try extreme(&a, wantMax: true) }
        r.add("abs(x: number)", doc: "Absolute value.") { a in
            if case .int(let i) = a[0] {
                if i == Int.min { throw ScriptError("integer overflow in abs") }
                return .int(Swift.abs(i))
            }
            return .float(Swift.abs(try a.double(0)))
        }
        r.add("sum(items: iterable, start = 0)", doc: "start + the sum of the items (works for any values supporting +).") { a in
            let ev = a.context.evaluator
            var total = a[1]
            for x in try a.sequence(0) { total = try ev.binary(.add, total, x, ev.currentSpan) }
            return total
        }
        r.add("sorted(items: iterable, key: function? = nil, reverse: bool = false)",
              doc: "A sorted list (numbers or strings; `key` maps items to sort keys).") { a in
            .list(ScriptList(try sortValues(try a.sequence(0), key: a[1], reverse: try a.bool(2), a.context)))
        }
        r.add("reversed(items: iterable)", doc: "A list of the items in reverse order.") { a in .list(ScriptList(try a.sequence(0).reversed())) }
        r.add("enumerate(items: iterable, start: int = 0)", doc: "`[index, item]` pairs: `for i, x in enumerate(xs)`.") { a in
            let s = try a.int(1)
            return .list(ScriptList(try a.sequence(0).enumerated().map { .list(ScriptList([.int(s &+ $0.offset), $0.element])) }))
        }
        r.add("zip(...lists)", doc: "Lists of corresponding items, as long as the shortest input.") { a in
            let seqs = try a.rest.enumerated().map { (i, v) -> [Value] in
                guard let s = try a.context.evaluator.iterateToArray(v) else { throw a.argumentError(i, expected: "iterable", got: v) }
                return s
            }
            let n = seqs.map { $0.count }.min() ?? 0
            return .list(ScriptList((0..<n).map { i in .list(ScriptList(seqs.map { $0[i] })) }))
        }
        r.add("map(f: function, items: iterable)", doc: "A list of f(x) for each item x.") { a in
            .list(ScriptList(try a.sequence(1).map { try a.context.call(a[0], [$0]) }))
        }
        r.add("filter(f: function, items: iterable)", doc: "A list of the items x for which f(x) is true.") { a in
            .list(ScriptList(try a.sequence(1).filter { try a.context.call(a[0], [$0]).isTruthy() }))
        }
        r.add("round(x: number, digits: int? = nil)", doc: "Rounds half away from zero; without digits returns an int.") { a in
            let x = try a.double(0)
            if a.isNull(1) { return .int(try toInt(x.rounded())) }
            let p = Foundation.pow(10.0, Double(try a.int(1)))
            return .float((x * p).rounded() / p)
        }
        r.add("format(x: number, spec: string)",
              doc: "Formats a number with a printf-style spec without '%': \".3f\", \"8.2e\", \"5d\".") { a in
            let spec = try a.string(1)
            guard spec.count <= 12, let last = spec.last, "fegdx".contains(last),
                  spec.dropLast().allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }),
                  spec.split(whereSeparator: { !$0.isNumber }).allSatisfy({ (Int($0) ?? 100) <= 64 }) else {
                throw a.argumentError(1, "invalid format spec '\(spec)'")
            }
            if last == "d" || last == "x" { return .string(String(format: "%\(spec.dropLast())l\(last)", try a.int(0))) }
            return .string(String(format: "%\(spec)", try a.double(0)))
        }
        r.add("time()", doc: "Seconds since the session started (monotonic).") { a in .float(a.context.host.clock()) }

        let math = r.module("math", doc: "Mathematical functions and constants.")
        func unaryMath(_ name: String, _ doc: String, _ f: @escaping (Double) -> Double) {
            math.add("\(name)(x: number)", doc: doc) { a in .float(f(try a.double(0))) }
        }
        unaryMath("sqrt", "Square root.") { $0.squareRoot() }
        unaryMath("exp", "e to the power x.") { Foundation.exp($0) }
        unaryMath("log", "Natural logarithm.") { Foundation.log($0) }
        unaryMath("log2", "Base-2 logarithm.") { Foundation.log2($0) }
        unaryMath("log10", "Base-10 logarithm.") { Foundation.log10($0) }
        unaryMath("sin", "Sine.") { Foundation.sin($0) }
        unaryMath("cos", "Cosine.") { Foundation.cos($0) }
        unaryMath("tan", "Tangent.") { Foundation.tan($0) }
        unaryMath("tanh", "Hyperbolic tangent.") { Foundation.tanh($0) }
        unaryMath("atan", "Arc tangent.") { Foundation.atan($0) }
        math.add("floor(x: number)", doc: "Largest int not above x.") { a in
            if case .int = a[0] { return a[0] }
            return .int(try toInt(try a.double(0).rounded(.down)))
        }
        math.add("ceil(x: number)", doc: "Smallest int not below x.") { a in
            if case .int = a[0] { return a[0] }
            return .int(try toInt(try a.double(0).rounded(.up)))
        }
        math.add("pow(x: number, y: number)", doc: "x to the power y, as a float.") { a in .float(Foundation.pow(try a.double(0), try a.double(1))) }
        math.add("atan2(y: number, x: number)", doc: "Angle of the point (x, y).") { a in .float(Foundation.atan2(try a.double(0), try a.double(1))) }
        math.add("isnan(x: number)", doc: "Whether x is not a number.") { a in .bool(try a.double(0).isNaN) }
        math.add("isinf(x: number)", doc: "Whether x is infinite.") { a in .bool(try a.double(0).isInfinite) }
        math.set("pi", .float(Double.pi))
        math.set("e", .float(M_E))
        math.set("inf", .float(.infinity))
        math.set("nan", .float(.nan))
        // The most used ones are globals too.
        for n in ["sqrt", "exp", "log", "floor", "ceil"] { if let v = try? math.member(n) { r.setGlobal(n, v) } }
    }
}
