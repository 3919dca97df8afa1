/// Recursive-descent statements and a Pratt table for expressions. Newlines end statements;
/// inside `( )`, `[ ]` and dict braces they are ignored, so long expressions can wrap there.

struct ParseFailure: Error {}

enum Precedence: Int, Comparable {
    case none = 0, conditional, or, and, not, comparison, range, term, factor, unary, power, postfix
    static func < (a: Precedence, b: Precedence) -> Bool { a.rawValue < b.rawValue }
}

final class Parser {
    typealias PrefixRule = (Parser, Token) throws -> Expr
    typealias InfixRule = (Parser, Expr, Token) throws -> Expr
    struct Rule {
        var prefix: PrefixRule?
        var infix: InfixRule?
        var precedence: Precedence
    }

    /// The Pratt table: one row per token that can start or continue an expression.
    static let rules: [TokenKind: Rule] = [
        .int:           Rule(prefix: { p, t in p.literal(t) }, infix: nil, precedence: .none),
        .float:         Rule(prefix: { p, t in p.literal(t) }, infix: nil, precedence: .none),
        .string:        Rule(prefix: { p, t in try p.stringLiteral(t) }, infix: nil, precedence: .none),
        .kTrue:         Rule(prefix: { p, t in p.literal(t) }, infix: nil, precedence: .none),
        .kFalse:        Rule(prefix: { p, t in p.literal(t) }, infix: nil, precedence: .none),
        .kNil:          Rule(prefix: { p, t in p.literal(t) }, infix: nil, precedence: .none),
        .identifier:    Rule(prefix: { p, t in .variable(VarRef(p.text(t)), t.span) }, infix: nil, precedence: .none),
        .kFn:           Rule(prefix: { p, t in try p.lambda(t) }, infix: nil, precedence: .none),
        .lparen:        Rule(prefix: { p, t in try p.grouping(t) }, infix: { p, l, t in try p.call(l, t) }, precedence: .postfix),
        .lbracket:      Rule(prefix: { p, t in try p.listLiteral(t) }, infix: { p, l, t in try p.index(l, t) }, precedence: .postfix),
        .lbrace:        Rule(prefix: { p, t in try p.dictLiteral(t) }, infix: nil, precedence: .none),
        .dot:           Rule(prefix: nil, infix: { p, l, t in try p.member(l, t) }, precedence: .postfix),
        .minus:         Rule(prefix: { p, t in try p.unary(.neg, t) }, infix: { p, l, t in try p.binary(.sub, l, t, .term) }, precedence: .term),
        .plus:          Rule(prefix: nil, infix: { p, l, t in try p.binary(.add, l, t, .term) }, precedence: .term),
        .star:          Rule(prefix: nil, infix: { p, l, t in try p.binary(.mul, l, t, .factor) }, precedence: .factor),
        .slash:         Rule(prefix: nil, infix: { p, l, t in try p.binary(.div, l, t, .factor) }, precedence: .factor),
        .slashSlash:    Rule(prefix: nil, infix: { p, l, t in try p.binary(.floorDiv, l, t, .factor) }, precedence: .factor),
        .percent:       Rule(prefix: nil, infix: { p, l, t in try p.binary(.mod, l, t, .factor) }, precedence: .factor),
        .at:            Rule(prefix: nil, infix: { p, l, t in try p.binary(.matmul, l, t, .factor) }, precedence: .factor),
        .starStar:      Rule(prefix: nil, infix: { p, l, t in try p.binary(.pow, l, t, .unary) /* right-assoc */ }, precedence: .power),
        .equalEqual:    Rule(prefix: nil, infix: { p, l, t in try p.binary(.eq, l, t, .comparison) }, precedence: .comparison),
        .bangEqual:     Rule(prefix: nil, infix: { p, l, t in try p.binary(.ne, l, t, .comparison) }, precedence: .comparison),
        .less:          Rule(prefix: nil, infix: { p, l, t in try p.binary(.lt, l, t, .comparison) }, precedence: .comparison),
        .lessEqual:     Rule(prefix: nil, infix: { p, l, t in try p.binary(.le, l, t, .comparison) }, precedence: .comparison),
        .greater:       Rule(prefix: nil, infix: { p, l, t in try p.binary(.gt, l, t, .comparison) }, precedence: .comparison),
        .greaterEqual:  Rule(prefix: nil, infix: { p, l, t in try p.binary(.ge, l, t, .comparison) }, precedence: .comparison),
        .kIn:           Rule(prefix: nil, infix: { p, l, t in try p.binary(.contains, l, t, .comparison) }, precedence: .comparison),
        .rangeHalfOpen: Rule(prefix: nil, infix: { p, l, t in try p.range(l, t, inclusive: false) }, precedence: .range),
        .rangeClosed:   Rule(prefix: nil, infix: { p, l, t in try p.range(l, t, inclusive: true) }, precedence: .range),
        .kNot:          Rule(prefix: { p, t in try p.unary(.not, t) }, infix: nil, precedence: .none),
        .bang:          Rule(prefix: { p, t in try p.unary(.not, t) }, infix: nil, precedence: .none),
        .kAnd:          Rule(prefix: nil, infix: { p, l, t in try p.logical(.and, l, t, .and) }, precedence: .and),
        .ampAmp:        Rule(prefix: nil, infix: { p, l, t in try p.logical(.and, l, t, .and) }, precedence: .and),
        .question:      Rule(prefix: nil, infix: { p, l, t in try p.conditional(l, t) }, precedence: .conditional),
        .kOr:           Rule(prefix: nil, infix: { p, l, t in try p.logical(.or, l, t, .or) }, precedence: .or),
        .pipePipe:      Rule(prefix: nil, infix: { p, l, t in try p.logical(.or, l, t, .or) }, precedence: .or),
    ]

    static let maxDepth = 200

    let source: SourceFile
    private var tokens: [Token]
    private var current = 0
    private var grouping = 0          // > 0 inside ( ) [ ] { dict }: newlines do not end anything
    private var depth = 0
    private var functionDepth = 0
    private var loopDepth = 0
    var diagnostics: [Diagnostic] = []
    /// The first error happened at the end of input: the entry is incomplete (REPL).
    private(set) var firstErrorAtEnd = false
    private var panicking = false

    init(source: SourceFile) {
        self.source = source
        var lexer = Lexer(source: source.bytes)
        self.tokens = lexer.tokenize()
    }

    private init(source: SourceFile, tokens: [Token], depth: Int, functionDepth: Int) {
        self.source = source; self.tokens = tokens; self.depth = depth; self.functionDepth = functionDepth
        self.grouping = 1
        self.isInterpolation = true
    }

    // MARK: token helpers

    private var peek: Token { tokens[current] }
    private var previous: Token { tokens[max(0, current - 1)] }
    private func check(_ k: TokenKind) -> Bool { tokens[current].kind == k }
    @discardableResult private func advance() -> Token {
        let t = tokens[current]
        if t.kind != .eof { current += 1 }
        return t
    }
    private func match(_ k: TokenKind) -> Bool {
        if check(k) { advance(); return true }
        return false
    }
    func text(_ t: Token) -> String { String(decoding: source.bytes[t.start..<t.end], as: UTF8.self) }

    /// Inside `\( … )` the end of the piece is the closing parenthesis.
    private var isInterpolation = false

    private func near(_ t: Token) -> String {
        if t.kind == .eof { return isInterpolation ? "near ')'" : "near <eof>" }
        return "near '\(text(t))'"
    }

    private func error(_ message: String, at t: Token) -> ParseFailure {
        if !panicking {
            var msg = message
            if case .error(let lexMsg) = t.literal { msg = lexMsg } else { msg += " \(near(t))" }
            if diagnostics.isEmpty && t.kind == .eof { firstErrorAtEnd = true }
            diagnostics.append(makeDiagnostic(.syntax, msg, t.span, source))
            panicking = true
        }
        return ParseFailure()
    }
    private func staticError(_ message: String, at span: Span) {
        diagnostics.append(makeDiagnostic(.syntax, message, span, source))
    }

    private func expect(_ k: TokenKind, _ what: String) throws -> Token {
        if check(k) { return advance() }
        throw error("expected \(what)", at: peek)
    }
    /// `expected ')' (to close '(' at line 3) near 'x'`
    private func expectClosing(_ k: TokenKind, _ close: String, open: Token, _ openText: String) throws -> Token {
        if check(k) { return advance() }
        if open.line != peek.line || peek.kind == .eof {
            throw error("expected '\(close)' (to close '\(openText)' at line \(open.line))", at: peek)
        }
        throw error("expected '\(close)'", at: peek)
    }

    private func enter(_ t: Token) throws {
        depth += 1
        if depth > Parser.maxDepth {
            if !panicking {
                diagnostics.append(makeDiagnostic(.syntax, "nesting too deep (more than \(Parser.maxDepth) levels)", t.span, source))
                panicking = true
            }
            throw ParseFailure()
        }
    }

    // MARK: program and statements

    func parseProgram() -> [Stmt] {
        var stmts: [Stmt] = []
        while !check(.eof) {
            if diagnostics.count >= 20 { break }
            if let s = statementRecovering() { stmts.append(s) }
        }
        return stmts
    }

    /// Parses one statement; on error records it and skips to the next statement boundary.
    private func statementRecovering() -> Stmt? {
        let start = current
        do {
            let s = try statement()
            try endOfStatement()
            return s
        } catch {
            synchronize(from: start)
            if current == start { advance() }   // always make progress (e.g. a stray '}')
            return nil
        }
    }

    private func endOfStatement() throws {
        if match(.semicolon) { return }
        if peek.newlineBefore || check(.rbrace) || check(.eof) { return }
        throw error("expected end of statement", at: peek)
    }

    /// Panic-mode recovery: skips to the start of the next statement. Brackets opened by the
    /// failed statement are skipped to their closers, so one mistake gives one error; a line
    /// starting with a statement keyword always ends the skip.
    private func synchronize(from start: Int) {
        panicking = false
        var balance = 0
        for t in tokens[start..<current] {
            switch t.kind {
            case .lparen, .lbracket, .lbrace: balance += 1
            case .rparen, .rbracket, .rbrace: balance -= 1
            default: break
            }
        }
        balance = max(balance, 0)
        let statementKeywords: Set<TokenKind> = [.kLet, .kVar, .kFn, .kIf, .kWhile, .kFor, .kReturn, .kImport, .kArg, .kNograd]
        var first = true
        while !check(.eof) {
            let t = peek
            if !first {
                if previous.kind == .semicolon && balance <= 0 { return }
                if t.newlineBefore && (balance <= 0 || statementKeywords.contains(t.kind)) { return }
            }
            switch t.kind {
            case .lparen, .lbracket, .lbrace: balance += 1
            case .rparen, .rbracket: balance -= 1
            case .rbrace:
                if balance <= 0 { return }   // the enclosing block's end
                balance -= 1
            default: break
            }
            advance()
            first = false
        }
    }

    private func block() throws -> [Stmt] {
        let open = try expect(.lbrace, "'{'")
        try enter(open)
        defer { depth -= 1 }
        let savedGrouping = grouping
        grouping = 0
        defer { grouping = savedGrouping }
        var stmts: [Stmt] = []
        while !check(.rbrace) && !check(.eof) {
            if let s = statementRecovering() { stmts.append(s) }
            if diagnostics.count >= 20 { throw ParseFailure() }
        }
        _ = try expectClosing(.rbrace, "}", open: open, "{")
        return stmts
    }

    private func name(_ what: String) throws -> Token {
        if check(.identifier) { return advance() }
        throw error("expected \(what)", at: peek)
    }

    private func statement() throws -> Stmt {
        let t = peek
        switch t.kind {
        case .kLet, .kVar:
            advance()
            let n = try name("variable name")
            if t.kind == .kVar && !check(.equal) {
                return .declaration(VarRef(text(n)), mutable: true, .literal(.null, n.span), t.span)
            }
            _ = try expect(.equal, "'='")
            let e = try expression()
            return .declaration(VarRef(text(n)), mutable: t.kind == .kVar, e, n.span)
        case .kArg:
            advance()
            let n = try name("argument name")
            _ = try expect(.equal, "'=' and a default value")
            let e = try expression()
            return .argument(VarRef(text(n)), e, n.span)
        case .kFn where tokens[current + 1].kind == .identifier:
            advance()
            let n = advance()
            let decl = try functionRest(name: text(n), at: n)
            return .function(VarRef(text(n)), decl, n.span)
        case .kIf:
            return try ifStatement()
        case .kWhile:
            advance()
            let cond = try expression()
            loopDepth += 1; defer { loopDepth -= 1 }
            return .whileLoop(cond, try block(), t.span)
        case .kFor:
            advance()
            var names = [VarRef(text(try name("loop variable name")))]
            while match(.comma) { names.append(VarRef(text(try name("loop variable name")))) }
            _ = try expect(.kIn, "'in'")
            let seq = try expression()
            loopDepth += 1; defer { loopDepth -= 1 }
            return .forIn(names, seq, try block(), t.span)
        case .kReturn:
            advance()
            if functionDepth == 0 { staticError("'return' outside a function", at: t.span) }
            if check(.eof) || check(.rbrace) || check(.semicolon) || peek.newlineBefore { return .returnStmt(nil, t.span) }
            return .returnStmt(try expression(), t.span)
        case .kBreak, .kContinue:
            advance()
            if loopDepth == 0 { staticError("'\(text(t))' outside a loop", at: t.span) }
            return t.kind == .kBreak ? .breakStmt(t.span) : .continueStmt(t.span)
        case .kImport:
            advance()
            let pathTok = try expect(.string, "a file name string")
            guard case .string(let parts) = pathTok.literal, parts.count == 1, case .text(let path) = parts[0] else {
                throw error("expected a plain string as the module path", at: pathTok)
            }
            var alias: String
            var aliasSpan = pathTok.span
            if match(.kAs) {
                let a = try name("module name after 'as'")
                alias = text(a); aliasSpan = a.span
            } else {
                let file = path.split(separator: "/").last.map(String.init) ?? path
                alias = file.hasSuffix(".coreg") ? String(file.dropLast(6)) : file
                if alias.isEmpty || !alias.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) || alias.first!.isNumber {
                    staticError("cannot derive a module name from '\(path)': use import \"…\" as name", at: pathTok.span)
                }
            }
            return .importModule(path: path, VarRef(alias), aliasSpan)
        case .kNograd:
            advance()
            return .nograd(try block(), t.span)
        default:
            let e = try expression()
            let assignOps: [TokenKind: BinaryOperator?] = [.equal: nil, .plusEqual: .add, .minusEqual: .sub, .starEqual: .mul, .slashEqual: .div]
            if let op = assignOps[peek.kind] {
                let opTok = advance()
                let target: AssignTarget
                switch e {
                case .variable(let r, let s): target = .variable(r, s)
                case .index(let obj, let idx, let s): target = .index(obj, idx, s)
                case .member(let obj, let n, let s): target = .member(obj, n, s)
                default: throw error("cannot assign to this expression", at: opTok)
                }
                let value = try expression()
                return .assignment(target, op, value, opTok.span)
            }
            return .expression(e, e.span)
        }
    }

    private func ifStatement() throws -> Stmt {
        let t = advance()
        var branches: [(Expr, [Stmt])] = []
        let cond = try expression()
        branches.append((cond, try block()))
        var elseBlock: [Stmt]? = nil
        while match(.kElse) {
            if match(.kIf) {
                let c = try expression()
                branches.append((c, try block()))
            } else {
                elseBlock = try block()
                break
            }
        }
        return .ifElse(branches, elseBlock, t.span)
    }

    /// Parameters and body after `fn name` or `fn`: `(a, b = 1) { … }` or `(a) => expr`.
    private func functionRest(name: String, at t: Token) throws -> FunctionDecl {
        let open = try expect(.lparen, "'(' to start the parameter list")
        grouping += 1
        var params: [Parameter] = []
        var seen = Set<String>()
        var sawDefault = false
        if !check(.rparen) {
            repeat {
                if check(.rparen) { break }
                let p = try self.name("parameter name")
                let pname = text(p)
                if !seen.insert(pname).inserted { staticError("duplicate parameter '\(pname)'", at: p.span) }
                var def: Expr? = nil
                if match(.equal) { def = try expression(); sawDefault = true }
                else if sawDefault { staticError("parameter '\(pname)' without a default follows one with a default", at: p.span) }
                params.append(Parameter(ref: VarRef(pname), defaultValue: def, span: p.span))
            } while match(.comma)
        }
        grouping -= 1
        _ = try expectClosing(.rparen, ")", open: open, "(")
        let savedLoop = loopDepth
        loopDepth = 0
        functionDepth += 1
        defer { functionDepth -= 1; loopDepth = savedLoop }
        let body: [Stmt]
        if check(.arrow) {
            let arrow = advance()
            let savedGrouping = grouping
            grouping = 0
            defer { grouping = savedGrouping }
            let e = try expression()
            body = [.returnStmt(e, arrow.span)]
        } else if check(.lbrace) {
            body = try block()
        } else {
            throw error("expected '{' or '=>' after the parameter list", at: peek)
        }
        return FunctionDecl(name: name, params: params, body: body, span: t.span, source: source)
    }

    // MARK: expressions (Pratt)

    func expression() throws -> Expr { try parse(.conditional) }

    private func parse(_ minPrec: Precedence) throws -> Expr {
        let t = advance()
        try enter(t)
        let savedDepth = depth - 1
        defer { depth = savedDepth }
        guard let prefix = Parser.rules[t.kind]?.prefix else {
            current -= (t.kind == .eof ? 0 : 1)
            throw error("expected expression", at: t)
        }
        var left = try prefix(self, t)
        while true {
            let next = peek
            guard let rule = Parser.rules[next.kind], let infix = rule.infix, rule.precedence >= minPrec else { break }
            if next.newlineBefore && grouping == 0 { break }
            advance()
            try enter(next)   // a long chain deepens the tree: count it
            left = try infix(self, left, next)
        }
        return left
    }

    func literal(_ t: Token) -> Expr {
        switch t.kind {
        case .kTrue: return .literal(.bool(true), t.span)
        case .kFalse: return .literal(.bool(false), t.span)
        case .kNil: return .literal(.null, t.span)
        default: break
        }
        switch t.literal {
        case .int(let i): return .literal(.int(i), t.span)
        case .float(let d): return .literal(.float(d), t.span)
        default: return .literal(.null, t.span)
        }
    }

    func stringLiteral(_ t: Token) throws -> Expr {
        guard case .string(let parts) = t.literal else { return .literal(.string(""), t.span) }
        if parts.count == 1, case .text(let s) = parts[0] { return .literal(.string(s), t.span) }
        var out: [InterpPart] = []
        for part in parts {
            switch part {
            case .text(let s): out.append(.text(s))
            case .code(let start, let end, let line, let col):
                var lexer = Lexer(source: source.bytes, start: start, end: end, line: line, col: col)
                let sub = Parser(source: source, tokens: lexer.tokenize(), depth: depth, functionDepth: functionDepth)
                if sub.check(.eof) {
                    diagnostics.append(makeDiagnostic(.syntax, "empty interpolation in string", sub.peek.span, source))
                    throw ParseFailure()
                }
                do {
                    let e = try sub.expression()
                    if !sub.check(.eof) { throw sub.error("expected ')' to end the interpolation", at: sub.peek) }
                    out.append(.expr(e))
                } catch {
                    diagnostics.append(contentsOf: sub.diagnostics)
                    throw ParseFailure()
                }
            }
        }
        return .interpolation(out, t.span)
    }

    func grouping(_ open: Token) throws -> Expr {
        grouping += 1
        let e = try expression()
        grouping -= 1
        _ = try expectClosing(.rparen, ")", open: open, "(")
        return e
    }

    func lambda(_ t: Token) throws -> Expr {
        .lambda(try functionRest(name: "<lambda>", at: t), t.span)
    }

    func listLiteral(_ open: Token) throws -> Expr {
        grouping += 1
        var items: [Expr] = []
        while !check(.rbracket) && !check(.eof) {
            items.append(try expression())
            if !match(.comma) { break }
        }
        grouping -= 1
        _ = try expectClosing(.rbracket, "]", open: open, "[")
        return .list(items, open.span)
    }

    func dictLiteral(_ open: Token) throws -> Expr {
        grouping += 1
        var pairs: [(Expr, Expr)] = []
        while !check(.rbrace) && !check(.eof) {
            let key: Expr
            if check(.identifier) && tokens[current + 1].kind == .colon {
                let k = advance()
                key = .literal(.string(text(k)), k.span)
            } else {
                key = try expression()
            }
            _ = try expect(.colon, "':' after dict key")
            pairs.append((key, try expression()))
            if !match(.comma) { break }
        }
        grouping -= 1
        _ = try expectClosing(.rbrace, "}", open: open, "{")
        return .dict(pairs, open.span)
    }

    func unary(_ op: UnaryOperator, _ t: Token) throws -> Expr {
        let operand = try parse(op == .neg ? .unary : .not)
        if op == .neg, case .literal(let v, _) = operand {
            if case .int(let i) = v, i != Int.min { return .literal(.int(-i), t.span) }
            if case .float(let d) = v { return .literal(.float(-d), t.span) }
        }
        return .unary(op, operand, t.span)
    }

    func binary(_ op: BinaryOperator, _ left: Expr, _ t: Token, _ prec: Precedence) throws -> Expr {
        // Left-associative operators parse the right side one level tighter; `**` passes
        // `.unary` so that it is right-associative and `2 ** -1` works.
        let next = Precedence(rawValue: prec.rawValue + 1) ?? .postfix
        let right = try parse(op == .pow ? .unary : next)
        return .binary(op, left, right, t.span)
    }

    func logical(_ op: LogicalOperator, _ left: Expr, _ t: Token, _ prec: Precedence) throws -> Expr {
        let right = try parse(Precedence(rawValue: prec.rawValue + 1)!)
        return .logical(op, left, right, t.span)
    }

    /// `cond ? a : b` (right-associative: `a ? b : c ? d : e`).
    func conditional(_ cond: Expr, _ t: Token) throws -> Expr {
        let yes = try parse(.conditional)
        _ = try expect(.colon, "':' in conditional expression")
        let no = try parse(.conditional)
        return .conditional(cond, yes, no, t.span)
    }

    func range(_ left: Expr, _ t: Token, inclusive: Bool) throws -> Expr {
        let right = try parse(.term)
        return .range(left, right, inclusive: inclusive, t.span)
    }

    func call(_ callee: Expr, _ open: Token) throws -> Expr {
        grouping += 1
        var args: [Argument] = []
        var sawKeyword = false
        while !check(.rparen) && !check(.eof) {
            if check(.identifier) && (tokens[current + 1].kind == .equal || tokens[current + 1].kind == .colon) {
                let n = advance(); advance()
                let label = text(n)
                if args.contains(where: { $0.label == label }) { staticError("duplicate keyword argument '\(label)'", at: n.span) }
                args.append(Argument(label: label, labelSpan: n.span, value: try expression()))
                sawKeyword = true
            } else {
                let e = try expression()
                if sawKeyword { staticError("positional argument after keyword arguments", at: e.span) }
                args.append(Argument(label: nil, labelSpan: e.span, value: e))
            }
            if !match(.comma) { break }
        }
        grouping -= 1
        _ = try expectClosing(.rparen, ")", open: open, "(")
        return .call(callee, args, callee.span)
    }

    func index(_ object: Expr, _ open: Token) throws -> Expr {
        grouping += 1
        var comps: [IndexExpr] = []
        repeat {
            if check(.rangeClosed), [.comma, .rbracket].contains(tokens[current + 1].kind) {
                advance(); comps.append(.ellipsis); continue
            }
            var start: Expr? = nil
            if !check(.colon) { start = try expression() }
            if match(.colon) {
                var stop: Expr? = nil, step: Expr? = nil
                if !check(.colon) && !check(.comma) && !check(.rbracket) { stop = try expression() }
                if match(.colon), !check(.comma) && !check(.rbracket) { step = try expression() }
                comps.append(.slice(start, stop, step))
            } else if let s = start {
                comps.append(.single(s))
            }
        } while match(.comma) && !check(.rbracket)
        grouping -= 1
        _ = try expectClosing(.rbracket, "]", open: open, "[")
        if comps.isEmpty { throw error("expected an index", at: previous) }
        return .index(object, comps, open.span)
    }

    func member(_ object: Expr, _ dot: Token) throws -> Expr {
        let n = try name("member name after '.'")
        return .member(object, text(n), n.span)
    }
}
