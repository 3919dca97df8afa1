#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Times `sgemm` on C[m×n] = A[m×k] · B[k×n] (no transposes, alpha 1, beta 0).
public enum GEMMBench {
    /// Warms up once, then returns the median of `repeats` timed runs and the matching GFLOP/s
    /// (2·m·n·k flops per run).
    public static func run(m: Int, n: Int, k: Int, threads: Int, repeats: Int)
        -> (medianSeconds: Double, gflops: Double)
    {
        let pool = ThreadPool(threads: threads)
        let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        var seed: UInt32 = 12345
        func next() -> Float {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Float(seed >> 8) / Float(1 << 24) - 0.5
        }
        for i in 0..<(m * k) { a[i] = next() }
        for i in 0..<(k * n) { b[i] = next() }
        c.initialize(repeating: 0, count: m * n)
        func once() {
            sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k,
                  b: b, ldb: n, beta: 0, c: c, ldc: n, pool: pool)
        }
        once()
        var times: [Double] = []
        for r in 0..<max(repeats, 1) {
            ProgressHook.step("bench gemm \(m)×\(k)×\(n)", r, max(repeats, 1))
            let t0 = now()
            once()
            times.append(now() - t0)
        }
        ProgressHook.step("bench gemm \(m)×\(k)×\(n)", max(repeats, 1), max(repeats, 1))
        times.sort()
        let mid = times.count / 2
        let median = times.count % 2 == 1 ? times[mid] : 0.5 * (times[mid - 1] + times[mid])
        return (median, 2.0 * Double(m) * Double(n) * Double(k) / median / 1e9)
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
