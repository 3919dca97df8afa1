/// Source files, diagnostics and their rendering:
///
///     file:3:7: error: message
///     3 | let x = (1 +
///       |       ^
///
/// Runtime errors append `stack traceback:` with one line per active script function.

public final class SourceFile {
    /// The name shown in diagnostics (the path as the user gave it).
    public let path: String
    let bytes: [UInt8]
    private var lineStarts: [Int] = []

    public init(path: String, text: String) {
        self.path = path
        self.bytes = Array(text.utf8)
        lineStarts = [0]
        for (i, b) in bytes.enumerated() where b == 10 { lineStarts.append(i + 1) }
    }

    /// The text of a 1-based line, without its line break.
    public func line(_ n: Int) -> String? {
        guard n >= 1, n <= lineStarts.count else { return nil }
        let s = lineStarts[n - 1]
        var e = n < lineStarts.count ? lineStarts[n] - 1 : bytes.count
        if e > s, bytes[e - 1] == 13 { e -= 1 }
        return String(decoding: bytes[s..<max(s, e)], as: UTF8.self)
    }
}

/// One frame of a runtime stack trace.
public struct TraceFrame: Sendable, Equatable {
    public var function: String   // "" for the main chunk
    public var file: String
    public var line: Int
    public var column: Int
}

public struct Diagnostic: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case syntax, staticError, runtime, interrupted, warning }
    public var kind: Kind
    public var message: String
    public var file: String
    public var line: Int
    public var column: Int
    /// The source line the error points into, when known.
    public var sourceLine: String?
    /// Active script functions, innermost first (runtime errors only).
    public var trace: [TraceFrame]

    public init(kind: Kind, message: String, file: String, line: Int, column: Int,
                sourceLine: String?, trace: [TraceFrame] = []) {
        self.kind = kind; self.message = message; self.file = file; self.line = line
        self.column = column; self.sourceLine = sourceLine; self.trace = trace
    }

    /// The diagnostic as the user reads it: header, source line with a caret, stack trace.
    public var rendered: String {
        if kind == .interrupted { return "Interrupted." }
        let label = kind == .warning ? "warning" : "error"
        var out = line > 0 ? "\(file):\(line):\(column): \(label): \(message)" : "\(file): \(label): \(message)"
        if let src = sourceLine, line > 0 {
            let num = String(line)
            let gutter = String(repeating: " ", count: num.count)
            var pad = ""
            for (i, ch) in src.unicodeScalars.enumerated() where i < column - 1 { pad.append(ch == "\t" ? "\t" : " ") }
            out += "\n\(num) | \(src)\n\(gutter) | \(pad)^"
        }
        if !trace.isEmpty {
            out += "\nstack traceback:"
            for f in trace {
                let what = f.function.isEmpty ? "in main chunk" : "in function '\(f.function)'"
                out += "\n  \(f.file):\(f.line):\(f.column): \(what)"
            }
        }
        return out
    }
}

/// Error thrown by native functions (and by value helpers) for a problem in the script's use of
/// them. The evaluator adds the location of the call.
public struct ScriptError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A located runtime error with its stack trace (internal: rendered into a `Diagnostic`).
struct RuntimeError: Error {
    var message: String
    var span: Span
    var source: SourceFile
    var trace: [TraceFrame]
    /// The exit status of a script this error ends: 70, or the kind of the Kernel error behind
    /// it (64 an unknown name or malformed spec, 65 a malformed data file, 66 a missing one).
    var exitCode: ExitCode = .runtimeError

    var diagnostic: Diagnostic {
        Diagnostic(kind: .runtime, message: message, file: source.path, line: Int(span.line),
                   column: Int(span.col), sourceLine: source.line(Int(span.line)), trace: trace)
    }
}

/// Thrown when the host's interrupt hook reports a request.
struct InterruptedError: Error {}

/// Static (syntax or resolve) errors of one chunk.
struct StaticErrors: Error {
    var diagnostics: [Diagnostic]
}

func makeDiagnostic(_ kind: Diagnostic.Kind, _ message: String, _ span: Span, _ source: SourceFile) -> Diagnostic {
    Diagnostic(kind: kind, message: message, file: source.path, line: Int(span.line), column: Int(span.col),
               sourceLine: source.line(Int(span.line)))
}
