/// Matrix products. `matmul` follows NumPy: 1-D operands are promoted (and the added axis
/// removed afterwards), batch axes broadcast, and the last two axes multiply.
extension Tensor {
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard rank >= 1, other.rank >= 1 else {
            throw TensorError("matmul", "both operands must have at least 1 dimension, got shapes \(shapeString(shape)) and \(shapeString(other.shape))")
        }
        // checked here so that the message shows the operands as given (before 1-D promotion)
        let k1 = shape[rank - 1], k2 = other.shape[Swift.max(other.rank - 2, 0)]
        guard k1 == k2 else {
            throw TensorError("matmul", "inner dimensions differ: \(shapeString(shape)) @ \(shapeString(other.shape)) (\(k1) vs \(k2))")
        }
        let a = rank == 1 ? try unsqueeze(0) : self
        let b = other.rank == 1 ? try other.unsqueeze(-1) : other
        var r = try a.matmul2(b)
        if other.rank == 1 { r = try r.squeeze([-1]) }
        if rank == 1 { r = try r.squeeze([r.rank - (other.rank == 1 ? 1 : 2)]) }
        return r
    }

    /// The outer product of two vectors.
    public func outer(_ other: Tensor) throws -> Tensor {
        guard rank == 1, other.rank == 1 else {
            throw TensorError("outer", "expected two 1-D tensors, got shapes \(shapeString(shape)) and \(shapeString(other.shape))")
        }
        return try reshape([-1, 1]) * other.reshape([1, -1])
    }

    /// How a matrix (the last two axes) can be handed to GEMM without a copy.
    /// Returns (transposed?, leading dimension) or nil when a copy is needed.
    static func gemmLayout(_ rows: Int, _ cols: Int, _ rs: Int, _ cs: Int) -> (Bool, Int)? {
        if cs == 1 && (rs >= Swift.max(cols, 1) || rows == 1) { return (false, Swift.max(rs, cols, 1)) }
        if rs == 1 && (cs >= Swift.max(rows, 1) || cols == 1) { return (true, Swift.max(cs, rows, 1)) }
        return nil
    }

    /// Batched product of ≥2-D tensors with broadcasting batch axes (the primitive).
    func matmul2(_ other: Tensor) throws -> Tensor {
        let (m, k) = (shape[rank - 2], shape[rank - 1])
        let (k2, n) = (other.shape[other.rank - 2], other.shape[other.rank - 1])
        guard k == k2 else {
            throw TensorError("matmul", "inner dimensions differ: \(shapeString(shape)) @ \(shapeString(other.shape)) (\(k) vs \(k2))")
        }
        guard dtype == .float32 && other.dtype == .float32 else {
            return try to(.float32).matmul2(other.to(.float32))
        }
        guard let batch = try? broadcastShapes(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)), op: "matmul") else {
            throw TensorError("matmul", "batch dimensions of \(shapeString(shape)) and \(shapeString(other.shape)) cannot be broadcast together")
        }
        let outShape = batch + [m, n]
        _ = try checkedCount(outShape, op: "matmul")
        let out = Tensor(uninitialized: outShape, dtype: .float32)
        let nb = batch.reduce(1, *)
        try Interrupt.check()
        if out.count == 0 { return out.recorded(.matmul, [self, other]) }
        if k == 0 { out.fill(0); return out.recorded(.matmul, [self, other]) }
        // Per-operand batch strides (0 where broadcast) and matrix layout.
        func prep(_ t: Tensor) -> (Tensor, [Int], Bool, Int) {
            let r = t.rank
            var x = t
            var lay = Tensor.gemmLayout(t.shape[r - 2], t.shape[r - 1], t.strides[r - 2], t.strides[r - 1])
            if lay == nil {
                x = Tensor.noGrad { t.contiguous() }
                lay = (false, t.shape[r - 1])
            }
            let bs = broadcastStrides(Tensor(storage: x.storage, shape: Array(x.shape.dropLast(2)),
                                             strides: Array(x.strides.dropLast(2)), offset: x.offset, dtype: .float32), to: batch)
            return (x, bs, lay!.0, lay!.1)
        }
        let (x, xs, ta, lda) = prep(self)
        let (y, ys, tb, ldb) = prep(other)
        // Fold a broadcast 2-D right operand into one big GEMM when the left batch is contiguous.
        if ys.allSatisfy({ $0 == 0 }) && !ta && x.isContiguous {
            sgemm(transA: false, transB: tb, m: nb * m, n: n, k: k, alpha: 1, a: x.fptr, lda: k,
                  b: y.fptr, ldb: ldb, beta: 0, c: out.fptr, ldc: n)
            return out.recorded(.matmul, [self, other])
        }
        var idx = [Int](repeating: 0, count: batch.count)
        for bi in 0..<nb {
            var pa = x.offset, pb = y.offset
            for d in 0..<batch.count { pa += idx[d] * xs[d]; pb += idx[d] * ys[d] }
            sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: x.storage.floats + pa, lda: lda,
                  b: y.storage.floats + pb, ldb: ldb, beta: 0, c: out.fptr + bi * m * n, ldc: n)
            var d = batch.count - 1
            while d >= 0 { idx[d] += 1; if idx[d] < batch[d] { break }; idx[d] = 0; d -= 1 }
        }
        return out.recorded(.matmul, [self, other])
    }
}
