/// Views share storage with their source and cost nothing; each records a primitive so that
/// gradients flow back through it.
extension Tensor {
    func view(_ shape: [Int], _ strides: [Int], _ offset: Int) -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
    }

    /// A contiguous tensor with the same values (self when already contiguous).
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = Tensor(uninitialized: shape, dtype: dtype)
        switch dtype {
        case .float32: copyStrided(self, storage.floats, out.fptr)
        case .int32: copyStrided(self, storage.ints, out.iptr)
        case .bool: copyStrided(self, storage.bools, out.bptr)
        }
        return out.recorded(.asContiguous, [self])
    }

    /// Resolves one -1 in a requested shape against the element count.
    func inferShape(_ requested: [Int], op: String) throws -> [Int] {
        var s = requested
        let unknown = s.indices.filter { s[$0] == -1 }
        guard unknown.count <= 1 else { throw TensorError(op, "only one dimension can be -1 in \(shapeString(requested))") }
        for d in s where d < -1 { throw TensorError(op, "invalid dimension \(d) in \(shapeString(requested))") }
        if let u = unknown.first {
            let known = try checkedCount(s.enumerated().filter { $0.offset != u }.map { $0.element }, op: op)
            guard known > 0, count % known == 0 else {
                throw TensorError(op, "cannot reshape tensor of shape \(shapeString(shape)) (\(count) elements) into \(shapeString(requested))")
            }
            s[u] = count / known
        }
        let n = try checkedCount(s, op: op)
        guard n == count else {
            throw TensorError(op, "cannot reshape tensor of shape \(shapeString(shape)) (\(count) elements) into \(shapeString(requested)) (\(n) elements)")
        }
        return s
    }

    /// Same elements, new shape (one dimension may be -1). A view when possible, else a copy.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        let s = try inferShape(newShape, op: "reshape")
        if s == shape { return self }
        let src = contiguous()
        return src.view(s, Tensor.contiguousStrides(s), src.offset).recorded(.reshape, [src])
    }

    public func flatten(startAxis: Int = 0, endAxis: Int = -1) throws -> Tensor {
        if rank == 0 { return try reshape([1]) }
        let a = try normalizeAxis(startAxis, rank: rank, op: "flatten")
        let b = try normalizeAxis(endAxis, rank: rank, op: "flatten")
        guard a <= b else { throw TensorError("flatten", "start axis \(startAxis) comes after end axis \(endAxis)") }
        let mid = shape[a...b].reduce(1, *)
        return try reshape(Array(shape[..<a]) + [mid] + Array(shape[(b + 1)...]))
    }

    /// Reorders axes: result axis i is source axis dims[i].
    public func permute(_ dims: [Int]) throws -> Tensor {
        guard dims.count == rank else {
            throw TensorError("permute", "expected \(rank) axes for shape \(shapeString(shape)), got \(dims)")
        }
        let d = try dims.map { try normalizeAxis($0, rank: rank, op: "permute") }
        guard Set(d).count == rank else { throw TensorError("permute", "\(dims) is not a permutation of 0..<\(rank)") }
        if d == Array(0..<rank) { return self }
        return view(d.map { shape[$0] }, d.map { strides[$0] }, offset).recorded(.permute(d), [self])
    }

    /// Swaps two axes (default: the last two).
    public func transpose(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
        if rank < 2 && [0, -1].contains(a) && [0, -1].contains(b) { return self }
        let x = try normalizeAxis(a, rank: rank, op: "transpose"), y = try normalizeAxis(b, rank: rank, op: "transpose")
        var p = Array(0..<rank)
        p.swapAt(x, y)
        return try permute(p)
    }

    /// Removes axes of size 1 (all of them, or the given ones).
    public func squeeze(_ axes: [Int]? = nil) throws -> Tensor {
        let ax = try axes.map { try $0.map { try normalizeAxis($0, rank: rank, op: "squeeze") } }
        var s: [Int] = []
        for (i, d) in shape.enumerated() {
            if d == 1 && (ax == nil || ax!.contains(i)) { continue }
            s.append(d)
        }
        return try reshape(s)
    }

    /// Inserts an axis of size 1 at `axis` (which may be rank, i.e. at the end; negatives count from the end).
    public func unsqueeze(_ axis: Int) throws -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        guard a >= 0 && a <= rank else {
            throw TensorError("unsqueeze", "axis \(axis) is out of range for a tensor of rank \(rank) (expected -\(rank + 1)...\(rank))")
        }
        var s = shape
        s.insert(1, at: a)
        return try reshape(s)
    }

    /// Broadcasts size-1 axes (and new leading axes) to `newShape` without copying; -1 keeps a size.
    public func expand(_ newShape: [Int]) throws -> Tensor {
        guard newShape.count >= rank else {
            throw TensorError("expand", "cannot expand shape \(shapeString(shape)) to fewer dimensions \(shapeString(newShape))")
        }
        let lead = newShape.count - rank
        var s = newShape, st = [Int](repeating: 0, count: newShape.count)
        for i in 0..<newShape.count {
            if i < lead {
                guard newShape[i] >= 0 else { throw TensorError("expand", "invalid size \(newShape[i]) for a new axis") }
                continue
            }
            let d = shape[i - lead]
            if newShape[i] == -1 || newShape[i] == d {
                s[i] = d
                st[i] = strides[i - lead]
            } else if d == 1 && newShape[i] >= 0 {
                st[i] = 0
            } else {
                throw TensorError("expand", "cannot expand axis \(i) of size \(d) to \(newShape[i]) (shape \(shapeString(shape)) to \(shapeString(newShape)))")
            }
        }
        _ = try checkedCount(s, op: "expand")
        if s == shape { return self }
        return view(s, st, offset).recorded(.expand, [self])
    }

    public func expand(as other: Tensor) throws -> Tensor { try expand(other.shape) }

    /// Python-style slice along one axis: start/end may be nil or negative, step may be negative.
    public func slice(axis: Int, start: Int? = nil, end: Int? = nil, step: Int = 1) throws -> Tensor {
        let a = try normalizeDimAxis(axis, rank: rank, op: "slice")
        guard step != 0 else { throw TensorError("slice", "slice step cannot be zero") }
        let n = shape[a]
        var lo: Int, hi: Int
        if step > 0 {
            lo = start.map { $0 < 0 ? Swift.max($0 + n, 0) : Swift.min($0, n) } ?? 0
            hi = end.map { $0 < 0 ? Swift.max($0 + n, 0) : Swift.min($0, n) } ?? n
        } else {
            lo = start.map { $0 < 0 ? Swift.max($0 + n, -1) : Swift.min($0, n - 1) } ?? n - 1
            hi = end.map { $0 < 0 ? Swift.max($0 + n, -1) : Swift.min($0, n - 1) } ?? -1
        }
        // written so that no step (up to ±Int.max) overflows
        let mag = step == Int.min ? Int.max : Swift.abs(step)
        let cnt = step > 0 ? (hi > lo ? (hi - lo - 1) / mag + 1 : 0) : (lo > hi ? (lo - hi - 1) / mag + 1 : 0)
        if cnt == n && step == 1 { return self }
        let st1 = cnt <= 1 ? 1 : step  // with one element the step is irrelevant (and may be huge)
        var s = shape, st = strides
        s[a] = cnt
        st[a] = strides[a] * st1
        let off = cnt == 0 ? offset : offset + lo * strides[a]
        return view(s, st, off).recorded(.slice(a, cnt == 0 ? 0 : lo, st1), [self])
    }

    /// `length` elements from `start` along `axis` (PyTorch's narrow).
    public func narrow(axis: Int, start: Int, length: Int) throws -> Tensor {
        let a = try normalizeDimAxis(axis, rank: rank, op: "narrow")
        let s = start < 0 ? start + shape[a] : start
        guard s >= 0, length >= 0, s <= shape[a], length <= shape[a] - s else {
            throw TensorError("narrow", "start \(start) and length \(length) exceed axis \(axis) of size \(shape[a])")
        }
        return try slice(axis: a, start: s, end: s + length)
    }

    /// The sub-tensor at `index` along `axis`, with that axis removed.
    public func select(axis: Int, index: Int) throws -> Tensor {
        let a = try normalizeDimAxis(axis, rank: rank, op: "select")
        let i = index < 0 ? index + shape[a] : index
        guard i >= 0 && i < shape[a] else {
            throw TensorError("index", "index \(index) is out of range for axis \(axis) of size \(shape[a])")
        }
        let v = try slice(axis: a, start: i, end: i + 1)
        var s = shape
        s.remove(at: a)
        var st = v.strides
        st.remove(at: a)
        return v.view(s, st, v.offset).recorded(.reshape, [v])
    }
}
