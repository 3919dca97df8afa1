import Foundation
import XCTest
import Kernel

/// Broken files: wrong magic, data that ends early, counts that disagree and absurd declared
/// sizes, for each format. Each error names the file and the byte offset.
final class IOErrorTests: XCTestCase {
    func testDataFormatErrorMessage() {
        let e = DataFormatError(file: "train-images-idx3-ubyte.gz", offset: 4, expected: "IDX magic 0x00000803", found: "0x12345678")
        XCTAssertEqual(e.description, "train-images-idx3-ubyte.gz: byte 4: expected IDX magic 0x00000803, found 0x12345678")
    }

    func testMissingFile() {
        XCTAssertThrowsError(try NPY.read("/nonexistent/x.npy")) { e in
            XCTAssertTrue(e is FileIOError); XCTAssertTrue("\(e)".contains("/nonexistent/x.npy"))
        }
    }

    // MARK: NPY

    func testNPYErrors() throws {
        let good = try fixtureBytes("f32.npy")
        var bad = good; bad[0] = 0x12
        assertFormatError(try NPY.parse(bad, file: "a.npy"), offset: 0, ["a.npy: byte 0", "NPY magic"])
        bad = good; bad[6] = 9
        assertFormatError(try NPY.parse(bad, file: "a.npy"), offset: 6, ["version 1, 2 or 3", "version 9"])
        assertFormatError(try NPY.parse(Array(good.dropLast(5)), file: "a.npy"), ["48 bytes of array data", "ends early"])
        assertFormatError(try NPY.parse(Array(good.prefix(30)), file: "a.npy"), offset: 10, ["bytes of the NPY header"])
        func withHeader(_ h: String) -> [UInt8] {
            var b: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
            let hb = Array(h.utf8)
            b.append(UInt8(hb.count & 0xFF)); b.append(UInt8(hb.count >> 8))
            return b + hb + [UInt8](repeating: 0, count: 16)
        }
        // Absurd declared size: refused before allocation.
        assertFormatError(try NPY.parse(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }"), file: "big.npy"),
                          offset: 60, ["big.npy: byte 60", "at most"])
        assertFormatError(try NPY.parse(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 1000), }"), file: "big.npy"),
                          ["400000000 bytes of array data", "ends early"])
        // Header errors are located.
        assertFormatError(try NPY.parse(withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }"), file: "h.npy"),
                          offset: 20, ["little-endian dtype", "'>f4'"])
        assertFormatError(try NPY.parse(withHeader("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4,), }"), file: "h.npy"),
                          offset: 44, ["True, False"])
        assertFormatError(try NPY.parse(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4, x), }"), file: "h.npy"),
                          offset: 64, ["integer dimension"])
        assertFormatError(try NPY.parse(withHeader("{'descr': '<f4', 'shape': (4,), }"), file: "h.npy"), ["'fortran_order' key"])
        assertFormatError(try NPY.parse(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4,)"), file: "h.npy"), ["'}'"])
    }

    // MARK: NPZ

    func testNPZErrors() throws {
        let good = try fixtureBytes("stored.npz")
        var bad = good; bad[0] = 0; bad[1] = 0
        // The central directory still points at the (now broken) local header.
        assertFormatError(try NPZ.parse(bad, file: "a.npz"), offset: 0, ["a.npz: byte 0", "local file header"])
        assertFormatError(try NPZ.parse([0x12, 0x34, 0x56, 0x78] + [UInt8](repeating: 0, count: 40), file: "a.npz"), offset: 0, ["zip magic"])
        assertFormatError(try NPZ.parse(Array(good.prefix(good.count / 2)), file: "a.npz"), ["end-of-central-directory", "truncated"])
        // A corrupted byte inside a stored member fails its CRC.
        bad = good; bad[200] ^= 0xFF
        assertFormatError(try NPZ.parse(bad, file: "a.npz"), ["CRC-32", "corrupt"])
        // zip64 markers are refused clearly.
        bad = good
        let eocd = good.count - 22
        bad[eocd + 10] = 0xFF; bad[eocd + 11] = 0xFF
        assertFormatError(try NPZ.parse(bad, file: "a.npz"), offset: eocd, ["zip64"])
        // A deflated member that ends early: the central directory declares half its size.
        let d = try fixtureBytes("deflated.npz")
        let e2 = d.count - 22
        let cd = Int(d[e2 + 16]) | Int(d[e2 + 17]) << 8 | Int(d[e2 + 18]) << 16 | Int(d[e2 + 19]) << 24
        let csize = Int(d[cd + 20]) | Int(d[cd + 21]) << 8
        var cut = d
        cut[cd + 20] = UInt8((csize / 2) & 0xFF); cut[cd + 21] = UInt8((csize / 2) >> 8)
        assertFormatError(try NPZ.parse(cut, file: "d.npz"), ["d.npz: byte", "truncated"])
        // Label count differing from image count.
        let dir = try makeTempDir("npzbad")
        try NPZ.write([("x", try NPYArray(shape: [2, 4, 4], kind: .uint8, data: [UInt8](repeating: 1, count: 32))),
                       ("y", try NPYArray(shape: [3], kind: .uint8, data: [0, 1, 0]))], to: dir + "/b.npz")
        assertFormatError(try Datasets.npz(path: dir + "/b.npz"), ["2 labels, one per image", "3 labels"])
    }

    // MARK: IDX

    func testIDXErrors() throws {
        let good = try fixtureBytes("mnist/t10k-images-idx3-ubyte")
        var bad = good; bad[0] = 0x12; bad[1] = 0x34; bad[2] = 0x56; bad[3] = 0x78
        assertFormatError(try IDX.parse(bad, file: "train-images-idx3-ubyte.gz", expectRank: 3), offset: 0,
                          ["train-images-idx3-ubyte.gz: byte 0: expected IDX magic 0x00000803, found 0x12345678"])
        assertFormatError(try IDX.parse(Array(good.dropLast(3)), file: "i", expectRank: 3), offset: 16, ["2 × 4 × 3 bytes", "ends early"])
        assertFormatError(try IDX.parse(Array(good.prefix(9)), file: "i"), offset: 8, ["dimension 1"])
        bad = good; bad[4] = 0xFF; bad[5] = 0xFF; bad[6] = 0xFF; bad[7] = 0xFF; bad[8] = 0x7F
        assertFormatError(try IDX.parse(bad, file: "i"), ["ends early"])
        assertFormatError(try IDX.parse(good + [0], file: "i"), ["extra bytes"])
        // Labels file passed where images are expected.
        assertFormatError(try IDX.parse(try fixtureBytes("mnist/t10k-labels-idx1-ubyte"), file: "l", expectRank: 3), offset: 0,
                          ["expected IDX magic 0x00000803, found 0x00000801"])
        // A gzipped file that ends early names the file and the compressed offset.
        let gz = try fixtureBytes("mnist/train-images-idx3-ubyte.gz")
        let dir = try makeTempDir("idxbad")
        try writeBytes(Array(gz.prefix(gz.count - 10)), dir + "/train-images-idx3-ubyte.gz")
        assertFormatError(try IDX.readImages(dir + "/train-images-idx3-ubyte.gz"), ["train-images-idx3-ubyte.gz: byte"])
        // Label count differing from image count, and labels out of range.
        for f in ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            try writeBytes(try fixtureBytes("mnist/" + f), dir + "/" + f)
        }
        try IDX.write(try UInt8Array(shape: [4], values: [0, 1, 2, 3]), to: dir + "/train-labels-idx1-ubyte.gz")
        assertFormatError(try Datasets.mnist(path: dir), offset: 4, ["train-labels-idx1-ubyte.gz: byte 4", "5 labels, one per image", "found 4 labels"])
        try IDX.write(try UInt8Array(shape: [5], values: [0, 1, 10, 3, 4]), to: dir + "/train-labels-idx1-ubyte.gz")
        assertFormatError(try Datasets.mnist(path: dir), offset: 10, ["label 0...9 for sample 2", "found 10"])
    }

    // MARK: CIFAR

    func testCIFARErrors() throws {
        let good = try fixtureBytes("cifar-10-batches-bin/data_batch_1.bin")
        assertFormatError(try CIFAR.parse(Array(good.dropLast(5)), file: "data_batch_1.bin", variant: .cifar10), offset: 3073,
                          ["data_batch_1.bin: byte 3073", "3073-byte records", "ends early"])
        var bad = good; bad[3073] = 10
        assertFormatError(try CIFAR.parse(bad, file: "b", variant: .cifar10), offset: 3073, ["label 0...9 in record 1", "found 10"])
        assertFormatError(try CIFAR.parse([], file: "b", variant: .cifar10), offset: 0, ["empty file"])
        let c = try fixtureBytes("cifar-100-binary/test.bin")
        bad = c; bad[1] = 100
        assertFormatError(try CIFAR.parse(bad, file: "test.bin", variant: .cifar100), offset: 1, ["fine label 0...99"])
        bad = c; bad[0] = 20
        assertFormatError(try CIFAR.parse(bad, file: "test.bin", variant: .cifar100), offset: 0, ["coarse label 0...19"])
        // A CIFAR-100 file read as CIFAR-10 does not divide into records.
        assertFormatError(try CIFAR.parse(c, file: "test.bin", variant: .cifar10), ["3073-byte records"])
    }

    // MARK: MAT

    func testMATErrors() throws {
        let good = try fixtureBytes("svhn/test_32x32.mat")
        var bad = good; bad[0] = 0x4E
        assertFormatError(try MAT.parse(bad, file: "t.mat"), offset: 0, ["'MATLAB 5.0 MAT-file'"])
        bad = good; bad[126] = 0x4D; bad[127] = 0x49
        assertFormatError(try MAT.parse(bad, file: "t.mat"), offset: 126, ["big-endian"])
        var v73 = good; for (i, b) in "MATLAB 7.3 MAT-file".utf8.enumerated() { v73[i] = b }
        assertFormatError(try MAT.parse(v73, file: "t.mat"), offset: 0, ["v7.3 (HDF5)"])
        assertFormatError(try MAT.parse(Array(good.prefix(100)), file: "t.mat"), ["128-byte MAT-file header"])
        assertFormatError(try MAT.parse(Array(good.dropLast(100)), file: "t.mat"), offset: 136, ["t.mat: byte 136", "data element"])
        // Absurd dimensions: X's first dimension set to 2^31-1.
        let xDims = findDims(good, [32, 32, 3, 2])!
        bad = good; bad[xDims] = 0xFF; bad[xDims + 1] = 0xFF; bad[xDims + 2] = 0xFF; bad[xDims + 3] = 0x7F
        assertFormatError(try MAT.parse(bad, file: "t.mat"), offset: xDims, ["t.mat: byte \(xDims)", "dimensions of at most"])
        bad = good; bad[xDims] = 33
        assertFormatError(try MAT.parse(bad, file: "t.mat"), ["bytes for 'X'", "6144 bytes declared"])
        // Compressed elements that end early.
        let z = try fixtureBytes("svhn/train_32x32.mat")
        assertFormatError(try MAT.parse(Array(z.prefix(z.count - 50)), file: "z.mat"), ["z.mat: byte", "ends early"])
        assertFormatError(try MAT.parse(Array(z.prefix(z.count - 10)), file: "z.mat"), ["z.mat: byte"])
        // Label count differing from image count.
        assertFormatError(try Datasets.svhn(path: fixture("svhn_bad")), ["y of size [3, 1]", "[2, 1]"])
    }

    /// Byte offset of a run of int32 dimensions in a MAT-file.
    func findDims(_ b: [UInt8], _ dims: [Int32]) -> Int? {
        var pattern: [UInt8] = []
        for d in dims { for k in 0..<4 { pattern.append(UInt8((d >> (8 * Int32(k))) & 0xFF)) } }
        for i in 0...(b.count - pattern.count) where Array(b[i..<(i + pattern.count)]) == pattern { return i }
        return nil
    }

    // MARK: images

    func testImageErrors() throws {
        let png = try fixtureBytes("images/rgb.png")
        assertFormatError(try ImageDecode.decode([1, 2, 3, 4, 5], file: "x.png"), offset: 0, ["PNG (89 50 4e 47)", "01 02 03 04"])
        var bad = png; bad[5] = 0
        assertFormatError(try ImageDecode.decode(bad, file: "x.png"), offset: 0, ["PNG signature"])
        assertFormatError(try ImageDecode.decode(Array(png.dropLast(20)), file: "x.png"), ["x.png: byte", "chunk IDAT", "bytes before the end"])
        bad = png; bad[40] ^= 0x55
        assertFormatError(try ImageDecode.decode(bad, file: "x.png"), ["CRC-32", "corrupt"])
        bad = png; bad[16] = 0x00; bad[17] = 0xFF; bad[18] = 0xFF; bad[19] = 0xFF  // width 16 M
        bad[20] = 0x00; bad[21] = 0xFF; bad[22] = 0xFF; bad[23] = 0xFF
        assertFormatError(try ImageDecode.decode(bad, file: "x.png"), offset: 16, ["at most 268435456 pixels"])
        // Declared sizes far beyond the data are refused before any pixel buffer is allocated.
        var huge = try fixtureBytes("images/gray.png")
        for k in 16..<24 { huge[k] = [0, 0, 0x27, 0x10][k % 4] }  // 10000 × 10000
        let crc = Gzip.crc32(huge, range: 12..<29)
        for k in 0..<4 { huge[29 + k] = UInt8((crc >> (24 - 8 * UInt32(k))) & 0xFF) }
        assertFormatError(try ImageDecode.decode(huge, file: "h.png"), offset: 16, ["bytes of image data", "100000000 pixels declared"])
        var bigJPEG = try ImageDecode.encodeJPEG(try Image8(height: 8, width: 8, channels: 1, pixels: pat(64, 3)))
        if let sof = (0..<(bigJPEG.count - 9)).first(where: { bigJPEG[$0] == 0xFF && bigJPEG[$0 + 1] == 0xC0 }) {
            for k in 5...8 { bigJPEG[sof + k] = k % 2 == 1 ? 0x7F : 0x00 }
            assertFormatError(try ImageDecode.decode(bigJPEG, file: "h.jpg"), ["h.jpg: byte 0", "32512 x 32512 pixels declared over only"])
        } else { XCTFail("no SOF0 marker in the encoded JPEG") }
        assertFormatError(try ImageDecode.decode(Array("P5 10000 10000 255\n".utf8) + [1, 2, 3], file: "h.pgm"), offset: 19, ["ends early"])
        assertFormatError(try ImageDecode.decode(Array("P2 10000 10000 255\n1 2 3".utf8), file: "h.pgm"), offset: 18, ["100000000 ASCII samples", "ends early"])
        // JPEG: ends early, and garbage after the SOI marker.
        let im = try Image8(height: 16, width: 16, channels: 3, pixels: pat(768, 1))
        let jpg = try ImageDecode.encodeJPEG(im)
        assertFormatError(try ImageDecode.decode(Array(jpg.prefix(jpg.count / 2)), file: "x.jpg"), ["x.jpg: byte", "ends early"])
        assertFormatError(try ImageDecode.decode([0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3], file: "x.jpg"), ["x.jpg: byte", "libjpeg"])
        assertFormatError(try ImageDecode.decode(Array(jpg.prefix(40)), file: "x.jpg"), ["x.jpg: byte"])
        // PGM/PPM.
        let pgm = try fixtureBytes("images/gray.pgm")
        assertFormatError(try ImageDecode.decode(Array(pgm.dropLast(2)), file: "g.pgm"), ["g.pgm: byte 21", "ends early"])
        assertFormatError(try ImageDecode.decode(Array("P5 100000 100000 255\n".utf8), file: "g.pgm"), offset: 3, ["at most 268435456 pixels"])
        assertFormatError(try ImageDecode.decode(Array("P2 2 1 255\n3 300\n".utf8), file: "g.pgm"), offset: 13, ["sample ≤ 255", "300"])
        assertFormatError(try ImageDecode.decode(Array("P3 2 1 255\n3 4 5".utf8), file: "c.ppm"), ["sample 3 of 6", "end of file"])
        assertFormatError(try ImageDecode.decode(Array("P6 2 x 255\n".utf8), file: "c.ppm"), offset: 5, ["the image height"])
    }

    // MARK: FER2013

    func testFER2013Errors() throws {
        let good = try fixtureBytes("fer2013.csv")
        let text = String(decoding: good, as: UTF8.self)
        assertFormatError(try FER2013.parse(Array("a,b,c\n1,2,3\n".utf8), file: "f.csv"), offset: 0, ["'pixels' column"])
        assertFormatError(try FER2013.parse([], file: "f.csv"), offset: 0, ["empty file"])
        // A row with a missing pixel.
        let lines = text.split(separator: "\n").map(String.init)
        var row = lines[1]
        row = row.replacingOccurrences(of: ",Training", with: "")
        row = String(row[..<row.lastIndex(of: " ")!]) + ",Training"
        assertFormatError(try FER2013.parse(Array((lines[0] + "\n" + row + "\n").utf8), file: "f.csv"), offset: 23, ["2304 pixel values", "found 2303"])
        // Bad label and bad pixel value.
        let badLabel = lines[0] + "\n9" + lines[1].dropFirst() + "\n"
        assertFormatError(try FER2013.parse(Array(badLabel.utf8), file: "f.csv"), offset: 21, ["emotion label 0...6", "'9'"])
        let badPixel = lines[0] + "\n0,300" + lines[1].dropFirst(lines[1].firstIndex(of: " ")!.utf16Offset(in: lines[1])) + "\n"
        assertFormatError(try FER2013.parse(Array(badPixel.utf8), file: "f.csv"), offset: 23, ["pixel value 0...255", "'300'"])
        assertFormatError(try FER2013.parse(Array((lines[0] + "\n1,2\n").utf8), file: "f.csv"), offset: 21, ["3 fields in row 1"])
    }
}

/// Inputs that scripts/fuzz.sh found stopping or exhausting the process, now clear errors.
final class FuzzFindingTests: XCTestCase {
    /// An empty shape with a huge dimension ([0, 2^31 − 1, 2^31 − 1]) passed the size check (its
    /// product is 0) and then overflowed the tensor's strides.
    func testEmptyShapeWithHugeDimensionsIsRefused() throws {
        let idx: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF]
        assertFormatError(try IDX.parse(idx, file: "empty.idx"), ["empty.idx", "0 × 2147483647 × 2147483647"])
        XCTAssertThrowsError(try Tensor.zeros([0, 1 << 40, 1 << 40])) { XCTAssertTrue("\($0)".contains("too large"), "\($0)") }
        XCTAssertEqual(try Tensor.zeros([0, 1 << 20]).count, 0)
        XCTAssertEqual(try IDX.parse([0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0, 7], file: "e.idx").tensor().shape, [0, 7])
    }

    /// A JSONL line with index 5555555555 asked for 22 GB of candidates.
    func testFarIndexInAnswersIsRefusedWithItsLine() {
        let text = "{\"index\": 0, \"answer\": \"cat\"}\n{\"index\": 5555555555, \"answer\": \"dog\"}\n"
        assertFormatError(try VLMAnswers.parse(text, file: "a.jsonl", classNames: ["cat", "dog"]), ["a.jsonl:2", "index 5555555555", "count="])
        let sparse = "{\"index\": 0, \"answer\": \"cat\"}\n{\"index\": 1000, \"answer\": \"dog\"}\n"
        XCTAssertEqual(try VLMAnswers.parse(sparse, file: "a.jsonl", classNames: ["cat", "dog"]).annotation.count, 1001)
    }

    /// A convolution over an empty batch divided by zero when it split the batch into chunks
    /// (script-eval: `conv(ones(0, 1, 8, 8))`).
    func testConvolutionOfAnEmptyBatch() throws {
        let conv = Conv2d(1, 4, kernel: (3, 3), padding: (1, 1), rng: RNG(seed: 0))
        let y = try conv(try Tensor.zeros([0, 1, 8, 8]))
        XCTAssertEqual(y.shape, [0, 4, 8, 8])
        try y.sum().backward()
        XCTAssertEqual(conv.weight.grad?.shape, [4, 1, 3, 3])
        XCTAssertEqual(conv.weight.grad?.toFloats().allSatisfy { $0 == 0 }, true)
    }

    /// Values that do not fit int32 are format errors naming the file, not bare tensor errors.
    func testOutOfRangeIntegersNameTheFile() throws {
        assertFormatError(try NPY.read(fixture("i64_big.npy")), [fixture("i64_big.npy"), "outside the int32 range"])
    }
}
