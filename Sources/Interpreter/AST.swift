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

    var span: Span {
        switch self {
        case .literal(_, let s), .interpolation(_, let s), .variable(_, let s), .list(_, let s),
             .dict(_, let s), .unary(_, _, let s), .binary(_, _, _, let s), .logical(_, _, _, let s),
             .range(_, _, _, let s), .call(_, _, let s), .member(_, _, let s), .index(_, _, let s),
             .lambda(_, let s):
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
