import Foundation
import XCTest
import Kernel

/// Seeded mutation fuzzing: at least 10,000 mutated files per format (byte flips, truncations,
/// insertions/deletions, extreme values in header fields). Every input must parse or throw;
/// a trap would abort the test process.
final class IOFuzzTests: XCTestCase {
    /// Mutations per format: 10,000 by default; set COREG_FUZZ_COUNT for longer runs.
    let n = max(10_000, Int(ProcessInfo.processInfo.environment["COREG_FUZZ_COUNT"] ?? "") ?? 10_000)

    func testFuzzNPY() throws {
        let seeds = [try fixtureBytes("f32.npy"), try fixtureBytes("fortran.npy"), try fixtureBytes("strings.npy"), try fixtureBytes("v2.npy")]
        for (k, s) in seeds.enumerated() {
            fuzz("npy#\(k)", s, count: n / seeds.count, header: 128, seed: UInt64(k + 1)) { b in
                let a = try NPY.parse(b, file: "f.npy")
                if a.strings == nil { _ = try a.tensor() }
            }
        }
    }

    func testFuzzNPZ() throws {
        let seeds = [try fixtureBytes("stored.npz"), try fixtureBytes("deflated.npz")]
        for (k, s) in seeds.enumerated() {
            fuzz("npz#\(k)", s, count: n / 2, header: s.count, seed: UInt64(k + 11)) { b in _ = try NPZ.parse(b, file: "f.npz") }
        }
    }

    func testFuzzGzipAndIDX() throws {
        let raw = try fixtureBytes("mnist/t10k-images-idx3-ubyte")
        fuzz("idx", raw, count: n, header: 16, seed: 21) { b in _ = try IDX.parse(b, file: "i") }
        let gz = try fixtureBytes("mnist/train-images-idx3-ubyte.gz")
        fuzz("idx.gz", gz, count: n, header: gz.count, seed: 22) { b in
            _ = try IDX.parse(try Gzip.decompressIfGzip(b, file: "i.gz"), file: "i.gz")
        }
    }

    func testFuzzCIFAR() throws {
        let s = try fixtureBytes("cifar-100-binary/test.bin")
        fuzz("cifar100", s, count: n, header: 8, seed: 31) { b in _ = try CIFAR.parse(b, file: "c", variant: .cifar100) }
        let t = try fixtureBytes("cifar-10-batches-bin/data_batch_1.bin")
        fuzz("cifar10", t, count: n, header: 8, seed: 32) { b in _ = try CIFAR.parse(b, file: "c", variant: .cifar10) }
    }

    func testFuzzMAT() throws {
        let seeds = [try fixtureBytes("mixed.mat"), try fixtureBytes("svhn/train_32x32.mat"), try fixtureBytes("svhn/test_32x32.mat")]
        for (k, s) in seeds.enumerated() {
            fuzz("mat#\(k)", s, count: n / 3 + 1, header: 400, seed: UInt64(k + 41)) { b in
                for v in try MAT.parse(b, file: "m.mat") where v.count < 1 << 16 { _ = try v.tensor() }
            }
        }
    }

    func testFuzzPNG() throws {
        let seeds = [try fixtureBytes("images/gray.png"), try fixtureBytes("images/rgba.png")]
        for (k, s) in seeds.enumerated() {
            fuzz("png#\(k)", s, count: n / 2, header: s.count, seed: UInt64(k + 51)) { b in _ = try ImageDecode.decode(b, file: "p.png") }
        }
    }

    /// Mutations with every PNG chunk CRC recomputed, so that libpng itself meets corrupt
    /// headers and compressed data instead of the chunk walker rejecting them.
    func testFuzzPNGWithValidCRCs() throws {
        let seeds = [try fixtureBytes("images/rgb.png"), try fixtureBytes("images/gray.png")]
        for (k, s) in seeds.enumerated() {
            fuzz("png-crc#\(k)", s, count: n / 2, header: s.count, seed: UInt64(k + 55)) { b in
                _ = try ImageDecode.decode(fixPNGCRCs(b), file: "p.png")
            }
        }
    }

    func fixPNGCRCs(_ src: [UInt8]) -> [UInt8] {
        var b = src
        var p = 8
        while p + 12 <= b.count {
            let len = Int(b[p]) << 24 | Int(b[p + 1]) << 16 | Int(b[p + 2]) << 8 | Int(b[p + 3])
            guard len <= b.count - p - 12 else { break }
            let c = Gzip.crc32(b, range: (p + 4)..<(p + 8 + len))
            for k in 0..<4 { b[p + 8 + len + k] = UInt8((c >> (24 - 8 * UInt32(k))) & 0xFF) }
            p += 12 + len
        }
        return b
    }

    func testFuzzJPEG() throws {
        let im = try Image8(height: 8, width: 12, channels: 3, pixels: pat(288, 9))
        let jpg = try ImageDecode.encodeJPEG(im, quality: 90)
        fuzz("jpeg", jpg, count: n, header: jpg.count, seed: 61) { b in _ = try ImageDecode.decode(b, file: "j.jpg") }
    }

    func testFuzzPNM() throws {
        let seeds = ["images/gray.pgm", "images/rgb.ppm", "images/ascii.pgm", "images/ascii.ppm", "images/gray16.pgm"].map { try! fixtureBytes($0) }
        for (k, s) in seeds.enumerated() {
            fuzz("pnm#\(k)", s, count: n / seeds.count, header: 24, seed: UInt64(k + 71)) { b in _ = try ImageDecode.decode(b, file: "p.ppm") }
        }
    }

    func testFuzzFER2013() throws {
        let full = try fixtureBytes("fer2013.csv")
        let lines = full.split(separator: 0x0A, omittingEmptySubsequences: false)
        let small = Array(lines.prefix(3).joined(separator: [0x0A])) + [0x0A]
        fuzz("fer2013", small, count: n, header: small.count, seed: 81) { b in _ = try FER2013.parse(b, file: "f.csv") }
    }
}
