/// A neural-network module: named parameters (leaves that require grad), buffers (state such as
/// BN running statistics) and child modules, a train/eval mode, and a forward pass.
/// Subclasses register their state in `init` and override `forward` and `makeCopy`.
open class Module {
    public private(set) var params: [(String, Tensor)] = []
    public private(set) var buffers: [(String, Tensor)] = []
    public private(set) var children: [(String, Module)] = []
    public private(set) var isTraining = true

    public init() {}

    /// The module's type name, as shown to users.
    open var typeName: String { String(describing: type(of: self)) }

    @discardableResult
    public func addParameter(_ name: String, _ t: Tensor) -> Tensor {
        try? t.requiresGrad(true)
        params.append((name, t))
        return t
    }
    @discardableResult
    public func addBuffer(_ name: String, _ t: Tensor) -> Tensor {
        buffers.append((name, t))
        return t
    }
    @discardableResult
    public func addChild<M: Module>(_ name: String, _ m: M) -> M {
        children.append((name, m))
        return m
    }

    open func forward(_ x: Tensor) throws -> Tensor {
        throw TensorError(typeName, "forward is not defined for this module")
    }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try forward(x) }

    /// A module of the same architecture with fresh parameters; `deepCopy` then copies state.
    open func makeCopy() -> Module { fatalError("\(typeName) must override makeCopy()") }

    /// An independent copy: same architecture, same parameter and buffer values, same mode.
    public func deepCopy() -> Module {
        let m = makeCopy()
        try! m.copyState(from: self)
        m.train(isTraining)
        return m
    }

    // MARK: traversal

    public func namedParameters(prefix: String = "") -> [(String, Tensor)] {
        params.map { (prefix + $0.0, $0.1) } + children.flatMap { $0.1.namedParameters(prefix: prefix + $0.0 + ".") }
    }
    public func namedBuffers(prefix: String = "") -> [(String, Tensor)] {
        buffers.map { (prefix + $0.0, $0.1) } + children.flatMap { $0.1.namedBuffers(prefix: prefix + $0.0 + ".") }
    }
    public func parameters() -> [Tensor] { namedParameters().map { $0.1 } }
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Parameters and buffers by name (PyTorch's state_dict order: a module's own entries, then
    /// its children's, parameters before buffers within a module).
    public func stateDict(prefix: String = "") -> [(String, Tensor)] {
        params.map { (prefix + $0.0, $0.1) } + buffers.map { (prefix + $0.0, $0.1) }
            + children.flatMap { $0.1.stateDict(prefix: prefix + $0.0 + ".") }
    }

    /// Loads values into the existing tensors (in place). Every name must match, with the same
    /// shape; `strict` also rejects extra entries.
    public func loadStateDict(_ dict: [String: Tensor], strict: Bool = true) throws {
        let own = stateDict()
        let names = Set(own.map { $0.0 })
        if strict {
            let extra = dict.keys.filter { !names.contains($0) }.sorted()
            if !extra.isEmpty { throw TensorError("load_state_dict", "unexpected keys: \(extra.joined(separator: ", "))") }
        }
        for (name, t) in own {
            guard let src = dict[name] else {
                throw TensorError("load_state_dict", "missing key '\(name)' (expected shape \(shapeString(t.shape)))")
            }
            guard src.shape == t.shape else {
                throw TensorError("load_state_dict", "'\(name)': expected shape \(shapeString(t.shape)), got \(shapeString(src.shape))")
            }
            guard src.dtype == t.dtype else {
                throw TensorError("load_state_dict", "'\(name)': expected dtype \(t.dtype), got \(src.dtype)")
            }
            try Tensor.noGrad { try t.assign(src) }
        }
    }

    func copyState(from other: Module) throws {
        try loadStateDict(Dictionary(uniqueKeysWithValues: other.stateDict()))
    }

    /// Sets training mode recursively (BatchNorm and Dropout behave differently).
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, c) in children { c.train(on) }
    }
    public func eval() { train(false) }

    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }

    /// self ← m·self + (1 − m)·source, for parameters; buffers are copied (the momentum-encoder
    /// update of MoCo/PiCO/Co-Reg).
    public func emaUpdate(from source: Module, momentum m: Double) throws {
        let mine = namedParameters(), theirs = source.namedParameters()
        guard mine.count == theirs.count else {
            throw TensorError("ema_update", "modules differ: \(mine.count) vs \(theirs.count) parameters")
        }
        try Tensor.noGrad {
            for ((n1, a), (_, b)) in zip(mine, theirs) {
                guard a.shape == b.shape else {
                    throw TensorError("ema_update", "'\(n1)': shape \(shapeString(a.shape)) vs \(shapeString(b.shape))")
                }
                let ap = a.fptr, bp = b.contiguous().fptr
                let mf = Float(m), k = 1 - Float(m)
                for i in 0..<a.count { ap[i] = mf * ap[i] + k * bp[i] }
            }
            for ((_, a), (_, b)) in zip(namedBuffers(), source.namedBuffers()) { try a.assign(b) }
        }
    }

    /// A one-line-per-module summary, as PyTorch prints models.
    public func summary(indent: String = "") -> String {
        var s = indent + typeName + extraDescription
        if !children.isEmpty {
            s += "(\n" + children.map { indent + "  (" + $0.0 + "): " + $0.1.summary(indent: indent + "  ").dropFirst(indent.count + 2) }.joined(separator: "\n") + "\n" + indent + ")"
        }
        return s
    }
    open var extraDescription: String { "" }
}

/// A module that returns logits and the penultimate feature (all of CoReg's classifiers).
public protocol FeatureClassifier: Module {
    /// (logits [N, C], feature [N, F])
    func forwardWithFeature(_ x: Tensor) throws -> (logits: Tensor, feature: Tensor)
    var featureDim: Int { get }
    var numClasses: Int { get }
}
