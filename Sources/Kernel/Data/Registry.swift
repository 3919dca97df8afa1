/// A name the user typed that matches none of the known ones (a dataset, preset or annotator).
/// The message lists the known names; the CLI and scripts exit 64 (usage) on it.
public struct UnknownNameError: Error, CustomStringConvertible, Equatable, Sendable {
    public let kind: String
    public let name: String
    public let known: [String]
    public let hint: String
    public init(kind: String, name: String, known: [String], hint: String = "") {
        self.kind = kind; self.name = name; self.known = known; self.hint = hint
    }
    public var description: String {
        "unknown \(kind) '\(name)'; expected one of \(known.joined(separator: ", "))" + (hint.isEmpty ? "" : " (\(hint))")
    }
}

/// One dataset CoReg knows: its names, where its files come from, the paper's training budget,
/// its augmentation and normalisation, and its class names. Geometry (channels, size) is never
/// stored here: it comes from the loaded data (and, for the sets the paper resizes, from the
/// augmentation's `size`).
public struct DatasetEntry: Sendable {
    /// The canonical name (`cifar10`), used in specs, presets and results.
    public let name: String
    /// Other spellings `NAME:PATH` accepts (`cifar-10`).
    public let aliases: [String]
    public let title: String
    /// What PATH names, for messages and `coreg data list`.
    public let pathHelp: String
    /// Whether a spec must give a path (`embedded` and `fmnist` have defaults).
    public let needsPath: Bool
    /// Training epochs and warm-up epochs of the paper's recipe (Co-Reg's README and scripts).
    public let epochs: Int
    public let warmup: Int
    /// Augmentation and normalisation; nil for user data (`folder`, `npz`), whose preset is
    /// derived from the loaded images (`DatasetRegistry.userPreset`).
    public let augment: AugmentPreset?
    /// Class names for prompting a VLM; nil when the data brings its own.
    public let classNames: [String]?
    let loader: @Sendable (_ path: String?, _ seed: UInt64) throws -> DatasetSplits

    /// Every name this entry answers to, canonical first.
    public var names: [String] { [name] + aliases }
}

/// The one registry of datasets: the CLI (`coreg data`, `coreg annotate`), the bindings
/// (`data.load`, `data.preset`, `data.loader`), `scripts/lib/common.coreg` and
/// `scripts/annotate_clip.py` (through `coreg data list --json`) all read it.
public enum DatasetRegistry {
    public static let entries: [DatasetEntry] = {
        let half: [Float] = [0.5, 0.5, 0.5]
        let fm = AugmentPreset(name: "fmnist", padding: 4, flip: true, strong: .cutout(holes: 1, length: 16), mean: [0.1307], std: [0.3081])
        var emb = fm
        emb.name = "embedded"
        @Sendable func splitFolder(_ path: String, _ seed: UInt64) throws -> DatasetSplits {
            let all = try Datasets.imageFolder(path: path)
            let (a, b) = try all.split(fraction: 0.8, seed: seed)
            return DatasetSplits(train: try a.renamed(all.name + "/train"), test: try b.renamed(all.name + "/test"))
        }
        return [
            DatasetEntry(name: "embedded", aliases: ["fmnist-embedded"], title: "Fashion-MNIST subset built into CoReg (10,000 / 2,000)",
                         pathHelp: "none", needsPath: false, epochs: 40, warmup: 10, augment: emb, classNames: ClassNames.fmnist,
                         loader: { _, _ in try Dataset.embedded() }),
            DatasetEntry(name: "fmnist", aliases: ["fashion-mnist", "fashionmnist"], title: "Fashion-MNIST",
                         pathHelp: "a directory of IDX files (default \(Datasets.fmnistDefaultPath))", needsPath: false,
                         epochs: 100, warmup: 50, augment: fm, classNames: ClassNames.fmnist,
                         loader: { p, _ in try Datasets.fmnist(path: p) }),
            DatasetEntry(name: "mnist", aliases: [], title: "MNIST", pathHelp: "a directory of IDX files", needsPath: true,
                         epochs: 100, warmup: 50,
                         augment: AugmentPreset(name: "mnist", padding: 4, flip: false, strong: .cutout(holes: 1, length: 16), mean: [0.1307], std: [0.3081]),
                         classNames: ClassNames.mnist, loader: { p, _ in try Datasets.mnist(path: p!) }),
            DatasetEntry(name: "kmnist", aliases: [], title: "Kuzushiji-MNIST", pathHelp: "a directory of IDX files", needsPath: true,
                         epochs: 100, warmup: 50,
                         augment: AugmentPreset(name: "kmnist", padding: 4, flip: false, strong: .cutout(holes: 1, length: 16), mean: [0.1918], std: [0.3483]),
                         classNames: ClassNames.kmnist, loader: { p, _ in try Datasets.kmnist(path: p!) }),
            DatasetEntry(name: "cifar10", aliases: ["cifar-10"], title: "CIFAR-10", pathHelp: "cifar-10-batches-bin or its parent", needsPath: true,
                         epochs: 800, warmup: 50,
                         augment: AugmentPreset(name: "cifar10", padding: 4, flip: true, strong: .randAugment(ops: 1),
                                                mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616]),
                         classNames: ClassNames.cifar10, loader: { p, _ in try Datasets.cifar10(path: p!) }),
            DatasetEntry(name: "cifar100", aliases: ["cifar-100"], title: "CIFAR-100", pathHelp: "cifar-100-binary or its parent", needsPath: true,
                         epochs: 800, warmup: 100,
                         augment: AugmentPreset(name: "cifar100", padding: 4, flip: true, strong: .randAugment(ops: 1),
                                                mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761]),
                         classNames: ClassNames.cifar100, loader: { p, _ in try Datasets.cifar100(path: p!) }),
            DatasetEntry(name: "cifar100-coarse", aliases: ["cifar-100-coarse"], title: "CIFAR-100, 20 superclasses",
                         pathHelp: "cifar-100-binary or its parent", needsPath: true, epochs: 800, warmup: 100,
                         augment: AugmentPreset(name: "cifar100", padding: 4, flip: true, strong: .randAugment(ops: 1),
                                                mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761]),
                         classNames: ClassNames.cifar100Coarse, loader: { p, _ in try Datasets.cifar100(path: p!, coarse: true) }),
            DatasetEntry(name: "svhn", aliases: [], title: "SVHN (cropped digits)", pathHelp: "a directory with train_32x32.mat and test_32x32.mat",
                         needsPath: true, epochs: 800, warmup: 50,
                         augment: AugmentPreset(name: "svhn", padding: 4, flip: false, strong: .randAugment(ops: 1), mean: half, std: half),
                         classNames: ClassNames.svhn, loader: { p, _ in try Datasets.svhn(path: p!) }),
            DatasetEntry(name: "eurosat", aliases: [], title: "EuroSAT RGB", pathHelp: "the extracted EuroSAT.zip (2750/<Class>/*.jpg)", needsPath: true,
                         epochs: 100, warmup: 50,
                         augment: AugmentPreset(name: "eurosat", size: 64, padding: 8, flip: true, strong: .randAugment(ops: 1), mean: half, std: half),
                         classNames: ClassNames.eurosat, loader: { p, s in try Datasets.eurosat(path: p!, seed: s) }),
            DatasetEntry(name: "fer2013", aliases: [], title: "FER2013", pathHelp: "fer2013.csv or a directory holding it", needsPath: true,
                         epochs: 100, warmup: 50,
                         augment: AugmentPreset(name: "fer2013", size: 64, padding: 8, flip: true, strong: .cutout(holes: 1, length: 16), mean: [0.5], std: [0.5]),
                         classNames: ClassNames.fer2013, loader: { p, s in try Datasets.fer2013(path: p!, seed: s) }),
            DatasetEntry(name: "gtsrb", aliases: [], title: "GTSRB", pathHelp: "Final_Training/Images and GT-final_test.csv with Final_Test/Images",
                         needsPath: true, epochs: 100, warmup: 50,
                         augment: AugmentPreset(name: "gtsrb", size: 64, padding: 8, flip: false, strong: .randAugment(ops: 1), mean: half, std: half),
                         classNames: ClassNames.gtsrb, loader: { p, _ in try Datasets.gtsrb(path: p!) }),
            DatasetEntry(name: "npz", aliases: [], title: "arrays in one .npz (x_train, y_train, x_test, y_test)", pathHelp: "an .npz file",
                         needsPath: true, epochs: 100, warmup: 50, augment: nil, classNames: nil,
                         loader: { p, _ in try Datasets.npzSplits(path: p!) }),
            DatasetEntry(name: "folder", aliases: ["imagefolder"], title: "a class-per-folder tree of PNG/JPEG/PPM images (split 80/20)",
                         pathHelp: "a directory with one sub-directory per class", needsPath: true, epochs: 100, warmup: 50,
                         augment: nil, classNames: nil, loader: { p, s in try splitFolder(p!, s) }),
        ]
    }()

    /// Canonical names, in registry order.
    public static var names: [String] { entries.map(\.name) }

    /// The entry called `name` (any alias, any case).
    public static func entry(_ name: String) throws -> DatasetEntry {
        let key = name.lowercased()
        guard let e = entries.first(where: { $0.names.contains(key) }) else {
            throw UnknownNameError(kind: "dataset", name: name, known: names, hint: "or a path to an .npz file or an image folder")
        }
        return e
    }

    /// Splits a spec `NAME[:PATH]` (or a bare `.npz` path or directory) into its entry and path.
    public static func parse(spec: String) throws -> (entry: DatasetEntry, path: String?) {
        if let i = spec.firstIndex(of: ":") {
            let name = String(spec[..<i]), rest = String(spec[spec.index(after: i)...])
            return (try entry(name), rest.isEmpty ? nil : rest)
        }
        if let e = entries.first(where: { $0.names.contains(spec.lowercased()) }) { return (e, nil) }
        if spec.hasSuffix(".npz") { return (try entry("npz"), spec) }
        if FileBytes.isDirectory(spec) { return (try entry("folder"), spec) }
        return (try entry(spec), nil)
    }

    /// Loads a spec. A name that needs a path and has none is a `DatasetMissingError` saying so.
    public static func load(spec: String, seed: UInt64 = 0) throws -> DatasetSplits {
        let (e, path) = try parse(spec: spec)
        if e.needsPath && path == nil {
            throw DatasetMissingError(dataset: e.name, path: "(none)", hint: "give a path: \(e.name):PATH, where PATH is \(e.pathHelp)")
        }
        return try e.loader(path, seed)
    }

    /// The entry a loaded dataset's name comes from (`cifar10/train` → cifar10), or nil for user
    /// data and names the registry does not know.
    public static func entry(forDatasetNamed name: String) -> DatasetEntry? {
        var key = name.lowercased()
        if let i = key.firstIndex(where: { $0 == "/" || $0 == ":" || $0 == "[" }) { key = String(key[..<i]) }
        return entries.first { $0.names.contains(key) }
    }

    /// The augmentation preset named `name` (a dataset name or alias; `folder`/`npz` need the
    /// data's geometry, so they take `like`).
    public static func augmentPreset(_ name: String, like dataset: Dataset? = nil) throws -> AugmentPreset {
        let e = try entry(forDatasetNamed: name) ?? entry(name)
        if let a = e.augment { return a }
        guard let d = dataset else {
            throw TensorError("augment", "the '\(e.name)' preset is derived from the images; give the dataset")
        }
        return userPreset(for: d, name: e.name)
    }

    /// The preset a loader uses when none is given: the dataset's own, or the user-data default.
    public static func defaultPreset(for dataset: Dataset) -> AugmentPreset {
        entry(forDatasetNamed: dataset.name)?.augment ?? userPreset(for: dataset)
    }

    /// The default for images the registry does not know (folder trees, `.npz` arrays), at their
    /// own size: weak = random crop with zero padding of 1/8 of the side (4 px at 32, 8 at 64)
    /// plus horizontal flip; strong = weak + RandAugment(1 op) + Cutout for colour images, weak +
    /// Cutout(1 hole, half the side) for grayscale ones; normalisation (x − 0.5) / 0.5, as the
    /// paper does for SVHN, EuroSAT and GTSRB. Override it with `preset=NAME` or a preset dict.
    public static func userPreset(for d: Dataset, name: String = "folder") -> AugmentPreset {
        let side = Swift.min(d.height, d.width)
        let pad = Swift.max(1, (side + 4) / 8)
        let c = d.channels
        let strong: StrongAugment = c == 3 ? .randAugment(ops: 1) : .cutout(holes: 1, length: Swift.max(1, side / 2))
        return AugmentPreset(name: name, padding: pad, flip: true, strong: strong,
                             mean: [Float](repeating: 0.5, count: c), std: [Float](repeating: 0.5, count: c))
    }

    /// Class names for prompting, by dataset name or alias; nil when unknown or user data.
    public static func classNames(_ name: String) -> [String]? {
        entries.first { $0.names.contains(name.lowercased()) }?.classNames
    }

    /// The registry as JSON, with the prompt templates (what `coreg data list --json` prints and
    /// `scripts/annotate_clip.py` reads).
    public static func json() -> String {
        func str(_ s: String) -> String { JSONWriter.quote(s) }
        func list(_ xs: [String]) -> String { "[" + xs.map(str).joined(separator: ", ") + "]" }
        func floats(_ xs: [Float]) -> String { "[" + xs.map { "\($0)" }.joined(separator: ", ") + "]" }
        let rows = entries.map { e -> String in
            var f = ["\"name\": \(str(e.name))", "\"aliases\": \(list(e.aliases))", "\"title\": \(str(e.title))",
                     "\"path\": \(str(e.pathHelp))", "\"needs_path\": \(e.needsPath)", "\"epochs\": \(e.epochs)", "\"warmup\": \(e.warmup)"]
            if let a = e.augment {
                f.append("\"augment\": {\"size\": \(a.size.map(String.init) ?? "null"), \"padding\": \(a.padding), \"flip\": \(a.flip), \"strong\": \(str(a.strong.description)), \"mean\": \(floats(a.mean)), \"std\": \(floats(a.std))}")
            } else {
                f.append("\"augment\": null")
            }
            f.append("\"classes\": \(e.classNames.map(list) ?? "null")")
            return "  {" + f.joined(separator: ", ") + "}"
        }
        return "{\"datasets\": [\n" + rows.joined(separator: ",\n") + "\n],\n\"templates\": {\"small\": \(list(PromptTemplates.small)), \"imagenet\": \(list(PromptTemplates.imagenet80))}}"
    }
}

extension StrongAugment: CustomStringConvertible {
    public var description: String {
        switch self {
        case .randAugment(let n): return "randaugment(\(n))+cutout"
        case .cutout(let h, let l): return "cutout(\(h), \(l))"
        }
    }
}
