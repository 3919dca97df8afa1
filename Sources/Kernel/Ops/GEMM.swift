#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KernelAVX512

// Single-precision GEMM, row-major, in the BLIS style:
//   for jc over N (NC)        — packed B block (KC×NC) lives in L3
//     for pc over K (KC)      — the K order is fixed, so results never depend on threading
//       pack B[pc, jc] into NR-column panels
//       for ic over M (MC)    — packed A block (MC×KC) lives in L2
//         pack A[ic, pc] into MR-row panels
//         for jr over NR panels, for ir over MR panels: MR×NR micro-kernel (B panel stays in L1)
// Threads split M (or N when it has more tiles) into contiguous tile ranges; each element of C is
// computed by the same sequence of FMAs whatever the thread count, so results are bitwise equal
// for every thread count.
//
// Two micro-kernels, chosen at run time (`KernelISA`): AVX2 6×16 (here) and AVX-512 8×32
// (`KernelAVX512`). Both run one FMA per k step into one accumulator per element and share the K
// blocking, so the two paths also give bitwise equal results.

/// Micro-tile rows (broadcast A values) and columns of the AVX2 kernel (two 8-wide vectors of B).
private let gemmMR = 6
private let gemmNR = 16
/// The AVX-512 kernel's tile (`avx512MicroKernel8x32`).
private let avx512MR = 8
private let avx512NR = 32
/// A multiple of every kernel's MR and NR, for rounding the tunable block sizes.
private let gemmMRLCM = 24
private let gemmNRLCM = 32

/// The micro-tile of the kernel `isa` selects.
@inline(__always)
private func gemmTile(_ isa: ISA) -> (mr: Int, nr: Int) {
    isa == .avx512 ? (avx512MR, avx512NR) : (gemmMR, gemmNR)
}

/// Cache blocking. Two schedules:
/// - wide N (the default): KC×NR×4 B = 24 KiB keeps a B panel in L1d while the packed A block
///   (MC×KC×4 B = 144 KiB) streams from L2 and the packed B block (KC×NC×4 B ≤ 4.5 MiB) sits
///   in L3;
/// - skinny N (n ≤ `skinnyN`, e.g. im2col convolutions): the K block grows to ≤ 576 so that A rows
///   are packed in long contiguous runs, each packed 6-row A panel (≤ 13.5 KiB) stays in L1d while
///   all B panels of the block (KC×N×4 B ≤ 576 KiB) stream from L2, and A is packed in small
///   blocks right before use (`irOuter`).
struct GEMMBlocking {
    var kc = 384
    var mc = 96
    var nc = 3072
    /// Loop order inside a block: MR panels outside NR panels (skinny) or the reverse (wide).
    var irOuter = false

    static let wide: GEMMBlocking = tuned(GEMMBlocking(), "COREG_GEMM_BLOCKS")
    /// The AVX-512 kernel's wide schedule: its 8×32 tiles do twice the work per packed A value,
    /// so a taller A block (192×384×4 B = 288 KiB, in L2) pays (measured: 1024³, 1 thread,
    /// 180 → 200 GFLOP/s). The K block is the AVX2 one, which keeps the two paths bitwise equal.
    static let wideAVX512: GEMMBlocking = tuned(GEMMBlocking(kc: 384, mc: 192, nc: 3072), "COREG_GEMM_BLOCKS")
    static let skinny: GEMMBlocking = tuned(
        GEMMBlocking(kc: 576, mc: 24, nc: 3072, irOuter: true),
        "COREG_GEMM_SKINNY_BLOCKS")
    static let skinnyN = 256

    /// Blocking for one problem; the K block is balanced so that no block is a small remainder.
    static func forProblem(n: Int, k: Int, isa: ISA) -> GEMMBlocking {
        var b = n <= skinnyN ? skinny : (isa == .avx512 ? wideAVX512 : wide)
        let blocks = (k + b.kc - 1) / b.kc
        b.kc = (k + blocks - 1) / blocks
        return b
    }

    /// Tuning hook: an environment variable "kc,mc,nc,irOuter".
    private static func tuned(_ base: GEMMBlocking, _ name: String) -> GEMMBlocking {
        var b = base
        if let s = ProcessInfo.processInfo.environment[name] {
            let v = s.split(separator: ",").compactMap { Int($0) }
            if v.count > 0, v[0] > 0 { b.kc = v[0] }
            if v.count > 1, v[1] > 0 { b.mc = (v[1] + gemmMRLCM - 1) / gemmMRLCM * gemmMRLCM }
            if v.count > 2, v[2] > 0 { b.nc = (v[2] + gemmNRLCM - 1) / gemmNRLCM * gemmNRLCM }
            if v.count > 3 { b.irOuter = v[3] != 0 }
        }
        return b
    }
}

/// Problems with fewer multiply-adds than this use the plain loop (packing would dominate).
private let gemmTinyWork = 4096
/// Problems with fewer multiply-adds than this run on one thread.
private let gemmParallelWork = 96 * 96 * 96

// MARK: - Public API

/// C[m×n] = alpha * op(A)[m×k] * op(B)[k×n] + beta * C.  Row-major with leading dimensions (in
/// elements).
/// op(A) = A if !transA (A is m×k, lda ≥ k), else Aᵀ (A stored k×m, lda ≥ m). Same for B.
/// beta == 0 never reads C; alpha == 0 or k == 0 never reads A or B.
// a: (m, k) or (k, m) if transA;  b: (k, n) or (n, k) if transB;  c: (m, n)
public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                  pool: ThreadPool = .shared) {
    let g = GEMMArgs(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                     a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    gemmDispatch(g, pool: pool, maxThreads: pool.threads)
}

/// Strided batched GEMM: for i in 0..<batch, A_i = a + i*strideA, B_i = b + i*strideB,
/// C_i = c + i*strideC, and C_i = alpha * op(A_i) * op(B_i) + beta * C_i.
// a: (batch, m, k);  b: (batch, k, n);  c: (batch, m, n)   (transposes as in `sgemm`)
public func sgemmBatched(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                         a: UnsafePointer<Float>, lda: Int, strideA: Int,
                         b: UnsafePointer<Float>, ldb: Int, strideB: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int,
                         batch: Int, pool: ThreadPool = .shared) {
    if batch <= 0 { return }
    func args(_ i: Int) -> GEMMArgs {
        GEMMArgs(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb,
                 beta: beta, c: c + i * strideC, ldc: ldc)
    }
    let work = m * n * k
    let threads = pool.threads
    if threads > 1 && batch >= 2 && (work < gemmParallelWork || batch >= 4 * threads) {
        // Many or small problems: one thread per group of whole problems.
        let ranges = splitRange(batch, parts: min(threads, batch))
        pool.parallelFor(ranges.count) { part in
            for i in ranges[part] { gemmDispatch(args(i), pool: pool, maxThreads: 1) }
        }
    } else {
        for i in 0..<batch { gemmDispatch(args(i), pool: pool, maxThreads: threads) }
    }
}

/// The naive twin of `sgemm`: a plain triple loop accumulating in Float in k order.
public func sgemmReference(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                           pool: ThreadPool = .shared) {
    for i in 0..<m {
        for j in 0..<n {
            var s: Float = 0
            if alpha != 0 {
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += x * y
                }
            }
            let ci = c + i * ldc + j
            ci.pointee = beta == 0 ? alpha * s : alpha * s + beta * ci.pointee
        }
    }
}

// MARK: - Driver

struct GEMMArgs {
    var transA: Bool, transB: Bool
    var m: Int, n: Int, k: Int
    var alpha: Float
    var a: UnsafePointer<Float>, lda: Int
    var b: UnsafePointer<Float>, ldb: Int
    var beta: Float
    var c: UnsafeMutablePointer<Float>, ldc: Int
}

private func gemmDispatch(_ g: GEMMArgs, pool: ThreadPool, maxThreads: Int) {
    if g.m <= 0 || g.n <= 0 { return }
    if g.k <= 0 || g.alpha == 0 {
        scaleC(g)
        return
    }
    let work = g.m * g.n * g.k
    if work < gemmTinyWork {
        sgemmReference(transA: g.transA, transB: g.transB, m: g.m, n: g.n, k: g.k, alpha: g.alpha,
                       a: g.a, lda: g.lda, b: g.b, ldb: g.ldb, beta: g.beta, c: g.c, ldc: g.ldc)
        return
    }
    let isa = KernelISA.current
    let blk = GEMMBlocking.forProblem(n: g.n, k: g.k, isa: isa)
    let (mr, nr) = gemmTile(isa)
    let mTiles = (g.m + mr - 1) / mr
    let nTiles = (g.n + nr - 1) / nr
    var threads = work < gemmParallelWork ? 1 : maxThreads
    let splitM = mTiles >= nTiles
    threads = min(threads, splitM ? mTiles : nTiles)
    if threads <= 1 {
        gemmBlockedWithBuffers(g, blk, isa, rows: 0..<g.m, cols: 0..<g.n)
        return
    }
    let parts = splitRange(splitM ? mTiles : nTiles, parts: threads)
    pool.parallelFor(parts.count) { t in
        let r = parts[t]
        if splitM {
            let rows = (r.lowerBound * mr)..<min(r.upperBound * mr, g.m)
            if !rows.isEmpty { gemmBlockedWithBuffers(g, blk, isa, rows: rows, cols: 0..<g.n) }
        } else {
            let cols = (r.lowerBound * nr)..<min(r.upperBound * nr, g.n)
            if !cols.isEmpty { gemmBlockedWithBuffers(g, blk, isa, rows: 0..<g.m, cols: cols) }
        }
    }
}

/// C = beta * C (beta == 0 writes zeros without reading C).
private func scaleC(_ g: GEMMArgs) {
    for i in 0..<g.m {
        let row = g.c + i * g.ldc
        if g.beta == 0 {
            row.update(repeating: 0, count: g.n)
        } else if g.beta != 1 {
            for j in 0..<g.n { row[j] = g.beta * row[j] }
        }
    }
}

private func gemmBlockedWithBuffers(_ g: GEMMArgs, _ blk: GEMMBlocking, _ isa: ISA,
                                    rows: Range<Int>, cols: Range<Int>) {
    let (MR, NR) = gemmTile(isa)
    let kc = min(blk.kc, g.k)
    let mc = min(blk.mc, (rows.count + MR - 1) / MR * MR)
    let nc = min(blk.nc, (cols.count + NR - 1) / NR * NR)
    let bufA = PackBuffers.acquire(mc * kc)
    let bufB = PackBuffers.acquire(nc * kc)
    // Each call names its kernel and tile as constants, so the packing loops specialise.
    if isa == .avx512 {
        gemmBlocked(g, blk, rows: rows, cols: cols, bufA: bufA.pointer, bufB: bufB.pointer,
                    MR: avx512MR, NR: avx512NR, micro: avx512MicroKernel8x32)
    } else {
        gemmBlocked(g, blk, rows: rows, cols: cols, bufA: bufA.pointer, bufB: bufB.pointer,
                    MR: gemmMR, NR: gemmNR, micro: microKernel6x16)
    }
    PackBuffers.release(bufA)
    PackBuffers.release(bufB)
}

/// A micro-kernel: C[MR×NR] = alpha * A-panel · B-panel + beta * C (beta == 0 never reads C).
typealias GEMMMicroKernel = (Int, UnsafePointer<Float>, UnsafePointer<Float>,
                             UnsafeMutablePointer<Float>, Int, Float, Float) -> Void

@inline(__always)
private func gemmBlocked(_ g: GEMMArgs, _ blk: GEMMBlocking, rows: Range<Int>, cols: Range<Int>,
                         bufA: UnsafeMutablePointer<Float>, bufB: UnsafeMutablePointer<Float>,
                         MR: Int, NR: Int, micro: GEMMMicroKernel) {
    var jc = cols.lowerBound
    while jc < cols.upperBound {
        let nc = min(blk.nc, cols.upperBound - jc)
        let nPanels = (nc + NR - 1) / NR
        var pc = 0
        while pc < g.k {
            let kc = min(blk.kc, g.k - pc)
            let beta = pc == 0 ? g.beta : 1
            packB(g, bufB, k0: pc, kc: kc, c0: jc, nc: nc, NR: NR)
            var ic = rows.lowerBound
            while ic < rows.upperBound {
                let mc = min(blk.mc, rows.upperBound - ic)
                let mPanels = (mc + MR - 1) / MR
                packAPanels(g, bufA, r0: ic, mc: mc, k0: pc, kc: kc, MR: MR)
                @inline(__always) func tile(_ jr: Int, _ ir: Int) {
                    let nr = min(NR, nc - jr * NR)
                    let bp = UnsafePointer(bufB + jr * kc * NR)
                    let mr = min(MR, mc - ir * MR)
                    let ap = UnsafePointer(bufA + ir * kc * MR)
                    let cp = g.c + (ic + ir * MR) * g.ldc + jc + jr * NR
                    if mr == MR && nr == NR {
                        micro(kc, ap, bp, cp, g.ldc, g.alpha, beta)
                    } else {
                        edgeTile(kc, ap, bp, cp, g.ldc, mr, nr, g.alpha, beta, MR: MR, NR: NR, micro: micro)
                    }
                }
                if blk.irOuter {
                    // A micro-panel stays in L1 while the B panels stream from L2.
                    for ir in 0..<mPanels { for jr in 0..<nPanels { tile(jr, ir) } }
                } else {
                    // B micro-panel stays in L1 while the A block streams from L2.
                    for jr in 0..<nPanels { for ir in 0..<mPanels { tile(jr, ir) } }
                }
                ic += mc
            }
            pc += kc
        }
        jc += nc
    }
}

// MARK: - Packing

/// Packs rows r0..<r0+mc of op(A), k0..<k0+kc, as MR-row panels: panel q holds kc groups of MR
/// values (`dst[q*kc*MR + p*MR + i] = op(A)[r0 + q*MR + i, k0 + p]`), zero-padded.
@inline(__always)
private func packAPanels(_ g: GEMMArgs, _ dst: UnsafeMutablePointer<Float>, r0: Int, mc: Int,
                         k0: Int, kc: Int, MR: Int) {
    var q = 0
    while q * MR < mc {
        packA(g, dst + q * kc * MR, r0: r0 + q * MR, mr: min(MR, mc - q * MR), k0: k0, kc: kc, MR: MR)
        q += 1
    }
}

@inline(__always)
private func packA(_ g: GEMMArgs, _ dst: UnsafeMutablePointer<Float>, r0: Int, mr: Int,
                   k0: Int, kc: Int, MR: Int) {
    if g.transA {
        // Stored (k, m): each k step is MR contiguous values.
        var src = g.a + k0 * g.lda + r0
        var d = dst
        if mr == MR {
            for _ in 0..<kc {
                for i in 0..<MR { d[i] = src[i] }
                src += g.lda; d += MR
            }
        } else {
            for _ in 0..<kc {
                for i in 0..<MR { d[i] = i < mr ? src[i] : 0 }
                src += g.lda; d += MR
            }
        }
    } else {
        // Stored (m, k): gather one value from each of MR rows per k step.
        let s = g.a + r0 * g.lda + k0
        if mr == MR {
            let l = g.lda
            var p = 0
            // 8 k-steps at a time: one vector load per row, scattered into the panel.
            while p + 8 <= kc {
                let d = dst + p * MR
                for i in 0..<MR {
                    let v = loadVec(s + i * l + p)
                    for t in 0..<8 { d[t * MR + i] = v[t] }
                }
                p += 8
            }
            while p < kc {
                let d = dst + p * MR
                for i in 0..<MR { d[i] = s[i * l + p] }
                p += 1
            }
        } else {
            for p in 0..<kc {
                let d = dst + p * MR
                for i in 0..<MR { d[i] = i < mr ? s[i * g.lda + p] : 0 }
            }
        }
    }
}

/// Packs op(B)[k0..<k0+kc, c0..<c0+nc] as NR-column panels: panel q holds kc rows of NR values
/// (`dst[q*kc*NR + p*NR + j] = op(B)[k0 + p, c0 + q*NR + j]`), zero-padded.
@inline(__always)
private func packB(_ g: GEMMArgs, _ dst: UnsafeMutablePointer<Float>, k0: Int, kc: Int, c0: Int,
                   nc: Int, NR: Int) {
    var q = 0
    while q * NR < nc {
        let j0 = c0 + q * NR
        let nr = min(NR, nc - q * NR)
        let d = dst + q * kc * NR
        if !g.transB {
            // Stored (k, n): each k step is NR contiguous values.
            var src = g.b + k0 * g.ldb + j0
            if nr == NR {
                for p in 0..<kc {
                    var j = 0
                    while j < NR {
                        storeVec(d + p * NR + j, loadVec(src + j))
                        j += 8
                    }
                    src += g.ldb
                }
            } else {
                for p in 0..<kc {
                    for j in 0..<NR { d[p * NR + j] = j < nr ? src[j] : 0 }
                    src += g.ldb
                }
            }
        } else {
            // Stored (n, k): column j of the panel is a contiguous run of row j0 + j.
            for j in 0..<NR {
                if j < nr {
                    let src = g.b + (j0 + j) * g.ldb + k0
                    for p in 0..<kc { d[p * NR + j] = src[p] }
                } else {
                    for p in 0..<kc { d[p * NR + j] = 0 }
                }
            }
        }
        q += 1
    }
}

@inline(__always) private func loadVec(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) private func loadVec(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) private func storeVec(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

// MARK: - Micro-kernel

/// C[6×16] = alpha * Σ_p A[i, p] B[p, j] + beta * C, where A[i, p] = a[p*6 + i] and
/// B[p, j] = b[p*16 + j] are packed panels. beta == 0 does not read C.
// a: (kc, 6) packed;  b: (kc, 16) packed;  c: (6, 16) with row stride ldc
@inline(never)
private func microKernel6x16(_ kc: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                             _ ldc: Int, _ alpha: Float, _ beta: Float) {
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
    var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
    var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
    var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
    var ap = a
    var bp = b
    // One k step: two B vectors, six broadcast A values, twelve FMAs.
    @inline(__always) func step(_ ap: UnsafePointer<Float>, _ bp: UnsafePointer<Float>) {
        let b0 = loadVec(bp), b1 = loadVec(bp + 8)
        var x = SIMD8<Float>(repeating: ap[0])
        c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
        x = SIMD8<Float>(repeating: ap[1])
        c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
        x = SIMD8<Float>(repeating: ap[2])
        c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
        x = SIMD8<Float>(repeating: ap[3])
        c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
        x = SIMD8<Float>(repeating: ap[4])
        c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
        x = SIMD8<Float>(repeating: ap[5])
        c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
    }
    var p = 0
    while p + 4 <= kc {
        step(ap, bp)
        step(ap + gemmMR, bp + gemmNR)
        step(ap + 2 * gemmMR, bp + 2 * gemmNR)
        step(ap + 3 * gemmMR, bp + 3 * gemmNR)
        ap += 4 * gemmMR
        bp += 4 * gemmNR
        p += 4
    }
    while p < kc {
        step(ap, bp)
        ap += gemmMR
        bp += gemmNR
        p += 1
    }
    storeRow(c, c00, c01, alpha, beta)
    storeRow(c + ldc, c10, c11, alpha, beta)
    storeRow(c + 2 * ldc, c20, c21, alpha, beta)
    storeRow(c + 3 * ldc, c30, c31, alpha, beta)
    storeRow(c + 4 * ldc, c40, c41, alpha, beta)
    storeRow(c + 5 * ldc, c50, c51, alpha, beta)
}

/// row = alpha * acc + beta * row, with the same rounding as the scalar edge path (no fusing).
@inline(__always)
private func storeRow(_ row: UnsafeMutablePointer<Float>, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>,
                      _ alpha: Float, _ beta: Float) {
    if beta == 0 {
        storeVec(row, alpha * v0)
        storeVec(row + 8, alpha * v1)
    } else {
        storeVec(row, alpha * v0 + beta * loadVec(row))
        storeVec(row + 8, alpha * v1 + beta * loadVec(row + 8))
    }
}

/// A ragged tile (mr < MR or nr < NR): run the full kernel into a scratch tile, then merge the
/// valid part with exactly the arithmetic of `storeRow`.
private func edgeTile(_ kc: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                      _ mr: Int, _ nr: Int, _ alpha: Float, _ beta: Float,
                      MR: Int, NR: Int, micro: GEMMMicroKernel) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: MR * NR) { tile in
        let t = tile.baseAddress!
        micro(kc, a, b, t, NR, 1, 0)
        for i in 0..<mr {
            let row = c + i * ldc
            let tr = t + i * NR
            if beta == 0 {
                for j in 0..<nr { row[j] = alpha * tr[j] }
            } else {
                for j in 0..<nr { row[j] = alpha * tr[j] + beta * row[j] }
            }
        }
    }
}

// MARK: - Pack buffer cache

/// Reuses 64-byte-aligned pack buffers across calls, so that a GEMM does not pay for fresh pages.
private enum PackBuffers {
    struct Buffer { var pointer: UnsafeMutablePointer<Float>; var capacity: Int }

    nonisolated(unsafe) private static var free: [Buffer] = []
    private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()

    static func acquire(_ count: Int) -> Buffer {
        pthread_mutex_lock(lock)
        if let i = free.firstIndex(where: { $0.capacity >= count }) {
            let b = free.remove(at: i)
            pthread_mutex_unlock(lock)
            return b
        }
        pthread_mutex_unlock(lock)
        let cap = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: cap * 4, alignment: 64)
        return Buffer(pointer: raw.bindMemory(to: Float.self, capacity: cap), capacity: cap)
    }

    static func release(_ b: Buffer) {
        pthread_mutex_lock(lock)
        free.append(b)
        if free.count > 8 {
            // Drop the smallest so the cache stays bounded.
            let i = free.indices.min(by: { free[$0].capacity < free[$1].capacity })!
            let d = free.remove(at: i)
            UnsafeMutableRawPointer(d.pointer).deallocate()
        }
        pthread_mutex_unlock(lock)
    }
}
