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

/// Per-parameter state buffers named "g{group}.p{index}.{name}" (PyTorch keeps the same
/// state per parameter: `state[p]["momentum_buffer"]`, `["exp_avg"]`, `["step"]`, …).
final class StateBuffers {
    var buffers: [String: Tensor] = [:]
    func get(_ key: String, like p: Tensor) -> (Tensor, Bool) {
        if let b = buffers[key] { return (b, false) }
        let b = Tensor.zerosLike(p)
        buffers[key] = b
        return (b, true)
    }
    func named() -> [(String, Tensor)] { buffers.keys.sorted().map { ($0, buffers[$0]!) } }

    /// Validates `state` (every key must read `PREFIX g{i}.p{j}.{name}` with a known name, a real
    /// parameter and the parameter's shape and dtype, or be a scalar for `scalars`) and returns
    /// the copies to install; nothing is changed here, so a failed load leaves the optimiser as
    /// it was.
    static func validate(_ state: [String: Tensor], prefix: String, groups: [ParamGroup], op: String,
                         names: Set<String>, scalars: Set<String> = []) throws -> [String: Tensor] {
        var next: [String: Tensor] = [:]
        for k in state.keys.sorted() {
            let v = state[k]!
            guard k.hasPrefix(prefix) else {
                throw TensorError(op, "unexpected state entry '\(k)' (\(op) state entries start with '\(prefix)')")
            }
            let key = String(k.dropFirst(prefix.count))
            let parts = key.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].hasPrefix("g"), parts[1].hasPrefix("p"),
                  let gi = Int(parts[0].dropFirst()), let pi = Int(parts[1].dropFirst()),
                  gi >= 0, gi < groups.count, pi >= 0, pi < groups[gi].params.count else {
                throw TensorError(op, "state entry '\(k)' does not match any parameter")
            }
            let what = String(parts[2])
            let p = groups[gi].params[pi]
            if scalars.contains(what) {
                guard v.shape == [] else { throw TensorError(op, "state '\(k)': expected a scalar, got shape \(shapeString(v.shape))") }
                guard v.dtype != .bool else { throw TensorError(op, "state '\(k)': expected dtype float32 or int32, got bool") }
            } else {
                guard names.contains(what) else {
                    throw TensorError(op, "unknown state entry '\(k)' (expected \((names.union(scalars)).sorted().joined(separator: ", ")))")
                }
                guard v.shape == p.shape else {
                    throw TensorError(op, "state '\(k)': expected shape \(shapeString(p.shape)), got \(shapeString(v.shape))")
                }
                guard v.dtype == .float32 else { throw TensorError(op, "state '\(k)': expected dtype float32, got \(v.dtype)") }
            }
            next[key] = v.contiguousCopy()
        }
        return next
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
    public func loadState(_ s: [String: Tensor]) throws {
        state.buffers = try StateBuffers.validate(s, prefix: "sgd.", groups: groups, op: "SGD", names: ["momentum_buffer"])
    }
}

/// Adam, and AdamW (decoupled weight decay), as torch.optim.Adam / AdamW.
///
/// Step counts are kept per parameter, as PyTorch's `state[p]["step"]`: a parameter's count
/// (and so its bias correction) advances only on the steps where it has a gradient, so a
/// parameter that was frozen or unused for a while continues from its own count.
public final class Adam: Optimizer {
    public let groups: [ParamGroup]
    public var beta1: Double, beta2: Double, eps: Double
    public let decoupled: Bool
    let state = StateBuffers()
    /// Steps taken per parameter, keyed "g{group}.p{index}".
    var stepCounts: [String: Int] = [:]

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

    /// The number of steps parameter `param` of group `group` has taken (PyTorch's state["step"]).
    public func stepCount(group: Int = 0, param: Int) -> Int { stepCounts["g\(group).p\(param)"] ?? 0 }
    /// The largest per-parameter step count.
    public var steps: Int { stepCounts.values.max() ?? 0 }

    public func step() throws {
        // 1 − β in double, then rounded (as PyTorch passes Python floats): 1 − Float(0.999) would
        // be 1.3e-5 off in relative terms and bias every second-moment estimate.
        let ob1 = Float(1 - beta1), b2 = Float(beta2), ob2 = Float(1 - beta2)
        for (gi, g) in groups.enumerated() {
            let wd = Float(g.weightDecay), eps = Float(self.eps)
            let decay = Float(1 - g.lr * g.weightDecay)  // AdamW: param.mul_(1 − lr·wd)
            for (pi, p) in g.params.enumerated() {
                guard let grad = p.grad?.contiguous() else { continue }
                let key = "g\(gi).p\(pi)"
                let t = (stepCounts[key] ?? 0) + 1
                stepCounts[key] = t
                let bc1 = 1 - Foundation_pow(beta1, Double(t)), bc2 = 1 - Foundation_pow(beta2, Double(t))
                let bc2s = Float(bc2.squareRoot())
                let stepSize = Float(g.lr / bc1)
                let (m, _) = state.get(key + ".exp_avg", like: p)
                let (v, _) = state.get(key + ".exp_avg_sq", like: p)
                let pp = p.fptr, gp = grad.fptr, mp = m.fptr, vp = v.fptr
                for i in 0..<p.count {
                    var d = gp[i]
                    if decoupled { pp[i] *= decay } else { d += wd * pp[i] }
                    mp[i] += ob1 * (d - mp[i])  // exp_avg.lerp_(grad, 1 − β1)
                    vp[i] = b2 * vp[i] + ob2 * d * d  // exp_avg_sq.mul_(β2).addcmul_(grad, grad, 1 − β2)
                    let denom = vp[i].squareRoot() / bc2s + eps
                    pp[i] -= stepSize * mp[i] / denom
                }
            }
        }
    }

    /// "adam.g{i}.p{j}.exp_avg", ".exp_avg_sq" (shaped like the parameter) and ".step" (a float32
    /// scalar, like PyTorch's state["step"]), for every parameter that has taken a step.
    public func stateTensors() -> [(String, Tensor)] {
        var all = state.named()
        for (k, n) in stepCounts { all.append((k + ".step", Tensor(Double(n), dtype: .float32))) }
        return all.sorted { $0.0 < $1.0 }.map { ("adam." + $0.0, $0.1) }
    }
    /// Loads state saved by `stateTensors()`; a step count may be float32 or int32. Each
    /// parameter needs all three entries or none (none: it has not stepped yet).
    public func loadState(_ s: [String: Tensor]) throws {
        let op = decoupled ? "AdamW" : "Adam"
        let next = try StateBuffers.validate(s, prefix: "adam.", groups: groups, op: op,
                                             names: ["exp_avg", "exp_avg_sq"], scalars: ["step"])
        var counts: [String: Int] = [:]
        var buffers: [String: Tensor] = [:]
        var params = Set<String>()
        for (k, v) in next {
            let i = k.lastIndex(of: ".")!
            let param = String(k[..<i])
            params.insert(param)
            if k[k.index(after: i)...] == "step" {
                let d = try v.item()
                guard d >= 0, d == d.rounded(), d < 1e15 else { throw TensorError(op, "state 'adam.\(k)': expected a whole step count ≥ 0, got \(d)") }
                counts[param] = Int(d)
            } else {
                buffers[k] = v
            }
        }
        for p in params.sorted() {
            for part in ["exp_avg", "exp_avg_sq", "step"] where next[p + "." + part] == nil {
                throw TensorError(op, "state for parameter \(p) is incomplete: missing 'adam.\(p).\(part)'")
            }
        }
        state.buffers = buffers
        stepCounts = counts
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func Foundation_pow(_ a: Double, _ b: Double) -> Double { Glibc.pow(a, b) }
#else
import Darwin
@inline(__always) func Foundation_pow(_ a: Double, _ b: Double) -> Double { Darwin.pow(a, b) }
#endif
