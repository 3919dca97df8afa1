#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic file replacement: the bytes go to a temporary file in the same directory, which is
/// fsync'ed and renamed over the target; then the directory is fsync'ed so the rename itself is
/// durable. Readers see either the old file or the complete new one, never a torn write.
/// Every writer in `IO/` goes through here.
public enum AtomicFile {
    /// Test hook: when set, a write fails with an I/O error after this many bytes of the
    /// temporary file have been written (as a full disk would), to check that a failed write
    /// leaves the previous file intact. Never set outside tests.
    nonisolated(unsafe) public static var failAfterBytesForTesting: Int? = nil

    public static func write(_ bytes: [UInt8], to path: String) throws {
        let dir = directoryOf(path)
        let tmp = joinPath(dir, ".\(baseName(path)).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIOError(path: path, message: "cannot create temporary file \(tmp): \(errnoString())", writing: true) }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        var written = 0
        let failure: String? = bytes.withUnsafeBytes { buf -> String? in
            while written < buf.count {
                var chunk = buf.count - written
                if let limit = failAfterBytesForTesting {
                    if written >= limit { return "write failed: injected failure after \(limit) bytes (test hook)" }
                    chunk = Swift.min(chunk, limit - written)
                }
                let n = posixWrite(fd, buf.baseAddress! + written, chunk)
                if n < 0 {
                    if errno == EINTR { continue }
                    return "write failed: \(errnoString())"
                }
                written += n
            }
            return nil
        }
        if let f = failure { close(fd); throw FileIOError(path: path, message: f, writing: true) }
        guard fsync(fd) == 0 else {
            let m = errnoString(); close(fd)
            throw FileIOError(path: path, message: "fsync failed: \(m)", writing: true)
        }
        guard close(fd) == 0 else { throw FileIOError(path: path, message: "close failed: \(errnoString())", writing: true) }
        guard rename(tmp, path) == 0 else { throw FileIOError(path: path, message: "rename failed: \(errnoString())", writing: true) }
        ok = true
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)  // best effort: some file systems refuse fsync on directories
            close(dfd)
        }
        removeStaleTemporaries(of: path)
    }

    /// A writer killed between creating its temporary file and the rename (kill -9, a power cut)
    /// leaves `.NAME.tmp-PID-RANDOM` behind. After each successful write of NAME, such files whose
    /// process no longer exists are removed; those of live processes (another writer at work) stay.
    static func removeStaleTemporaries(of path: String) {
        let dir = directoryOf(path)
        let prefix = ".\(baseName(path)).tmp-"
        guard let d = opendir(dir) else { return }
        var stale: [String] = []
        while let e = readdir(d) {
            let name = direntName(e)
            guard name.hasPrefix(prefix) else { continue }
            let rest = name.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]), pid > 0 else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH { stale.append(name) }
        }
        closedir(d)
        for name in stale { unlink(joinPath(dir, name)) }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    static func directoryOf(_ path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<i])
        return d.isEmpty ? "/" : d
    }
}
