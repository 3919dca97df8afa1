/// `.npz` archives: a zip file of `.npy` members, stored or deflated, as `numpy.savez` and
/// `numpy.savez_compressed` write them. Members are located through the central directory (the
/// local headers numpy writes may carry zip64 placeholder sizes); zip64 archives, encryption and
/// other compression methods are refused with a clear error.
public struct NPZContents: Sendable {
    /// Member names without the `.npy` suffix, in archive order.
    public let names: [String]
    public let arrays: [String: NPYArray]

    public subscript(_ name: String) -> NPYArray? { arrays[name] }

    /// A member as a tensor; throws a `DataFormatError` naming the archive when it is absent.
    public func tensor(_ name: String, file: String = "npz") throws -> Tensor {
        guard let a = arrays[name] else {
            throw DataFormatError(file: file, offset: nil, expected: "a member named '\(name)'",
                                  found: names.isEmpty ? "no members" : "members \(names.joined(separator: ", "))")
        }
        return try a.tensor(name: "\(file)[\(name)]")
    }
}

public enum NPZ {
    public static func read(_ path: String) throws -> NPZContents {
        try parse(try FileBytes.read(path), file: path)
    }

    /// All members as tensors (string arrays are skipped).
    public static func readTensors(_ path: String) throws -> [String: Tensor] {
        let c = try read(path)
        var out: [String: Tensor] = [:]
        for n in c.names where c.arrays[n]!.strings == nil { out[n] = try c.tensor(n, file: path) }
        return out
    }

    struct Entry {
        var name: String
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressed: Int
        var uncompressed: Int
        var localOffset: Int
        var at: Int
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> NPZContents {
        let entries = try centralDirectory(bytes, file: file)
        var names: [String] = []
        var arrays: [String: NPYArray] = [:]
        for e in entries {
            if e.name.hasSuffix("/") { continue }  // directory entries
            var r = ByteReader(bytes, file: file, pos: e.localOffset)
            let sig = try r.u32le("a local file header")
            guard sig == 0x0403_4b50 else {
                throw r.error("local file header signature 0x04034b50 for member '\(e.name)'", hex32(sig), at: e.localOffset)
            }
            try r.skip(22, "the local file header of '\(e.name)'")
            let nameLen = Int(try r.u16le("the local name length"))
            let extraLen = Int(try r.u16le("the local extra length"))
            try r.skip(nameLen + extraLen, "the local name and extra field of '\(e.name)'")
            let dataStart = r.pos
            guard e.compressed <= r.remaining else {
                throw r.error("\(e.compressed) bytes of data for member '\(e.name)'",
                              "only \(r.remaining) bytes before the end of file (the data ends early)")
            }
            let member = "\(file)[\(e.name)]"
            let content: [UInt8]
            switch e.method {
            case 0:
                guard e.compressed == e.uncompressed else {
                    throw DataFormatError(file: file, offset: e.at, expected: "equal sizes for stored member '\(e.name)'",
                                          found: "compressed \(e.compressed), uncompressed \(e.uncompressed)")
                }
                content = Array(bytes[dataStart..<(dataStart + e.compressed)])
            case 8:
                content = try Gzip.inflate(bytes, range: dataStart..<(dataStart + e.compressed), wrapper: .raw,
                                           expectedSize: e.uncompressed, file: file)
            default:
                throw DataFormatError(file: file, offset: e.at + 10, expected: "compression method 0 (stored) or 8 (deflated) for '\(e.name)'",
                                      found: "method \(e.method)")
            }
            let crc = Gzip.crc32(content)
            guard crc == e.crc else {
                throw DataFormatError(file: file, offset: dataStart, expected: "CRC-32 \(hex32(e.crc)) for member '\(e.name)'",
                                      found: "\(hex32(crc)) (the member is corrupt)")
            }
            var name = e.name
            if name.hasSuffix(".npy") { name.removeLast(4) }
            guard arrays[name] == nil else {
                throw DataFormatError(file: file, offset: e.at, expected: "unique member names", found: "'\(e.name)' twice")
            }
            arrays[name] = try NPY.parse(content, file: member)
            names.append(name)
        }
        return NPZContents(names: names, arrays: arrays)
    }

    static func centralDirectory(_ bytes: [UInt8], file: String) throws -> [Entry] {
        guard bytes.count >= 22 else {
            if bytes.count >= 4, ByteReader.le32(bytes, 0) != 0x0403_4b50 {
                throw DataFormatError(file: file, offset: 0, expected: "zip magic 50 4b 03 04", found: hexBytes(bytes[0..<4]))
            }
            throw DataFormatError(file: file, offset: bytes.count, expected: "a zip end-of-central-directory record (22 bytes)",
                                  found: "end of file after \(bytes.count) bytes")
        }
        // The end-of-central-directory record is in the last 22 + 65535 bytes.
        var eocd = -1
        var i = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while i >= lowest {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4b, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else {
            if ByteReader.le32(bytes, 0) != 0x0403_4b50 {
                throw DataFormatError(file: file, offset: 0, expected: "zip magic 50 4b 03 04", found: hexBytes(bytes[0..<4]))
            }
            throw DataFormatError(file: file, offset: bytes.count, expected: "a zip end-of-central-directory record",
                                  found: "none (the archive is truncated)")
        }
        var r = ByteReader(bytes, file: file, pos: eocd + 4)
        let disk = try r.u16le("the disk number")
        let cdDisk = try r.u16le("the central directory disk")
        _ = try r.u16le("the entry count on this disk")
        let total = try r.u16le("the entry count")
        let cdSize = try r.u32le("the central directory size")
        let cdOffset = try r.u32le("the central directory offset")
        if total == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            throw r.error("a zip archive without zip64 extensions", "zip64 markers (zip64 archives are not supported)", at: eocd)
        }
        guard disk == 0, cdDisk == 0 else { throw r.error("a single-disk zip archive", "disk \(disk)", at: eocd + 4) }
        guard Int(cdOffset) + Int(cdSize) <= eocd else {
            throw r.error("a central directory inside the file (offset + size ≤ \(eocd))",
                          "offset \(cdOffset) + size \(cdSize)", at: eocd + 16)
        }
        var c = ByteReader(bytes, file: file, pos: Int(cdOffset))
        var entries: [Entry] = []
        for _ in 0..<Int(total) {
            let at = c.pos
            let sig = try c.u32le("a central directory entry")
            guard sig == 0x0201_4b50 else { throw c.error("central directory signature 0x02014b50", hex32(sig), at: at) }
            try c.skip(4, "the version fields")
            let flags = try c.u16le("the flags")
            let method = try c.u16le("the compression method")
            try c.skip(4, "the modification time")
            let crc = try c.u32le("the CRC-32")
            let csize = try c.u32le("the compressed size")
            let usize = try c.u32le("the uncompressed size")
            let nlen = Int(try c.u16le("the name length"))
            let elen = Int(try c.u16le("the extra length"))
            let clen = Int(try c.u16le("the comment length"))
            try c.skip(8, "the disk and attribute fields")
            let local = try c.u32le("the local header offset")
            let name = String(decoding: try c.take(nlen, "the member name"), as: UTF8.self)
            try c.skip(elen + clen, "the extra field and comment")
            if csize == 0xFFFF_FFFF || usize == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                throw DataFormatError(file: file, offset: at + 20, expected: "32-bit member sizes for '\(name)'",
                                      found: "zip64 markers (zip64 archives are not supported)")
            }
            if flags & 1 != 0 {
                throw DataFormatError(file: file, offset: at + 8, expected: "an unencrypted member '\(name)'", found: "encryption flag")
            }
            guard Int(local) < Int(cdOffset) else {
                throw DataFormatError(file: file, offset: at + 42, expected: "a local header before the central directory for '\(name)'",
                                      found: "offset \(local)")
            }
            entries.append(Entry(name: name, method: method, flags: flags, crc: crc, compressed: Int(csize),
                                 uncompressed: Int(usize), localOffset: Int(local), at: at))
        }
        return entries
    }

    /// The bytes of an `.npz` archive holding `arrays` in order (members named `name.npy`).
    public static func encode(_ arrays: [(String, NPYArray)], compressed: Bool = true) throws -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, a) in arrays {
            let payload = NPY.encode(a)
            let crc = Gzip.crc32(payload)
            let stored = compressed ? try Gzip.deflate(payload, wrapper: .raw, level: 6) : payload
            let fname = Array((name.hasSuffix(".npy") ? name : name + ".npy").utf8)
            guard out.count < 0xFFFF_FFFF, stored.count < 0xFFFF_FFFF, payload.count < 0xFFFF_FFFF, fname.count < 0xFFFF else {
                throw TensorError("npz", "member '\(name)' or the archive is too large for a zip without zip64")
            }
            let method: UInt16 = compressed ? 8 : 0
            let offset = UInt32(out.count)
            // Local header.
            out.appendLE32(0x0403_4b50)
            out.appendLE16(20); out.appendLE16(0); out.appendLE16(method)
            out.appendLE16(0); out.appendLE16(0x21)  // time 00:00, date 1980-01-01
            out.appendLE32(crc); out.appendLE32(UInt32(stored.count)); out.appendLE32(UInt32(payload.count))
            out.appendLE16(UInt16(fname.count)); out.appendLE16(0)
            out.append(contentsOf: fname)
            out.append(contentsOf: stored)
            // Central directory entry.
            central.appendLE32(0x0201_4b50)
            central.appendLE16(20); central.appendLE16(20); central.appendLE16(0); central.appendLE16(method)
            central.appendLE16(0); central.appendLE16(0x21)
            central.appendLE32(crc); central.appendLE32(UInt32(stored.count)); central.appendLE32(UInt32(payload.count))
            central.appendLE16(UInt16(fname.count)); central.appendLE16(0); central.appendLE16(0)
            central.appendLE16(0); central.appendLE16(0); central.appendLE32(0)
            central.appendLE32(offset)
            central.append(contentsOf: fname)
        }
        guard arrays.count < 0xFFFF, out.count < 0xFFFF_FFFF else { throw TensorError("npz", "too many members for a zip without zip64") }
        let cdOffset = UInt32(out.count)
        out.append(contentsOf: central)
        out.appendLE32(0x0605_4b50)
        out.appendLE16(0); out.appendLE16(0)
        out.appendLE16(UInt16(arrays.count)); out.appendLE16(UInt16(arrays.count))
        out.appendLE32(UInt32(central.count)); out.appendLE32(cdOffset)
        out.appendLE16(0)
        return out
    }

    public static func write(_ arrays: [(String, NPYArray)], to path: String, compressed: Bool = true) throws {
        try AtomicFile.write(try encode(arrays, compressed: compressed), to: path)
    }

    public static func write(_ tensors: [(String, Tensor)], to path: String, compressed: Bool = true) throws {
        try write(tensors.map { ($0.0, NPYArray($0.1)) }, to: path, compressed: compressed)
    }
}
