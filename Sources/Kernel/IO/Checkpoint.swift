/// A scalar or structured value stored in a checkpoint (epoch, config, loss history as numbers…).
/// Doubles round-trip bit-exactly (shortest round-trip decimal text; non-finite values tagged).
public indirect enum CheckpointValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([CheckpointValue])
    case dict([String: CheckpointValue])

    static let floatTag = "__coreg_float__"

    /// Deterministic JSON (dictionary keys sorted).
    var json: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            // Swift's description is the shortest text that reads back to the same bits, and
            // always has a '.' or an exponent, so it never reads back as an int.
            if d.isFinite { return d.description }
            return "{\(JSONWriter.quote(CheckpointValue.floatTag)):\(JSONWriter.quote(d.isNaN ? "nan" : d > 0 ? "inf" : "-inf"))}"
        case .string(let s): return JSONWriter.quote(s)
        case .list(let l): return "[" + l.map { $0.json }.joined(separator: ",") + "]"
        case .dict(let d): return "{" + d.keys.sorted().map { JSONWriter.quote($0) + ":" + d[$0]!.json }.joined(separator: ",") + "}"
        }
    }

    init(_ node: JSONNode) throws {
        switch node.kind {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let s):
            if let i = node.intValue { self = .int(i) }
            else if let d = Double(s), d.isFinite { self = .double(d) }
            else { throw JSONParseError(offset: node.offset, expected: "a number that fits", found: s) }
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(try a.map(CheckpointValue.init))
        case .object(let members):
            if members.count == 1, members[0].0 == CheckpointValue.floatTag, let s = members[0].1.stringValue {
                switch s {
                case "nan": self = .double(.nan)
                case "inf": self = .double(.infinity)
                case "-inf": self = .double(-.infinity)
                default: throw JSONParseError(offset: members[0].1.offset, expected: "nan, inf or -inf", found: s)
                }
                return
            }
            var d: [String: CheckpointValue] = [:]
            for (k, v) in members { d[k] = try CheckpointValue(v) }
            self = .dict(d)
        }
    }

    public var description: String { json }

    public static func == (a: CheckpointValue, b: CheckpointValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        // bitwise, so NaN == NaN and 0.0 != -0.0: a value reads back as exactly what was saved
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.dict(let x), .dict(let y)): return x == y
        default: return false
        }
    }
}

/// A checkpoint that cannot be used: a missing or unexpected entry, or one whose shape or dtype
/// does not match what it is loaded into. The message names the entry and both sides.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// Checkpoints hold *all* mutable state of a run, so that a resumed run computes the same bits as
/// one that was never stopped: modules (parameters and buffers), optimiser state (per-parameter
/// buffers and step counts, group learning rates and weight decays), RNG states, method tensors
/// (GMM loss history, prototypes, queues) and values (epoch, config).
///
/// The file is one `.safetensors` file (readable by any safetensors reader), written atomically
/// (temporary file, fsync, rename: a crash leaves the previous checkpoint intact). Layout:
///
///     model/NAME/KEY        a module's state_dict entry KEY (e.g. model/net/fc.weight)
///     optim/NAME/KEY        an optimiser state tensor (e.g. optim/opt/sgd.g0.p3.momentum_buffer)
///     extra/NAME            a tensor given in `tensors:`
///     checksum/crc32        int32 [1], last in the data section: the CRC-32 of every byte
///                           of the file before it (header included), so any corruption of the
///                           header or of tensor data is detected on load
///     __metadata__          coreg.checkpoint = "1", coreg.models / coreg.optimizers (JSON),
///                           coreg.rng.NAME = "seed,counter,used", coreg.values (JSON)
public enum Checkpoint {
    public static let formatVersion = "1"
    static let checksumName = "checksum/crc32"

    /// What a checkpoint holds besides module and optimiser state.
    public struct Contents {
        /// The extra tensors, by name.
        public let tensors: [String: Tensor]
        /// Extra tensor names in saved order.
        public let tensorNames: [String]
        public let values: [String: CheckpointValue]
        /// RNG states by name ([seed, counter, used], see `RNG.state`).
        public let rngStates: [String: [UInt64]]
        /// Names of the modules and optimisers saved.
        public let modules: [String]
        public let optimizers: [String]
    }

    static func checkName(_ kind: String, _ name: String) throws {
        guard !name.isEmpty, !name.contains("/") else {
            throw TensorError("checkpoint", "\(kind) name '\(name)' must be non-empty and contain no '/'")
        }
    }

    /// The checkpoint as bytes (what `save` writes).
    public static func encode(modules: [(String, Module)] = [],
                              optimizers: [(String, Optimizer)] = [],
                              rngs: [(String, RNG)] = [],
                              tensors: [(String, Tensor)] = [],
                              values: [String: CheckpointValue] = [:]) throws -> [UInt8] {
        var all: [(String, Tensor)] = []
        var meta: [String: String] = ["coreg.checkpoint": formatVersion]
        var seen = Set<String>()
        for (kind, names) in [("model", modules.map { $0.0 }), ("optimizer", optimizers.map { $0.0 }), ("RNG", rngs.map { $0.0 })] {
            seen.removeAll()
            for n in names {
                try checkName(kind, n)
                guard seen.insert(n).inserted else { throw TensorError("checkpoint", "duplicate \(kind) name '\(n)'") }
            }
        }
        var models: [String: CheckpointValue] = [:]
        for (name, m) in modules {
            all += m.stateDict().map { ("model/\(name)/\($0.0)", $0.1.detach()) }
            models[name] = .string(m.typeName)
        }
        var optims: [String: CheckpointValue] = [:]
        for (name, o) in optimizers {
            all += o.stateTensors().map { ("optim/\(name)/\($0.0)", $0.1) }
            optims[name] = .dict([
                "type": .string(String(describing: type(of: o))),
                "groups": .list(o.groups.map { g in
                    .dict(["lr": .double(g.lr), "weight_decay": .double(g.weightDecay), "params": .int(g.params.count)])
                }),
            ])
        }
        seen.removeAll()
        for (name, t) in tensors {
            guard !name.isEmpty, seen.insert(name).inserted else { throw TensorError("checkpoint", "empty or duplicate tensor name '\(name)'") }
            all.append(("extra/\(name)", t.detach()))
        }
        if !modules.isEmpty { meta["coreg.models"] = CheckpointValue.dict(models).json }
        if !optimizers.isEmpty { meta["coreg.optimizers"] = CheckpointValue.dict(optims).json }
        for (name, r) in rngs { meta["coreg.rng.\(name)"] = r.state.map(String.init).joined(separator: ",") }
        if !values.isEmpty { meta["coreg.values"] = CheckpointValue.dict(values).json }
        all.append((checksumName, try Tensor(ints: [0], shape: [1])))
        var bytes = try Safetensors.encode(Safetensors.File(tensors: all, metadata: meta))
        // the checksum tensor's 4 bytes are the last of the file
        let crc = Gzip.crc32(bytes, range: 0..<(bytes.count - 4))
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return bytes
    }

    /// Writes a checkpoint atomically. Names of modules, optimisers and RNGs must be unique and
    /// contain no '/'.
    public static func save(_ path: String,
                            modules: [(String, Module)] = [],
                            optimizers: [(String, Optimizer)] = [],
                            rngs: [(String, RNG)] = [],
                            tensors: [(String, Tensor)] = [],
                            values: [String: CheckpointValue] = [:]) throws {
        let bytes = try encode(modules: modules, optimizers: optimizers, rngs: rngs, tensors: tensors, values: values)
        try AtomicFile.write(bytes, to: path)
    }

    /// Reads a checkpoint and restores the given modules, optimisers and RNGs in place. Everything
    /// is checked before anything is changed — each module's names, shapes and dtypes, each
    /// optimiser's type, groups and state, each RNG state — so a checkpoint that does not fit
    /// throws a `CheckpointError` naming the mismatch and leaves every object as it was. A
    /// malformed file throws `DataFormatError`, a missing one `FileIOError`.
    @discardableResult
    public static func load(_ path: String,
                            modules: [(String, Module)] = [],
                            optimizers: [(String, Optimizer)] = [],
                            rngs: [(String, RNG)] = []) throws -> Contents {
        try load(bytes: try FileBytes.read(path), file: path, modules: modules, optimizers: optimizers, rngs: rngs)
    }

    /// `load` from bytes in memory; `file` names them in errors.
    @discardableResult
    public static func load(bytes: [UInt8], file path: String,
                            modules: [(String, Module)] = [],
                            optimizers: [(String, Optimizer)] = [],
                            rngs: [(String, RNG)] = []) throws -> Contents {
        let file = try Safetensors.decode(bytes, file: path)
        func fail(_ m: String) -> CheckpointError { CheckpointError(path: path, message: m) }
        guard let version = file.metadata["coreg.checkpoint"] else {
            throw fail("a safetensors file but not a CoReg checkpoint (no coreg.checkpoint in __metadata__)")
        }
        guard version == formatVersion else { throw fail("checkpoint format version \(version); this CoReg reads version \(formatVersion)") }
        guard let (lastName, last) = file.tensors.last, lastName == checksumName, last.dtype == .int32, last.shape == [1] else {
            throw DataFormatError(file: path, offset: nil, expected: "a final int32 [1] tensor '\(checksumName)'",
                                  found: file.tensors.last.map { "'\($0.0)' \($0.1.dtype) \(shapeString($0.1.shape))" } ?? "no tensors")
        }
        let stored = UInt32(bitPattern: last.toInts()[0])
        let actual = Gzip.crc32(bytes, range: 0..<(bytes.count - 4))
        guard stored == actual else {
            throw DataFormatError(file: path, offset: bytes.count - 4,
                                  expected: "CRC-32 \(hex32(stored)) of the preceding \(bytes.count - 4) bytes (as stored)",
                                  found: "\(hex32(actual)): the checkpoint is corrupted")
        }
        func json(_ key: String) throws -> [String: CheckpointValue] {
            guard let text = file.metadata[key] else { return [:] }
            do {
                guard case .dict(let d) = try CheckpointValue(JSONParser.parse(Array(text.utf8))) else {
                    throw fail("__metadata__ '\(key)' is not a JSON object")
                }
                return d
            } catch let e as JSONParseError {
                throw fail("__metadata__ '\(key)': character \(e.offset): expected \(e.expected), found \(e.found)")
            }
        }
        let savedModels = try json("coreg.models"), savedOptims = try json("coreg.optimizers"), values = try json("coreg.values")

        var model: [String: [String: Tensor]] = [:], optim: [String: [String: Tensor]] = [:]
        var extra: [String: Tensor] = [:], extraNames: [String] = []
        for (k, t) in file.tensors {
            let parts = k.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3, parts[0] == "model" { model[String(parts[1]), default: [:]][String(parts[2])] = t }
            else if parts.count == 3, parts[0] == "optim" { optim[String(parts[1]), default: [:]][String(parts[2])] = t }
            else if k == checksumName { continue }
            else if k.hasPrefix("extra/") { extra[String(k.dropFirst(6))] = t; extraNames.append(String(k.dropFirst(6))) }
            else { throw fail("unexpected tensor '\(k)' (expected model/…, optim/… or extra/…)") }
        }
        for name in model.keys.sorted() where savedModels[name] == nil { throw fail("tensors for model '\(name)' that coreg.models does not list") }
        for name in optim.keys.sorted() where savedOptims[name] == nil { throw fail("tensors for optimizer '\(name)' that coreg.optimizers does not list") }
        func listing(_ d: [String: CheckpointValue]) -> String { d.isEmpty ? "none" : d.keys.sorted().joined(separator: ", ") }

        // 1. modules: names, shapes, dtypes
        for (name, m) in modules {
            guard let savedValue = savedModels[name] else { throw fail("no model '\(name)' (saved models: \(listing(savedModels)))") }
            var saved = savedValue.description
            if case .string(let t) = savedValue { saved = t }
            let state = model[name] ?? [:]
            let own = m.stateDict()
            let ownNames = Set(own.map { $0.0 })
            var problems: [String] = []
            for (key, t) in own {
                guard let s = state[key] else { problems.append("missing '\(key)' (expected \(t.dtype) \(shapeString(t.shape)))"); continue }
                if s.shape != t.shape { problems.append("'\(key)': expected shape \(shapeString(t.shape)), found \(shapeString(s.shape))") }
                else if s.dtype != t.dtype { problems.append("'\(key)': expected dtype \(t.dtype), found \(s.dtype)") }
            }
            for key in state.keys.sorted() where !ownNames.contains(key) { problems.append("unexpected '\(key)'") }
            if !problems.isEmpty {
                let shown = problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? "; and \(problems.count - 5) more" : "")
                throw fail("model '\(name)' (saved as \(saved), loading into \(m.typeName)): \(shown)")
            }
        }
        // 2. optimisers: type and groups (state tensors are validated by loadState below)
        var groupSettings: [[(Double, Double)]] = []
        for (name, o) in optimizers {
            guard case .dict(let saved)? = savedOptims[name] else {
                throw fail("no optimizer '\(name)' (saved optimizers: \(listing(savedOptims)))")
            }
            let type = String(describing: Swift.type(of: o))
            guard case .string(let savedType)? = saved["type"], savedType == type else {
                var savedType = saved["type"]?.description ?? "?"
                if case .string(let t)? = saved["type"] { savedType = t }
                throw fail("optimizer '\(name)': saved as \(savedType), loading into \(type)")
            }
            guard case .list(let gs)? = saved["groups"], gs.count == o.groups.count else {
                throw fail("optimizer '\(name)': expected \(o.groups.count) parameter group(s), found \(saved["groups"].map { "\($0)" } ?? "none")")
            }
            var settings: [(Double, Double)] = []
            for (i, (g, sg)) in zip(o.groups, gs).enumerated() {
                guard case .dict(let d) = sg, case .int(let n)? = d["params"], case .double(let lr)? = d["lr"],
                      case .double(let wd)? = d["weight_decay"] else { throw fail("optimizer '\(name)': malformed group \(i): \(sg)") }
                guard n == g.params.count else {
                    throw fail("optimizer '\(name)': group \(i): expected \(g.params.count) parameters, found \(n)")
                }
                settings.append((lr, wd))
            }
            groupSettings.append(settings)
        }
        // 3. RNG states
        var rngStates: [String: [UInt64]] = [:]
        for (k, v) in file.metadata where k.hasPrefix("coreg.rng.") {
            let words = v.split(separator: ",", omittingEmptySubsequences: false).map { UInt64($0) }
            guard words.count == 3, words.allSatisfy({ $0 != nil }), words[2]! <= 4 else {
                throw fail("malformed RNG state '\(k)' = '\(v)' (expected seed,counter,used)")
            }
            rngStates[String(k.dropFirst(10))] = words.map { $0! }
        }
        for (name, _) in rngs where rngStates[name] == nil {
            throw fail("no RNG state '\(name)' (saved: \(rngStates.isEmpty ? "none" : rngStates.keys.sorted().joined(separator: ", ")))")
        }

        // 4. apply: optimisers first (their loadState validates, and is undone on failure)
        var done: [(Optimizer, [(String, Tensor)], [(Double, Double)])] = []
        do {
            for ((name, o), settings) in zip(optimizers, groupSettings) {
                let before = o.stateTensors(), beforeGroups = o.groups.map { ($0.lr, $0.weightDecay) }
                do { try o.loadState(optim[name] ?? [:]) } catch let e as TensorError {
                    throw fail("optimizer '\(name)': \(e.message)")
                }
                done.append((o, before, beforeGroups))
                for (g, (lr, wd)) in zip(o.groups, settings) { g.lr = lr; g.weightDecay = wd }
            }
        } catch {
            for (o, before, groups) in done {
                try? o.loadState(Dictionary(before, uniquingKeysWith: { a, _ in a }))
                for (g, (lr, wd)) in zip(o.groups, groups) { g.lr = lr; g.weightDecay = wd }
            }
            throw error
        }
        for (name, m) in modules { try m.loadStateDict(model[name] ?? [:]) }
        for (name, r) in rngs { try r.restore(state: rngStates[name]!) }
        return Contents(tensors: extra, tensorNames: extraNames, values: values, rngStates: rngStates,
                        modules: savedModels.keys.sorted(), optimizers: savedOptims.keys.sorted())
    }
}
