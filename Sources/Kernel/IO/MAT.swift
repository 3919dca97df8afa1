/// MATLAB level-5 MAT-files (what `save -v7` and `scipy.io.savemat` write, and what SVHN's
/// `train_32x32.mat` / `test_32x32.mat` are): a 128-byte header, then tagged data elements,
/// possibly wrapped in zlib-compressed `miCOMPRESSED` elements. Numeric matrices are read;
/// cells, structs, char arrays, sparse and object arrays are skipped. Little-endian files only;
/// v7.3 (HDF5) files are refused with a clear error. Offsets inside compressed elements are in
/// the decompressed element, which the file name in the error identifies.
public struct MATVariable: Sendable {
    public let name: String
    /// The file it was read from (errors from `tensor()` name it).
    public let file: String
    /// MATLAB dimensions (column-major), e.g. [32, 32, 3, N] for SVHN `X`.
    public let dims: [Int]
    /// MATLAB class (6 double, 7 single, 8 int8, 9 uint8, …, 15 uint64).
    public let classCode: Int
    /// Values in column-major order: bytes for uint8/logical data stored as bytes, else doubles.
    public enum Values: Sendable {
        case uint8([UInt8])
        case double([Double])
    }
    public let values: Values

    public var count: Int { dims.reduce(1, *) }

    /// The value at column-major index `i` as Double.
    public func value(_ i: Int) -> Double {
        switch values {
        case .uint8(let b): return Double(b[i])
        case .double(let d): return d[i]
        }
    }

    /// The values as a C-order tensor whose shape is `dims` (float32 for floating classes,
    /// int32 for integer classes).
    public func tensor() throws -> Tensor {
        let floating = classCode == 6 || classCode == 7
        let t = try Tensor.empty(dims, dtype: floating ? .float32 : .int32, op: "mat")
        let n = count
        if n == 0 { return t }
        // C index i ↔ column-major index f.
        let rank = dims.count
        var fStrides = [Int](repeating: 1, count: rank)
        for d in 1..<rank { fStrides[d] = fStrides[d - 1] * dims[d - 1] }
        var idx = [Int](repeating: 0, count: rank)
        var f = 0
        for i in 0..<n {
            let v = value(f)
            if floating { t.fptr[i] = Float(v) } else {
                guard let w = Int32(exactly: v.rounded(.towardZero)) else {
                    throw DataFormatError(file: file, offset: nil, expected: "integer values within the int32 range in variable '\(name)'",
                                          found: "element \(f) is \(v), outside the int32 range")
                }
                t.iptr[i] = w
            }
            var d = rank - 1
            while d >= 0 {
                idx[d] += 1
                f += fStrides[d]
                if idx[d] < dims[d] { break }
                f -= fStrides[d] * dims[d]
                idx[d] = 0
                d -= 1
            }
        }
        return t
    }
}

public enum MAT {
    public static func read(_ path: String) throws -> [String: MATVariable] {
        var out: [String: MATVariable] = [:]
        for v in try parse(try FileBytes.read(path), file: path) { out[v.name] = v }
        return out
    }

    /// All numeric variables as C-order tensors.
    public static func readTensors(_ path: String) throws -> [String: Tensor] {
        try read(path).mapValues { try $0.tensor() }
    }

    static let miINT8 = 1, miUINT8 = 2, miINT16 = 3, miUINT16 = 4, miINT32 = 5, miUINT32 = 6
    static let miSINGLE = 7, miDOUBLE = 9, miINT64 = 12, miUINT64 = 13, miMATRIX = 14, miCOMPRESSED = 15

    static func typeSize(_ t: Int) -> Int? {
        switch t {
        case miINT8, miUINT8: return 1
        case miINT16, miUINT16: return 2
        case miINT32, miUINT32, miSINGLE: return 4
        case miDOUBLE, miINT64, miUINT64: return 8
        default: return nil
        }
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> [MATVariable] {
        var r = ByteReader(bytes, file: file)
        let head = try r.take(128, "the 128-byte MAT-file header")
        let text = String(decoding: head.prefix(116), as: UTF8.self)
        if text.hasPrefix("MATLAB 7.3") {
            throw r.error("a level-5 MAT-file (save with -v7)", "a v7.3 (HDF5) MAT-file, which is not supported", at: 0)
        }
        guard text.hasPrefix("MATLAB 5.0 MAT-file") else {
            throw r.error("the MAT-file text 'MATLAB 5.0 MAT-file'", "'\(String(text.prefix(19)).replacingNonPrintable())'", at: 0)
        }
        let endian = String(decoding: head[126..<128], as: UTF8.self)
        guard endian == "IM" else {
            throw r.error("endian indicator 'IM' (little-endian)", endian == "MI" ? "'MI' (big-endian files are not supported)" : "'\(endian.replacingNonPrintable())'", at: 126)
        }
        var vars: [MATVariable] = []
        try elements(&r, file: file, into: &vars, depth: 0)
        return vars
    }

    /// Reads a data-element tag: (type, byte count, data start, small-format flag).
    static func tag(_ r: inout ByteReader, _ what: String) throws -> (type: Int, count: Int, small: Bool) {
        let w = try r.u32le("the tag of \(what)")
        if w >> 16 != 0 {
            let n = Int(w >> 16)
            guard n <= 4 else { throw r.error("a small data element of at most 4 bytes for \(what)", "\(n) bytes", at: r.pos - 4) }
            return (Int(w & 0xFFFF), n, true)
        }
        let n = Int(try r.u32le("the byte count of \(what)"))
        return (Int(w), n, false)
    }

    static func elements(_ r: inout ByteReader, file: String, into vars: inout [MATVariable], depth: Int) throws {
        while r.remaining >= 8 {
            let at = r.pos
            let t = try tag(&r, "a top-level data element")
            if t.small { r.pos += 4; continue }
            try r.need(t.count, "the data element at byte \(r.base + at) (type \(t.type))")
            let start = r.pos
            switch t.type {
            case miCOMPRESSED:
                guard depth == 0 else { throw r.error("no nested compressed elements", "miCOMPRESSED inside miCOMPRESSED", at: at) }
                let inner = try Gzip.inflate(r.bytes, range: start..<(start + t.count), wrapper: .zlib, file: file, base: r.base)
                var ir = ByteReader(inner, file: "\(file)[compressed element at byte \(r.base + at)]")
                try elements(&ir, file: file, into: &vars, depth: depth + 1)
                r.pos = start + t.count
            case miMATRIX:
                var mr = ByteReader(Array(r.bytes[start..<(start + t.count)]), file: r.file, base: r.base + start)
                if let v = try matrix(&mr) { vars.append(v) }
                r.pos = start + ((t.count + 7) & ~7)
                if r.pos > r.bytes.count { r.pos = r.bytes.count }
            default:
                throw r.error("a matrix (type 14) or compressed (type 15) data element", "type \(t.type)", at: at)
            }
        }
        if r.remaining > 0 {
            throw r.error("an 8-byte data element tag", "only \(r.remaining) bytes before the end of file (the file ends early)")
        }
    }

    static func matrix(_ r: inout ByteReader) throws -> MATVariable? {
        if r.remaining == 0 { return nil }  // empty matrix element
        let ft = try tag(&r, "the array flags")
        guard ft.type == miUINT32, ft.count == 8 else {
            throw r.error("array flags (miUINT32, 8 bytes)", "type \(ft.type), \(ft.count) bytes", at: r.pos - 8)
        }
        let flags = try r.u32le("the array flags")
        _ = try r.u32le("the array flags (nzmax)")
        let cls = Int(flags & 0xFF)
        let dt = try tag(&r, "the dimensions")
        guard dt.type == miINT32, dt.count % 4 == 0, dt.count >= 8 else {
            throw r.error("dimensions (miINT32, at least 2)", "type \(dt.type), \(dt.count) bytes", at: r.pos - (dt.small ? 4 : 8))
        }
        let dimsAt = r.pos
        var dims: [Int] = []
        for _ in 0..<(dt.count / 4) {
            let d = Int32(bitPattern: try r.u32le("a dimension"))
            guard d >= 0 else { throw r.error("non-negative dimensions", "\(d)", at: r.pos - 4) }
            dims.append(Int(d))
        }
        try pad(&r, dt)
        let nt = try tag(&r, "the array name")
        guard nt.type == miINT8 || nt.type == miUINT8 else { throw r.error("an array name (miINT8)", "type \(nt.type)", at: r.pos - 8) }
        let name = String(decoding: try r.take(nt.count, "the array name"), as: UTF8.self)
        try pad(&r, nt)
        guard (6...15).contains(cls) else { return nil }  // cell, struct, object, char, sparse: skipped
        guard let count = checkedProduct(dims) else {
            throw DataFormatError(file: r.file, offset: r.base + dimsAt, expected: "dimensions of at most \(maxDecodedBytes) elements",
                                  found: shapeString(dims))
        }
        let rt = try tag(&r, "the real part of '\(name)'")
        guard let ts = typeSize(rt.type) else { throw r.error("a numeric data type for '\(name)'", "type \(rt.type)", at: r.pos - 8) }
        guard let need = checkedProduct([count, ts]), need == rt.count else {
            throw r.error("\(count) elements (\(shapeString(dims))) × \(ts) bytes = \(count.multipliedReportingOverflow(by: ts).partialValue) bytes for '\(name)'",
                          "\(rt.count) bytes declared", at: r.pos - (rt.small ? 4 : 8))
        }
        let data = try r.take(rt.count, "the real part of '\(name)'")
        let values: MATVariable.Values
        if rt.type == miUINT8 && (cls == 9 || flags & 0x200 != 0) {
            values = .uint8(Array(data))
        } else {
            var d = [Double](repeating: 0, count: count)
            data.withUnsafeBytes { raw in
                for i in 0..<count {
                    let o = i * ts
                    switch rt.type {
                    case miINT8: d[i] = Double(Int8(bitPattern: raw[o]))
                    case miUINT8: d[i] = Double(raw[o])
                    case miINT16: d[i] = Double(raw.loadUnaligned(fromByteOffset: o, as: Int16.self))
                    case miUINT16: d[i] = Double(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self))
                    case miINT32: d[i] = Double(raw.loadUnaligned(fromByteOffset: o, as: Int32.self))
                    case miUINT32: d[i] = Double(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))
                    case miSINGLE: d[i] = Double(raw.loadUnaligned(fromByteOffset: o, as: Float.self))
                    case miDOUBLE: d[i] = raw.loadUnaligned(fromByteOffset: o, as: Double.self)
                    case miINT64: d[i] = Double(raw.loadUnaligned(fromByteOffset: o, as: Int64.self))
                    default: d[i] = Double(raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))
                    }
                }
            }
            values = .double(d)
        }
        return MATVariable(name: name, file: r.file, dims: dims, classCode: cls, values: values)
    }

    /// Skips the padding after an element's data (to 8 bytes; small elements fill their 4 bytes).
    static func pad(_ r: inout ByteReader, _ t: (type: Int, count: Int, small: Bool)) throws {
        let n = t.small ? 4 - t.count : ((t.count + 7) & ~7) - t.count
        r.pos = min(r.bytes.count, r.pos + n)
    }
}
