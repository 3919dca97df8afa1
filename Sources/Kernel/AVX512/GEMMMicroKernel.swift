// AVX-512 micro-kernels. This module is compiled for Skylake-SP (AVX-512 F/CD/BW/DQ/VL, the
// x86-64-v4 level) and must only be called after `CPUFeatures` has confirmed that level at run
// time; Kernel chooses between it and its AVX2 kernels when the process starts.
//
// The arithmetic per element of C is the one of Kernel's AVX2 6×16 kernel: one FMA per k step
// into one accumulator, in k order, then `alpha * acc + beta * C` without fusing. For the same
// K blocking the two paths give bitwise equal results; `GEMMISATests` checks it.

@inline(__always) private func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always) private func store16(_ p: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// row[0..<32] = alpha * (v0, v1) + beta * row (beta == 0 does not read row).
@inline(__always)
private func storeRow(_ row: UnsafeMutablePointer<Float>, _ v0: SIMD16<Float>, _ v1: SIMD16<Float>,
                      _ alpha: Float, _ beta: Float) {
    if beta == 0 {
        store16(row, alpha * v0)
        store16(row + 16, alpha * v1)
    } else {
        store16(row, alpha * v0 + beta * load16(UnsafePointer(row)))
        store16(row + 16, alpha * v1 + beta * load16(UnsafePointer(row + 16)))
    }
}

/// C[8×32] = alpha * Σ_p A[i, p] B[p, j] + beta * C, where A[i, p] = a[p*8 + i] and
/// B[p, j] = b[p*32 + j] are packed panels. beta == 0 does not read C.
// a: (kc, 8) packed;  b: (kc, 32) packed;  c: (8, 32) with row stride ldc
public func avx512MicroKernel8x32(_ kc: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                  _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                                  _ alpha: Float, _ beta: Float) {
    var c00 = SIMD16<Float>(), c01 = SIMD16<Float>()
    var c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
    var c20 = SIMD16<Float>(), c21 = SIMD16<Float>()
    var c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
    var c40 = SIMD16<Float>(), c41 = SIMD16<Float>()
    var c50 = SIMD16<Float>(), c51 = SIMD16<Float>()
    var c60 = SIMD16<Float>(), c61 = SIMD16<Float>()
    var c70 = SIMD16<Float>(), c71 = SIMD16<Float>()
    // One k step: two B vectors, eight broadcast A values, sixteen FMAs.
    @inline(__always) func step(_ ap: UnsafePointer<Float>, _ bp: UnsafePointer<Float>) {
        let b0 = load16(bp), b1 = load16(bp + 16)
        var x = SIMD16<Float>(repeating: ap[0])
        c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
        x = SIMD16<Float>(repeating: ap[1])
        c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
        x = SIMD16<Float>(repeating: ap[2])
        c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
        x = SIMD16<Float>(repeating: ap[3])
        c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
        x = SIMD16<Float>(repeating: ap[4])
        c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
        x = SIMD16<Float>(repeating: ap[5])
        c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
        x = SIMD16<Float>(repeating: ap[6])
        c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
        x = SIMD16<Float>(repeating: ap[7])
        c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
    }
    var ap = a
    var bp = b
    var p = 0
    while p + 4 <= kc {
        step(ap, bp)
        step(ap + 8, bp + 32)
        step(ap + 16, bp + 64)
        step(ap + 24, bp + 96)
        ap += 32
        bp += 128
        p += 4
    }
    while p < kc {
        step(ap, bp)
        ap += 8
        bp += 32
        p += 1
    }
    storeRow(c, c00, c01, alpha, beta)
    storeRow(c + ldc, c10, c11, alpha, beta)
    storeRow(c + 2 * ldc, c20, c21, alpha, beta)
    storeRow(c + 3 * ldc, c30, c31, alpha, beta)
    storeRow(c + 4 * ldc, c40, c41, alpha, beta)
    storeRow(c + 5 * ldc, c50, c51, alpha, beta)
    storeRow(c + 6 * ldc, c60, c61, alpha, beta)
    storeRow(c + 7 * ldc, c70, c71, alpha, beta)
}
