/// The models CoReg trains. Each returns logits and its penultimate feature, and initialises
/// like PyTorch so that recipes carry over. Parameter names follow the PyTorch modules they
/// mirror (see docs/models.md for the mapping).

/// Multi-layer perceptron on flattened inputs: Linear-ReLU blocks, then a classifier.
public final class MLP: Module, FeatureClassifier {
    public let inputDim: Int, hidden: [Int], numClasses: Int
    public let body: Sequential
    public let fc: Linear
    public init(inputDim: Int, hidden: [Int] = [500, 500], classes: Int, rng: RNG = .global) {
        self.inputDim = inputDim
        self.hidden = hidden
        numClasses = classes
        var layers: [Module] = []
        var d = inputDim
        for h in hidden {
            layers.append(Linear(d, h, rng: rng))
            layers.append(Lambda.relu())
            d = h
        }
        body = Sequential(layers)
        fc = Linear(d, classes, rng: rng)
        super.init()
        addChild("body", body)
        addChild("fc", fc)
    }
    public var featureDim: Int { hidden.last ?? inputDim }
    public func forwardWithFeature(_ x: Tensor) throws -> (logits: Tensor, feature: Tensor) {
        let f = try body.forward(x.rank == 2 ? x : x.flatten(startAxis: 1))
        return (try fc.forward(f), f)
    }
    public override func forward(_ x: Tensor) throws -> Tensor { try forwardWithFeature(x).logits }
    public override func makeCopy() -> Module { MLP(inputDim: inputDim, hidden: hidden, classes: numClasses, rng: RNG(seed: 0)) }
}

/// conv3x3(Cin→32)-BN-ReLU-maxpool2 → conv3x3(32→64)-BN-ReLU-maxpool2 → conv3x3(64→128)-BN-ReLU
/// → global average pool → 128-d feature → Linear(128→C).
public final class CNNSmall: Module, FeatureClassifier {
    public let inChannels: Int, numClasses: Int
    public let features: Sequential
    public let fc: Linear
    public init(inChannels: Int = 1, classes: Int = 10, rng: RNG = .global) {
        self.inChannels = inChannels
        numClasses = classes
        func block(_ i: Int, _ o: Int, pool: Bool) -> [Module] {
            [Conv2d(i, o, kernel: (3, 3), padding: (1, 1), rng: rng), BatchNorm(o), Lambda.relu()] + (pool ? [Lambda.maxPool2d(2)] : [])
        }
        features = Sequential(block(inChannels, 32, pool: true) + block(32, 64, pool: true) + block(64, 128, pool: false)
                              + [Lambda.adaptiveAvgPool2d(1, 1), Lambda.flatten()])
        fc = Linear(128, classes, rng: rng)
        super.init()
        addChild("features", features)
        addChild("fc", fc)
    }
    public var featureDim: Int { 128 }
    public func forwardWithFeature(_ x: Tensor) throws -> (logits: Tensor, feature: Tensor) {
        guard x.rank == 4, x.shape[1] == inChannels else {
            throw TensorError("cnn_small", "expected input of shape (N, \(inChannels), H, W), got \(shapeString(x.shape))")
        }
        let f = isTraining || GradMode.isEnabled ? try features.forward(x) : try fusedInference(x)
        return (try fc.forward(f), f)
    }
    /// Eval mode without gradients: conv bias + BN + ReLU fused into one pass after each conv.
    func fusedInference(_ x: Tensor) throws -> Tensor {
        var h = x
        let layers = features.layers
        var i = 0
        while i < layers.count {
            if let conv = layers[i] as? Conv2d, i + 2 < layers.count, let bn = layers[i + 1] as? BatchNorm,
               (layers[i + 2] as? Lambda)?.name == "ReLU" {
                let (a, b) = bn.evalAffine(foldingBias: conv.bias)
                h = try Tensor.conv2d(h, conv.weight.detach(), conv.p).channelAffine(scale: a, shift: b, relu: true)
                i += 3
            } else {
                h = try layers[i].forward(h)
                i += 1
            }
        }
        return h
    }
    public override func forward(_ x: Tensor) throws -> Tensor { try forwardWithFeature(x).logits }
    public override func makeCopy() -> Module { CNNSmall(inChannels: inChannels, classes: numClasses, rng: RNG(seed: 0)) }
}

/// PreAct basic block: BN-ReLU-conv3x3(stride)-BN-ReLU-conv3x3, with a 1×1 conv shortcut on the
/// pre-activated input when the shape changes (He et al. 2016, "Identity mappings").
public final class PreActBlock: Module {
    public let inPlanes: Int, planes: Int, stride: Int
    let bn1: BatchNorm, conv1: Conv2d, bn2: BatchNorm, conv2: Conv2d
    let shortcut: Conv2d?
    public init(_ inPlanes: Int, _ planes: Int, stride: Int, rng: RNG = .global) {
        self.inPlanes = inPlanes
        self.planes = planes
        self.stride = stride
        bn1 = BatchNorm(inPlanes)
        conv1 = Conv2d(inPlanes, planes, kernel: (3, 3), stride: (stride, stride), padding: (1, 1), bias: false, rng: rng)
        bn2 = BatchNorm(planes)
        conv2 = Conv2d(planes, planes, kernel: (3, 3), padding: (1, 1), bias: false, rng: rng)
        shortcut = (stride != 1 || inPlanes != planes)
            ? Conv2d(inPlanes, planes, kernel: (1, 1), stride: (stride, stride), bias: false, rng: rng) : nil
        super.init()
        addChild("bn1", bn1)
        addChild("conv1", conv1)
        addChild("bn2", bn2)
        addChild("conv2", conv2)
        if let s = shortcut { addChild("shortcut", Sequential([s])) }
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        let out = try bn1.forward(x).relu()
        let sc = try shortcut.map { try $0.forward(out) } ?? x
        let y = try conv2.forward(bn2.forward(conv1.forward(out)).relu())
        return try y + sc
    }
    public override func makeCopy() -> Module { PreActBlock(inPlanes, planes, stride: stride, rng: RNG(seed: 0)) }
}

/// PreAct ResNet-18, the paper's backbone (docs/models.md): conv3x3(64)-BN-ReLU stem, PreAct stages
/// [2,2,2,2] of widths 64/128/256/512 (stage 1 stride 1 for 28/32-px inputs, 2 for 64-px),
/// global average pooling to a 512-d feature, and a Linear classifier.
public final class PreActResNet18: Module, FeatureClassifier {
    public let inChannels: Int, numClasses: Int, inputSize: Int
    let conv1: Conv2d, bn1: BatchNorm
    let layers: [Sequential]
    public let fc: Linear
    public init(inChannels: Int = 3, classes: Int = 10, inputSize: Int = 32, rng: RNG = .global) {
        self.inChannels = inChannels
        numClasses = classes
        self.inputSize = inputSize
        conv1 = Conv2d(inChannels, 64, kernel: (3, 3), padding: (1, 1), bias: false, rng: rng)
        bn1 = BatchNorm(64)
        var inPlanes = 64
        var stages: [Sequential] = []
        for (i, planes) in [64, 128, 256, 512].enumerated() {
            let first = i == 0 ? (inputSize >= 64 ? 2 : 1) : 2
            var blocks: [Module] = []
            for s in [first, 1] {
                blocks.append(PreActBlock(inPlanes, planes, stride: s, rng: rng))
                inPlanes = planes
            }
            stages.append(Sequential(blocks))
        }
        layers = stages
        fc = Linear(512, classes, rng: rng)
        super.init()
        addChild("conv1", conv1)
        addChild("bn1", bn1)
        for (i, s) in layers.enumerated() { addChild("layer\(i + 1)", s) }
        addChild("linear", fc)
    }
    public var featureDim: Int { 512 }
    public func forwardWithFeature(_ x: Tensor) throws -> (logits: Tensor, feature: Tensor) {
        guard x.rank == 4, x.shape[1] == inChannels else {
            throw TensorError("preact_resnet18", "expected input of shape (N, \(inChannels), H, W), got \(shapeString(x.shape))")
        }
        var h = try bn1.forward(conv1.forward(x)).relu()
        for l in layers { h = try l.forward(h) }
        let f = try h.adaptiveAvgPool2d(1, 1).flatten(startAxis: 1)
        return (try fc.forward(f), f)
    }
    public override func forward(_ x: Tensor) throws -> Tensor { try forwardWithFeature(x).logits }
    public override func makeCopy() -> Module {
        PreActResNet18(inChannels: inChannels, classes: numClasses, inputSize: inputSize, rng: RNG(seed: 0))
    }
}

/// Linear(F→F)-ReLU-Linear(F→d′), then L2 normalisation (the contrastive projection head).
public final class ProjectionHead: Module {
    public let inDim: Int, outDim: Int
    let fc1: Linear, fc2: Linear
    public init(_ inDim: Int, outDim: Int = 128, rng: RNG = .global) {
        self.inDim = inDim
        self.outDim = outDim
        fc1 = Linear(inDim, inDim, rng: rng)
        fc2 = Linear(inDim, outDim, rng: rng)
        super.init()
        addChild("0", fc1)
        addChild("2", fc2)
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        try fc2.forward(fc1.forward(x).relu()).l2Normalize(axis: 1)
    }
    public override func makeCopy() -> Module { ProjectionHead(inDim, outDim: outDim, rng: RNG(seed: 0)) }
}

/// Builds a model by name: "mlp", "cnn_small", "preact_resnet18".
public func makeModel(_ name: String, inChannels: Int, inputSize: Int, classes: Int, rng: RNG = .global) throws -> Module & FeatureClassifier {
    switch name {
    case "mlp":
        guard let d = checkedProduct([inChannels, inputSize, inputSize], limit: maxTensorElements) else {
            throw TensorError("model", "an MLP input of \(inChannels)×\(inputSize)×\(inputSize) values is too large")
        }
        try checkWeightShapes(mlpWeightShapes(inputDim: d, hidden: [500, 500], classes: classes), model: "mlp")
        return MLP(inputDim: d, classes: classes, rng: rng)
    case "cnn_small":
        try checkWeightShapes(CNNSmall.weightShapes(inChannels: inChannels, classes: classes), model: "cnn_small")
        return CNNSmall(inChannels: inChannels, classes: classes, rng: rng)
    case "preact_resnet18":
        try checkWeightShapes(PreActResNet18.weightShapes(inChannels: inChannels, classes: classes), model: "preact_resnet18")
        return PreActResNet18(inChannels: inChannels, classes: classes, inputSize: inputSize, rng: rng)
    default: throw TensorError("model", "unknown model '\(name)' (expected mlp, cnn_small or preact_resnet18)")
    }
}

/// Refuses weight shapes over the tensor size limit before a layer is built: layer initialisers
/// cannot throw, so without this check `nn.linear(10**6, 10**6)` stopped the process in the
/// initialiser instead of being an error (the script-eval fuzz target found it).
public func checkWeightShapes(_ shapes: [[Int]], model: String) throws {
    for s in shapes { _ = try checkedCount(s, op: model) }
}

/// The weight shapes of `MLP(inputDim:hidden:classes:)`.
public func mlpWeightShapes(inputDim: Int, hidden: [Int], classes: Int) -> [[Int]] {
    let dims = [inputDim] + hidden
    return zip(dims.dropFirst(), dims).map { [$0, $1] } + [[classes, dims.last!]]
}

extension CNNSmall {
    /// The weights whose size depends on the arguments (the rest are fixed and small).
    public static func weightShapes(inChannels: Int, classes: Int) -> [[Int]] { [[32, inChannels, 3, 3], [classes, 128]] }
}

extension PreActResNet18 {
    /// The first convolution, the largest fixed one, and the classifier.
    public static func weightShapes(inChannels: Int, classes: Int) -> [[Int]] { [[64, inChannels, 3, 3], [512, 512, 3, 3], [classes, 512]] }
}
