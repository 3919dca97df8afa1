import Foundation
import Kernel

/// Files and the process: `io.write_text/read_text/write_json/read_json/makedirs/exists` (writes
/// are atomic: a crash never leaves a torn results file) and `sys.threads/set_threads/seconds`.

/// A value as JSON (lists, dicts, numbers, strings, bools, nil; tensors as nested lists).
func jsonObject(_ v: Value) throws -> Any {
    switch v {
    case .null: return NSNull()
    case .bool(let b): return b
    case .int(let i): return i
    case .float(let d): return d.isFinite ? d : NSNull()
    case .string(let s): return s
    case .list(let l): return try l.items.map(jsonObject)
    case .range(let r): return (0..<r.count).map { r.element($0) }
    case .dict(let d):
        var o: [String: Any] = [:]
        for (k, val) in zip(d.keys, d.values) {
            switch k {
            case .string(let s): o[s] = try jsonObject(val)
            case .int(let i): o[String(i)] = try jsonObject(val)
            case .bool(let b): o[String(b)] = try jsonObject(val)
            }
        }
        return o
    case .object(let o):
        if let t = o as? TensorObject { return try jsonObject(tensorToValue(t.tensor)) }
        throw ScriptError("cannot write a \(o.typeName) as JSON")
    case .function, .native: throw ScriptError("cannot write a function as JSON")
    }
}

func valueFromJSON(_ a: Any) -> Value {
    switch a {
    case is NSNull: return .null
    case let b as Bool where !(a is Int) || String(describing: type(of: a)).contains("Bool"):
        return .bool(b)
    case let n as NSNumber:
        if String(cString: n.objCType) == "c" { return .bool(n.boolValue) }
        let d = n.doubleValue
        if d == d.rounded(), Swift.abs(d) < 9e15, !"\(n)".contains(".") { return .int(n.intValue) }
        return .float(d)
    case let s as String: return .string(s)
    case let l as [Any]: return .list(ScriptList(l.map(valueFromJSON)))
    case let o as [String: Any]:
        return .dict(ScriptDict(o.keys.sorted().map { ($0, valueFromJSON(o[$0]!)) }))
    default: return .null
    }
}

func registerFileModules(_ r: Registry) {
    let io = r.module("io", doc: "Files: text, JSON, arrays, checkpoints. Every write is atomic (temp file, fsync, rename).")
    io.add("write_text(path: string, text: string)", doc: "Writes a text file atomically.") { a in
        try AtomicFile.write(try a.string(1), to: try a.string(0))
        return .null
    }
    io.add("read_text(path: string)", doc: "Reads a UTF-8 text file.") { a in
        let p = try a.string(0)
        guard let d = FileManager.default.contents(atPath: p), let s = String(data: d, encoding: .utf8) else {
            throw ScriptError("\(p): cannot read the file (missing, unreadable or not UTF-8)")
        }
        return .string(s)
    }
    io.add("write_json(path: string, value, indent: bool = true)", doc: "Writes a value as JSON atomically (keys sorted).") { a in
        var opts: JSONSerialization.WritingOptions = [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
        if try a.bool(2) { opts.insert(.prettyPrinted) }
        let data = try JSONSerialization.data(withJSONObject: try jsonObject(a[1]), options: opts)
        try AtomicFile.write([UInt8](data) + [10], to: try a.string(0))
        return .null
    }
    io.add("read_json(path: string)", doc: "Reads a JSON file into lists, dicts, numbers and strings.") { a in
        let p = try a.string(0)
        guard let d = FileManager.default.contents(atPath: p) else { throw ScriptError("\(p): no such file") }
        do { return valueFromJSON(try JSONSerialization.jsonObject(with: d, options: [.fragmentsAllowed])) } catch {
            throw ScriptError("\(p): malformed JSON (\(error.localizedDescription))")
        }
    }
    io.add("makedirs(path: string)", doc: "Creates a directory and its parents (no error if it exists).") { a in
        let p = try a.string(0)
        do { try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true) } catch {
            throw ScriptError("\(p): cannot create the directory (\(error.localizedDescription))")
        }
        return .null
    }
    io.add("exists(path: string)", doc: "True if the path exists.") { a in .bool(FileManager.default.fileExists(atPath: try a.string(0))) }

    let sys = r.module("sys", doc: "The process: threads and clocks.")
    sys.add("threads()", doc: "Threads the kernels use.") { _ in .int(ThreadPool.shared.threads) }
    sys.add("set_threads(n: int)", doc: "Sets the kernels' thread count (0: COREG_THREADS or the number of cores).") { a in
        let n = try a.int(0)
        guard n >= 0, n <= 256 else { throw a.argumentError(0, "threads must be in 0...256") }
        ThreadPool.setDefaultThreads(n == 0 ? ThreadPool.defaultThreadCount : n)
        return .null
    }
    sys.add("seconds()", doc: "A monotonic clock in seconds.") { _ in .float(monotonicSeconds()) }
    sys.add("run(path: string, args: dict? = nil)",
            doc: "Runs another script in a fresh session with these args (name → value); returns its exit code (0 on success).") { a in
        let path = try a.string(0)
        let parent = a.context.host
        let child = Host(write: parent.write, report: parent.report, progress: parent.progress,
                         isInterruptRequested: parent.isInterruptRequested, maxSteps: parent.maxSteps, maxCallDepth: parent.maxCallDepth)
        child.noGrad = parent.noGrad
        child.readFile = parent.readFile
        child.clock = parent.clock
        var list: [String] = []
        if !a.isNull(1) {
            let d = try a.dict(1)
            for (k, v) in zip(d.keys, d.values) {
                guard case .string(let name) = k.value else { throw a.argumentError(1, "argument names must be strings") }
                list.append("\(name)=\(v.displayString)")
            }
        }
        let code = runScript(path: path, args: list, host: child, registry: coregRegistry())
        if code == .interrupted { throw ScriptError("Interrupted.") }
        return .int(Int(code.rawValue))
    }
    sys.add("progress(label: string, done: int, total: int? = nil, message: string = \"\")",
            doc: "Reports progress to the host: a bar with rate and ETA on a terminal, periodic plain lines otherwise.") { a in
        a.context.host.progress(ProgressEvent(label: try a.string(0), completed: try a.int(1),
                                              total: a.isNull(2) ? nil : try a.int(2), message: try a.string(3)))
        return .null
    }
    sys.add("rss_mib()", doc: "Resident memory of the process in MiB.") { _ in .float(residentMiB()) }
    sys.add("live_frames()", doc: "Function-call frames still alive (those of running calls and those closures keep): a count that grows across calls is a leak.") { _ in .int(Frame.live) }
}
