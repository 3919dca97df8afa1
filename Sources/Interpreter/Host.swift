import Foundation
import Kernel

/// Progress of a long native operation (training epochs, data loading), for the CLI to draw.
public struct ProgressEvent: Sendable {
    public var label: String
    public var completed: Int
    public var total: Int?
    public var message: String
    public init(label: String, completed: Int, total: Int?, message: String = "") {
        self.label = label; self.completed = completed; self.total = total; self.message = message
    }
}

/// Everything the interpreter needs from its surroundings. The interpreter never prints: it
/// writes program output, diagnostics and progress to these sinks.
public final class Host {
    /// Program output (`print`), already including line breaks.
    public var write: (String) -> Void
    /// Errors (syntax, static, runtime, interrupted); `Diagnostic.rendered` is the text to show.
    public var report: (Diagnostic) -> Void
    /// Progress of long native operations.
    public var progress: (ProgressEvent) -> Void
    /// Polled at every statement and loop iteration; plug the Kernel's interrupt flag in here.
    public var isInterruptRequested: () -> Bool
    /// Runs a `nograd { … }` block. The Kernel binds this to its no-grad scope.
    public var noGrad: (() throws -> Void) throws -> Void
    /// Reads a source file (scripts and imports). Replace it to sandbox or to serve from memory.
    public var readFile: (String) throws -> String
    /// Seconds on a monotonic clock (for `time()` and `:time`).
    public var clock: () -> Double
    /// At most this many statements and loop iterations per run (for tests and fuzzing).
    public var maxSteps: Int
    /// At most this many nested function calls; deeper recursion is a runtime error.
    public var maxCallDepth: Int
    /// `name=value` pairs from the command line, reached by `args.name` and `arg name = default`.
    public var arguments: [String: String]
    /// Rich values to show (figures made by `plot`): the notebook renderer collects them per cell.
    public var display: (any ScriptObject) -> Void = { _ in }

    public init(write: @escaping (String) -> Void = { _ in },
                report: @escaping (Diagnostic) -> Void = { _ in },
                progress: @escaping (ProgressEvent) -> Void = { _ in },
                isInterruptRequested: @escaping () -> Bool = { false },
                maxSteps: Int = Int.max, maxCallDepth: Int = 1000,
                arguments: [String: String] = [:]) {
        self.write = write; self.report = report; self.progress = progress
        self.isInterruptRequested = isInterruptRequested
        self.noGrad = { body in try body() }
        self.readFile = { path in
            guard let data = FileManager.default.contents(atPath: path),
                  let text = String(data: data, encoding: .utf8) else {
                throw ScriptError("cannot read file '\(path)'")
            }
            return text
        }
        let start = Date()
        self.clock = { Date().timeIntervalSince(start) }
        self.maxSteps = maxSteps; self.maxCallDepth = maxCallDepth; self.arguments = arguments
    }

    /// Every argument the script has read (`arg name = default`, `args.get`), in first-read order,
    /// with the value it got: what `args.used()` gives results files, so that each records every
    /// setting that changes its numbers.
    public private(set) var argumentsUsed: [(String, Value)] = []

    func noteArgument(_ name: String, _ v: Value) {
        if let i = argumentsUsed.firstIndex(where: { $0.0 == name }) { argumentsUsed[i].1 = v } else { argumentsUsed.append((name, v)) }
    }

    /// The value of `arg name = default`: the command-line string converted like the default.
    func argumentValue(_ name: String, default def: Value) throws -> Value {
        let v = try arguments[name].map { try Host.convertArgument($0, like: def, name: name) } ?? def
        noteArgument(name, v)
        return v
    }

    /// Converts a command-line string: ints, floats, true/false, nil, else a string. A
    /// default's type wins where it makes sense (`lr=1` with default 0.1 gives 1.0).
    public static func convertArgument(_ raw: String, like def: Value?, name: String) throws -> Value {
        let guess: Value
        if let i = Int(raw) { guess = .int(i) }
        else if let d = Double(raw), raw.lowercased() != "nan", !raw.lowercased().contains("inf") { guess = .float(d) }
        else if raw == "true" { guess = .bool(true) }
        else if raw == "false" { guess = .bool(false) }
        else if raw == "nil" { guess = .null }
        else { guess = .string(raw) }
        switch (def, guess) {
        case (.string?, _): return .string(raw)
        case (.float?, .int(let i)): return .float(Double(i))
        case (.int?, .float), (.int?, .string), (.int?, .bool):
            throw ScriptError("argument '\(name)' expects an int, got '\(raw)'")
        case (.float?, .string), (.float?, .bool):
            throw ScriptError("argument '\(name)' expects a number, got '\(raw)'")
        case (.bool?, .int), (.bool?, .float), (.bool?, .string):
            throw ScriptError("argument '\(name)' expects true or false, got '\(raw)'")
        default: return guess
        }
    }

    /// Globals every script gets besides the registry: `args`.
    func defineScriptGlobals(_ g: Globals) {
        g.declare("args", mutable: false, value: .object(ScriptArgs(host: self)))
    }
}

/// `args`: the command-line `name=value` pairs. `args.lr` needs the argument to be given;
/// `args.get("lr", 0.1)` falls back to a default.
final class ScriptArgs: ScriptObject {
    unowned let host: Host
    init(host: Host) { self.host = host }
    var typeName: String { "args" }
    var memberNames: [String] { ["get", "has", "names", "used"] + host.arguments.keys.sorted() }
    var scriptDescription: String {
        "args(" + host.arguments.keys.sorted().map { "\($0)=\(host.arguments[$0]!)" }.joined(separator: ", ") + ")"
    }
    func member(_ name: String) throws -> Value? {
        switch name {
        case "get":
            return .native(NativeFunction("args.get(name: string, default = nil)",
                                          doc: "The command-line argument `name`, converted like `default`, or `default` when not given.") { a in
                let n = try a.string(0)
                let v = try self.host.arguments[n].map { try Host.convertArgument($0, like: a[1].isNull ? nil : a[1], name: n) } ?? a[1]
                self.host.noteArgument(n, v)
                return v
            })
        case "used":
            return .native(NativeFunction("args.used()", doc: "Every argument the script has read so far (`arg` and `args.get`) with its value, defaults included, as a dict in reading order: what results files record.") { _ in
                .dict(ScriptDict(self.host.argumentsUsed))
            })
        case "has":
            return .native(NativeFunction("args.has(name: string)", doc: "Whether `name=value` was given on the command line.") { a in
                .bool(self.host.arguments[try a.string(0)] != nil)
            })
        case "names":
            return .list(ScriptList(host.arguments.keys.sorted().map { .string($0) }))
        default:
            guard let raw = host.arguments[name] else {
                throw ScriptError("no command-line argument '\(name)' (give \(name)=value, or use args.get(\"\(name)\", default))")
            }
            return try Host.convertArgument(raw, like: nil, name: name)
        }
    }
}

/// Exit codes of `coreg run` / `coreg check` (sysexits-style).
public enum ExitCode: Int32, Sendable {
    case success = 0
    case usage = 64
    case staticError = 65
    case noInput = 66
    case runtimeError = 70
    /// A file could not be written (disk full, no permission): sysexits' EX_IOERR.
    case ioError = 74
    case interrupted = 130

    /// The status a Kernel error ends a script or a CLI command with, one mapping for both:
    /// 64 an unknown name or malformed spec, 65 a malformed data file, 66 a missing one, 74 a failed
    /// write, 70 else.
    public init(kernelError error: Error) {
        switch error {
        case is UnknownNameError, is SpecError: self = .usage
        case is DataFormatError: self = .staticError
        case let e as FileIOError where e.writing: self = .ioError
        case is DatasetMissingError, is FileIOError: self = .noInput
        default: self = .runtimeError
        }
    }
}

/// Runs work on a thread with a large stack (512 MiB), so deep but legal recursion in scripts
/// never overflows the native stack before the call-depth cap is reached.
public enum BigStack {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()
    static let size = 512 << 20

    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a big-stack thread and waits for it (inline if already on one).
    public static func run<T>(_ body: () -> T) -> T {
        if pthread_getspecific(key) != nil { return body() }
        return withoutActuallyEscaping(body) { escapable -> T in
            var result: T? = nil
            let job = Job { result = escapable() }
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            pthread_attr_setstacksize(&attr, size)
            #if os(Linux)
            var tid = pthread_t()
            #else
            var tid: pthread_t? = nil
            #endif
            let arg = Unmanaged.passRetained(job).toOpaque()
            let rc = pthread_create(&tid, &attr, { raw in
                #if os(Linux)
                let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                #else
                let job = Unmanaged<Job>.fromOpaque(raw).takeRetainedValue()
                #endif
                pthread_setspecific(BigStack.key, UnsafeRawPointer(bitPattern: 1))
                job.body()
                return nil
            }, arg)
            pthread_attr_destroy(&attr)
            if rc != 0 {
                Unmanaged<Job>.fromOpaque(arg).release()
                return escapable()   // could not make a thread: run here
            }
            #if os(Linux)
            pthread_join(tid, nil)
            #else
            pthread_join(tid!, nil)
            #endif
            return result!
        }
    }
}

/// Runs a script file. `args` are the command line's `name=value` strings.
public func runScript(path: String, args: [String] = [], host: Host, registry: Registry = .standard()) -> ExitCode {
    guard applyArguments(args, to: host, file: path) else { return .usage }
    let text: String
    do { text = try host.readFile(path) } catch {
        host.report(Diagnostic(kind: .staticError, message: "cannot read file", file: path, line: 0, column: 0, sourceLine: nil))
        return .noInput
    }
    let session = Session(host: host, registry: registry)
    return session.runFile(SourceFile(path: path, text: text))
}

/// Parses and resolves a script without running it: 0, 65 (with diagnostics) or 66.
public func checkScript(path: String, host: Host, registry: Registry = .standard()) -> ExitCode {
    let text: String
    do { text = try host.readFile(path) } catch {
        host.report(Diagnostic(kind: .staticError, message: "cannot read file", file: path, line: 0, column: 0, sourceLine: nil))
        return .noInput
    }
    let session = Session(host: host, registry: registry)
    let diags = session.staticCheck(SourceFile(path: path, text: text))
    for d in diags { host.report(d) }
    return diags.isEmpty ? .success : .staticError
}

/// Runs script text that has no file of its own (standard input); `name` labels diagnostics.
public func runSource(_ text: String, name: String = "<stdin>", args: [String] = [], host: Host,
                      registry: Registry = .standard()) -> ExitCode {
    guard applyArguments(args, to: host, file: name) else { return .usage }
    let session = Session(host: host, registry: registry)
    return session.runFile(SourceFile(path: name, text: text))
}

/// Stores command-line `name=value` strings as the script's `args`; reports a malformed one.
func applyArguments(_ args: [String], to host: Host, file: String) -> Bool {
    for a in args {
        guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
            host.report(Diagnostic(kind: .staticError, message: "expected name=value, got '\(a)'", file: file, line: 0, column: 0, sourceLine: nil))
            return false
        }
        host.arguments[String(a[..<eq])] = String(a[a.index(after: eq)...])
    }
    return true
}
