/// Token kinds of the CoReg language. Literal payloads live in `Token.literal`.
public enum TokenKind: Hashable, Sendable {
    // literals and names
    case identifier, int, float, string
    // keywords
    case kLet, kVar, kFn, kReturn, kIf, kElse, kWhile, kFor, kIn, kBreak, kContinue
    case kTrue, kFalse, kNil, kAnd, kOr, kNot, kImport, kAs, kNograd, kArg
    // punctuation
    case lparen, rparen, lbracket, rbracket, lbrace, rbrace
    case comma, dot, colon, semicolon, arrow /* => */, question
    case rangeHalfOpen /* ..< */, rangeClosed /* ... */
    // operators
    case plus, minus, star, slash, slashSlash, percent, starStar, at
    case equal, equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case plusEqual, minusEqual, starEqual, slashEqual
    case bang, ampAmp, pipePipe
    // end and lexical error
    case eof, error

    static let keywords: [String: TokenKind] = [
        "let": .kLet, "var": .kVar, "fn": .kFn, "return": .kReturn, "if": .kIf, "else": .kElse,
        "while": .kWhile, "for": .kFor, "in": .kIn, "break": .kBreak, "continue": .kContinue,
        "true": .kTrue, "false": .kFalse, "nil": .kNil, "and": .kAnd, "or": .kOr, "not": .kNot,
        "import": .kImport, "as": .kAs, "nograd": .kNograd, "arg": .kArg,
    ]
    public static var keywordNames: [String] { keywords.keys.sorted() }
}

/// A piece of a string literal: literal text, or an interpolated `\( … )` expression given as a
/// byte range of the source (parsed later by the parser so that locations stay exact).
enum StringPart {
    case text(String)
    case code(start: Int, end: Int, line: Int, col: Int)
}

enum Literal {
    case none
    case int(Int)
    case float(Double)
    case string([StringPart])
    case error(String)
}

/// A position in a source file. `line` and `col` are 1-based; `col` counts Unicode scalars.
public struct Span: Sendable, Equatable {
    public var line: Int32
    public var col: Int32
    public var offset: Int32
    public init(line: Int, col: Int, offset: Int) {
        self.line = Int32(truncatingIfNeeded: line); self.col = Int32(truncatingIfNeeded: col)
        self.offset = Int32(truncatingIfNeeded: offset)
    }
    static let none = Span(line: 0, col: 0, offset: 0)
}

struct Token {
    var kind: TokenKind
    var start: Int          // byte offset
    var end: Int            // byte offset, exclusive
    var line: Int
    var col: Int
    var newlineBefore: Bool // a line break separates this token from the previous one
    var literal: Literal = .none

    var span: Span { Span(line: line, col: col, offset: start) }
}
