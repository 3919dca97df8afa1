import Foundation
import XCTest
import Kernel

/// Each format parsed back from files written by numpy, scipy or the fixture generator.
final class IOFormatTests: XCTestCase {
    // MARK: NPY

    func testNPYNumericKinds() throws {
        let f = try NPY.read(fixture("f32.npy"))
        XCTAssertEqual(f.shape, [3, 4]); XCTAssertEqual(f.dtype, .float32)
        XCTAssertEqual(f.toFloats(), (0..<12).map { Float($0) * 0.5 - 1 })
        let d = try NPY.read(fixture("f64.npy"))
        XCTAssertEqual(d.dtype, .float32); XCTAssertEqual(d.shape, [2, 3])
        XCTAssertEqual(d.toFloats(), (0..<6).map { Float($0) / 4 })
        let i = try NPY.read(fixture("i64.npy"))
        XCTAssertEqual(i.dtype, .int32); XCTAssertEqual(i.toInts(), [-3, 5, Int32.max, 0, 1, Int32.min])
        XCTAssertEqual(try NPY.read(fixture("i32.npy")).toInts(), [7, -8, 9])
        let u = try NPY.readArray(fixture("u8.npy"))
        XCTAssertEqual(u.kind, .uint8); XCTAssertEqual(u.shape, [2, 3, 4]); XCTAssertEqual(u.uint8Values, pat(24, 0))
        XCTAssertEqual(try u.tensor().toInts(), pat(24, 0).map { Int32($0) })
        let b = try NPY.read(fixture("bool.npy"))
        XCTAssertEqual(b.dtype, .bool); XCTAssertEqual(b.toBools(), [true, false, true, true])
        let s = try NPY.read(fixture("scalar.npy"))
        XCTAssertEqual(s.shape, []); XCTAssertEqual(try s.item(), 3.5)
        let e = try NPY.read(fixture("empty.npy"))
        XCTAssertEqual(e.shape, [0, 3])
    }

    func testNPYFortranVersionsStrings() throws {
        let f = try NPY.read(fixture("fortran.npy"))
        XCTAssertEqual(f.shape, [2, 3, 4]); XCTAssertEqual(f.toFloats(), (0..<24).map(Float.init))
        XCTAssertEqual(try NPY.read(fixture("v2.npy")).toInts(), [0, 1, 2, 3, 4])
        XCTAssertEqual(try NPY.read(fixture("v3.npy")).toFloats(), [0, 1, 2, 3])
        let s = try NPY.readArray(fixture("strings.npy"))
        XCTAssertEqual(s.strings, ["cat", "dog", "bird"])
        XCTAssertThrowsError(try s.tensor())
        // int64 values outside int32 are an error, not a silent wrap.
        XCTAssertThrowsError(try NPY.read(fixture("i64_big.npy"))) { XCTAssertTrue("\($0)".contains("outside the int32 range")) }
    }

    func testNPYRoundTripAndFortranWrite() throws {
        let dir = try makeTempDir("npy")
        let t = try Tensor((0..<24).map { Float($0) * 0.25 }, shape: [2, 3, 4])
        try NPY.write(t, to: dir + "/t.npy")
        assertClose(try NPY.read(dir + "/t.npy"), t)
        let a = NPYArray(t)
        try NPY.write(a, to: dir + "/f.npy", fortranOrder: true)
        assertClose(try NPY.read(dir + "/f.npy"), t)
        let i = try Tensor(ints: [1, -2, 3], shape: [3])
        try NPY.write(i, to: dir + "/i.npy")
        XCTAssertEqual(try NPY.read(dir + "/i.npy").toInts(), [1, -2, 3])
        // The header is padded so that data starts at a multiple of 64, as numpy does.
        let bytes = NPY.encode(t)
        XCTAssertEqual((bytes.count - 24 * 4) % 64, 0)
    }

    // MARK: NPZ

    func testNPZFromNumpy() throws {
        let s = try NPZ.read(fixture("stored.npz"))
        XCTAssertEqual(s.names, ["x", "y", "classes"])
        XCTAssertEqual(s["x"]?.uint8Values, pat(24, 1)); XCTAssertEqual(s["x"]?.shape, [2, 3, 4])
        XCTAssertEqual(try s.tensor("y").toInts(), [1, 0])
        XCTAssertEqual(s["classes"]?.strings, ["zero", "one"])
        let d = try NPZ.read(fixture("deflated.npz"))
        XCTAssertEqual(Set(d.names), ["x", "y", "w"])
        XCTAssertEqual(d["x"]?.uint8Values, pat(24, 1))
        XCTAssertEqual(try d.tensor("w").toFloats(), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try NPZ.readTensors(fixture("stored.npz")).keys.sorted(), ["x", "y"])
        assertFormatError(try d.tensor("nope", file: "deflated.npz"), ["member named 'nope'"])
    }

    func testNPZRoundTrip() throws {
        let dir = try makeTempDir("npz")
        let a = try Tensor((0..<6).map { Float($0) }, shape: [2, 3]), b = try Tensor(ints: [4, 5], shape: [2])
        for compressed in [false, true] {
            let p = dir + "/a\(compressed).npz"
            try NPZ.write([("a", a), ("b", b)], to: p, compressed: compressed)
            let r = try NPZ.read(p)
            XCTAssertEqual(r.names, ["a", "b"])
            assertClose(try r.tensor("a"), a)
            XCTAssertEqual(try r.tensor("b").toInts(), [4, 5])
        }
    }

    // MARK: gzip and atomic files

    func testGzip() throws {
        let data = pat(5000, 7)
        let z = try Gzip.gzip(data)
        XCTAssertTrue(Gzip.isGzip(z))
        XCTAssertEqual(try Gzip.gunzip(z), data)
        XCTAssertEqual(try Gzip.decompressIfGzip(data, file: "raw"), data)  // raw passes through
        // Concatenated members decompress to the concatenation, as gzip(1) does.
        XCTAssertEqual(try Gzip.gunzip(z + (try Gzip.gzip([1, 2, 3]))), data + [1, 2, 3])
        assertFormatError(try Gzip.gunzip(Array(z.prefix(z.count / 2)), file: "x.gz"), ["x.gz: byte", "truncated"])
    }

    func testAtomicFile() throws {
        let dir = try makeTempDir("atomic")
        let p = dir + "/out.bin"
        try AtomicFile.write([1, 2, 3], to: p)
        try AtomicFile.write([4, 5], to: p)
        XCTAssertEqual(try fixtureBytesAt(p), [4, 5])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.bin"])  // no temp files left
        XCTAssertThrowsError(try AtomicFile.write([1], to: dir + "/missing/x.bin")) { XCTAssertTrue($0 is FileIOError) }
    }

    func fixtureBytesAt(_ p: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: p))) }

    // MARK: IDX and CIFAR

    func testIDX() throws {
        let img = try IDX.readImages(fixture("mnist/train-images-idx3-ubyte.gz"))
        XCTAssertEqual(img.shape, [5, 1, 4, 3])
        assertClose(img, pat(60, 4).map { Double($0) / 255 }, rtol: 1e-6)
        XCTAssertEqual(try IDX.readLabels(fixture("mnist/train-labels-idx1-ubyte.gz")).toInts(), [0, 9, 3, 3, 1])
        let raw = try IDX.readRaw(fixture("mnist/t10k-images-idx3-ubyte"))
        XCTAssertEqual(raw.shape, [2, 4, 3]); XCTAssertEqual(raw.values, pat(24, 5))
        let dir = try makeTempDir("idx")
        try IDX.write(raw, to: dir + "/x.gz")
        XCTAssertEqual(try IDX.readRaw(dir + "/x.gz"), raw)
    }

    func testCIFAR() throws {
        let b = try CIFAR.readBatch(fixture("cifar-10-batches-bin/data_batch_3.bin"), variant: .cifar10)
        XCTAssertEqual(b.images.shape, [2, 3, 32, 32]); XCTAssertEqual(b.labels, [6, 7]); XCTAssertNil(b.coarseLabels)
        XCTAssertEqual(Array(b.images.values[3072...]), pat(3072, 31))
        let c = try CIFAR.readBatch(fixture("cifar-100-binary/train.bin"), variant: .cifar100)
        XCTAssertEqual(c.labels, [0, 7, 14, 21]); XCTAssertEqual(c.coarseLabels, [0, 1, 2, 3])
        XCTAssertEqual(Array(c.images.values[0..<3072]), pat(3072, 70))
        let enc = try CIFAR.encode(images: c.images, labels: c.labels, coarseLabels: c.coarseLabels)
        XCTAssertEqual(enc, try fixtureBytes("cifar-100-binary/train.bin"))
        let (x, y) = try CIFAR.read(fixture("cifar-10-batches-bin/test_batch.bin"), variant: .cifar10)
        XCTAssertEqual(x.shape, [3, 3, 32, 32]); XCTAssertEqual(y.toInts(), [0, 1, 2])
        XCTAssertEqual(try CIFAR.readNames(fixture("cifar-10-batches-bin/batches.meta.txt")), ClassNames.cifar10)
    }

    // MARK: MAT

    func testMATFromScipy() throws {
        let m = try MAT.read(fixture("mixed.mat"))
        XCTAssertEqual(Set(m.keys), ["a", "b", "c"])  // the char array 'name' is skipped
        XCTAssertEqual(m["a"]?.dims, [2, 3])
        XCTAssertEqual(try m["a"]!.tensor().toFloats(), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try m["b"]!.tensor().toInts(), [1, -2])
        let c = try m["c"]!.tensor()
        XCTAssertEqual(c.shape, [2, 3, 4]); XCTAssertEqual(c.toFloats(), (0..<24).map(Float.init))
        // Compressed (miCOMPRESSED) and plain SVHN files.
        let (x, y) = try Datasets.svhnFile(fixture("svhn/train_32x32.mat"))
        XCTAssertEqual(x.shape, [3, 3, 32, 32]); XCTAssertEqual(x.values, pat(3 * 3072, 90)); XCTAssertEqual(y, [1, 0, 5])
        let (x2, y2) = try Datasets.svhnFile(fixture("svhn/test_32x32.mat"))
        XCTAssertEqual(x2.values, pat(2 * 3072, 91)); XCTAssertEqual(y2, [0, 3])
        let t = try MAT.readTensors(fixture("svhn/test_32x32.mat"))
        XCTAssertEqual(t["X"]?.shape, [32, 32, 3, 2])
    }

    // MARK: images

    func testPNGAndPNM() throws {
        let g = try ImageDecode.read(fixture("images/gray.png"))
        XCTAssertEqual([g.height, g.width, g.channels], [4, 5, 1]); XCTAssertEqual(g.pixels, pat(20, 100))
        let c = try ImageDecode.read(fixture("images/rgb.png"))
        XCTAssertEqual([c.height, c.width, c.channels], [2, 3, 3]); XCTAssertEqual(c.pixels, pat(18, 101))
        let a = try ImageDecode.read(fixture("images/rgba.png"))
        XCTAssertEqual(a.channels, 3)
        let src = pat(16, 102)
        XCTAssertEqual(a.pixels, (0..<4).flatMap { p in (0..<3).map { src[4 * p + $0] } })
        XCTAssertEqual(try c.tensor().shape, [2, 3, 3])
        for f in ["images/gray.pgm", "images/ascii.pgm", "images/gray16.pgm"] {
            let p = try ImageDecode.read(fixture(f))
            XCTAssertEqual([p.height, p.width, p.channels], [3, 4, 1], f); XCTAssertEqual(p.pixels, pat(12, 103), f)
        }
        for f in ["images/rgb.ppm", "images/ascii.ppm"] {
            let p = try ImageDecode.read(fixture(f))
            XCTAssertEqual([p.height, p.width, p.channels], [2, 3, 3], f); XCTAssertEqual(p.pixels, pat(18, 104), f)
        }
        // PNG and PPM writers round-trip exactly.
        for im in [g, c] {
            XCTAssertEqual(try ImageDecode.decode(try ImageDecode.encodePNG(im), file: "mem.png"), im)
            XCTAssertEqual(try ImageDecode.decode(try ImageDecode.encodePNM(im), file: "mem.ppm"), im)
        }
    }

    func testJPEGRoundTrip() throws {
        for ch in [1, 3] {
            let h = 24, w = 40
            var px = [UInt8](repeating: 0, count: h * w * ch)
            for y in 0..<h { for x in 0..<w { for k in 0..<ch { px[(y * w + x) * ch + k] = UInt8(x * 3 + y * 2 + k * 30) } } }
            let im = try Image8(height: h, width: w, channels: ch, pixels: px)
            let jpg = try ImageDecode.encodeJPEG(im, quality: 100)
            XCTAssertEqual(Array(jpg.prefix(3)), [0xFF, 0xD8, 0xFF])
            let back = try ImageDecode.decode(jpg, file: "mem.jpg")
            XCTAssertEqual([back.height, back.width, back.channels], [h, w, ch])
            let maxErr = zip(back.pixels, px).map { abs(Int($0) - Int($1)) }.max()!
            XCTAssertLessThanOrEqual(maxErr, 12, "channels \(ch)")
        }
    }

    func testResizeBilinear() throws {
        let row = try Image8(height: 1, width: 2, channels: 1, pixels: [0, 255])
        XCTAssertEqual(try row.resized(height: 1, width: 4).pixels, [0, 64, 191, 255])
        let shrink = try Image8(height: 1, width: 4, channels: 1, pixels: [0, 100, 200, 250])
        XCTAssertEqual(try shrink.resized(height: 1, width: 2).pixels, [71, 207])
        let flat = try Image8(height: 5, width: 7, channels: 3, pixels: [UInt8](repeating: 77, count: 105))
        let r = try flat.resized(height: 64, width: 64)
        XCTAssertEqual([r.height, r.width, r.channels], [64, 64, 3]); XCTAssertTrue(r.pixels.allSatisfy { $0 == 77 })
        XCTAssertThrowsError(try flat.resized(height: 0, width: 3))
    }

    // MARK: FER2013

    func testFER2013() throws {
        let t = try FER2013.read(fixture("fer2013.csv"))
        XCTAssertEqual(t.images.shape, [5, 48, 48]); XCTAssertEqual(t.labels, [0, 1, 2, 3, 4])
        XCTAssertEqual(t.usage, ["Training", "Training", "PublicTest", "Training", "PrivateTest"])
        XCTAssertEqual(Array(t.images.values[(3 * 2304)..<(4 * 2304)]), pat(2304, 113))
    }
}
