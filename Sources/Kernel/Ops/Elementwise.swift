#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise ops with NumPy broadcasting. Arithmetic promotes bool < int32 < float32; division
/// is true division (float); transcendental functions work in float32.
extension Tensor {
    @inline(__always)
    func binaryArith(_ other: Tensor, op: String, prim: @autoclosure () -> Prim,
                     _ f: (Float, Float) -> Float, int: ((Int32, Int32) -> Int32)?) throws -> Tensor {
        let shape = try broadcastShapes(self.shape, other.shape, op: op)
        _ = try checkedCount(shape, op: op)
        var dt = DType.arithmetic(dtype, other.dtype)
        if int == nil { dt = .float32 }
        if dt == .float32 {
            let x = try to(.float32), y = try other.to(.float32)
            let out = Tensor(uninitialized: shape, dtype: .float32)
            binaryKernel(x, x.storage.floats, y, y.storage.floats, shape, out.fptr, f)
            return out.recorded(prim(), [self, other])
        }
        let x = try to(.int32), y = try other.to(.int32)
        let out = Tensor(uninitialized: shape, dtype: .int32)
        binaryKernel(x, x.storage.ints, y, y.storage.ints, shape, out.iptr, int!)
        return out
    }

    public func add(_ o: Tensor) throws -> Tensor { try binaryArith(o, op: "add", prim: .add, { $0 + $1 }, int: { $0 &+ $1 }) }
    public func sub(_ o: Tensor) throws -> Tensor { try binaryArith(o, op: "sub", prim: .sub, { $0 - $1 }, int: { $0 &- $1 }) }
    public func mul(_ o: Tensor) throws -> Tensor { try binaryArith(o, op: "mul", prim: .mul, { $0 * $1 }, int: { $0 &* $1 }) }
    public func div(_ o: Tensor) throws -> Tensor { try binaryArith(o, op: "div", prim: .div, { $0 / $1 }, int: nil) }
    public func pow(_ o: Tensor) throws -> Tensor {
        try binaryArith(o, op: "pow", prim: .pow, { Glibc.powf($0, $1) }, int: { a, b in
            // wrapping square-and-multiply (converting a huge Double power to Int64 traps)
            // a negative power is 1/aⁿ truncated toward zero: 0 for |a| > 1, but ±1 for a = ±1
            // (these gave 0 too), and 0⁻ⁿ = inf saturates like a float → int32 conversion
            if b < 0 {
                switch a {
                case 1: return 1
                case -1: return b & 1 == 0 ? 1 : -1
                case 0: return Int32.max
                default: return 0
                }
            }
            var r: Int32 = 1, x = a, e = b
            while e > 0 {
                if e & 1 == 1 { r = r &* x }
                x = x &* x
                e >>= 1
            }
            return r
        })
    }
    public func pow(_ e: Double) throws -> Tensor { try pow(Tensor(e)) }
    public func maximum(_ o: Tensor) throws -> Tensor {
        try binaryArith(o, op: "maximum", prim: .maximum, { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }, int: { Swift.max($0, $1) })
    }
    public func minimum(_ o: Tensor) throws -> Tensor {
        try binaryArith(o, op: "minimum", prim: .minimum, { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }, int: { Swift.min($0, $1) })
    }

    // MARK: unary

    @inline(__always)
    func unaryFloat(_ prim: @autoclosure () -> Prim, saveOutput: Bool = false, _ f: (Float) -> Float) throws -> Tensor {
        let x = try to(.float32)
        let out = Tensor(uninitialized: shape, dtype: .float32)
        unaryKernel(x, x.storage.floats, out.fptr, f)
        return out.recorded(prim(), [self], saveOutput: saveOutput)
    }

    public func neg() throws -> Tensor {
        if dtype == .float32 { return try unaryFloat(.neg) { -$0 } }
        let x = try to(.int32), out = Tensor(uninitialized: shape, dtype: .int32)
        unaryKernel(x, x.storage.ints, out.iptr) { 0 &- $0 }
        return out
    }
    public func abs() throws -> Tensor {
        if dtype == .float32 { return try unaryFloat(.abs) { Swift.abs($0) } }
        let x = try to(.int32), out = Tensor(uninitialized: shape, dtype: .int32)
        unaryKernel(x, x.storage.ints, out.iptr) { $0 == .min ? .min : Swift.abs($0) }
        return out
    }
    public func exp() throws -> Tensor { try unaryFloat(.exp, saveOutput: true) { Glibc.expf($0) } }
    public func log() throws -> Tensor { try unaryFloat(.log) { Glibc.logf($0) } }
    public func log1p() throws -> Tensor { try unaryFloat(.log1p) { Glibc.log1pf($0) } }
    public func sqrt() throws -> Tensor { try unaryFloat(.sqrt, saveOutput: true) { $0.squareRoot() } }
    public func rsqrt() throws -> Tensor { try unaryFloat(.rsqrt, saveOutput: true) { 1 / $0.squareRoot() } }
    public func sin() throws -> Tensor { try unaryFloat(.sin) { Glibc.sinf($0) } }
    public func cos() throws -> Tensor { try unaryFloat(.cos) { Glibc.cosf($0) } }
    public func tanh() throws -> Tensor { try unaryFloat(.tanh, saveOutput: true) { Glibc.tanhf($0) } }
    public func sigmoid() throws -> Tensor {
        try unaryFloat(.sigmoid, saveOutput: true) { $0 >= 0 ? 1 / (1 + Glibc.expf(-$0)) : Glibc.expf($0) / (1 + Glibc.expf($0)) }
    }
    public func relu() throws -> Tensor {
        guard dtype == .float32 else { return try unaryFloat(.relu) { $0 > 0 ? $0 : 0 } }
        // a dedicated loop: the hottest elementwise op of every CNN step
        let x = contiguous()
        let out = Tensor(uninitialized: shape, dtype: .float32)
        let (xp, op) = (x.fptr, out.fptr)
        parallelElementwise(count) { lo, hi in
            for i in lo..<hi { op[i] = xp[i] > 0 ? xp[i] : 0 }
        }
        return out.recorded(.relu, [self])
    }
    public func leakyRelu(_ slope: Float = 0.01) throws -> Tensor {
        try unaryFloat(.leakyRelu(slope)) { $0 > 0 ? $0 : $0 * slope }
    }
    /// The exact GELU, x·Φ(x).
    public func gelu() throws -> Tensor {
        try unaryFloat(.gelu) { 0.5 * $0 * (1 + Glibc.erff($0 * 0.70710678118654752)) }
    }
    /// Clamps to [min, max] (either bound may be nil).
    public func clamp(min lo: Float? = nil, max hi: Float? = nil) throws -> Tensor {
        guard lo != nil || hi != nil else { throw TensorError("clamp", "at least one of min and max must be given") }
        if let l = lo, let h = hi, l > h { throw TensorError("clamp", "min (\(l)) is greater than max (\(h))") }
        if dtype != .float32 {
            return try to(.float32).clamp(min: lo, max: hi).to(dtype == .bool ? .int32 : dtype)
        }
        return try unaryFloat(.clamp(lo, hi)) { v in
            var r = v
            if let l = lo, r < l { r = l }
            if let h = hi, r > h { r = h }
            return r
        }
    }

    // MARK: comparisons and logic (bool results, no gradient)

    @inline(__always)
    func compare(_ o: Tensor, op: String, _ f: (Float, Float) -> Bool, _ g: (Int32, Int32) -> Bool) throws -> Tensor {
        let shape = try broadcastShapes(self.shape, o.shape, op: op)
        _ = try checkedCount(shape, op: op)
        let out = Tensor(uninitialized: shape, dtype: .bool)
        if DType.promote(dtype, o.dtype) == .float32 {
            let x = try to(.float32), y = try o.to(.float32)
            binaryKernel(x, x.storage.floats, y, y.storage.floats, shape, out.bptr) { f($0, $1) ? 1 : 0 }
        } else {
            let x = try to(.int32), y = try o.to(.int32)
            binaryKernel(x, x.storage.ints, y, y.storage.ints, shape, out.bptr) { g($0, $1) ? 1 : 0 }
        }
        return out
    }
    public func eq(_ o: Tensor) throws -> Tensor { try compare(o, op: "eq", { $0 == $1 }, { $0 == $1 }) }
    public func ne(_ o: Tensor) throws -> Tensor { try compare(o, op: "ne", { $0 != $1 }, { $0 != $1 }) }
    public func lt(_ o: Tensor) throws -> Tensor { try compare(o, op: "lt", { $0 < $1 }, { $0 < $1 }) }
    public func le(_ o: Tensor) throws -> Tensor { try compare(o, op: "le", { $0 <= $1 }, { $0 <= $1 }) }
    public func gt(_ o: Tensor) throws -> Tensor { try compare(o, op: "gt", { $0 > $1 }, { $0 > $1 }) }
    public func ge(_ o: Tensor) throws -> Tensor { try compare(o, op: "ge", { $0 >= $1 }, { $0 >= $1 }) }

    func logical(_ o: Tensor, op: String, _ f: (Bool, Bool) -> Bool) throws -> Tensor {
        let shape = try broadcastShapes(self.shape, o.shape, op: op)
        let x = try to(.bool), y = try o.to(.bool)
        let out = Tensor(uninitialized: shape, dtype: .bool)
        binaryKernel(x, x.storage.bools, y, y.storage.bools, shape, out.bptr) { f($0 != 0, $1 != 0) ? 1 : 0 }
        return out
    }
    public func logicalAnd(_ o: Tensor) throws -> Tensor { try logical(o, op: "logical_and") { $0 && $1 } }
    public func logicalOr(_ o: Tensor) throws -> Tensor { try logical(o, op: "logical_or") { $0 || $1 } }
    public func logicalXor(_ o: Tensor) throws -> Tensor { try logical(o, op: "logical_xor") { $0 != $1 } }
    public func logicalNot() throws -> Tensor {
        let x = try to(.bool), out = Tensor(uninitialized: shape, dtype: .bool)
        unaryKernel(x, x.storage.bools, out.bptr) { $0 == 0 ? 1 : 0 }
        return out
    }
    public func isnan() throws -> Tensor { try ne(self) }

    /// Elementwise selection: cond ? a : b, all three broadcast together.
    public static func `where`(_ cond: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let s1 = try broadcastShapes(a.shape, b.shape, op: "where")
        let shape = try broadcastShapes(cond.shape, s1, op: "where")
        _ = try checkedCount(shape, op: "where")
        let c = try cond.to(.bool)
        let dt = DType.promote(a.dtype, b.dtype)
        let x = try a.to(dt), y = try b.to(dt)
        let out = Tensor(uninitialized: shape, dtype: dt)
        let strides = [broadcastStrides(c, to: shape), broadcastStrides(x, to: shape), broadcastStrides(y, to: shape)]
        let cp = c.storage.bools
        func run<T>(_ px: UnsafeMutablePointer<T>, _ py: UnsafeMutablePointer<T>, _ po: UnsafeMutablePointer<T>) {
            var o = 0
            iterateRows(shape, strides, [c.offset, x.offset, y.offset]) { n, p, s, q, t, r, u in
                for i in 0..<n { po[o + i] = cp[p + i * s] != 0 ? px[q + i * t] : py[r + i * u] }
                o += n
            }
        }
        switch dt {
        case .float32: run(x.storage.floats, y.storage.floats, out.fptr)
        case .int32: run(x.storage.ints, y.storage.ints, out.iptr)
        case .bool: run(x.storage.bools, y.storage.bools, out.bptr)
        }
        return out.recorded(.whereSelect(c), [a, b])
    }

    /// Replaces elements where `mask` is true by `value`.
    public func maskedFill(_ mask: Tensor, _ value: Double) throws -> Tensor {
        guard mask.dtype == .bool else { throw TensorError("masked_fill", "mask must be bool, got \(mask.dtype)") }
        guard try broadcastShapes(shape, mask.shape, op: "masked_fill") == shape else {
            throw TensorError("masked_fill", "mask of shape \(shapeString(mask.shape)) does not broadcast to \(shapeString(shape))")
        }
        let r = try Tensor.where(mask, Tensor(value, dtype: dtype), self)
        guard r.shape == shape else {
            throw TensorError("masked_fill", "mask of shape \(shapeString(mask.shape)) does not broadcast to \(shapeString(shape))")
        }
        return r
    }
}

// MARK: operators

public func + (a: Tensor, b: Tensor) throws -> Tensor { try a.add(b) }
public func - (a: Tensor, b: Tensor) throws -> Tensor { try a.sub(b) }
public func * (a: Tensor, b: Tensor) throws -> Tensor { try a.mul(b) }
public func / (a: Tensor, b: Tensor) throws -> Tensor { try a.div(b) }
public prefix func - (a: Tensor) throws -> Tensor { try a.neg() }
public func + (a: Tensor, b: Double) throws -> Tensor { try a.add(Tensor(b)) }
public func - (a: Tensor, b: Double) throws -> Tensor { try a.sub(Tensor(b)) }
public func * (a: Tensor, b: Double) throws -> Tensor { try a.mul(Tensor(b)) }
public func / (a: Tensor, b: Double) throws -> Tensor { try a.div(Tensor(b)) }
public func + (a: Double, b: Tensor) throws -> Tensor { try Tensor(a).add(b) }
public func - (a: Double, b: Tensor) throws -> Tensor { try Tensor(a).sub(b) }
public func * (a: Double, b: Tensor) throws -> Tensor { try Tensor(a).mul(b) }
public func / (a: Double, b: Tensor) throws -> Tensor { try Tensor(a).div(b) }
