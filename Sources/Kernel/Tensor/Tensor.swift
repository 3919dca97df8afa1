/// An n-dimensional array: a view (shape, strides, offset; all in elements) over a `Storage`.
/// Views share storage and cost nothing. A tensor that requires grad records, on the autograd
/// tape, the op that made it (`node`), so that `backward()` can run the chain rule.
public final class Tensor {
    public let storage: Storage
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int
    public let dtype: DType

    /// True for leaves the user marked and for every result computed from them with grad mode on.
    public internal(set) var requiresGrad: Bool = false
    /// The accumulated gradient of a leaf after `backward()`.
    public var grad: Tensor?
    /// Keeps the gradient of a non-leaf tensor too (PyTorch's `retain_grad`).
    public var retainsGrad = false
    var node: Node?

    init(storage: Storage, shape: [Int], strides: [Int], offset: Int, dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.dtype = dtype
    }

    /// A fresh, contiguous, uninitialised tensor. Internal: callers fill every element.
    init(uninitialized shape: [Int], dtype: DType) {
        var n = 1
        for d in shape { n *= d }
        storage = Storage(byteCount: n * dtype.size)
        self.shape = shape
        strides = Tensor.contiguousStrides(shape)
        offset = 0
        self.dtype = dtype
    }

    static func empty(_ shape: [Int], dtype: DType = .float32, op: String) throws -> Tensor {
        _ = try checkedCount(shape, op: op)
        return Tensor(uninitialized: shape, dtype: dtype)
    }

    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }
    public var isLeaf: Bool { node == nil }
    public var isScalar: Bool { shape.isEmpty }

    /// Marks a leaf as requiring a gradient (PyTorch's `requires_grad_`).
    @discardableResult
    public func requiresGrad(_ flag: Bool = true) throws -> Tensor {
        guard node == nil else {
            throw TensorError("requires_grad", "only leaf tensors can change requires_grad; use detach() first")
        }
        guard dtype == .float32 || !flag else {
            throw TensorError("requires_grad", "only float32 tensors can require grad (got \(dtype))")
        }
        requiresGrad = flag
        return self
    }

    /// The same data, cut off from the tape.
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
    }

    public func zeroGrad() { grad = nil }

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= Swift.max(shape[i], 1)
        }
        return s
    }

    /// Row-major contiguous (dimensions of size 1 may have any stride).
    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            if shape[i] != 1 && strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    // MARK: raw access (kernels only)
    @inline(__always) var fptr: UnsafeMutablePointer<Float> { storage.floats + offset }
    @inline(__always) var iptr: UnsafeMutablePointer<Int32> { storage.ints + offset }
    @inline(__always) var bptr: UnsafeMutablePointer<UInt8> { storage.bools + offset }

    /// Storage offsets of every element in row-major order.
    func elementOffsets() -> [Int] {
        var out = [Int](repeating: 0, count: count)
        if out.isEmpty { return out }
        var idx = [Int](repeating: 0, count: rank)
        var pos = offset
        for i in 0..<out.count {
            out[i] = pos
            var d = rank - 1
            while d >= 0 {
                idx[d] += 1
                pos += strides[d]
                if idx[d] < shape[d] { break }
                pos -= strides[d] * shape[d]
                idx[d] = 0
                d -= 1
            }
        }
        return out
    }

    // MARK: element values

    /// All elements as Double in row-major order (any dtype).
    public func toDoubles() -> [Double] {
        let offs = elementOffsets()
        switch dtype {
        case .float32: let p = storage.floats; return offs.map { Double(p[$0]) }
        case .int32: let p = storage.ints; return offs.map { Double(p[$0]) }
        case .bool: let p = storage.bools; return offs.map { p[$0] != 0 ? 1 : 0 }
        }
    }

    /// All elements as Float in row-major order (any dtype).
    public func toFloats() -> [Float] {
        if dtype == .float32 && isContiguous {
            return Array(UnsafeBufferPointer(start: fptr, count: count))
        }
        return toDoubles().map { Float($0) }
    }

    /// All elements as Int32 (floats truncate toward zero).
    public func toInts() -> [Int32] {
        if dtype == .int32 && isContiguous { return Array(UnsafeBufferPointer(start: iptr, count: count)) }
        return toDoubles().map { $0.isFinite ? int32Saturating($0) : 0 }
    }

    public func toBools() -> [Bool] { toDoubles().map { $0 != 0 } }

    /// The single value of a one-element tensor.
    public func item() throws -> Double {
        guard count == 1 else {
            throw TensorError("item", "expected a tensor with one element, got shape \(shapeString(shape))")
        }
        return toDoubles()[0]
    }

    /// Element at a full multi-index (negative indices count from the end).
    public func value(at index: [Int]) throws -> Double {
        guard index.count == rank else {
            throw TensorError("index", "expected \(rank) indices for shape \(shapeString(shape)), got \(index.count)")
        }
        var pos = offset
        for (d, i) in index.enumerated() {
            let j = i < 0 ? i + shape[d] : i
            guard j >= 0 && j < shape[d] else {
                throw TensorError("index", "index \(i) is out of range for axis \(d) of size \(shape[d])")
            }
            pos += j * strides[d]
        }
        switch dtype {
        case .float32: return Double(storage.floats[pos])
        case .int32: return Double(storage.ints[pos])
        case .bool: return storage.bools[pos] != 0 ? 1 : 0
        }
    }
}
