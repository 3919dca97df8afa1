/// The differentiable primitives. Every op that can carry a gradient is recorded on the tape as
/// one of these; composite ops (mean, var, softmax cross-entropy, partial CE, …) are built from
/// them and get their gradients for free. `Gradients.swift` holds one VJP per case.
enum Prim {
    // elementwise, binary (broadcasting)
    case add, sub, mul, div, pow, maximum, minimum
    case whereSelect(Tensor)  // the bool condition
    // elementwise, unary
    case neg, abs, exp, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, gelu
    case leakyRelu(Float)
    case clamp(Float?, Float?)
    // reductions
    case sum([Int], Bool)  // axes, keepdim
    case prod(Int, Bool)   // axis, keepdim
    case maxAlong(Int, Bool, Tensor)  // axis, keepdim, int32 indices (max and min)
    case logsumexp([Int], Bool)
    case softmax(Int), logSoftmax(Int)
    case cumsum(Int)
    // linear algebra
    case matmul
    // views
    case reshape, permute([Int]), expand, slice(Int, Int, Int)  // axis, start, step
    case asContiguous
    // copies
    case concat(Int, [Int])  // axis, sizes
    case pad([(Int, Int)])
    case flip([Int])
    // indexing
    case gather(Int, Tensor)        // axis, index
    case scatterAdd(Int, Tensor)    // axis, index
    case indexSelect(Int, Tensor)   // axis, index
    // extended by later kernels (conv, pooling, normalisation)
    case custom(CustomPrim)

    var kind: PrimKind {
        switch self {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .pow: return .pow
        case .maximum: return .maximum
        case .minimum: return .minimum
        case .whereSelect: return .where
        case .neg: return .neg
        case .abs: return .abs
        case .exp: return .exp
        case .log: return .log
        case .log1p: return .log1p
        case .sqrt: return .sqrt
        case .rsqrt: return .rsqrt
        case .sin: return .sin
        case .cos: return .cos
        case .tanh: return .tanh
        case .sigmoid: return .sigmoid
        case .relu: return .relu
        case .gelu: return .gelu
        case .leakyRelu: return .leaky_relu
        case .clamp: return .clamp
        case .sum: return .sum
        case .prod: return .prod
        case .maxAlong: return .max_along
        case .logsumexp: return .logsumexp
        case .softmax: return .softmax
        case .logSoftmax: return .log_softmax
        case .cumsum: return .cumsum
        case .matmul: return .matmul
        case .reshape: return .reshape
        case .permute: return .permute
        case .expand: return .expand
        case .slice: return .slice
        case .asContiguous: return .contiguous
        case .concat: return .concat
        case .pad: return .pad
        case .flip: return .flip
        case .gather: return .gather
        case .scatterAdd: return .scatter_add
        case .indexSelect: return .index_select
        case .custom(let c): return c.kind
        }
    }
}

/// Names of all primitives, so tests can assert that each has a gradient check.
public enum PrimKind: String, CaseIterable, Sendable {
    case add, sub, mul, div, pow, maximum, minimum, `where`
    case neg, abs, exp, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, gelu, leaky_relu, clamp
    case sum, prod, max_along, logsumexp, softmax, log_softmax, cumsum
    case matmul
    case reshape, permute, expand, slice, contiguous
    case concat, pad, flip
    case gather, scatter_add, index_select
    // kernels of the NN layers (their VJPs live with the kernels)
    case conv2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d, batch_norm
    // fused losses
    case cross_entropy
}

/// A primitive whose VJP lives with its kernel (convolution, pooling, normalisation): the backward
/// closure returns one gradient per input (nil where none flows).
struct CustomPrim {
    let kind: PrimKind
    let backward: (Tensor) throws -> [Tensor?]
}
