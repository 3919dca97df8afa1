/// Gather/scatter and index-based selection.
extension Tensor {
    func checkIndex(_ index: Tensor, op: String) throws -> Tensor {
        guard index.dtype == .int32 else { throw TensorError(op, "index must be int32, got \(index.dtype)") }
        return index.contiguous()
    }

    /// Visits every position of `shape` in row-major order with its multi-index.
    @inline(__always)
    static func forEachPosition(_ shape: [Int], _ body: ([Int], Int) throws -> Void) rethrows {
        let n = shape.reduce(1, *)
        if n == 0 { return }
        var idx = [Int](repeating: 0, count: shape.count)
        for i in 0..<n {
            try body(idx, i)
            var d = shape.count - 1
            while d >= 0 { idx[d] += 1; if idx[d] < shape[d] { break }; idx[d] = 0; d -= 1 }
        }
    }

    /// Storage offsets into self for gather/scatter positions: out[pos] reads self at pos with
    /// pos[axis] replaced by index[pos].
    func gatherOffsets(_ axis: Int, _ index: Tensor, op: String) throws -> [Int] {
        guard index.rank == rank else {
            throw TensorError(op, "index has rank \(index.rank) but the tensor has rank \(rank)")
        }
        for d in 0..<rank where d != axis && index.shape[d] > shape[d] {
            throw TensorError(op, "index shape \(shapeString(index.shape)) exceeds tensor shape \(shapeString(shape)) on axis \(d)")
        }
        var offs = [Int](repeating: 0, count: index.count)
        let ip = index.iptr
        let n = shape[axis]
        try Tensor.forEachPosition(index.shape) { pos, i in
            var j = Int(ip[i])
            if j < 0 { j += n }
            guard j >= 0 && j < n else {
                throw TensorError(op, "index \(ip[i]) is out of range for axis \(axis) of size \(n) (at position \(pos))")
            }
            var o = offset
            for d in 0..<rank { o += (d == axis ? j : pos[d]) * strides[d] }
            offs[i] = o
        }
        return offs
    }

    /// out[pos] = self[pos with axis replaced by index[pos]] (PyTorch's gather).
    public func gather(axis: Int, index: Tensor) throws -> Tensor {
        let a = try normalizeDimAxis(axis, rank: rank, op: "gather")
        let idx = try checkIndex(index, op: "gather")
        let offs = try gatherOffsets(a, idx, op: "gather")
        let out = Tensor(uninitialized: idx.shape, dtype: dtype)
        switch dtype {
        case .float32: let p = storage.floats; for (i, o) in offs.enumerated() { out.fptr[i] = p[o] }
        case .int32: let p = storage.ints; for (i, o) in offs.enumerated() { out.iptr[i] = p[o] }
        case .bool: let p = storage.bools; for (i, o) in offs.enumerated() { out.bptr[i] = p[o] }
        }
        return out.recorded(.gather(a, idx), [self])
    }

    /// A copy of self with src added at the gathered positions (PyTorch's scatter_add).
    public func scatterAdd(axis: Int, index: Tensor, src: Tensor) throws -> Tensor {
        let a = try normalizeDimAxis(axis, rank: rank, op: "scatter_add")
        let idx = try checkIndex(index, op: "scatter_add")
        guard src.rank == idx.rank, (0..<src.rank).allSatisfy({ idx.shape[$0] <= src.shape[$0] }) else {
            throw TensorError("scatter_add", "src shape \(shapeString(src.shape)) must cover index shape \(shapeString(idx.shape))")
        }
        let out = Tensor.noGrad { contiguousCopy() }
        let outF = try out.to(dtype == .bool ? .int32 : dtype)
        let offs = try outF.gatherOffsets(a, idx, op: "scatter_add")
        let s = try src.to(outF.dtype)
        let sv = Tensor.noGrad { () -> Tensor in
            var v = s
            for d in 0..<idx.rank where idx.shape[d] < s.shape[d] { v = try! v.narrow(axis: d, start: 0, length: idx.shape[d]) }
            return v.contiguous()
        }
        if outF.dtype == .float32 {
            for (i, o) in offs.enumerated() { outF.storage.floats[o] += sv.fptr[i] }
        } else {
            for (i, o) in offs.enumerated() { outF.storage.ints[o] &+= sv.iptr[i] }
        }
        return outF.recorded(.scatterAdd(a, idx), [self, src])
    }

    /// Rows (slices along `axis`) picked by a 1-D int32 index.
    public func indexSelect(axis: Int, index: Tensor) throws -> Tensor {
        let a = try normalizeDimAxis(axis, rank: rank, op: "index_select")
        let idx = try checkIndex(index, op: "index_select")
        guard idx.rank <= 1 else { throw TensorError("index_select", "index must be 1-D, got shape \(shapeString(idx.shape))") }
        var shape = self.shape
        shape[a] = idx.count
        let out = Tensor(uninitialized: shape, dtype: dtype)
        let n = self.shape[a]
        if a == 0 && isContiguous {
            // fast path: whole rows
            let row = count / Swift.max(n, 1) * dtype.size
            let src = storage.raw + offset * dtype.size
            for i in 0..<idx.count {
                var j = Int(idx.iptr[i])
                if j < 0 { j += n }
                guard j >= 0 && j < n else {
                    throw TensorError("index_select", "index \(idx.iptr[i]) is out of range for axis \(axis) of size \(n)")
                }
                (out.storage.raw + i * row).copyMemory(from: src + j * row, byteCount: row)
            }
            return out.recorded(.indexSelect(a, idx), [self])
        }
        for i in 0..<idx.count {
            var j = Int(idx.iptr[i])
            if j < 0 { j += n }
            guard j >= 0 && j < n else {
                throw TensorError("index_select", "index \(idx.iptr[i]) is out of range for axis \(axis) of size \(n)")
            }
            let src = Tensor.noGrad { try! select(axis: a, index: j) }
            let dst = Tensor.noGrad { try! out.select(axis: a, index: i) }
            try Tensor.noGrad { try src.copy(into: dst) }
        }
        return out.recorded(.indexSelect(a, idx), [self])
    }

    /// Adds slices of `src` into rows `index` along `axis` of a copy of self (the adjoint of
    /// index_select; rows may repeat).
    func indexAdd(axis a: Int, index idx: Tensor, src: Tensor) throws -> Tensor {
        let out = contiguousCopy()
        for i in 0..<idx.count {
            var j = Int(idx.iptr[i])
            if j < 0 { j += shape[a] }
            let dst = try out.select(axis: a, index: j)
            let sum = try dst + src.select(axis: a, index: i)
            try sum.copy(into: dst)
        }
        return out
    }

    /// One-hot encoding of an int tensor: shape + [classes], float32.
    public func oneHot(classes: Int) throws -> Tensor {
        guard dtype == .int32 else { throw TensorError("one_hot", "expected an int32 tensor of class indices, got \(dtype)") }
        guard classes > 0 else { throw TensorError("one_hot", "number of classes must be positive, got \(classes)") }
        let x = contiguous()
        let out = try Tensor.filled(shape + [classes], 0, .float32, op: "one_hot")
        for i in 0..<count {
            let c = Int(x.iptr[i])
            guard c >= 0 && c < classes else {
                throw TensorError("one_hot", "class index \(c) is out of range for \(classes) classes")
            }
            out.fptr[i * classes + c] = 1
        }
        return out
    }

    /// Indices of nonzero elements: shape [count, rank], int32.
    public func nonzero() throws -> Tensor {
        let v = toDoubles()
        var rows: [Int32] = []
        var n = 0
        Tensor.forEachPosition(shape) { pos, i in
            if v[i] != 0 { rows += pos.map { Int32($0) }; n += 1 }
        }
        return try Tensor(ints: rows, shape: [n, rank])
    }

    /// The elements where a bool mask (broadcast to self's shape) is true, as a 1-D tensor.
    public func maskedSelect(_ mask: Tensor) throws -> Tensor {
        guard mask.dtype == .bool else { throw TensorError("masked_select", "mask must be bool, got \(mask.dtype)") }
        let shape = try broadcastShapes(self.shape, mask.shape, op: "masked_select")
        guard shape == self.shape else {
            throw TensorError("masked_select", "mask of shape \(shapeString(mask.shape)) does not broadcast to \(shapeString(self.shape))")
        }
        let m = try mask.expand(shape).contiguous()
        var idx: [Int32] = []
        for i in 0..<m.count where m.bptr[i] != 0 { idx.append(Int32(i)) }
        return try reshape([-1]).indexSelect(axis: 0, index: Tensor(ints: idx, shape: [idx.count]))
    }
}

extension Tensor {
    /// Writes row i of `values` (B, …) into row `rows[i]` of this contiguous tensor (N, …), in
    /// place, in order (a repeated row keeps the last write): the one indexed copy behind every
    /// per-sample table — distribution alignment's stored predictions, the MoCo queue and the
    /// baselines' confidences. `values` is converted to this tensor's dtype; no gradient.
    public func copyRows(_ values: Tensor, to rows: [Int]) throws {
        guard rank >= 1, isContiguous, values.shape.count == rank, values.shape[0] == rows.count,
              Array(values.shape.dropFirst()) == Array(shape.dropFirst()) else {
            throw TensorError("copy_rows", "expected values (\(rows.count), \(shape.dropFirst().map(String.init).joined(separator: ", "))) for a contiguous table \(shapeString(shape)), got \(shapeString(values.shape))\(isContiguous ? "" : " (the table is not contiguous)")")
        }
        let n = shape[0], width = shape[0] == 0 ? 0 : count / n
        if let bad = rows.first(where: { $0 < 0 || $0 >= n }) {
            throw TensorError("copy_rows", "row \(bad) is out of range for \(n) rows")
        }
        let v = try values.detach().to(dtype).contiguous()
        for (i, r) in rows.enumerated() {
            switch dtype {
            case .float32: (fptr + r * width).update(from: v.fptr + i * width, count: width)
            case .int32: (iptr + r * width).update(from: v.iptr + i * width, count: width)
            case .bool: (bptr + r * width).update(from: v.bptr + i * width, count: width)
            }
        }
    }
}
