/// A nested array literal (from the language or from Swift) to build tensors from.
public indirect enum NestedArray: Sendable {
    /// A number; whole numbers allow int32 inference.
    case scalar(Double)
    /// A number written as floating point (a script's `1.0`): the tensor is float32.
    case float(Double)
    case bool(Bool)
    case list([NestedArray])
}

extension Tensor {
    // MARK: filled tensors

    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32) throws -> Tensor {
        try filled(shape, value, dtype, op: "full")
    }
    static func filled(_ shape: [Int], _ value: Double, _ dtype: DType, op: String) throws -> Tensor {
        let t = try Tensor.empty(shape, dtype: dtype, op: op)
        t.fill(value)
        return t
    }
    public static func zeros(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        try filled(shape, 0, dtype, op: "zeros")
    }
    /// Internal non-throwing variants for shapes already known to be valid.
    static func zeros(valid shape: [Int], dtype: DType = .float32) -> Tensor {
        let t = Tensor(uninitialized: shape, dtype: dtype)
        t.fill(0)
        return t
    }
    static func ones(_ shape: [Int]) -> Tensor {
        let t = Tensor(uninitialized: shape, dtype: .float32)
        t.fill(1)
        return t
    }
    public static func ones(_ shape: [Int], dtype: DType) throws -> Tensor { try filled(shape, 1, dtype, op: "ones") }
    public static func zerosLike(_ t: Tensor) -> Tensor { zeros(valid: t.shape, dtype: t.dtype) }
    public static func onesLike(_ t: Tensor) -> Tensor {
        let o = Tensor(uninitialized: t.shape, dtype: t.dtype)
        o.fill(1)
        return o
    }

    /// A 0-d tensor.
    public convenience init(_ value: Double, dtype: DType = .float32) {
        self.init(uninitialized: [], dtype: dtype)
        fill(value)
    }

    /// Fills a contiguous tensor that this module owns.
    func fill(_ value: Double) {
        let n = count
        switch dtype {
        case .float32: fptr.update(repeating: Float(value), count: n)
        case .int32: iptr.update(repeating: value.isFinite ? int32Saturating(value) : 0, count: n)
        case .bool: bptr.update(repeating: value != 0 ? 1 : 0, count: n)
        }
    }

    // MARK: from Swift arrays

    public convenience init(_ values: [Float], shape: [Int]) throws {
        let n = try checkedCount(shape, op: "tensor")
        guard n == values.count else {
            throw TensorError("tensor", "\(values.count) values do not fill shape \(shapeString(shape)) (\(n) elements)")
        }
        self.init(uninitialized: shape, dtype: .float32)
        values.withUnsafeBufferPointer { fptr.update(from: $0.baseAddress!, count: n) }
    }
    public convenience init(_ values: [Float]) { try! self.init(values, shape: [values.count]) }
    public convenience init(_ rows: [[Float]]) throws {
        let cols = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == cols }) else { throw TensorError("tensor", "rows have different lengths") }
        try self.init(rows.flatMap { $0 }, shape: [rows.count, cols])
    }
    public convenience init(ints values: [Int32], shape: [Int]) throws {
        let n = try checkedCount(shape, op: "tensor")
        guard n == values.count else {
            throw TensorError("tensor", "\(values.count) values do not fill shape \(shapeString(shape)) (\(n) elements)")
        }
        self.init(uninitialized: shape, dtype: .int32)
        values.withUnsafeBufferPointer { iptr.update(from: $0.baseAddress!, count: n) }
    }
    public convenience init(ints values: [Int]) {
        try! self.init(ints: values.map { Int32(truncatingIfNeeded: $0) }, shape: [values.count])
    }
    public convenience init(bools values: [Bool], shape: [Int]) throws {
        let n = try checkedCount(shape, op: "tensor")
        guard n == values.count else {
            throw TensorError("tensor", "\(values.count) values do not fill shape \(shapeString(shape)) (\(n) elements)")
        }
        self.init(uninitialized: shape, dtype: .bool)
        for i in 0..<n { bptr[i] = values[i] ? 1 : 0 }
    }
    /// From doubles, converted to `dtype`.
    public static func fromDoubles(_ values: [Double], shape: [Int], dtype: DType = .float32) throws -> Tensor {
        let n = try checkedCount(shape, op: "tensor")
        guard n == values.count else {
            throw TensorError("tensor", "\(values.count) values do not fill shape \(shapeString(shape)) (\(n) elements)")
        }
        let t = Tensor(uninitialized: shape, dtype: dtype)
        switch dtype {
        case .float32: for i in 0..<n { t.fptr[i] = Float(values[i]) }
        case .int32: for i in 0..<n { t.iptr[i] = values[i].isFinite ? int32Saturating(values[i]) : 0 }
        case .bool: for i in 0..<n { t.bptr[i] = values[i] != 0 ? 1 : 0 }
        }
        return t
    }

    /// From a nested array; the shape is inferred and must be rectangular. The dtype is inferred
    /// (bool if all leaves are bools, int32 if all are integral and `dtype` is nil, else float32).
    public static func fromNested(_ nested: NestedArray, dtype: DType? = nil) throws -> Tensor {
        var shape: [Int] = []
        var cur = nested
        while case .list(let items) = cur {
            shape.append(items.count)
            guard let f = items.first else { break }
            cur = f
        }
        var values: [Double] = []
        var allBool = true, allInt = true
        func walk(_ n: NestedArray, _ depth: Int, _ path: [Int]) throws {
            switch n {
            case .list(let items):
                guard depth < shape.count, items.count == shape[depth] else {
                    throw TensorError("tensor", "ragged nested list at \(path): expected \(depth < shape.count ? "\(shape[depth]) items" : "a number"), got a list of \(items.count)")
                }
                for (i, it) in items.enumerated() { try walk(it, depth + 1, path + [i]) }
            case .float(let v):
                guard depth == shape.count else {
                    throw TensorError("tensor", "ragged nested list at \(path): expected a list of \(shape[depth]), got a number")
                }
                allBool = false
                allInt = false
                values.append(v)
            case .scalar(let v):
                guard depth == shape.count else {
                    throw TensorError("tensor", "ragged nested list at \(path): expected a list of \(shape[depth]), got a number")
                }
                allBool = false
                if v != v.rounded() || !v.isFinite || Swift.abs(v) > 2147483647 { allInt = false }
                values.append(v)
            case .bool(let b):
                guard depth == shape.count else {
                    throw TensorError("tensor", "ragged nested list at \(path): expected a list of \(shape[depth]), got a bool")
                }
                values.append(b ? 1 : 0)
            }
        }
        try walk(nested, 0, [])
        let dt = dtype ?? (values.isEmpty ? .float32 : allBool ? .bool : allInt ? .int32 : .float32)
        return try fromDoubles(values, shape: shape, dtype: dt)
    }

    // MARK: ranges

    /// Values start, start+step, … below end (int32 when all three are integral, unless dtype given).
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType? = nil) throws -> Tensor {
        guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
            throw TensorError("arange", "step must be finite and non-zero, bounds finite (got start \(start), end \(end), step \(step))")
        }
        let steps = ((end - start) / step).rounded(.up)
        guard steps <= Double(maxTensorElements) else {
            throw TensorError("arange", "range \(start)..<\(end) with step \(step) has too many elements (more than \(maxTensorElements))")
        }
        let n = Swift.max(0, Int(steps))
        let dt = dtype ?? ((start == start.rounded() && step == step.rounded()) ? .int32 : .float32)
        let t = try Tensor.empty([n], dtype: dt, op: "arange")
        for i in 0..<n {
            let v = start + Double(i) * step
            switch dt {
            case .float32: t.fptr[i] = Float(v)
            case .int32: t.iptr[i] = int32Saturating(v)
            case .bool: t.bptr[i] = v != 0 ? 1 : 0
            }
        }
        return t
    }

    public static func linspace(_ start: Double, _ end: Double, count n: Int) throws -> Tensor {
        guard n >= 0 else { throw TensorError("linspace", "count must be ≥ 0, got \(n)") }
        let t = try Tensor.empty([n], op: "linspace")
        for i in 0..<n {
            t.fptr[i] = n == 1 ? Float(start) : Float(start + (end - start) * Double(i) / Double(n - 1))
        }
        return t
    }

    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) throws -> Tensor {
        let t = try Tensor.zeros([n, m ?? n], dtype: dtype)
        for i in 0..<Swift.min(n, m ?? n) {
            switch dtype {
            case .float32: t.fptr[i * (m ?? n) + i] = 1
            case .int32: t.iptr[i * (m ?? n) + i] = 1
            case .bool: t.bptr[i * (m ?? n) + i] = 1
            }
        }
        return t
    }

    // MARK: random (all through RNG; the global generator when none is given)

    public static func rand(_ shape: [Int], low: Float = 0, high: Float = 1, rng: RNG? = nil) throws -> Tensor {
        let t = try Tensor.empty(shape, op: "rand")
        (rng ?? RNG.global).fillUniform(t.fptr, t.count, low: low, high: high)
        return t
    }
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: RNG? = nil) throws -> Tensor {
        let t = try Tensor.empty(shape, op: "randn")
        (rng ?? RNG.global).fillNormal(t.fptr, t.count, mean: mean, std: std)
        return t
    }
    /// Integers uniform in low..<high (int32).
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], rng: RNG? = nil) throws -> Tensor {
        guard high > low else { throw TensorError("randint", "high (\(high)) must be greater than low (\(low))") }
        guard low >= Int(Int32.min), high - 1 <= Int(Int32.max) else {
            throw TensorError("randint", "range \(low)..<\(high) does not fit int32")
        }
        let t = try Tensor.empty(shape, dtype: .int32, op: "randint")
        let g = rng ?? RNG.global
        for i in 0..<t.count { t.iptr[i] = Int32(low + g.nextInt(below: high - low)) }
        return t
    }
    /// A random permutation of 0..<n (int32), by Fisher–Yates.
    public static func randperm(_ n: Int, rng: RNG? = nil) throws -> Tensor {
        guard n >= 0, n <= Int(Int32.max) else { throw TensorError("randperm", "n must be in 0...\(Int32.max), got \(n)") }
        let t = try Tensor.empty([n], dtype: .int32, op: "randperm")
        for i in 0..<n { t.iptr[i] = Int32(i) }
        let g = rng ?? RNG.global
        var i = n - 1
        while i > 0 {
            let j = g.nextInt(below: i + 1)
            let tmp = t.iptr[i]; t.iptr[i] = t.iptr[j]; t.iptr[j] = tmp
            i -= 1
        }
        return t
    }

    // MARK: conversions

    /// A copy converted to `dtype` (self when it already has it). Floats truncate toward zero on
    /// the way to int32; nonzero becomes true.
    public func to(_ dt: DType) throws -> Tensor {
        if dt == dtype { return self }
        let out = Tensor(uninitialized: shape, dtype: dt)
        switch (dtype, dt) {
        case (.float32, .int32):
            unaryKernel(self, storage.floats, out.iptr) { $0.isFinite ? int32Saturating(Double($0)) : 0 }
        case (.float32, .bool): unaryKernel(self, storage.floats, out.bptr) { $0 != 0 ? 1 : 0 }
        case (.int32, .float32): unaryKernel(self, storage.ints, out.fptr) { Float($0) }
        case (.int32, .bool): unaryKernel(self, storage.ints, out.bptr) { $0 != 0 ? 1 : 0 }
        case (.bool, .float32): unaryKernel(self, storage.bools, out.fptr) { Float($0) }
        case (.bool, .int32): unaryKernel(self, storage.bools, out.iptr) { Int32($0) }
        default: break
        }
        return out
    }
    public func float() throws -> Tensor { try to(.float32) }
}
