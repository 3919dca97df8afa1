import ArgumentParser
import Foundation
import Kernel

/// `coreg annotate stats|make|tune`: check or make candidate-label annotations from the shell.
/// Exit codes: 0 success, 64 usage, 65 malformed data (located message), 66 missing file/dataset,
/// 70 other errors.
struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Check or make candidate-label annotations (.npz).",
        subcommands: [Stats.self, Make.self, Tune.self])

    /// Runs `body`, mapping errors to located messages and exit codes.
    static func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as ExitCode {
            throw e
        } catch let e as ValidationError {
            writeStderr("error: \(e)\n"); throw ExitCode(64)
        } catch let e as DataFormatError {
            writeStderr("error: \(e)\n"); throw ExitCode(65)
        } catch let e as FileIOError {
            writeStderr("error: \(e)\n"); throw ExitCode(66)
        } catch let e as DatasetMissingError {
            writeStderr("error: \(e)\n"); throw ExitCode(66)
        } catch {
            writeStderr("error: \(error)\n"); throw ExitCode(70)
        }
    }

    /// The training split of `spec`, restricted to `subset` (an .npy of indices) when given.
    static func trainData(_ spec: String, subset: String?, seed: UInt64, balanced: Int? = nil) throws -> (train: Dataset, test: Dataset) {
        let s = try Datasets.load(spec: spec, seed: seed)
        if let n = balanced {
            let c = s.train.classCount
            guard n > 0, n % c == 0 else { throw ValidationError("--balanced needs a positive multiple of the \(c) classes, got \(n)") }
            let idx = try balancedIndices(s.train, perClass: n / c, seed: seed)
            return (try s.train.subset(idx, name: s.train.name + "[balanced \(n)]"), s.test)
        }
        guard let path = subset else { return (s.train, s.test) }
        let idx = try NPY.readArray(path)
        guard idx.shape.count == 1 else {
            throw DataFormatError(file: path, offset: nil, expected: "a 1-D array of sample indices", found: "shape \(idx.shape)")
        }
        let v = try idx.tensor(name: path).toInts()
        if let bad = v.first(where: { $0 < 0 || Int($0) >= s.train.count }) {
            throw DataFormatError(file: path, offset: nil, expected: "indices in 0..<\(s.train.count) (the training split)", found: "\(bad)")
        }
        return (try s.train.subset(v.map { Int($0) }, name: s.train.name + "[subset]"), s.test)
    }

    /// `perClass` samples of every class (Kernel's `Dataset.balancedIndices`).
    static func balancedIndices(_ d: Dataset, perClass: Int, seed: UInt64) throws -> [Int] {
        do { return try d.balancedIndices(perClass: perClass, seed: seed) } catch let e as TensorError {
            throw ValidationError("--balanced: \(e.message)")
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Statistics of an annotation .npz against a dataset's training labels.",
            discussion: "--json prints one object with count, avg_candidates, noise_rate, noise_rate_per_class, and zero_shot_acc_template0 / zero_shot_acc_avg when scores are present.")
        @Argument(help: "The annotation .npz.") var annotations: String
        @Option(help: "Dataset spec (embedded, fmnist[:DIR], cifar10:DIR, …).") var data: String
        @Option(help: "An .npy of training-split indices the annotation covers, in order.") var subset: String?
        @Option(help: "A balanced subset of this many training samples (seeded with --seed, as `make --balanced`).") var balanced: Int?
        @Option(help: "Seed of --balanced.") var seed: UInt64 = 0
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            try AnnotateCommand.guarded {
                let d = try AnnotateCommand.trainData(data, subset: subset, seed: seed, balanced: balanced).train
                let a = try AnnotationIO.load(annotations, expectedCount: d.count, expectedClasses: d.classCount, classNames: nil)
                let s = try AnnotationStats(a, labels: d.labels)
                if json { print(s.json(classNames: d.classNames)) } else {
                    print(a.summary)
                    print(s.report(classNames: d.classNames, title: "\(annotations) on \(d.name)"), terminator: "")
                }
            }
        }
    }

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an annotation .npz for a dataset's training split.",
            discussion: "--annotator simulated[:preset][,name=value…] (the simulated CLIP-style annotator; parameters override the preset), flip:q=0.05,eta=0.2 (ALIM/Co-Reg), pico:q=0.1[,eta=0] (PiCO).")
        @Option(help: "Dataset spec.") var data: String
        @Option(help: "simulated | flip:q=..,eta=.. | pico:q=..") var annotator: String = "simulated"
        @Option(help: "Output .npz.") var out: String
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Option(help: "An .npy of training-split indices to annotate (in order).") var subset: String?
        @Option(help: "Annotate a balanced subset of this many training samples (seeded).") var balanced: Int?
        @Flag(help: "Print the statistics as one JSON object instead of the report.") var json = false

        func run() throws {
            try AnnotateCommand.guarded {
                let (train, test) = try AnnotateCommand.trainData(data, subset: subset, seed: seed, balanced: balanced)
                let (kind, params) = try AnnotateCommand.parseAnnotator(annotator)
                if kind == "flip" || kind == "pico", let bad = params.keys.first(where: { $0 != "q" && $0 != "eta" }) {
                    throw ValidationError("unknown \(kind) parameter '\(bad)'; expected q and eta")
                }
                var testStats: AnnotationStats? = nil
                let ann: Annotation
                switch kind {
                case "simulated":
                    var p = SimulatedVLM.preset("fmnist-clip")!
                    if let name = AnnotateCommand.presetName(annotator) {
                        guard let q = SimulatedVLM.preset(name) else {
                            throw ValidationError("unknown preset '\(name)'; expected one of \(SimulatedVLM.presetNames.joined(separator: ", "))")
                        }
                        p = q
                    }
                    for (k, v) in params where k != "preset" { try p.set(k, v) }
                    let vlm = try SimulatedVLM(fittingOn: train, parameters: p, seed: seed)
                    ann = try vlm.annotate(train)
                    testStats = try AnnotationStats(try vlm.annotate(test), labels: test.labels)
                case "flip":
                    ann = try SyntheticNPLL.flip(labels: train.labels, classes: train.classCount, q: params["q"] ?? 0.05,
                                                 eta: params["eta"] ?? 0.2, seed: seed)
                case "pico":
                    ann = try SyntheticNPLL.pico(labels: train.labels, classes: train.classCount, q: params["q"] ?? 0.1,
                                                 eta: params["eta"] ?? 0, seed: seed)
                default:
                    throw ValidationError("unknown annotator '\(kind)'; expected simulated, flip or pico")
                }
                var withNames = ann
                withNames.classes = train.classNames
                try AnnotationIO.save(withNames, to: out)
                let s = try AnnotationStats(withNames, labels: train.labels)
                if json { print(s.json(classNames: train.classNames)) } else {
                    print("wrote \(out): \(withNames.summary)")
                    print(s.report(classNames: train.classNames, title: "\(train.name)", testAccuracy: testStats), terminator: "")
                }
            }
        }
    }

    struct Tune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search simulated-annotator parameters that reach target statistics on a dataset.")
        @Option(help: "Dataset spec.") var data: String
        @Option(name: .customLong("avg"), help: "Target mean |S|.") var avgCandidates: Double = 1.58
        @Option(help: "Target noise rate η.") var eta: Double = 0.2235
        @Option(help: "Target template-0 zero-shot accuracy.") var acc: Double = 0.62
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Option(help: "An .npy of training-split indices.") var subset: String?
        @Option(help: "A balanced subset of this many training samples.") var balanced: Int?
        @Option(help: "simulated-annotator parameters to start from, as name=value,…") var start: String = ""
        @Option(help: "Alternating bisection rounds.") var rounds: Int = 4

        func run() throws {
            try AnnotateCommand.guarded {
                let train = try AnnotateCommand.trainData(data, subset: subset, seed: seed, balanced: balanced).train
                var p0 = SimulatedVLM.preset("fmnist-clip")!
                for (k, v) in try AnnotateCommand.parseAnnotator("simulated:" + start).1 where k != "preset" { try p0.set(k, v) }
                let (p, s) = try SimulatedVLM.tune(train, targets: .init(avgCandidates: avgCandidates, noiseRate: eta, template0Accuracy: acc),
                                                   start: p0, seed: seed, rounds: rounds) { print($0) }
                print("parameters: \(p)")
                print("reached: avg |S| \(s.avg), eta \(s.eta), template-0 acc \(s.acc0)")
            }
        }
    }

    /// `flip:q=0.05,eta=0.2` → ("flip", [q: 0.05, eta: 0.2]); `simulated:clean,image_noise=0.1`.
    static func parseAnnotator(_ s: String) throws -> (String, [String: Double]) {
        let parts = s.split(separator: ":", maxSplits: 1).map(String.init)
        let kind = parts.first?.lowercased() ?? ""
        var params: [String: Double] = [:]
        if parts.count > 1 {
            for item in parts[1].split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 1 && kind == "simulated" { params["preset"] = 0; continue }
                guard kv.count == 2, let v = Double(kv[1]) else {
                    throw ValidationError("bad annotator parameter '\(item)' in '\(s)'; expected name=number")
                }
                params[kv[0]] = v
            }
        }
        return (kind, params)
    }

    /// The preset named in `simulated:NAME,…`, if any.
    static func presetName(_ s: String) -> String? {
        let parts = s.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count > 1 else { return nil }
        return parts[1].split(separator: ",").map(String.init).first { !$0.contains("=") }
    }
}
