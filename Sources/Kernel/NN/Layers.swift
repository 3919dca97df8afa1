#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// PyTorch's default initialisation for Linear and Conv2d: kaiming_uniform(a=√5) for weights,
/// which is U(−1/√fan_in, 1/√fan_in), and the same bound for biases.
func uniformInit(_ shape: [Int], fanIn: Int, rng: RNG) -> Tensor {
    let b = Float(1 / Double(Swift.max(fanIn, 1)).squareRoot())
    return try! Tensor.rand(shape, low: -b, high: b, rng: rng)
}

public final class Linear: Module {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Tensor
    public let bias: Tensor?
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: RNG = .global) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = uniformInit([outFeatures, inFeatures], fanIn: inFeatures, rng: rng)
        self.bias = bias ? uniformInit([outFeatures], fanIn: inFeatures, rng: rng) : nil
        super.init()
        addParameter("weight", weight)
        if let b = self.bias { addParameter("bias", b) }
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1, x.shape.last == inFeatures else {
            throw TensorError("Linear", "expected input with last dimension \(inFeatures), got shape \(shapeString(x.shape))")
        }
        let y = try x.matmul(weight.transpose(0, 1))
        return try bias.map { try y + $0 } ?? y
    }
    public override func makeCopy() -> Module { Linear(inFeatures, outFeatures, bias: bias != nil, rng: RNG(seed: 0)) }
    public override var extraDescription: String { "(in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias != nil))" }
}

public final class Conv2d: Module {
    public let inChannels: Int, outChannels: Int, kernel: (Int, Int)
    public let p: Conv2dParams
    public let weight: Tensor
    public let bias: Tensor?
    public init(_ inChannels: Int, _ outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1,
                bias: Bool = true, rng: RNG = .global) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        p = Conv2dParams(stride: stride, padding: padding, dilation: dilation, groups: groups)
        let fanIn = inChannels / Swift.max(groups, 1) * kernel.0 * kernel.1
        weight = uniformInit([outChannels, inChannels / Swift.max(groups, 1), kernel.0, kernel.1], fanIn: fanIn, rng: rng)
        self.bias = bias ? uniformInit([outChannels], fanIn: fanIn, rng: rng) : nil
        super.init()
        addParameter("weight", weight)
        if let b = self.bias { addParameter("bias", b) }
    }
    public override func forward(_ x: Tensor) throws -> Tensor { try Tensor.conv2d(x, weight, bias: bias, p) }
    public override func makeCopy() -> Module {
        Conv2d(inChannels, outChannels, kernel: kernel, stride: p.stride, padding: p.padding, dilation: p.dilation,
               groups: p.groups, bias: bias != nil, rng: RNG(seed: 0))
    }
    public override var extraDescription: String {
        "(\(inChannels), \(outChannels), kernel_size=\(kernel), stride=\(p.stride), padding=\(p.padding)\(p.groups > 1 ? ", groups=\(p.groups)" : ""), bias=\(bias != nil))"
    }
}

/// BatchNorm1d over (N, C) and BatchNorm2d over (N, C, H, W).
public final class BatchNorm: Module {
    public let features: Int
    public let eps: Double, momentum: Double
    public let weight: Tensor, bias: Tensor
    public let runningMean: Tensor, runningVar: Tensor
    public let numBatchesTracked: Tensor
    let is2d: Bool
    public init(_ features: Int, eps: Double = 1e-5, momentum: Double = 0.1, twoD: Bool = true) {
        self.features = features
        self.eps = eps
        self.momentum = momentum
        is2d = twoD
        weight = Tensor.ones([features])
        bias = Tensor.zeros(valid: [features])
        runningMean = Tensor.zeros(valid: [features])
        runningVar = Tensor.ones([features])
        numBatchesTracked = Tensor.zeros(valid: [], dtype: .int32)
        super.init()
        addParameter("weight", weight)
        addParameter("bias", bias)
        addBuffer("running_mean", runningMean)
        addBuffer("running_var", runningVar)
        addBuffer("num_batches_tracked", numBatchesTracked)
    }
    public override var typeName: String { is2d ? "BatchNorm2d" : "BatchNorm1d" }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == (is2d ? 4 : 2) else {
            throw TensorError(typeName, "expected a \(is2d ? "4-D (N, C, H, W)" : "2-D (N, C)") input, got shape \(shapeString(x.shape))")
        }
        if isTraining { numBatchesTracked.iptr[0] &+= 1 }
        return try Tensor.batchNorm(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                    training: isTraining, momentum: momentum, eps: eps)
    }
    public override func makeCopy() -> Module { BatchNorm(features, eps: eps, momentum: momentum, twoD: is2d) }

    /// The eval-mode transform as a per-channel affine map x·a + b, optionally folding a
    /// preceding conv's bias in: a = γ/√(var + ε), b = β + (bias − mean)·a.
    public func evalAffine(foldingBias bias: Tensor? = nil) -> (scale: [Float], shift: [Float]) {
        let g = weight.toFloats(), be = bias == nil ? [Float](repeating: 0, count: features) : bias!.toFloats()
        let m = runningMean.toFloats(), v = runningVar.toFloats(), beta = self.bias.toFloats()
        var a = [Float](repeating: 0, count: features), b = a
        for c in 0..<features {
            a[c] = g[c] / (v[c] + Float(eps)).squareRoot()
            b[c] = beta[c] + (be[c] - m[c]) * a[c]
        }
        return (a, b)
    }
    public override var extraDescription: String { "(\(features), eps=\(eps), momentum=\(momentum))" }
}

/// A stateless layer given by a function (ReLU, GELU, pooling, Flatten, L2-normalise, …).
public final class Lambda: Module {
    public let name: String
    let fn: (Tensor) throws -> Tensor
    public init(_ name: String, _ fn: @escaping (Tensor) throws -> Tensor) {
        self.name = name
        self.fn = fn
    }
    public override var typeName: String { name }
    public override func forward(_ x: Tensor) throws -> Tensor { try fn(x) }
    public override func makeCopy() -> Module { Lambda(name, fn) }

    public static func relu() -> Lambda { Lambda("ReLU") { try $0.relu() } }
    public static func leakyRelu(_ s: Float = 0.01) -> Lambda { Lambda("LeakyReLU") { try $0.leakyRelu(s) } }
    public static func gelu() -> Lambda { Lambda("GELU") { try $0.gelu() } }
    public static func flatten() -> Lambda { Lambda("Flatten") { try $0.flatten(startAxis: 1) } }
    public static func maxPool2d(_ k: Int, stride: Int? = nil, padding: Int = 0) -> Lambda {
        Lambda("MaxPool2d") { try $0.maxPool2d(kernel: (k, k), stride: stride.map { ($0, $0) }, padding: (padding, padding)) }
    }
    public static func avgPool2d(_ k: Int, stride: Int? = nil, padding: Int = 0) -> Lambda {
        Lambda("AvgPool2d") { try $0.avgPool2d(kernel: (k, k), stride: stride.map { ($0, $0) }, padding: (padding, padding)) }
    }
    public static func adaptiveAvgPool2d(_ h: Int, _ w: Int) -> Lambda { Lambda("AdaptiveAvgPool2d") { try $0.adaptiveAvgPool2d(h, w) } }
    public static func l2Normalize(axis: Int = 1) -> Lambda { Lambda("L2Normalize") { try $0.l2Normalize(axis: axis) } }
}

/// Dropout with its own RNG stream (identity in eval mode).
public final class Dropout: Module {
    public let p: Double
    let rng: RNG
    public init(_ p: Double = 0.5, rng: RNG = RNG.global.substream("dropout")) {
        self.p = p
        self.rng = rng
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard p >= 0 && p <= 1 else { throw TensorError("Dropout", "p must be in [0, 1], got \(p)") }
        if !isTraining || p == 0 { return x }
        if p == 1 { return try x * 0 }  // PyTorch: everything dropped (no 1/(1 − p) scaling)
        let keep = try Tensor.rand(x.shape, rng: rng).ge(Tensor(p)).float()
        return try x * keep * (1 / (1 - p))
    }
    public override func makeCopy() -> Module { Dropout(p, rng: rng) }
}

public final class Sequential: Module {
    public init(_ layers: [Module]) {
        super.init()
        for (i, l) in layers.enumerated() { addChild(String(i), l) }
    }
    public var layers: [Module] { children.map { $0.1 } }
    public override func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for l in layers { h = try l.forward(h) }
        return h
    }
    public override func makeCopy() -> Module { Sequential(layers.map { $0.makeCopy() }) }
}

extension Tensor {
    /// x / max(‖x‖₂, eps) along `axis` (PyTorch's F.normalize).
    public func l2Normalize(axis: Int = 1, eps: Double = 1e-12) throws -> Tensor {
        try self / norm(p: 2, axes: [axis], keepdim: true).clamp(min: Float(eps))
    }
}
