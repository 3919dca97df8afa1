/// A small JSON reader/writer for file headers (safetensors, checkpoints). Unlike Foundation's
/// `JSONSerialization` it records the byte offset of every value (so format errors can name
/// where they are), refuses duplicate object keys, limits nesting depth (no stack exhaustion on
/// hostile input), keeps integers and floats apart, and writes deterministic output.
struct JSONNode {
    indirect enum Kind {
        case null
        case bool(Bool)
        /// The number's text as written (integers and floats are told apart by the caller).
        case number(String)
        case string(String)
        case array([JSONNode])
        /// Members in file order (keys are unique).
        case object([(String, JSONNode)])
    }
    let kind: Kind
    /// Offset of the value's first byte in the parsed buffer.
    let offset: Int

    var typeName: String {
        switch kind {
        case .null: return "null"
        case .bool: return "a bool"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
    var stringValue: String? { if case .string(let s) = kind { return s }; return nil }
    /// A short description for messages: a number's text, a quoted string, or the type.
    var brief: String {
        switch kind {
        case .number(let s): return s
        case .string(let s): return s.count <= 40 ? "\"\(s)\"" : "a string"
        default: return typeName
        }
    }
    /// The value as an integer when it is written as one (no fraction or exponent) and fits.
    var intValue: Int? {
        guard case .number(let s) = kind, !s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        return Int(s)
    }
}

/// Checks that `bytes` is one well-formed JSON document under the header reader's rules (unique
/// keys, nesting depth at most 64); a failure is a `DataFormatError` at the offending byte. The
/// `json` fuzz target drives the header reader through this.
public func checkJSONDocument(_ bytes: [UInt8], file: String) throws {
    do { _ = try JSONParser.parse(bytes) } catch let e as JSONParseError {
        throw DataFormatError(file: file, offset: e.offset, expected: e.expected, found: e.found)
    }
}

/// Parse failure at a byte offset of the buffer.
struct JSONParseError: Error {
    let offset: Int
    let expected: String
    let found: String
}

struct JSONParser {
    static let maxDepth = 64
    let b: [UInt8]
    let end: Int
    var pos: Int

    /// Parses `bytes[start..<end]` as one JSON value followed only by whitespace.
    static func parse(_ bytes: [UInt8], start: Int = 0, end: Int? = nil) throws -> JSONNode {
        var p = JSONParser(b: bytes, end: end ?? bytes.count, pos: start)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.pos == p.end else { throw p.error("the end of the JSON text", p.describeHere()) }
        return v
    }

    func error(_ expected: String, _ found: String, at: Int? = nil) -> JSONParseError {
        JSONParseError(offset: at ?? pos, expected: expected, found: found)
    }
    func describeHere() -> String {
        guard pos < end else { return "the end of the header" }
        let c = b[pos]
        return c >= 0x20 && c < 0x7f ? "'\(Character(UnicodeScalar(c)))'" : "byte 0x\(String(c, radix: 16))"
    }

    mutating func skipSpace() {
        while pos < end, b[pos] == 0x20 || b[pos] == 0x0a || b[pos] == 0x0d || b[pos] == 0x09 { pos += 1 }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard end - pos >= w.count, Array(b[pos..<(pos + w.count)]) == w else { throw error("'\(word)'", describeHere()) }
        pos += w.count
    }

    mutating func value(depth: Int) throws -> JSONNode {
        guard depth < JSONParser.maxDepth else { throw error("at most \(JSONParser.maxDepth) levels of nesting", "deeper nesting") }
        guard pos < end else { throw error("a JSON value", "the end of the header") }
        let start = pos
        switch b[pos] {
        case UInt8(ascii: "{"):
            pos += 1
            var members: [(String, JSONNode)] = []
            var seen = Set<String>()
            skipSpace()
            if pos < end, b[pos] == UInt8(ascii: "}") { pos += 1; return JSONNode(kind: .object(members), offset: start) }
            while true {
                skipSpace()
                let keyAt = pos
                guard pos < end, b[pos] == UInt8(ascii: "\"") else { throw error("a string key", describeHere()) }
                let key = try string()
                guard seen.insert(key).inserted else { throw error("unique keys", "a second '\(key)'", at: keyAt) }
                skipSpace()
                guard pos < end, b[pos] == UInt8(ascii: ":") else { throw error("':'", describeHere()) }
                pos += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard pos < end else { throw error("',' or '}'", "the end of the header") }
                if b[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if b[pos] == UInt8(ascii: "}") { pos += 1; return JSONNode(kind: .object(members), offset: start) }
                throw error("',' or '}'", describeHere())
            }
        case UInt8(ascii: "["):
            pos += 1
            var items: [JSONNode] = []
            skipSpace()
            if pos < end, b[pos] == UInt8(ascii: "]") { pos += 1; return JSONNode(kind: .array(items), offset: start) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard pos < end else { throw error("',' or ']'", "the end of the header") }
                if b[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if b[pos] == UInt8(ascii: "]") { pos += 1; return JSONNode(kind: .array(items), offset: start) }
                throw error("',' or ']'", describeHere())
            }
        case UInt8(ascii: "\""):
            return JSONNode(kind: .string(try string()), offset: start)
        case UInt8(ascii: "t"): try literal("true"); return JSONNode(kind: .bool(true), offset: start)
        case UInt8(ascii: "f"): try literal("false"); return JSONNode(kind: .bool(false), offset: start)
        case UInt8(ascii: "n"): try literal("null"); return JSONNode(kind: .null, offset: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONNode(kind: .number(try number()), offset: start)
        default:
            throw error("a JSON value", describeHere())
        }
    }

    mutating func digits() -> Int {
        let s = pos
        while pos < end, b[pos] >= UInt8(ascii: "0"), b[pos] <= UInt8(ascii: "9") { pos += 1 }
        return pos - s
    }

    mutating func number() throws -> String {
        let start = pos
        if b[pos] == UInt8(ascii: "-") { pos += 1 }
        let intStart = pos
        let n = digits()
        guard n > 0 else { throw error("a digit", describeHere()) }
        guard !(n > 1 && b[intStart] == UInt8(ascii: "0")) else { throw error("a number without leading zeros", "a leading zero", at: intStart) }
        if pos < end, b[pos] == UInt8(ascii: ".") {
            pos += 1
            guard digits() > 0 else { throw error("a digit after '.'", describeHere()) }
        }
        if pos < end, b[pos] == UInt8(ascii: "e") || b[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < end, b[pos] == UInt8(ascii: "+") || b[pos] == UInt8(ascii: "-") { pos += 1 }
            guard digits() > 0 else { throw error("a digit in the exponent", describeHere()) }
        }
        guard pos - start <= 64 else { throw error("a number of at most 64 characters", "\(pos - start) characters", at: start) }
        return String(decoding: b[start..<pos], as: UTF8.self)
    }

    mutating func hex4() throws -> UInt32 {
        guard end - pos >= 4 else { throw error("4 hex digits", "the end of the header") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("a hex digit", describeHere())
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    /// A string starting at the opening quote; raw bytes must be valid UTF-8.
    mutating func string() throws -> String {
        let start = pos
        pos += 1
        var out: [UInt8] = []
        while true {
            guard pos < end else { throw error("a closing '\"'", "the end of the header", at: start) }
            let c = b[pos]
            if c == UInt8(ascii: "\"") { pos += 1; break }
            if c < 0x20 { throw error("no control characters in a string", "byte 0x\(String(c, radix: 16))") }
            if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
            pos += 1
            guard pos < end else { throw error("an escape", "the end of the header") }
            let e = b[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5c)
            case UInt8(ascii: "/"): out.append(0x2f)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let escAt = pos - 2
                var u = try hex4()
                if (0xD800..<0xDC00).contains(u) {
                    guard end - pos >= 6, b[pos] == UInt8(ascii: "\\"), b[pos + 1] == UInt8(ascii: "u") else {
                        throw error("a low surrogate after a high surrogate", describeHere())
                    }
                    pos += 2
                    let lo = try hex4()
                    guard (0xDC00..<0xE000).contains(lo) else { throw error("a low surrogate", "\\u\(String(lo, radix: 16))", at: pos - 6) }
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(u) else { throw error("a valid \\u escape", "a lone surrogate", at: escAt) }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw error("a valid escape", "'\\\(Character(UnicodeScalar(e)))'", at: pos - 2)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("a UTF-8 string", "invalid UTF-8", at: start) }
        return s
    }
}

/// Deterministic JSON output.
enum JSONWriter {
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
