import Kernel

/// Tensors in the language: `TensorObject` wraps a Kernel `Tensor` with members, operators and
/// indexing; one table of ops (`tensorOps`) is registered both as methods (`x.sum(axis=1)`) and
/// as functions of the `tensor` module (`tensor.sum(x, axis=1)`), with common ones also global.

public final class TensorObject: OperatorProvider {
    public let tensor: Tensor
    public init(_ t: Tensor) { tensor = t }
    public var typeName: String { "tensor" }

    public var memberNames: [String] { TensorObject.properties + tensorOps.map { $0.name } }
    static let properties = ["shape", "dtype", "ndim", "numel", "requires_grad", "grad", "is_leaf", "T"]

    public func member(_ name: String) throws -> Value? {
        switch name {
        case "shape": return .list(ScriptList(tensor.shape.map { .int($0) }))
        case "dtype": return .string(tensor.dtype.rawValue)
        case "ndim": return .int(tensor.rank)
        case "numel": return .int(tensor.count)
        case "requires_grad": return .bool(tensor.requiresGrad)
        case "grad": return tensor.grad.map { .object(TensorObject($0)) } ?? .null
        case "is_leaf": return .bool(tensor.isLeaf)
        case "T": return wrap(try tensor.rank < 2 ? tensor : tensor.permute(Array((0..<tensor.rank).reversed())))
        default: break
        }
        guard let op = tensorOpIndex[name] else { return nil }
        let t = tensor
        return .native(NativeFunction(name: name, signature: op.signature, doc: op.doc) { args in
            try op.body(t, ArgView(args: args, offset: 0))
        })
    }

    public func setMember(_ name: String, to value: Value) throws -> Bool {
        switch name {
        case "requires_grad":
            guard case .bool(let b) = value else { throw ScriptError("requires_grad must be a bool, got \(value.typeName)") }
            try tensor.requiresGrad(b)
            return true
        case "grad":
            if value.isNull { tensor.zeroGrad(); return true }
            // same shape and dtype as the tensor (optimisers read .grad element by element), and
            // a copy, so that later accumulation never writes into the caller's tensor
            let g = try toTensor(value, what: "grad", dtype: tensor.dtype)
            guard g.shape == tensor.shape else {
                throw ScriptError("grad must have the shape of the tensor, \(tensor.shape), got \(g.shape)")
            }
            tensor.grad = g.detach().clone()
            return true
        default: return false
        }
    }

    public func makeIterator() throws -> AnyIterator<Value>? {
        guard tensor.rank > 0 else { throw ScriptError("cannot iterate over a 0-d tensor") }
        let t = tensor
        var i = 0
        return AnyIterator {
            guard i < t.shape[0] else { return nil }
            defer { i += 1 }
            return (try? t.select(axis: 0, index: i)).map(wrap)
        }
    }
    public var length: Int? { tensor.shape.first }
    public var scriptDescription: String { tensor.description }
    public func truthValue() throws -> Bool? {
        guard tensor.count == 1 else {
            throw ScriptError("the truth value of a tensor with \(tensor.count) elements is ambiguous; use .any() or .all()")
        }
        return try tensor.item() != 0
    }

    // MARK: operators

    public func binary(_ op: BinaryOperator, _ other: Value, reversed: Bool) throws -> Value? {
        guard let o = try? operand(other, like: tensor) else { return nil }
        let (a, b) = reversed ? (o, tensor) : (tensor, o)
        switch op {
        case .add: return wrap(try a + b)
        case .sub: return wrap(try a - b)
        case .mul: return wrap(try a * b)
        case .div: return wrap(try a / b)
        case .pow: return wrap(try a.pow(b))
        case .matmul: return wrap(try a.matmul(b))
        case .eq: return wrap(try a.eq(b))
        case .ne: return wrap(try a.ne(b))
        case .lt: return wrap(try a.lt(b))
        case .le: return wrap(try a.le(b))
        case .gt: return wrap(try a.gt(b))
        case .ge: return wrap(try a.ge(b))
        case .floorDiv, .mod, .contains: return nil
        }
    }
    public func unary(_ op: UnaryOperator) throws -> Value? {
        switch op {
        case .neg: return wrap(try tensor.neg())
        case .not: return wrap(try tensor.logicalNot())
        }
    }

    public func index(_ components: [IndexComponent]) throws -> Value? {
        wrap(try applyIndex(tensor, components))
    }

    public func setIndex(_ components: [IndexComponent], to value: Value) throws -> Bool {
        if components.count == 1, case .value(.object(let o)) = components[0], let m = o as? TensorObject, m.tensor.dtype == .bool {
            let v = try operand(value, like: tensor)
            let filled = try Tensor.noGrad { try Tensor.where(m.tensor, v, tensor) }
            try Tensor.noGrad { try tensor.assign(filled) }
            return true
        }
        let view = try applyIndex(tensor, components, forWriting: true)
        try Tensor.noGrad { try view.assign(try operand(value, like: tensor)) }
        return true
    }
}

@inline(__always) func wrap(_ t: Tensor) -> Value { .object(TensorObject(t)) }

extension Value {
    var isTensorObject: Bool { if case .object(let o) = self { return o is TensorObject }; return false }
}

/// A value as a tensor operand: tensors as they are, numbers as 0-d tensors (ints stay int32
/// next to int tensors), bools as bool, nested lists via `tensor(...)` rules.
func operand(_ v: Value, like t: Tensor) throws -> Tensor {
    switch v {
    case .int(let i) where t.dtype != .float32: return Tensor(Double(i), dtype: .int32)
    case .int(let i): return Tensor(Double(i))
    case .float(let d): return Tensor(d)
    case .bool(let b): return Tensor(b ? 1 : 0, dtype: .bool)
    default: return try toTensor(v, what: "operand")
    }
}

/// Converts a value to a tensor: a tensor object, a number, a bool or a (nested) list.
public func toTensor(_ v: Value, what: String, dtype: DType? = nil) throws -> Tensor {
    switch v {
    case .object(let o):
        if let t = o as? TensorObject { return try dtype.map { d in try t.tensor.to(d) } ?? t.tensor }
    case .int(let i): return Tensor(Double(i), dtype: dtype ?? .int32)
    case .float(let d): return Tensor(d, dtype: dtype ?? .float32)
    case .bool(let b): return Tensor(b ? 1 : 0, dtype: dtype ?? .bool)
    case .list, .range: return try Tensor.fromNested(try nested(v), dtype: dtype)
    default: break
    }
    throw ScriptError("expected a tensor, number or list for \(what), got \(v.typeName)")
}

func nested(_ v: Value) throws -> NestedArray {
    switch v {
    case .int(let i): return .scalar(Double(i))
    case .float(let d): return .float(d)
    case .bool(let b): return .bool(b)
    case .list(let l): return .list(try l.items.map(nested))
    case .range(let r): return .list((0..<r.count).map { .scalar(Double(r.element($0))) })
    case .object(let o) where o is TensorObject:
        let t = (o as! TensorObject).tensor
        return try nested(tensorToValue(t))
    default: throw ScriptError("tensor data must be numbers, bools or lists, got \(v.typeName)")
    }
}

/// A tensor as nested lists of numbers (`tolist()`).
func tensorToValue(_ t: Tensor) -> Value {
    let vals = t.toDoubles()
    func scalar(_ d: Double) -> Value {
        switch t.dtype {
        case .float32: return .float(d)
        case .int32: return .int(Int(d))
        case .bool: return .bool(d != 0)
        }
    }
    if t.rank == 0 { return scalar(vals[0]) }
    var pos = 0
    func build(_ d: Int) -> Value {
        if d == t.rank - 1 {
            let items = (0..<t.shape[d]).map { _ -> Value in defer { pos += 1 }; return scalar(vals[pos]) }
            return .list(ScriptList(items))
        }
        return .list(ScriptList((0..<t.shape[d]).map { _ in build(d + 1) }))
    }
    return build(0)
}

/// NumPy-style indexing: ints select (dropping the axis), slices keep it, `...` skips axes,
/// nil inserts a new axis, an int tensor or list picks rows (index_select), and a bool tensor
/// as the only component selects elements (masked_select).
func applyIndex(_ t: Tensor, _ comps: [IndexComponent], forWriting: Bool = false) throws -> Tensor {
    if comps.count == 1, case .value(.object(let o)) = comps[0], let m = o as? TensorObject, m.tensor.dtype == .bool {
        if forWriting { throw ScriptError("internal: masked assignment is handled separately") }
        return try t.maskedSelect(m.tensor)
    }
    let consumed = comps.filter {
        if case .ellipsis = $0 { return false }
        if case .value(.null) = $0 { return false }
        return true
    }.count
    guard consumed <= t.rank else {
        throw ScriptError("too many indices for a tensor of rank \(t.rank): \(consumed) given")
    }
    var x = t
    var axis = 0
    var sawEllipsis = false
    for c in comps {
        switch c {
        case .ellipsis:
            guard !sawEllipsis else { throw ScriptError("an index can only have one '...'") }
            sawEllipsis = true
            axis += t.rank - consumed
        case .slice(let start, let stop, let step):
            x = try x.slice(axis: axis, start: start, end: stop, step: step ?? 1)
            axis += 1
        case .value(let v):
            switch v {
            case .null:
                x = try x.unsqueeze(axis)
                axis += 1
            case .int(let i):
                x = try x.select(axis: axis, index: i)
            case .float(let d) where d == d.rounded() && abs(d) < 9.2e18:
                x = try x.select(axis: axis, index: Int(d))
            case .list, .range, .object:
                if forWriting { throw ScriptError("assignment through an index list is not supported; use ints and slices, or a bool mask") }
                let idx = try toTensor(v, what: "index")
                guard idx.dtype == .int32, idx.rank <= 1 else {
                    throw ScriptError("an index tensor must be int32 and 1-D (or a bool mask as the only index), got \(idx.dtype) of shape \(idx.shape)")
                }
                x = try x.indexSelect(axis: axis, index: idx.rank == 0 ? idx.reshape([1]) : idx)
                axis += 1
            default:
                throw ScriptError("invalid index of type \(v.typeName) (expected int, slice, '...', nil, int list or tensor)")
            }
        }
    }
    return x
}

// MARK: argument access with an offset (methods: 0; module functions: 1 for `x`)

struct ArgView {
    var args: Arguments
    let offset: Int
    subscript(_ i: Int) -> Value { args[offset + i] }
    func isNull(_ i: Int) -> Bool { args.isNull(offset + i) }
    func int(_ i: Int) throws -> Int { try args.int(offset + i) }
    func double(_ i: Int) throws -> Double { try args.double(offset + i) }
    func bool(_ i: Int) throws -> Bool { try args.bool(offset + i) }
    func string(_ i: Int) throws -> String { try args.string(offset + i) }
    func optInt(_ i: Int) throws -> Int? { isNull(i) ? nil : try int(i) }
    func optFloat(_ i: Int) throws -> Float? { isNull(i) ? nil : Float(try double(i)) }
    func tensor(_ i: Int, like t: Tensor? = nil) throws -> Tensor {
        do {
            if let t = t { return try operand(self[i], like: t) }
            return try toTensor(self[i], what: "argument")
        } catch is ScriptError {
            throw args.argumentError(offset + i, expected: "tensor", got: self[i])
        }
    }
    /// An int or a list of ints (axes); nil when absent.
    func axes(_ i: Int) throws -> [Int]? {
        switch self[i] {
        case .null: return nil
        case .int(let a): return [a]
        case .list(let l): return try l.items.map { v -> Int in
            guard case .int(let a) = v else { throw args.argumentError(offset + i, expected: "int or list of ints", got: self[i]) }
            return a
        }
        default: throw args.argumentError(offset + i, expected: "int or list of ints", got: self[i])
        }
    }
    /// A shape from `...rest` (either `f(2, 3)` or `f([2, 3])`).
    func shape(_ values: [Value], name: String) throws -> [Int] {
        let vs: [Value]
        if values.count == 1, case .list(let l) = values[0] { vs = l.items } else { vs = values }
        return try vs.map { v -> Int in
            switch v {
            case .int(let d): return d
            case .float(let d) where d == d.rounded() && abs(d) < 9.2e18: return Int(d)
            default: throw ScriptError("bad argument to '\(name)' (expected a shape of ints, got \(v.typeName))")
            }
        }
    }
    func dtype(_ i: Int) throws -> DType? {
        if isNull(i) { return nil }
        let s = try string(i)
        switch s {
        case "float32", "float": return .float32
        case "int32", "int": return .int32
        case "bool": return .bool
        default: throw args.argumentError(offset + i, "unknown dtype '\(s)' (expected float32, int32 or bool)")
        }
    }
}

func record(_ pairs: [(String, Value)]) -> Value { .dict(ScriptDict(pairs)) }

// MARK: the op table

struct TensorOp {
    let name: String
    /// Parameters after the tensor itself.
    let params: String
    let doc: String
    let body: (Tensor, ArgView) throws -> Value
    /// Parsed once: methods are looked up on every call (`loss.backward()` in a training loop).
    let signature: Signature
    init(_ name: String, _ params: String, _ doc: String, _ body: @escaping (Tensor, ArgView) throws -> Value) {
        self.name = name
        self.params = params
        self.signature = Signature(parsing: params)
        self.doc = doc
        self.body = body
    }
}

private func unaryOp(_ name: String, _ doc: String, _ f: @escaping (Tensor) throws -> Tensor) -> TensorOp {
    TensorOp(name, "", doc) { t, _ in wrap(try f(t)) }
}
private func binaryOp(_ name: String, _ doc: String, _ f: @escaping (Tensor, Tensor) throws -> Tensor) -> TensorOp {
    TensorOp(name, "other", doc) { t, a in wrap(try f(t, try a.tensor(0, like: t))) }
}
private func reduceOp(_ name: String, _ doc: String, _ f: @escaping (Tensor, [Int]?, Bool) throws -> Tensor) -> TensorOp {
    TensorOp(name, "axis = nil, keepdim: bool = false", doc) { t, a in wrap(try f(t, try a.axes(0), try a.bool(1))) }
}

let tensorOps: [TensorOp] = [
    // elementwise
    unaryOp("neg", "−x.") { try $0.neg() },
    unaryOp("abs", "|x|.") { try $0.abs() },
    unaryOp("exp", "eˣ.") { try $0.exp() },
    unaryOp("log", "Natural logarithm.") { try $0.log() },
    unaryOp("log1p", "log(1 + x), accurate near 0.") { try $0.log1p() },
    unaryOp("sqrt", "Square root.") { try $0.sqrt() },
    unaryOp("rsqrt", "1/√x.") { try $0.rsqrt() },
    unaryOp("sin", "Sine.") { try $0.sin() },
    unaryOp("cos", "Cosine.") { try $0.cos() },
    unaryOp("tanh", "Hyperbolic tangent.") { try $0.tanh() },
    unaryOp("sigmoid", "1/(1 + e⁻ˣ).") { try $0.sigmoid() },
    unaryOp("relu", "max(x, 0).") { try $0.relu() },
    unaryOp("gelu", "The exact GELU, x·Φ(x).") { try $0.gelu() },
    TensorOp("leaky_relu", "slope: float = 0.01", "x if x > 0 else slope·x.") { t, a in wrap(try t.leakyRelu(Float(try a.double(0)))) },
    TensorOp("clamp", "min: float? = nil, max: float? = nil", "Clamps to [min, max] (either bound may be nil).") { t, a in
        wrap(try t.clamp(min: try a.optFloat(0), max: try a.optFloat(1)))
    },
    unaryOp("logical_not", "Elementwise not (bool result).") { try $0.logicalNot() },
    unaryOp("isnan", "True where NaN.") { try $0.isnan() },
    binaryOp("add", "x + other (broadcasting).") { try $0 + $1 },
    binaryOp("sub", "x − other (broadcasting).") { try $0 - $1 },
    binaryOp("mul", "x · other (broadcasting).") { try $0 * $1 },
    binaryOp("div", "x / other (true division, broadcasting).") { try $0 / $1 },
    binaryOp("pow", "xᵒᵗʰᵉʳ (broadcasting).") { try $0.pow($1) },
    binaryOp("maximum", "Elementwise max (broadcasting).") { try $0.maximum($1) },
    binaryOp("minimum", "Elementwise min (broadcasting).") { try $0.minimum($1) },
    binaryOp("eq", "x == other (bool).") { try $0.eq($1) },
    binaryOp("ne", "x != other (bool).") { try $0.ne($1) },
    binaryOp("lt", "x < other (bool).") { try $0.lt($1) },
    binaryOp("le", "x <= other (bool).") { try $0.le($1) },
    binaryOp("gt", "x > other (bool).") { try $0.gt($1) },
    binaryOp("ge", "x >= other (bool).") { try $0.ge($1) },
    binaryOp("logical_and", "Elementwise and (bool).") { try $0.logicalAnd($1) },
    binaryOp("logical_or", "Elementwise or (bool).") { try $0.logicalOr($1) },
    binaryOp("logical_xor", "Elementwise xor (bool).") { try $0.logicalXor($1) },
    binaryOp("matmul", "Matrix product (NumPy semantics: batched, broadcasting; also the @ operator).") { try $0.matmul($1) },
    binaryOp("outer", "Outer product of two vectors.") { try $0.outer($1) },
    // reductions
    reduceOp("sum", "Sum over axes (all by default).") { try $0.sum(axes: $1, keepdim: $2) },
    reduceOp("mean", "Mean over axes (all by default).") { try $0.mean(axes: $1, keepdim: $2) },
    TensorOp("var", "axis = nil, correction: int = 1, keepdim: bool = false", "Variance (correction 1: unbiased).") { t, a in
        wrap(try t.variance(axes: try a.axes(0), correction: try a.int(1), keepdim: try a.bool(2)))
    },
    // `var` is a keyword, so `x.var()` cannot be written: the same op as `variance`.
    TensorOp("variance", "axis = nil, correction: int = 1, keepdim: bool = false", "Variance (correction 1: unbiased).") { t, a in
        wrap(try t.variance(axes: try a.axes(0), correction: try a.int(1), keepdim: try a.bool(2)))
    },
    TensorOp("std", "axis = nil, correction: int = 1, keepdim: bool = false", "Standard deviation.") { t, a in
        wrap(try t.std(axes: try a.axes(0), correction: try a.int(1), keepdim: try a.bool(2)))
    },
    TensorOp("prod", "axis: int? = nil, keepdim: bool = false", "Product along an axis (all elements by default).") { t, a in
        wrap(try t.prod(axis: try a.optInt(0), keepdim: try a.bool(1)))
    },
    reduceOp("amax", "Max over axes (values only).") { try $0.amax(axes: $1, keepdim: $2) },
    reduceOp("amin", "Min over axes (values only).") { try $0.amin(axes: $1, keepdim: $2) },
    TensorOp("max", "axis: int? = nil, keepdim: bool = false", "Max of all elements, or {values, indices} along an axis.") { t, a in
        guard let ax = try a.optInt(0) else { return wrap(try t.amax()) }
        let r = try t.max(axis: ax, keepdim: try a.bool(1))
        return record([("values", wrap(r.values)), ("indices", wrap(r.indices))])
    },
    TensorOp("min", "axis: int? = nil, keepdim: bool = false", "Min of all elements, or {values, indices} along an axis.") { t, a in
        guard let ax = try a.optInt(0) else { return wrap(try t.amin()) }
        let r = try t.min(axis: ax, keepdim: try a.bool(1))
        return record([("values", wrap(r.values)), ("indices", wrap(r.indices))])
    },
    TensorOp("argmax", "axis: int? = nil, keepdim: bool = false", "Index of the max (over the flattened tensor when axis is nil).") { t, a in
        guard let ax = try a.optInt(0) else { return wrap(try t.argmax()) }
        return wrap(try t.argmax(axis: ax, keepdim: try a.bool(1)))
    },
    TensorOp("argmin", "axis: int? = nil, keepdim: bool = false", "Index of the min.") { t, a in
        guard let ax = try a.optInt(0) else { return wrap(try t.argmin()) }
        return wrap(try t.argmin(axis: ax, keepdim: try a.bool(1)))
    },
    reduceOp("logsumexp", "log Σ exp over axes, computed stably.") { try $0.logsumexp(axes: $1, keepdim: $2) },
    reduceOp("any", "True if any element is nonzero.") { try $0.any(axes: $1, keepdim: $2) },
    reduceOp("all", "True if every element is nonzero.") { try $0.all(axes: $1, keepdim: $2) },
    TensorOp("norm", "p: float = 2, axis = nil, keepdim: bool = false", "p-norm over axes.") { t, a in
        wrap(try t.norm(p: try a.double(0), axes: try a.axes(1), keepdim: try a.bool(2)))
    },
    TensorOp("softmax", "axis: int = -1", "Softmax along an axis.") { t, a in wrap(try t.softmax(axis: try a.int(0))) },
    TensorOp("log_softmax", "axis: int = -1", "Log-softmax along an axis.") { t, a in wrap(try t.logSoftmax(axis: try a.int(0))) },
    TensorOp("cumsum", "axis: int", "Cumulative sum along an axis.") { t, a in wrap(try t.cumsum(axis: try a.int(0))) },
    // shape
    TensorOp("reshape", "...shape", "Same elements, new shape (one dimension may be -1).") { t, a in
        wrap(try t.reshape(try a.shape(a.args.rest, name: "reshape")))
    },
    TensorOp("view", "...shape", "Alias of reshape.") { t, a in wrap(try t.reshape(try a.shape(a.args.rest, name: "view"))) },
    TensorOp("flatten", "start: int = 0, end: int = -1", "Merges axes start…end into one.") { t, a in
        wrap(try t.flatten(startAxis: try a.int(0), endAxis: try a.int(1)))
    },
    TensorOp("permute", "...dims", "Reorders axes.") { t, a in wrap(try t.permute(try a.shape(a.args.rest, name: "permute"))) },
    TensorOp("transpose", "a: int = -2, b: int = -1", "Swaps two axes.") { t, a in wrap(try t.transpose(try a.int(0), try a.int(1))) },
    unaryOp("t", "Transpose of a matrix.") { try $0.transpose() },
    TensorOp("squeeze", "axis = nil", "Removes axes of size 1.") { t, a in wrap(try t.squeeze(try a.axes(0))) },
    TensorOp("unsqueeze", "axis: int", "Inserts an axis of size 1.") { t, a in wrap(try t.unsqueeze(try a.int(0))) },
    TensorOp("expand", "...shape", "Broadcasts size-1 axes without copying (-1 keeps a size).") { t, a in
        wrap(try t.expand(try a.shape(a.args.rest, name: "expand")))
    },
    unaryOp("contiguous", "A contiguous copy (or the tensor itself).") { $0.contiguous() },
    unaryOp("clone", "A copy (differentiable).") { $0.clone() },
    unaryOp("detach", "The same values, cut off from the autograd tape.") { $0.detach() },
    TensorOp("narrow", "axis: int, start: int, length: int", "length elements from start along axis.") { t, a in
        wrap(try t.narrow(axis: try a.int(0), start: try a.int(1), length: try a.int(2)))
    },
    TensorOp("select", "axis: int, index: int", "The slice at index along axis (axis removed).") { t, a in
        wrap(try t.select(axis: try a.int(0), index: try a.int(1)))
    },
    TensorOp("slice", "axis: int, start: int? = nil, end: int? = nil, step: int = 1", "Python-style slice along one axis.") { t, a in
        wrap(try t.slice(axis: try a.int(0), start: try a.optInt(1), end: try a.optInt(2), step: try a.int(3)))
    },
    TensorOp("flip", "axis", "Reverses along axes.") { t, a in wrap(try t.flip(try a.axes(0) ?? [])) },
    TensorOp("repeat", "...repeats", "Tiles the tensor along each axis.") { t, a in wrap(try t.repeat(try a.shape(a.args.rest, name: "repeat"))) },
    TensorOp("pad", "widths: list, value: float = 0", "Constant padding: [[before, after], …] for the last axes.") { t, a in
        let w = try a.args.list(a.offset).items.map { v -> (Int, Int) in
            guard case .list(let p) = v, p.items.count == 2, case .int(let b) = p.items[0], case .int(let e) = p.items[1] else {
                throw a.args.argumentError(a.offset, expected: "list of [before, after] int pairs", got: v)
            }
            return (b, e)
        }
        return wrap(try t.pad(w, value: try a.double(1)))
    },
    TensorOp("split", "size, axis: int = 0", "Pieces of `size` (an int) or of the given sizes (a list) along axis.") { t, a in
        let parts: [Tensor]
        if case .list = a[0] { parts = try t.split(sizes: try a.axes(0) ?? [], axis: try a.int(1)) }
        else { parts = try t.split(size: try a.int(0), axis: try a.int(1)) }
        return .list(ScriptList(parts.map(wrap)))
    },
    TensorOp("chunk", "chunks: int, axis: int = 0", "Nearly equal pieces along axis.") { t, a in
        .list(ScriptList(try t.chunk(try a.int(0), axis: try a.int(1)).map(wrap)))
    },
    // indexing
    TensorOp("gather", "axis: int, index", "out[p] = x[p with axis replaced by index[p]].") { t, a in
        wrap(try t.gather(axis: try a.int(0), index: try a.tensor(1)))
    },
    TensorOp("scatter_add", "axis: int, index, src", "A copy with src added at the indexed positions.") { t, a in
        wrap(try t.scatterAdd(axis: try a.int(0), index: try a.tensor(1), src: try a.tensor(2, like: t)))
    },
    TensorOp("index_select", "axis: int, index", "Slices picked by a 1-D int index.") { t, a in
        wrap(try t.indexSelect(axis: try a.int(0), index: try a.tensor(1)))
    },
    TensorOp("masked_fill", "mask, value: float", "value where mask is true.") { t, a in
        wrap(try t.maskedFill(try a.tensor(0), try a.double(1)))
    },
    TensorOp("masked_select", "mask", "Elements where mask is true (1-D).") { t, a in wrap(try t.maskedSelect(try a.tensor(0))) },
    TensorOp("one_hot", "classes: int", "One-hot encoding of int class indices (float32).") { t, a in wrap(try t.oneHot(classes: try a.int(0))) },
    unaryOp("nonzero", "Indices of nonzero elements, shape (count, ndim).") { try $0.nonzero() },
    TensorOp("sort", "axis: int = -1, descending: bool = false", "Stable sort: {values, indices}.") { t, a in
        let r = try t.sort(axis: try a.int(0), descending: try a.bool(1))
        return record([("values", wrap(r.values)), ("indices", wrap(r.indices))])
    },
    TensorOp("argsort", "axis: int = -1, descending: bool = false", "Indices that sort the tensor.") { t, a in
        wrap(try t.argsort(axis: try a.int(0), descending: try a.bool(1)))
    },
    TensorOp("topk", "k: int, axis: int = -1, largest: bool = true", "The k largest (or smallest): {values, indices}.") { t, a in
        let r = try t.topk(try a.int(0), axis: try a.int(1), largest: try a.bool(2))
        return record([("values", wrap(r.values)), ("indices", wrap(r.indices))])
    },
    // dtype
    unaryOp("float", "As float32.") { try $0.to(.float32) },
    unaryOp("int", "As int32 (floats truncate toward zero).") { try $0.to(.int32) },
    unaryOp("bool", "As bool (nonzero is true).") { try $0.to(.bool) },
    TensorOp("to", "dtype: string", "As float32, int32 or bool.") { t, a in wrap(try t.to(try a.dtype(0)!)) },
    // autograd and values
    TensorOp("backward", "gradient = nil", "Reverse-mode differentiation into the leaves' .grad (a non-scalar needs a gradient).") { t, a in
        try t.backward(a.isNull(0) ? nil : try a.tensor(0))
        return .null
    },
    TensorOp("requires_grad_", "flag: bool = true", "Marks a leaf as requiring grad; returns it.") { t, a in
        try t.requiresGrad(try a.bool(0))
        return wrap(t)
    },
    TensorOp("assign", "src", "Overwrites the elements in place with src (broadcast; no gradient); returns the tensor.") { t, a in
        let src = try a.tensor(0, like: t)
        try Tensor.noGrad { try t.assign(src) }
        return wrap(t)
    },
    TensorOp("zero_grad", "", "Clears .grad.") { t, _ in t.zeroGrad(); return .null },
    TensorOp("item", "", "The value of a one-element tensor as a number.") { t, _ in
        let v = try t.item()
        switch t.dtype {
        case .float32: return .float(v)
        case .int32: return .int(Int(v))
        case .bool: return .bool(v != 0)
        }
    },
    TensorOp("tolist", "", "The values as (nested) lists.") { t, _ in tensorToValue(t) },
]

let tensorOpIndex: [String: TensorOp] = Dictionary(tensorOps.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

// MARK: the module

func registerTensorModule(_ r: Registry) {
    let m = r.module("tensor", doc: "Tensors: creation, ops and autograd. Every op is also a method (x.sum(axis=1)).")
    for op in tensorOps {
        let params = op.params.isEmpty ? "x" : "x, " + op.params
        let sig = Signature(parsing: params)
        m.set(op.name, .native(NativeFunction(name: "tensor.\(op.name)", signature: sig, doc: op.doc) { args in
            let t = try ArgView(args: args, offset: 0).tensor(0)
            return try op.body(t, ArgView(args: args, offset: 1))
        }))
    }
    func shaped(_ name: String, _ doc: String, _ f: @escaping ([Int], DType) throws -> Tensor) {
        m.add("\(name)(...shape, dtype: string = \"float32\")", doc: doc) { args in
            let a = ArgView(args: args, offset: 0)
            return wrap(try f(try a.shape(args.rest, name: name), try a.dtype(0) ?? .float32))
        }
    }
    m.call = m.add("tensor(data, dtype: string? = nil, requires_grad: bool = false)",
          doc: "A tensor from a number or (nested) list; dtype inferred (int32 for whole numbers, bool for bools) unless given.") { args in
        let a = ArgView(args: args, offset: 0)
        let t = try args.tensor(0, dtype: try a.dtype(1)).contiguous()
        // tensor(x) of a tensor is a copy, as in PyTorch (not a view sharing x's storage)
        let fresh = args[0].isTensorObject ? t.detach().clone() : t.detach()
        if try a.bool(2) { try fresh.requiresGrad(true) }
        return wrap(fresh)
    }
    shaped("zeros", "A tensor of zeros: zeros(2, 3) or zeros([2, 3]).") { try Tensor.zeros($0, dtype: $1) }
    shaped("ones", "A tensor of ones.") { try Tensor.ones($0, dtype: $1) }
    m.add("full(shape: list, value: float, dtype: string = \"float32\")", doc: "A tensor filled with value.") { args in
        let a = ArgView(args: args, offset: 0)
        return wrap(try Tensor.full(try a.shape(args.list(0).items, name: "full"), try a.double(1), dtype: try a.dtype(2) ?? .float32))
    }
    m.add("arange(start: float, end: float? = nil, step: float = 1, dtype: string? = nil)",
          doc: "start, start+step, … below end (arange(n) is 0..<n); int32 when all are whole numbers.") { args in
        let a = ArgView(args: args, offset: 0)
        let (s, e) = a.isNull(1) ? (0, try a.double(0)) : (try a.double(0), try a.double(1))
        return wrap(try Tensor.arange(s, e, step: try a.double(2), dtype: try a.dtype(3)))
    }
    m.add("linspace(start: float, end: float, count: int)", doc: "count evenly spaced values from start to end.") { args in
        wrap(try Tensor.linspace(try args.double(0), try args.double(1), count: try args.int(2)))
    }
    m.add("eye(n: int, m: int? = nil)", doc: "Identity matrix.") { args in
        wrap(try Tensor.eye(try args.int(0), args.isNull(1) ? nil : try args.int(1)))
    }
    shaped("rand", "Uniform [0, 1) samples from the global generator (see manual_seed).") { s, _ in try Tensor.rand(s) }
    shaped("randn", "Standard normal samples from the global generator.") { s, _ in try Tensor.randn(s) }
    m.add("randint(low: int, high: int, shape: list)", doc: "Integers uniform in low..<high (int32).") { args in
        let a = ArgView(args: args, offset: 0)
        return wrap(try Tensor.randint(try args.int(0), try args.int(1), try a.shape(args.list(2).items, name: "randint")))
    }
    m.add("randperm(n: int)", doc: "A random permutation of 0..<n (int32).") { args in wrap(try Tensor.randperm(try args.int(0))) }
    m.add("manual_seed(seed: int)", doc: "Reseeds the global generator that random ops use.") { args in
        let s = try args.int(0)
        guard s >= 0 else { throw args.argumentError(0, "seed must be ≥ 0") }
        RNG.manualSeed(UInt64(s))
        return .null
    }
    m.add("cat(tensors: list, axis: int = 0)", doc: "Joins tensors along an existing axis.") { args in
        let ts = try args.list(0).items.map { try toTensor($0, what: "cat") }
        return wrap(try Tensor.concat(ts, axis: try args.int(1)))
    }
    m.add("stack(tensors: list, axis: int = 0)", doc: "Joins equal-shaped tensors along a new axis.") { args in
        let ts = try args.list(0).items.map { try toTensor($0, what: "stack") }
        return wrap(try Tensor.stack(ts, axis: try args.int(1)))
    }
    m.add("where(cond, a, b)", doc: "cond ? a : b elementwise (broadcasting).") { args in
        let a = ArgView(args: args, offset: 0)
        let x = try a.tensor(1), y = try a.tensor(2, like: x)
        return wrap(try Tensor.where(try a.tensor(0), x, y))
    }
    m.add("printoptions(precision: int? = nil, threshold: int? = nil, edgeitems: int? = nil, linewidth: int? = nil, sci_mode: bool? = nil)",
          doc: "Changes how tensors print; returns the current options.") { args in
        var o = Tensor.printOptions
        if !args.isNull(0) { o.precision = max(0, min(16, try args.int(0))) }
        if !args.isNull(1) { o.threshold = max(0, try args.int(1)) }
        if !args.isNull(2) { o.edgeItems = max(1, try args.int(2)) }
        if !args.isNull(3) { o.lineWidth = max(10, try args.int(3)) }
        if !args.isNull(4) { o.sciMode = try args.bool(4) }
        Tensor.printOptions = o
        return record([("precision", .int(o.precision)), ("threshold", .int(o.threshold)), ("edgeitems", .int(o.edgeItems)),
                       ("linewidth", .int(o.lineWidth)), ("sci_mode", o.sciMode.map { .bool($0) } ?? .null)])
    }
    // Globals for the everyday ones.
    r.setGlobal("tensor", .object(m))
    for name in ["zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn", "randint", "randperm",
                 "manual_seed", "cat", "stack", "where", "matmul", "softmax", "log_softmax", "relu", "sigmoid", "tanh", "exp", "log"] {
        guard let v = (try? m.member(name)) ?? nil else { continue }
        // `exp` and `log` are also number builtins: numbers keep the builtin, tensors get the op.
        if case .native(let builtin)? = r.global(name), case .native(let op) = v {
            r.setGlobal(name, .native(NativeFunction(name: name, signature: op.signature, doc: op.doc + " Numbers give numbers.") { args in
                switch args[0] {
                case .int, .float: return try builtin.body(&args)
                default: return try op.body(&args)
                }
            }))
        } else {
            r.setGlobal(name, v)
        }
    }
}

extension Arguments {
    /// A tensor argument: a tensor, or a number, bool or nested list converted to one (with
    /// `dtype` when given). Anything else reads `bad argument #n to 'f' (expected tensor, got …)`,
    /// as every binding's argument errors do.
    public func tensor(_ i: Int, dtype: DType? = nil) throws -> Tensor {
        if case .object(let o) = self[i], let t = o as? TensorObject { return try dtype.map { try t.tensor.to($0) } ?? t.tensor }
        switch self[i] {
        case .int, .float, .bool, .list, .range:
            do { return try toTensor(self[i], what: "argument #\(i + 1)", dtype: dtype) } catch let e as ScriptError {
                throw argumentError(i, "expected tensor: \(e.message)")
            }
        default:
            throw argumentError(i, expected: "tensor", got: self[i])
        }
    }
}
