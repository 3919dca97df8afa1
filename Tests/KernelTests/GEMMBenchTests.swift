import Foundation
import XCTest
import Kernel

/// Prints GEMMBench results. In the suite it runs one small shape and checks what a benchmark
/// must get right (its FLOP count); with COREG_GEMM_BENCH set it measures. Shapes are M x K x N:
///   COREG_GEMM_BENCH="256x256x256,131072x576x64" COREG_GEMM_BENCH_THREADS=1,2 \
///     swift test -c release --filter GEMMBenchTests
/// COREG_GEMM_BENCH=all runs the standard list.
final class GEMMBenchTests: XCTestCase {
    func testBenchmark() throws {
        let env = ProcessInfo.processInfo.environment
        guard let spec = env["COREG_GEMM_BENCH"] else {
            for (m, k, n) in [(48, 33, 40), (130, 7, 70)] {
                let r = GEMMBench.run(m: m, n: n, k: k, threads: 1, repeats: 2)
                XCTAssertGreaterThan(r.medianSeconds, 0)
                let want = 2.0 * Double(m * n * k) / r.medianSeconds / 1e9
                XCTAssertEqual(r.gflops, want, accuracy: 1e-9 * want, "\(m)x\(k)x\(n): GFLOP/s must be 2·m·n·k / median")
            }
            return
        }
        let all = "256x256x256,512x512x512,1024x1024x1024,2048x2048x2048,"
            + "131072x576x64,32768x1152x128,8192x2304x256"
        let shapes = (spec == "all" ? all : spec).split(separator: ",").map {
            $0.split(separator: "x").map { Int($0)! }
        }
        let threads = (env["COREG_GEMM_BENCH_THREADS"] ?? "1,2").split(separator: ",").map { Int($0)! }
        let repeats = Int(env["COREG_GEMM_BENCH_REPEATS"] ?? "9")!
        for t in threads {
            for s in shapes {
                let r = GEMMBench.run(m: s[0], n: s[2], k: s[1], threads: t, repeats: repeats)
                print(String(format: "threads=%d %dx%dx%d\t%.3f ms\t%.1f GFLOP/s", t, s[0], s[1],
                             s[2], r.medianSeconds * 1e3, r.gflops))
            }
        }
    }
}
