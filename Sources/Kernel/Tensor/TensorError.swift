/// Every user-reachable failure in Kernel is a `TensorError`: it names the op and says what was
/// expected. Kernel never traps on user input.
public struct TensorError: Error, CustomStringConvertible, Equatable {
    public let op: String
    public let message: String
    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }
    public var description: String { "\(op): \(message)" }
}

@inline(__always)
func shapeString(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }

/// Normalises a possibly negative axis against `rank`, throwing a named error when out of range.
func normalizeAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
    let r = Swift.max(rank, 1)
    let a = axis < 0 ? axis + r : axis
    guard a >= 0 && a < r else {
        throw TensorError(op, "axis \(axis) is out of range for a tensor of rank \(rank) (expected -\(r)..<\(r))")
    }
    return a
}

/// Like `normalizeAxis`, for ops that index along the axis (slice, select, split, gather, …):
/// a 0-d tensor has no axis to index.
func normalizeDimAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
    guard rank > 0 else { throw TensorError(op, "cannot be applied to a 0-d tensor (axis \(axis))") }
    return try normalizeAxis(axis, rank: rank, op: op)
}

/// Converts to int32, saturating (NaN → 0); `Int64(_:)` traps on values beyond ±9.2e18.
@inline(__always)
func int32Saturating(_ v: Double) -> Int32 {
    if v.isNaN { return 0 }
    if v >= 2147483647 { return .max }
    if v <= -2147483648 { return .min }
    return Int32(v.rounded(.towardZero))
}

func normalizeAxes(_ axes: [Int]?, rank: Int, op: String) throws -> [Int] {
    guard let axes = axes else { return Array(0..<rank) }
    var out: [Int] = []
    for a in axes {
        let n = try normalizeAxis(a, rank: rank, op: op)
        if out.contains(n) { throw TensorError(op, "axis \(a) is repeated in \(axes)") }
        out.append(n)
    }
    // a 0-d tensor accepts axis 0 / -1 (as PyTorch) and reduces over nothing
    return rank == 0 ? [] : out.sorted()
}

/// Upper bound on the number of elements a single tensor may hold (2^34 ≈ 17 G elements), so that
/// absurd sizes fail with an error instead of an allocation trap. A host may lower it before it
/// runs anything (the `script-eval` fuzz target sets 2^20, so that no generated program can ask
/// for gigabytes); it is not meant to change while tensors are being made.
nonisolated(unsafe) public var maxTensorElements = 1 << 34

func checkedCount(_ shape: [Int], op: String) throws -> Int {
    if let i = shape.firstIndex(where: { $0 < 0 }) {
        throw TensorError(op, "negative dimension \(shape[i]) in shape \(shapeString(shape))")
    }
    // Zeros count as 1 here, as in the strides (`contiguousStrides`), so that an empty shape
    // such as [0, 2^40] cannot overflow them.
    guard let n = checkedProduct(shape, limit: maxTensorElements) else {
        throw TensorError(op, "shape \(shapeString(shape)) is too large (more than \(maxTensorElements) elements)")
    }
    return n
}
