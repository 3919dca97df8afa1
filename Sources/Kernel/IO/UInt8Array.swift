/// An n-dimensional array of bytes (images and labels as files store them). Datasets keep images
/// in this form (one byte per pixel) and convert to float tensors on access.
public struct UInt8Array: Sendable, Equatable {
    public let shape: [Int]
    public let values: [UInt8]

    public init(shape: [Int], values: [UInt8]) throws {
        guard let n = checkedProduct(shape), n == values.count else {
            throw TensorError("uint8_array", "shape \(shapeString(shape)) does not hold \(values.count) values")
        }
        self.shape = shape
        self.values = values
    }

    init(unchecked shape: [Int], values: [UInt8]) {
        self.shape = shape
        self.values = values
    }

    public var count: Int { values.count }

    /// The values as a tensor: int32 by default, or float32 multiplied by `scale`
    /// (`scale: 1.0 / 255` gives 0...1 pixels).
    public func tensor(scale: Float? = nil) throws -> Tensor {
        try Tensor.fromBytes(values, shape: shape, scale: scale)
    }
}

extension Tensor {
    /// A tensor from bytes: int32 values, or float32 values times `scale` when a scale is given.
    public static func fromBytes(_ bytes: [UInt8], shape: [Int], scale: Float? = nil) throws -> Tensor {
        let n = try checkedCount(shape, op: "from_bytes")
        guard n == bytes.count else {
            throw TensorError("from_bytes", "shape \(shapeString(shape)) needs \(n) values, got \(bytes.count)")
        }
        if let s = scale {
            let t = Tensor(uninitialized: shape, dtype: .float32)
            let p = t.fptr
            bytes.withUnsafeBufferPointer { b in for i in 0..<n { p[i] = Float(b[i]) * s } }
            return t
        }
        let t = Tensor(uninitialized: shape, dtype: .int32)
        let p = t.iptr
        bytes.withUnsafeBufferPointer { b in for i in 0..<n { p[i] = Int32(b[i]) } }
        return t
    }
}
