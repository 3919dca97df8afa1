import Foundation

public enum CoRegVersion {
    public static let string = "0.1.0"
}

/// Whether a REPL entry can be run yet.
public enum EntryStatus: Sendable, Equatable {
    case complete
    /// The parser failed at the end of input: show a continuation prompt and read more.
    case incomplete
    /// A syntax error before the end: evaluate it anyway to report the error.
    case error
}

/// What evaluating one entry gave.
public enum EntryResult {
    /// Success; the value of a bare expression (not nil) for display, else nil.
    case value(Value?)
    /// Syntax, static or runtime error (already reported to the host).
    case error
    /// The interrupt hook fired ("Interrupted." was reported).
    case interrupted
}

/// One interpreter state: the REPL keeps one for its lifetime; `runScript` makes one per run.
public final class Session {
    public let host: Host
    public let registry: Registry
    private var globals: Globals
    private var evaluator: Evaluator

    public init(host: Host, registry: Registry = .standard()) {
        self.host = host; self.registry = registry
        let g = Globals(registry: registry)
        host.defineScriptGlobals(g)
        self.globals = g
        self.evaluator = Evaluator(host: host, registry: registry, globals: g, source: SourceFile(path: "<stdin>", text: ""))
    }

    deinit { evaluator.releaseGlobals() }

    /// Forgets all user definitions (`:reset`).
    public func reset() {
        evaluator.releaseGlobals()
        let g = Globals(registry: registry)
        host.defineScriptGlobals(g)
        globals = g
        evaluator = Evaluator(host: host, registry: registry, globals: g, source: SourceFile(path: "<stdin>", text: ""))
    }

    /// complete / incomplete / error for an entry typed so far.
    public func status(of entry: String) -> EntryStatus {
        let p = Parser(source: SourceFile(path: "<stdin>", text: entry))
        _ = p.parseProgram()
        if p.diagnostics.isEmpty { return .complete }
        return p.firstErrorAtEnd ? .incomplete : .error
    }

    /// Parses, resolves and runs one entry, keeping state. Errors go to the host.
    /// A bare expression's value is returned and bound to `_`.
    public func evaluate(_ entry: String, file: String = "<stdin>") -> EntryResult {
        let src = SourceFile(path: file, text: entry)
        return BigStack.run { () -> EntryResult in
            switch self.execute(src) {
            case .success(let v):
                if let v = v, !v.isNull {
                    self.globals.declare("_", mutable: true, value: v)
                    return .value(v)
                }
                return .value(nil)
            case .failure(let code):
                return code == .interrupted ? .interrupted : .error
            }
        }
    }

    /// Runs a whole file as a script in this session; returns the exit code.
    func runFile(_ src: SourceFile) -> ExitCode {
        BigStack.run { () -> ExitCode in
            switch self.execute(src, warnUnusedArguments: true) {
            case .success: return .success
            case .failure(let code): return code
            }
        }
    }

    /// Runs a file given by path in this session (`:load`).
    public func load(path: String) -> EntryResult {
        let text: String
        do { text = try host.readFile(path) } catch {
            host.report(Diagnostic(kind: .staticError, message: "cannot read file", file: path, line: 0, column: 0, sourceLine: nil))
            return .error
        }
        return evaluate(text, file: path)
    }

    struct Failure: Error { let code: ExitCode }

    private enum Outcome { case success(Value?), failure(ExitCode) }

    private func execute(_ src: SourceFile, warnUnusedArguments: Bool = false) -> Outcome {
        let parser = Parser(source: src)
        let stmts = parser.parseProgram()
        if !parser.diagnostics.isEmpty {
            parser.diagnostics.forEach(host.report)
            return .failure(.staticError)
        }
        if warnUnusedArguments, let read = argumentNamesRead(by: stmts, file: src.path) {
            for name in host.arguments.keys.sorted() where !read.contains(name) {
                host.report(Diagnostic(kind: .warning, message: "argument '\(name)' is not used by the script (it declares: \(read.isEmpty ? "none" : read.sorted().joined(separator: ", ")))",
                                       file: src.path, line: 0, column: 0, sourceLine: nil))
            }
        }
        let mark = globals.count
        let resolver = Resolver(globals: globals, source: src)
        let slots = resolver.resolveProgram(stmts)
        if !resolver.diagnostics.isEmpty {
            globals.truncate(to: mark)
            resolver.diagnostics.forEach(host.report)
            return .failure(.staticError)
        }
        evaluator.resetSteps()
        do {
            return .success(try evaluator.runMain(stmts, slots: slots, source: src))
        } catch let e as RuntimeError {
            host.report(e.diagnostic)
            return .failure(e.exitCode)
        } catch let e as StaticErrors {
            e.diagnostics.forEach(host.report)
            return .failure(.staticError)
        } catch is InterruptedError {
            host.report(Diagnostic(kind: .interrupted, message: "Interrupted.", file: src.path, line: 0, column: 0, sourceLine: nil))
            return .failure(.interrupted)
        } catch {
            host.report(Diagnostic(kind: .runtime, message: String(describing: error), file: src.path, line: 0, column: 0, sourceLine: nil))
            return .failure(.runtimeError)
        }
    }

    /// Syntax and resolve diagnostics of a file and of the files it imports, without running.
    func staticCheck(_ src: SourceFile) -> [Diagnostic] {
        var visited: Set<String> = [(src.path as NSString).standardizingPath]
        return staticCheck(src, globals: globals, visited: &visited)
    }

    private func staticCheck(_ src: SourceFile, globals g: Globals, visited: inout Set<String>) -> [Diagnostic] {
        let parser = Parser(source: src)
        let stmts = parser.parseProgram()
        if !parser.diagnostics.isEmpty { return parser.diagnostics }
        let resolver = Resolver(globals: g, source: src)
        _ = resolver.resolveProgram(stmts)
        var diags = resolver.diagnostics
        for (path, span) in Session.imports(in: stmts) {
            let full = Session.importPath(path, from: src.path)
            let key = (full as NSString).standardizingPath
            if !visited.insert(key).inserted { continue }
            guard let text = try? host.readFile(full) else {
                diags.append(makeDiagnostic(.staticError, "cannot import '\(path)': cannot read file", span, src))
                continue
            }
            let mg = Globals(registry: registry)
            host.defineScriptGlobals(mg)
            diags += staticCheck(SourceFile(path: full, text: text), globals: mg, visited: &visited)
        }
        return diags
    }

    static func importPath(_ path: String, from importer: String) -> String {
        let base = (importer as NSString).deletingLastPathComponent
        return path.hasPrefix("/") ? path : (base.isEmpty ? path : base + "/" + path)
    }

    /// The argument names a chunk and the files it imports read (nil when some read is dynamic),
    /// so that a run contract defined once in an imported file counts for every script using it.
    private func argumentNamesRead(by stmts: [Stmt], file: String) -> Set<String>? {
        var visited: Set<String> = [(file as NSString).standardizingPath]
        func walk(_ stmts: [Stmt], _ file: String) -> Set<String>? {
            guard var names = Interpreter.argumentNamesRead(by: stmts) else { return nil }
            for (path, _) in Session.imports(in: stmts) {
                let full = Session.importPath(path, from: file)
                guard visited.insert((full as NSString).standardizingPath).inserted else { continue }
                guard let text = try? host.readFile(full) else { continue }
                let parser = Parser(source: SourceFile(path: full, text: text))
                let more = parser.parseProgram()
                guard parser.diagnostics.isEmpty, let read = walk(more, full) else { return nil }
                names.formUnion(read)
            }
            return names
        }
        return walk(stmts, file)
    }

    /// Every `import` statement in a chunk, nested blocks included.
    static func imports(in stmts: [Stmt]) -> [(String, Span)] {
        var out: [(String, Span)] = []
        func walk(_ list: [Stmt]) {
            for s in list {
                switch s {
                case .importModule(let path, _, let span): out.append((path, span))
                case .ifElse(let branches, let e, _): branches.forEach { walk($0.1) }; if let e = e { walk(e) }
                case .whileLoop(_, let b, _), .forIn(_, _, let b, _), .nograd(let b, _): walk(b)
                case .function(_, let d, _): walk(d.body)
                default: break
                }
            }
        }
        walk(stmts)
        return out
    }

    /// User-defined globals and their values (`:vars`).
    public var variables: [(name: String, value: Value)] {
        globals.userBindings.filter { $0.0 != "args" }.map { (name: $0.0, value: $0.1) }
    }

    /// The value bound to a global name, if any.
    public func value(of name: String) -> Value? {
        globals.index[name].flatMap { globals.values[$0] }
    }

    /// Documentation for `?name` and `help(name)`: registry entries, modules, user functions.
    public func help(_ name: String) -> String? {
        if let t = registry.help(name) { return t }
        guard let v = lookupChain(name.split(separator: ".").map(String.init)) else { return nil }
        return Registry.helpText(for: v)
    }

    private func lookupChain(_ parts: [String]) -> Value? {
        guard let first = parts.first, let i = globals.index[first], var v = globals.values[i] else { return nil }
        for p in parts.dropFirst() {
            switch v {
            case .dict(let d): guard let x = d[.string(p)] else { return nil }; v = x
            case .object(let o): guard let x = (try? o.member(p)) ?? nil else { return nil }; v = x
            default: return nil
            }
        }
        return v
    }

    private static func memberNames(of v: Value) -> [String] {
        var names: [String] = []
        switch v {
        case .dict(let d): for k in d.keys { if case .string(let s) = k { names.append(s) } }
        case .object(let o): names += o.memberNames
        default: break
        }
        if let t = BuiltinMethods.table(for: v) { names += t.keys }
        return names
    }

    /// Completions for the identifier fragment at the end of `text` (the text up to the cursor):
    /// globals and keywords; members after `.`; `name=` keyword arguments inside a call.
    public func completions(for text: String) -> [String] {
        let chars = Array(text)
        var i = chars.count
        func isIdent(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        while i > 0 && isIdent(chars[i - 1]) { i -= 1 }
        let partial = String(chars[i...])
        var candidates: [String] = []
        if i > 0 && chars[i - 1] == "." {
            // receiver chain: a.b.c
            var j = i - 1
            while j > 0 && (isIdent(chars[j - 1]) || chars[j - 1] == ".") { j -= 1 }
            let chain = String(chars[j..<(i - 1)]).split(separator: ".").map(String.init)
            if let v = lookupChain(chain) { candidates = Session.memberNames(of: v) }
        } else {
            candidates = TokenKind.keywordNames + globals.names.filter { globals.values[globals.index[$0]!] != nil }
            // keyword arguments of the innermost open call
            var depth = 0, k = i - 1
            while k >= 0 {
                let c = chars[k]
                if c == ")" || c == "]" { depth += 1 }
                if c == "(" || c == "[" {
                    if depth == 0 {
                        if c == "(" {
                            var j = k
                            while j > 0 && (isIdent(chars[j - 1]) || chars[j - 1] == ".") { j -= 1 }
                            let chain = String(chars[j..<k]).split(separator: ".").map(String.init)
                            let target = lookupChain(chain)
                            if target == nil, chain.count >= 2, let recv = lookupChain(Array(chain.dropLast())),
                               let m = BuiltinMethods.table(for: recv)?[chain.last!] {
                                candidates += m.signature.parameters.map { $0.name + "=" }
                            }
                            switch target {
                            case .native(let f)?: candidates += f.signature.parameters.map { $0.name + "=" }
                            case .function(let f)?: candidates += f.parameterNames.map { $0 + "=" }
                            case .object(let o)?: if let f = o.callable { candidates += f.signature.parameters.map { $0.name + "=" } }
                            default: break
                            }
                        }
                        break
                    }
                    depth -= 1
                }
                k -= 1
            }
        }
        return Array(Set(candidates.filter { $0.hasPrefix(partial) && !$0.hasPrefix("_") || (partial.hasPrefix("_") && $0.hasPrefix(partial)) })).sorted()
    }
}
