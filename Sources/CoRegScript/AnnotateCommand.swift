import ArgumentParser
import Foundation
import Kernel

/// `coreg annotate stats|make|tune`: check or make candidate-label annotations from the shell.
/// Exit codes: 0 success, 64 usage, 65 malformed data (located message), 66 missing file/dataset,
/// 70 other errors (`Interpreter.ExitCode(kernelError:)`, as scripts get them).
struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Check or make candidate-label annotations (.npz).",
        subcommands: [Stats.self, Make.self, Tune.self])

    /// The training split of `spec`, restricted to `subset` (an .npy of indices) when given.
    static func trainData(_ spec: String, subset: String?, seed: UInt64, balanced: Int? = nil) throws -> (train: Dataset, test: Dataset) {
        let r = try trainSelection(spec, subset: subset, seed: seed, balanced: balanced)
        guard let idx = r.indices else { return (r.train, r.test) }
        return (try r.train.subset(idx, name: r.train.name + (balanced != nil ? "[balanced \(idx.count)]" : "[subset]")), r.test)
    }

    /// The whole training split of `spec` and the training indices `--subset`/`--balanced` select
    /// (nil: all), as `AnnotatorSpec.annotate` takes them.
    static func trainSelection(_ spec: String, subset: String?, seed: UInt64, balanced: Int? = nil) throws -> (train: Dataset, test: Dataset, indices: [Int]?) {
        let s = try Datasets.load(spec: spec, seed: seed)
        if let n = balanced {
            let c = s.train.classCount
            guard n > 0, n % c == 0 else { throw ValidationError("--balanced needs a positive multiple of the \(c) classes, got \(n)") }
            return (s.train, s.test, try balancedIndices(s.train, perClass: n / c, seed: seed))
        }
        guard let path = subset else { return (s.train, s.test, nil) }
        let idx = try NPY.readArray(path)
        guard idx.shape.count == 1 else {
            throw DataFormatError(file: path, offset: nil, expected: "a 1-D array of sample indices", found: "shape \(idx.shape)")
        }
        let v = try idx.tensor(name: path).toInts()
        if let bad = v.first(where: { $0 < 0 || Int($0) >= s.train.count }) {
            throw DataFormatError(file: path, offset: nil, expected: "indices in 0..<\(s.train.count) (the training split)", found: "\(bad)")
        }
        return (s.train, s.test, v.map { Int($0) })
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
            try exitingOnError {
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
            discussion: "--annotator takes the annotator specs scripts take: simulated[:PRESET][,name=value…] (the simulated CLIP-style annotator; parameters override the preset), flip[:q=0.03,eta=0.2] (ALIM/Co-Reg), pico[:q=0.1,eta=0] (PiCO), instance[:q=0.1,eta=0,preset=fmnist-clip] (instance-dependent flips along the simulated annotator's confusions). The simulated annotator is fitted on the whole training split; --subset/--balanced choose the rows written, so the file equals what `annotations=SPEC subset=…` gives a script.")
        @Option(help: "Dataset spec.") var data: String
        @Option(help: "simulated[:PRESET][,k=v…] | flip[:q=..,eta=..] | pico[:q=..,eta=..] | instance[:q=..,eta=..]") var annotator: String = "simulated"
        @Option(help: "Output .npz.") var out: String
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Option(help: "An .npy of training-split indices to annotate (in order).") var subset: String?
        @Option(help: "Annotate a balanced subset of this many training samples (seeded).") var balanced: Int?
        @Flag(help: "Print the statistics as one JSON object instead of the report.") var json = false

        func run() throws {
            try exitingOnError {
                let spec = try AnnotatorSpec.parse(annotator)
                if case .file = spec { throw ValidationError("--annotator names a generator, not a file: '\(annotator)'") }
                if case .answers = spec { throw ValidationError("--annotator names a generator, not a file: '\(annotator)'") }
                let sel = try AnnotateCommand.trainSelection(data, subset: subset, seed: seed, balanced: balanced)
                let made = try spec.annotate(train: sel.train, indices: sel.indices, seed: seed, test: sel.test)
                let train = try sel.indices.map { try sel.train.subset($0, name: sel.train.name + "[subset]") } ?? sel.train
                var withNames = made.train
                withNames.classes = train.classNames
                withNames.source = "\(spec) (seed \(seed))" + (withNames.source.isEmpty ? "" : "; " + withNames.source)
                try AnnotationIO.save(withNames, to: out)
                let s = try AnnotationStats(withNames, labels: train.labels)
                let testStats = try made.test.map { try AnnotationStats($0, labels: sel.test.labels) }
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
            try exitingOnError {
                let train = try AnnotateCommand.trainData(data, subset: subset, seed: seed, balanced: balanced).train
                let p0 = try AnnotatorSpec.parse("simulated" + (start.isEmpty ? "" : ":" + start)).simulatedParameters()!
                let (p, s) = try SimulatedVLM.tune(train, targets: .init(avgCandidates: avgCandidates, noiseRate: eta, template0Accuracy: acc),
                                                   start: p0, seed: seed, rounds: rounds) { print($0) }
                print("parameters: \(p)")
                print("reached: avg |S| \(s.avg), eta \(s.eta), template-0 acc \(s.acc0)")
            }
        }
    }
}
