// TEMPORARY until the gemm branch lands with the packed, threaded sgemm.
public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool = .shared) {
    for i in 0..<m {
        for j in 0..<n {
            var acc: Float = 0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                acc += av * bv
            }
            c[i * ldc + j] = beta == 0 ? alpha * acc : alpha * acc + beta * c[i * ldc + j]
        }
    }
}
public enum GEMMBench {
    public static func run(m: Int, n: Int, k: Int, threads: Int, repeats: Int) -> (medianSeconds: Double, gflops: Double) { (1, 0) }
}
