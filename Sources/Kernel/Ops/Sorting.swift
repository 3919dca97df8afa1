/// Sorting, top-k and argsort. Values are gathered through `gather`, so they carry gradients.
extension Tensor {
    /// Stable sort along an axis: (values, int32 indices). NaNs sort last (first when descending).
    public func sort(axis: Int = -1, descending: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let a = try normalizeAxis(axis, rank: rank, op: "sort")
        if rank == 0 { return (self, Tensor(0, dtype: .int32)) }
        let idx = try argsortIndices(a, descending: descending, k: shape[a])
        return (try gather(axis: a, index: idx), idx)
    }

    public func argsort(axis: Int = -1, descending: Bool = false) throws -> Tensor {
        try sort(axis: axis, descending: descending).indices
    }

    /// The k largest (or smallest) elements along an axis, in sorted order.
    public func topk(_ k: Int, axis: Int = -1, largest: Bool = true) throws -> (values: Tensor, indices: Tensor) {
        let a = try normalizeAxis(axis, rank: rank, op: "topk")
        let n = rank == 0 ? 1 : shape[a]
        guard k >= 0 && k <= n else { throw TensorError("topk", "k (\(k)) must be in 0...\(n), the size of axis \(axis)") }
        if rank == 0 { return (self, Tensor(0, dtype: .int32)) }
        let idx = try argsortIndices(a, descending: largest, k: k)
        return (try gather(axis: a, index: idx), idx)
    }

    func argsortIndices(_ a: Int, descending: Bool, k: Int) throws -> Tensor {
        let x = try to(dtype == .int32 ? .int32 : .float32)
        let perm = (0..<rank).filter { $0 != a } + [a]
        let rows = Tensor.noGrad { try! x.permute(perm) }.contiguous()
        let r = shape[a], m = count / Swift.max(r, 1)
        var outShape = rows.shape
        outShape[outShape.count - 1] = k
        let out = Tensor(uninitialized: outShape, dtype: .int32)
        let vals = rows.toDoubles()
        var order = [Int](repeating: 0, count: r)
        for i in 0..<m {
            let base = i * r
            for j in 0..<r { order[j] = j }
            // stable sort; NaN counts as larger than everything
            order.sort { p, q in
                let u = vals[base + p], v = vals[base + q]
                if u.isNaN || v.isNaN {
                    if u.isNaN && v.isNaN { return p < q }
                    return descending ? u.isNaN : v.isNaN
                }
                if u == v { return p < q }
                return descending ? u > v : u < v
            }
            for j in 0..<k { out.iptr[i * k + j] = Int32(order[j]) }
        }
        var inv = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inv[p] = i }
        return Tensor.noGrad { try! out.permute(inv) }.contiguous()
    }
}
