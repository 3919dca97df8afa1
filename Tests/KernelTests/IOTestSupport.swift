import Foundation
import XCTest
import Kernel

/// Fixtures written by scripts/fixtures/gen_formats.py.
let formatsDir: String = {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    return here.appendingPathComponent("Fixtures/formats").path
}()

func fixture(_ name: String) -> String { formatsDir + "/" + name }

func fixtureBytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: fixture(name)))) }

/// The generator's byte pattern: pat(n, k)[i] = (37 i + 11 k) % 256.
func pat(_ n: Int, _ k: Int) -> [UInt8] { (0..<n).map { UInt8((37 * $0 + 11 * k) % 256) } }

func makeTempDir(_ tag: String) throws -> String {
    let dir = NSTemporaryDirectory() + "coreg-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func writeBytes(_ bytes: [UInt8], _ path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Asserts that `body` throws a DataFormatError whose message contains every fragment (and, when
/// given, the exact byte offset).
func assertFormatError<T>(_ body: @autoclosure () throws -> T, offset: Int? = nil, _ fragments: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected a DataFormatError containing \(fragments)", file: file, line: line)
    } catch let e as DataFormatError {
        let text = e.description
        for f in fragments where !text.contains(f) {
            XCTFail("error '\(text)' lacks '\(f)'", file: file, line: line)
        }
        if let o = offset { XCTAssertEqual(e.offset, o, "offset in '\(text)'", file: file, line: line) }
    } catch {
        XCTFail("expected a DataFormatError, got \(type(of: error)): \(error)", file: file, line: line)
    }
}

/// Seeded mutations for the fuzz tests: byte flips, truncations, insertions, and writes of
/// extreme values into header fields.
struct Mutator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }

    /// `header` is the length of the region worth hitting more often.
    mutating func mutate(_ src: [UInt8], header: Int) -> [UInt8] {
        var b = src
        let kind = below(6)
        switch kind {
        case 0:  // flip 1-4 random bytes
            for _ in 0...below(4) where !b.isEmpty { b[below(b.count)] ^= UInt8(1 + below(255)) }
        case 1:  // truncate
            b = Array(b.prefix(below(b.count)))
        case 2:  // header byte set to an extreme value
            if !b.isEmpty {
                let i = below(min(header, b.count))
                b[i] = [0, 0xFF, 0x7F, 0x80, 1][below(5)]
            }
        case 3:  // 4-byte header field set to an extreme value (both endiannesses)
            if b.count >= 4 {
                let i = below(max(1, min(header, b.count - 3)))
                let v: [UInt8] = [[0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0x7F], [0, 0, 1, 0]][below(5)]
                for k in 0..<4 { b[i + k] = v[k] }
            }
        case 4:  // insert or delete a run
            let i = below(b.count + 1)
            if below(2) == 0 { b.insert(contentsOf: (0..<(1 + below(8))).map { _ in UInt8(truncatingIfNeeded: next()) }, at: i) } else if i < b.count { b.removeSubrange(i..<min(b.count, i + 1 + below(16))) }
        default:  // flip a bit in the header, then truncate a little
            if !b.isEmpty {
                b[below(min(header, b.count))] ^= UInt8(1 << below(8))
                if below(2) == 0 { b = Array(b.prefix(max(0, b.count - below(32)))) }
            }
        }
        return b
    }
}

/// Runs `parse` on `count` mutations of `seed`; every outcome must be a value or a
/// `DataFormatError` that names the file (a trap ends the whole test process). Returns (parsed,
/// rejected). Coverage-guided fuzzing under AddressSanitizer is scripts/fuzz.sh; these seeded
/// mutations are the quick, deterministic check that runs with the unit tests.
@discardableResult
func fuzz(_ name: String, _ seedBytes: [UInt8], count: Int = 10_000, header: Int = 64, seed: UInt64 = 1,
          file: StaticString = #filePath, line: UInt = #line,
          _ parse: ([UInt8]) throws -> Void) -> (Int, Int) {
    var m = Mutator(seed: seed)
    var ok = 0, bad = 0, wrong: [String] = []
    for i in 0..<count {
        let b = m.mutate(seedBytes, header: header)
        do { try parse(b); ok += 1 } catch let e as DataFormatError where e.description.hasPrefix(e.file) && !e.file.isEmpty {
            bad += 1
        } catch {
            wrong.append("mutation \(i): \(type(of: error)): \(error)")
        }
    }
    XCTAssertEqual(wrong, [], "\(name): errors that are not located format errors", file: file, line: line)
    print("fuzz \(name): \(count) mutated files, \(ok) parsed, \(bad) rejected with located format errors, \(wrong.count) other errors")
    return (ok, bad)
}
