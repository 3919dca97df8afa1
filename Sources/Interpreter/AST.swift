/// The syntax tree. Every node carries a `Span` (line, column, offset of the token that best
/// names it: the operator of a binary expression, the start of a call's callee, …).

/// A name use or declaration. The resolver fills in where the variable lives.
final class VarRef {
    enum Location { case unresolved, local(depth: Int, slot: Int), global(Int) }
    let name: String
    var location: Location = .unresolved
    init(_ name: String) { self.name = name }
}

public enum BinaryOperator: String, Sendable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", floorDiv = "//", mod = "%", pow = "**"
    case matmul = "@"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case contains = "in"
}

public enum UnaryOperator: String, Sendable {
    case neg = "-", not = "not"
}

enum LogicalOperator { case and, or }

struct Argument {
    var label: String?
    var labelSpan: Span
    var value: Expr
}

enum IndexExpr {
    case single(Expr)
    case slice(Expr?, Expr?, Expr?)
    case ellipsis
}

enum InterpPart {
    case text(String)
    case expr(Expr)
}

struct Parameter {
    var ref: VarRef
    var defaultValue: Expr?
    var span: Span
}

final class FunctionDecl {
    let name: String
    var params: [Parameter]
    var body: [Stmt]
    var slotCount = 0
    /// Whether the body (or a default value) reads a local of an enclosing function or block, so
    /// that a closure must keep the frame it was made in (set by the resolver).
    var capturesEnclosing = false
    /// The slots of this function's frame that nested closures (or their default values) read:
    /// the only ones that can be used after a call has returned.
    var capturedSlots = Set<Int>()
    let span: Span
    let source: SourceFile
    init(name: String, params: [Parameter], body: [Stmt], span: Span, source: SourceFile) {
        self.name = name; self.params = params; self.body = body; self.span = span; self.source = source
    }
}

indirect enum Expr {
    case literal(Value, Span)
    case interpolation([InterpPart], Span)
    case variable(VarRef, Span)
    case list([Expr], Span)
    case dict([(Expr, Expr)], Span)
    case unary(UnaryOperator, Expr, Span)
    case binary(BinaryOperator, Expr, Expr, Span)
    case logical(LogicalOperator, Expr, Expr, Span)
    case range(Expr, Expr, inclusive: Bool, Span)
    case call(Expr, [Argument], Span)
    case member(Expr, String, Span)
    case index(Expr, [IndexExpr], Span)
    case lambda(FunctionDecl, Span)
    case conditional(Expr, Expr, Expr, Span)

    var span: Span {
        switch self {
        case .literal(_, let s), .interpolation(_, let s), .variable(_, let s), .list(_, let s),
             .dict(_, let s), .unary(_, _, let s), .binary(_, _, _, let s), .logical(_, _, _, let s),
             .range(_, _, _, let s), .call(_, _, let s), .member(_, _, let s), .index(_, _, let s),
             .lambda(_, let s), .conditional(_, _, _, let s):
            return s
        }
    }
}

enum AssignTarget {
    case variable(VarRef, Span)
    case index(Expr, [IndexExpr], Span)
    case member(Expr, String, Span)
}

indirect enum Stmt {
    case expression(Expr, Span)
    case declaration(VarRef, mutable: Bool, Expr, Span)
    case assignment(AssignTarget, BinaryOperator?, Expr, Span)
    case ifElse([(Expr, [Stmt])], [Stmt]?, Span)
    case whileLoop(Expr, [Stmt], Span)
    case forIn([VarRef], Expr, [Stmt], Span)
    case function(VarRef, FunctionDecl, Span)
    case returnStmt(Expr?, Span)
    case breakStmt(Span)
    case continueStmt(Span)
    case importModule(path: String, VarRef, Span)
    case nograd([Stmt], Span)
    case argument(VarRef, Expr, Span)

    var span: Span {
        switch self {
        case .expression(_, let s), .declaration(_, _, _, let s), .assignment(_, _, _, let s),
             .ifElse(_, _, let s), .whileLoop(_, _, let s), .forIn(_, _, _, let s), .function(_, _, let s),
             .returnStmt(_, let s), .breakStmt(let s), .continueStmt(let s), .importModule(_, _, let s),
             .nograd(_, let s), .argument(_, _, let s):
            return s
        }
    }
}

/// Visits every expression of a chunk (statements, nested blocks and function bodies).
func forEachExpression(in stmts: [Stmt], _ visit: (Expr) -> Void) {
    func expr(_ e: Expr) {
        visit(e)
        switch e {
        case .literal, .variable: break
        case .interpolation(let parts, _): for p in parts { if case .expr(let x) = p { expr(x) } }
        case .list(let items, _): items.forEach(expr)
        case .dict(let pairs, _): for (k, v) in pairs { expr(k); expr(v) }
        case .unary(_, let x, _): expr(x)
        case .binary(_, let a, let b, _), .logical(_, let a, let b, _), .range(let a, let b, _, _): expr(a); expr(b)
        case .call(let f, let args, _): expr(f); args.forEach { expr($0.value) }
        case .member(let o, _, _): expr(o)
        case .index(let o, let idx, _): expr(o); index(idx)
        case .lambda(let d, _): function(d)
        case .conditional(let c, let a, let b, _): expr(c); expr(a); expr(b)
        }
    }
    func index(_ idx: [IndexExpr]) {
        for c in idx {
            switch c {
            case .single(let e): expr(e)
            case .slice(let a, let b, let c): [a, b, c].compactMap { $0 }.forEach(expr)
            case .ellipsis: break
            }
        }
    }
    func function(_ d: FunctionDecl) {
        d.params.compactMap { $0.defaultValue }.forEach(expr)
        block(d.body)
    }
    func block(_ list: [Stmt]) {
        for s in list {
            switch s {
            case .expression(let e, _), .declaration(_, _, let e, _), .argument(_, let e, _): expr(e)
            case .assignment(let t, _, let v, _):
                expr(v)
                switch t {
                case .variable: break
                case .index(let o, let idx, _): expr(o); index(idx)
                case .member(let o, _, _): expr(o)
                }
            case .ifElse(let branches, let e, _):
                for (c, b) in branches { expr(c); block(b) }
                if let e = e { block(e) }
            case .whileLoop(let c, let b, _): expr(c); block(b)
            case .forIn(_, let seq, let b, _): expr(seq); block(b)
            case .function(_, let d, _): function(d)
            case .returnStmt(let e, _): if let e = e { expr(e) }
            case .breakStmt, .continueStmt, .importModule: break
            case .nograd(let b, _): block(b)
            }
        }
    }
    block(stmts)
}

/// Command-line argument names a script reads: `arg name = …`, `args.name`,
/// `args.get("name", …)`, `args.has("name")`. nil when it reads `args` in a way that cannot be
/// known statically (e.g. `args.get(key)` or passing `args` around).
func argumentNamesRead(by stmts: [Stmt]) -> Set<String>? {
    var names = Set<String>()
    var dynamic = false
    func isArgs(_ e: Expr) -> Bool { if case .variable(let r, _) = e, r.name == "args" { return true }; return false }
    var accountedArgsUses = 0, argsUses = 0
    forEachExpression(in: stmts) { e in
        switch e {
        case .variable(let r, _) where r.name == "args": argsUses += 1
        case .call(.member(let o, let m, _), let a, _) where isArgs(o) && (m == "get" || m == "has"):
            if let first = a.first, first.label == nil, case .literal(.string(let n), _) = first.value { names.insert(n) } else { dynamic = true }
        case .member(let o, let m, _) where isArgs(o):
            accountedArgsUses += 1
            if m != "get" && m != "has" && m != "used" { if m == "names" { dynamic = true } else { names.insert(m) } }
        default: break
        }
    }
    func collectArgs(_ list: [Stmt]) {
        for s in list { if case .argument(let r, _, _) = s { names.insert(r.name) } }
    }
    collectArgs(stmts)
    if dynamic || argsUses != accountedArgsUses { return nil }
    return names
}
