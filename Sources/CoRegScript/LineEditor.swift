import CEditLine
import Foundation

/// Line editing through libedit's native API (`el_gets` + `history`): emacs key bindings, a
/// history file, TAB bound to a completion callback, and Ctrl-C at the prompt clearing the line.
///
/// libedit calls plain C function pointers, so the one live editor is reached through `current`.
final class LineEditor {
    nonisolated(unsafe) static var current: LineEditor?
    /// Set by the prompt's SIGINT handler; the read callback then ends `el_gets` with an error.
    nonisolated(unsafe) static var interruptedAtPrompt: sig_atomic_t = 0
    nonisolated(unsafe) static var promptBuffer: UnsafeMutablePointer<CChar> = strdup("> ")!

    private let el: OpaquePointer
    private let hist: OpaquePointer
    let historyPath: String?
    /// (text before the cursor on this line) -> (text to insert, candidates to list).
    var complete: (String) -> (insert: String, list: [String]) = { _ in ("", []) }

    init?(program: String, historyPath: String?) {
        guard let el = el_init(program, stdin, stdout, stderr), let h = history_init() else { return nil }
        self.el = el; self.hist = h; self.historyPath = historyPath
        coreg_history_setsize(h, 1000)
        coreg_history_setunique(h, 1)
        coreg_el_set_history(el, h)
        coreg_el_set_editor(el, "emacs")
        coreg_el_set_signal(el, 0)           // our own SIGINT handling (see readLine)
        coreg_el_set_prompt(el, { _ in LineEditor.promptBuffer }, 1)
        coreg_el_set_getc(el, { _, out in LineEditor.readCharacter(out) })
        coreg_el_add_function(el, "coreg-complete", "Complete names, members, keyword arguments and paths", { _, _ in
            LineEditor.current?.completeAtCursor() ?? UInt8(CC_ERROR)
        })
        el_source(el, nil)                   // ~/.editrc, as other libedit programs do
        coreg_el_bind(el, "^I", "coreg-complete")
        if let p = historyPath, FileManager.default.fileExists(atPath: p) { coreg_history_load(h, p) }
        LineEditor.current = self
    }

    deinit {
        el_end(el)
        history_end(hist)
    }

    enum Input { case line(String), interrupted, endOfFile }

    /// Reads one line with `prompt` (`\u{1}` brackets invisible escape sequences).
    func readLine(prompt: String) -> Input {
        free(LineEditor.promptBuffer)
        LineEditor.promptBuffer = strdup(prompt)!
        LineEditor.interruptedAtPrompt = 0
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = { _ in LineEditor.interruptedAtPrompt = 1 }
        sigemptyset(&sa.sa_mask)
        sa.sa_flags = 0                      // no SA_RESTART: the blocked read returns EINTR
        sigaction(SIGINT, &sa, nil)
        el_resize(el)                        // EL_SIGNAL is off, so pick up a changed window size here
        // Raw mode before the prompt appears: libedit itself switches at its first read, after the
        // prompt is printed, and a key typed in between (a Ctrl-D, say) would reach the terminal's
        // cooked line discipline and be lost. el_gets returns the terminal to cooked mode.
        coreg_el_prep_term(el, 1)
        var count: Int32 = 0
        let p = el_gets(el, &count)
        coreg_el_prep_term(el, 0)
        if LineEditor.interruptedAtPrompt != 0 { return .interrupted }
        guard let p = p, count > 0 else { return .endOfFile }
        var s = String(cString: p)
        if s.hasSuffix("\n") { s.removeLast() }
        return .line(s)
    }

    /// Adds a whole entry (several lines for a multi-line entry) as one history item and saves the file.
    func addHistory(_ entry: String) {
        coreg_history_enter(hist, entry)
        if let p = historyPath { coreg_history_save(hist, p) }
    }

    /// libedit's character source: one UTF-8 character from standard input, or -1 after Ctrl-C.
    static func readCharacter(_ out: UnsafeMutablePointer<wchar_t>?) -> Int32 {
        func byte() -> Int {
            var b: UInt8 = 0
            while true {
                if interruptedAtPrompt != 0 { return -2 }
                let n = read(0, &b, 1)
                if n == 1 { return Int(b) }
                if n == 0 { return -1 }
                if errno != EINTR { return -3 }
            }
        }
        let first = byte()
        if first == -1 { return 0 }
        if first < 0 { return -1 }
        var scalar = UInt32(first)
        var more = 0
        if first >= 0xF0 { scalar = UInt32(first & 0x07); more = 3 }
        else if first >= 0xE0 { scalar = UInt32(first & 0x0F); more = 2 }
        else if first >= 0xC0 { scalar = UInt32(first & 0x1F); more = 1 }
        for _ in 0..<more {
            let b = byte()
            if b < 0 { return b == -1 ? 0 : -1 }
            scalar = scalar << 6 | UInt32(b & 0x3F)
        }
        out?.pointee = wchar_t(bitPattern: scalar)
        return 1
    }

    /// TAB: inserts the completion (or the candidates' common prefix) and lists several candidates.
    private func completeAtCursor() -> UInt8 {
        guard let info = el_line(el)?.pointee else { return UInt8(CC_ERROR) }
        let n = info.cursor - info.buffer
        let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(info.buffer), count: max(0, n))
        let before = String(decoding: bytes, as: UTF8.self)
        let (insert, list) = complete(before)
        if !insert.isEmpty {
            el_insertstr(el, insert)
            return UInt8(CC_REFRESH)
        }
        if list.count > 1 {
            fputs("\n" + LineEditor.columns(list) + "\n", stdout)
            fflush(stdout)
            return UInt8(CC_REDISPLAY)
        }
        return UInt8(CC_REFRESH_BEEP)
    }

    /// Candidates laid out in columns for an 80-column terminal.
    static func columns(_ items: [String], width: Int = 80) -> String {
        let shown = Array(items.prefix(200))
        let w = (shown.map { $0.count }.max() ?? 0) + 2
        let perLine = max(1, width / max(w, 1))
        var lines: [String] = []
        var i = 0
        while i < shown.count {
            lines.append(shown[i..<min(i + perLine, shown.count)].map { $0.padding(toLength: w, withPad: " ", startingAt: 0) }
                .joined().trimmingCharacters(in: .whitespaces))
            i += perLine
        }
        if items.count > shown.count { lines.append("… \(items.count - shown.count) more") }
        return lines.joined(separator: "\n")
    }
}
