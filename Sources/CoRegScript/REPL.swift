import Foundation
import Interpreter
import Kernel

/// The interactive REPL (used when stdin is a terminal). How an entry is read:
///
/// 1. libedit reads one line with the prompt `coreg> `. While `session.status(of:)` says the
///    text so far is `.incomplete` (the parser stopped at the end of input), further lines are
///    read with the continuation prompt `   ... ` and appended.
/// 2. A complete entry is stored as *one* history item (newlines included) and the history file
///    is saved, so a multi-line function comes back whole with ↑ in a later session.
/// 3. `:command` lines and `?name` are handled here; everything else is evaluated in the one
///    `Session`. A bare expression's value is printed (and bound to `_` by the session).
/// 4. SIGINT goes to Kernel's interrupt flag only while evaluating; at the prompt Ctrl-C clears
///    the entry, and Ctrl-D on an empty line exits.
func runREPL() -> Int32 {
    let repl = REPL()
    return repl.run()
}

final class REPL {
    let host: Interpreter.Host
    let session: Session
    let color: Bool
    let trueColor: Bool
    var editor: LineEditor?

    static let commands: [(String, String)] = [
        (":help [name]", "this list, or the documentation of name (same as ?name)"),
        ("?name", "documentation of a function, module or member (e.g. ?tensor.sum)"),
        (":load FILE", "run a .coreg file in this session"),
        (":time EXPR", "evaluate EXPR and show how long it took"),
        (":timeit EXPR", "run EXPR several times: mean ± std per run"),
        (":vars", "your variables with their types and values"),
        (":reset", "forget all variables and functions"),
        (":printopts [name=value ...]", "show or set tensor print options (precision, threshold, edgeitems, linewidth, sci_mode)"),
        (":quit", "leave (also Ctrl-D)"),
    ]
    static let commandNames = [":help", ":load", ":time", ":timeit", ":vars", ":reset", ":printopts", ":quit"]

    init() {
        let env = ProcessInfo.processInfo.environment
        color = isTerminal(1) && env["NO_COLOR"].map { $0.isEmpty } ?? true && env["TERM"] != "dumb"
        trueColor = ["truecolor", "24bit"].contains(env["COLORTERM"] ?? "")
        host = makeHost()
        session = Session(host: host, registry: coregRegistry())
        let report = host.report
        let useColor = color
        host.report = { d in
            // The terminal has echoed ^C: start a fresh line.
            if d.kind == .interrupted { writeStderr(useColor ? "\n\u{1B}[33mInterrupted.\u{1B}[0m\n" : "\nInterrupted.\n"); return }
            let text = d.rendered
            if useColor, let r = text.range(of: "error:") ?? text.range(of: "warning:") {
                let word = String(text[r])
                let paint = word == "error:" ? "\u{1B}[1;31m" : "\u{1B}[1;35m"
                writeStderr(text.replacingCharacters(in: r, with: paint + word + "\u{1B}[0m") + "\n")
            } else {
                report(d)
            }
        }
    }

    static var historyPath: String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["COREG_HISTORY"] { return p.isEmpty ? nil : p }
        guard let home = env["HOME"], !home.isEmpty else { return nil }
        return home + "/.coreg_history"
    }

    func out(_ s: String) {
        FileHandle.standardOutput.write((s.hasSuffix("\n") ? s : s + "\n").data(using: .utf8)!)
    }
    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    func run() -> Int32 {
        editor = LineEditor(program: "coreg", historyPath: REPL.historyPath)
        if isTerminal(1) {
            out(paint("CoReg \(CoRegVersion.string)", "1") + " — :help for commands, ?name for docs, Tab completes, Ctrl-D exits")
        }
        let primary = color ? "\u{1}\u{1B}[1;32m\u{1}coreg>\u{1}\u{1B}[0m\u{1} " : "coreg> "
        let continuation = color ? "\u{1}\u{1B}[2m\u{1}   ...\u{1}\u{1B}[0m\u{1} " : "   ... "
        var buffer = ""
        editor?.complete = { [unowned self] line in self.completion(previous: buffer, line: line) }
        while true {
            let input: LineEditor.Input
            if let e = editor {
                input = e.readLine(prompt: buffer.isEmpty ? primary : continuation)
            } else {
                writeStderr(buffer.isEmpty ? "coreg> " : "   ... ")
                input = Swift.readLine().map { .line($0) } ?? .endOfFile
            }
            switch input {
            case .interrupted:
                out("^C")
                buffer = ""
                continue
            case .endOfFile:
                out("")
                if !buffer.isEmpty && editor != nil { buffer = ""; continue }   // Ctrl-D in a continuation cancels the entry
                return 0
            case .line(let line):
                if buffer.isEmpty {
                    let t = line.trimmingCharacters(in: .whitespaces)
                    if t.isEmpty { continue }
                    if t.hasPrefix(":") || t.hasPrefix("?") {
                        editor?.addHistory(t)
                        if !command(t) { return 0 }
                        continue
                    }
                }
                let entry = buffer.isEmpty ? line : buffer + "\n" + line
                if session.status(of: entry) == .incomplete { buffer = entry; continue }
                buffer = ""
                editor?.addHistory(entry)
                show(evaluate(entry))
            }
        }
    }

    /// Evaluates with SIGINT routed to the Kernel's interrupt flag.
    func evaluate(_ entry: String) -> EntryResult {
        Signals.installForEvaluation()
        // A Ctrl-C that came after Enter but before the handler above was installed still counts.
        if LineEditor.interruptedAtPrompt != 0 { LineEditor.interruptedAtPrompt = 0; Interrupt.request() }
        defer { Signals.reset() }
        return session.evaluate(entry)
    }

    func load(_ path: String) -> EntryResult {
        Signals.installForEvaluation()
        defer { Signals.reset() }
        return session.load(path: path)
    }

    func show(_ r: EntryResult) {
        guard case .value(let v?) = r else { return }
        if case .object(let o as FigureObject) = v, color {
            out(o.figure.terminalText(trueColor ? .trueColor : .ansi256))
        } else {
            out(v.reprString)
        }
    }

    // MARK: commands

    /// Runs a `:command` or `?name`; false means quit.
    func command(_ text: String) -> Bool {
        if text.hasPrefix("?") {
            let name = text.dropFirst().trimmingCharacters(in: .whitespaces)
            if name.isEmpty { out(commandHelp()) } else { out(session.help(name) ?? "no help for '\(name)'") }
            return true
        }
        let parts = text.split(separator: " ", maxSplits: 1)
        let name = String(parts[0])
        let rest = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case ":quit", ":q", ":exit":
            return false
        case ":help", ":h":
            if rest.isEmpty { out(commandHelp()) } else { out(session.help(rest) ?? "no help for '\(rest)'") }
        case ":load":
            guard !rest.isEmpty else { out("usage: :load FILE"); break }
            show(load(unquote(rest)))
        case ":time":
            guard !rest.isEmpty else { out("usage: :time EXPR"); break }
            let t0 = monotonicSeconds()
            let r = evaluate(rest)
            let dt = monotonicSeconds() - t0
            show(r)
            out(paint("time: " + formatSeconds(dt), "2"))
        case ":timeit":
            guard !rest.isEmpty else { out("usage: :timeit EXPR"); break }
            timeit(rest)
        case ":vars":
            out(REPL.variablesListing(session))
        case ":reset":
            session.reset()
            out("State cleared.")
        case ":printopts":
            printOptions(rest)
        default:
            out("unknown command '\(name)' (:help lists the commands)")
        }
        return true
    }

    /// `:vars` (the REPL and the Jupyter kernel): one line per variable, its value on one line of at most 60 characters.
    static func variablesListing(_ session: Session) -> String {
        let vars = session.variables.filter { $0.name != "_" }
        if vars.isEmpty { return "(no variables)" }
        return vars.map { v -> String in
            var s = v.value.reprString.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
            if s.count > 60 { s = String(s.prefix(57)) + "…" }
            return "\(v.name): \(v.value.typeName) = \(s)"
        }.joined(separator: "\n")
    }

    func commandHelp() -> String {
        let w = REPL.commands.map { $0.0.count }.max()!
        var s = "Commands:\n"
        for (c, d) in REPL.commands { s += "  " + c.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + d + "\n" }
        s += "Entries continue over several lines while incomplete (an open bracket or block); `_` is the last value.\n"
        s += "Tab completes names, module and object members after '.', keyword arguments and file paths in strings.\n"
        s += "Ctrl-C stops a running computation (twice: exit) or clears the line; Ctrl-D exits.\n"
        s += "Modules: " + coregModuleNames().joined(separator: ", ") + " (try ?tensor or ?plot)"
        return s
    }

    func coregModuleNames() -> [String] { session.registry.modules.keys.sorted() }

    func timeit(_ expr: String) {
        var times: [Double] = []
        let t0 = monotonicSeconds()
        guard case .value = evaluate(expr) else { return }
        let first = monotonicSeconds() - t0
        let runs = first > 1 ? 3 : max(5, min(1000, Int(2 / max(first, 1e-6))))
        for _ in 0..<runs {
            let t = monotonicSeconds()
            guard case .value = evaluate(expr) else { return }
            times.append(monotonicSeconds() - t)
        }
        let mean = times.reduce(0, +) / Double(times.count)
        let sd = (times.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(times.count - 1, 1))).squareRoot()
        out("\(formatSeconds(mean)) ± \(formatSeconds(sd)) per run (mean ± std. dev. of \(times.count) runs)")
    }

    func printOptions(_ rest: String) {
        var o = Tensor.printOptions
        for pair in rest.split(separator: " ") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { out("expected name=value, got '\(pair)'"); return }
            let (k, v) = (kv[0], kv[1])
            switch k {
            case "precision": if let n = Int(v) { o.precision = max(0, min(16, n)) } else { out("precision: expected an int"); return }
            case "threshold": if let n = Int(v) { o.threshold = max(0, n) } else { out("threshold: expected an int"); return }
            case "edgeitems": if let n = Int(v) { o.edgeItems = max(1, n) } else { out("edgeitems: expected an int"); return }
            case "linewidth": if let n = Int(v) { o.lineWidth = max(10, n) } else { out("linewidth: expected an int"); return }
            case "sci_mode":
                switch v { case "true": o.sciMode = true; case "false": o.sciMode = false; case "nil", "auto": o.sciMode = nil
                default: out("sci_mode: expected true, false or auto"); return }
            default: out("unknown print option '\(k)' (precision, threshold, edgeitems, linewidth, sci_mode)"); return
            }
        }
        Tensor.printOptions = o
        out("precision=\(o.precision) threshold=\(o.threshold) edgeitems=\(o.edgeItems) linewidth=\(o.lineWidth) sci_mode=\(o.sciMode.map { String($0) } ?? "auto")")
    }

    // MARK: completion

    /// What TAB inserts for the current line (`previous`: earlier lines of a multi-line entry).
    func completion(previous: String, line: String) -> (insert: String, list: [String]) {
        if previous.isEmpty, line.hasPrefix(":") {
            if let space = line.firstIndex(of: " ") {
                let cmd = line[..<space]
                if cmd == ":load" { return REPL.pathCompletion(String(line[line.index(after: space)...]).trimmingCharacters(in: .whitespaces), quote: nil) }
                if cmd == ":help" { return REPL.finish(partial: identifierSuffix(line), candidates: session.completions(for: String(line[line.index(after: space)...]))) }
                return ("", [])
            }
            return REPL.finish(partial: line, candidates: REPL.commandNames.filter { $0.hasPrefix(line) })
        }
        if previous.isEmpty, line.hasPrefix("?") {
            let rest = String(line.dropFirst())
            return REPL.finish(partial: identifierSuffix(rest), candidates: session.completions(for: rest))
        }
        if let (quote, fragment) = REPL.openString(line) {
            return REPL.pathCompletion(fragment, quote: quote)
        }
        let text = previous.isEmpty ? line : previous + "\n" + line
        return REPL.finish(partial: identifierSuffix(line), candidates: session.completions(for: text))
    }

    func identifierSuffix(_ s: String) -> String {
        var out: [Character] = []
        for c in s.reversed() { if c.isLetter || c.isNumber || c == "_" { out.append(c) } else { break } }
        return String(out.reversed())
    }

    /// The text to insert: the rest of the single candidate, or the common prefix of several.
    static func finish(partial: String, candidates: [String]) -> (insert: String, list: [String]) {
        guard let first = candidates.first else { return ("", []) }
        var prefix = first
        for c in candidates.dropFirst() {
            while !c.hasPrefix(prefix) { prefix.removeLast() }
        }
        let insert = prefix.count > partial.count && prefix.hasPrefix(partial) ? String(prefix.dropFirst(partial.count)) : ""
        return (insert, candidates.count > 1 ? candidates : [])
    }

    /// When the cursor is inside a string literal: its quote and the text typed so far.
    static func openString(_ line: String) -> (Character, String)? {
        var quote: Character? = nil
        var start = line.startIndex
        var escaped = false
        for i in line.indices {
            let c = line[i]
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c; start = line.index(after: i)
            } else if c == "#" { return nil }
        }
        guard let q = quote else { return nil }
        return (q, String(line[start...]))
    }

    /// File names completing `fragment` (a path typed so far); directories end in `/`, a single
    /// file also closes the string.
    static func pathCompletion(_ fragment: String, quote: Character?) -> (insert: String, list: [String]) {
        let slash = fragment.lastIndex(of: "/")
        let dirPart = slash.map { String(fragment[...$0]) } ?? ""
        let base = slash.map { String(fragment[fragment.index(after: $0)...]) } ?? fragment
        var dir = dirPart.isEmpty ? "." : dirPart
        if dir.hasPrefix("~") { dir = NSString(string: dir).expandingTildeInPath }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return ("", []) }
        let matches = names.filter { $0.hasPrefix(base) && (base.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map { name -> String in
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(name), isDirectory: &isDir)
            return isDir.boolValue ? name + "/" : name
        }
        var r = finish(partial: base, candidates: matches)
        if matches.count == 1, let q = quote, !matches[0].hasSuffix("/") { r.insert += String(q) }
        return r
    }
}

func formatSeconds(_ s: Double) -> String {
    if s >= 1 { return String(format: "%.3f s", s) }
    if s >= 1e-3 { return String(format: "%.3f ms", s * 1e3) }
    return String(format: "%.1f µs", s * 1e6)
}

/// `"a b.coreg"` or `'x'` → the text inside the quotes; anything else unchanged.
func unquote(_ s: String) -> String {
    if s.count >= 2, let f = s.first, f == s.last, f == "\"" || f == "'" { return String(s.dropFirst().dropLast()) }
    return s
}
