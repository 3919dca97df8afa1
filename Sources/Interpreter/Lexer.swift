/// Turns source bytes into tokens. Works on a byte range so that interpolated `\( … )` pieces of
/// strings can be lexed in place with exact line and column numbers.
struct Lexer {
    let src: [UInt8]
    var pos: Int
    let end: Int
    var line: Int
    var lineStart: Int   // byte offset where the current line begins
    var colBase: Int     // column correction when lexing a piece that starts mid-line
    var sawNewline = false
    let firstLine: Int

    init(source: [UInt8], start: Int = 0, end: Int? = nil, line: Int = 1, col: Int = 1) {
        self.src = source; self.pos = start; self.end = end ?? source.count
        self.line = line; self.firstLine = line; self.lineStart = start; self.colBase = col - 1
    }

    private func peek(_ k: Int = 0) -> UInt8 { pos + k < end ? src[pos + k] : 0 }

    /// Column (1-based, in Unicode scalars) of byte offset `p` on the current line.
    private var colCachePos = -1, colCacheCount = 0
    private mutating func column(of p: Int) -> Int {
        // Count scalars from the line start, resuming from the last answer on the same line.
        var c = 0
        var i = lineStart
        if colCachePos >= lineStart && colCachePos <= p { i = colCachePos; c = colCacheCount }
        while i < p { if src[i] & 0xC0 != 0x80 { c += 1 }; i += 1 }
        colCachePos = p; colCacheCount = c
        return c + 1 + (line == firstLine ? colBase : 0)
    }

    mutating func tokenize() -> [Token] {
        var out: [Token] = []
        while true {
            let t = next()
            out.append(t)
            if t.kind == .eof { break }
        }
        return out
    }

    private mutating func skipTrivia() {
        while pos < end {
            let c = src[pos]
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
                pos += 1
            } else if c == UInt8(ascii: "\n") {
                pos += 1; line += 1; lineStart = pos; sawNewline = true
            } else if c == UInt8(ascii: "#") {
                while pos < end && src[pos] != UInt8(ascii: "\n") { pos += 1 }
            } else { break }
        }
    }

    private mutating func make(_ kind: TokenKind, _ start: Int, _ col: Int, _ startLine: Int,
                               _ lit: Literal = .none) -> Token {
        let t = Token(kind: kind, start: start, end: pos, line: startLine, col: col,
                      newlineBefore: sawNewline, literal: lit)
        sawNewline = false
        return t
    }

    mutating func next() -> Token {
        skipTrivia()
        let start = pos
        let col = column(of: pos)
        let startLine = line
        if pos >= end { return make(.eof, start, col, startLine) }
        let c = src[pos]
        pos += 1
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        func isIdentStart(_ b: UInt8) -> Bool { (b | 0x20) >= 97 && (b | 0x20) <= 122 || b == 95 }

        if isIdentStart(c) {
            while pos < end && (isIdentStart(src[pos]) || isDigit(src[pos])) { pos += 1 }
            let text = String(decoding: src[start..<pos], as: UTF8.self)
            return make(TokenKind.keywords[text] ?? .identifier, start, col, startLine)
        }
        if isDigit(c) { return number(start, col, startLine) }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return string(quote: c, start, col, startLine)
        case UInt8(ascii: "("): return make(.lparen, start, col, startLine)
        case UInt8(ascii: ")"): return make(.rparen, start, col, startLine)
        case UInt8(ascii: "["): return make(.lbracket, start, col, startLine)
        case UInt8(ascii: "]"): return make(.rbracket, start, col, startLine)
        case UInt8(ascii: "{"): return make(.lbrace, start, col, startLine)
        case UInt8(ascii: "}"): return make(.rbrace, start, col, startLine)
        case UInt8(ascii: ","): return make(.comma, start, col, startLine)
        case UInt8(ascii: ":"): return make(.colon, start, col, startLine)
        case UInt8(ascii: ";"): return make(.semicolon, start, col, startLine)
        case UInt8(ascii: "@"): return make(.at, start, col, startLine)
        case UInt8(ascii: "?"): return make(.question, start, col, startLine)
        case UInt8(ascii: "%"): return make(.percent, start, col, startLine)
        case UInt8(ascii: "."):
            if peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: "<") { pos += 2; return make(.rangeHalfOpen, start, col, startLine) }
            if peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: ".") { pos += 2; return make(.rangeClosed, start, col, startLine) }
            return make(.dot, start, col, startLine)
        case UInt8(ascii: "+"): return twoChar("=", .plusEqual, .plus, start, col, startLine)
        case UInt8(ascii: "-"): return twoChar("=", .minusEqual, .minus, start, col, startLine)
        case UInt8(ascii: "*"):
            if peek() == UInt8(ascii: "*") { pos += 1; return make(.starStar, start, col, startLine) }
            return twoChar("=", .starEqual, .star, start, col, startLine)
        case UInt8(ascii: "/"):
            if peek() == UInt8(ascii: "/") { pos += 1; return make(.slashSlash, start, col, startLine) }
            return twoChar("=", .slashEqual, .slash, start, col, startLine)
        case UInt8(ascii: "="):
            if peek() == UInt8(ascii: ">") { pos += 1; return make(.arrow, start, col, startLine) }
            return twoChar("=", .equalEqual, .equal, start, col, startLine)
        case UInt8(ascii: "!"): return twoChar("=", .bangEqual, .bang, start, col, startLine)
        case UInt8(ascii: "<"): return twoChar("=", .lessEqual, .less, start, col, startLine)
        case UInt8(ascii: ">"): return twoChar("=", .greaterEqual, .greater, start, col, startLine)
        case UInt8(ascii: "&"):
            if peek() == UInt8(ascii: "&") { pos += 1; return make(.ampAmp, start, col, startLine) }
        case UInt8(ascii: "|"):
            if peek() == UInt8(ascii: "|") { pos += 1; return make(.pipePipe, start, col, startLine) }
        default: break
        }
        // Unknown character: consume the whole UTF-8 scalar.
        while pos < end && src[pos] & 0xC0 == 0x80 { pos += 1 }
        let text = String(decoding: src[start..<pos], as: UTF8.self)
        return make(.error, start, col, startLine, .error("unexpected character '\(text)'"))
    }

    private mutating func twoChar(_ second: Unicode.Scalar, _ yes: TokenKind, _ no: TokenKind,
                                  _ start: Int, _ col: Int, _ l: Int) -> Token {
        if peek() == UInt8(ascii: second) { pos += 1; return make(yes, start, col, l) }
        return make(no, start, col, l)
    }

    private mutating func number(_ start: Int, _ col: Int, _ l: Int) -> Token {
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        if src[start] == UInt8(ascii: "0"), peek() == UInt8(ascii: "x") || peek() == UInt8(ascii: "X") {
            pos += 1
            var v = 0, any = false, overflow = false
            while pos < end {
                let b = src[pos]
                let d: Int
                if isDigit(b) { d = Int(b) - 48 } else if (b | 0x20) >= 97 && (b | 0x20) <= 102 { d = Int(b | 0x20) - 87 }
                else if b == 95 { pos += 1; continue } else { break }
                let (m, o1) = v.multipliedReportingOverflow(by: 16)
                let (s, o2) = m.addingReportingOverflow(d)
                overflow = overflow || o1 || o2
                v = s; any = true; pos += 1
            }
            if !any { return make(.error, start, col, l, .error("malformed number near '0x'")) }
            if overflow { return make(.error, start, col, l, .error("integer literal is too large")) }
            return make(.int, start, col, l, .int(v))
        }
        var isFloat = false
        while pos < end && (isDigit(src[pos]) || src[pos] == 95) { pos += 1 }
        if peek() == UInt8(ascii: "."), isDigit(peek(1)) {
            isFloat = true; pos += 1
            while pos < end && (isDigit(src[pos]) || src[pos] == 95) { pos += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            var k = 1
            if peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-") { k = 2 }
            if isDigit(peek(k)) {
                isFloat = true; pos += k
                while pos < end && isDigit(src[pos]) { pos += 1 }
            }
        }
        // A letter straight after a number is an error (e.g. `12abc`).
        if pos < end, ((src[pos] | 0x20) >= 97 && (src[pos] | 0x20) <= 122) {
            while pos < end && (((src[pos] | 0x20) >= 97 && (src[pos] | 0x20) <= 122) || isDigit(src[pos])) { pos += 1 }
            let text = String(decoding: src[start..<pos], as: UTF8.self)
            return make(.error, start, col, l, .error("malformed number near '\(text)'"))
        }
        let text = String(decoding: src[start..<pos].filter { $0 != 95 }, as: UTF8.self)
        if isFloat { return make(.float, start, col, l, .float(Double(text) ?? .nan)) }
        guard let v = Int(text) else { return make(.error, start, col, l, .error("integer literal is too large")) }
        return make(.int, start, col, l, .int(v))
    }

    private mutating func string(quote: UInt8, _ start: Int, _ col: Int, _ l: Int) -> Token {
        var parts: [StringPart] = []
        var buf: [UInt8] = []
        while true {
            guard pos < end, src[pos] != UInt8(ascii: "\n") else {
                return make(.error, start, col, l, .error("unfinished string"))
            }
            let c = src[pos]; pos += 1
            if c == quote { break }
            if c != UInt8(ascii: "\\") { buf.append(c); continue }
            guard pos < end else { continue }
            let e = src[pos]; pos += 1
            switch e {
            case UInt8(ascii: "n"): buf.append(10)
            case UInt8(ascii: "t"): buf.append(9)
            case UInt8(ascii: "r"): buf.append(13)
            case UInt8(ascii: "0"): buf.append(0)
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): buf.append(e)
            case UInt8(ascii: "("):
                if !buf.isEmpty { parts.append(.text(String(decoding: buf, as: UTF8.self))); buf = [] }
                let codeStart = pos
                let codeCol = column(of: pos)
                var depth = 1
                var inStr: UInt8 = 0
                while pos < end && src[pos] != UInt8(ascii: "\n") {
                    let b = src[pos]
                    if inStr != 0 {
                        // An escape skips the next byte, but never past the end: a `\` as the last
                        // byte once left `pos` beyond `end`, and the next token's column read past
                        // the source (script-parse fuzz target: index out of range).
                        if b == UInt8(ascii: "\\") { if pos + 1 < end { pos += 1 } } else if b == inStr { inStr = 0 }
                    } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { inStr = b }
                    else if b == UInt8(ascii: "(") { depth += 1 }
                    else if b == UInt8(ascii: ")") { depth -= 1; if depth == 0 { break } }
                    pos += 1
                }
                if depth != 0 || pos >= end {
                    return make(.error, start, col, l, .error("unfinished interpolation in string"))
                }
                parts.append(.code(start: codeStart, end: pos, line: line, col: codeCol))
                pos += 1 // the closing ')'
            default:
                let text = String(decoding: [e], as: UTF8.self)
                return make(.error, start, col, l, .error("invalid escape sequence '\\\(text)'"))
            }
        }
        if !buf.isEmpty || parts.isEmpty { parts.append(.text(String(decoding: buf, as: UTF8.self))) }
        return make(.string, start, col, l, .string(parts))
    }
}
