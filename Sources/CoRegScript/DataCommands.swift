import ArgumentParser
import Foundation
import Interpreter
import Kernel

/// `coreg data …`: inspect datasets from the shell.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets: splits, counts, image shape, classes and class histograms.",
        subcommands: [Info.self, Preview.self, List.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Splits, counts, image shape, class names and a class histogram of a dataset.",
            discussion: "SPEC: fmnist, embedded, NAME:PATH (mnist, kmnist, cifar10, cifar100, cifar100-coarse, svhn, eurosat, fer2013, gtsrb, npz, folder) or a path (.npz file or class-folder directory). Exit codes: 65 malformed data file, 66 dataset missing.")
        @Argument(help: "Dataset spec.") var spec: String
        @Flag(help: "Print one JSON object: name, shape, classes, train/test {count, histogram}.") var json = false
        @Option(help: "Seed of the random 80/20 split for datasets without an official one.") var seed: UInt64 = 0

        func run() throws {
            let s = try loadOrExit(spec, seed: seed)
            let train = s.train, test = s.test
            if json {
                var storage = "float32"
                if case .uint8 = train.pixels { storage = "uint8" }
                let obj: [String: Any] = [
                    "spec": spec, "name": train.name.split(separator: "/").first.map(String.init) ?? train.name,
                    "shape": train.imageShape, "classes": train.classNames,
                    "storage": storage,
                    "train": ["count": train.count, "histogram": train.classHistogram],
                    "test": ["count": test.count, "histogram": test.classHistogram],
                ]
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("\(spec): \(train.classCount) classes, images \(train.channels)×\(train.height)×\(train.width)")
            for (label, d) in [("train", train), ("test", test)] {
                let bytes: String
                switch d.pixels {
                case .uint8: bytes = "uint8, \(formatBytes(d.count * d.channels * d.height * d.width))"
                case .float32: bytes = "float32, \(formatBytes(4 * d.count * d.channels * d.height * d.width))"
                }
                print("\n\(label): \(d.count) images (\(d.name), \(bytes))")
                print(DatasetPreview.histogram(d.classHistogram, names: d.classNames, width: 40), terminator: "")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The dataset registry: every name and alias, what its path holds, its epochs and warm-up, augmentation and class names.",
            discussion: "--json prints the registry as one JSON object {\"datasets\": [...]} (what scripts/annotate_clip.py reads for class names).")
        @Flag(help: "Print the registry as JSON.") var json = false

        func run() throws {
            if json { print(DatasetRegistry.json()); return }
            for e in DatasetRegistry.entries {
                let names = ([e.name] + e.aliases).joined(separator: ", ")
                let aug = e.augment.map { a in "pad \(a.padding)\(a.flip ? " + flip" : ""), strong \(a.strong)\(a.size.map { ", resize \($0)" } ?? "")" }
                    ?? "derived from the images (crop + flip at their size; strong RandAugment + Cutout, or Cutout for gray)"
                print("\(names): \(e.title)")
                print("    path: \(e.needsPath ? "" : "optional, ")\(e.pathHelp); epochs \(e.epochs), warm-up \(e.warmup); \(aug)")
            }
        }
    }

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes a PNG grid of augmented training samples: the plain image, then each view.")
        @Argument(help: "Dataset spec.") var spec: String
        @Option(name: .shortAndLong, help: "Output PNG.") var output: String
        @Option(help: "Samples (rows): one per class first.") var samples = 10
        @Option(help: "Views after the plain image, comma-separated (weak, strong, test).") var views = "weak,weak,strong,strong"
        @Option(help: "Augmentation preset (default: the dataset's).") var preset: String?
        @Option var seed: UInt64 = 0
        @Option(help: "Scale factor of each tile.") var scale = 3

        func run() throws {
            let s = try loadOrExit(spec, seed: seed)
            let kinds = try views.split(separator: ",").map { v -> AugmentView in
                guard let k = AugmentView(rawValue: v.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw ValidationError("--views: '\(v)' is not weak, strong or test")
                }
                return k
            }
            let p = try preset.map { try DatasetRegistry.augmentPreset($0, like: s.train) } ?? DatasetRegistry.defaultPreset(for: s.train)
            // One sample of each class first, in class order, then more in dataset order.
            var picked: [Int] = []
            for c in 0..<s.train.classCount {
                if let i = s.train.labels.firstIndex(of: Int32(c)) { picked.append(i) }
            }
            let rows = Array(picked.prefix(samples))
            let img = try DatasetPreview.augmentationGrid(s.train, samples: rows, views: kinds, preset: p, seed: seed, scale: max(1, scale))
            try AtomicFile.write(ImageDecode.encodePNG(img), to: output)
            print("wrote \(output): \(rows.count) samples × (plain + \(kinds.map { $0.rawValue }.joined(separator: ", "))), \(img.width)×\(img.height)")
        }
    }
}

/// Loads a spec; on failure prints `error: …` (the message a script gets) and exits with the
/// status a script gets: 64 (unknown name), 65 (data format), 66 (missing) or 70.
func loadOrExit(_ spec: String, seed: UInt64) throws -> DatasetSplits {
    var splits: DatasetSplits? = nil
    try exitingOnError { splits = try Datasets.load(spec: spec, seed: seed) }
    return splits!
}

/// Runs a command's body; an error prints `error: …` (the located message a script gets) and
/// exits with the status a script gets (`Interpreter.ExitCode(kernelError:)`); a bad option is 64.
func exitingOnError(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ArgumentParser.ExitCode {
        throw e
    } catch let e as ValidationError {
        writeStderr("error: \(e)\n"); throw ArgumentParser.ExitCode(64)
    } catch {
        writeStderr("error: \(error)\n"); throw ArgumentParser.ExitCode(Interpreter.ExitCode(kernelError: error).rawValue)
    }
}

func formatBytes(_ n: Int) -> String {
    if n >= 1 << 20 { return String(format: "%.1f MiB", Double(n) / Double(1 << 20)) }
    if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / Double(1 << 10)) }
    return "\(n) B"
}
