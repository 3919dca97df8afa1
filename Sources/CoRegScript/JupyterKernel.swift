import Foundation
import CZMQ
import Interpreter
import Kernel

/// `coreg kernel -f CONNECTION.json`: a Jupyter kernel (messaging protocol 5.3) over one CoReg
/// `Session`, the REPL's. Threads:
/// - main: the shell socket, one request at a time (`execute` runs the session here);
/// - control: interrupt, shutdown and kernel_info while a cell runs;
/// - heartbeat: echoes pings;
/// - a flusher that sends buffered stdout every 0.1 s.
/// IOPub (a PUB socket) is shared under `lock`. An interrupt (SIGINT, or an `interrupt_request`
/// on control) sets Kernel's cooperative flag: the evaluator stops at its next statement or loop
/// iteration, Kernel operations at their next batch, and the cell ends with a KeyboardInterrupt
/// error; everything defined before stays.
final class JupyterKernel {
    static let protocolVersion = "5.3"

    let info: ConnectionInfo
    let signer: MessageSigner
    let context: UnsafeMutableRawPointer
    let shell: ZSocket, control: ZSocket, stdinSocket: ZSocket, iopub: ZSocket, heartbeat: ZSocket
    let sessionID = UUID().uuidString.lowercased()
    let host: Interpreter.Host
    let session: Session
    let lock = NSLock()

    // state of the running cell (guarded by `lock` where other threads read it)
    private var parent: JupyterMessage?
    private var silent = false
    private var stdoutBuffer = ""
    private var errors: [Diagnostic] = []
    private var shown: Set<ObjectIdentifier> = []
    private var progressDisplays: [String: (id: String, sent: Double)] = [:]
    private var executionCount = 0
    private var history: [(Int, String)] = []
    private var payload: [[String: Any]] = []

    init(connectionFile: String) throws {
        info = try ConnectionInfo.load(connectionFile)
        signer = MessageSigner(key: info.key)
        guard let ctx = zmq_ctx_new() else { throw JupyterError("zmq_ctx_new failed", exitCode: 70) }
        context = ctx
        shell = try ZSocket(context: ctx, type: ZMQ_ROUTER)
        control = try ZSocket(context: ctx, type: ZMQ_ROUTER)
        stdinSocket = try ZSocket(context: ctx, type: ZMQ_ROUTER)
        iopub = try ZSocket(context: ctx, type: ZMQ_PUB)
        heartbeat = try ZSocket(context: ctx, type: ZMQ_REP)
        try shell.bind(info.endpoint(info.shellPort))
        try control.bind(info.endpoint(info.controlPort))
        try stdinSocket.bind(info.endpoint(info.stdinPort))
        try iopub.bind(info.endpoint(info.iopubPort))
        try heartbeat.bind(info.endpoint(info.hbPort))

        host = Interpreter.Host()
        session = Session(host: host, registry: coregRegistry())
        host.isInterruptRequested = { Interrupt.isRequested }
        host.noGrad = { body in try Tensor.noGrad { try body() } }
        host.write = { [unowned self] s in
            self.lock.lock(); defer { self.lock.unlock() }
            self.stdoutBuffer += s
            if self.stdoutBuffer.utf8.count > 1 << 16 { self.flushLocked() }
        }
        host.report = { [unowned self] d in
            switch d.kind {
            case .interrupted: return                       // the cell's error says it
            case .warning:
                self.lock.lock(); defer { self.lock.unlock() }
                self.flushLocked()
                self.publishLocked("stream", ["name": "stderr", "text": d.rendered + "\n"])
            default:
                self.lock.lock(); self.errors.append(d); self.lock.unlock()
            }
        }
        host.display = { [unowned self] obj in
            guard let f = obj as? FigureObject else { return }
            self.lock.lock(); defer { self.lock.unlock() }
            self.shown.insert(ObjectIdentifier(f))
            self.flushLocked()
            self.publishLocked("display_data", ["data": JupyterKernel.figureData(f), "metadata": [String: Any](), "transient": [String: Any]()])
        }
        host.progress = { [unowned self] e in self.progress(e) }
        ProgressHook.report = { [unowned self] label, done, total in
            self.progress(ProgressEvent(label: label, completed: done, total: total))
        }
    }

    // MARK: running

    func run() -> Int32 {
        // Signal-mode interrupts: SIGINT only raises the cooperative flag; the kernel lives on.
        signal(SIGINT) { _ in Interrupt.request() }
        signal(SIGPIPE, SIG_IGN)
        startThread("heartbeat") { [heartbeat] in
            while let frames = heartbeat.receive() { heartbeat.send(frames) }
        }
        startThread("control") { [unowned self] in
            while let frames = self.control.receive() {
                guard let m = Wire.decode(frames, signer: self.signer) else { continue }
                self.handle(m, on: self.control)
            }
        }
        startThread("flush") { [unowned self] in
            while true {
                usleep(100_000)
                self.lock.lock(); self.flushLocked(); self.lock.unlock()
            }
        }
        // Like IPython: a kernel whose front end died (it set JPY_PARENT_PID) ends too, instead of
        // living on as an orphan when the front end is killed.
        if ProcessInfo.processInfo.environment["JPY_PARENT_PID"] != nil {
            let parentPID = getppid()
            startThread("parent") {
                while getppid() == parentPID { sleep(1) }
                Wire.log("the front end that started this kernel has gone; exiting")
                exit(0)
            }
        }
        lock.lock(); publishLocked("status", ["execution_state": "starting"], parentOverride: [:]); lock.unlock()
        while let frames = shell.receive() {
            guard let m = Wire.decode(frames, signer: signer) else { continue }
            handle(m, on: shell)
        }
        return 0
    }

    private func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let t = Thread(block: body)
        t.name = "coreg-kernel-" + name
        t.start()
    }

    private func handle(_ m: JupyterMessage, on socket: ZSocket) {
        let type = m.type
        lock.lock(); publishLocked("status", ["execution_state": "busy"], parentOverride: m.header); lock.unlock()
        defer { lock.lock(); publishLocked("status", ["execution_state": "idle"], parentOverride: m.header); lock.unlock() }
        switch type {
        case "kernel_info_request": reply(m, on: socket, "kernel_info_reply", kernelInfo())
        case "execute_request": execute(m, on: socket)
        case "complete_request": reply(m, on: socket, "complete_reply", complete(m.content))
        case "inspect_request": reply(m, on: socket, "inspect_reply", inspect(m.content))
        case "is_complete_request": reply(m, on: socket, "is_complete_reply", isComplete(m.content))
        case "history_request": reply(m, on: socket, "history_reply", historyReply(m.content))
        case "comm_info_request": reply(m, on: socket, "comm_info_reply", ["status": "ok", "comms": [String: Any]()])
        case "interrupt_request":
            Interrupt.request()
            reply(m, on: socket, "interrupt_reply", ["status": "ok"])
        case "shutdown_request":
            let restart = m.content["restart"] as? Bool ?? false
            reply(m, on: socket, "shutdown_reply", ["status": "ok", "restart": restart])
            lock.lock(); flushLocked(); publishLocked("status", ["execution_state": "idle"], parentOverride: m.header); lock.unlock()
            usleep(50_000)
            exit(0)
        case "comm_open", "comm_msg", "comm_close":
            break   // no comms: the protocol asks for no reply
        default:
            Wire.log("ignored an unknown request '\(type)'")
        }
    }

    // MARK: messages

    private func header(_ type: String) -> [String: Any] {
        ["msg_id": UUID().uuidString.lowercased(), "session": sessionID, "username": "coreg",
         "date": Wire.dateFormatter.string(from: Date()), "msg_type": type, "version": JupyterKernel.protocolVersion]
    }

    private func frames(_ type: String, _ content: [String: Any], parent: [String: Any], identities: [[UInt8]],
                        metadata: [String: Any] = [:]) -> [[UInt8]] {
        let parts = [Wire.json(header(type)), Wire.json(parent), Wire.json(metadata), Wire.json(content)]
        return identities + [Wire.delimiter, Array(signer.signature(parts).utf8)] + parts
    }

    private func reply(_ m: JupyterMessage, on socket: ZSocket, _ type: String, _ content: [String: Any],
                       metadata: [String: Any] = [:]) {
        // ZeroMQ sockets are not thread-safe: shell replies come from the main thread only, control
        // replies from the control thread only.
        socket.send(frames(type, content, parent: m.header, identities: m.identities, metadata: metadata))
    }

    /// Publishes on IOPub (caller holds `lock`) with the running cell's header as parent.
    private func publishLocked(_ type: String, _ content: [String: Any], parentOverride: [String: Any]? = nil) {
        if parentOverride == nil && silent { return }
        let p = parentOverride ?? parent?.header ?? [:]
        let topic = Array("kernel.\(sessionID).\(type)".utf8)
        iopub.send(frames(type, content, parent: p, identities: [topic]))
    }

    private func flushLocked() {
        guard !stdoutBuffer.isEmpty else { return }
        let text = stdoutBuffer
        stdoutBuffer = ""
        publishLocked("stream", ["name": "stdout", "text": text])
    }

    // MARK: requests

    private func kernelInfo() -> [String: Any] {
        ["status": "ok", "protocol_version": JupyterKernel.protocolVersion, "implementation": "coreg",
         "implementation_version": CoRegVersion.string,
         "language_info": ["name": "coreg", "version": CoRegVersion.string, "mimetype": "text/x-coreg",
                           "file_extension": ".coreg", "pygments_lexer": "swift", "codemirror_mode": "swift",
                           "nbconvert_exporter": "script"],
         "banner": "CoReg \(CoRegVersion.string): noisy partial-label learning from VLM annotations. ?name for help.",
         "help_links": [["text": "CoReg language", "url": "https://github.com/coreg/coreg/blob/main/docs/language.md"]],
         "debugger": false]
    }

    private func execute(_ m: JupyterMessage, on socket: ZSocket) {
        let code = m.content["code"] as? String ?? ""
        let isSilent = m.content["silent"] as? Bool ?? false
        let store = (m.content["store_history"] as? Bool ?? true) && !isSilent
        lock.lock()
        parent = m
        silent = isSilent
        errors = []
        shown = []
        payload = []
        if store { executionCount += 1; history.append((executionCount, code)) }
        let n = executionCount
        publishLocked("execute_input", ["code": code, "execution_count": n])
        lock.unlock()

        Interrupt.clear()   // an interrupt that came while idle does not stop this cell
        let result = runCell(code, count: n)
        Interrupt.clear()

        lock.lock()
        flushLocked()
        var content: [String: Any] = ["execution_count": n, "status": "ok", "user_expressions": [String: Any](), "payload": payload]
        switch result {
        case .value(let v?):
            if case .object(let o as FigureObject) = v {
                if !shown.contains(ObjectIdentifier(o)) {
                    publishLocked("execute_result", ["execution_count": n, "data": JupyterKernel.figureData(o), "metadata": [String: Any]()])
                }
            } else {
                publishLocked("execute_result", ["execution_count": n, "data": JupyterKernel.valueData(v), "metadata": [String: Any]()])
            }
        case .value(nil):
            break
        case .interrupted:
            let e: [String: Any] = ["ename": "KeyboardInterrupt", "evalue": "Interrupted",
                                    "traceback": ["KeyboardInterrupt: the cell was interrupted; variables defined before it are kept."]]
            publishLocked("error", e)
            content.merge(e) { _, b in b }; content["status"] = "error"
        case .error:
            let e = JupyterKernel.errorContent(errors)
            publishLocked("error", e)
            content.merge(e) { _, b in b }; content["status"] = "error"
        }
        progressDisplays = [:]
        parent = nil
        silent = false
        lock.unlock()
        reply(m, on: socket, "execute_reply", content, metadata: ["status": content["status"] ?? "ok"])
    }

    /// A cell: `?name` shows help, `:vars`, `:reset` and `:help` work as in the REPL; anything else
    /// runs in the session.
    private func runCell(_ code: String, count: Int) -> EntryResult {
        let t = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if !t.contains("\n"), t.hasPrefix("?") || t.hasPrefix(":") {
            let name = t.hasPrefix("?") ? String(t.dropFirst()).trimmingCharacters(in: .whitespaces) : ""
            switch t.split(separator: " ").first.map(String.init) ?? "" {
            case ":vars":
                host.write(REPL.variablesListing(session) + "\n")
                return .value(nil)
            case ":quit", ":q", ":exit":
                // a terminal front end (jupyter console) ends; a notebook ignores the payload
                lock.lock(); payload = [["source": "ask_exit", "keepkernel": false]]; lock.unlock()
                return .value(nil)
            case ":reset":
                session.reset()
                host.write("State cleared.\n")
                return .value(nil)
            case ":help":
                let rest = t.dropFirst(5).trimmingCharacters(in: .whitespaces)
                host.write((rest.isEmpty ? "?name shows documentation; :vars lists variables; :reset clears them; :quit ends a console. Modules: " + session.registry.modules.keys.sorted().joined(separator: ", ")
                                          : session.help(rest) ?? "no help for '\(rest)'") + "\n")
                return .value(nil)
            default:
                if t.hasPrefix("?") {
                    host.write((session.help(name) ?? "no help for '\(name)'") + "\n")
                    return .value(nil)
                }
                host.report(Diagnostic(kind: .syntax, message: "unknown command '\(t)' (the kernel knows ?name, :help, :vars, :reset and :quit)",
                                       file: "In[\(count)]", line: 1, column: 1, sourceLine: t))
                return .error
            }
        }
        return session.evaluate(code, file: "In[\(count)]")
    }


    static func figureData(_ f: FigureObject) -> [String: Any] {
        ["image/svg+xml": f.figure.svg, "text/plain": f.figure.summary]
    }

    static func valueData(_ v: Value) -> [String: Any] {
        let text = v.reprString
        var data: [String: Any] = ["text/plain": text]
        if case .object(let o) = v, o.typeName == "tensor" {
            data["text/html"] = "<pre style=\"margin:0\">" + htmlEscape(text) + "</pre>"
        }
        return data
    }

    static func htmlEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The `error` content: the first diagnostic's kind and message, every diagnostic's located text
    /// (file:line:col, the source line with a caret, the script stack trace) as the traceback.
    static func errorContent(_ ds: [Diagnostic]) -> [String: Any] {
        guard let first = ds.first else {
            return ["ename": "RuntimeError", "evalue": "the cell failed", "traceback": ["RuntimeError: the cell failed"]]
        }
        let ename: String
        switch first.kind {
        case .syntax: ename = "SyntaxError"
        case .staticError: ename = "StaticError"
        default: ename = "RuntimeError"
        }
        let tb = ds.flatMap { $0.rendered.components(separatedBy: "\n") }
        return ["ename": ename, "evalue": first.message, "traceback": tb]
    }

    // MARK: progress

    /// `sys.progress` and Kernel's long operations: one display per label, updated in place
    /// (`display_data` with a display_id, then `update_display_data` at most 5 times a second).
    private func progress(_ e: ProgressEvent) {
        lock.lock(); defer { lock.unlock() }
        guard parent != nil, !silent else { return }
        let now = monotonicSeconds()
        let done = e.total.map { e.completed >= $0 } ?? false
        var data: [String: Any] = ["text/plain": JupyterKernel.progressText(e)]
        if let total = e.total, total > 0 {
            data["text/html"] = "<div><progress value=\"\(min(e.completed, total))\" max=\"\(total)\" style=\"width:24em\"></progress> "
                + JupyterKernel.htmlEscape(JupyterKernel.progressText(e, bar: false)) + "</div>"
        }
        if let d = progressDisplays[e.label] {
            if !done && now - d.sent < 0.2 { return }
            flushLocked()
            publishLocked("update_display_data", ["data": data, "metadata": ["coreg": ["progress": true]], "transient": ["display_id": d.id]])
            progressDisplays[e.label] = done ? nil : (d.id, now)
        } else {
            let id = UUID().uuidString.lowercased()
            flushLocked()
            publishLocked("display_data", ["data": data, "metadata": ["coreg": ["progress": true]], "transient": ["display_id": id]])
            if !done { progressDisplays[e.label] = (id, now) }
        }
    }


    static func progressText(_ e: ProgressEvent, bar: Bool = true) -> String {
        var s = e.label
        if let total = e.total, total > 0 {
            if bar {
                let filled = Int(Double(min(e.completed, total)) / Double(total) * 24)
                s += "  [" + String(repeating: "#", count: filled) + String(repeating: ".", count: 24 - filled) + "]"
            }
            s += "  \(e.completed)/\(total)"
        } else {
            s += "  \(e.completed)"
        }
        if !e.message.isEmpty { s += "  " + e.message }
        return s
    }

    // MARK: completion, inspection, history

    private func complete(_ c: [String: Any]) -> [String: Any] {
        let code = c["code"] as? String ?? ""
        let scalars = Array(code.unicodeScalars)
        let cursor = max(0, min(c["cursor_pos"] as? Int ?? scalars.count, scalars.count))
        var text = String(String.UnicodeScalarView(scalars[0..<cursor]))
        let lineStart = text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        let line = String(text[lineStart...])
        var matches: [String] = []
        var start = cursor
        if let (_, fragment) = REPL.openString(line) {
            let base = fragment.lastIndex(of: "/").map { String(fragment[fragment.index(after: $0)...]) } ?? fragment
            let r = REPL.pathCompletion(fragment, quote: nil)
            matches = r.list.isEmpty ? (r.insert.isEmpty ? [] : [base + r.insert]) : r.list
            start = cursor - base.unicodeScalars.count
        } else {
            if line.hasPrefix("?") { text = String(text[..<lineStart]) + String(line.dropFirst()) }
            var partial = 0
            for ch in text.unicodeScalars.reversed() {
                if CharacterSet.alphanumerics.contains(ch) || ch == "_" { partial += 1 } else { break }
            }
            matches = session.completions(for: text)
            start = cursor - partial
        }
        return ["status": "ok", "matches": matches, "cursor_start": start, "cursor_end": cursor, "metadata": [String: Any]()]
    }

    /// The dotted name around the cursor (`data.lo|ader` → `data.loader`).
    static func name(in code: String, at cursor: Int) -> String {
        let s = Array(code.unicodeScalars)
        func isName(_ c: Unicode.Scalar) -> Bool { CharacterSet.alphanumerics.contains(c) || c == "_" || c == "." }
        var a = max(0, min(cursor, s.count)), b = a
        while a > 0 && isName(s[a - 1]) { a -= 1 }
        while b < s.count && isName(s[b]) { b += 1 }
        let name = String(String.UnicodeScalarView(s[a..<b]))
        return name.trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    private func inspect(_ c: [String: Any]) -> [String: Any] {
        let code = c["code"] as? String ?? ""
        let name = JupyterKernel.name(in: code, at: c["cursor_pos"] as? Int ?? code.unicodeScalars.count)
        guard !name.isEmpty, let text = session.help(name) else {
            return ["status": "ok", "found": false, "data": [String: Any](), "metadata": [String: Any]()]
        }
        return ["status": "ok", "found": true, "data": ["text/plain": text], "metadata": [String: Any]()]
    }

    private func isComplete(_ c: [String: Any]) -> [String: Any] {
        let code = c["code"] as? String ?? ""
        let t = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.isEmpty || (!t.contains("\n") && (t.hasPrefix("?") || t.hasPrefix(":"))) { return ["status": "complete"] }
        switch session.status(of: code) {
        case .complete: return ["status": "complete"]
        case .incomplete: return ["status": "incomplete", "indent": "    "]
        case .error: return ["status": "invalid"]
        }
    }

    private func historyReply(_ c: [String: Any]) -> [String: Any] {
        lock.lock(); let all = history; lock.unlock()
        var items = all
        switch c["hist_access_type"] as? String ?? "tail" {
        case "tail":
            let n = c["n"] as? Int ?? all.count
            items = Array(all.suffix(max(0, n)))
        case "search":
            let pattern = (c["pattern"] as? String ?? "*").replacingOccurrences(of: "*", with: "")
            items = all.filter { pattern.isEmpty || $0.1.contains(pattern) }
        default:   // range: this session's entries
            let lo = c["start"] as? Int ?? 0, hi = c["stop"] as? Int ?? Int.max
            items = all.filter { $0.0 >= lo && $0.0 < hi }
        }
        return ["status": "ok", "history": items.map { [0, $0.0, $0.1] as [Any] }]
    }
}
