#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reductions over any set of axes, with keepdim. Internally the reduced axes are moved last and
/// made contiguous, so every kernel reduces contiguous rows of length `r`.
extension Tensor {
    /// (contiguous tensor with `axes` moved last, kept-axes shape, row length, keepdim shape)
    func rowsForReduction(_ axes: [Int]) -> (Tensor, [Int], Int, [Int]) {
        let keep = (0..<rank).filter { !axes.contains($0) }
        let moved = Tensor.noGrad { try! self.permute(keep + axes) }.contiguous()
        let outer = keep.map { shape[$0] }
        let r = axes.reduce(1) { $0 * shape[$1] }
        var kd = shape
        for a in axes { kd[a] = 1 }
        return (moved, outer, r, kd)
    }

    public func sum(axes: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let ax = try normalizeAxes(axes, rank: rank, op: "sum")
        let (rows, outer, r, kd) = rowsForReduction(ax)
        let outShape = keepdim ? kd : outer
        let m = outer.reduce(1, *)
        if dtype == .float32 {
            let out = Tensor(uninitialized: outShape, dtype: .float32)
            let p = rows.fptr
            for i in 0..<m {
                var acc: Double = 0
                let row = p + i * r
                var j = 0
                // four partial sums in float, flushed to double every 4096 elements
                while j < r {
                    let e = Swift.min(r, j + 4096)
                    var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0
                    var k = j
                    while k + 4 <= e { a0 += row[k]; a1 += row[k + 1]; a2 += row[k + 2]; a3 += row[k + 3]; k += 4 }
                    while k < e { a0 += row[k]; k += 1 }
                    acc += Double((a0 + a1) + (a2 + a3))
                    j = e
                }
                out.fptr[i] = Float(acc)
            }
            return out.recorded(.sum(ax, keepdim), [self])
        }
        let x = try rows.to(.int32)
        let out = Tensor(uninitialized: outShape, dtype: .int32)
        for i in 0..<m {
            var acc: Int32 = 0
            for j in 0..<r { acc &+= x.iptr[i * r + j] }
            out.iptr[i] = acc
        }
        return out
    }

    public func mean(axes: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let ax = try normalizeAxes(axes, rank: rank, op: "mean")
        let n = ax.reduce(1) { $0 * shape[$1] }
        return try to(.float32).sum(axes: ax, keepdim: keepdim) / Double(n)
    }

    /// Variance with `correction` (1 = unbiased, as PyTorch's default).
    public func variance(axes: [Int]? = nil, correction: Int = 1, keepdim: Bool = false) throws -> Tensor {
        let ax = try normalizeAxes(axes, rank: rank, op: "var")
        let n = ax.reduce(1) { $0 * shape[$1] }
        let x = try to(.float32)
        let d = try x - x.mean(axes: ax, keepdim: true)
        return try (d * d).sum(axes: ax, keepdim: keepdim) / Double(Swift.max(n - correction, 0))
    }
    public func std(axes: [Int]? = nil, correction: Int = 1, keepdim: Bool = false) throws -> Tensor {
        try variance(axes: axes, correction: correction, keepdim: keepdim).sqrt()
    }

    /// Max (or min) along one axis: values and int32 indices (first occurrence; NaN wins).
    func extremum(axis: Int, keepdim: Bool, isMax: Bool, op: String) throws -> (values: Tensor, indices: Tensor) {
        let a = try normalizeAxis(axis, rank: rank, op: op)
        if rank > 0 && shape[a] == 0 { throw TensorError(op, "cannot reduce an empty axis \(axis) of shape \(shapeString(shape))") }
        if rank == 0 { return (self, Tensor(0, dtype: .int32)) }
        let (rows, outer, r, kd) = rowsForReduction([a])
        let outShape = keepdim ? kd : outer
        let m = outer.reduce(1, *)
        let idx = Tensor(uninitialized: outShape, dtype: .int32)
        let vals = Tensor(uninitialized: outShape, dtype: dtype == .bool ? .int32 : dtype)
        if dtype == .float32 {
            for i in 0..<m {
                let row = rows.fptr + i * r
                var best = row[0], bi = 0
                if !best.isNaN {
                    for j in 1..<r {
                        let v = row[j]
                        if v.isNaN { best = v; bi = j; break }
                        if isMax ? v > best : v < best { best = v; bi = j }
                    }
                }
                vals.fptr[i] = best
                idx.iptr[i] = Int32(bi)
            }
            return (vals.recorded(.maxAlong(a, keepdim, idx), [self]), idx)
        }
        let x = try rows.to(.int32)
        for i in 0..<m {
            let row = x.iptr + i * r
            var best = row[0], bi = 0
            for j in 1..<r where isMax ? row[j] > best : row[j] < best { best = row[j]; bi = j }
            vals.iptr[i] = best
            idx.iptr[i] = Int32(bi)
        }
        return (vals, idx)
    }
    public func max(axis: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extremum(axis: axis, keepdim: keepdim, isMax: true, op: "max")
    }
    public func min(axis: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extremum(axis: axis, keepdim: keepdim, isMax: false, op: "min")
    }
    public func argmax(axis: Int, keepdim: Bool = false) throws -> Tensor { try max(axis: axis, keepdim: keepdim).indices }
    public func argmin(axis: Int, keepdim: Bool = false) throws -> Tensor { try min(axis: axis, keepdim: keepdim).indices }
    /// Index of the max over the flattened tensor.
    public func argmax() throws -> Tensor { try reshape([-1]).argmax(axis: 0) }
    public func argmin() throws -> Tensor { try reshape([-1]).argmin(axis: 0) }

    /// Merges `axes` into one trailing axis (a differentiable view chain), for multi-axis reductions.
    func mergedAxes(_ axes: [Int]) throws -> (Tensor, [Int]) {
        let keep = (0..<rank).filter { !axes.contains($0) }
        let p = try permute(keep + axes)
        return (try p.reshape(keep.map { shape[$0] } + [-1]), keep)
    }
    /// Max over any set of axes (all by default).
    public func amax(axes: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try amaxmin(axes, keepdim, isMax: true, op: "amax")
    }
    public func amin(axes: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try amaxmin(axes, keepdim, isMax: false, op: "amin")
    }
    func amaxmin(_ axes: [Int]?, _ keepdim: Bool, isMax: Bool, op: String) throws -> Tensor {
        let ax = try normalizeAxes(axes, rank: rank, op: op)
        if rank == 0 { return self }
        if ax.contains(where: { shape[$0] == 0 }) { throw TensorError(op, "cannot reduce an empty tensor of shape \(shapeString(shape))") }
        let (m, keep) = try mergedAxes(ax)
        let v = try m.extremum(axis: -1, keepdim: false, isMax: isMax, op: op).values
        if !keepdim { return v }
        var kd = shape
        for a in ax { kd[a] = 1 }
        _ = keep
        return try v.reshape(kd)
    }

    /// log Σ exp over axes, computed stably.
    public func logsumexp(axes: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let ax = try normalizeAxes(axes, rank: rank, op: "logsumexp")
        let x = try to(.float32)
        let (rows, outer, r, kd) = x.rowsForReduction(ax)
        let out = Tensor(uninitialized: keepdim ? kd : outer, dtype: .float32)
        for i in 0..<outer.reduce(1, *) {
            let row = rows.fptr + i * r
            var m = -Float.infinity
            for j in 0..<r { m = Swift.max(m, row[j]) }
            if !m.isFinite { out.fptr[i] = m == -.infinity ? -.infinity : m; continue }
            var s: Double = 0
            for j in 0..<r { s += Double(Glibc.expf(row[j] - m)) }
            out.fptr[i] = Float(Glibc.log(s)) + m
        }
        return out.recorded(.logsumexp(ax, keepdim), [self], saveOutput: true)
    }

    /// Product along one axis (or over all elements when axis is nil).
    public func prod(axis: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        guard let axis = axis else { return try reshape([-1]).prod(axis: 0, keepdim: false).reshape(keepdim ? shape.map { _ in 1 } : []) }
        let a = try normalizeAxis(axis, rank: rank, op: "prod")
        if rank == 0 { return self }
        let x = try to(.float32)
        let (rows, outer, r, kd) = x.rowsForReduction([a])
        let out = Tensor(uninitialized: keepdim ? kd : outer, dtype: .float32)
        for i in 0..<outer.reduce(1, *) {
            var p: Float = 1
            for j in 0..<r { p *= rows.fptr[i * r + j] }
            out.fptr[i] = p
        }
        let res = out.recorded(.prod(a, keepdim), [self])
        return dtype == .float32 ? res : try res.to(dtype == .bool ? .int32 : dtype)
    }

    public func any(axes: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let ax = try normalizeAxes(axes, rank: rank, op: "any")
        return try to(.bool).to(.int32).sum(axes: ax, keepdim: keepdim).gt(Tensor(0, dtype: .int32))
    }
    public func all(axes: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let ax = try normalizeAxes(axes, rank: rank, op: "all")
        let n = ax.reduce(1) { $0 * shape[$1] }
        return try to(.bool).to(.int32).sum(axes: ax, keepdim: keepdim).eq(Tensor(Double(n), dtype: .int32))
    }

    /// p-norm over axes (p = 2 by default; p = .infinity gives the max-abs norm).
    public func norm(p: Double = 2, axes: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        guard p > 0 else { throw TensorError("norm", "p must be positive, got \(p)") }
        _ = try normalizeAxes(axes, rank: rank, op: "norm")
        let x = try to(.float32)
        if p == .infinity { return try x.abs().amax(axes: axes, keepdim: keepdim) }
        if p == 2 { return try (x * x).sum(axes: axes, keepdim: keepdim).sqrt() }
        if p == 1 { return try x.abs().sum(axes: axes, keepdim: keepdim) }
        return try x.abs().pow(p).sum(axes: axes, keepdim: keepdim).pow(1 / p)
    }

    // MARK: softmax family (fused; one pass per row)

    func softmaxRows(axis: Int, log: Bool) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: log ? "log_softmax" : "softmax")
        let x = try to(.float32)
        if rank == 0 { return log ? try Tensor.zeros([]) : Tensor.ones([]) }
        // axis moved last, rows contiguous
        let perm = (0..<rank).filter { $0 != a } + [a]
        let rows = Tensor.noGrad { try! x.permute(perm) }.contiguous()
        let r = shape[a], m = count / Swift.max(r, 1)
        let out = Tensor(uninitialized: rows.shape, dtype: .float32)
        for i in 0..<m {
            let src = rows.fptr + i * r, dst = out.fptr + i * r
            var mx = -Float.infinity
            for j in 0..<r { mx = Swift.max(mx, src[j]) }
            var s: Float = 0
            for j in 0..<r { let e = Glibc.expf(src[j] - mx); dst[j] = e; s += e }
            if log {
                let ls = Glibc.logf(s) + mx
                for j in 0..<r { dst[j] = src[j] - ls }
            } else {
                let inv = 1 / s
                for j in 0..<r { dst[j] *= inv }
            }
        }
        var inv = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inv[p] = i }
        let res = Tensor.noGrad { try! out.permute(inv) }
        return res.recorded(log ? .logSoftmax(a) : .softmax(a), [self], saveOutput: true)
    }
    public func softmax(axis: Int = -1) throws -> Tensor { try softmaxRows(axis: axis, log: false) }
    public func logSoftmax(axis: Int = -1) throws -> Tensor { try softmaxRows(axis: axis, log: true) }

    /// Cumulative sum along an axis.
    public func cumsum(axis: Int) throws -> Tensor {
        let a = try normalizeAxis(axis, rank: rank, op: "cumsum")
        if rank == 0 { return self }
        let isInt = dtype != .float32
        let x = try to(isInt ? .int32 : .float32)
        let perm = (0..<rank).filter { $0 != a } + [a]
        let rows = Tensor.noGrad { try! x.permute(perm) }.contiguous()
        let r = shape[a], m = count / Swift.max(r, 1)
        let out = Tensor(uninitialized: rows.shape, dtype: x.dtype)
        for i in 0..<m {
            if isInt {
                var acc: Int32 = 0
                for j in 0..<r { acc &+= rows.iptr[i * r + j]; out.iptr[i * r + j] = acc }
            } else {
                var acc: Double = 0
                for j in 0..<r { acc += Double(rows.fptr[i * r + j]); out.fptr[i * r + j] = Float(acc) }
            }
        }
        var inv = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inv[p] = i }
        let res = Tensor.noGrad { try! out.permute(inv) }.contiguous()
        return res.recorded(.cumsum(a), [self])
    }
}
