import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built `coreg` binary: next to the test bundle (`.build/<config>/coreg`), or $COREG_BINARY.
enum Coreg {
    static let binary: String? = {
        if let p = ProcessInfo.processInfo.environment["COREG_BINARY"], FileManager.default.isExecutableFile(atPath: p) { return p }
        var dirs: [URL] = []
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") {
            dirs.append(b.bundleURL.deletingLastPathComponent())
        }
        dirs.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for d in dirs {
            let p = d.appendingPathComponent("coreg").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    static func require() throws -> String {
        guard let b = binary else {
            // scripts/test.sh builds the binary and sets COREG_REQUIRE_BINARY=1: there a missing
            // binary fails the suite instead of skipping every CLI test.
            if ProcessInfo.processInfo.environment["COREG_REQUIRE_BINARY"] == "1" {
                throw PTYError(description: "the coreg binary was not found next to the test bundle (COREG_REQUIRE_BINARY=1)")
            }
            throw XCTSkip("the coreg binary was not found next to the test bundle; build it first (swift build --build-tests -c release)")
        }
        return b
    }

    /// The package root (for scripts/ and docs/).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs coreg with arguments; returns (exit status, stdout, stderr).
    @discardableResult
    static func run(_ args: [String], cwd: URL? = nil, stdin: String? = nil) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try require())
        p.arguments = args
        p.currentDirectoryURL = cwd ?? root
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out; p.standardError = err; p.standardInput = inp
        try p.run()
        if let s = stdin { inp.fileHandleForWriting.write(s.data(using: .utf8)!) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("coreg-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}

struct PTYError: Error, CustomStringConvertible {
    let description: String
}

/// `coreg` running under a pseudo-terminal: it is the session leader with the pty as its
/// controlling terminal, so writing Ctrl-C (0x03) to the master raises SIGINT in it as a real
/// keyboard would.
final class PTYSession {
    let master: Int32
    let pid: pid_t
    private var raw: [UInt8] = []
    private var mark = 0          // offset in `screenText` after the last expected match
    private(set) var exitStatus: Int32?

    init(arguments: [String] = [], environment extra: [String: String] = [:], cwd: String? = nil) throws {
        let binary = try Coreg.require()
        let m = PTYSession.posixOpenpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard m >= 0, PTYSession.grantpt(m) == 0, PTYSession.unlockpt(m) == 0, let name = PTYSession.ptsname(m) else {
            throw PTYError(description: "cannot open a pseudo-terminal")
        }
        let slave = String(cString: name)
        master = m
        // 100 columns, 30 rows.
        var ws = winsize(ws_row: 30, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0)
        let s = open(slave, O_RDWR | O_NOCTTY)
        if s >= 0 { _ = ioctl(s, UInt(TIOCSWINSZ), &ws); close(s) }

        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        env["NO_COLOR"] = "1"
        env["COREG_HISTORY"] = ""
        env.removeValue(forKey: "COLUMNS"); env.removeValue(forKey: "LINES")
        for (k, v) in extra { env[k] = v }
        if let c = cwd { env["PWD"] = c }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0)   // after setsid: becomes the controlling tty
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        if let c = cwd { _ = c }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults); sigaddset(&defaults, SIGINT); sigaddset(&defaults, SIGPIPE)
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        let POSIX_SPAWN_SETSID_FLAG: Int32 = 0x80   // glibc ≥ 2.26
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSID_FLAG | Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)))

        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var child: pid_t = 0
        let oldCwd = FileManager.default.currentDirectoryPath
        if let c = cwd { FileManager.default.changeCurrentDirectoryPath(c) }
        let rc = posix_spawn(&child, binary, &actions, &attr, argv, envp)
        FileManager.default.changeCurrentDirectoryPath(oldCwd)
        guard rc == 0 else { close(m); throw PTYError(description: "posix_spawn failed: \(rc)") }
        pid = child
    }

    // The pty functions are not in Swift's Glibc module map (they need _XOPEN_SOURCE): look them up.
    private static func symbol<T>(_ name: String, _ type: T.Type) -> T {
        guard let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { fatalError("\(name) is missing from libc") }
        return unsafeBitCast(p, to: type)
    }
    static let posixOpenpt = symbol("posix_openpt", (@convention(c) (Int32) -> Int32).self)
    static let grantpt = symbol("grantpt", (@convention(c) (Int32) -> Int32).self)
    static let unlockpt = symbol("unlockpt", (@convention(c) (Int32) -> Int32).self)
    static let ptsname = symbol("ptsname", (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)

    deinit {
        if exitStatus == nil { kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0) }
        close(master)
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            off += n
        }
    }

    /// Reads what is available within `timeout` seconds; false at end of output.
    @discardableResult
    func pump(_ timeout: Double) -> Bool {
        var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let r = poll(&pfd, 1, Int32(timeout * 1000))
        if r <= 0 { return true }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = read(master, &buf, buf.count)
        if n <= 0 { return false }
        raw += buf[0..<n]
        return true
    }

    /// Everything shown so far, as the terminal received it.
    var rawText: String { String(decoding: raw, as: UTF8.self) }

    /// Everything shown so far, escape sequences and carriage returns removed.
    var screenText: String { PTYSession.clean(raw) }

    /// Waits until `text` appears after the previous match; returns the text up to and including it.
    /// The bound is generous so that a loaded 2-core machine does not fail a correct REPL; a passing
    /// wait returns as soon as the text appears.
    @discardableResult
    func expect(_ text: String, timeout: Double = 60, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var open = true
        while true {
            let screen = screenText
            let start = screen.index(screen.startIndex, offsetBy: min(mark, screen.count))
            if let r = screen.range(of: text, range: start..<screen.endIndex) {
                let chunk = String(screen[start..<r.upperBound])
                mark = screen.distance(from: screen.startIndex, to: r.upperBound)
                return chunk
            }
            if Date() > deadline || !open {
                let tail = String(screen[start...].suffix(1500))
                XCTFail("timed out waiting for \(text.debugDescription); screen after the last match:\n\(tail)", file: file, line: line)
                throw PTYError(description: "expected \(text.debugDescription)")
            }
            open = pump(0.1)
        }
    }

    /// Waits for the process to end; its exit status, or nil on timeout.
    func waitForExit(timeout: Double = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var st: Int32 = 0
            let r = waitpid(pid, &st, WNOHANG)
            if r == pid {
                // WIFEXITED / WEXITSTATUS by hand (macros are not imported).
                exitStatus = (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f)
                while pump(0.05) && hasMore() {}
                return exitStatus
            }
            pump(0.05)
        }
        return nil
    }
    private func hasMore() -> Bool {
        var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0 && (pfd.revents & Int16(POLLIN)) != 0
    }

    /// Removes CSI / OSC / two-byte escape sequences, carriage returns and bells.
    static func clean(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x1B, i + 1 < bytes.count {
                let n = bytes[i + 1]
                if n == UInt8(ascii: "[") {
                    var j = i + 2
                    while j < bytes.count, !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                    i = j + 1; continue
                }
                if n == UInt8(ascii: "]") {
                    var j = i + 2
                    while j < bytes.count, bytes[j] != 0x07 { if bytes[j] == 0x1B { j += 1; break }; j += 1 }
                    i = j + 1; continue
                }
                i += 2; continue
            }
            if b == 0x0D || b == 0x07 || b == 0x08 { i += 1; continue }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
