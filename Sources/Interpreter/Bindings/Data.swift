import Foundation
import Kernel

/// The `data` module: datasets, loaders with augmented views, and terminal previews.
///
///     d = data.embedded()                       # {train, test}
///     loader = data.loader(d.train, batch=128)  # 2 weak + 2 strong views
///     for batch in loader { model(batch.x) … }

/// A dataset in the language (typeName "dataset").
public final class DatasetObject: ScriptObject {
    public let dataset: Dataset
    public init(_ d: Dataset) { dataset = d }
    public var typeName: String { "dataset" }
    public var memberNames: [String] {
        ["name", "classes", "shape", "labels", "images", "subset", "split", "summary", "class_histogram", "count", "source_indices"]
    }
    public var length: Int? { dataset.count }
    public var scriptDescription: String {
        "<dataset \(dataset.name): \(dataset.count) images \(dataset.channels)×\(dataset.height)×\(dataset.width), \(dataset.classCount) classes>"
    }

    public func member(_ name: String) throws -> Value? {
        let d = dataset
        switch name {
        case "name": return .string(d.name)
        case "classes": return .list(ScriptList(d.classNames.map { .string($0) }))
        case "shape": return .list(ScriptList(d.imageShape.map { .int($0) }))
        case "count": return .int(d.count)
        case "labels": return wrap(try d.labelTensor)
        case "source_indices": return wrap(try Tensor(ints: d.sourceIndices, shape: [d.count]))
        case "summary": return .string(d.summary)
        case "class_histogram": return .list(ScriptList(d.classHistogram.map { .int($0) }))
        case "images":
            return .native(NativeFunction("images(indices)", doc: "The images at indices (list, range or int tensor) as float32 [n, C, H, W] in 0…1.") { args in
                wrap(try d.images(at: try indexList(args, 0, count: d.count)))
            })
        case "subset":
            return .native(NativeFunction("subset(indices)", doc: "A dataset of the samples at indices, in that order.") { args in
                .object(DatasetObject(try d.subset(try indexList(args, 0, count: d.count))))
            })
        case "split":
            return .native(NativeFunction("split(fraction: float, seed: int = 0)", doc: "A seeded random split into [first, second]; first holds round(fraction·N) samples.") { args in
                let (a, b) = try d.split(fraction: try args.double(0), seed: UInt64(truncatingIfNeeded: try args.int(1)))
                return .list(ScriptList([.object(DatasetObject(a)), .object(DatasetObject(b))]))
            })
        default: return nil
        }
    }

    /// `for s in ds` yields {image, label, index}.
    public func makeIterator() throws -> AnyIterator<Value>? {
        let d = dataset
        var i = 0
        return AnyIterator {
            guard i < d.count, let img = try? d.image(i) else { return nil }
            defer { i += 1 }
            return record([("image", wrap(img)), ("label", .int(Int(d.labels[i]))), ("index", .int(i))])
        }
    }
}

/// A loader in the language (typeName "loader"): `for batch in loader`, `len(loader)`.
public final class LoaderObject: ScriptObject {
    public let loader: Loader
    public init(_ l: Loader) { loader = l }
    public var typeName: String { "loader" }
    public var memberNames: [String] { ["set_epoch", "epoch", "batch_size", "views", "dataset", "preset", "batch"] }
    public var length: Int? { loader.count }
    public var scriptDescription: String {
        "<loader over \(loader.dataset.name): \(loader.sampleCount) samples, batch \(loader.batchSize), \(loader.count) batches, views \(loader.views.map { $0.rawValue }.joined(separator: ","))>"
    }
    public func member(_ name: String) throws -> Value? {
        let l = loader
        switch name {
        case "epoch": return .int(l.epoch)
        case "batch_size": return .int(l.batchSize)
        case "views": return .list(ScriptList(l.views.map { .string($0.rawValue) }))
        case "dataset": return .object(DatasetObject(l.dataset))
        case "preset": return .string(l.augmenter.preset.name)
        case "set_epoch":
            return .native(NativeFunction("set_epoch(epoch: int)", doc: "The epoch of the next pass (shuffle and augmentation streams are keyed by it).") { args in
                l.setEpoch(try args.int(0))
                return .null
            })
        case "batch":
            return .native(NativeFunction("batch(number: int, epoch: int? = nil)", doc: "Batch `number` of an epoch (default: the next pass's), built now.") { args in
                let e = args.isNull(1) ? l.epoch : try args.int(1)
                return .object(BatchObject(try l.batch(try args.int(0), epoch: e)))
            })
        default: return nil
        }
    }
    public func makeIterator() throws -> AnyIterator<Value>? {
        let it = loader.makeIterator()
        return AnyIterator {
            guard let b = it.next() else { it.close(); return nil }
            return .object(BatchObject(b))
        }
    }
}

/// One batch (typeName "batch"): views, x (the first view), labels, indices, extras.
public final class BatchObject: ScriptObject {
    public let batch: Batch
    public init(_ b: Batch) { batch = b }
    public var typeName: String { "batch" }
    public var memberNames: [String] { ["views", "x", "labels", "indices", "extras", "size", "number"] }
    public var length: Int? { batch.count }
    public var scriptDescription: String {
        "<batch \(batch.number): \(batch.count) samples, \(batch.views.count) views [\(batch.x.shape.map(String.init).joined(separator: ", "))]>"
    }
    public func member(_ name: String) throws -> Value? {
        switch name {
        case "views": return .list(ScriptList(batch.views.map(wrap)))
        case "x": return wrap(batch.x)
        case "labels": return wrap(batch.labels)
        case "indices": return wrap(batch.indices)
        case "extras":
            let d = ScriptDict()
            for k in batch.extras.keys.sorted() { d[.string(k)] = wrap(batch.extras[k]!) }
            return .dict(d)
        case "size": return .int(batch.count)
        case "number": return .int(batch.number)
        default: return nil
        }
    }
}

/// Indices from a list, range or int tensor argument, checked against `count`.
func indexList(_ args: Arguments, _ i: Int, count: Int) throws -> [Int] {
    var out: [Int] = []
    if case .object(let o) = args[i], let t = o as? TensorObject {
        out = t.tensor.toDoubles().map { Int($0) }
    } else if case .int(let k) = args[i] {
        out = [k]
    } else {
        for v in try args.sequence(i) {
            guard case .int(let k) = v else { throw args.argumentError(i, "indices must be ints, got \(v.typeName)") }
            out.append(k)
        }
    }
    for k in out where k < 0 || k >= count {
        throw args.argumentError(i, "index \(k) is out of range for \(count) samples")
    }
    return out
}

func splitsValue(_ s: DatasetSplits) -> Value {
    record([("train", .object(DatasetObject(s.train))), ("test", .object(DatasetObject(s.test)))])
}

/// Colour output for previews: not when NO_COLOR is set or stdout is not a terminal.
func previewColor(_ forced: Bool?) -> Bool {
    if let f = forced { return f }
    if ProcessInfo.processInfo.environment["NO_COLOR"] != nil { return false }
    return isatty(1) == 1
}

func registerDataModule(_ r: Registry) {
    let m = r.module("data", doc: "Datasets, loaders with augmented views (weak / strong / test), and previews.")
    m.add("load(spec: string, seed: int = 0)",
          doc: "Loads a dataset spec NAME[:PATH] (embedded, fmnist[:DIR], cifar10:DIR, …, npz:FILE, folder:DIR) → {train, test}.") { args in
        splitsValue(try Datasets.load(spec: try args.string(0), seed: UInt64(truncatingIfNeeded: try args.int(1))))
    }
    m.add("fmnist(path: string? = nil)", doc: "Fashion-MNIST from a directory of IDX files (default: Debian's dataset-fashion-mnist) → {train, test}.") { args in
        splitsValue(try Datasets.fmnist(path: args.isNull(0) ? nil : try args.string(0)))
    }
    m.add("embedded()", doc: "The Fashion-MNIST subset built into CoReg (10,000 train / 2,000 test) → {train, test}.") { _ in
        splitsValue(try Dataset.embedded())
    }
    m.add("loader(dataset: dataset, batch: int = 128, shuffle: bool = true, drop_last: bool = false, views: list? = nil, preset = nil, seed: int = 0, indices = nil, extras: dict? = nil, prefetch: int = 2, threads: int? = nil)",
          doc: "Batches of augmented views: views default [\"weak\", \"weak\", \"strong\", \"strong\"] (or \"test\"); preset: a registry name (\"cifar10\", \"folder\", …) or a dict {base: NAME, padding, flip, size, strong, mean, std} overriding one; default the dataset's own (docs/augmentation.md); indices: a subset (list, range or int tensor); extras: {name: tensor} with one row per dataset sample (or per subset sample), gathered per batch. `for batch in loader` gives batch.views, batch.x, batch.labels, batch.indices, batch.extras.") { args in
        let ds = try args.object(0, as: DatasetObject.self, expected: "dataset").dataset
        var views: [AugmentView] = [.weak, .weak, .strong, .strong]
        if !args.isNull(4) {
            views = try args.list(4).items.map { v in
                guard case .string(let s) = v, let k = AugmentView(rawValue: s.lowercased()) else {
                    throw args.argumentError(4, "views are \"weak\", \"strong\" or \"test\", got \(v.reprString)")
                }
                return k
            }
        }
        let preset = args.isNull(5) ? nil : try presetArg(args, 5, dataset: ds)
        let indices = args.isNull(7) ? nil : try indexList(args, 7, count: ds.count)
        var extras: [String: Tensor] = [:]
        if !args.isNull(8) {
            let d = try args.dict(8)
            for (k, v) in zip(d.keys, d.values) {
                guard case .string(let name) = k.value else { throw args.argumentError(8, "extras keys must be strings") }
                extras[name] = try toTensor(v, what: "extra '\(name)'")
            }
        }
        let threads = args.isNull(10) ? nil : try args.int(10)
        if let t = threads, t < 1 { throw args.argumentError(10, "threads must be at least 1") }
        return .object(LoaderObject(try Loader(dataset: ds, batchSize: try args.int(1), shuffle: try args.bool(2), dropLast: try args.bool(3),
                                               views: views, preset: preset, seed: UInt64(truncatingIfNeeded: try args.int(6)),
                                               indices: indices, extras: extras, prefetch: try args.int(9), threads: threads)))
    }
    m.add("balanced(dataset: dataset, total: int, seed: int = 0)",
          doc: "Indices of a class-balanced subset of `total` samples (total/C per class; seeded; sorted) as an int tensor.") { args in
        let d = try args.object(0, as: DatasetObject.self, expected: "dataset").dataset
        let n = try args.int(1), seed = try args.int(2)
        guard n > 0, n % max(d.classCount, 1) == 0 else { throw args.argumentError(1, "total must be a positive multiple of the \(d.classCount) classes") }
        guard seed >= 0 else { throw args.argumentError(2, "seed must be ≥ 0") }
        let idx = try d.balancedIndices(perClass: n / d.classCount, seed: UInt64(seed))
        return wrap(try Tensor(ints: idx.map { Int32($0) }, shape: [idx.count]))
    }
    m.add("show(dataset: dataset, n: int = 16, columns: int = 8, color: bool? = nil)",
          doc: "Prints the first n images as a terminal grid with labels (ANSI half blocks; ASCII shading when NO_COLOR is set or not a terminal).") { args in
        let ds = try args.object(0, as: DatasetObject.self, expected: "dataset").dataset
        let n = min(max(0, try args.int(1)), ds.count)
        args.context.host.write(DatasetPreview.imageGrid(ds, indices: Array(0..<n), columns: try args.int(2),
                                                         color: previewColor(args.isNull(3) ? nil : try args.bool(3))))
        return .null
    }
    m.add("histogram(dataset: dataset, width: int = 40)", doc: "Prints the class histogram as Unicode bars.") { args in
        let ds = try args.object(0, as: DatasetObject.self, expected: "dataset").dataset
        args.context.host.write(DatasetPreview.histogram(ds.classHistogram, names: ds.classNames, width: max(1, try args.int(1))))
        return .null
    }
    m.add("preset(spec: string, dataset: dataset? = nil)",
          doc: "A dataset's registry entry as a dict: name, title, epochs and warmup (the paper's recipe), and its augmentation: size, padding, flip, strong, mean, std. spec is a dataset name, alias or spec (\"cifar10:DIR\", \"folder:DIR\", a path); user data (folder, npz) derives its augmentation from `dataset`'s images.") { args in
        let e = try DatasetRegistry.parse(spec: try args.string(0)).entry
        let ds = args.isNull(1) ? nil : try args.object(1, as: DatasetObject.self, expected: "dataset").dataset
        var pairs: [(String, Value)] = [("name", .string(e.name)), ("title", .string(e.title)),
                                        ("epochs", .int(e.epochs)), ("warmup", .int(e.warmup))]
        if let p = try e.augment ?? ds.map({ try DatasetRegistry.augmentPreset(e.name, like: $0) }) {
            pairs += presetPairs(p)
        }
        return record(pairs)
    }
    m.add("input_shape(dataset: dataset, preset = nil)",
          doc: "[C, H, W] of the images a loader with this preset yields: the data's own geometry, resized when the preset resizes.") { args in
        let ds = try args.object(0, as: DatasetObject.self, expected: "dataset").dataset
        let p = args.isNull(1) ? DatasetRegistry.defaultPreset(for: ds) : try presetArg(args, 1, dataset: ds)
        return .list(ScriptList(p.outputShape(for: ds.imageShape).map { .int($0) }))
    }
    m.set("datasets", .list(ScriptList(DatasetRegistry.names.map { .string($0) })))
}

/// The fields of a preset as script dict pairs.
func presetPairs(_ p: AugmentPreset) -> [(String, Value)] {
    [("augment", .string(p.name)), ("size", p.size.map { .int($0) } ?? .null), ("padding", .int(p.padding)),
     ("flip", .bool(p.flip)), ("strong", .string(p.strong.description)),
     ("mean", .list(ScriptList(p.mean.map { .float(Double($0)) }))),
     ("std", .list(ScriptList(p.std.map { .float(Double($0)) })))]
}

/// A preset argument: a registry name, or a dict {base, padding, flip, size, strong, mean, std}
/// whose fields override the base's (default base: the dataset's own preset).
func presetArg(_ args: Arguments, _ i: Int, dataset: Dataset) throws -> AugmentPreset {
    if case .string(let name) = args[i] { return try DatasetRegistry.augmentPreset(name, like: dataset) }
    guard case .dict(let d) = args[i] else {
        throw args.argumentError(i, "expected a preset name or dict, got \(args[i].typeName)")
    }
    var p = DatasetRegistry.defaultPreset(for: dataset)
    let known = ["base", "padding", "flip", "size", "strong", "mean", "std"]
    for (k, v) in zip(d.keys, d.values) {
        guard case .string(let key) = k.value, known.contains(key) else {
            throw args.argumentError(i, "unknown preset field \(k.value.reprString); expected one of \(known.joined(separator: ", "))")
        }
        if key == "base" {
            guard case .string(let b) = v else { throw args.argumentError(i, "preset base must be a name") }
            p = try DatasetRegistry.augmentPreset(b, like: dataset)
        }
    }
    func number(_ v: Value, _ key: String) throws -> Double {
        switch v {
        case .int(let n): return Double(n)
        case .float(let x): return x
        default: throw args.argumentError(i, "preset \(key) must be a number, got \(v.typeName)")
        }
    }
    func floats(_ v: Value, _ key: String) throws -> [Float] {
        if case .list(let l) = v { return try l.items.map { Float(try number($0, key)) } }
        return [Float(try number(v, key))]
    }
    for (k, v) in zip(d.keys, d.values) {
        guard case .string(let key) = k.value else { continue }
        switch key {
        case "padding": p.padding = Int(try number(v, key))
        case "size": p.size = v.isNull ? nil : Int(try number(v, key))
        case "flip":
            guard case .bool(let b) = v else { throw args.argumentError(i, "preset flip must be true or false") }
            p.flip = b
        case "strong":
            guard case .string(let st) = v else { throw args.argumentError(i, "preset strong must be \"randaugment\", \"cutout\" or \"none\"") }
            switch st.lowercased() {
            case "randaugment": p.strong = .randAugment(ops: 1)
            case "cutout": p.strong = .cutout(holes: 1, length: Swift.max(1, Swift.min(dataset.height, dataset.width) / 2))
            case "none": p.strong = .cutout(holes: 0, length: 0)
            default: throw args.argumentError(i, "preset strong must be \"randaugment\", \"cutout\" or \"none\", got \"\(st)\"")
            }
        case "mean": p.mean = try floats(v, key)
        case "std": p.std = try floats(v, key)
        default: break
        }
    }
    guard p.mean.count == dataset.channels || p.mean.count == 1, p.std.count == p.mean.count, p.std.allSatisfy({ $0 > 0 }), p.padding >= 0 else {
        throw args.argumentError(i, "preset mean/std need one positive value per channel (\(dataset.channels)) and padding ≥ 0")
    }
    if p.mean.count == 1 && dataset.channels > 1 {
        p.mean = [Float](repeating: p.mean[0], count: dataset.channels)
        p.std = [Float](repeating: p.std[0], count: dataset.channels)
    }
    return p
}
