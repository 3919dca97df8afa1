import Foundation
import Interpreter
import Kernel

/// SIGINT: the first Ctrl-C during an evaluation sets Kernel's cooperative interrupt flag (the
/// evaluator polls it at statements and loop iterations, kernels per batch or tile); a second
/// Ctrl-C before the first is honoured ends the process with 130.
enum Signals {
    nonisolated(unsafe) static var pending: Int32 = 0

    static func installForEvaluation() {
        pending = 0
        signal(SIGINT) { _ in
            Signals.pending += 1
            if Signals.pending >= 2 {
                let msg = "\nInterrupted twice: exiting.\n"
                _ = msg.withCString { write(2, $0, strlen($0)) }
                _exit(130)
            }
            Interrupt.request()
        }
    }
    static func reset() {
        pending = 0
        Interrupt.clear()
    }
}

/// Whether a file descriptor is a terminal.
func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

/// Writes to standard error.
func writeStderr(_ s: String) {
    FileHandle.standardError.write(s.data(using: .utf8)!)
}

/// The host the CLI gives the interpreter: stdout for output, stderr for diagnostics, a progress
/// display (a bar on a terminal, periodic plain lines otherwise), and Kernel's interrupt flag and
/// no-grad scope.
func makeHost(arguments: [String: String] = [:]) -> Interpreter.Host {
    let progress = ProgressDisplay(terminal: isTerminal(2))
    let host = Interpreter.Host(
        write: { s in
            progress.clearLine()
            FileHandle.standardOutput.write(s.data(using: .utf8)!)
        },
        report: { d in
            progress.clearLine()
            writeStderr(d.rendered + "\n")
        },
        progress: { e in progress.show(e) })
    host.isInterruptRequested = { Interrupt.isRequested }
    // long Kernel operations (dataset loading, annotation, benchmarks) report to the same display
    ProgressHook.report = { label, done, total in
        host.progress(ProgressEvent(label: label, completed: done, total: total))
    }
    host.noGrad = { body in try Tensor.noGrad { try body() } }
    host.arguments = arguments
    return host
}

/// A one-line progress display: `label  [#####.....]  42/100  12.3/s  ETA 0:05  message` on a
/// terminal (redrawn in place), or a plain line at most every few seconds otherwise.
final class ProgressDisplay {
    let terminal: Bool
    var start: [String: Double] = [:]
    var lastPlain: Double = 0
    var drawn = false
    init(terminal: Bool) { self.terminal = terminal }

    func clearLine() {
        if drawn { writeStderr("\r\u{1B}[2K"); drawn = false }
    }

    func show(_ e: ProgressEvent) {
        let now = monotonicSeconds()
        let t0 = start[e.label] ?? now
        if e.completed <= 1 || start[e.label] == nil { start[e.label] = now }
        let elapsed = Swift.max(now - t0, 1e-9)
        let rate = Double(e.completed) / elapsed
        var line = e.label
        if let total = e.total, total > 0 {
            let frac = Swift.min(Double(e.completed) / Double(total), 1)
            let width = 24
            let filled = Int(frac * Double(width))
            let eta = rate > 0 ? Double(total - e.completed) / rate : 0
            line += "  [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            line += String(format: "  %d/%d  %.1f/s  ETA %@", e.completed, total, rate, formatDuration(eta) as NSString)
        } else {
            line += String(format: "  %d  %.1f/s", e.completed, rate)
        }
        if !e.message.isEmpty { line += "  " + e.message }
        let done = e.total.map { e.completed >= $0 } ?? false
        if terminal {
            writeStderr("\r\u{1B}[2K" + line)
            drawn = true
            if done { writeStderr("\n"); drawn = false; start[e.label] = nil }
        } else {
            // plain periodic lines: every 5 s while an operation runs, and its end when it ran ≥ 2 s
            if lastPlain == 0 { lastPlain = now }
            if (done && elapsed >= 2) || (!done && now - lastPlain >= 5) {
                writeStderr(line + "\n")
                lastPlain = now
            }
            if done { start[e.label] = nil }
        }
    }
}

func formatDuration(_ s: Double) -> String {
    guard s.isFinite, s >= 0 else { return "?" }
    let t = Int(s.rounded())
    return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
}
