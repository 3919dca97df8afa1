#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A malformed or unreadable data file. Every reader in `IO/` throws this (never traps): it names
/// the file, the byte offset where the problem was seen (in the decompressed stream for `.gz`
/// files and relative to the member for archive members), what was expected and what was found:
///
///     train-images-idx3-ubyte.gz: byte 0: expected IDX magic 0x00000803, found 0x12345678
public struct DataFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as the caller named it (archive members read `archive.npz[name.npy]`).
    public let file: String
    /// Byte offset of the offending field, or nil when the problem is the file as a whole.
    public let offset: Int?
    public let expected: String
    public let found: String

    public init(file: String, offset: Int?, expected: String, found: String) {
        self.file = file
        self.offset = offset
        self.expected = expected
        self.found = found
    }

    public var description: String {
        if let o = offset { return "\(file): byte \(o): expected \(expected), found \(found)" }
        return "\(file): expected \(expected), found \(found)"
    }
}

/// A file-system failure while reading or writing (missing file, permission, disk full).
public struct FileIOError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String
    /// A failed write (disk full, no permission): the CLI exits 74 (EX_IOERR) for it, and 66 for a
    /// failed read.
    public let writing: Bool
    public init(path: String, message: String, writing: Bool = false) {
        self.path = path
        self.message = message
        self.writing = writing
    }
    public var description: String { "\(path): \(message)" }
}

/// Largest decoded payload any reader will allocate (8 GiB): a header that declares more is
/// refused before allocation.
let maxDecodedBytes = 1 << 33

func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}

func hexBytes(_ b: ArraySlice<UInt8>) -> String {
    b.map { let s = String($0, radix: 16); return s.count == 1 ? "0" + s : s }.joined(separator: " ")
}

func errnoString() -> String { String(cString: strerror(errno)) }

/// Whole-file reads with file-system errors as `FileIOError`.
public enum FileBytes {
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileIOError(path: path, message: "cannot open: \(errnoString())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileIOError(path: path, message: "cannot stat: \(errnoString())") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw FileIOError(path: path, message: "is a directory, expected a file") }
        var out: [UInt8] = []
        let hint = Int(st.st_size)
        out.reserveCapacity(max(0, min(hint, maxDecodedBytes)))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileIOError(path: path, message: "read failed: \(errnoString())")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Entries of a directory (no "." or ".."), sorted by name.
    static func list(_ path: String) throws -> [String] {
        guard let d = opendir(path) else { throw FileIOError(path: path, message: "cannot list directory: \(errnoString())") }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = direntName(e)
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// A directory entry's name, read in place. A dirent is only as long as its name (d_reclen):
/// copying the declared 256-byte d_name field out of it reads past the end of the last record in
/// readdir's buffer (AddressSanitizer reported the heap-buffer-overflow under scripts/fuzz.sh).
func direntName(_ e: UnsafeMutablePointer<dirent>) -> String {
    String(cString: (UnsafeRawPointer(e) + MemoryLayout<dirent>.offset(of: \dirent.d_name)!).assumingMemoryBound(to: CChar.self))
}

/// The C library's read(2)/write(2), named apart from the `read`/`write` methods of IO types.
func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }
func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int { write(fd, p, n) }

func joinPath(_ a: String, _ b: String) -> String {
    if a.isEmpty { return b }
    return a.hasSuffix("/") ? a + b : a + "/" + b
}

func baseName(_ p: String) -> String {
    let parts = p.split(separator: "/", omittingEmptySubsequences: true)
    return parts.last.map(String.init) ?? p
}

/// A bounds-checked cursor over a byte buffer. Every read checks the remaining length first and
/// throws a `DataFormatError` naming `what` was being read when the data ends early.
struct ByteReader {
    let bytes: [UInt8]
    let file: String
    /// Added to positions in messages (for payloads that start inside a larger file).
    let base: Int
    var pos: Int

    init(_ bytes: [UInt8], file: String, base: Int = 0, pos: Int = 0) {
        self.bytes = bytes
        self.file = file
        self.base = base
        self.pos = pos
    }

    var remaining: Int { bytes.count - pos }
    var atEnd: Bool { pos >= bytes.count }

    func error(_ expected: String, _ found: String, at: Int? = nil) -> DataFormatError {
        DataFormatError(file: file, offset: base + (at ?? pos), expected: expected, found: found)
    }

    func need(_ n: Int, _ what: String) throws {
        guard n >= 0, n <= remaining else {
            throw error("\(n) bytes of \(what)", remaining <= 0 ? "end of file" : "only \(remaining) bytes before the end of file")
        }
    }

    mutating func u8(_ what: String) throws -> UInt8 {
        try need(1, what)
        defer { pos += 1 }
        return bytes[pos]
    }

    mutating func u16le(_ what: String) throws -> UInt16 {
        try need(2, what)
        defer { pos += 2 }
        return UInt16(bytes[pos]) | UInt16(bytes[pos + 1]) << 8
    }

    mutating func u32le(_ what: String) throws -> UInt32 {
        try need(4, what)
        defer { pos += 4 }
        return ByteReader.le32(bytes, pos)
    }

    mutating func u32be(_ what: String) throws -> UInt32 {
        try need(4, what)
        defer { pos += 4 }
        return UInt32(bytes[pos]) << 24 | UInt32(bytes[pos + 1]) << 16 | UInt32(bytes[pos + 2]) << 8 | UInt32(bytes[pos + 3])
    }

    mutating func take(_ n: Int, _ what: String) throws -> ArraySlice<UInt8> {
        try need(n, what)
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }

    mutating func skip(_ n: Int, _ what: String) throws {
        try need(n, what)
        pos += n
    }

    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}

/// Multiplies sizes, returning nil on a negative size, or when the product with every size
/// counted as at least 1 overflows or exceeds `limit`. Counting zeros as 1 bounds the strides
/// of an empty shape too: [0, 2^40] is refused here, where a plain product (0) let it through to
/// overflow the tensor's strides later (the idx fuzz target found the trap).
func checkedProduct(_ xs: [Int], limit: Int = maxDecodedBytes) -> Int? {
    var n = 1, empty = false
    for x in xs {
        guard x >= 0 else { return nil }
        if x == 0 { empty = true }
        let (p, o) = n.multipliedReportingOverflow(by: Swift.max(x, 1))
        guard !o, p <= limit else { return nil }
        n = p
    }
    return empty ? 0 : n
}

extension Array where Element == UInt8 {
    mutating func appendLE32(_ v: UInt32) { for i in 0..<4 { append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func appendLE16(_ v: UInt16) { append(UInt8(v & 0xff)); append(UInt8(v >> 8)) }
    mutating func appendBE32(_ v: UInt32) { for i in (0..<4).reversed() { append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
}
