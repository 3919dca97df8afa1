/// Broadcasting and strided iteration shared by all elementwise kernels.

/// NumPy broadcasting of two shapes.
func broadcastShapes(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
    let r = max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
        let da = i < r - a.count ? 1 : a[i - (r - a.count)]
        let db = i < r - b.count ? 1 : b[i - (r - b.count)]
        if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
            throw TensorError(op, "shapes \(shapeString(a)) and \(shapeString(b)) cannot be broadcast together (axis \(i - r): \(da) vs \(db))")
        }
    }
    return out
}

/// Strides of `t` viewed with the broadcast shape `shape` (0 on broadcast axes).
func broadcastStrides(_ t: Tensor, to shape: [Int]) -> [Int] {
    let r = shape.count, k = t.rank
    var s = [Int](repeating: 0, count: r)
    for i in 0..<k where t.shape[i] != 1 { s[r - k + i] = t.strides[i] }
    return s
}

/// Coalesces axes that are contiguous for every operand, and drops axes of size 1. The result has
/// at least one axis.
func coalesce(_ shape: [Int], _ strides: [[Int]]) -> ([Int], [[Int]]) {
    var sh: [Int] = []
    var st: [[Int]] = Array(repeating: [], count: strides.count)
    for d in 0..<shape.count where shape[d] != 1 {
        if let last = sh.last, (0..<strides.count).allSatisfy({ st[$0].last! == strides[$0][d] * shape[d] }) {
            sh[sh.count - 1] = last * shape[d]
            for o in 0..<strides.count { st[o][st[o].count - 1] = strides[o][d] }
        } else {
            sh.append(shape[d])
            for o in 0..<strides.count { st[o].append(strides[o][d]) }
        }
    }
    if sh.isEmpty {
        sh = [1]
        for o in 0..<strides.count { st[o] = [0] }
    }
    return (sh, st)
}

/// Calls `body(n, p0, s0, p1, s1, p2, s2)` for each innermost row of the iteration space, where
/// `p_i` are element offsets of operand i at the row start and `s_i` its inner stride.
@inline(__always)
func iterateRows(_ shape: [Int], _ strides: [[Int]], _ offsets: [Int],
                 _ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
    let count = shape.reduce(1, *)
    if count == 0 { return }
    let (sh, st) = coalesce(shape, strides)
    let ops = strides.count
    let r = sh.count
    let n = sh[r - 1]
    let s0 = st[0][r - 1], s1 = ops > 1 ? st[1][r - 1] : 0, s2 = ops > 2 ? st[2][r - 1] : 0
    var p0 = offsets[0], p1 = ops > 1 ? offsets[1] : 0, p2 = ops > 2 ? offsets[2] : 0
    if r == 1 {
        body(n, p0, s0, p1, s1, p2, s2)
        return
    }
    var idx = [Int](repeating: 0, count: r - 1)
    let rows = count / n
    for _ in 0..<rows {
        body(n, p0, s0, p1, s1, p2, s2)
        var d = r - 2
        while d >= 0 {
            idx[d] += 1
            p0 += st[0][d]
            if ops > 1 { p1 += st[1][d] }
            if ops > 2 { p2 += st[2][d] }
            if idx[d] < sh[d] { break }
            p0 -= st[0][d] * sh[d]
            if ops > 1 { p1 -= st[1][d] * sh[d] }
            if ops > 2 { p2 -= st[2][d] * sh[d] }
            idx[d] = 0
            d -= 1
        }
    }
}

/// out[i] = f(a[i]) over a strided input into a fresh contiguous output.
@inline(__always)
func unaryKernel<A, R>(_ a: Tensor, _ pa: UnsafeMutablePointer<A>, _ out: UnsafeMutablePointer<R>,
                       _ f: (A) -> R) {
    if a.isContiguous {
        let src = pa + a.offset
        parallelElementwise(a.count) { lo, hi in
            for i in lo..<hi { out[i] = f(src[i]) }
        }
        return
    }
    var o = 0
    iterateRows(a.shape, [a.strides], [a.offset]) { n, p, s, _, _, _, _ in
        for i in 0..<n { out[o + i] = f(pa[p + i * s]) }
        o += n
    }
}

/// out[i] = f(a[i], b[i]) with broadcasting into a fresh contiguous output of shape `shape`.
@inline(__always)
func binaryKernel<A, B, R>(_ a: Tensor, _ pa: UnsafeMutablePointer<A>, _ b: Tensor, _ pb: UnsafeMutablePointer<B>,
                           _ shape: [Int], _ out: UnsafeMutablePointer<R>, _ f: (A, B) -> R) {
    let n = shape.reduce(1, *)
    if a.shape == shape && b.shape == shape && a.isContiguous && b.isContiguous {
        let x = pa + a.offset, y = pb + b.offset
        parallelElementwise(n) { lo, hi in for i in lo..<hi { out[i] = f(x[i], y[i]) } }
        return
    }
    if a.shape == shape && a.isContiguous && b.count == 1 {
        let x = pa + a.offset, y = pb[b.offset]
        parallelElementwise(n) { lo, hi in for i in lo..<hi { out[i] = f(x[i], y) } }
        return
    }
    if b.shape == shape && b.isContiguous && a.count == 1 {
        let x = pa[a.offset], y = pb + b.offset
        parallelElementwise(n) { lo, hi in for i in lo..<hi { out[i] = f(x, y[i]) } }
        return
    }
    var o = 0
    iterateRows(shape, [broadcastStrides(a, to: shape), broadcastStrides(b, to: shape)], [a.offset, b.offset]) {
        cnt, p, s, q, t, _, _ in
        for i in 0..<cnt { out[o + i] = f(pa[p + i * s], pb[q + i * t]) }
        o += cnt
    }
}

/// Copies a strided tensor of element type T into contiguous memory.
@inline(__always)
func copyStrided<T>(_ a: Tensor, _ pa: UnsafeMutablePointer<T>, _ out: UnsafeMutablePointer<T>) {
    if a.isContiguous {
        (out).update(from: pa + a.offset, count: a.count)
        return
    }
    var o = 0
    iterateRows(a.shape, [a.strides], [a.offset]) { n, p, s, _, _, _, _ in
        if s == 1 {
            (out + o).update(from: pa + p, count: n)
        } else {
            for i in 0..<n { out[o + i] = pa[p + i * s] }
        }
        o += n
    }
}

/// Writes contiguous `src` into the strided view `dst` (element type T).
@inline(__always)
func scatterStrided<T>(_ src: UnsafePointer<T>, into dst: Tensor, _ pd: UnsafeMutablePointer<T>) {
    var o = 0
    iterateRows(dst.shape, [dst.strides], [dst.offset]) { n, p, s, _, _, _, _ in
        for i in 0..<n { pd[p + i * s] = src[o + i] }
        o += n
    }
}

/// Splits n elements over the shared pool in fixed chunks of ≥ 64K elements (small arrays run
/// inline). Chunk boundaries depend only on n, so results never depend on the thread count.
@inline(__always)
func parallelElementwise(_ n: Int, _ body: (Int, Int) -> Void) {
    let grain = 1 << 16
    if n <= grain { body(0, n); return }
    let chunks = (n + grain - 1) / grain
    ThreadPool.shared.parallelFor(chunks) { c in body(c * grain, Swift.min(n, (c + 1) * grain)) }
}
