#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// 2-D convolution (NCHW), through im2col + GEMM over chunks of images. Supports stride,
/// padding, dilation and groups (depthwise included). Forward and both backward passes use
/// the same column layout: col[K = Cin/g·kh·kw, b·Ho·Wo] for a chunk of b images.

public struct Conv2dParams: Sendable, Equatable {
    public var stride: (Int, Int)
    public var padding: (Int, Int)
    public var dilation: (Int, Int)
    public var groups: Int
    public init(stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }
    public static func == (a: Conv2dParams, b: Conv2dParams) -> Bool {
        a.stride == b.stride && a.padding == b.padding && a.dilation == b.dilation && a.groups == b.groups
    }
}

/// Geometry of one convolution.
struct ConvGeom {
    let n, cin, h, w, cout, kh, kw, ho, wo, groups: Int
    let sh, sw, ph, pw, dh, dw: Int
    var cinG: Int { cin / groups }
    var coutG: Int { cout / groups }
    var k: Int { cinG * kh * kw }
    var hw: Int { ho * wo }
}

/// Images per GEMM chunk: at most ~4096 columns, and a column buffer (k × columns floats) of at
/// most `convColumnBudget` floats, so that it stays in the last-level cache while the GEMM packs
/// it (one per thread). Chunks are equal-sized and their count is a multiple of 4 (when there are
/// ≥ 4 images), so that 1, 2 and 4 threads get the same work each. The split depends only on the
/// geometry, never on the thread count, so results do not change with threads: a 28×28 net's 7×7
/// layer used to get chunks of 83 and 45 images and left one of two threads idle a third of the
/// time; a 4×4 layer at batch 128 used to be a single chunk, run on one thread.
func convChunk(_ g: ConvGeom) -> Int {
    // An empty batch has no chunks (this divided by zero: script-eval found `conv(ones(0, 1, 8, 8))`).
    guard g.n > 0 else { return 1 }
    let byColumns = 4096 / Swift.max(g.hw, 1)
    let byBuffer = convColumnBudget / Swift.max(g.k * g.hw, 1)
    let most = Swift.max(1, Swift.min(g.n, byColumns, byBuffer))
    var count = (g.n + most - 1) / most
    if g.n >= 4 { count = (Swift.max(count, 4) + 3) / 4 * 4 }
    return (g.n + count - 1) / count
}

/// Floats in one chunk's column buffer at most (COREG_CONV_COLUMN_FLOATS overrides it, for
/// benchmarks; changing it moves the weight gradient's last digits, as the chunk order does).
let convColumnBudget: Int = {
    if let e = getenv("COREG_CONV_COLUMN_FLOATS"), let v = Int(String(cString: e)), v > 0 { return v }
    return 1 << 20   // 4 MiB: two threads' buffers stay in the 32 MiB L3 (preact_resnet18's 8×8 layers had 38 MB ones)
}()

/// col[(c·kh + i)·kw + j, img·hw + oy·wo + ox] = x[img, c0 + c, oy·sh − ph + i·dh, ox·sw − pw + j·dw]
/// x: (n, cin, h, w) contiguous; col: (k, b·hw)
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeom, img0: Int, b: Int, c0: Int, _ col: UnsafeMutablePointer<Float>) {
    let cols = b * g.hw
    if g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.wo == g.w {
        im2colShifted(x, g, img0: img0, b: b, c0: c0, col)
        return
    }
    for c in 0..<g.cinG {
        for i in 0..<g.kh {
            for j in 0..<g.kw {
                let row = col + ((c * g.kh + i) * g.kw + j) * cols
                for bi in 0..<b {
                    let plane = x + ((img0 + bi) * g.cin + c0 + c) * g.h * g.w
                    let dst = row + bi * g.hw
                    for oy in 0..<g.ho {
                        let iy = oy * g.sh - g.ph + i * g.dh
                        let d = dst + oy * g.wo
                        if iy < 0 || iy >= g.h {
                            fillRun(d, 0, g.wo)
                            continue
                        }
                        let src = plane + iy * g.w
                        let ix0 = -g.pw + j * g.dw
                        if g.sw == 1 {
                            // contiguous run with zero edges
                            let lo = Swift.max(0, -ix0), hi = Swift.min(g.wo, g.w - ix0)
                            if lo > 0 { fillRun(d, 0, Swift.min(lo, g.wo)) }
                            if hi > lo { copyRun(d + lo, src + ix0 + lo, hi - lo) }
                            if hi < g.wo { fillRun(d + Swift.max(hi, 0), 0, g.wo - Swift.max(hi, 0)) }
                        } else {
                            for ox in 0..<g.wo {
                                let ix = ix0 + ox * g.sw
                                d[ox] = ix >= 0 && ix < g.w ? src[ix] : 0
                            }
                        }
                    }
                }
            }
        }
    }
}

/// im2col for stride 1, dilation 1 and an output as wide as the input ("same" width, e.g. 3×3 with
/// padding 1): then output position t = oy·wo + ox reads input position t + (i − ph)·w + (j − pw),
/// so each (channel, tap, image) block of the column matrix is one contiguous copy of the plane,
/// shifted, followed by zeroing the rows above and below the image and the `pw` edge columns that
/// the shift wrapped around. The same values as the row-by-row loop; `testConvMatchesReference`
/// and the conv twins cover both paths.
private func im2colShifted(_ x: UnsafePointer<Float>, _ g: ConvGeom, img0: Int, b: Int, c0: Int,
                           _ col: UnsafeMutablePointer<Float>) {
    let cols = b * g.hw
    let hw = g.hw, w = g.w, wo = g.wo
    let planeSize = g.h * g.w
    for c in 0..<g.cinG {
        for i in 0..<g.kh {
            // output rows whose input row is inside the image
            let oy0 = Swift.min(Swift.max(0, g.ph - i), g.ho), oy1 = Swift.max(oy0, Swift.min(g.ho, g.h + g.ph - i))
            for j in 0..<g.kw {
                let off = (i - g.ph) * w + (j - g.pw)
                // output columns whose input column is inside the image
                let ox0 = Swift.min(Swift.max(0, g.pw - j), wo), ox1 = Swift.max(ox0, Swift.min(wo, w + g.pw - j))
                let row = col + ((c * g.kh + i) * g.kw + j) * cols
                for bi in 0..<b {
                    let plane = x + ((img0 + bi) * g.cin + c0 + c) * planeSize
                    let d = row + bi * hw
                    // the copy, kept inside the plane (the clipped ends are edge columns, zeroed below)
                    let t0 = Swift.max(oy0 * wo, -off), t1 = Swift.min(oy1 * wo, planeSize - off)
                    if t1 > t0 { copyRun(d + t0, plane + t0 + off, t1 - t0) }
                    if oy0 > 0 { fillRun(d, 0, oy0 * wo) }
                    if oy1 < g.ho { fillRun(d + oy1 * wo, 0, (g.ho - oy1) * wo) }
                    if ox0 > 0 || ox1 < wo {
                        for oy in oy0..<oy1 {
                            let r = d + oy * wo
                            for ox in 0..<ox0 { r[ox] = 0 }
                            for ox in ox1..<wo { r[ox] = 0 }
                        }
                    }
                }
            }
        }
    }
}

/// Copies `count` floats. The rows im2col moves are short (a 7×7 map's are 7 floats), where a
/// call into memmove costs more than the copy: an inline loop (vectorised) does them.
@inline(__always)
func copyRun(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ count: Int) {
    if count >= 64 {
        dst.update(from: src, count: count)
        return
    }
    var i = 0
    while i + 8 <= count {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self),
                                                    as: SIMD8<Float>.self)
        i += 8
    }
    while i < count { dst[i] = src[i]; i += 1 }
}

/// Sets `count` floats to `value` (inline for short runs, as `copyRun`).
@inline(__always)
func fillRun(_ dst: UnsafeMutablePointer<Float>, _ value: Float, _ count: Int) {
    if count >= 64 {
        dst.update(repeating: value, count: count)
        return
    }
    for i in 0..<count { dst[i] = value }
}

/// The adjoint of im2col: accumulates col back into dx.
func col2im(_ col: UnsafePointer<Float>, _ g: ConvGeom, img0: Int, b: Int, c0: Int, _ dx: UnsafeMutablePointer<Float>) {
    let cols = b * g.hw
    for c in 0..<g.cinG {
        for i in 0..<g.kh {
            for j in 0..<g.kw {
                let row = col + ((c * g.kh + i) * g.kw + j) * cols
                for bi in 0..<b {
                    let plane = dx + ((img0 + bi) * g.cin + c0 + c) * g.h * g.w
                    let src = row + bi * g.hw
                    for oy in 0..<g.ho {
                        let iy = oy * g.sh - g.ph + i * g.dh
                        if iy < 0 || iy >= g.h { continue }
                        let d = plane + iy * g.w
                        let s = src + oy * g.wo
                        let ix0 = -g.pw + j * g.dw
                        if g.sw == 1 {
                            // the valid run is contiguous: no per-element bounds test
                            let lo = Swift.max(0, -ix0), hi = Swift.min(g.wo, g.w - ix0)
                            if hi > lo {
                                let dd = d + ix0
                                for ox in lo..<hi { dd[ox] += s[ox] }
                            }
                        } else {
                            for ox in 0..<g.wo {
                                let ix = ix0 + ox * g.sw
                                if ix >= 0 && ix < g.w { d[ix] += s[ox] }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// 2-D convolution. input: (N, Cin, H, W); weight: (Cout, Cin/groups, kh, kw); bias: (Cout).
    public static func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor? = nil,
                              _ p: Conv2dParams = Conv2dParams()) throws -> Tensor {
        let op = "conv2d"
        guard input.rank == 4 else { throw TensorError(op, "expected input of shape (N, C, H, W), got \(shapeString(input.shape))") }
        guard weight.rank == 4 else { throw TensorError(op, "expected weight of shape (Cout, Cin/groups, kh, kw), got \(shapeString(weight.shape))") }
        guard input.dtype == .float32, weight.dtype == .float32 else { throw TensorError(op, "expected float32 input and weight") }
        guard p.groups >= 1, p.stride.0 >= 1, p.stride.1 >= 1, p.dilation.0 >= 1, p.dilation.1 >= 1,
              p.padding.0 >= 0, p.padding.1 >= 0 else {
            throw TensorError(op, "stride and dilation must be ≥ 1, padding ≥ 0 and groups ≥ 1")
        }
        let (n, cin, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cout, cg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        guard cin % p.groups == 0, cout % p.groups == 0 else {
            throw TensorError(op, "input channels (\(cin)) and output channels (\(cout)) must be divisible by groups (\(p.groups))")
        }
        guard cg == cin / p.groups else {
            throw TensorError(op, "weight \(shapeString(weight.shape)) expects \(cg * p.groups) input channels, but input \(shapeString(input.shape)) has \(cin)")
        }
        if let b = bias, b.shape != [cout] {
            throw TensorError(op, "bias must have shape [\(cout)], got \(shapeString(b.shape))")
        }
        let ho = (h + 2 * p.padding.0 - p.dilation.0 * (kh - 1) - 1) / p.stride.0 + 1
        let wo = (w + 2 * p.padding.1 - p.dilation.1 * (kw - 1) - 1) / p.stride.1 + 1
        guard ho > 0, wo > 0, kh > 0, kw > 0 else {
            throw TensorError(op, "kernel \(kh)×\(kw) (dilation \(p.dilation)) does not fit input \(h)×\(w) with padding \(p.padding)")
        }
        let g = ConvGeom(n: n, cin: cin, h: h, w: w, cout: cout, kh: kh, kw: kw, ho: ho, wo: wo, groups: p.groups,
                         sh: p.stride.0, sw: p.stride.1, ph: p.padding.0, pw: p.padding.1, dh: p.dilation.0, dw: p.dilation.1)
        _ = try checkedCount([n, cout, ho, wo], op: op)
        try Interrupt.check()
        let x = input.contiguous(), wt = weight.contiguous()
        let out = Tensor(uninitialized: [n, cout, ho, wo], dtype: .float32)
        convForward(x.fptr, wt.fptr, bias?.contiguous().fptr, g, out.fptr)
        var inputs = [input, weight]
        if let b = bias { inputs.append(b) }
        return out.recorded(.custom(CustomPrim(kind: .conv2d) { gout in
            let go = gout.contiguous()
            let needX = input.requiresGrad, needW = weight.requiresGrad
            let dx = needX ? Tensor.zeros(valid: input.shape) : nil
            let dw = needW ? Tensor.zeros(valid: weight.shape) : nil
            let db = bias?.requiresGrad == true ? Tensor.zeros(valid: [cout]) : nil
            convBackward(x.fptr, wt.fptr, go.fptr, g, dx?.fptr, dw?.fptr, db?.fptr)
            var grads: [Tensor?] = [dx, dw]
            if bias != nil { grads.append(db) }
            return grads
        }), inputs)
    }
}

func convForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                 _ g: ConvGeom, _ out: UnsafeMutablePointer<Float>) {
    let chunk = convChunk(g)
    let nChunks = (g.n + chunk - 1) / chunk
    ThreadPool.shared.parallelFor(nChunks) { ci in
        let img0 = ci * chunk, b = Swift.min(chunk, g.n - img0)
        let cols = b * g.hw
        let col = scratch(Float.self, g.k * cols)
        let tmp = scratch(Float.self, g.coutG * cols)
        defer { releaseScratch(col, g.k * cols); releaseScratch(tmp, g.coutG * cols) }
        for gi in 0..<g.groups {
            im2col(x, g, img0: img0, b: b, c0: gi * g.cinG, col)
            sgemm(transA: false, transB: false, m: g.coutG, n: cols, k: g.k, alpha: 1,
                  a: w + gi * g.coutG * g.k, lda: g.k, b: col, ldb: cols, beta: 0, c: tmp, ldc: cols, pool: .serial)
            // tmp[co, bi·hw + s] → out[img0 + bi, gi·coutG + co, s] (+ bias)
            for co in 0..<g.coutG {
                let oc = gi * g.coutG + co
                let bv = bias?[oc] ?? 0
                for bi in 0..<b {
                    let dst = out + ((img0 + bi) * g.cout + oc) * g.hw
                    let src = tmp + co * cols + bi * g.hw
                    for s in 0..<g.hw { dst[s] = src[s] + bv }
                }
            }
        }
    }
}

/// dx (if non-nil) gets the input gradient, dw (if non-nil) the weight gradient and db (if
/// non-nil) the bias gradient. Weight and bias gradients are accumulated per chunk and then summed
/// in chunk order, so the result does not depend on the thread count. The bias gradient is taken
/// while gout is gathered, instead of a separate strided reduction over all of gout.
func convBackward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ gout: UnsafePointer<Float>,
                  _ g: ConvGeom, _ dx: UnsafeMutablePointer<Float>?, _ dw: UnsafeMutablePointer<Float>?,
                  _ db: UnsafeMutablePointer<Float>? = nil) {
    let chunk = convChunk(g)
    let nChunks = (g.n + chunk - 1) / chunk
    let wsize = g.cout * g.k
    let partial = dw != nil ? scratch(Float.self, nChunks * wsize) : nil
    let partialB = db != nil ? scratch(Double.self, nChunks * g.cout) : nil
    defer {
        if let p = partial { releaseScratch(p, nChunks * wsize) }
        if let p = partialB { releaseScratch(p, nChunks * g.cout) }
    }
    ThreadPool.shared.parallelFor(nChunks) { ci in
        let img0 = ci * chunk, b = Swift.min(chunk, g.n - img0)
        let cols = b * g.hw
        let col = scratch(Float.self, g.k * cols)
        let go = scratch(Float.self, g.coutG * cols)
        defer { releaseScratch(col, g.k * cols); releaseScratch(go, g.coutG * cols) }
        for gi in 0..<g.groups {
            // gather gout for this group into (coutG, b·hw)
            for co in 0..<g.coutG {
                for bi in 0..<b {
                    copyRun(go + co * cols + bi * g.hw, gout + ((img0 + bi) * g.cout + gi * g.coutG + co) * g.hw, g.hw)
                }
                if let pb = partialB {
                    // 8 interleaved partial sums, in a fixed order
                    var acc = SIMD8<Float>()
                    let row = go + co * cols
                    var j = 0
                    while j + 8 <= cols {
                        acc += UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                        j += 8
                    }
                    var sum = Double(acc.sum())
                    while j < cols { sum += Double(row[j]); j += 1 }
                    pb[ci * g.cout + gi * g.coutG + co] = sum
                }
            }
            if let part = partial {
                im2col(x, g, img0: img0, b: b, c0: gi * g.cinG, col)
                // dW_g (coutG, k) = go (coutG, cols) · colᵀ (cols, k)
                sgemm(transA: false, transB: true, m: g.coutG, n: g.k, k: cols, alpha: 1, a: go, lda: cols,
                      b: col, ldb: cols, beta: 0, c: part + ci * wsize + gi * g.coutG * g.k, ldc: g.k, pool: .serial)
            }
            if let dx = dx {
                // dcol (k, cols) = W_gᵀ (k, coutG) · go (coutG, cols)
                sgemm(transA: true, transB: false, m: g.k, n: cols, k: g.coutG, alpha: 1, a: w + gi * g.coutG * g.k, lda: g.k,
                      b: go, ldb: cols, beta: 0, c: col, ldc: cols, pool: .serial)
                col2im(col, g, img0: img0, b: b, c0: gi * g.cinG, dx)
            }
        }
    }
    if let dw = dw, let part = partial {
        for ci in 0..<nChunks {
            let src = part + ci * wsize
            for i in 0..<wsize { dw[i] += src[i] }
        }
    }
    if let db = db, let pb = partialB {
        for co in 0..<g.cout {
            var sum = 0.0
            for ci in 0..<nChunks { sum += pb[ci * g.cout + co] }
            db[co] = Float(sum)
        }
    }
}
