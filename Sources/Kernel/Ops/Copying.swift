/// Ops that build new tensors by copying: concat, stack, split/chunk, repeat, pad, flip.
extension Tensor {
    /// Copies this tensor's values into the (same-shaped) strided view `dst`, converting dtype.
    func copy(into dst: Tensor) throws {
        let src = try to(dst.dtype).contiguous()
        switch dst.dtype {
        case .float32: scatterStrided(src.fptr, into: dst, dst.storage.floats)
        case .int32: scatterStrided(src.iptr, into: dst, dst.storage.ints)
        case .bool: scatterStrided(src.bptr, into: dst, dst.storage.bools)
        }
    }

    /// Joins tensors along an existing axis. Shapes must agree elsewhere; dtypes promote.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("concat", "expected at least one tensor") }
        let a = try normalizeAxis(axis, rank: first.rank, op: "concat")
        guard first.rank > 0 else { throw TensorError("concat", "zero-dimensional tensors cannot be concatenated; use stack") }
        var dt = first.dtype
        var total = 0
        for (i, t) in tensors.enumerated() {
            guard t.rank == first.rank else {
                throw TensorError("concat", "tensor #\(i + 1) has rank \(t.rank), expected \(first.rank)")
            }
            for d in 0..<t.rank where d != a && t.shape[d] != first.shape[d] {
                throw TensorError("concat", "tensor #\(i + 1) has shape \(shapeString(t.shape)), which differs from \(shapeString(first.shape)) on axis \(d)")
            }
            dt = DType.promote(dt, t.dtype)
            total += t.shape[a]
        }
        var shape = first.shape
        shape[a] = total
        let out = try Tensor.empty(shape, dtype: dt, op: "concat")
        var start = 0
        for t in tensors {
            let w = t.shape[a]
            if w > 0 {
                let dst = Tensor.noGrad { try! out.narrow(axis: a, start: start, length: w) }
                try Tensor.noGrad { try t.copy(into: dst) }
            }
            start += w
        }
        return out.recorded(.concat(a, tensors.map { $0.shape[a] }), tensors)
    }

    /// Joins tensors of equal shape along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("stack", "expected at least one tensor") }
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw TensorError("stack", "tensor #\(i + 1) has shape \(shapeString(t.shape)), expected \(shapeString(first.shape))")
        }
        let a = axis < 0 ? axis + first.rank + 1 : axis
        guard a >= 0 && a <= first.rank else {
            throw TensorError("stack", "axis \(axis) is out of range for stacking tensors of rank \(first.rank)")
        }
        return try concat(tensors.map { try $0.unsqueeze(a) }, axis: a)
    }

    /// Views of consecutive pieces of the given sizes along `axis`.
    public func split(sizes: [Int], axis: Int = 0) throws -> [Tensor] {
        let a = try normalizeDimAxis(axis, rank: rank, op: "split")
        guard sizes.allSatisfy({ $0 >= 0 && $0 <= shape[a] }), sizes.reduce(0, +) == shape[a] else {
            throw TensorError("split", "sizes \(sizes) do not add up to \(shape[a]), the size of axis \(axis)")
        }
        var start = 0
        return try sizes.map { s in
            defer { start += s }
            return try narrow(axis: a, start: start, length: s)
        }
    }
    /// Pieces of `size` along `axis` (the last may be smaller).
    public func split(size: Int, axis: Int = 0) throws -> [Tensor] {
        guard size > 0 else { throw TensorError("split", "split size must be positive, got \(size)") }
        let a = try normalizeDimAxis(axis, rank: rank, op: "split")
        let n = shape[a]
        var sizes = Array(repeating: size, count: n / size)
        if n % size != 0 { sizes.append(n % size) }
        return try split(sizes: sizes, axis: a)
    }
    /// `chunks` pieces of nearly equal size along `axis` (PyTorch's chunk).
    public func chunk(_ chunks: Int, axis: Int = 0) throws -> [Tensor] {
        guard chunks > 0 else { throw TensorError("chunk", "number of chunks must be positive, got \(chunks)") }
        let a = try normalizeDimAxis(axis, rank: rank, op: "chunk")
        let size = Swift.max(1, (shape[a] + chunks - 1) / chunks)
        return try split(size: size, axis: a)
    }

    /// Tiles the tensor `repeats[i]` times along each axis (PyTorch's repeat).
    public func `repeat`(_ repeats: [Int]) throws -> Tensor {
        guard repeats.count >= rank else {
            throw TensorError("repeat", "expected at least \(rank) repeat counts for shape \(shapeString(shape)), got \(repeats.count)")
        }
        guard repeats.allSatisfy({ $0 >= 0 }) else { throw TensorError("repeat", "repeat counts must be ≥ 0, got \(repeats)") }
        let src = try reshape(Array(repeating: 1, count: repeats.count - rank) + shape)
        var inter: [Int] = [], exp: [Int] = [], final: [Int] = []
        for (r, d) in zip(repeats, src.shape) {
            inter += [1, d]
            exp += [r, d]
            let (p, o) = r.multipliedReportingOverflow(by: d)
            guard !o else { throw TensorError("repeat", "repeating shape \(shapeString(shape)) by \(repeats) is too large") }
            final.append(p)
        }
        _ = try checkedCount(final, op: "repeat")
        return try src.reshape(inter).expand(exp).contiguous().reshape(final)
    }

    /// Constant padding: `widths[i]` = (before, after) for the last `widths.count` axes.
    public func pad(_ widths: [(Int, Int)], value: Double = 0) throws -> Tensor {
        guard widths.count <= rank else {
            throw TensorError("pad", "\(widths.count) padding pairs given for a tensor of rank \(rank)")
        }
        guard widths.allSatisfy({ $0.0 >= 0 && $0.1 >= 0 && $0.0 <= maxTensorElements && $0.1 <= maxTensorElements }) else {
            throw TensorError("pad", "padding widths must be in 0...\(maxTensorElements), got \(widths.map { [$0.0, $0.1] })")
        }
        let full = Array(repeating: (0, 0), count: rank - widths.count) + widths
        var shape = self.shape
        for d in 0..<rank { shape[d] += full[d].0 + full[d].1 }
        let out = try Tensor.filled(shape, value, dtype, op: "pad")
        var inner = out
        for d in 0..<rank { inner = try inner.narrow(axis: d, start: full[d].0, length: self.shape[d]) }
        try Tensor.noGrad { try copy(into: inner) }
        return out.recorded(.pad(full), [self])
    }

    /// Reverses the order of elements along the given axes.
    public func flip(_ axes: [Int]) throws -> Tensor {
        let ax = try normalizeAxes(axes, rank: rank, op: "flip")
        var st = strides, off = offset
        for a in ax where shape[a] > 0 {
            off += (shape[a] - 1) * strides[a]
            st[a] = -strides[a]
        }
        let v = view(shape, st, off)
        let out = Tensor.noGrad { v.contiguous() }
        let res = out === v ? Tensor.noGrad { v.contiguousCopy() } : out
        return res.recorded(.flip(ax), [self])
    }

    /// Always a fresh contiguous copy.
    func contiguousCopy() -> Tensor {
        let out = Tensor(uninitialized: shape, dtype: dtype)
        switch dtype {
        case .float32: copyStrided(self, storage.floats, out.fptr)
        case .int32: copyStrided(self, storage.ints, out.iptr)
        case .bool: copyStrided(self, storage.bools, out.bptr)
        }
        return out
    }
    /// A fresh copy with the same values (PyTorch's clone), differentiable.
    public func clone() -> Tensor { contiguousCopy().recorded(.asContiguous, [self]) }
}

extension Tensor {
    /// Overwrites this tensor's elements in place with `src`, broadcast to this shape and
    /// converted to this dtype. In-place writes bypass the tape, so a tensor that requires grad
    /// may only be assigned inside `Tensor.noGrad` (as optimisers do).
    public func assign(_ src: Tensor) throws {
        if requiresGrad && GradMode.isEnabled {
            throw TensorError("assign", "in-place assignment to a tensor that requires grad must run inside no_grad")
        }
        let s = try Tensor.noGrad { try src.expand(shape) }
        try Tensor.noGrad { try s.copy(into: self) }
    }
}
