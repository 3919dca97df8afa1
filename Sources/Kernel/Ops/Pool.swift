/// Max, average and adaptive-average pooling over (N, C, H, W), forward and backward.
/// Work is split over the N·C planes.

struct PoolGeom {
    let planes, h, w, ho, wo, kh, kw, sh, sw, ph, pw: Int
}

extension Tensor {
    func poolGeom(_ op: String, kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int)) throws -> PoolGeom {
        guard rank == 4 else { throw TensorError(op, "expected input of shape (N, C, H, W), got \(shapeString(shape))") }
        guard dtype == .float32 else { throw TensorError(op, "expected a float32 input, got \(dtype)") }
        let s = stride ?? kernel
        guard kernel.0 > 0, kernel.1 > 0, s.0 > 0, s.1 > 0, padding.0 >= 0, padding.1 >= 0 else {
            throw TensorError(op, "kernel and stride must be positive and padding ≥ 0")
        }
        guard padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
            throw TensorError(op, "padding \(padding) must be at most half the kernel size \(kernel)")
        }
        let (h, w) = (shape[2], shape[3])
        let ho = (h + 2 * padding.0 - kernel.0) / s.0 + 1, wo = (w + 2 * padding.1 - kernel.1) / s.1 + 1
        guard h + 2 * padding.0 >= kernel.0, w + 2 * padding.1 >= kernel.1, ho > 0, wo > 0 else {
            throw TensorError(op, "kernel \(kernel) does not fit input \(h)×\(w) with padding \(padding)")
        }
        return PoolGeom(planes: shape[0] * shape[1], h: h, w: w, ho: ho, wo: wo, kh: kernel.0, kw: kernel.1,
                        sh: s.0, sw: s.1, ph: padding.0, pw: padding.1)
    }

    /// Max pooling (PyTorch's max_pool2d; stride defaults to the kernel size).
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws -> Tensor {
        let g = try poolGeom("max_pool2d", kernel: kernel, stride: stride, padding: padding)
        let x = contiguous()
        let out = Tensor(uninitialized: [shape[0], shape[1], g.ho, g.wo], dtype: .float32)
        let arg = Tensor(uninitialized: out.shape, dtype: .int32)
        let (xp, op, ap) = (x.fptr, out.fptr, arg.iptr)
        ThreadPool.shared.parallelFor(Swift.min(g.planes, 64)) { c in
            let r = splitPlanes(g.planes, 64, c)
            for pl in r {
                let src = xp + pl * g.h * g.w, dst = op + pl * g.ho * g.wo, ai = ap + pl * g.ho * g.wo
                if g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 {
                    // the common 2×2/2 case, branch-light (ties and NaN resolve as in the general loop)
                    for oy in 0..<g.ho {
                        let r0 = src + 2 * oy * g.w, r1 = r0 + g.w
                        // 8 outputs at a time: even/odd columns of two rows, the first maximum in
                        // window order (a, b, c, d) by strict comparisons, as in the loop below
                        var ox0 = 0
                        while ox0 + 8 <= g.wo && 2 * ox0 + 16 <= g.w {
                            let u = UnsafeRawPointer(r0 + 2 * ox0).loadUnaligned(as: SIMD16<Float>.self)
                            let l = UnsafeRawPointer(r1 + 2 * ox0).loadUnaligned(as: SIMD16<Float>.self)
                            let a = u.evenHalf, b = u.oddHalf, c = l.evenHalf, d = l.oddHalf
                            let sum = a + b + c + d
                            if Swift.any(sum .!= sum) { break }   // a NaN: the exact loop below takes over
                            var best = a, k = SIMD8<Int32>(repeating: 0)
                            var gt = b .> best
                            best.replace(with: b, where: gt); k.replace(with: 1, where: gt)
                            gt = c .> best
                            best.replace(with: c, where: gt); k.replace(with: 2, where: gt)
                            gt = d .> best
                            best.replace(with: d, where: gt); k.replace(with: 3, where: gt)
                            UnsafeMutableRawPointer(dst + oy * g.wo + ox0).storeBytes(of: best, as: SIMD8<Float>.self)
                            let lane = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
                            let idx = (Int32(2 * oy) &+ (k &>> 1)) &* Int32(g.w) &+ Int32(2 * ox0) &+ 2 &* lane &+ (k & 1)
                            UnsafeMutableRawPointer(ai + oy * g.wo + ox0).storeBytes(of: idx, as: SIMD8<Int32>.self)
                            ox0 += 8
                        }
                        for ox in ox0..<g.wo {
                            let a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1]
                            // branch-free: max reduction, then the first lane equal to it (k ∈ 0..<4);
                            // the rare NaN case takes the exact slow path (NaN propagates)
                            let v = SIMD4<Float>(a, b, c, d)
                            // compare+blend (vcmpps/vblendvps); pointwiseMax would scalarise for IEEE NaN rules
                            let r1 = SIMD4<Float>(b, a, d, c)
                            let m1 = v.replacing(with: r1, where: r1 .> v)
                            let r2 = SIMD4<Float>(m1[2], m1[3], m1[0], m1[1])
                            let m2 = m1.replacing(with: r2, where: r2 .> m1)
                            var best = m2[0]
                            let eq = v .== m2
                            var k = SIMD4<Int32>(repeating: 0).replacing(with: SIMD4<Int32>(1, 2, 4, 8), where: eq)
                                .wrappedSum().trailingZeroBitCount
                            if (a + b + c + d).isNaN {
                                best = a; k = 0
                                for (q, u) in [b, c, d].enumerated() where u > best || (u.isNaN && !best.isNaN) { best = u; k = q + 1 }
                            }
                            let bi = (2 * oy + (k >> 1)) * g.w + 2 * ox + (k & 1)
                            dst[oy * g.wo + ox] = best
                            ai[oy * g.wo + ox] = Int32(bi)
                        }
                    }
                    continue
                }
                for oy in 0..<g.ho {
                    for ox in 0..<g.wo {
                        var best = -Float.infinity, bi = -1
                        for i in 0..<g.kh {
                            let iy = oy * g.sh - g.ph + i
                            if iy < 0 || iy >= g.h { continue }
                            for j in 0..<g.kw {
                                let ix = ox * g.sw - g.pw + j
                                if ix < 0 || ix >= g.w { continue }
                                let v = src[iy * g.w + ix]
                                if v > best || bi < 0 || v.isNaN { best = v; bi = iy * g.w + ix; if v.isNaN { break } }
                            }
                        }
                        dst[oy * g.wo + ox] = best
                        ai[oy * g.wo + ox] = Int32(bi)
                    }
                }
            }
        }
        let inShape = shape
        return out.recorded(.custom(CustomPrim(kind: .max_pool2d) { gout in
            let go = gout.contiguous()
            let dx = Tensor.zeros(valid: inShape)
            let (gp, dp) = (go.fptr, dx.fptr)
            ThreadPool.shared.parallelFor(Swift.min(g.planes, 64)) { c in
                for pl in splitPlanes(g.planes, 64, c) {
                    let n = g.ho * g.wo
                    for i in 0..<n { dp[pl * g.h * g.w + Int(ap[pl * n + i])] += gp[pl * n + i] }
                }
            }
            _ = arg
            return [dx]
        }), [self])
    }

    /// Average pooling; padded zeros count in the divisor (PyTorch's default count_include_pad).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws -> Tensor {
        let g = try poolGeom("avg_pool2d", kernel: kernel, stride: stride, padding: padding)
        let x = contiguous()
        let out = Tensor(uninitialized: [shape[0], shape[1], g.ho, g.wo], dtype: .float32)
        let inv = 1 / Float(g.kh * g.kw)
        let (xp, op) = (x.fptr, out.fptr)
        ThreadPool.shared.parallelFor(Swift.min(g.planes, 64)) { c in
            for pl in splitPlanes(g.planes, 64, c) {
                let src = xp + pl * g.h * g.w, dst = op + pl * g.ho * g.wo
                for oy in 0..<g.ho {
                    for ox in 0..<g.wo {
                        var s: Float = 0
                        for i in 0..<g.kh {
                            let iy = oy * g.sh - g.ph + i
                            if iy < 0 || iy >= g.h { continue }
                            for j in 0..<g.kw {
                                let ix = ox * g.sw - g.pw + j
                                if ix >= 0 && ix < g.w { s += src[iy * g.w + ix] }
                            }
                        }
                        dst[oy * g.wo + ox] = s * inv
                    }
                }
            }
        }
        let inShape = shape
        return out.recorded(.custom(CustomPrim(kind: .avg_pool2d) { gout in
            let go = gout.contiguous()
            let dx = Tensor.zeros(valid: inShape)
            let (gp, dp) = (go.fptr, dx.fptr)
            ThreadPool.shared.parallelFor(Swift.min(g.planes, 64)) { c in
                for pl in splitPlanes(g.planes, 64, c) {
                    let d = dp + pl * g.h * g.w, s = gp + pl * g.ho * g.wo
                    for oy in 0..<g.ho {
                        for ox in 0..<g.wo {
                            let v = s[oy * g.wo + ox] * inv
                            for i in 0..<g.kh {
                                let iy = oy * g.sh - g.ph + i
                                if iy < 0 || iy >= g.h { continue }
                                for j in 0..<g.kw {
                                    let ix = ox * g.sw - g.pw + j
                                    if ix >= 0 && ix < g.w { d[iy * g.w + ix] += v }
                                }
                            }
                        }
                    }
                }
            }
            return [dx]
        }), [self])
    }

    /// Adaptive average pooling to (oh, ow): bin i spans [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉).
    public func adaptiveAvgPool2d(_ oh: Int, _ ow: Int) throws -> Tensor {
        guard rank == 4 else { throw TensorError("adaptive_avg_pool2d", "expected input of shape (N, C, H, W), got \(shapeString(shape))") }
        guard oh > 0, ow > 0 else { throw TensorError("adaptive_avg_pool2d", "output size must be positive, got \(oh)×\(ow)") }
        let x = try to(.float32).contiguous()
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        guard h > 0, w > 0 else { throw TensorError("adaptive_avg_pool2d", "input plane \(h)×\(w) is empty") }
        let out = Tensor(uninitialized: [shape[0], shape[1], oh, ow], dtype: .float32)
        func bin(_ i: Int, _ n: Int, _ o: Int) -> (Int, Int) { (i * n / o, ((i + 1) * n + o - 1) / o) }
        let (xp, op) = (x.fptr, out.fptr)
        ThreadPool.shared.parallelFor(Swift.min(planes, 64)) { c in
            for pl in splitPlanes(planes, 64, c) {
                for oy in 0..<oh {
                    let (y0, y1) = bin(oy, h, oh)
                    for ox in 0..<ow {
                        let (x0, x1) = bin(ox, w, ow)
                        var s: Float = 0
                        for y in y0..<y1 { for xx in x0..<x1 { s += xp[pl * h * w + y * w + xx] } }
                        op[pl * oh * ow + oy * ow + ox] = s / Float((y1 - y0) * (x1 - x0))
                    }
                }
            }
        }
        let inShape = shape
        return out.recorded(.custom(CustomPrim(kind: .adaptive_avg_pool2d) { gout in
            let go = gout.contiguous()
            let dx = Tensor.zeros(valid: inShape)
            let (gp, dp) = (go.fptr, dx.fptr)
            for pl in 0..<planes {
                for oy in 0..<oh {
                    let (y0, y1) = bin(oy, h, oh)
                    for ox in 0..<ow {
                        let (x0, x1) = bin(ox, w, ow)
                        let v = gp[pl * oh * ow + oy * ow + ox] / Float((y1 - y0) * (x1 - x0))
                        for y in y0..<y1 { for xx in x0..<x1 { dp[pl * h * w + y * w + xx] += v } }
                    }
                }
            }
            return [dx]
        }), [self])
    }
}

/// The planes of chunk c when `planes` are split into at most `parts` contiguous chunks.
@inline(__always)
func splitPlanes(_ planes: Int, _ parts: Int, _ c: Int) -> Range<Int> {
    let p = Swift.min(planes, parts)
    let base = planes / p, extra = planes % p
    let lo = c * base + Swift.min(c, extra)
    return lo..<(lo + base + (c < extra ? 1 : 0))
}
