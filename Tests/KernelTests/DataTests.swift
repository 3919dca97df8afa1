import Foundation
import XCTest
import Kernel

final class DataTests: XCTestCase {
    func tiny() throws -> Dataset {
        // 10 samples of 1×2×2, labels 0,1,2,0,1,2,0,1,2,0.
        try Dataset(name: "tiny", pixels: .uint8((0..<40).map { UInt8($0 * 5) }), shape: [10, 1, 2, 2],
                    labels: (0..<10).map { Int32($0 % 3) }, classNames: ["a", "b", "c"])
    }

    func testDatasetBasics() throws {
        let d = try tiny()
        XCTAssertEqual(d.count, 10); XCTAssertEqual(d.imageShape, [1, 2, 2]); XCTAssertEqual(d.classHistogram, [4, 3, 3])
        let x = try d.images(at: [2, 0])
        XCTAssertEqual(x.shape, [2, 1, 2, 2])
        assertClose(x, [40, 45, 50, 55, 0, 5, 10, 15].map { Double($0) / 255 }, rtol: 1e-6)
        XCTAssertEqual(try d.images.shape, [10, 1, 2, 2])
        XCTAssertEqual(try d.labelTensor.toInts(), d.labels)
        XCTAssertEqual(try d.image(1).shape, [1, 2, 2])
        let s = try d.subset([9, 3, 3])
        XCTAssertEqual(s.labels, [0, 0, 0]); XCTAssertEqual(s.sourceIndices, [9, 3, 3])
        XCTAssertEqual(Array(s.imageBytes(0)!), [180, 185, 190, 195])
        XCTAssertThrowsError(try d.subset([10]))
        XCTAssertTrue(d.summary.contains("tiny: 10 images, 1×2×2, 3 classes"))
        XCTAssertTrue(d.summary.contains("a  4"))
        // Image and label counts must agree; labels must be valid classes.
        XCTAssertThrowsError(try Dataset(name: "bad", pixels: .uint8([UInt8](repeating: 0, count: 8)), shape: [2, 1, 2, 2], labels: [0], classNames: ["a"])) {
            XCTAssertTrue("\($0)".contains("2 images but 1 labels"))
        }
        XCTAssertThrowsError(try Dataset(name: "bad", pixels: .uint8([UInt8](repeating: 0, count: 4)), shape: [1, 1, 2, 2], labels: [3], classNames: ["a"]))
        let f = try Dataset(name: "f", pixels: .float32([0.5, 0.25]), shape: [2, 1, 1, 1], labels: [0, 0], classNames: ["x"])
        XCTAssertEqual(try f.images.toFloats(), [0.5, 0.25])
        let st = f.channelStats()
        XCTAssertEqual(st.mean[0], 0.375, accuracy: 1e-9)
    }

    func testSplitIsSeededAndPartitions() throws {
        let d = try tiny()
        let (a, b) = try d.split(fraction: 0.8, seed: 7)
        XCTAssertEqual(a.count, 8); XCTAssertEqual(b.count, 2)
        XCTAssertEqual(Set(a.sourceIndices + b.sourceIndices), Set((0..<10).map { Int32($0) }))
        let (a2, _) = try d.split(fraction: 0.8, seed: 7)
        XCTAssertEqual(a.sourceIndices, a2.sourceIndices)
        var differs = false
        for s in 1...5 where try d.split(fraction: 0.8, seed: UInt64(100 + s)).0.sourceIndices != a.sourceIndices { differs = true }
        XCTAssertTrue(differs)
        XCTAssertThrowsError(try d.split(fraction: 1.5, seed: 0))
    }

    // MARK: loaders on fixtures

    func testIDXLoader() throws {
        let s = try Datasets.mnist(path: fixture("mnist"))
        XCTAssertEqual(s.train.count, 5); XCTAssertEqual(s.test.count, 2)
        XCTAssertEqual(s.train.imageShape, [1, 4, 3]); XCTAssertEqual(s.train.labels, [0, 9, 3, 3, 1])
        XCTAssertEqual(s.test.labels, [7, 2]); XCTAssertEqual(s.train.classNames, ClassNames.mnist)
        XCTAssertEqual(Array(s.test.imageBytes(1)!), Array(pat(24, 5)[12...]))
        XCTAssertEqual(try Datasets.kmnist(path: fixture("mnist")).train.classNames, ClassNames.kmnist)
        XCTAssertThrowsError(try Datasets.mnist(path: "/nonexistent")) { XCTAssertTrue($0 is DatasetMissingError) }
    }

    func testCIFARLoaders() throws {
        let c = try Datasets.cifar10(path: formatsDir)  // finds cifar-10-batches-bin/ below
        XCTAssertEqual(c.train.count, 10); XCTAssertEqual(c.test.count, 3)
        XCTAssertEqual(c.train.labels, [2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
        XCTAssertEqual(Array(c.train.imageBytes(9)!), pat(3072, 51))
        XCTAssertEqual(c.train.classNames, ClassNames.cifar10); XCTAssertEqual(c.train.imageShape, [3, 32, 32])
        let f = try Datasets.cifar100(path: fixture("cifar-100-binary"))
        XCTAssertEqual(f.train.labels, [0, 7, 14, 21]); XCTAssertEqual(f.test.labels, [99, 98]); XCTAssertEqual(f.train.classCount, 100)
        XCTAssertEqual(f.test.classNames[99], "worm")
        let k = try Datasets.cifar100(path: fixture("cifar-100-binary"), coarse: true)
        XCTAssertEqual(k.train.labels, [0, 1, 2, 3]); XCTAssertEqual(k.train.classCount, 20); XCTAssertEqual(k.test.classNames[19], "vehicles_2")
        XCTAssertThrowsError(try Datasets.cifar10(path: "/nonexistent")) { XCTAssertTrue("\($0)".contains("cifar-10-binary.tar.gz")) }
    }

    func testSVHNLoader() throws {
        let s = try Datasets.svhn(path: fixture("svhn"))
        XCTAssertEqual(s.train.labels, [1, 0, 5]); XCTAssertEqual(s.test.labels, [0, 3])
        XCTAssertEqual(s.train.classNames[0], "number 0"); XCTAssertEqual(s.train.imageShape, [3, 32, 32])
        XCTAssertEqual(Array(s.train.imageBytes(2)!), Array(pat(3 * 3072, 90)[6144...]))
    }

    func testFER2013Loader() throws {
        let s = try Datasets.fer2013(path: fixture("fer2013.csv"), seed: 3)
        // Training rows 0, 1, 3 → 2 train, 1 test at 80/20; 48×48 → 64×64.
        XCTAssertEqual(s.train.count + s.test.count, 3); XCTAssertEqual(s.train.count, 2)
        XCTAssertEqual(s.train.imageShape, [1, 64, 64])
        XCTAssertEqual(Set(s.train.sourceIndices + s.test.sourceIndices), [0, 1, 3])
        XCTAssertEqual(s.train.classNames[3], "Happy Facial Expression")
    }

    func testGTSRBLoader() throws {
        let s = try Datasets.gtsrb(path: fixture("gtsrb"))
        XCTAssertEqual(s.train.labels, [0, 0, 2]); XCTAssertEqual(s.test.labels, [42, 2])
        XCTAssertEqual(s.train.imageShape, [3, 64, 64]); XCTAssertEqual(s.train.classCount, 43)
        XCTAssertEqual(s.train.classNames[0], "German Traffic Sign: Speed limit 20")
        // The 64×64 image is not resampled: its planar bytes are the PPM's, reordered.
        let hwc = pat(64 * 64 * 3, 124)
        let planar = (0..<3).flatMap { c in (0..<(64 * 64)).map { hwc[$0 * 3 + c] } }
        XCTAssertEqual(Array(s.test.imageBytes(1)!), planar)
    }

    func testImageFolderAndArrays() throws {
        let d = try Datasets.imageFolder(path: fixture("folder"))
        XCTAssertEqual(d.classNames, ["cat", "dog"]); XCTAssertEqual(d.labels, [0, 0, 1]); XCTAssertEqual(d.imageShape, [3, 4, 5])
        let n = try Datasets.npz(path: fixture("stored.npz"))
        XCTAssertEqual(n.count, 2); XCTAssertEqual(n.imageShape, [1, 3, 4]); XCTAssertEqual(n.classNames, ["zero", "one"])
        let sp = try Datasets.npzSplits(path: fixture("splits.npz"))
        XCTAssertEqual(sp.train.imageShape, [3, 5, 6]); XCTAssertEqual(sp.train.count, 4); XCTAssertEqual(sp.test.labels, [2, 0])
        // NHWC → planar: channel 1 of sample 0 is every third byte from offset 1.
        let hwc = pat(4 * 5 * 6 * 3, 2)
        XCTAssertEqual(Array(sp.train.imageBytes(0)![30..<60]), (0..<30).map { hwc[$0 * 3 + 1] })
        let dir = try makeTempDir("arrays")
        try NPY.write(try Tensor((0..<8).map { Float($0) / 8 }, shape: [2, 2, 2]), to: dir + "/x.npy")
        try NPY.write(try Tensor(ints: [1, 0], shape: [2]), to: dir + "/y.npy")
        let a = try Datasets.npy(images: dir + "/x.npy", labels: dir + "/y.npy")
        XCTAssertEqual(a.classNames, ["0", "1"]); XCTAssertEqual(try a.images.toFloats(), (0..<8).map { Float($0) / 8 })
    }

    func testEuroSATFromJPEGs() throws {
        let root = try makeTempDir("eurosat")
        for (k, cls) in ClassNames.eurosat.enumerated() {
            for j in 0..<2 {
                let im = try Image8(height: 64, width: 64, channels: 3, pixels: pat(64 * 64 * 3, 10 * k + j))
                try writeBytes(try ImageDecode.encodeJPEG(im), "\(root)/2750/\(cls)/\(cls)_\(j + 1).jpg")
            }
        }
        let s = try Datasets.eurosat(path: root, seed: 1)
        XCTAssertEqual(s.train.count, 16); XCTAssertEqual(s.test.count, 4)
        XCTAssertEqual(s.train.classNames, ClassNames.eurosat); XCTAssertEqual(s.train.imageShape, [3, 64, 64])
        XCTAssertEqual(try Datasets.eurosat(path: root, seed: 1).test.sourceIndices, s.test.sourceIndices)
        let small = try Datasets.eurosat(path: root + "/2750", seed: 1, size: 32)
        XCTAssertEqual(small.train.imageShape, [3, 32, 32])
    }

    func testLoadSpec() throws {
        XCTAssertEqual(try Datasets.load(spec: "mnist:" + fixture("mnist")).train.count, 5)
        XCTAssertEqual(try Datasets.load(spec: "cifar100-coarse:" + fixture("cifar-100-binary")).train.classCount, 20)
        XCTAssertEqual(try Datasets.load(spec: fixture("splits.npz")).test.count, 2)
        let f = try Datasets.load(spec: fixture("folder"), seed: 1)
        XCTAssertEqual(f.train.count + f.test.count, 3)
        XCTAssertEqual(try Datasets.load(spec: "embedded").test.count, 2000)
        XCTAssertThrowsError(try Datasets.load(spec: "imagenet:/x")) { XCTAssertTrue("\($0)".contains("unknown dataset 'imagenet'")) }
        XCTAssertThrowsError(try Datasets.load(spec: "svhn")) { XCTAssertTrue("\($0)".contains("svhn:PATH")) }
    }

    // MARK: embedded and the real Fashion-MNIST

    func testEmbeddedFashionMNIST() throws {
        let e = try Dataset.embedded()
        XCTAssertEqual(e.train.count, 10_000); XCTAssertEqual(e.test.count, 2_000)
        XCTAssertEqual(e.train.classHistogram, [Int](repeating: 1000, count: 10))
        XCTAssertEqual(e.test.classHistogram, [Int](repeating: 200, count: 10))
        XCTAssertEqual(e.train.imageShape, [1, 28, 28]); XCTAssertEqual(e.train.classNames, ClassNames.fmnist)
        XCTAssertEqual(e.train.sourceIndices.count, 10_000)
        // The resource bundle next to the test binary is one of the places searched.
        let c = Datasets.embeddedCandidates()
        XCTAssertTrue(c.contains { $0.contains("CoReg_Kernel.resources") && FileManager.default.fileExists(atPath: $0) }, "\(c)")
    }

    func testEmbeddedFoundFromAnotherDirectory() throws {
        let old = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(old) }
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(NSTemporaryDirectory()))
        XCTAssertEqual(try Dataset.embedded().test.count, 2_000)
    }

    func testRealFashionMNIST() throws {
        let dir = Datasets.fmnistDefaultPath
        guard FileManager.default.fileExists(atPath: dir + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed at \(dir) (apt-get install dataset-fashion-mnist)")
        }
        let s = try Datasets.fmnist()
        XCTAssertEqual(s.train.count, 60_000); XCTAssertEqual(s.test.count, 10_000)
        XCTAssertEqual(s.train.imageShape, [1, 28, 28])
        XCTAssertEqual(s.train.classHistogram, [Int](repeating: 6000, count: 10))
        XCTAssertEqual(s.test.classHistogram, [Int](repeating: 1000, count: 10))
        XCTAssertEqual(s.train.labels[0], 9)
        // The embedded subset's images are the official rows it names.
        let e = try Dataset.embedded()
        for i in [0, 4321, 9999] {
            let src = Int(e.train.sourceIndices[i])
            XCTAssertEqual(e.train.imageBytes(i), s.train.imageBytes(src)); XCTAssertEqual(e.train.labels[i], s.train.labels[src])
        }
    }

    func testFMNISTMissingSaysHowToInstall() {
        XCTAssertThrowsError(try Datasets.fmnist(path: "/nonexistent/fmnist")) { XCTAssertTrue($0 is DatasetMissingError) }
        // The default-path message (checked on the text, whether or not the package is installed).
        let e = DatasetMissingError(dataset: "Fashion-MNIST", path: "/usr/share/datasets/fashion-mnist", hint: "x")
        XCTAssertTrue(e.description.hasPrefix("Fashion-MNIST not found at /usr/share/datasets/fashion-mnist"))
    }
}
