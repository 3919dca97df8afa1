import XCTest
import Kernel

final class RNGTests: XCTestCase {
    private func draws(_ g: RNG) throws -> [[Double]] {
        [try Tensor.rand([3, 5], rng: g).toDoubles(),
         try Tensor.randn([7], rng: g).toDoubles(),
         try Tensor.randint(-5, 5, [9], rng: g).toDoubles(),
         try Tensor.randperm(11, rng: g).toDoubles(),
         [Double(g.nextUInt32()), g.nextDouble(), Double(g.nextFloat()), g.nextNormal(), Double(g.nextInt(below: 1000))]]
    }

    func testSameSeedSameNumbers() throws {
        XCTAssertEqual(try draws(RNG(seed: 42)), try draws(RNG(seed: 42)))
        XCTAssertNotEqual(try draws(RNG(seed: 42)), try draws(RNG(seed: 43)))
        // the global generator follows manualSeed
        RNG.manualSeed(7)
        let a = try Tensor.randn([4]).toDoubles(), b = try Tensor.rand([4]).toDoubles()
        RNG.manualSeed(7)
        XCTAssertEqual(try Tensor.randn([4]).toDoubles(), a)
        XCTAssertEqual(try Tensor.rand([4]).toDoubles(), b)
        XCTAssertEqual(try Tensor.randn([4], rng: RNG(seed: 7)).toDoubles(), a)
    }

    func testConsecutiveDrawsDiffer() throws {
        let g = RNG(seed: 1)
        XCTAssertNotEqual(try Tensor.rand([8], rng: g).toDoubles(), try Tensor.rand([8], rng: g).toDoubles())
        XCTAssertNotEqual(try Tensor.randn([8], rng: g).toDoubles(), try Tensor.randn([8], rng: g).toDoubles())
    }

    func testSubstreams() throws {
        let g = RNG(seed: 5)
        let a1 = g.substream("augment"), a2 = g.substream("augment"), b = g.substream("dropout")
        let va = try Tensor.rand([16], rng: a1).toDoubles()
        XCTAssertEqual(va, try Tensor.rand([16], rng: a2).toDoubles(), "substream is deterministic")
        XCTAssertNotEqual(va, try Tensor.rand([16], rng: b).toDoubles(), "different names differ")
        XCTAssertNotEqual(va, try Tensor.rand([16], rng: RNG(seed: 5)).toDoubles(), "differs from the parent")
        XCTAssertNotEqual(va, try Tensor.rand([16], rng: RNG(seed: 6).substream("augment")).toDoubles(), "depends on the seed")
        // drawing from the parent does not shift a substream
        _ = try Tensor.rand([100], rng: g)
        XCTAssertEqual(va, try Tensor.rand([16], rng: g.substream("augment")).toDoubles())
        XCTAssertEqual(g.substream("x").seed, RNG(seed: 5).substream("x").seed)
    }

    func testStateSaveRestoreResumesExactly() throws {
        // save at every position within a block (0…4 words used) and after bulk fills
        for pre in 0..<6 {
            let g = RNG(seed: 99)
            _ = try Tensor.rand([3], rng: g)
            for _ in 0..<pre { _ = g.nextUInt32() }
            let saved = g.state
            let after = try draws(g) + [[Double(g.nextUInt32()), Double(g.nextUInt32())]]
            let h = try RNG(state: saved)
            XCTAssertEqual(h.state, saved)
            let resumed = try draws(h) + [[Double(h.nextUInt32()), Double(h.nextUInt32())]]
            XCTAssertEqual(after, resumed, "resume after \(pre) extra words")
        }
        // a fresh generator's state restores too
        let f = RNG(seed: 3)
        XCTAssertEqual(try draws(RNG(state: f.state)), try draws(f))
        assertThrows("rng", ["3 words"]) { try RNG(state: [1, 2]) }
        assertThrows("rng", ["used"]) { try RNG(state: [1, 2, 9]) }
    }

    func testNormalStatistics() throws {
        let x = try Tensor.randn([100_000], rng: RNG(seed: 2024))
        XCTAssertEqual(try x.mean().item(), 0, accuracy: 0.015)
        XCTAssertEqual(try x.std().item(), 1, accuracy: 0.015)
        // about 68.3% within one sigma, 95.4% within two
        let within1 = try x.abs().lt(Tensor(1)).float().mean().item()
        let within2 = try x.abs().lt(Tensor(2)).float().mean().item()
        XCTAssertEqual(within1, 0.6827, accuracy: 0.01)
        XCTAssertEqual(within2, 0.9545, accuracy: 0.005)
        let y = try Tensor.randn([50_000], mean: 3, std: 0.5, rng: RNG(seed: 1))
        XCTAssertEqual(try y.mean().item(), 3, accuracy: 0.01)
        XCTAssertEqual(try y.std().item(), 0.5, accuracy: 0.01)
        // scalar normals too
        let g = RNG(seed: 8)
        let v = (0..<20_000).map { _ in g.nextNormal() }
        XCTAssertEqual(v.reduce(0, +) / 20_000, 0, accuracy: 0.03)
    }

    func testUniformStatistics() throws {
        let x = try Tensor.rand([100_000], rng: RNG(seed: 3))
        XCTAssertEqual(try x.mean().item(), 0.5, accuracy: 0.005)
        XCTAssertEqual(try x.variance().item(), 1.0 / 12, accuracy: 0.002)
        XCTAssertGreaterThanOrEqual(try x.amin().item(), 0)
        XCTAssertLessThan(try x.amax().item(), 1)
        let y = try Tensor.rand([10_000], low: -2, high: 3, rng: RNG(seed: 4))
        XCTAssertGreaterThanOrEqual(try y.amin().item(), -2)
        XCTAssertLessThan(try y.amax().item(), 3)
        XCTAssertEqual(try y.mean().item(), 0.5, accuracy: 0.05)
    }

    func testRandintCoversItsRange() throws {
        let x = try Tensor.randint(-3, 4, [7000], rng: RNG(seed: 11))
        XCTAssertEqual(x.dtype, .int32)
        var counts = [Int: Int]()
        for v in x.toInts() { counts[Int(v), default: 0] += 1 }
        XCTAssertEqual(Set(counts.keys), Set(-3..<4))
        for (_, c) in counts { XCTAssertEqual(Double(c), 1000, accuracy: 150) }
        XCTAssertEqual(Set(try Tensor.randint(5, 6, [10], rng: RNG(seed: 1)).toInts()), [5])
        // extremes of the int32 range
        let w = try Tensor.randint(Int(Int32.min), Int(Int32.max) + 1, [1000], rng: RNG(seed: 2)).toInts()
        XCTAssertTrue(w.contains { $0 < -1_000_000_000 } && w.contains { $0 > 1_000_000_000 })
    }

    func testRandpermIsAPermutation() throws {
        for n in [0, 1, 2, 10, 1000] {
            let p = try Tensor.randperm(n, rng: RNG(seed: UInt64(n)))
            XCTAssertEqual(p.dtype, .int32)
            XCTAssertEqual(p.toInts().sorted(), (0..<n).map { Int32($0) })
        }
        let p = try Tensor.randperm(1000, rng: RNG(seed: 1)).toInts()
        XCTAssertNotEqual(p, (0..<1000).map { Int32($0) }, "a shuffle, not the identity")
        // every position gets every value about equally often
        var first = [Int32: Int]()
        let g = RNG(seed: 77)
        for _ in 0..<4000 { first[try Tensor.randperm(4, rng: g).toInts()[0], default: 0] += 1 }
        for v in Int32(0)..<4 { XCTAssertEqual(Double(first[v] ?? 0), 1000, accuracy: 120) }
    }

    func testNextIntIsUnbiasedAndInRange() {
        let g = RNG(seed: 12)
        var c = [Int](repeating: 0, count: 3)
        for _ in 0..<30_000 { c[g.nextInt(below: 3)] += 1 }
        for v in c { XCTAssertEqual(Double(v), 10_000, accuracy: 400) }
        for _ in 0..<1000 { XCTAssertLessThan(g.nextInt(below: 5_000_000_000), 5_000_000_000) }
        for _ in 0..<1000 {
            let d = g.nextDouble()
            XCTAssertTrue(d >= 0 && d < 1)
        }
    }
}
