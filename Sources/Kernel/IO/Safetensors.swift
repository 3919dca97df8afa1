#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of
/// JSON mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets
/// relative to the data section) plus an optional `"__metadata__"` object of strings, then the
/// raw little-endian tensor data.
///
/// CoReg writes F32, I32 and BOOL (its three dtypes). It reads those and F64, F16, BF16 (converted
/// to float32; F64 rounds to nearest), I64, I16, I8, U8, U16, U32, U64 (converted to int32; a
/// value outside the int32 range is an error, never wrapped). Decoding validates the header as
/// the reference implementation does — header size, JSON syntax, unique names, known dtypes,
/// byte counts that match shapes, data regions that tile the data section exactly without gaps
/// or overlaps — and every failure is a `DataFormatError` naming the file and byte offset.
public enum Safetensors {
    /// Largest header accepted (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    public struct File {
        /// Tensors in data order (the order they were written in).
        public var tensors: [(String, Tensor)]
        /// The `__metadata__` string map.
        public var metadata: [String: String]
        public init(tensors: [(String, Tensor)], metadata: [String: String] = [:]) {
            self.tensors = tensors
            self.metadata = metadata
        }
        /// Tensors by name (names are unique in a valid file).
        public var dictionary: [String: Tensor] { Dictionary(tensors, uniquingKeysWith: { a, _ in a }) }
        public var names: [String] { tensors.map { $0.0 } }
        public subscript(_ name: String) -> Tensor? { tensors.first { $0.0 == name }?.1 }
    }

    static func code(_ d: DType) -> String {
        switch d {
        case .float32: return "F32"
        case .int32: return "I32"
        case .bool: return "BOOL"
        }
    }

    /// Element size of a safetensors dtype code this reader accepts.
    static func elementSize(_ code: String) -> Int? {
        switch code {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL": return 1
        default: return nil
        }
    }
    static let supported = "F32, F64, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL"

    // MARK: writing

    /// Serialises to bytes: tensors in the given order, data laid out in that order, header
    /// padded with spaces to a multiple of 8 bytes (as the reference writer does), so the data
    /// section starts 8-byte aligned. Deterministic: the same input gives the same bytes.
    public static func encode(_ file: File) throws -> [UInt8] {
        var seen = Set<String>()
        var header = "{"
        var first = true
        if !file.metadata.isEmpty {
            header += "\"__metadata__\":{"
            header += file.metadata.keys.sorted().map { JSONWriter.quote($0) + ":" + JSONWriter.quote(file.metadata[$0]!) }.joined(separator: ",")
            header += "}"
            first = false
        }
        var parts: [Tensor] = []
        var offset = 0
        for (name, t) in file.tensors {
            guard !name.isEmpty, name != "__metadata__", seen.insert(name).inserted else {
                throw TensorError("safetensors", name.isEmpty ? "empty tensor name" : "invalid or duplicate tensor name '\(name)'")
            }
            let c = t.contiguous()
            let bytes = c.count * c.dtype.size
            if !first { header += "," }
            first = false
            header += JSONWriter.quote(name) + ":{\"dtype\":\"\(code(t.dtype))\",\"shape\":["
                + t.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
            parts.append(c)
        }
        header += "}"
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for c in parts {
            let bytes = c.count * c.dtype.size
            if bytes > 0 {
                out.append(contentsOf: UnsafeRawBufferPointer(start: c.storage.raw + c.offset * c.dtype.size, count: bytes))
            }
        }
        return out
    }

    /// Writes atomically (temporary file, fsync, rename).
    public static func save(_ file: File, to path: String) throws {
        try AtomicFile.write(try encode(file), to: path)
    }
    public static func save(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        try save(File(tensors: tensors, metadata: metadata), to: path)
    }

    // MARK: reading

    public static func load(_ path: String) throws -> File {
        try decode(try FileBytes.read(path), file: path)
    }

    /// Parses a whole file held in memory; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file name: String = "safetensors") throws -> File {
        func fail(_ off: Int?, _ expected: String, _ found: String) -> DataFormatError {
            DataFormatError(file: name, offset: off, expected: expected, found: found)
        }
        guard bytes.count >= 8 else { throw fail(0, "an 8-byte header length", "a \(bytes.count)-byte file") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeaderBytes) else { throw fail(0, "a header length of at most \(maxHeaderBytes) bytes", "\(n)") }
        guard n <= UInt64(bytes.count - 8) else {
            throw fail(0, "a header length of at most \(bytes.count - 8) bytes (the rest of the file)", "\(n)")
        }
        let hlen = Int(n)
        let dataStart = 8 + hlen
        let dataLen = bytes.count - dataStart
        guard hlen >= 2, bytes[8] == UInt8(ascii: "{") else {
            throw fail(8, "a JSON object header starting with '{'", hlen == 0 ? "an empty header" : "byte 0x\(String(bytes[8], radix: 16))")
        }
        let root: JSONNode
        do { root = try JSONParser.parse(bytes, start: 8, end: dataStart) } catch let e as JSONParseError {
            throw fail(e.offset, e.expected + " in the JSON header", e.found)
        }
        guard case .object(let members) = root.kind else { throw fail(8, "a JSON object header", root.typeName) }

        var metadata: [String: String] = [:]
        struct Entry { let name: String; let dtype: String; let shape: [Int]; let begin: Int; let end: Int; let at: Int }
        var entries: [Entry] = []
        for (key, value) in members {
            if key == "__metadata__" {
                guard case .object(let mm) = value.kind else {
                    throw fail(value.offset, "__metadata__ to be an object of strings", value.typeName)
                }
                for (k, v) in mm {
                    guard let s = v.stringValue else { throw fail(v.offset, "a string value for __metadata__ '\(k)'", v.typeName) }
                    metadata[k] = s
                }
                continue
            }
            guard case .object(let fields) = value.kind else {
                throw fail(value.offset, "an object {dtype, shape, data_offsets} for tensor '\(key)'", value.typeName)
            }
            func field(_ f: String) throws -> JSONNode {
                guard let v = fields.first(where: { $0.0 == f })?.1 else { throw fail(value.offset, "a '\(f)' field for tensor '\(key)'", "none") }
                return v
            }
            let dtNode = try field("dtype"), shapeNode = try field("shape"), offNode = try field("data_offsets")
            guard let dt = dtNode.stringValue else { throw fail(dtNode.offset, "a dtype string for tensor '\(key)'", dtNode.typeName) }
            guard let esize = elementSize(dt) else {
                throw fail(dtNode.offset, "a supported dtype for tensor '\(key)' (\(supported))", "'\(dt)'")
            }
            guard case .array(let dims) = shapeNode.kind else { throw fail(shapeNode.offset, "a shape array for tensor '\(key)'", shapeNode.typeName) }
            guard dims.count <= 32 else { throw fail(shapeNode.offset, "at most 32 dimensions for tensor '\(key)'", "\(dims.count)") }
            var shape: [Int] = []
            for d in dims {
                guard let i = d.intValue, i >= 0 else { throw fail(d.offset, "a non-negative integer dimension for tensor '\(key)'", d.brief) }
                shape.append(i)
            }
            guard case .array(let offs) = offNode.kind, offs.count == 2 else {
                throw fail(offNode.offset, "data_offsets [begin, end] for tensor '\(key)'", offNode.typeName)
            }
            guard let begin = offs[0].intValue, let end = offs[1].intValue, begin >= 0, end >= 0 else {
                throw fail(offNode.offset, "non-negative integer data_offsets for tensor '\(key)'", "[\(offs[0].brief), \(offs[1].brief)]")
            }
            guard let count = checkedProduct(shape, limit: maxTensorElements), count <= maxDecodedBytes / esize else {
                throw fail(shapeNode.offset, "a shape of at most \(maxDecodedBytes) bytes for tensor '\(key)'", shapeString(shape))
            }
            guard begin <= end, end - begin == count * esize else {
                throw fail(offNode.offset, "\(count * esize) bytes for tensor '\(key)' (\(dt) \(shapeString(shape)))",
                           "data_offsets [\(begin), \(end)]")
            }
            entries.append(Entry(name: key, dtype: dt, shape: shape, begin: begin, end: end, at: value.offset))
        }
        // the data regions must tile the data section exactly: no gaps, no overlaps, no slack
        let order = entries.indices.sorted { entries[$0].begin != entries[$1].begin ? entries[$0].begin < entries[$1].begin : entries[$0].end < entries[$1].end }
        var cursor = 0
        for i in order {
            let e = entries[i]
            guard e.begin == cursor else {
                throw fail(e.at, "tensor '\(e.name)' to start at data offset \(cursor) (regions must tile the data section)",
                           "data_offsets [\(e.begin), \(e.end)]")
            }
            cursor = e.end
        }
        guard cursor == dataLen else {
            throw fail(dataStart + Swift.min(cursor, dataLen), "a data section of \(cursor) bytes (as the header declares)",
                       "\(dataLen) bytes")
        }
        var tensors: [(String, Tensor)] = []
        tensors.reserveCapacity(entries.count)
        for i in order {
            let e = entries[i]
            tensors.append((e.name, try convert(bytes, from: dataStart + e.begin, shape: e.shape, dtype: e.dtype, name: e.name, file: name)))
        }
        return File(tensors: tensors, metadata: metadata)
    }

    static func convert(_ b: [UInt8], from start: Int, shape: [Int], dtype: String, name: String, file: String) throws -> Tensor {
        let count = shape.reduce(1, *)
        return try b.withUnsafeBytes { raw -> Tensor in
            let src = raw.baseAddress! + start
            @inline(__always) func load<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
                T(littleEndian: src.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            switch dtype {
            case "F32", "F64", "F16", "BF16":
                let t = Tensor(uninitialized: shape, dtype: .float32)
                let p = t.fptr
                switch dtype {
                case "F32": for i in 0..<count { p[i] = Float(bitPattern: load(i, UInt32.self)) }
                case "F64": for i in 0..<count { p[i] = Float(Double(bitPattern: load(i, UInt64.self))) }
                case "BF16": for i in 0..<count { p[i] = Float(bitPattern: UInt32(load(i, UInt16.self)) << 16) }
                default: for i in 0..<count { p[i] = Float(Float16(bitPattern: load(i, UInt16.self))) }
                }
                return t
            case "BOOL":
                let t = Tensor(uninitialized: shape, dtype: .bool)
                let p = t.bptr
                for i in 0..<count { p[i] = src.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0 }
                return t
            default:
                let t = Tensor(uninitialized: shape, dtype: .int32)
                let p = t.iptr
                for i in 0..<count {
                    let x: Int64
                    switch dtype {
                    case "I32": x = Int64(Int32(bitPattern: load(i, UInt32.self)))
                    case "I64": x = Int64(bitPattern: load(i, UInt64.self))
                    case "U64": x = Int64(clamping: load(i, UInt64.self))
                    case "U32": x = Int64(load(i, UInt32.self))
                    case "I16": x = Int64(Int16(bitPattern: load(i, UInt16.self)))
                    case "U16": x = Int64(load(i, UInt16.self))
                    case "I8": x = Int64(Int8(bitPattern: load(i, UInt8.self)))
                    default: x = Int64(load(i, UInt8.self))
                    }
                    guard let y = Int32(exactly: x) else {
                        throw DataFormatError(file: file, offset: start + i * (elementSize(dtype) ?? 1),
                                              expected: "\(dtype) values of tensor '\(name)' that fit int32", found: "\(x)")
                    }
                    p[i] = y
                }
                return t
            }
        }
    }
}
