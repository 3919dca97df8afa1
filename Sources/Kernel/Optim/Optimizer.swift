/// A group of parameters with its own learning rate and weight decay.
public final class ParamGroup {
    public let params: [Tensor]
    public var lr: Double
    public var weightDecay: Double
    public init(_ params: [Tensor], lr: Double, weightDecay: Double = 0) {
        self.params = params
        self.lr = lr
        self.weightDecay = weightDecay
    }
}

/// Optimisers update parameters in place from their `.grad`, with PyTorch semantics, and expose
/// their whole state (for checkpoints) as named tensors.
public protocol Optimizer: AnyObject {
    var groups: [ParamGroup] { get }
    func step() throws
    /// Named state tensors (momentum buffers, moments, step counts).
    func stateTensors() -> [(String, Tensor)]
    func loadState(_ state: [String: Tensor]) throws
}

extension Optimizer {
    public func zeroGrad() { for g in groups { for p in g.params { p.zeroGrad() } } }
    /// Sets the learning rate of every group.
    public func setLR(_ lr: Double) { for g in groups { g.lr = lr } }
    public var lr: Double { groups.first?.lr ?? 0 }

    func checkParams() throws {
        for (gi, g) in groups.enumerated() {
            for (i, p) in g.params.enumerated() {
                guard p.dtype == .float32, p.isContiguous, p.isLeaf else {
                    throw TensorError("optimizer", "parameter \(i) of group \(gi) must be a contiguous float32 leaf")
                }
            }
        }
    }
}

/// Per-parameter state buffers named "g{group}.p{index}.{name}".
final class StateBuffers {
    var buffers: [String: Tensor] = [:]
    func get(_ key: String, like p: Tensor) -> (Tensor, Bool) {
        if let b = buffers[key] { return (b, false) }
        let b = Tensor.zerosLike(p)
        buffers[key] = b
        return (b, true)
    }
    func named() -> [(String, Tensor)] { buffers.keys.sorted().map { ($0, buffers[$0]!) } }
    func load(_ state: [String: Tensor], prefix: String, groups: [ParamGroup]) throws {
        var next: [String: Tensor] = [:]
        for (k, v) in state where k.hasPrefix(prefix) {
            let key = String(k.dropFirst(prefix.count))
            next[key] = v.contiguousCopy()
        }
        // validate shapes against the parameters they belong to
        for (k, v) in next where k.hasPrefix("g") {
            let parts = k.split(separator: ".")
            guard parts.count >= 3, let gi = Int(parts[0].dropFirst()), let pi = Int(parts[1].dropFirst()),
                  gi < groups.count, pi < groups[gi].params.count else {
                throw TensorError("optimizer", "state entry '\(prefix)\(k)' does not match any parameter")
            }
            let p = groups[gi].params[pi]
            guard v.shape == p.shape else {
                throw TensorError("optimizer", "state '\(prefix)\(k)': expected shape \(shapeString(p.shape)), got \(shapeString(v.shape))")
            }
        }
        buffers = next
    }
}

/// SGD with momentum, dampening, Nesterov and (coupled) weight decay, as torch.optim.SGD.
public final class SGD: Optimizer {
    public let groups: [ParamGroup]
    public var momentum: Double, dampening: Double, nesterov: Bool
    let state = StateBuffers()

    public init(_ groups: [ParamGroup], momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false) throws {
        self.groups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw TensorError("SGD", "Nesterov momentum requires a momentum > 0 and zero dampening")
        }
        try checkParams()
    }
    public convenience init(_ params: [Tensor], lr: Double, momentum: Double = 0, weightDecay: Double = 0,
                            dampening: Double = 0, nesterov: Bool = false) throws {
        try self.init([ParamGroup(params, lr: lr, weightDecay: weightDecay)], momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    public func step() throws {
        for (gi, g) in groups.enumerated() {
            let lr = Float(g.lr), wd = Float(g.weightDecay), mom = Float(momentum), damp = Float(dampening)
            for (pi, p) in g.params.enumerated() {
                guard let grad = p.grad?.contiguous() else { continue }
                let n = p.count
                let pp = p.fptr, gp = grad.fptr
                if mom == 0 {
                    for i in 0..<n { pp[i] -= lr * (gp[i] + wd * pp[i]) }
                    continue
                }
                let (buf, fresh) = state.get("g\(gi).p\(pi).momentum_buffer", like: p)
                let bp = buf.fptr
                for i in 0..<n {
                    let d = gp[i] + wd * pp[i]
                    let b = fresh ? d : mom * bp[i] + (1 - damp) * d
                    bp[i] = b
                    pp[i] -= lr * (nesterov ? d + mom * b : b)
                }
            }
        }
    }
    public func stateTensors() -> [(String, Tensor)] { state.named().map { ("sgd." + $0.0, $0.1) } }
    public func loadState(_ s: [String: Tensor]) throws { try state.load(s, prefix: "sgd.", groups: groups) }
}

/// Adam, and AdamW (decoupled weight decay), as torch.optim.Adam / AdamW.
public final class Adam: Optimizer {
    public let groups: [ParamGroup]
    public var beta1: Double, beta2: Double, eps: Double
    public let decoupled: Bool
    let state = StateBuffers()
    public private(set) var steps = 0

    public init(_ groups: [ParamGroup], beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, decoupled: Bool = false) throws {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.decoupled = decoupled
        guard (0..<1).contains(beta1), (0..<1).contains(beta2), eps >= 0 else {
            throw TensorError(decoupled ? "AdamW" : "Adam", "betas must be in [0, 1) and eps ≥ 0")
        }
        try checkParams()
    }
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, weightDecay: Double = 0, decoupled: Bool = false) throws {
        try self.init([ParamGroup(params, lr: lr, weightDecay: weightDecay)], decoupled: decoupled)
    }

    public func step() throws {
        steps += 1
        let bc1 = 1 - Foundation_pow(beta1, Double(steps)), bc2 = 1 - Foundation_pow(beta2, Double(steps))
        let b1 = Float(beta1), b2 = Float(beta2)
        let bc2s = Float(bc2.squareRoot())
        for (gi, g) in groups.enumerated() {
            let lr = Float(g.lr), wd = Float(g.weightDecay), eps = Float(self.eps)
            let stepSize = Float(g.lr / bc1)
            for (pi, p) in g.params.enumerated() {
                guard let grad = p.grad?.contiguous() else { continue }
                let (m, _) = state.get("g\(gi).p\(pi).exp_avg", like: p)
                let (v, _) = state.get("g\(gi).p\(pi).exp_avg_sq", like: p)
                let pp = p.fptr, gp = grad.fptr, mp = m.fptr, vp = v.fptr
                for i in 0..<p.count {
                    var d = gp[i]
                    if decoupled { pp[i] *= 1 - lr * wd } else { d += wd * pp[i] }
                    mp[i] = b1 * mp[i] + (1 - b1) * d
                    vp[i] = b2 * vp[i] + (1 - b2) * d * d
                    let denom = vp[i].squareRoot() / bc2s + eps
                    pp[i] -= stepSize * mp[i] / denom
                }
            }
        }
    }
    public func stateTensors() -> [(String, Tensor)] {
        [("adam.step", Tensor(Double(steps), dtype: .int32))] + state.named().map { ("adam." + $0.0, $0.1) }
    }
    public func loadState(_ s: [String: Tensor]) throws {
        guard let st = s["adam.step"] else { throw TensorError("Adam", "state has no 'adam.step' entry") }
        steps = Int(try st.item())
        try state.load(s.filter { $0.key != "adam.step" }, prefix: "adam.", groups: groups)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func Foundation_pow(_ a: Double, _ b: Double) -> Double { Glibc.pow(a, b) }
#else
import Darwin
@inline(__always) func Foundation_pow(_ a: Double, _ b: Double) -> Double { Darwin.pow(a, b) }
#endif
