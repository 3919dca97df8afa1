import Foundation
import Kernel

/// The `io` module: text, JSON, arrays, safetensors and checkpoints; every write is atomic.

/// A script object that wraps a Kernel `Module` (the nn bindings' model objects conform), so
/// `io.save_checkpoint(models={...})` can reach its state.
public protocol ModuleProviding: AnyObject {
    var module: Module { get }
}

/// A script object that wraps a Kernel `Optimizer` (the optim bindings' optimizer objects conform).
public protocol OptimizerProviding: AnyObject {
    var optimizer: Optimizer { get }
}

/// Script values ↔ checkpoint values: nil, bools, ints, floats, strings, and lists / dicts (string
/// keys) of them.
func checkpointValue(_ v: Value, what: String) throws -> CheckpointValue {
    switch v {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .int(let i): return .int(i)
    case .float(let d): return .double(d)
    case .string(let s): return .string(s)
    case .list(let l): return .list(try l.items.enumerated().map { try checkpointValue($0.1, what: "\(what)[\($0.0)]") })
    case .dict(let d):
        var out: [String: CheckpointValue] = [:]
        for (k, x) in zip(d.keys, d.values) {
            guard case .string(let s) = k.value else { throw ScriptError("\(what): checkpoint dict keys must be strings, got \(k.value.typeName)") }
            out[s] = try checkpointValue(x, what: "\(what)[\"\(s)\"]")
        }
        return .dict(out)
    default:
        throw ScriptError("\(what): a \(v.typeName) cannot be stored as a checkpoint value (use nil, bool, int, float, string, list or dict; tensors go in tensors=)")
    }
}

func scriptValue(_ v: CheckpointValue) -> Value {
    switch v {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .int(let i): return .int(i)
    case .double(let d): return .float(d)
    case .string(let s): return .string(s)
    case .list(let l): return .list(ScriptList(l.map(scriptValue)))
    case .dict(let d): return .dict(ScriptDict(d.keys.sorted().map { ($0, scriptValue(d[$0]!)) }))
    }
}

/// `{name: object}` with string keys, in dict order.
private func namedEntries(_ v: Value, _ what: String) throws -> [(String, Value)] {
    if v.isNull { return [] }
    guard case .dict(let d) = v else { throw ScriptError("\(what) must be a dict of name: value, got \(v.typeName)") }
    return try zip(d.keys, d.values).map { k, x in
        guard case .string(let s) = k.value else { throw ScriptError("\(what): keys must be strings, got \(k.value.typeName)") }
        return (s, x)
    }
}

private func modules(_ v: Value) throws -> [(String, Module)] {
    try namedEntries(v, "models").map { name, x in
        guard case .object(let o) = x, let m = o as? ModuleProviding else {
            throw ScriptError("models[\"\(name)\"] must be a model, got \(x.typeName)")
        }
        return (name, m.module)
    }
}

private func optimizers(_ v: Value) throws -> [(String, Optimizer)] {
    try namedEntries(v, "optimizers").map { name, x in
        guard case .object(let o) = x, let p = o as? OptimizerProviding else {
            throw ScriptError("optimizers[\"\(name)\"] must be an optimizer, got \(x.typeName)")
        }
        return (name, p.optimizer)
    }
}

private func tensors(_ v: Value, _ what: String) throws -> [(String, Tensor)] {
    try namedEntries(v, what).map { name, x in (name, try toTensor(x, what: "\(what)[\"\(name)\"]")) }
}

private func tensorDict(_ pairs: [(String, Tensor)]) -> Value {
    .dict(ScriptDict(pairs.map { ($0.0, wrap($0.1)) }))
}

func registerIOModule(_ r: Registry) {
    let m = r.module("io", doc: "Files: text, JSON, checkpoints, safetensors, .npy and .npz. Every write is atomic (temporary file, fsync, rename), so a crash never leaves a torn results file.")
    m.add("write_text(path: string, text: string)", doc: "Writes a text file atomically.") { a in
        try AtomicFile.write(try a.string(1), to: try a.string(0))
        return .null
    }
    m.add("read_text(path: string)", doc: "Reads a UTF-8 text file.") { a in
        let p = try a.string(0)
        let bytes = try FileBytes.read(p)
        guard let s = String(bytes: bytes, encoding: .utf8) else {
            throw DataFormatError(file: p, offset: nil, expected: "UTF-8 text", found: "bytes that are not UTF-8")
        }
        return .string(s)
    }
    m.add("write_json(path: string, value, indent: bool = true)", doc: "Writes a value as JSON atomically (keys sorted).") { a in
        var opts: JSONSerialization.WritingOptions = [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
        if try a.bool(2) { opts.insert(.prettyPrinted) }
        let data = try JSONSerialization.data(withJSONObject: try jsonObject(a[1]), options: opts)
        try AtomicFile.write([UInt8](data) + [10], to: try a.string(0))
        return .null
    }
    m.add("read_json(path: string)", doc: "Reads a JSON file into lists, dicts, numbers and strings.") { a in
        let p = try a.string(0)
        return try jsonValue(bytes: try FileBytes.read(p), file: p)
    }
    m.add("makedirs(path: string)", doc: "Creates a directory and its parents (no error if it exists).") { a in
        let p = try a.string(0)
        do { try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true) } catch {
            throw ScriptError("\(p): cannot create the directory (\(error.localizedDescription))")
        }
        return .null
    }
    m.add("exists(path: string)", doc: "True if the path exists.") { a in .bool(FileManager.default.fileExists(atPath: try a.string(0))) }

    m.add("save_checkpoint(path: string, models: dict? = nil, optimizers: dict? = nil, tensors: dict? = nil, values: dict? = nil)",
          doc: "Saves models (parameters and buffers), optimizer state, tensors and values ({name: value}; nil, bool, int, float, string, list, dict) to one checkpoint file, atomically.") { args in
        try Checkpoint.save(try args.string(0), modules: try modules(args[1]), optimizers: try optimizers(args[2]),
                            tensors: try tensors(args[3], "tensors"),
                            values: try checkpointValue(args[4].isNull ? .dict(ScriptDict()) : args[4], what: "values").dictValue)
        return .null
    }
    m.add("load_checkpoint(path: string, models: dict? = nil, optimizers: dict? = nil)",
          doc: "Restores the given models and optimizers in place from a checkpoint (names, shapes and dtypes are checked first; on a mismatch nothing changes) and returns {tensors: {...}, values: {...}}.") { args in
        let c = try Checkpoint.load(try args.string(0), modules: try modules(args[1]), optimizers: try optimizers(args[2]))
        return .dict(ScriptDict([
            ("tensors", tensorDict(c.tensorNames.map { ($0, c.tensors[$0]!) })),
            ("values", scriptValue(.dict(c.values))),
        ]))
    }
    m.add("save_safetensors(path: string, tensors: dict, metadata: dict? = nil)",
          doc: "Writes {name: tensor} as a .safetensors file (float32 → F32, int32 → I32, bool → BOOL), with optional string metadata.") { args in
        var meta: [String: String] = [:]
        for (k, v) in try namedEntries(args[2], "metadata") {
            guard case .string(let s) = v else { throw ScriptError("metadata[\"\(k)\"] must be a string, got \(v.typeName)") }
            meta[k] = s
        }
        try Safetensors.save(try tensors(args[1], "tensors"), metadata: meta, to: try args.string(0))
        return .null
    }
    m.add("load_safetensors(path: string)",
          doc: "Reads a .safetensors file as {name: tensor} in file order (floats → float32, integers → int32, bool → bool).") { args in
        tensorDict(try Safetensors.load(try args.string(0)).tensors)
    }
    m.add("safetensors_metadata(path: string)", doc: "The __metadata__ string map of a .safetensors file.") { args in
        let meta = try Safetensors.load(try args.string(0)).metadata
        return .dict(ScriptDict(meta.keys.sorted().map { ($0, .string(meta[$0]!)) }))
    }
    m.add("save_npy(path: string, x: tensor)", doc: "Writes a tensor as a NumPy .npy file.") { args in
        try NPY.write(try args.tensor(1), to: try args.string(0))
        return .null
    }
    m.add("load_npy(path: string)", doc: "Reads a NumPy .npy file as a tensor.") { args in
        wrap(try NPY.read(try args.string(0)))
    }
    m.add("save_npz(path: string, tensors: dict, compressed: bool = true)", doc: "Writes {name: tensor} as a NumPy .npz archive.") { args in
        try NPZ.write(try tensors(args[1], "tensors"), to: try args.string(0), compressed: try args.bool(2))
        return .null
    }
    m.add("load_npz(path: string)", doc: "Reads a NumPy .npz archive as {name: tensor} in archive order.") { args in
        let c = try NPZ.read(try args.string(0))
        return .dict(ScriptDict(try c.names.map { ($0, wrap(try c.tensor($0, file: try args.string(0)))) }))
    }
}

private extension CheckpointValue {
    var dictValue: [String: CheckpointValue] {
        get throws {
            guard case .dict(let d) = self else { throw ScriptError("values must be a dict") }
            return d
        }
    }
}

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

/// A JSON document as a script value (what `io.read_json` returns); malformed text is a
/// `DataFormatError` naming `file`.
public func jsonValue(bytes: [UInt8], file: String) throws -> Value {
    do { return valueFromJSON(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) } catch {
        let why = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
        throw DataFormatError(file: file, offset: nil, expected: "a JSON document", found: "malformed JSON (\(why))")
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
