/// Static pass between parser and evaluator: binds every name to a frame slot or a global,
/// and reports undefined names and assignments to constants (exit code 65 for scripts).
final class Resolver {
    private final class Scope {
        var blocks: [[String: (slot: Int, mutable: Bool)]] = []
        var slotCount = 0
        let parent: Scope?
        let isMain: Bool
        let function: FunctionDecl?
        init(parent: Scope?, isMain: Bool, function: FunctionDecl? = nil) {
            self.parent = parent; self.isMain = isMain; self.function = function
        }
    }

    let globals: Globals
    let source: SourceFile
    var diagnostics: [Diagnostic] = []
    private var scope: Scope
    private var localLookups = 0
    private var resolvingDefaults = 0

    init(globals: Globals, source: SourceFile) {
        self.globals = globals; self.source = source
        self.scope = Scope(parent: nil, isMain: true)
    }

    /// Resolves a chunk; returns the number of slots its main frame needs.
    func resolveProgram(_ stmts: [Stmt]) -> Int {
        // Top-level declarations are visible everywhere in the chunk (functions may refer to
        // names defined further down).
        for s in stmts {
            switch s {
            case .declaration(let r, let m, _, _): globals.declare(r.name, mutable: m)
            case .function(let r, _, _), .importModule(_, let r, _), .argument(let r, _, _):
                globals.declare(r.name, mutable: false)
            default: break
            }
        }
        resolveBlock(stmts, newBlock: false)
        return scope.slotCount
    }

    private func error(_ message: String, _ span: Span) {
        diagnostics.append(makeDiagnostic(.staticError, message, span, source))
    }

    private var atGlobalLevel: Bool { scope.isMain && scope.blocks.isEmpty }

    private func declare(_ ref: VarRef, mutable: Bool, _ span: Span) {
        if atGlobalLevel {
            ref.location = .global(globals.declare(ref.name, mutable: mutable))
            return
        }
        if scope.blocks[scope.blocks.count - 1][ref.name] != nil {
            error("redeclaration of '\(ref.name)' in the same block", span)
        }
        let slot = scope.slotCount
        scope.slotCount += 1
        scope.blocks[scope.blocks.count - 1][ref.name] = (slot, mutable)
        ref.location = .local(depth: 0, slot: slot)
    }

    /// Finds a name; returns whether it may be assigned.
    @discardableResult
    private func lookup(_ ref: VarRef, _ span: Span) -> Bool? {
        var depth = 0
        var s: Scope? = scope
        while let sc = s {
            for b in sc.blocks.reversed() {
                if let hit = b[ref.name] {
                    ref.location = .local(depth: depth, slot: hit.slot)
                    localLookups += 1
                    if depth > 0 || resolvingDefaults > 0 { sc.function?.capturedSlots.insert(hit.slot) }
                    // every function between here and the frame that holds the name must keep
                    // its enclosing frame
                    var inner: Scope? = scope
                    for _ in 0..<depth { inner?.function?.capturesEnclosing = true; inner = inner?.parent }
                    return hit.mutable
                }
            }
            depth += 1
            s = sc.parent
        }
        if let g = globals.index[ref.name] {
            ref.location = .global(g)
            return globals.mutable[g]
        }
        error("undefined variable '\(ref.name)'", span)
        return nil
    }

    private func resolveBlock(_ stmts: [Stmt], newBlock: Bool = true) {
        if newBlock { scope.blocks.append([:]) }
        for s in stmts { resolve(s) }
        if newBlock { scope.blocks.removeLast() }
    }

    private func resolve(_ s: Stmt) {
        switch s {
        case .expression(let e, _): resolve(e)
        case .declaration(let r, let m, let e, let span):
            resolve(e)
            declare(r, mutable: m, span)
        case .argument(let r, let e, let span):
            if !atGlobalLevel { error("'arg' declarations belong at the top level of a script", span) }
            resolve(e)
            declare(r, mutable: false, span)
        case .assignment(let target, _, let value, _):
            resolve(value)
            switch target {
            case .variable(let r, let span):
                if let m = lookup(r, span), !m { error("cannot assign to constant '\(r.name)' (declared with 'let', 'fn', 'arg' or 'import', or a builtin)", span) }
            case .index(let o, let idx, _): resolve(o); resolve(idx)
            case .member(let o, _, _): resolve(o)
            }
        case .ifElse(let branches, let elseBlock, _):
            for (c, b) in branches { resolve(c); resolveBlock(b) }
            if let e = elseBlock { resolveBlock(e) }
        case .whileLoop(let c, let body, _):
            resolve(c); resolveBlock(body)
        case .forIn(let names, let seq, let body, let span):
            resolve(seq)
            scope.blocks.append([:])
            for n in names { declare(n, mutable: true, span) }
            for st in body { resolve(st) }
            scope.blocks.removeLast()
        case .function(let r, let decl, let span):
            declare(r, mutable: false, span)
            resolveFunction(decl)
        case .returnStmt(let e, _): if let e = e { resolve(e) }
        case .breakStmt, .continueStmt: break
        case .importModule(_, let r, let span): declare(r, mutable: false, span)
        case .nograd(let body, _): resolveBlock(body)
        }
    }

    private func resolveFunction(_ decl: FunctionDecl) {
        // default values are evaluated in the defining frame: one that reads a local needs it
        let before = localLookups
        resolvingDefaults += 1
        for p in decl.params { if let d = p.defaultValue { resolve(d) } }
        resolvingDefaults -= 1
        if localLookups != before { decl.capturesEnclosing = true }
        let enclosing = scope
        scope = Scope(parent: enclosing, isMain: false, function: decl)
        scope.blocks.append([:])
        for p in decl.params { declare(p.ref, mutable: true, p.span) }
        for st in decl.body { resolve(st) }
        decl.slotCount = scope.slotCount
        scope = enclosing
    }

    private func resolve(_ idx: [IndexExpr]) {
        for c in idx {
            switch c {
            case .single(let e): resolve(e)
            case .slice(let a, let b, let c):
                if let a = a { resolve(a) }; if let b = b { resolve(b) }; if let c = c { resolve(c) }
            case .ellipsis: break
            }
        }
    }

    private func resolve(_ e: Expr) {
        switch e {
        case .literal: break
        case .interpolation(let parts, _):
            for p in parts { if case .expr(let x) = p { resolve(x) } }
        case .variable(let r, let span): lookup(r, span)
        case .list(let items, _): for i in items { resolve(i) }
        case .dict(let pairs, _): for (k, v) in pairs { resolve(k); resolve(v) }
        case .unary(_, let x, _): resolve(x)
        case .binary(_, let a, let b, _), .logical(_, let a, let b, _), .range(let a, let b, _, _):
            resolve(a); resolve(b)
        case .call(let f, let args, _):
            resolve(f); for a in args { resolve(a.value) }
        case .member(let o, _, _): resolve(o)
        case .index(let o, let idx, _): resolve(o); resolve(idx)
        case .lambda(let decl, _): resolveFunction(decl)
        case .conditional(let c, let a, let b, _): resolve(c); resolve(a); resolve(b)
        }
    }
}
