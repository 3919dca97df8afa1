import XCTest
import Kernel
import Foundation

/// The dataset registry and the annotator spec: the one place each concept lives.
final class RegistryTests: XCTestCase {
    func testUnknownDatasetNamesTheKnownOnes() {
        XCTAssertThrowsError(try DatasetRegistry.load(spec: "cifra10:/tmp")) { e in
            guard let u = e as? UnknownNameError else { return XCTFail("\(e)") }
            XCTAssertEqual(u.name, "cifra10")
            XCTAssertTrue(u.description.contains("cifar10"), u.description)
            XCTAssertTrue(u.description.contains("folder"), u.description)
        }
        XCTAssertThrowsError(try DatasetRegistry.augmentPreset("imagenet")) { XCTAssertTrue($0 is UnknownNameError) }
    }

    func testAliasesAndSpecs() throws {
        XCTAssertEqual(try DatasetRegistry.entry("CIFAR-10").name, "cifar10")
        XCTAssertEqual(try DatasetRegistry.entry("fashion-mnist").name, "fmnist")
        XCTAssertEqual(try DatasetRegistry.parse(spec: "cifar100-coarse:/data").entry.name, "cifar100-coarse")
        XCTAssertEqual(try DatasetRegistry.parse(spec: "cifar100-coarse:/data").path, "/data")
        XCTAssertEqual(try DatasetRegistry.parse(spec: "/x/arrays.npz").entry.name, "npz")
        XCTAssertEqual(try DatasetRegistry.parse(spec: NSTemporaryDirectory()).entry.name, "folder")
        XCTAssertThrowsError(try DatasetRegistry.load(spec: "cifar10")) { XCTAssertTrue($0 is DatasetMissingError, "\($0)") }
        // every entry's class names and epochs are present where the paper gives them
        for e in DatasetRegistry.entries where e.name != "npz" && e.name != "folder" {
            XCTAssertNotNil(e.classNames, e.name); XCTAssertNotNil(e.augment, e.name)
            XCTAssertGreaterThan(e.epochs, e.warmup, e.name)
        }
        XCTAssertEqual(DatasetRegistry.classNames("gtsrb")?.count, 43)
        XCTAssertNil(DatasetRegistry.classNames("folder"))
    }

    /// User data gets a preset at its own size: crop padding 1/8 of the side, flip, RandAugment for
    /// colour and Cutout for gray, (x − 0.5)/0.5; geometry is never taken from a name.
    func testUserDataPresetFollowsTheImages() throws {
        let rgb = try Dataset(name: "mine/train", pixels: .uint8([UInt8](repeating: 7, count: 2 * 3 * 40 * 40)), shape: [2, 3, 40, 40],
                              labels: [0, 1], classNames: ["a", "b"])
        let p = DatasetRegistry.defaultPreset(for: rgb)
        XCTAssertEqual(p.padding, 5); XCTAssertTrue(p.flip); XCTAssertEqual(p.strong, .randAugment(ops: 1))
        XCTAssertEqual(p.mean, [0.5, 0.5, 0.5]); XCTAssertEqual(p.outputShape(for: [3, 40, 40]), [3, 40, 40])
        let gray = try Dataset(name: "g", pixels: .uint8([UInt8](repeating: 7, count: 2 * 24 * 24)), shape: [2, 1, 24, 24],
                               labels: [0, 1], classNames: ["a", "b"])
        XCTAssertEqual(try DatasetRegistry.augmentPreset("folder", like: gray).strong, .cutout(holes: 1, length: 12))
        XCTAssertEqual(DatasetRegistry.defaultPreset(for: gray).mean, [0.5])
        // a known dataset keeps its own preset, whatever its split is called
        XCTAssertEqual(DatasetRegistry.entry(forDatasetNamed: "cifar10/train")?.name, "cifar10")
        XCTAssertThrowsError(try DatasetRegistry.augmentPreset("npz")) { XCTAssertTrue($0 is TensorError) }
    }

    func testRegistryJSONParses() throws {
        let j = DatasetRegistry.json()
        let obj = try JSONSerialization.jsonObject(with: Data(j.utf8)) as? [String: Any]
        let rows = obj?["datasets"] as? [[String: Any]]
        XCTAssertEqual(rows?.count, DatasetRegistry.entries.count)
        XCTAssertEqual((rows?.first { $0["name"] as? String == "cifar10" }?["classes"] as? [String])?.first, "airplane")
    }

    func testAnnotatorSpecDefaultsAndCanonicalForm() throws {
        XCTAssertEqual(try AnnotatorSpec.parse("flip").description, "flip:q=0.03,eta=0.2")
        XCTAssertEqual(try AnnotatorSpec.parse("flip:eta=0.1").description, "flip:q=0.03,eta=0.1")
        XCTAssertEqual(try AnnotatorSpec.parse("pico").description, "pico:q=0.1,eta=0")
        XCTAssertEqual(try AnnotatorSpec.parse("simulated").description, "simulated:fmnist-clip")
        XCTAssertEqual(try AnnotatorSpec.parse("simulated:clean,image_noise=0.5").description, "simulated:clean,image_noise=0.5")
        XCTAssertEqual(try AnnotatorSpec.parse("instance:q=0.2").description, "instance:q=0.2,eta=0,preset=fmnist-clip")
        XCTAssertEqual(try AnnotatorSpec.parse("a/b.NPZ"), .file(path: "a/b.NPZ"))
        XCTAssertEqual(try AnnotatorSpec.parse("answers.jsonl"), .answers(path: "answers.jsonl"))
        XCTAssertEqual(try AnnotatorSpec.parse("simulated:image_noise=0.1").simulatedParameters()?.imageNoise, 0.1)
    }

    func testAnnotatorSpecErrors() {
        for bad in ["simulatd", "vote", ""] {
            XCTAssertThrowsError(try AnnotatorSpec.parse(bad)) { e in
                XCTAssertTrue(e is UnknownNameError, "\(bad): \(e)")
                XCTAssertTrue("\(e)".contains("flip") && "\(e)".contains("simulated"), "\(e)")
            }
        }
        XCTAssertThrowsError(try AnnotatorSpec.parse("flip:p=0.1")) { XCTAssertTrue("\($0)".contains("q, eta"), "\($0)") }
        XCTAssertThrowsError(try AnnotatorSpec.parse("flip:q=x")) { XCTAssertTrue($0 is SpecError) }
        XCTAssertThrowsError(try AnnotatorSpec.parse("flip:q=1.5")) { XCTAssertTrue($0 is SpecError) }
        XCTAssertThrowsError(try AnnotatorSpec.parse("simulated:nope")) { XCTAssertTrue("\($0)".contains("fmnist-clip"), "\($0)") }
    }

    /// Every path annotates the same way: a subset's rows of the whole split for the simulated
    /// annotator, draws for the subset's own samples for flip; a file may cover the split or the subset.
    func testAnnotateSubsetsAlikeFromEveryPath() throws {
        let n = 60
        let labels = (0..<n).map { Int32($0 % 3) }
        var px = [UInt8](repeating: 0, count: n * 64)
        for i in 0..<(n * 64) {
            let v: Int = i * 37 + Int(labels[i / 64]) * 50
            px[i] = UInt8(v % 256)
        }
        let d = try Dataset(name: "toy", pixels: .uint8(px), shape: [n, 1, 8, 8], labels: labels, classNames: ["a", "b", "c"])
        let idx = [5, 1, 40, 33]
        let sim = try AnnotatorSpec.parse("simulated:clean")
        let full = try sim.annotate(train: d, seed: 3).train
        XCTAssertEqual(try sim.annotate(train: d, indices: idx, seed: 3).train.candidates, try full.subset(idx).candidates)
        let flip = try AnnotatorSpec.parse("flip:q=0.5,eta=0.3")
        let fs = try flip.annotate(train: d, indices: idx, seed: 3).train
        XCTAssertEqual(fs.candidates, try SyntheticNPLL.flip(labels: idx.map { labels[$0] }, classes: 3, q: 0.5, eta: 0.3, seed: 3).candidates)
        let dir = NSTemporaryDirectory() + "coreg-spec-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AnnotationIO.save(full, to: dir + "/full.npz")
        try AnnotationIO.save(fs, to: dir + "/sub.npz")
        XCTAssertEqual(try AnnotatorSpec.parse(dir + "/full.npz").annotate(train: d, indices: idx, seed: 0).train.candidates, try full.subset(idx).candidates)
        XCTAssertEqual(try AnnotatorSpec.parse(dir + "/sub.npz").annotate(train: d, indices: idx, seed: 0).train.candidates, fs.candidates)
        XCTAssertThrowsError(try AnnotatorSpec.parse(dir + "/sub.npz").annotate(train: d, indices: [1, 2], seed: 0)) {
            XCTAssertTrue($0 is DataFormatError, "\($0)")
        }
        let inst = try AnnotatorSpec.parse("instance:q=0.3,preset=clean").annotate(train: d, indices: idx, seed: 1).train
        XCTAssertEqual(inst.count, idx.count)
        for (r, i) in idx.enumerated() { XCTAssertTrue(inst.contains(r, Int(labels[i])), "eta = 0 keeps the true label") }
    }

    /// Free-text answers through the same spec: matched to the dataset's class names, covering the
    /// whole split, and the subset's rows taken.
    func testAnswersFileThroughTheSpec() throws {
        let d = try Dataset(name: "toy", pixels: .uint8([UInt8](repeating: 0, count: 4 * 4)), shape: [4, 1, 2, 2],
                            labels: [0, 1, 2, 1], classNames: ["cat", "dog", "bird"])
        let path = NSTemporaryDirectory() + "coreg-answers-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = ["{\"index\": 0, \"answer\": \"a cat\"}", "{\"index\": 1, \"answer\": \"a dog or a cat\"}",
                     "{\"index\": 2, \"answer\": \"bird\"}", "{\"index\": 3, \"answer\": \"dog\"}"]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try AnnotatorSpec.parse(path).annotate(train: d, indices: [1, 2], seed: 0).train
        XCTAssertEqual(r.count, 2)
        XCTAssertEqual(r.candidateSet(0), [0, 1])
        XCTAssertEqual(r.candidateSet(1), [2])
    }
}
