import Foundation
import Kernel

/// The tree-walking evaluator: exhaustive switches over `Stmt` and `Expr`, array-backed
/// frames, a step budget, an interrupt poll at every statement and loop iteration, and a
/// call-depth cap.
final class Evaluator {
    enum Flow { case normal, breakLoop, continueLoop, returned }

    let host: Host
    let registry: Registry
    var globals: Globals
    var source: SourceFile
    private var steps = 0
    private var callDepth = 0
    /// Active script functions: name ("" for a main chunk) and source; `callSites[i]` is where
    /// frame i-1 called frame i.
    private var activeFunctions: [(name: String, source: SourceFile)] = []
    private var callSites: [Span] = []
    var currentSpan = Span.none
    private var returnValue: Value = .null
    lazy var context = CallContext(evaluator: self)
    private var moduleCache: [String: ScriptModule] = [:]
    private var importing: Set<String> = []

    init(host: Host, registry: Registry, globals: Globals, source: SourceFile) {
        self.host = host; self.registry = registry; self.globals = globals; self.source = source
    }

    /// The top-level tables of the files this evaluator imported (its own is `globals`).
    private var importedGlobals: [Globals] = []

    /// Breaks the cycle between a top-level table and each function defined in it (the function
    /// holds the table it reads its globals from; the table holds the function), which reference
    /// counting alone never frees. The session calls this when it ends or is reset; the values
    /// are gone afterwards. Without it every script that defined a function leaked its globals,
    /// closures and tensors once its session was dropped (LeakSanitizer, scripts/fuzz.sh
    /// script-eval).
    func releaseGlobals() {
        for g in [globals] + importedGlobals { for i in g.values.indices { g.values[i] = nil } }
        importedGlobals.removeAll()
        moduleCache.removeAll()
    }

    // MARK: errors and budget

    func fail(_ message: String, _ span: Span) -> RuntimeError {
        RuntimeError(message: message, span: span, source: source, trace: trace(at: span))
    }

    private func trace(at span: Span) -> [TraceFrame] {
        var out: [TraceFrame] = []
        var s = span
        for i in stride(from: activeFunctions.count - 1, through: 0, by: -1) {
            let f = activeFunctions[i]
            out.append(TraceFrame(function: f.name, file: f.source.path, line: Int(s.line), column: Int(s.col)))
            s = callSites[i]
        }
        return out
    }

    /// Wraps an error from a native function with the script location of the call.
    func locate(_ error: Error, _ span: Span) -> Error {
        switch error {
        case is RuntimeError, is InterruptedError, is StaticErrors: return error
        case let e as ScriptError: return fail(e.message, span)
        default:
            var r = fail(String(describing: error), span)
            r.exitCode = exitCode(of: error)
            return r
        }
    }

    func exitCode(of error: Error) -> ExitCode { ExitCode(kernelError: error) }

    // Copies of the host's budget and interrupt hook, refreshed by `resetSteps` for each run.
    private lazy var maxSteps = host.maxSteps
    private lazy var interruptRequested = host.isInterruptRequested

    @inline(__always) private func tick(_ span: Span) throws {
        steps &+= 1
        if steps > maxSteps { throw fail("step limit exceeded (\(maxSteps) steps)", span) }
        if interruptRequested() { throw InterruptedError() }
    }

    func charge(_ n: Int) throws {
        steps &+= max(0, n)
        if steps > host.maxSteps || steps < 0 { throw fail("step limit exceeded (\(host.maxSteps) steps)", currentSpan) }
    }

    func resetSteps() {
        steps = 0
        maxSteps = host.maxSteps
        interruptRequested = host.isInterruptRequested
    }

    /// a * b for sizes, saturating at Int.max (negative counts as 0).
    static func product(_ a: Int, _ b: Int) -> Int {
        let (p, o) = max(a, 0).multipliedReportingOverflow(by: max(b, 0))
        return o ? Int.max : p
    }

    func checkInterrupt() throws { if host.isInterruptRequested() { throw InterruptedError() } }

    // MARK: chunks

    /// Runs a resolved chunk in the current globals. Returns the value of a final bare
    /// expression statement (for the REPL), or nil.
    func runMain(_ stmts: [Stmt], slots: Int, source src: SourceFile) throws -> Value? {
        let savedSource = source
        source = src
        activeFunctions.append(("", src)); callSites.append(currentSpan)
        defer { activeFunctions.removeLast(); callSites.removeLast(); source = savedSource }
        let frame = Frame(count: slots, parent: nil)
        var last: Value? = nil
        for (i, s) in stmts.enumerated() {
            if i == stmts.count - 1, case .expression(let e, let span) = s {
                try tick(span)
                last = try eval(e, frame)
                break
            }
            _ = try exec(s, frame)
        }
        return last
    }

    // MARK: statements

    private func execBlock(_ stmts: [Stmt], _ f: Frame) throws -> Flow {
        for s in stmts {
            let flow = try exec(s, f)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func exec(_ s: Stmt, _ f: Frame) throws -> Flow {
        switch s {
        case .expression(let e, let span):
            try tick(span)
            _ = try eval(e, f)
        case .declaration(let r, _, let e, let span):
            try tick(span)
            try assign(r, try eval(e, f), f, span)
        case .argument(let r, let e, let span):
            try tick(span)
            let def = try eval(e, f)
            let v: Value
            do { v = try host.argumentValue(r.name, default: def) } catch { throw locate(error, span) }
            try assign(r, v, f, span)
        case .assignment(let target, let op, let valueExpr, let span):
            try tick(span)
            try execAssignment(target, op, valueExpr, span, f)
        case .ifElse(let branches, let elseBlock, let span):
            try tick(span)
            for (cond, body) in branches where try truthy(try eval(cond, f), cond.span) {
                return try execBlock(body, f)
            }
            if let e = elseBlock { return try execBlock(e, f) }
        case .whileLoop(let cond, let body, let span):
            while true {
                try tick(span)
                guard try truthy(try eval(cond, f), cond.span) else { break }
                let flow = try execBlock(body, f)
                if flow == .breakLoop { break }
                if flow == .returned { return flow }
            }
        case .forIn(let names, let seqExpr, let body, let span):
            try tick(span)
            return try execFor(names, try eval(seqExpr, f), seqExpr.span, body, span, f)
        case .function(let r, let decl, let span):
            try tick(span)
            try assign(r, .function(ScriptFunction(decl: decl, captured: decl.capturesEnclosing ? f : nil, globals: globals)), f, span)
        case .returnStmt(let e, let span):
            try tick(span)
            returnValue = try e.map { try eval($0, f) } ?? .null
            return .returned
        case .breakStmt: return .breakLoop
        case .continueStmt: return .continueLoop
        case .importModule(let path, let r, let span):
            try tick(span)
            try assign(r, .object(try importModule(path, span)), f, span)
        case .nograd(let body, let span):
            try tick(span)
            var flow = Flow.normal
            do {
                try host.noGrad { flow = try self.execBlock(body, f) }
            } catch { throw locate(error, span) }
            return flow
        }
        return .normal
    }

    private func execFor(_ names: [VarRef], _ seq: Value, _ seqSpan: Span, _ body: [Stmt], _ span: Span, _ f: Frame) throws -> Flow {
        @inline(__always) func bind(_ v: Value) throws {
            if names.count == 1 { try assign(names[0], v, f, span); return }
            let parts: [Value]
            switch v {
            case .list(let l): parts = l.items
            default: throw fail("cannot unpack \(v.typeName) into \(names.count) variables", span)
            }
            guard parts.count == names.count else {
                throw fail("cannot unpack a list of \(parts.count) items into \(names.count) variables", span)
            }
            for (n, p) in zip(names, parts) { try assign(n, p, f, span) }
        }
        @inline(__always) func step(_ v: Value) throws -> Flow {
            try tick(span)
            try bind(v)
            return try execBlock(body, f)
        }
        switch seq {
        case .range(let r):
            var i = r.start
            let n = r.count
            if names.count == 1, case .local(0, let slot) = names[0].location {
                for _ in 0..<n {
                    try tick(span)
                    f.slots[slot] = .int(i)
                    let flow = try execBlock(body, f)
                    if flow == .breakLoop { break }
                    if flow == .returned { return flow }
                    i &+= r.step
                }
                return .normal
            }
            for _ in 0..<n {
                let flow = try step(.int(i))
                if flow == .breakLoop { break }
                if flow == .returned { return flow }
                i &+= r.step
            }
        case .list(let l):
            var i = 0
            while i < l.items.count {
                let flow = try step(l.items[i])
                if flow == .breakLoop { break }
                if flow == .returned { return flow }
                i += 1
            }
        case .dict(let d):
            for k in d.keys {
                let flow = try step(k.value)
                if flow == .breakLoop { break }
                if flow == .returned { return flow }
            }
        case .string(let s):
            for ch in s {
                let flow = try step(.string(String(ch)))
                if flow == .breakLoop { break }
                if flow == .returned { return flow }
            }
        case .object(let o):
            let it: AnyIterator<Value>?
            do { it = try o.makeIterator() } catch { throw locate(error, seqSpan) }
            guard let iter = it else { throw fail("cannot iterate over \(an(o.typeName)) value", seqSpan) }
            while true {
                let next: Value?
                do { next = iter.next() }
                guard let v = next else { break }
                let flow = try step(v)
                if flow == .breakLoop { break }
                if flow == .returned { return flow }
            }
        default:
            throw fail("cannot iterate over \(an(seq.typeName)) value", seqSpan)
        }
        return .normal
    }

    private func execAssignment(_ target: AssignTarget, _ op: BinaryOperator?, _ valueExpr: Expr, _ span: Span, _ f: Frame) throws {
        switch target {
        case .variable(let r, let vspan):
            var v = try eval(valueExpr, f)
            if let op = op { v = try binary(op, try read(r, f, vspan), v, span) }
            try assign(r, v, f, span)
        case .index(let objExpr, let idxExprs, let ispan):
            let obj = try eval(objExpr, f)
            let idx = try evalIndex(idxExprs, f)
            var v = try eval(valueExpr, f)
            if let op = op { v = try binary(op, try index(obj, idx, ispan), v, span) }
            try setIndex(obj, idx, v, ispan)
        case .member(let objExpr, let name, let mspan):
            let obj = try eval(objExpr, f)
            var v = try eval(valueExpr, f)
            if let op = op { v = try binary(op, try member(obj, name, mspan), v, span) }
            try setMember(obj, name, v, mspan)
        }
    }

    // MARK: variables

    @inline(__always) private func read(_ r: VarRef, _ f: Frame, _ span: Span) throws -> Value {
        switch r.location {
        case .local(let depth, let slot):
            return depth == 0 ? f.slots[slot] : f.ancestor(depth).slots[slot]
        case .global(let g):
            if let v = globals.values[g] { return v }
            throw fail("undefined variable '\(r.name)'", span)
        case .unresolved:
            throw fail("unresolved variable '\(r.name)'", span)
        }
    }

    @inline(__always) private func assign(_ r: VarRef, _ v: Value, _ f: Frame, _ span: Span) throws {
        switch r.location {
        case .local(let depth, let slot):
            if depth == 0 { f.slots[slot] = v } else { f.ancestor(depth).slots[slot] = v }
        case .global(let g):
            globals.values[g] = v
        case .unresolved:
            throw fail("unresolved variable '\(r.name)'", span)
        }
    }

    // MARK: expressions

    func eval(_ e: Expr, _ f: Frame) throws -> Value {
        switch e {
        case .literal(let v, _):
            return v
        case .variable(let r, let span):
            return try read(r, f, span)
        case .binary(let op, let a, let b, let span):
            let l = try eval(a, f)
            let r = try eval(b, f)
            // Fast paths for scalar arithmetic and comparison.
            if case .int(let x) = l, case .int(let y) = r {
                switch op {
                case .lt: return .bool(x < y)
                case .le: return .bool(x <= y)
                case .gt: return .bool(x > y)
                case .ge: return .bool(x >= y)
                case .eq: return .bool(x == y)
                case .ne: return .bool(x != y)
                case .add:
                    let (s, o) = x.addingReportingOverflow(y)
                    if !o { return .int(s) }
                case .sub:
                    let (s, o) = x.subtractingReportingOverflow(y)
                    if !o { return .int(s) }
                case .mul:
                    let (s, o) = x.multipliedReportingOverflow(by: y)
                    if !o { return .int(s) }
                case .mod where y > 0 && x >= 0:
                    return .int(x % y)
                default: break
                }
            }
            return try binary(op, l, r, span)
        case .logical(let op, let a, let b, let span):
            let l = try eval(a, f)
            switch op {
            case .and: return try truthy(l, span) ? try eval(b, f) : l
            case .or: return try truthy(l, span) ? l : try eval(b, f)
            }
        case .unary(let op, let a, let span):
            return try unary(op, try eval(a, f), span)
        case .call(let calleeExpr, let argExprs, let span):
            var positional: [Value] = []
            positional.reserveCapacity(argExprs.count)
            var keywords: [(String, Value)] = []
            // Method call on a built-in value: dispatch without making a bound function.
            if case .member(let objExpr, let name, let mspan) = calleeExpr {
                let obj = try eval(objExpr, f)
                for a in argExprs {
                    let v = try eval(a.value, f)
                    if let l = a.label { keywords.append((l, v)) } else { positional.append(v) }
                }
                if let table = BuiltinMethods.table(for: obj), let m = table[name], !Evaluator.dictHasKey(obj, name) {
                    currentSpan = mspan
                    do {
                        var args = try bindArguments(m.signature, "\(obj.typeName).\(name)", positional, keywords)
                        return try m.body(obj, &args)
                    } catch { throw locate(error, mspan) }
                }
                return try callValue(try member(obj, name, mspan), positional, keywords: keywords, span: mspan)
            }
            let callee = try eval(calleeExpr, f)
            for a in argExprs {
                let v = try eval(a.value, f)
                if let l = a.label { keywords.append((l, v)) } else { positional.append(v) }
            }
            return try callValue(callee, positional, keywords: keywords, span: span)
        case .member(let objExpr, let name, let span):
            return try member(try eval(objExpr, f), name, span)
        case .index(let objExpr, let idx, let span):
            let obj = try eval(objExpr, f)
            return try index(obj, try evalIndex(idx, f), span)
        case .interpolation(let parts, _):
            var s = ""
            for p in parts {
                switch p {
                case .text(let t): s += t
                case .expr(let x): s += try eval(x, f).displayString
                }
            }
            return .string(s)
        case .list(let items, _):
            var out: [Value] = []
            out.reserveCapacity(items.count)
            for i in items { out.append(try eval(i, f)) }
            return .list(ScriptList(out))
        case .dict(let pairs, _):
            let d = ScriptDict()
            for (k, v) in pairs {
                let key = try eval(k, f)
                guard let dk = DictKey(key) else { throw fail("a dict key must be a string, int or bool, not \(key.typeName)", k.span) }
                d[dk] = try eval(v, f)
            }
            return .dict(d)
        case .range(let a, let b, let inclusive, let span):
            let lo = try eval(a, f), hi = try eval(b, f)
            guard case .int(let x) = lo, case .int(let y) = hi else {
                throw fail("range bounds must be ints, not \(lo.typeName) and \(hi.typeName)", span)
            }
            if inclusive {
                guard y < Int.max else { throw fail("range bound too large", span) }
                return .range(ScriptRange(start: x, stop: y + 1))
            }
            return .range(ScriptRange(start: x, stop: y))
        case .lambda(let decl, _):
            return .function(ScriptFunction(decl: decl, captured: decl.capturesEnclosing ? f : nil, globals: globals))
        case .conditional(let c, let a, let b, let span):
            return try truthy(try eval(c, f), span) ? try eval(a, f) : try eval(b, f)
        }
    }

    static func dictHasKey(_ v: Value, _ name: String) -> Bool {
        if case .dict(let d) = v { return d[.string(name)] != nil }
        return false
    }

    @inline(__always) func truthy(_ v: Value, _ span: Span) throws -> Bool {
        switch v {
        case .bool(let b): return b
        case .object:
            do { return try v.isTruthy() } catch { throw locate(error, span) }
        default: return try v.isTruthy()
        }
    }

    private func evalIndex(_ idx: [IndexExpr], _ f: Frame) throws -> [IndexComponent] {
        var out: [IndexComponent] = []
        out.reserveCapacity(idx.count)
        for c in idx {
            switch c {
            case .single(let e): out.append(.value(try eval(e, f)))
            case .ellipsis: out.append(.ellipsis)
            case .slice(let a, let b, let s):
                func bound(_ x: Expr?) throws -> Int? {
                    guard let x = x else { return nil }
                    switch try eval(x, f) {
                    case .int(let i): return i
                    case .null: return nil
                    case let v: throw fail("slice bounds must be ints, not \(v.typeName)", x.span)
                    }
                }
                out.append(.slice(start: try bound(a), stop: try bound(b), step: try bound(s)))
            }
        }
        return out
    }

    // MARK: calls

    func callValue(_ callee: Value, _ positional: [Value], keywords: [(String, Value)], span: Span) throws -> Value {
        switch callee {
        case .function(let fn):
            return try callScript(fn, positional, keywords, span)
        case .native(let nf):
            return try callNative(nf, positional, keywords, span)
        case .object(let o):
            if let nf = o.callable { return try callNative(nf, positional, keywords, span) }
            throw fail("attempt to call \(an(o.typeName)) value", span)
        default:
            throw fail("attempt to call \(an(callee.typeName)) value", span)
        }
    }

    private func callNative(_ nf: NativeFunction, _ positional: [Value], _ keywords: [(String, Value)], _ span: Span) throws -> Value {
        let saved = currentSpan
        currentSpan = span
        defer { currentSpan = saved }
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > host.maxCallDepth { throw fail("stack overflow (more than \(host.maxCallDepth) nested calls)", span) }
        do {
            var args = try bindArguments(nf.signature, nf.name, positional, keywords)
            return try nf.body(&args)
        } catch { throw locate(error, span) }
    }

    func bindArguments(_ sig: Signature, _ name: String, _ positional: [Value], _ keywords: [(String, Value)]) throws -> Arguments {
        let params = sig.parameters
        var values = [Value?](repeating: nil, count: params.count)
        var rest: [Value] = []
        var options: [(String, Value)] = []
        for (i, v) in positional.enumerated() {
            if i < sig.positionalCount { values[i] = v }
            else if sig.variadic != nil { rest.append(v) }
            else { throw ScriptError("too many arguments to '\(name)' (expected at most \(sig.positionalCount), got \(positional.count))") }
        }
        for (k, v) in keywords {
            if let i = params.firstIndex(where: { $0.name == k }) {
                if values[i] != nil { throw ScriptError("argument '\(k)' given twice in call to '\(name)'") }
                values[i] = v
            } else if sig.acceptsExtraKeywords {
                options.append((k, v))
            } else {
                throw ScriptError("unknown keyword argument '\(k)' to '\(name)'")
            }
        }
        var out: [Value] = []
        out.reserveCapacity(params.count)
        for (i, p) in params.enumerated() {
            var v: Value
            if let given = values[i] { v = given }
            else if let d = p.defaultValue {
                if case .list = d { v = .list(ScriptList()) } else { v = d }
            } else {
                throw ScriptError("bad argument #\(i + 1) to '\(name)' (expected \(p.kind?.text ?? "a value"), got no value)")
            }
            if let t = p.kind, !t.matches(v) {
                throw ScriptError("bad argument #\(i + 1) to '\(name)' (expected \(t.text), got \(v.argumentTypeName))")
            }
            out.append(v)
        }
        return Arguments(function: name, values: out, rest: rest, options: options, context: context)
    }

    private func callScript(_ fn: ScriptFunction, _ positional: [Value], _ keywords: [(String, Value)], _ span: Span) throws -> Value {
        let d = fn.decl
        let frame = Frame(count: d.slotCount, parent: fn.captured)
        defer { releaseCycles(frame, d) }
        let params = d.params
        if positional.count > params.count {
            throw fail("'\(d.name)' takes \(params.count) argument\(params.count == 1 ? "" : "s") but \(positional.count) were given", span)
        }
        var given = [Bool](repeating: false, count: params.count)
        for (i, v) in positional.enumerated() {
            if case .local(_, let slot) = params[i].ref.location { frame.slots[slot] = v }
            given[i] = true
        }
        for (k, v) in keywords {
            guard let i = params.firstIndex(where: { $0.ref.name == k }) else {
                throw fail("'\(d.name)' has no parameter named '\(k)'", span)
            }
            if given[i] { throw fail("'\(d.name)' got two values for parameter '\(k)'", span) }
            if case .local(_, let slot) = params[i].ref.location { frame.slots[slot] = v }
            given[i] = true
        }
        let savedGlobals = globals, savedSource = source
        globals = fn.globals
        defer { globals = savedGlobals; source = savedSource }
        for i in 0..<params.count where !given[i] {
            guard let def = params[i].defaultValue else {
                throw fail("missing argument '\(params[i].ref.name)' in call to '\(d.name)'", span)
            }
            source = d.source
            let v = try eval(def, fn.captured ?? frame)
            if case .local(_, let slot) = params[i].ref.location { frame.slots[slot] = v }
        }
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > host.maxCallDepth {
            throw fail("stack overflow (more than \(host.maxCallDepth) nested calls)", span)
        }
        activeFunctions.append((d.name, d.source)); callSites.append(span)
        defer { activeFunctions.removeLast(); callSites.removeLast() }
        source = d.source
        returnValue = .null
        let flow = try execBlock(d.body, frame)
        if flow == .returned {
            let v = returnValue
            returnValue = .null
            return v
        }
        return .null
    }

    /// A closure made in a call and kept in one of that call's locals captures the call's frame,
    /// which holds the closure: a reference cycle that ARC never frees, and with it everything
    /// else the frame held (a loader, a batch of images). After the call has returned:
    /// 1. Only nested closures can still read the frame, and only the slots the resolver saw them
    ///    read (`capturedSlots`); every other slot is cleared. That frees what an escaped
    ///    closure does not need, and breaks the cycle of a closure kept in a slot no closure reads.
    /// 2. If every live dependent of the frame (closures that captured it, frames made inside it)
    ///    is a closure held by nothing but one of the frame's own slots, nothing outside can
    ///    reach the frame any more: all its slots are cleared.
    /// A closure that escaped (returned, stored in a list or a record) keeps what it reads.
    private func releaseCycles(_ frame: Frame, _ decl: FunctionDecl) {
        guard frame.dependents > 0 else { return }
        for i in frame.slots.indices where !decl.capturedSlots.contains(i) { frame.slots[i] = .null }
        guard frame.dependents > 0, !decl.capturedSlots.isEmpty else { return }
        func capturesFrame(_ v: Value) -> Bool {
            if case .function(let held) = v { return held.captured === frame }
            return false
        }
        var internalOnly = 0
        for i in frame.slots.indices where capturesFrame(frame.slots[i]) {
            var moved = Value.null
            swap(&moved, &frame.slots[i])
            guard case .function(var fn) = moved else { continue }
            moved = .null
            if isKnownUniquelyReferenced(&fn) { internalOnly += 1 }
            frame.slots[i] = .function(fn)
        }
        if internalOnly == frame.dependents { frame.slots.removeAll() }
    }

    // MARK: operators

    func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, _ span: Span) throws -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)): return try intOp(op, x, y, span)
        case (.float(let x), .float(let y)): return try floatOp(op, x, y, span)
        case (.int(let x), .float(let y)): return try floatOp(op, Double(x), y, span)
        case (.float(let x), .int(let y)): return try floatOp(op, x, Double(y), span)
        default: break
        }
        // Objects (tensors …) get the first say when either side is one.
        if case .object(let o) = a, let p = o as? OperatorProvider {
            do { if let r = try p.binary(op, b, reversed: false) { return r } } catch { throw locate(error, span) }
        }
        if case .object(let o) = b, let p = o as? OperatorProvider {
            do { if let r = try p.binary(op, a, reversed: true) { return r } } catch { throw locate(error, span) }
        }
        switch op {
        case .eq: return .bool(a.isEqual(to: b))
        case .ne: return .bool(!a.isEqual(to: b))
        case .contains: return .bool(try contains(b, a, span))
        default: break
        }
        switch (op, a, b) {
        case (.add, .string(let x), .string(let y)): return .string(x + y)
        case (.add, .list(let x), .list(let y)):
            try charge(x.items.count + y.items.count)
            return .list(ScriptList(x.items + y.items))
        case (.mul, .string(let s), .int(let n)), (.mul, .int(let n), .string(let s)):
            try charge(Evaluator.product(s.utf8.count, n) / 16)
            return .string(String(repeating: s, count: max(n, 0)))
        case (.mul, .list(let l), .int(let n)), (.mul, .int(let n), .list(let l)):
            try charge(Evaluator.product(l.items.count, n))
            var out: [Value] = []
            for _ in 0..<max(n, 0) { out.append(contentsOf: l.items) }
            return .list(ScriptList(out))
        case (.lt, .string(let x), .string(let y)): return .bool(x < y)
        case (.le, .string(let x), .string(let y)): return .bool(x <= y)
        case (.gt, .string(let x), .string(let y)): return .bool(x > y)
        case (.ge, .string(let x), .string(let y)): return .bool(x >= y)
        default: break
        }
        switch op {
        case .lt, .le, .gt, .ge:
            throw fail("cannot compare \(a.typeName) and \(b.typeName) with '\(op.rawValue)'", span)
        default:
            throw fail("cannot apply '\(op.rawValue)' to \(a.typeName) and \(b.typeName)", span)
        }
    }

    private func intOp(_ op: BinaryOperator, _ x: Int, _ y: Int, _ span: Span) throws -> Value {
        func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> Value {
            if r.overflow { throw fail("integer overflow in '\(op.rawValue)'", span) }
            return .int(r.partialValue)
        }
        switch op {
        case .add: return try checked(x.addingReportingOverflow(y))
        case .sub: return try checked(x.subtractingReportingOverflow(y))
        case .mul: return try checked(x.multipliedReportingOverflow(by: y))
        case .div:
            if y == 0 { throw fail("division by zero", span) }
            return .float(Double(x) / Double(y))
        case .floorDiv:
            if y == 0 { throw fail("integer division by zero", span) }
            let (q, o) = x.dividedReportingOverflow(by: y)
            if o { throw fail("integer overflow in '//'", span) }
            return .int((x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q)
        case .mod:
            if y == 0 { throw fail("integer modulo by zero", span) }
            let (r, o) = x.remainderReportingOverflow(dividingBy: y)
            if o { return .int(0) }
            return .int(r != 0 && ((r < 0) != (y < 0)) ? r + y : r)
        case .pow:
            if y < 0 { return .float(Foundation.pow(Double(x), Double(y))) }
            var result = 1, base = x, e = y
            while e > 0 {
                if e & 1 == 1 {
                    let (m, o) = result.multipliedReportingOverflow(by: base)
                    if o { throw fail("integer overflow in '**'", span) }
                    result = m
                }
                e >>= 1
                if e > 0 {
                    let (b2, o) = base.multipliedReportingOverflow(by: base)
                    if o { throw fail("integer overflow in '**'", span) }
                    base = b2
                }
            }
            return .int(result)
        case .lt: return .bool(x < y)
        case .le: return .bool(x <= y)
        case .gt: return .bool(x > y)
        case .ge: return .bool(x >= y)
        case .eq: return .bool(x == y)
        case .ne: return .bool(x != y)
        case .matmul: throw fail("cannot apply '@' to int and int", span)
        case .contains: throw fail("cannot test membership in an int value", span)
        }
    }

    private func floatOp(_ op: BinaryOperator, _ x: Double, _ y: Double, _ span: Span) throws -> Value {
        switch op {
        case .add: return .float(x + y)
        case .sub: return .float(x - y)
        case .mul: return .float(x * y)
        case .div:
            if y == 0 { throw fail("division by zero", span) }
            return .float(x / y)
        case .floorDiv:
            if y == 0 { throw fail("division by zero", span) }
            return .float((x / y).rounded(.down))
        case .mod:
            if y == 0 { throw fail("modulo by zero", span) }
            return .float(x - y * (x / y).rounded(.down))
        case .pow: return .float(Foundation.pow(x, y))
        case .lt: return .bool(x < y)
        case .le: return .bool(x <= y)
        case .gt: return .bool(x > y)
        case .ge: return .bool(x >= y)
        case .eq: return .bool(x == y)
        case .ne: return .bool(x != y)
        case .matmul: throw fail("cannot apply '@' to numbers", span)
        case .contains: throw fail("cannot test membership in a float value", span)
        }
    }

    private func contains(_ container: Value, _ item: Value, _ span: Span) throws -> Bool {
        switch container {
        case .list(let l): return l.items.contains { $0.isEqual(to: item) }
        case .dict(let d): return DictKey(item).map { d[$0] != nil } ?? false
        case .string(let s):
            guard case .string(let sub) = item else { throw fail("'in <string>' needs a string on the left, not \(item.typeName)", span) }
            return sub.isEmpty || s.contains(sub)
        case .range(let r):
            guard case .int(let i) = item else { return false }
            if r.step > 0 { return i >= r.start && i < r.stop && (i - r.start) % r.step == 0 }
            return i <= r.start && i > r.stop && (r.start - i) % (-r.step) == 0
        case .object(let o):
            guard let it = try o.makeIterator() else { throw fail("cannot test membership in \(an(o.typeName)) value", span) }
            while let v = it.next() { if v.isEqual(to: item) { return true } }
            return false
        default:
            throw fail("cannot test membership in \(an(container.typeName)) value", span)
        }
    }

    private func unary(_ op: UnaryOperator, _ v: Value, _ span: Span) throws -> Value {
        switch (op, v) {
        case (.not, .object(let o)):
            // objects may define `not` (tensors: elementwise); otherwise their truth value
            if let p = o as? OperatorProvider {
                do { if let r = try p.unary(.not) { return r } } catch { throw locate(error, span) }
            }
            return .bool(!(try truthy(v, span)))
        case (.not, _): return .bool(!(try truthy(v, span)))
        case (.neg, .int(let i)):
            if i == Int.min { throw fail("integer overflow in unary '-'", span) }
            return .int(-i)
        case (.neg, .float(let d)): return .float(-d)
        case (.neg, .object(let o)):
            if let p = o as? OperatorProvider {
                do { if let r = try p.unary(.neg) { return r } } catch { throw locate(error, span) }
            }
            throw fail("cannot negate \(an(o.typeName)) value", span)
        case (.neg, _): throw fail("cannot negate \(an(v.typeName)) value", span)
        }
    }

    // MARK: members and indexing

    func member(_ obj: Value, _ name: String, _ span: Span) throws -> Value {
        switch obj {
        case .dict(let d):
            if let v = d[.string(name)] { return v }
        case .object(let o):
            do {
                if let v = try o.member(name) { return v }
            } catch { throw locate(error, span) }
            throw fail("\(o.typeName) has no member '\(name)'", span)
        default: break
        }
        if let table = BuiltinMethods.table(for: obj), let m = table[name] {
            let fname = "\(obj.typeName).\(name)"
            return .native(NativeFunction(name: fname, signature: m.signature, doc: m.doc) { args in try m.body(obj, &args) })
        }
        if case .dict = obj { throw fail("dict has no key or method '\(name)'", span) }
        throw fail("\(obj.typeName) has no member '\(name)'", span)
    }

    private func setMember(_ obj: Value, _ name: String, _ v: Value, _ span: Span) throws {
        switch obj {
        case .dict(let d): d[.string(name)] = v
        case .object(let o):
            let ok: Bool
            do { ok = try o.setMember(name, to: v) } catch { throw locate(error, span) }
            if !ok { throw fail("cannot set member '\(name)' of \(an(o.typeName)) value", span) }
        default: throw fail("cannot set member '\(name)' of \(an(obj.typeName)) value", span)
        }
    }

    /// Python-style normalisation of one index against a length.
    private func position(_ i: Int, _ count: Int, _ what: String, _ span: Span) throws -> Int {
        let p = i < 0 ? i + count : i
        guard p >= 0 && p < count else { throw fail("index \(i) out of range for \(what) of length \(count)", span) }
        return p
    }

    /// Indices a Python slice selects from a sequence of `count` items.
    func sliceIndices(_ start: Int?, _ stop: Int?, _ step: Int?, count: Int, _ span: Span) throws -> [Int] {
        let st = step ?? 1
        if st == 0 { throw fail("slice step cannot be zero", span) }
        func clamp(_ v: Int?, _ def: Int, lo: Int, hi: Int) -> Int {
            guard var x = v else { return def }
            if x < 0 { x = x &+ count }
            return min(max(x, lo), hi)
        }
        var out: [Int] = []
        if st > 0 {
            var i = clamp(start, 0, lo: 0, hi: count)
            let e = clamp(stop, count, lo: 0, hi: count)
            while i < e {
                out.append(i)
                let (n, o) = i.addingReportingOverflow(st)
                if o { break }
                i = n
            }
        } else {
            var i = clamp(start, count - 1, lo: -1, hi: count - 1)
            let e = clamp(stop, -1, lo: -1, hi: count - 1)
            while i > e {
                out.append(i)
                let (n, o) = i.addingReportingOverflow(st)
                if o { break }
                i = n
            }
        }
        return out
    }

    func index(_ obj: Value, _ idx: [IndexComponent], _ span: Span) throws -> Value {
        if case .object(let o) = obj {
            if let p = o as? OperatorProvider {
                do { if let r = try p.index(idx) { return r } } catch { throw locate(error, span) }
            }
            throw fail("cannot index \(an(o.typeName)) value", span)
        }
        guard idx.count == 1 else { throw fail("\(an(obj.typeName)) takes one index, not \(idx.count)", span) }
        switch (obj, idx[0]) {
        case (.list(let l), .value(.int(let i))):
            return l.items[try position(i, l.items.count, "list", span)]
        case (.list(let l), .slice(let a, let b, let s)):
            let ix = try sliceIndices(a, b, s, count: l.items.count, span)
            return .list(ScriptList(ix.map { l.items[$0] }))
        case (.string(let str), .value(.int(let i))):
            let chars = Array(str)
            return .string(String(chars[try position(i, chars.count, "string", span)]))
        case (.string(let str), .slice(let a, let b, let s)):
            let chars = Array(str)
            let ix = try sliceIndices(a, b, s, count: chars.count, span)
            return .string(String(ix.map { chars[$0] }))
        case (.range(let r), .value(.int(let i))):
            return .int(r.element(try position(i, r.count, "range", span)))
        case (.dict(let d), .value(let k)):
            guard let key = DictKey(k) else { throw fail("a dict key must be a string, int or bool, not \(k.typeName)", span) }
            if let v = d[key] { return v }
            throw fail("key \(k.reprString) not found in dict", span)
        case (.list, .value(let v)), (.string, .value(let v)), (.range, .value(let v)):
            throw fail("\(obj.typeName) index must be an int, not \(v.typeName)", span)
        default:
            throw fail("cannot index \(an(obj.typeName)) value", span)
        }
    }

    private func setIndex(_ obj: Value, _ idx: [IndexComponent], _ v: Value, _ span: Span) throws {
        if case .object(let o) = obj {
            if let p = o as? OperatorProvider {
                do { if try p.setIndex(idx, to: v) { return } } catch { throw locate(error, span) }
            }
            throw fail("cannot assign into \(an(o.typeName)) value by index", span)
        }
        guard idx.count == 1 else { throw fail("\(an(obj.typeName)) takes one index, not \(idx.count)", span) }
        switch (obj, idx[0]) {
        case (.list(let l), .value(.int(let i))):
            l.items[try position(i, l.items.count, "list", span)] = v
        case (.dict(let d), .value(let k)):
            guard let key = DictKey(k) else { throw fail("a dict key must be a string, int or bool, not \(k.typeName)", span) }
            d[key] = v
        case (.list, .value(let k)):
            throw fail("list index must be an int, not \(k.typeName)", span)
        default:
            throw fail("cannot assign into \(an(obj.typeName)) value by index", span)
        }
    }

    // MARK: iteration helper for natives

    func iterateToArray(_ v: Value) throws -> [Value]? {
        switch v {
        case .list(let l): return l.items
        case .range(let r):
            try charge(r.count)
            return (0..<r.count).map { .int(r.element($0)) }
        case .string(let s): return s.map { .string(String($0)) }
        case .dict(let d): return d.keys.map { $0.value }
        case .object(let o):
            guard let it = try o.makeIterator() else { return nil }
            var out: [Value] = []
            while let x = it.next() { try charge(1); out.append(x) }
            return out
        default: return nil
        }
    }

    // MARK: modules

    private func importModule(_ path: String, _ span: Span) throws -> ScriptModule {
        let full = Session.importPath(path, from: source.path)
        let key = (full as NSString).standardizingPath
        if let m = moduleCache[key] { return m }
        if importing.contains(key) { throw fail("circular import of '\(path)'", span) }
        let text: String
        do { text = try host.readFile(full) } catch {
            throw fail("cannot import '\(path)': cannot read file", span)
        }
        importing.insert(key)
        defer { importing.remove(key) }
        let src = SourceFile(path: full, text: text)
        let parser = Parser(source: src)
        let stmts = parser.parseProgram()
        if !parser.diagnostics.isEmpty { throw StaticErrors(diagnostics: parser.diagnostics) }
        let g = Globals(registry: registry)
        host.defineScriptGlobals(g)
        importedGlobals.append(g)
        let resolver = Resolver(globals: g, source: src)
        let slots = resolver.resolveProgram(stmts)
        if !resolver.diagnostics.isEmpty { throw StaticErrors(diagnostics: resolver.diagnostics) }
        let savedGlobals = globals
        globals = g
        let savedSpan = currentSpan
        currentSpan = span
        defer { globals = savedGlobals; currentSpan = savedSpan }
        _ = try runMain(stmts, slots: slots, source: src)
        let m = ScriptModule(name: path, globals: g)
        moduleCache[key] = m
        return m
    }
}

/// An imported `.coreg` file seen as an object whose members are its top-level names.
final class ScriptModule: ScriptObject {
    let name: String
    let globals: Globals
    init(name: String, globals: Globals) { self.name = name; self.globals = globals }
    var typeName: String { "module" }
    var memberNames: [String] { globals.userBindings.map { $0.0 } }
    func member(_ name: String) throws -> Value? {
        guard let i = globals.index[name], i >= globals.builtinCount else { return nil }
        return globals.values[i]
    }
    var scriptDescription: String { "<module \(name)>" }
}

/// "a list", "an int".
func an(_ word: String) -> String {
    guard let c = word.first else { return word }
    return ("aeiou".contains(c) ? "an " : "a ") + word
}
