import Kernel

/// The `nn` module: layers and models (`ModelObject` wraps a Kernel `Module`), losses, and
/// functional ops (`nn.f_conv2d`, `nn.f_max_pool2d`, … : the layer computations without state).
///
/// Models and layers are one kind of value, `module`: callable (`model(x)` runs forward), with
/// parameters, state dicts, train/eval mode, deep copies and EMA updates. Every constructor that
/// creates weights takes an optional `seed`: an int seeds a private generator for the
/// initialisation; without it the global generator (`manual_seed`) is used.

public final class ModelObject: ScriptObject {
    public let module: Module
    public init(_ m: Module) { module = m }
    public var typeName: String { "module" }

    static let properties = ["training", "parameter_count", "summary", "type", "feature_dim", "num_classes"]
    static let methods: [(String, String, String)] = [
        ("forward", "x", "Runs the forward pass (same as model(x))."),
        ("forward_features", "x", "{logits, feature} for classifier models (mlp, cnn_small, preact_resnet18)."),
        ("parameters", "", "The parameters (tensors that require grad), in registration order."),
        ("named_parameters", "", "[[name, tensor], …] for every parameter."),
        ("buffers", "", "[[name, tensor], …] for every buffer (e.g. BatchNorm running statistics)."),
        ("children", "", "[[name, module], …] for the direct sub-modules."),
        ("state_dict", "", "{name: tensor}: a snapshot (copies) of parameters and buffers."),
        ("load_state_dict", "state: dict, strict: bool = true", "Copies values from a state dict into the model (names and shapes must match)."),
        ("train", "mode: bool = true", "Training mode (BatchNorm uses batch statistics, Dropout drops); returns the model."),
        ("eval", "", "Evaluation mode; returns the model."),
        ("zero_grad", "", "Clears the .grad of every parameter."),
        ("copy", "", "An independent deep copy (same architecture, values and mode)."),
        ("ema_update", "source: module, momentum: float", "self ← momentum·self + (1 − momentum)·source for parameters; buffers are copied."),
    ]
    static let signatures: [String: Signature] = Dictionary(uniqueKeysWithValues: methods.map { ($0.0, Signature(parsing: $0.1)) })
    public var memberNames: [String] { ModelObject.properties + ModelObject.methods.map { $0.0 } }

    /// Made once per object: `model(x)` runs in every training step.
    public var callable: NativeFunction? { forwardFunction }
    private lazy var forwardFunction: NativeFunction = {
        let m = module
        return NativeFunction(name: module.typeName, signature: ModelObject.forwardSignature, doc: "Runs the forward pass.") { args in
            wrap(try m.forward(try ArgView(args: args, offset: 0).tensor(0)))
        }
    }()
    static let forwardSignature = Signature(parsing: "x")

    public var scriptDescription: String { describeModule(module) }

    public func setMember(_ name: String, to value: Value) throws -> Bool {
        guard name == "training" else { return false }
        guard case .bool(let b) = value else { throw ScriptError("training must be a bool, got \(value.typeName)") }
        module.train(b)
        return true
    }

    public func member(_ name: String) throws -> Value? {
        let m = module
        switch name {
        case "training": return .bool(m.isTraining)
        case "parameter_count": return .int(m.parameterCount)
        case "summary": return .string(describeModule(m))
        case "type": return .string(m.typeName)
        case "feature_dim": return (m as? FeatureClassifier).map { .int($0.featureDim) } ?? .null
        case "num_classes": return (m as? FeatureClassifier).map { .int($0.numClasses) } ?? .null
        default: break
        }
        guard let entry = ModelObject.methods.first(where: { $0.0 == name }) else { return nil }
        let fname = "\(m.typeName).\(name)"
        return .native(NativeFunction(name: fname, signature: ModelObject.signatures[name]!, doc: entry.2) { args in
            try ModelObject.call(name, m, args, self)
        })
    }

    private static func call(_ name: String, _ m: Module, _ args: Arguments, _ obj: ModelObject) throws -> Value {
        func pairs(_ xs: [(String, Value)]) -> Value {
            .list(ScriptList(xs.map { .list(ScriptList([.string($0.0), $0.1])) }))
        }
        switch name {
        case "forward": return wrap(try m.forward(try ArgView(args: args, offset: 0).tensor(0)))
        case "forward_features":
            guard let fc = m as? FeatureClassifier else {
                throw ScriptError("forward_features needs a classifier model (mlp, cnn_small, preact_resnet18), got \(m.typeName)")
            }
            let r = try fc.forwardWithFeature(try ArgView(args: args, offset: 0).tensor(0))
            return record([("logits", wrap(r.logits)), ("feature", wrap(r.feature))])
        case "parameters": return .list(ScriptList(m.parameters().map(wrap)))
        case "named_parameters": return pairs(m.namedParameters().map { ($0.0, wrap($0.1)) })
        case "buffers": return pairs(m.namedBuffers().map { ($0.0, wrap($0.1)) })
        case "children": return pairs(m.children.map { ($0.0, Value.object(ModelObject($0.1))) })
        case "state_dict":
            return .dict(ScriptDict(m.stateDict().map { ($0.0, wrap($0.1.detach().clone())) }))
        case "load_state_dict":
            let d = try args.dict(0)
            var state: [String: Tensor] = [:]
            for (k, v) in zip(d.keys, d.values) {
                guard case .string(let name) = k else { throw args.argumentError(0, "state dict keys must be strings") }
                guard case .object(let o) = v, let t = o as? TensorObject else {
                    throw args.argumentError(0, "entry '\(name)' must be a tensor, got \(v.typeName)")
                }
                state[name] = t.tensor
            }
            try m.loadStateDict(state, strict: try args.bool(1))
            return .null
        case "train": m.train(try args.bool(0)); return .object(obj)
        case "eval": m.eval(); return .object(obj)
        case "zero_grad": m.zeroGrad(); return .null
        case "copy": return .object(ModelObject(m.deepCopy()))
        case "ema_update":
            let src = try args.object(0, as: ModelObject.self, expected: "module")
            let mom = try args.double(1)
            guard (0...1).contains(mom) else { throw args.argumentError(1, "momentum must be in [0, 1], got \(mom)") }
            try m.emaUpdate(from: src.module, momentum: mom)
            return .null
        default: throw ScriptError("internal: no method \(name)")
        }
    }
}

/// PyTorch-style `print(model)`:
///
///     MLP(
///       (body): Sequential(
///         (0): Linear(in_features=4, out_features=8, bias=True)
///         (1): ReLU()
///       )
///       …
///     )
func describeModule(_ m: Module, indent: String = "") -> String {
    var extra = m.extraDescription
        .replacingOccurrences(of: "=true", with: "=True")
        .replacingOccurrences(of: "=false", with: "=False")
    if let d = m as? Dropout, extra.isEmpty { extra = "(p=\(d.p))" }
    if m.children.isEmpty { return m.typeName + (extra.isEmpty ? "()" : extra) }
    var s = m.typeName + extra + "(\n"
    for (name, c) in m.children {
        s += indent + "  (\(name)): " + describeModule(c, indent: indent + "  ") + "\n"
    }
    return s + indent + ")"
}

/// A stateless layer with a PyTorch-like description (ReLU(), MaxPool2d(kernel_size=2, …)).
final class FunctionLayer: Module {
    let name: String, extra: String
    let fn: (Tensor) throws -> Tensor
    init(_ name: String, _ extra: String = "", _ fn: @escaping (Tensor) throws -> Tensor) {
        self.name = name
        self.extra = extra
        self.fn = fn
    }
    override var typeName: String { name }
    override var extraDescription: String { extra }
    override func forward(_ x: Tensor) throws -> Tensor { try fn(x) }
    override func makeCopy() -> Module { FunctionLayer(name, extra, fn) }
}

// MARK: argument helpers

extension Arguments {
    /// An int or a two-int list, as (h, w).
    func pair(_ i: Int) throws -> (Int, Int) {
        switch self[i] {
        case .int(let v): return (v, v)
        case .list(let l) where l.items.count == 2:
            if case .int(let a) = l.items[0], case .int(let b) = l.items[1] { return (a, b) }
        default: break
        }
        throw argumentError(i, expected: "int or [int, int]", got: self[i])
    }
    /// The generator for weight initialisation: `seed` (an int) or the global one.
    func rng(_ i: Int) throws -> RNG {
        if isNull(i) { return RNG.global }
        let s = try int(i)
        guard s >= 0 else { throw argumentError(i, "seed must be ≥ 0") }
        return RNG(seed: UInt64(s))
    }
    func positive(_ i: Int, _ what: String) throws -> Int {
        let v = try int(i)
        guard v > 0 else { throw argumentError(i, "\(what) must be positive, got \(v)") }
        return v
    }
    func model(_ i: Int) throws -> Module { try object(i, as: ModelObject.self, expected: "module").module }
    func tensorArg(_ i: Int) throws -> Tensor { try ArgView(args: self, offset: 0).tensor(i) }
    func optTensor(_ i: Int) throws -> Tensor? { isNull(i) ? nil : try tensorArg(i) }
}

private func fmtPair(_ p: (Int, Int)) -> String { "(\(p.0), \(p.1))" }

// MARK: the module

func registerNNModule(_ r: Registry) {
    let nn = r.module("nn", doc: "Neural-network layers, models, losses and functional ops. Models are callable: model(x).")
    func model(_ m: Module) -> Value { .object(ModelObject(m)) }

    // layers with weights
    nn.add("linear(in_features: int, out_features: int, bias: bool = true, seed: int? = nil)",
           doc: "A fully connected layer y = x·Wᵀ + b (PyTorch initialisation).") { a in
        let i = try a.positive(0, "in_features"), o = try a.positive(1, "out_features")
        try checkWeightShapes([[o, i]], model: "nn.linear")
        return model(Linear(i, o, bias: try a.bool(2), rng: try a.rng(3)))
    }
    nn.add("conv2d(in_channels: int, out_channels: int, kernel, stride = 1, padding = 0, dilation = 1, groups: int = 1, bias: bool = true, seed: int? = nil)",
           doc: "2-D convolution; kernel, stride, padding and dilation are an int or [h, w].") { a in
        let cin = try a.positive(0, "in_channels"), cout = try a.positive(1, "out_channels"), g = try a.positive(6, "groups")
        guard cin % g == 0, cout % g == 0 else { throw a.argumentError(6, "groups must divide in_channels and out_channels") }
        let k = try a.pair(2)
        guard k.0 > 0, k.1 > 0 else { throw a.argumentError(2, "kernel must be positive") }
        try checkWeightShapes([[cout, cin / g, k.0, k.1]], model: "nn.conv2d")
        return model(Conv2d(cin, cout, kernel: k, stride: try a.pair(3), padding: try a.pair(4), dilation: try a.pair(5),
                            groups: g, bias: try a.bool(7), rng: try a.rng(8)))
    }
    nn.add("batchnorm1d(features: int, eps: float = 1e-5, momentum: float = 0.1)", doc: "Batch normalisation over (N, C).") { a in
        model(BatchNorm(try a.positive(0, "features"), eps: try a.double(1), momentum: try a.double(2), twoD: false))
    }
    nn.add("batchnorm2d(features: int, eps: float = 1e-5, momentum: float = 0.1)", doc: "Batch normalisation over (N, C, H, W).") { a in
        model(BatchNorm(try a.positive(0, "features"), eps: try a.double(1), momentum: try a.double(2), twoD: true))
    }
    // stateless layers
    nn.add("relu()", doc: "The ReLU layer.") { _ in model(FunctionLayer("ReLU") { try $0.relu() }) }
    nn.add("leaky_relu(slope: float = 0.01)", doc: "The LeakyReLU layer.") { a in
        let s = Float(try a.double(0))
        return model(FunctionLayer("LeakyReLU", "(negative_slope=\(s))") { try $0.leakyRelu(s) })
    }
    nn.add("gelu()", doc: "The (exact) GELU layer.") { _ in model(FunctionLayer("GELU") { try $0.gelu() }) }
    nn.add("flatten(start: int = 1, end: int = -1)", doc: "Flattens axes start…end (by default all but the batch axis).") { a in
        let s = try a.int(0), e = try a.int(1)
        return model(FunctionLayer("Flatten", "(start_dim=\(s), end_dim=\(e))") { try $0.flatten(startAxis: s, endAxis: e) })
    }
    nn.add("dropout(p: float = 0.5, seed: int? = nil)", doc: "Dropout (identity in eval mode); its own generator stream.") { a in
        let p = try a.double(0)
        guard (0...1).contains(p) else { throw a.argumentError(0, "p must be in [0, 1], got \(p)") }
        return model(a.isNull(1) ? Dropout(p) : Dropout(p, rng: try a.rng(1)))
    }
    nn.add("maxpool2d(kernel, stride = nil, padding = 0)", doc: "Max pooling; stride defaults to kernel.") { a in
        let k = try a.pair(0), s = a.isNull(1) ? k : try a.pair(1), p = try a.pair(2)
        return model(FunctionLayer("MaxPool2d", "(kernel_size=\(fmtPair(k)), stride=\(fmtPair(s)), padding=\(fmtPair(p)))") {
            try $0.maxPool2d(kernel: k, stride: s, padding: p)
        })
    }
    nn.add("avgpool2d(kernel, stride = nil, padding = 0)", doc: "Average pooling; stride defaults to kernel.") { a in
        let k = try a.pair(0), s = a.isNull(1) ? k : try a.pair(1), p = try a.pair(2)
        return model(FunctionLayer("AvgPool2d", "(kernel_size=\(fmtPair(k)), stride=\(fmtPair(s)), padding=\(fmtPair(p)))") {
            try $0.avgPool2d(kernel: k, stride: s, padding: p)
        })
    }
    nn.add("adaptive_avgpool2d(size = 1)", doc: "Average pooling to a fixed output size (an int or [h, w]).") { a in
        let o = try a.pair(0)
        guard o.0 > 0, o.1 > 0 else { throw a.argumentError(0, "size must be positive") }
        return model(FunctionLayer("AdaptiveAvgPool2d", "(output_size=\(fmtPair(o)))") { try $0.adaptiveAvgPool2d(o.0, o.1) })
    }
    nn.add("l2_normalize(axis: int = 1)", doc: "x / ‖x‖₂ along axis (F.normalize) as a layer.") { a in
        let ax = try a.int(0)
        return model(FunctionLayer("L2Normalize", "(dim=\(ax))") { try $0.l2Normalize(axis: ax) })
    }
    nn.add("sequential(...layers)", doc: "Runs layers in order: sequential([a, b]) or sequential(a, b).") { a in
        var items = a.rest
        if items.count == 1, case .list(let l) = items[0] { items = l.items }
        let layers = try items.enumerated().map { (i, v) -> Module in
            guard case .object(let o) = v, let m = o as? ModelObject else {
                throw ScriptError("bad argument to 'nn.sequential' (layer \(i) must be a module, got \(v.typeName))")
            }
            return m.module
        }
        return model(Sequential(layers))
    }
    // models
    nn.add("mlp(input_dim: int, hidden: list? = nil, classes: int, seed: int? = nil)",
           doc: "Linear-ReLU blocks of the hidden sizes (default [500, 500]), then a classifier; flattens its input.") { a in
        let hidden = try a.isNull(1) ? [500, 500] : a.list(1).items.map { v -> Int in
            guard case .int(let h) = v, h > 0 else { throw a.argumentError(1, expected: "list of positive ints", got: a[1]) }
            return h
        }
        let d = try a.positive(0, "input_dim"), c = try a.positive(2, "classes")
        try checkWeightShapes(mlpWeightShapes(inputDim: d, hidden: hidden, classes: c), model: "nn.mlp")
        return model(MLP(inputDim: d, hidden: hidden, classes: c, rng: try a.rng(3)))
    }
    nn.add("cnn_small(in_channels: int = 1, classes: int = 10, seed: int? = nil)", doc: "The small 3-block CNN (128-d feature).") { a in
        // makeModel checks the weight shapes before it builds anything (input_size is unused here).
        model(try makeModel("cnn_small", inChannels: try a.positive(0, "in_channels"), inputSize: 1,
                            classes: try a.positive(1, "classes"), rng: try a.rng(2)))
    }
    nn.add("preact_resnet18(in_channels: int = 3, classes: int = 10, input_size: int = 32, seed: int? = nil)",
           doc: "PreAct ResNet-18 (512-d feature).") { a in
        model(try makeModel("preact_resnet18", inChannels: try a.positive(0, "in_channels"), inputSize: try a.positive(2, "input_size"),
                            classes: try a.positive(1, "classes"), rng: try a.rng(3)))
    }
    nn.add("projection_head(in_dim: int, out_dim: int = 128, seed: int? = nil)",
           doc: "Linear-ReLU-Linear then L2 normalisation (the contrastive head).") { a in
        let i = try a.positive(0, "in_dim"), o = try a.positive(1, "out_dim")
        try checkWeightShapes([[i, i], [o, i]], model: "nn.projection_head")
        return model(ProjectionHead(i, outDim: o, rng: try a.rng(2)))
    }
    nn.add("model(name: string, in_channels: int, input_size: int, classes: int, seed: int? = nil)",
           doc: "A classifier by name: mlp, cnn_small or preact_resnet18.") { a in
        model(try makeModel(try a.string(0), inChannels: try a.positive(1, "in_channels"), inputSize: try a.positive(2, "input_size"),
                            classes: try a.positive(3, "classes"), rng: try a.rng(4)))
    }
    // losses
    nn.add("cross_entropy(logits: tensor, target: tensor, label_smoothing: float = 0)",
           doc: "Mean cross-entropy of logits (N, C) against int class indices (N).") { a in
        wrap(try Losses.crossEntropy(try a.tensorArg(0), try a.tensorArg(1), labelSmoothing: try a.double(2)))
    }
    nn.add("soft_cross_entropy(logits: tensor, q: tensor)", doc: "Mean of −Σ q·log softmax(logits) for soft targets q (N, C).") { a in
        wrap(try Losses.softCrossEntropy(try a.tensorArg(0), try a.tensorArg(1)))
    }
    nn.add("mse(a: tensor, b)", doc: "Mean squared error mean((a − b)²) (broadcasting).") { a in
        let x = try a.tensorArg(0)
        let y = try ArgView(args: a, offset: 0).tensor(1, like: x)
        let d = try x - y
        return wrap(try (d * d).mean())
    }
    // functional ops
    nn.add("f_conv2d(x: tensor, weight: tensor, bias: tensor? = nil, stride = 1, padding = 0, dilation = 1, groups: int = 1)",
           doc: "Functional 2-D convolution (x: N, Cin, H, W; weight: Cout, Cin/groups, kh, kw).") { a in
        wrap(try Tensor.conv2d(try a.tensorArg(0), try a.tensorArg(1), bias: try a.optTensor(2),
                               Conv2dParams(stride: try a.pair(3), padding: try a.pair(4), dilation: try a.pair(5), groups: try a.int(6))))
    }
    nn.add("f_max_pool2d(x: tensor, kernel, stride = nil, padding = 0)", doc: "Functional max pooling.") { a in
        wrap(try a.tensorArg(0).maxPool2d(kernel: try a.pair(1), stride: a.isNull(2) ? nil : try a.pair(2), padding: try a.pair(3)))
    }
    nn.add("f_avg_pool2d(x: tensor, kernel, stride = nil, padding = 0)", doc: "Functional average pooling.") { a in
        wrap(try a.tensorArg(0).avgPool2d(kernel: try a.pair(1), stride: a.isNull(2) ? nil : try a.pair(2), padding: try a.pair(3)))
    }
    nn.add("f_adaptive_avg_pool2d(x: tensor, size = 1)", doc: "Functional adaptive average pooling to size (int or [h, w]).") { a in
        let o = try a.pair(1)
        return wrap(try a.tensorArg(0).adaptiveAvgPool2d(o.0, o.1))
    }
    nn.add("f_batch_norm(x: tensor, running_mean: tensor? = nil, running_var: tensor? = nil, weight: tensor? = nil, bias: tensor? = nil, training: bool = true, momentum: float = 0.1, eps: float = 1e-5)",
           doc: "Functional batch normalisation; in training mode the running statistics (if given) are updated in place.") { a in
        wrap(try Tensor.batchNorm(try a.tensorArg(0), weight: try a.optTensor(3), bias: try a.optTensor(4),
                                  runningMean: try a.optTensor(1), runningVar: try a.optTensor(2),
                                  training: try a.bool(5), momentum: try a.double(6), eps: try a.double(7)))
    }
    nn.add("f_l2_normalize(x: tensor, axis: int = 1, eps: float = 1e-12)", doc: "x / max(‖x‖₂, eps) along axis.") { a in
        wrap(try a.tensorArg(0).l2Normalize(axis: try a.int(1), eps: try a.double(2)))
    }
}
