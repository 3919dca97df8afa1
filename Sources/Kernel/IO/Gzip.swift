import CZlib

/// gzip / zlib / raw DEFLATE through the system zlib. Readers call `Gzip.decompressIfGzip` so a
/// file loads whether or not it was gzipped (detected by the 1f 8b magic, not the file name).
public enum Gzip {
    /// The three DEFLATE wrappers zlib understands.
    public enum Wrapper: Sendable {
        case gzip, zlib, raw
        var windowBits: Int32 {
            switch self {
            case .gzip: return 15 + 16
            case .zlib: return 15
            case .raw: return -15
            }
        }
    }

    public static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

    /// Reads a file and gunzips it when it starts with the gzip magic.
    public static func readMaybeGzipped(_ path: String) throws -> [UInt8] {
        let raw = try FileBytes.read(path)
        return try decompressIfGzip(raw, file: path)
    }

    public static func decompressIfGzip(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        isGzip(bytes) ? try gunzip(bytes, file: file) : bytes
    }

    /// Gunzips all members of a gzip stream (concatenated members are joined, as gzip does).
    public static func gunzip(_ bytes: [UInt8], file: String = "<memory>") throws -> [UInt8] {
        try inflate(bytes, wrapper: .gzip, file: file)
    }

    public static func gzip(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        try deflate(bytes, wrapper: .gzip, level: level)
    }

    /// Inflates `bytes[range]`. `expectedSize`, when known from a header, is checked exactly.
    /// Output is capped at `maxDecodedBytes` and at 1100× the input (DEFLATE cannot expand more
    /// than ~1032×), so a forged stream cannot exhaust memory. `base` is added to offsets in
    /// error messages.
    static func inflate(_ bytes: [UInt8], range: Range<Int>? = nil, wrapper: Wrapper, expectedSize: Int? = nil,
                        file: String, base: Int = 0) throws -> [UInt8] {
        let r = range ?? 0..<bytes.count
        let inCount = r.count
        let cap = min(maxDecodedBytes, inCount.multipliedReportingOverflow(by: 1100).partialValue + 1024)
        if let e = expectedSize, e > cap || e < 0 {
            throw DataFormatError(file: file, offset: base + r.lowerBound,
                                  expected: "a declared size of at most \(cap) bytes for \(inCount) compressed bytes",
                                  found: "\(e) bytes")
        }
        guard inCount > 0, r.lowerBound >= 0, r.upperBound <= bytes.count else {
            throw DataFormatError(file: file, offset: base + max(0, r.lowerBound),
                                  expected: "compressed data", found: "end of file")
        }
        var out = [UInt8]()
        out.reserveCapacity(expectedSize ?? min(cap, max(1024, inCount * 4)))
        var stream = z_stream()
        var rc = inflateInit2_(&stream, wrapper.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            throw DataFormatError(file: file, offset: nil, expected: "zlib to initialise", found: "zlib error \(rc)")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var consumed = 0
        try bytes.withUnsafeBufferPointer { inBuf in
            let start = inBuf.baseAddress! + r.lowerBound
            stream.next_in = UnsafeMutablePointer(mutating: start)
            stream.avail_in = UInt32(min(inCount, Int(UInt32.max)))
            var members = 0
            while true {
                rc = chunk.withUnsafeMutableBufferPointer { cb -> Int32 in
                    stream.next_out = cb.baseAddress
                    stream.avail_out = UInt32(cb.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                consumed = Int(stream.next_in - UnsafeMutablePointer(mutating: start))
                if out.count + produced > cap || (expectedSize != nil && out.count + produced > expectedSize!) {
                    throw DataFormatError(file: file, offset: base + r.lowerBound + consumed,
                                          expected: expectedSize.map { "\($0) decompressed bytes" } ?? "at most \(cap) decompressed bytes",
                                          found: "more data")
                }
                out.append(contentsOf: chunk[0..<produced])
                switch rc {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    members += 1
                    let left = inCount - consumed
                    // Concatenated gzip members: continue with the next one.
                    if wrapper == .gzip, left >= 2, inBuf[r.lowerBound + consumed] == 0x1f, inBuf[r.lowerBound + consumed + 1] == 0x8b {
                        inflateReset(&stream)
                        continue
                    }
                    return
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw DataFormatError(file: file, offset: base + r.lowerBound + consumed,
                                          expected: "more compressed data", found: "end of file (the stream is truncated)")
                default:
                    let msg = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                    throw DataFormatError(file: file, offset: base + r.lowerBound + consumed,
                                          expected: wrapper == .gzip ? "valid gzip/DEFLATE data" : "valid DEFLATE data",
                                          found: msg)
                }
            }
        }
        if let e = expectedSize, out.count != e {
            throw DataFormatError(file: file, offset: base + r.lowerBound + consumed,
                                  expected: "\(e) decompressed bytes", found: "\(out.count)")
        }
        return out
    }

    static func deflate(_ bytes: [UInt8], wrapper: Wrapper, level: Int = 6) throws -> [UInt8] {
        var stream = z_stream()
        var rc = deflateInit2_(&stream, Int32(max(0, min(9, level))), Z_DEFLATED, wrapper.windowBits, 8,
                               Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw TensorError("deflate", "zlib deflateInit2 failed with code \(rc)") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(bytes.count)))
        var out = [UInt8](repeating: 0, count: bound + 64)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { ib -> Int in
            out.withUnsafeMutableBufferPointer { ob -> Int in
                stream.next_in = ib.baseAddress
                stream.avail_in = UInt32(ib.count)
                stream.next_out = ob.baseAddress
                stream.avail_out = UInt32(ob.count)
                rc = CZlib.deflate(&stream, Z_FINISH)
                return ob.count - Int(stream.avail_out)
            }
        }
        guard rc == Z_STREAM_END else { throw TensorError("deflate", "zlib deflate failed with code \(rc)") }
        out.removeSubrange(produced...)
        return out
    }

    public static func crc32(_ bytes: [UInt8], range: Range<Int>? = nil) -> UInt32 {
        let r = range ?? 0..<bytes.count
        return bytes.withUnsafeBufferPointer { b -> UInt32 in
            var c: uLong = CZlib.crc32(0, nil, 0)
            var p = r.lowerBound
            while p < r.upperBound {
                let n = min(r.upperBound - p, 1 << 30)
                c = CZlib.crc32(c, b.baseAddress! + p, uInt(n))
                p += n
            }
            return UInt32(truncatingIfNeeded: c)
        }
    }
}
