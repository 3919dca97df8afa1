/// SIMD helpers for batch norm: per-plane sums with 8-lane float accumulators (the compiler
/// does not reassociate scalar float reductions, so these are explicit).

/// (Σ x, Σ x²) over n floats, shifted by `s` for stability: returns (Σ (x−s), Σ (x−s)²).
@inline(__always)
func shiftedSums(_ p: UnsafePointer<Float>, _ n: Int, shift s: Float) -> (Double, Double) {
    var a = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0)
    let sv = SIMD8<Float>(repeating: s)
    var i = 0
    while i + 8 <= n {
        let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - sv
        a += v
        b += v * v
        i += 8
    }
    var ra = Double(a.sum()), rb = Double(b.sum())
    while i < n { let v = Double(p[i] - s); ra += v; rb += v * v; i += 1 }
    return (ra, rb)
}

/// (Σ g, Σ g·x) over n floats.
@inline(__always)
func gradSums(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) -> (Double, Double) {
    var a = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n {
        let gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        a += gv
        b += gv * xv
        i += 8
    }
    var ra = Double(a.sum()), rb = Double(b.sum())
    while i < n { ra += Double(g[i]); rb += Double(g[i]) * Double(x[i]); i += 1 }
    return (ra, rb)
}

/// dst[i] = src[i]·a + b
@inline(__always)
func affine(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ a: Float, _ b: Float) {
    let av = SIMD8<Float>(repeating: a), bv = SIMD8<Float>(repeating: b)
    var i = 0
    while i + 8 <= n {
        let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: v * av + bv, as: SIMD8<Float>.self)
        i += 8
    }
    while i < n { dst[i] = src[i] * a + b; i += 1 }
}

extension Tensor {
    /// y[n, c, …] = max(x·a[c] + b[c], 0) (or without the ReLU), one pass, no gradient: the
    /// inference-time fusion of conv bias + batch norm (eval) + ReLU.
    public func channelAffine(scale a: [Float], shift b: [Float], relu: Bool) throws -> Tensor {
        guard rank >= 2, dtype == .float32, a.count == shape[1], b.count == shape[1] else {
            throw TensorError("channel_affine", "expected a float32 (N, C, …) input with \(a.count) channels, got \(dtype) \(shapeString(shape))")
        }
        let x = contiguous()
        let (n, c) = (shape[0], shape[1])
        let l = count / Swift.max(n * c, 1)
        let out = Tensor(uninitialized: shape, dtype: .float32)
        let (xp, op) = (x.fptr, out.fptr)
        ThreadPool.shared.parallelFor(Swift.min(n * c, 64)) { part in
            for pl in splitPlanes(n * c, 64, part) {
                let ch = pl % c
                affine(xp + pl * l, op + pl * l, l, a[ch], b[ch])
                if relu {
                    let p = op + pl * l
                    for j in 0..<l { p[j] = p[j] > 0 ? p[j] : 0 }
                }
            }
        }
        return out
    }
}
