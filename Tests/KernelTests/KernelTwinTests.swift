import XCTest
import Kernel

/// Fast paths against naive twins: each kernel's special cases (contiguous, scalar, folded GEMM,
/// row copies) must agree with a slow, obviously correct computation on every layout.
final class KernelTwinTests: XCTestCase {
    /// Σ_k a[..., i, k] b[..., k, j] by broadcasting multiply and sum (no GEMM involved).
    private func naiveMatmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try (a.unsqueeze(-1) * b.unsqueeze(-3)).sum(axes: [-2])
    }

    func testMatmulLayoutsAgainstNaive() throws {
        let g = RNG(seed: 31)
        func r(_ s: [Int]) throws -> Tensor { try Tensor.randn(s, rng: g) }
        let cases: [(String, Tensor, Tensor)] = [
            ("contiguous", try r([5, 7]), try r([7, 3])),
            ("transposed-a", try r([7, 5]).transpose(), try r([7, 3])),
            ("transposed-b", try r([5, 7]), try r([3, 7]).transpose()),
            ("transposed-both", try r([7, 5]).transpose(), try r([3, 7]).transpose()),
            ("strided-copy", try r([10, 7]).slice(axis: 0, step: 2), try r([7, 6]).slice(axis: 1, step: 2)),
            ("negative-strides", try r([5, 7]).flip([1]), try r([7, 3]).flip([0, 1])),
            ("batched", try r([3, 4, 5]), try r([3, 5, 2])),
            ("folded-bcast-right", try r([2, 3, 4, 5]), try r([5, 6])),
            ("bcast-left", try r([4, 5]), try r([3, 5, 2])),
            ("bcast-both", try r([2, 1, 4, 5]), try r([3, 5, 2])),
            ("expanded-batch", try r([1, 4, 5]).expand([3, 4, 5]), try r([3, 5, 2])),
            ("batched-transposed", try r([3, 5, 4]).transpose(), try r([3, 2, 5]).transpose()),
            ("row-vector", try r([1, 5]), try r([5, 4])),
            ("column-result", try r([4, 5]), try r([5, 1])),
        ]
        for (name, a, b) in cases {
            assertClose(try a.matmul(b), try naiveMatmul(a, b), rtol: 1e-5, atol: 1e-5, name)
        }
        // degenerate sizes
        XCTAssertEqual(try Tensor.zeros([3, 0]).matmul(Tensor.zeros([0, 4])).toFloats(), [Float](repeating: 0, count: 12))
        XCTAssertEqual(try Tensor.zeros([0, 3]).matmul(Tensor.zeros([3, 4])).shape, [0, 4])
        XCTAssertEqual(try Tensor([1, 2, 3]).matmul(Tensor([4, 5, 6])).item(), 32)
    }

    func testElementwiseFastPathsAgainstStrided() throws {
        let g = RNG(seed: 32)
        let a = try Tensor.randn([4, 6], rng: g), b = try Tensor.randn([4, 6], rng: g)
        let at = try a.transpose().contiguous().transpose()  // same values, non-contiguous layout
        let s = Tensor(1.5)
        let full = try a * b
        assertClose(try at * b, full, rtol: 0, atol: 0, "strided lhs")
        assertClose(try a * b.transpose().contiguous().transpose(), full, rtol: 0, atol: 0, "strided rhs")
        assertClose(try a * s, try a * Tensor.full([4, 6], 1.5), rtol: 0, atol: 0, "scalar rhs")
        assertClose(try s - a, try Tensor.full([4, 6], 1.5) - a, rtol: 0, atol: 0, "scalar lhs")
        assertClose(try at.exp(), try a.exp(), rtol: 0, atol: 0, "unary strided")
        let row = try Tensor.randn([6], rng: g)
        let rowFull = try row.expand([4, 6]).contiguous()
        assertClose(try a + row, try a + rowFull, rtol: 0, atol: 0, "broadcast row")
        assertClose(try Tensor.where(a.gt(b), at, row), try Tensor.where(a.gt(b), a, rowFull), rtol: 0, atol: 0, "where")
    }

    func testReductionsAgainstNaive() throws {
        let x = try Tensor.randn([3, 5000], rng: RNG(seed: 33))
        let v = x.toDoubles()
        for i in 0..<3 {
            let e = v[(i * 5000)..<((i + 1) * 5000)].reduce(0, +)
            XCTAssertEqual(try x.sum(axes: [1]).value(at: [i]), e, accuracy: 1e-3)
        }
        assertClose(try x.transpose().sum(axes: [0]), try x.sum(axes: [1]), rtol: 1e-6, atol: 1e-5, "sum of a view")
        let y = try Tensor.randn([4, 3, 5], rng: RNG(seed: 34))
        assertClose(try y.sum(axes: [0, 2]), try y.sum(axes: [2]).sum(axes: [0]), rtol: 1e-5, atol: 1e-5, "multi-axis")
        assertClose(try y.amax(axes: [0, 2]), try y.max(axis: 2).values.max(axis: 0).values, rtol: 0, atol: 0, "amax")
        assertClose(try y.cumsum(axis: 1).select(axis: 1, index: 2), try y.sum(axes: [1]), rtol: 1e-5, atol: 1e-5, "cumsum end")
        assertClose(try y.softmax(axis: 1), try (y - y.logsumexp(axes: [1], keepdim: true)).exp(), rtol: 1e-5, atol: 1e-6, "softmax")
    }

    func testIndexSelectFastPathAgainstSlowPath() throws {
        let x = try Tensor.randn([5, 4], rng: RNG(seed: 35))
        let idx = Tensor(ints: [4, 0, 4, -1, 2])
        let fast = try x.indexSelect(axis: 0, index: idx)
        let slow = try x.transpose().indexSelect(axis: 1, index: idx).transpose()
        assertClose(fast, slow, rtol: 0, atol: 0)
        for (i, j) in [4, 0, 4, 4, 2].enumerated() {
            assertClose(try fast.select(axis: 0, index: i), try x.select(axis: 0, index: j), rtol: 0, atol: 0)
        }
        assertClose(try x.gather(axis: 0, index: Tensor(ints: [4, 0, 4, 4, 2], shape: [5, 1]).expand([5, 4]).contiguous()), fast, rtol: 0, atol: 0)
    }

    func testCopiesOfViews() throws {
        let x = try Tensor.arange(0, 24).reshape([2, 3, 4])
        let p = try x.permute([2, 0, 1]).contiguous()
        for (i, j, k) in [(0, 0, 0), (3, 1, 2), (1, 0, 2)] {
            XCTAssertEqual(try p.value(at: [i, j, k]), try x.value(at: [j, k, i]))
        }
        XCTAssertEqual(try x.flip([2]).reshape([-1]).toInts().prefix(4), [3, 2, 1, 0])
        XCTAssertEqual(try x.slice(axis: 2, start: 3, end: 0, step: -2).toInts(), [3, 1, 7, 5, 11, 9, 15, 13, 19, 17, 23, 21])
        XCTAssertEqual(try Tensor.concat([x.select(axis: 1, index: 2), x.select(axis: 1, index: 0)], axis: 1).toInts(),
                       [8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15])
    }
}

/// The 2×2/2 max-pool fast path (8 outputs per step) against a plain loop: values bitwise
/// (signed zeros included), the chosen position (through the gradient) the first maximum in window
/// order, ties and NaN included, on maps wide enough for the vector path and with ragged edges.
final class MaxPoolTwinTests: XCTestCase {
    /// Output values and the flat input index each output takes its value from.
    private func naive(_ x: [Float], planes: Int, h: Int, w: Int) -> ([Float], [Int]) {
        let ho = h / 2, wo = w / 2
        var out = [Float](), idx = [Int]()
        for pl in 0..<planes {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var best = -Float.infinity, bi = -1
                    for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let p = pl * h * w + (2 * oy + i) * w + 2 * ox + j
                        let v = x[p]
                        if bi < 0 || v > best || (v.isNaN && !best.isNaN) { best = v; bi = p }
                        if best.isNaN { break }
                    }
                    out.append(best)
                    idx.append(bi)
                }
            }
        }
        return (out, idx)
    }

    func testTwoByTwoFastPathAgainstLoop() throws {
        var state: UInt64 = 7
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for (planes, h, w) in [(6, 28, 28), (3, 14, 14), (2, 17, 35), (4, 8, 16), (1, 32, 64)] {
            for withNaN in [false, true] {
                // few distinct levels, so that windows have ties; ±0 among them
                let levels: [Float] = [-1, -0.0, 0.0, 0.5, 2]
                var x = (0..<(planes * h * w)).map { _ in levels[Int(next() % 5)] }
                if withNaN { for _ in 0..<3 { x[Int(next() % UInt64(x.count))] = .nan } }
                let t = try Tensor(x, shape: [1, planes, h, w]).requiresGrad()
                let y = try t.maxPool2d(kernel: (2, 2))
                try y.sum().backward()
                let (want, wantIdx) = naive(x, planes: planes, h: h, w: w)
                let got = y.toFloats()
                let label = "\(planes)×\(h)×\(w) nan=\(withNaN)"
                XCTAssertEqual(got.count, want.count, label)
                for i in 0..<want.count where !(got[i].bitPattern == want[i].bitPattern || (got[i].isNaN && want[i].isNaN)) {
                    XCTFail("\(label): output \(i) is \(got[i]), want \(want[i])")
                    break
                }
                var grad = [Float](repeating: 0, count: x.count)
                for p in wantIdx { grad[p] += 1 }
                XCTAssertEqual(t.grad?.toFloats(), grad, "\(label): the gradient goes to another position")
            }
        }
    }
}
