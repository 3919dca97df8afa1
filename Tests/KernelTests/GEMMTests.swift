import XCTest
import Kernel

/// A small deterministic generator, so failures reproduce.
private struct LCG {
    var state: UInt64
    mutating func next() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24) * 2 - 1
    }
    mutating func int(_ r: ClosedRange<Int>) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return r.lowerBound + Int((state >> 33) % UInt64(r.count))
    }
}

/// One GEMM problem with padded (non-contiguous) operands.
private struct Problem {
    var transA: Bool, transB: Bool
    var m: Int, n: Int, k: Int
    var lda: Int, ldb: Int, ldc: Int
    var alpha: Float, beta: Float
    var a: [Float], b: [Float], c: [Float]

    init(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, pad: Int,
         alpha: Float, beta: Float, rng: inout LCG, nanC: Bool = false) {
        self.transA = transA; self.transB = transB
        self.m = m; self.n = n; self.k = k
        self.alpha = alpha; self.beta = beta
        lda = (transA ? m : k) + pad
        ldb = (transB ? k : n) + pad
        ldc = n + pad
        a = (0..<((transA ? k : m) * lda)).map { _ in rng.next() }
        b = (0..<((transB ? n : k) * ldb)).map { _ in rng.next() }
        c = (0..<(m * ldc)).map { _ in nanC ? Float.nan : rng.next() }
    }

    func run(threads: ThreadPool?, reference: Bool) -> [Float] {
        var out = c
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in
                    if reference {
                        sgemmReference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                       a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                                       beta: beta, c: cp.baseAddress!, ldc: ldc)
                    } else {
                        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                              a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                              beta: beta, c: cp.baseAddress!, ldc: ldc, pool: threads ?? .shared)
                    }
                }
            }
        }
        return out
    }
}

/// Compares the valid part of C (and checks that padding columns were left alone).
private func assertClose(_ got: [Float], _ want: [Float], _ p: Problem, _ label: String,
                         file: StaticString = #filePath, line: UInt = #line) {
    let tol = 1e-4 * Float(max(p.k, 1)).squareRoot() * max(abs(p.alpha), 1) + 1e-5
    var worst: Float = 0, worstAt = (0, 0)
    for i in 0..<p.m {
        for j in 0..<p.ldc {
            let g = got[i * p.ldc + j], w = want[i * p.ldc + j]
            if j >= p.n {
                if !(g == w || (g.isNaN && w.isNaN)) {
                    XCTFail("\(label): padding C[\(i),\(j)] changed", file: file, line: line)
                    return
                }
                continue
            }
            let d = abs(g - w)
            if !(d <= tol) {  // also catches NaN
                if d.isNaN || d > worst { worst = d.isNaN ? .infinity : d; worstAt = (i, j) }
            }
        }
    }
    if worst > 0 {
        let (i, j) = worstAt
        XCTFail("\(label): C[\(i),\(j)] got \(got[i * p.ldc + j]) want \(want[i * p.ldc + j]) "
                + "(|diff| \(worst) > tol \(tol))", file: file, line: line)
    }
}

final class GEMMTests: XCTestCase {
    static let pool1 = ThreadPool(threads: 1)
    static let pool2 = ThreadPool(threads: 2)

    /// Runs `p` at every instruction-set level this CPU supports (AVX2, and AVX-512 where
    /// present), on 1 and 2 threads, against the reference loop.
    private func check(_ p: Problem, _ label: String, file: StaticString = #filePath,
                       line: UInt = #line) {
        let want = p.run(threads: nil, reference: true)
        let saved = KernelISA.current
        defer { KernelISA.set(saved) }
        var first: (ISA, [Float])?
        for isa in CPUFeatures.supported {
            XCTAssertEqual(KernelISA.set(isa), isa)
            let g1 = p.run(threads: Self.pool1, reference: false)
            let g2 = p.run(threads: Self.pool2, reference: false)
            assertClose(g1, want, p, label + " \(isa) t1", file: file, line: line)
            // Threads never change the arithmetic: bitwise equal results.
            XCTAssert(bitwiseEqual(g1, g2), "\(label) \(isa): 1 vs 2 threads differ", file: file, line: line)
            // Neither does the kernel's ISA: every path runs the same FMAs per element.
            if let (isa0, g0) = first {
                XCTAssert(bitwiseEqual(g0, g1), "\(label): \(isa0) vs \(isa) differ", file: file, line: line)
            } else {
                first = (isa, g1)
            }
        }
    }

    private func bitwiseEqual(_ x: [Float], _ y: [Float]) -> Bool {
        x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    /// The paths the suite relies on are really there: on a CPU that reports AVX-512 the
    /// dispatcher starts on it (unless COREG_ISA lowers it), and every listed level can be set.
    func testKernelISAFollowsTheCPU() {
        XCTAssertEqual(CPUFeatures.supported.last, CPUFeatures.best)
        if ProcessInfo.processInfo.environment["COREG_ISA"] == nil {
            XCTAssertEqual(KernelISA.current, CPUFeatures.best)
        }
        #if arch(x86_64)
        XCTAssertTrue(CPUFeatures.hasAVX2, "Kernel is built for AVX2 + FMA")
        // /proc/cpuinfo is the kernel's own view of the same flags.
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) {
            let set = Set(flags.split(separator: " ").map(String.init))
            let v4 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(set.contains)
            XCTAssertEqual(CPUFeatures.hasAVX512, v4)
        }
        #endif
        let saved = KernelISA.current
        defer { KernelISA.set(saved) }
        for isa in CPUFeatures.supported { XCTAssertEqual(KernelISA.set(isa), isa) }
        XCTAssertEqual(KernelISA.set(.avx512), CPUFeatures.best)
    }

    func testOddShapesAllTransposes() {
        var rng = LCG(state: 1)
        let sizes = [1, 7, 33, 129]
        for ta in [false, true] {
            for tb in [false, true] {
                for m in sizes {
                    for n in sizes {
                        let k = sizes[(m + 3 * n) % sizes.count]
                        let p = Problem(ta, tb, m, n, k, pad: (m + n) % 3, alpha: 1, beta: 0, rng: &rng)
                        check(p, "ta=\(ta) tb=\(tb) m=\(m) n=\(n) k=\(k)")
                    }
                }
            }
        }
    }

    func testMediumShapesAllTransposes() {
        var rng = LCG(state: 2)
        for ta in [false, true] {
            for tb in [false, true] {
                let m = rng.int(200...300), n = rng.int(200...300), k = rng.int(200...300)
                let p = Problem(ta, tb, m, n, k, pad: 5, alpha: 1, beta: 0, rng: &rng)
                check(p, "ta=\(ta) tb=\(tb) m=\(m) n=\(n) k=\(k)")
            }
        }
        // K larger than one K block, M larger than one M block, N larger than one N block.
        let p = Problem(false, false, 301, 3100, 530, pad: 3, alpha: 0.5, beta: 2, rng: &rng)
        check(p, "multi-block")
        let q = Problem(true, true, 150, 40, 700, pad: 0, alpha: 1, beta: 1, rng: &rng)
        check(q, "multi-k trans")
        // Threads split M and share packed B blocks: several N blocks and several K blocks.
        let r = Problem(false, true, 1300, 3100, 400, pad: 1, alpha: 1, beta: 0.5, rng: &rng)
        check(r, "shared B, multi-block")
    }

    func testAlphaBeta() {
        var rng = LCG(state: 3)
        for (alpha, beta) in [(Float(1), Float(1)), (2.5, -0.5), (-1, 0), (0, 0.75), (0, 0), (1, 0)] {
            for (m, n, k) in [(7, 33, 129), (64, 80, 96), (5, 3, 2)] {
                let p = Problem(false, true, m, n, k, pad: 2, alpha: alpha, beta: beta, rng: &rng)
                check(p, "alpha=\(alpha) beta=\(beta) \(m)x\(n)x\(k)")
            }
        }
    }

    func testBetaZeroIgnoresNaN() {
        var rng = LCG(state: 4)
        for (m, n, k) in [(3, 4, 5), (129, 33, 257), (200, 70, 64)] {
            for alpha in [Float(1), 0] {
                let p = Problem(true, false, m, n, k, pad: 1, alpha: alpha, beta: 0, rng: &rng, nanC: true)
                let got = p.run(threads: Self.pool2, reference: false)
                for i in 0..<m { for j in 0..<n { XCTAssertFalse(got[i * p.ldc + j].isNaN) } }
                check(p, "NaN C \(m)x\(n)x\(k) alpha=\(alpha)")
            }
        }
    }

    func testZeroK() {
        var rng = LCG(state: 5)
        let p = Problem(false, false, 9, 17, 0, pad: 0, alpha: 1, beta: 0.5, rng: &rng)
        check(p, "k=0")
    }

    func testThreadCountIndependence() {
        var rng = LCG(state: 6)
        let p = Problem(false, false, 250, 130, 300, pad: 0, alpha: 1, beta: 0, rng: &rng)
        let g1 = p.run(threads: Self.pool1, reference: false)
        let g3 = p.run(threads: ThreadPool(threads: 3), reference: false)
        let g2 = p.run(threads: Self.pool2, reference: false)
        XCTAssertEqual(g1, g3)
        XCTAssertEqual(g1, g2)
        // Wide and short: the split goes over N.
        let q = Problem(true, false, 20, 900, 130, pad: 0, alpha: 1, beta: 0, rng: &rng)
        XCTAssertEqual(q.run(threads: Self.pool1, reference: false),
                       q.run(threads: ThreadPool(threads: 3), reference: false))
    }

    func testBatched() {
        var rng = LCG(state: 7)
        for (batch, m, n, k) in [(5, 7, 33, 20), (3, 120, 130, 140), (16, 8, 8, 8)] {
            for (ta, tb) in [(false, false), (true, true), (false, true)] {
                let lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 3
                let sA = (ta ? k : m) * lda + 4, sB = (tb ? n : k) * ldb + 5, sC = m * ldc + 6
                let a = (0..<(batch * sA)).map { _ in rng.next() }
                let b = (0..<(batch * sB)).map { _ in rng.next() }
                let c0 = (0..<(batch * sC)).map { _ in rng.next() }
                var want = c0
                for i in 0..<batch {
                    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                        want.withUnsafeMutableBufferPointer { cp in
                            sgemmReference(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1.5,
                                           a: ap.baseAddress! + i * sA, lda: lda,
                                           b: bp.baseAddress! + i * sB, ldb: ldb, beta: 0.5,
                                           c: cp.baseAddress! + i * sC, ldc: ldc)
                        }
                    } }
                }
                for pool in [Self.pool1, Self.pool2] {
                    var got = c0
                    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                        got.withUnsafeMutableBufferPointer { cp in
                            sgemmBatched(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1.5,
                                         a: ap.baseAddress!, lda: lda, strideA: sA,
                                         b: bp.baseAddress!, ldb: ldb, strideB: sB, beta: 0.5,
                                         c: cp.baseAddress!, ldc: ldc, strideC: sC, batch: batch,
                                         pool: pool)
                        }
                    } }
                    let tol = 1e-4 * Float(k).squareRoot() * 1.5 + 1e-5
                    let bad = zip(got, want).enumerated().first { !(abs($0.element.0 - $0.element.1) <= tol) }
                    XCTAssertNil(bad, "batched \(batch)x\(m)x\(n)x\(k) ta=\(ta) tb=\(tb) threads=\(pool.threads)")
                }
            }
        }
    }
}

final class ThreadPoolTests: XCTestCase {
    func testEveryChunkRunsOnce() {
        let pool = ThreadPool(threads: 3)
        XCTAssertEqual(pool.threads, 3)
        for chunks in [0, 1, 2, 3, 7, 100] {
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(chunks, 1))
            counts.initialize(repeating: 0, count: max(chunks, 1))
            // Each chunk writes only its own slot, so no synchronisation is needed.
            pool.parallelFor(chunks) { i in counts[i] += 1 }
            for i in 0..<chunks { XCTAssertEqual(counts[i], 1, "chunks=\(chunks) i=\(i)") }
            counts.deallocate()
        }
    }

    func testNestedCallsRunSerially() {
        let pool = ThreadPool(threads: 2)
        let out = UnsafeMutablePointer<Int>.allocate(capacity: 16)
        out.initialize(repeating: 0, count: 16)
        pool.parallelFor(4) { i in
            pool.parallelFor(4) { j in out[i * 4 + j] += i * 4 + j + 1 }
        }
        for i in 0..<16 { XCTAssertEqual(out[i], i + 1) }
        out.deallocate()
    }

    /// Same seed, same machine, same thread count: the same numbers, and here also across thread
    /// counts (every threaded reduction sums its parts in a fixed order). A few SGD steps of
    /// cnn_small on one batch run conv, batch norm, pooling and GEMM forward and backward on the
    /// shared pool; the weights after them must be bitwise equal on every repeat at 2 threads and
    /// equal to the 1-thread run. A reduction whose order followed the scheduling or the thread
    /// count would change the last bits of some weight.
    func testDeterministicAndRepeated() throws {
        let saved = ThreadPool.shared.threads
        defer { ThreadPool.setDefaultThreads(saved) }
        let x = try Tensor.randn([48, 1, 28, 28], rng: RNG(seed: 5))
        let y = Tensor(ints: (0..<48).map { $0 % 10 })
        func train(threads: Int) throws -> [UInt32] {
            ThreadPool.setDefaultThreads(threads)
            let net = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 1))
            let opt = try SGD(net.parameters(), lr: 0.05, momentum: 0.9)
            for _ in 0..<3 {
                opt.zeroGrad()
                try Losses.crossEntropy(try net(x), y).backward()
                try opt.step()
            }
            return net.stateDict().flatMap { $0.1.toFloats().map(\.bitPattern) }
        }
        let one = try train(threads: 1)
        let first = try train(threads: 2)
        XCTAssertEqual(first.count, one.count)
        XCTAssertTrue(first == one, "the weights after training differ between 1 and 2 threads")
        for r in 0..<5 { XCTAssertTrue(try train(threads: 2) == first, "repeat \(r) at 2 threads differs from the first") }
    }

    func testSplitRange() {
        XCTAssertEqual(splitRange(10, parts: 3), [0..<4, 4..<7, 7..<10])
        XCTAssertEqual(splitRange(2, parts: 4), [0..<1, 1..<2, 2..<2, 2..<2])
        XCTAssertEqual(splitRange(0, parts: 2), [0..<0, 0..<0])
        XCTAssertEqual(splitRange(5, parts: 0), [0..<5])
    }

    func testSharedPool() {
        XCTAssertGreaterThanOrEqual(ThreadPool.shared.threads, 1)
        let old = ThreadPool.shared.threads
        ThreadPool.setDefaultThreads(2)
        XCTAssertEqual(ThreadPool.shared.threads, 2)
        ThreadPool.setDefaultThreads(old)
        XCTAssertEqual(ThreadPool.shared.threads, old)
    }
}

final class InterruptTests: XCTestCase {
    func testFlag() {
        Interrupt.clear()
        XCTAssertFalse(Interrupt.isRequested)
        XCTAssertNoThrow(try Interrupt.check())
        Interrupt.request()
        XCTAssertTrue(Interrupt.isRequested)
        XCTAssertThrowsError(try Interrupt.check()) { e in
            XCTAssertTrue(e is InterruptedError)
            XCTAssertEqual("\(e)", "Interrupted.")
        }
        Interrupt.clear()
        XCTAssertFalse(Interrupt.isRequested)
    }

    func testRequestFromAnotherThread() {
        Interrupt.clear()
        let pool = ThreadPool(threads: 2)
        pool.parallelFor(2) { i in if i == 1 { Interrupt.request() } }
        XCTAssertTrue(Interrupt.isRequested)
        Interrupt.clear()
    }
}
