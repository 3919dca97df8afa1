#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An array as stored in a `.npy` file: shape, element kind and little-endian bytes in C order
/// (Fortran-ordered files are reordered on read). Keeping the raw bytes lets dataset loaders hold
/// uint8 images at one byte per pixel; `tensor()` converts to a Kernel tensor.
public struct NPYArray: Sendable {
    public enum Kind: Equatable, Sendable, CustomStringConvertible {
        case float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, bool
        /// Fixed-width strings: `<U n` (UTF-32, n characters) and `|S n` (n bytes).
        case unicode(Int), bytes(Int)

        public var itemSize: Int {
            switch self {
            case .int8, .uint8, .bool: return 1
            case .int16, .uint16: return 2
            case .float32, .int32, .uint32: return 4
            case .float64, .int64: return 8
            case .unicode(let n): return 4 * n
            case .bytes(let n): return n
            }
        }
        /// The numpy `descr` string.
        public var descr: String {
            switch self {
            case .float32: return "<f4"
            case .float64: return "<f8"
            case .int8: return "|i1"
            case .int16: return "<i2"
            case .int32: return "<i4"
            case .int64: return "<i8"
            case .uint8: return "|u1"
            case .uint16: return "<u2"
            case .uint32: return "<u4"
            case .bool: return "|b1"
            case .unicode(let n): return "<U\(n)"
            case .bytes(let n): return "|S\(n)"
            }
        }
        public var description: String { descr }
    }

    public let shape: [Int]
    public let kind: Kind
    /// count × itemSize bytes, little-endian, C order.
    public let data: [UInt8]

    public init(shape: [Int], kind: Kind, data: [UInt8]) throws {
        guard let n = checkedProduct(shape), let b = checkedProduct([n, kind.itemSize]), b == data.count else {
            throw TensorError("npy", "shape \(shapeString(shape)) of \(kind) needs a different byte count than the \(data.count) bytes given")
        }
        self.shape = shape
        self.kind = kind
        self.data = data
    }

    public var count: Int { shape.reduce(1, *) }

    /// An array holding a tensor's values (float32 → `<f4`, int32 → `<i4`, bool → `|b1`).
    public init(_ t: Tensor) {
        let c = t.contiguous()
        shape = t.shape
        switch t.dtype {
        case .float32: kind = .float32
        case .int32: kind = .int32
        case .bool: kind = .bool
        }
        data = Array(UnsafeRawBufferPointer(start: c.storage.raw + c.offset * t.dtype.size, count: c.count * t.dtype.size))
    }

    /// uint8 images or labels as stored; nil for other kinds.
    public var uint8Values: [UInt8]? { kind == .uint8 || kind == .bool ? data : nil }

    /// Strings of a `<U`/`|S` array (trailing NULs removed); nil for numeric arrays.
    public var strings: [String]? {
        switch kind {
        case .unicode(let n):
            var out: [String] = []
            out.reserveCapacity(count)
            for i in 0..<count {
                var s = String.UnicodeScalarView()
                for k in 0..<n {
                    let v = ByteReader.le32(data, (i * n + k) * 4)
                    if v == 0 { break }
                    s.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                }
                out.append(String(s))
            }
            return out
        case .bytes(let n):
            return (0..<count).map { i in
                let row = data[(i * n)..<(i * n + n)]
                let end = row.firstIndex(of: 0) ?? row.endIndex
                return String(decoding: row[row.startIndex..<end], as: UTF8.self)
            }
        default: return nil
        }
    }

    /// The values as a Kernel tensor: floats → float32 (float64 rounds), integers → int32
    /// (int64/uint32 values must fit), bool → bool. Strings throw. `name` is the file (or
    /// `archive.npz[member]`) that errors name.
    public func tensor(name: String = "array") throws -> Tensor {
        let n = count
        let op = "npy"
        func make(_ dt: DType) throws -> Tensor { try Tensor.empty(shape, dtype: dt, op: op) }
        return try data.withUnsafeBytes { raw -> Tensor in
            switch kind {
            case .float32:
                let t = try make(.float32)
                if n > 0 { memcpy(t.fptr, raw.baseAddress!, n * 4) }
                return t
            case .float64:
                let t = try make(.float32)
                for i in 0..<n { t.fptr[i] = Float(raw.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
                return t
            case .int32:
                let t = try make(.int32)
                if n > 0 { memcpy(t.iptr, raw.baseAddress!, n * 4) }
                return t
            case .int8:
                let t = try make(.int32)
                for i in 0..<n { t.iptr[i] = Int32(Int8(bitPattern: raw[i])) }
                return t
            case .uint8:
                let t = try make(.int32)
                for i in 0..<n { t.iptr[i] = Int32(raw[i]) }
                return t
            case .int16:
                let t = try make(.int32)
                for i in 0..<n { t.iptr[i] = Int32(raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)) }
                return t
            case .uint16:
                let t = try make(.int32)
                for i in 0..<n { t.iptr[i] = Int32(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
                return t
            case .int64, .uint32:
                let t = try make(.int32)
                for i in 0..<n {
                    let v: Int64 = kind == .int64 ? raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)
                        : Int64(raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    guard let w = Int32(exactly: v) else {
                        throw DataFormatError(file: name, offset: nil, expected: "integers within the int32 range that Kernel tensors hold",
                                              found: "element \(i) is \(v), outside the int32 range")
                    }
                    t.iptr[i] = w
                }
                return t
            case .bool:
                let t = try make(.bool)
                for i in 0..<n { t.bptr[i] = raw[i] != 0 ? 1 : 0 }
                return t
            case .unicode, .bytes:
                throw DataFormatError(file: name, offset: nil, expected: "a numeric array (a string array has no tensor form; use .strings)",
                                      found: "a string array (\(kind.descr))")
            }
        }
    }
}

/// `.npy` files, versions 1.0, 2.0 and 3.0 (numpy's `format.py`). Little-endian only; C or
/// Fortran order; header errors are located by byte offset in the file.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    public static func read(_ path: String) throws -> Tensor {
        try readArray(path).tensor(name: path)
    }

    public static func readArray(_ path: String) throws -> NPYArray {
        try parse(try FileBytes.read(path), file: path)
    }

    /// Parses `.npy` bytes already in memory. `file` names the source in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws -> NPYArray {
        var r = ByteReader(bytes, file: file)
        let m = try r.take(6, "the NPY magic")
        guard Array(m) == magic else {
            throw r.error("NPY magic 93 4e 55 4d 50 59 (\\x93NUMPY)", hexBytes(m), at: 0)
        }
        let major = try r.u8("the NPY major version")
        _ = try r.u8("the NPY minor version")
        let headerLen: Int
        switch major {
        case 1: headerLen = Int(try r.u16le("the header length"))
        case 2, 3: headerLen = Int(try r.u32le("the header length"))
        default: throw r.error("NPY format version 1, 2 or 3", "version \(major)", at: 6)
        }
        let headerStart = r.pos
        let header = try r.take(headerLen, "the NPY header")
        var p = HeaderParser(bytes: Array(header), file: file, base: headerStart)
        let h = try p.parse()
        let itemSize = h.kind.itemSize
        guard let count = checkedProduct(h.shape), let byteCount = checkedProduct([count, itemSize]) else {
            throw DataFormatError(file: file, offset: h.shapeOffset, expected: "a shape of at most \(maxDecodedBytes) bytes",
                                  found: "shape \(shapeString(h.shape)) of \(h.kind.descr)")
        }
        guard byteCount <= r.remaining else {
            throw r.error("\(byteCount) bytes of array data for shape \(shapeString(h.shape)) of \(h.kind.descr)",
                          "only \(r.remaining) bytes before the end of file (the data ends early)")
        }
        var data = Array(bytes[r.pos..<(r.pos + byteCount)])
        if h.fortran && h.shape.count > 1 && count > 0 {
            data = fortranToC(data, shape: h.shape, itemSize: itemSize)
        }
        return try NPYArray(shape: h.shape, kind: h.kind, data: data)
    }

    /// Reorders column-major bytes into row-major.
    static func fortranToC(_ src: [UInt8], shape: [Int], itemSize: Int) -> [UInt8] {
        let rank = shape.count
        var fStrides = [Int](repeating: 1, count: rank)
        for d in 1..<rank { fStrides[d] = fStrides[d - 1] * shape[d - 1] }
        var out = [UInt8](repeating: 0, count: src.count)
        var idx = [Int](repeating: 0, count: rank)
        var f = 0
        let n = src.count / itemSize
        for i in 0..<n {
            for k in 0..<itemSize { out[i * itemSize + k] = src[f * itemSize + k] }
            var d = rank - 1
            while d >= 0 {
                idx[d] += 1
                f += fStrides[d]
                if idx[d] < shape[d] { break }
                f -= fStrides[d] * shape[d]
                idx[d] = 0
                d -= 1
            }
        }
        return out
    }

    struct Header {
        var kind: NPYArray.Kind
        var fortran: Bool
        var shape: [Int]
        var shapeOffset: Int
    }

    /// A parser for the Python dict literal in the header, e.g.
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    struct HeaderParser {
        let bytes: [UInt8]
        let file: String
        let base: Int
        var i = 0

        init(bytes: [UInt8], file: String, base: Int) {
            self.bytes = bytes
            self.file = file
            self.base = base
        }

        enum Value {
            case string(String), bool(Bool), tuple([Int])
        }

        func fail(_ expected: String, at: Int? = nil) -> DataFormatError {
            let j = at ?? i
            let found: String
            if j >= bytes.count { found = "end of header" } else {
                let end = min(bytes.count, j + 12)
                found = "'" + String(decoding: bytes[j..<end], as: UTF8.self).replacingNonPrintable() + "'"
            }
            return DataFormatError(file: file, offset: base + j, expected: expected, found: found)
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 }
        }

        mutating func expect(_ c: UInt8, _ what: String) throws {
            skipSpace()
            guard i < bytes.count, bytes[i] == c else { throw fail(what) }
            i += 1
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return i < bytes.count ? bytes[i] : nil
        }

        mutating func string() throws -> String {
            skipSpace()
            guard i < bytes.count, bytes[i] == 0x27 || bytes[i] == 0x22 else { throw fail("a quoted string") }
            let q = bytes[i]
            i += 1
            let s = i
            while i < bytes.count, bytes[i] != q { i += 1 }
            guard i < bytes.count else { throw fail("a closing quote", at: s - 1) }
            defer { i += 1 }
            return String(decoding: bytes[s..<i], as: UTF8.self)
        }

        mutating func int() throws -> Int {
            skipSpace()
            let s = i
            var v = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(bytes[i] - 0x30))
                guard !o1, !o2 else { throw fail("a dimension that fits in 63 bits", at: s) }
                v = a
                i += 1
            }
            guard i > s else { throw fail("a non-negative integer dimension") }
            if i < bytes.count, bytes[i] == 0x4C { i += 1 }  // Python 2 long suffix
            return v
        }

        mutating func value() throws -> Value {
            guard let c = peek() else { throw fail("a value") }
            if c == 0x27 || c == 0x22 { return .string(try string()) }
            if c == 0x28 {  // (
                i += 1
                var dims: [Int] = []
                while true {
                    guard let d = peek() else { throw fail("')' to close the shape tuple") }
                    if d == 0x29 { i += 1; break }
                    dims.append(try int())
                    guard let e = peek() else { throw fail("',' or ')' in the shape tuple") }
                    if e == 0x2C { i += 1 } else if e != 0x29 { throw fail("',' or ')' in the shape tuple") }
                }
                return .tuple(dims)
            }
            for (word, v) in [("True", true), ("False", false)] {
                let w = Array(word.utf8)
                if i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w {
                    i += w.count
                    return .bool(v)
                }
            }
            throw fail("a string, True, False or a shape tuple")
        }

        mutating func parse() throws -> Header {
            try expect(0x7B, "'{' to open the header dictionary")
            var descr: (String, Int)?
            var fortran: Bool?
            var shape: ([Int], Int)?
            while true {
                guard let c = peek() else { throw fail("'}' to close the header dictionary") }
                if c == 0x7D { i += 1; break }
                let keyAt = i
                let key = try string()
                try expect(0x3A, "':' after key '\(key)'")
                skipSpace()
                let valueAt = i
                let v = try value()
                switch (key, v) {
                case ("descr", .string(let s)): descr = (s, valueAt)
                case ("fortran_order", .bool(let b)): fortran = b
                case ("shape", .tuple(let t)): shape = (t, valueAt)
                case ("descr", _): throw fail("a dtype string for 'descr'", at: valueAt)
                case ("fortran_order", _): throw fail("True or False for 'fortran_order'", at: valueAt)
                case ("shape", _): throw fail("a tuple for 'shape'", at: valueAt)
                default: throw fail("one of the keys 'descr', 'fortran_order', 'shape'", at: keyAt)
                }
                guard let e = peek() else { throw fail("',' or '}' in the header dictionary") }
                if e == 0x2C { i += 1 } else if e != 0x7D { throw fail("',' or '}' in the header dictionary") }
            }
            guard let d = descr else { throw fail("a 'descr' key in the header", at: 0) }
            guard let f = fortran else { throw fail("a 'fortran_order' key in the header", at: 0) }
            guard let s = shape else { throw fail("a 'shape' key in the header", at: 0) }
            guard let kind = NPY.kind(descr: d.0) else {
                throw DataFormatError(file: file, offset: base + d.1,
                                      expected: "a little-endian dtype among <f4 <f8 <i1 <i2 <i4 <i8 |u1 <u2 <u4 |b1 <U n |S n",
                                      found: "'\(d.0)'")
            }
            return Header(kind: kind, fortran: f, shape: s.0, shapeOffset: base + s.1)
        }
    }

    static func kind(descr: String) -> NPYArray.Kind? {
        var s = Substring(descr)
        guard let order = s.first else { return nil }
        if order == "<" || order == "|" || order == "=" { s = s.dropFirst() } else if order == ">" {
            // Big-endian is accepted only where byte order does not matter.
            s = s.dropFirst()
            if !(s == "u1" || s == "i1" || s == "b1" || s.hasPrefix("S")) { return nil }
        }
        switch s {
        case "f4": return .float32
        case "f8": return .float64
        case "i1": return .int8
        case "i2": return .int16
        case "i4": return .int32
        case "i8": return .int64
        case "u1": return .uint8
        case "u2": return .uint16
        case "u4": return .uint32
        case "b1", "?": return .bool
        default:
            if s.first == "U" || s.first == "S", let n = Int(s.dropFirst()), n > 0, n < 1 << 20 {
                return s.first == "U" ? .unicode(n) : .bytes(n)
            }
            return nil
        }
    }

    /// The bytes of a `.npy` file (version 1.0 unless the header needs 2.0; header padded so the
    /// data starts at a multiple of 64, as numpy does).
    public static func encode(_ a: NPYArray, fortranOrder: Bool = false) -> [UInt8] {
        let shapeText: String
        if a.shape.count == 1 { shapeText = "(\(a.shape[0]),)" } else { shapeText = "(" + a.shape.map(String.init).joined(separator: ", ") + ")" }
        var dict = "{'descr': '\(a.kind.descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        var version: UInt8 = 1
        var prefix = 10
        var total = prefix + dict.utf8.count + 1
        if (total + 63) / 64 * 64 - prefix > 65535 { version = 2; prefix = 12; total = prefix + dict.utf8.count + 1 }
        let padded = (total + 63) / 64 * 64
        dict += String(repeating: " ", count: padded - total) + "\n"
        var out = magic
        out.append(version)
        out.append(0)
        let hl = dict.utf8.count
        if version == 1 { out.appendLE16(UInt16(hl)) } else { out.appendLE32(UInt32(hl)) }
        out.append(contentsOf: dict.utf8)
        if fortranOrder && a.shape.count > 1 {
            // Write column-major: reverse the C→F mapping by reading with the reversed shape.
            out.append(contentsOf: cToFortran(a.data, shape: a.shape, itemSize: a.kind.itemSize))
        } else {
            out.append(contentsOf: a.data)
        }
        return out
    }

    static func cToFortran(_ src: [UInt8], shape: [Int], itemSize: Int) -> [UInt8] {
        // The Fortran layout of `shape` is the C layout of the reversed shape with reversed axes.
        let rank = shape.count
        var cStrides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { cStrides[d] = cStrides[d + 1] * shape[d + 1] }
        var out = [UInt8](repeating: 0, count: src.count)
        var idx = [Int](repeating: 0, count: rank)
        var c = 0
        let n = src.count / max(itemSize, 1)
        for i in 0..<n {
            for k in 0..<itemSize { out[i * itemSize + k] = src[c * itemSize + k] }
            var d = 0
            while d < rank {
                idx[d] += 1
                c += cStrides[d]
                if idx[d] < shape[d] { break }
                c -= cStrides[d] * shape[d]
                idx[d] = 0
                d += 1
            }
        }
        return out
    }

    public static func encode(_ t: Tensor) -> [UInt8] { encode(NPYArray(t)) }

    public static func write(_ t: Tensor, to path: String) throws { try AtomicFile.write(encode(t), to: path) }

    public static func write(_ a: NPYArray, to path: String, fortranOrder: Bool = false) throws {
        try AtomicFile.write(encode(a, fortranOrder: fortranOrder), to: path)
    }
}

extension String {
    func replacingNonPrintable() -> String {
        String(unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
    }
}
