/// IDX files of the MNIST family (MNIST, Fashion-MNIST, KMNIST): a big-endian header
/// `00 00 08 ndim`, `ndim` u32 dimensions, then unsigned bytes. Gzipped or raw files both load.
/// Byte offsets in errors are in the decompressed stream.
public enum IDX {
    /// Reads any unsigned-byte IDX file (gz or raw) with its declared shape.
    public static func readRaw(_ path: String) throws -> UInt8Array {
        try parse(try Gzip.readMaybeGzipped(path), file: path)
    }

    /// The file's values as an int32 tensor with the declared shape.
    public static func read(_ path: String) throws -> Tensor { try readRaw(path).tensor() }

    /// Images ([N, rows, cols], magic 0x00000803) as float32 [N, 1, rows, cols] in 0...1.
    public static func readImages(_ path: String) throws -> Tensor {
        let a = try parse(try Gzip.readMaybeGzipped(path), file: path, expectRank: 3)
        return try a.tensor(scale: 1.0 / 255).reshape([a.shape[0], 1, a.shape[1], a.shape[2]])
    }

    /// Labels ([N], magic 0x00000801) as int32 [N].
    public static func readLabels(_ path: String) throws -> Tensor {
        try parse(try Gzip.readMaybeGzipped(path), file: path, expectRank: 1).tensor()
    }

    /// Parses IDX bytes. `expectRank` (1 for labels, 3 for images) checks the magic exactly.
    public static func parse(_ bytes: [UInt8], file: String, expectRank: Int? = nil) throws -> UInt8Array {
        var r = ByteReader(bytes, file: file)
        let magic = try r.u32be("the IDX magic")
        let wanted = expectRank.map { "IDX magic \(hex32(0x0800 | UInt32($0)))" } ?? "IDX magic 0x000008NN (unsigned bytes)"
        guard magic & 0xFFFF_FF00 == 0x0000_0800 else {
            if magic & 0xFFFF_0000 == 0, [0x09, 0x0B, 0x0C, 0x0D, 0x0E].contains((magic >> 8) & 0xFF) {
                throw r.error("\(wanted); only unsigned-byte IDX (type 0x08) is supported", "type code \(hex32((magic >> 8) & 0xFF))", at: 2)
            }
            throw r.error(wanted, hex32(magic), at: 0)
        }
        let rank = Int(magic & 0xFF)
        if let e = expectRank, e != rank { throw r.error(wanted, hex32(magic), at: 0) }
        guard rank >= 1 && rank <= 8 else { throw r.error("1 to 8 dimensions", "\(rank)", at: 3) }
        var shape: [Int] = []
        for d in 0..<rank { shape.append(Int(try r.u32be("dimension \(d)"))) }
        guard let n = checkedProduct(shape), n <= r.remaining else {
            throw r.error("\(shape.map(String.init).joined(separator: " × ")) bytes of data as the header declares",
                          "only \(r.remaining) bytes before the end of file (the data ends early)")
        }
        if r.remaining > n {
            throw r.error("end of file after \(n) data bytes", "\(r.remaining - n) extra bytes", at: r.pos + n)
        }
        return UInt8Array(unchecked: shape, values: Array(bytes[r.pos..<(r.pos + n)]))
    }

    /// The bytes of an IDX file for `a` (ubyte).
    public static func encode(_ a: UInt8Array) -> [UInt8] {
        var out: [UInt8] = [0, 0, 8, UInt8(a.shape.count)]
        for d in a.shape { out.appendBE32(UInt32(truncatingIfNeeded: d)) }
        out.append(contentsOf: a.values)
        return out
    }

    public static func write(_ a: UInt8Array, to path: String, gzip: Bool? = nil) throws {
        let raw = encode(a)
        try AtomicFile.write((gzip ?? path.hasSuffix(".gz")) ? try Gzip.gzip(raw) : raw, to: path)
    }
}
