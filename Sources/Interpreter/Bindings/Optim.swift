import Kernel

/// The `optim` module: optimisers (`OptimizerObject` wraps a Kernel `Optimizer`) and schedules
/// (`ScheduleObject` wraps a Kernel `Schedule`; callable as `sched(epoch)`).

public final class OptimizerObject: ScriptObject {
    public let optimizer: Optimizer
    let kind: String
    public init(_ o: Optimizer, kind: String) { optimizer = o; self.kind = kind }
    public var typeName: String { "optimizer" }

    static let methods: [(String, String, String)] = [
        ("step", "", "Updates every parameter from its .grad (parameters without a grad are skipped)."),
        ("zero_grad", "", "Clears the .grad of every parameter."),
        ("set_lr", "lr: float, group: int? = nil", "Sets the learning rate of every group (or of one group)."),
        ("state", "", "{name: tensor}: the optimiser's state (momentum buffers, moments, step count), as copies."),
        ("load_state", "state: dict", "Restores a state() dict."),
    ]
    static let signatures: [String: Signature] = Dictionary(uniqueKeysWithValues: methods.map { ($0.0, Signature(parsing: $0.1)) })
    public var memberNames: [String] { ["lr", "param_groups", "type"] + OptimizerObject.methods.map { $0.0 } }

    public var scriptDescription: String {
        var s = kind + "("
        var parts: [String] = []
        for (i, g) in optimizer.groups.enumerated() {
            parts.append("group \(i): \(g.params.count) tensors, lr=\(g.lr), weight_decay=\(g.weightDecay)")
        }
        if let sgd = optimizer as? SGD {
            parts.append("momentum=\(sgd.momentum), dampening=\(sgd.dampening), nesterov=\(sgd.nesterov)")
        } else if let adam = optimizer as? Adam {
            parts.append("betas=[\(adam.beta1), \(adam.beta2)], eps=\(adam.eps)")
        }
        s += parts.joined(separator: "; ") + ")"
        return s
    }

    public func member(_ name: String) throws -> Value? {
        let o = optimizer
        switch name {
        case "lr": return .float(o.lr)
        case "type": return .string(kind)
        case "param_groups":
            return .list(ScriptList(o.groups.map { g in
                record([("params", .list(ScriptList(g.params.map(wrap)))), ("lr", .float(g.lr)), ("weight_decay", .float(g.weightDecay))])
            }))
        default: break
        }
        if let f = bound[name] { return f }
        guard let entry = OptimizerObject.methods.first(where: { $0.0 == name }) else { return nil }
        // bound methods capture only the Kernel optimiser (no cycle through self); cached,
        // since `opt.step()` and `opt.zero_grad()` run in every training step
        let f = Value.native(NativeFunction(name: "\(kind).\(name)", signature: OptimizerObject.signatures[name]!, doc: entry.2) { args in
            switch name {
            case "step": try o.step(); return .null
            case "zero_grad": o.zeroGrad(); return .null
            case "set_lr":
                let lr = try args.double(0)
                guard lr >= 0, lr.isFinite else { throw args.argumentError(0, "lr must be a finite number ≥ 0, got \(lr)") }
                if args.isNull(1) { o.setLR(lr); return .null }
                let g = try args.int(1)
                guard o.groups.indices.contains(g) else { throw args.argumentError(1, "group \(g) out of range (\(o.groups.count) groups)") }
                let grp = o.groups[g]
                grp.lr = lr
                return .null
            case "state":
                return .dict(ScriptDict(o.stateTensors().map { ($0.0, wrap($0.1.detach().clone())) }))
            case "load_state":
                let d = try args.dict(0)
                var state: [String: Tensor] = [:]
                for (k, v) in zip(d.keys, d.values) {
                    guard case .string(let key) = k, case .object(let obj) = v, let t = obj as? TensorObject else {
                        throw args.argumentError(0, "expected a dict of name → tensor, as state() returns")
                    }
                    state[key] = t.tensor
                }
                try o.loadState(state)
                return .null
            default: throw ScriptError("internal: no method \(name)")
            }
        })
        bound[name] = f
        return f
    }
    private var bound: [String: Value] = [:]

    public func setMember(_ name: String, to value: Value) throws -> Bool {
        guard name == "lr" else { return false }
        let lr: Double
        switch value {
        case .int(let i): lr = Double(i)
        case .float(let d): lr = d
        default: throw ScriptError("lr must be a number, got \(value.typeName)")
        }
        guard lr >= 0, lr.isFinite else { throw ScriptError("lr must be a finite number ≥ 0, got \(lr)") }
        optimizer.setLR(lr)
        return true
    }
}

public final class ScheduleObject: ScriptObject {
    public let schedule: Schedule
    public init(_ s: Schedule) { schedule = s }
    public var typeName: String { "schedule" }
    public var memberNames: [String] { ["value"] }
    public var callable: NativeFunction? { valueFunction }
    public func member(_ name: String) throws -> Value? { name == "value" ? .native(valueFunction) : nil }
    private var valueFunction: NativeFunction {
        let s = schedule
        return NativeFunction(name: "schedule", signature: ScheduleObject.signature, doc: "The value at an epoch (or step).") { args in
            .float(s.value(at: try args.int(0)))
        }
    }
    static let signature = Signature(parsing: "epoch: int")
    public var scriptDescription: String { "<schedule \(ScheduleObject.describe(schedule))>" }
    static func describe(_ s: Schedule) -> String {
        switch s {
        case .constant(let v): return "constant(\(v))"
        case .cosine(let b, let m, let p): return "cosine(base=\(b), min=\(m), period=\(p))"
        case .coregCosine(let b): return "coreg_cosine(base=\(b))"
        case .step(let b, let s, let g): return "step_schedule(base=\(b), step_size=\(s), gamma=\(g))"
        case .warmup(let e, let then): return "warmup(epochs=\(e), \(describe(then)))"
        case .linearRamp(let v, let st, let l): return "ramp(value=\(v), start=\(st), length=\(l))"
        }
    }
}

// MARK: parameter groups

/// `params` as parameter groups: a model, a tensor, a list of tensors, or a list of group dicts
/// `{params, lr, weight_decay}` (missing entries take the optimiser's values).
func parameterGroups(_ args: Arguments, _ i: Int, lr: Double, weightDecay: Double) throws -> [ParamGroup] {
    func tensors(_ v: Value, _ what: String) throws -> [Tensor] {
        switch v {
        case .object(let o as ModelObject): return o.module.parameters()
        case .object(let o as TensorObject): return [o.tensor]
        case .list(let l):
            return try l.items.enumerated().map { (j, item) in
                guard case .object(let o) = item, let t = o as? TensorObject else {
                    throw args.argumentError(i, "\(what)item \(j) must be a tensor, got \(item.typeName)")
                }
                return t.tensor
            }
        default: throw args.argumentError(i, expected: "module, tensor, list of tensors or list of groups", got: v)
        }
    }
    func number(_ v: Value?, _ def: Double, _ name: String) throws -> Double {
        switch v {
        case nil, .null?: return def
        case .int(let x)?: return Double(x)
        case .float(let x)?: return x
        case let other?: throw args.argumentError(i, "group '\(name)' must be a number, got \(other.typeName)")
        }
    }
    if case .list(let l) = args[i], let first = l.items.first, case .dict = first {
        return try l.items.enumerated().map { (j, item) in
            guard case .dict(let d) = item else { throw args.argumentError(i, "group \(j) must be a dict, got \(item.typeName)") }
            guard let p = d["params"] else { throw args.argumentError(i, "group \(j) has no 'params'") }
            for k in d.keys { if case .string(let s) = k, !["params", "lr", "weight_decay"].contains(s) {
                throw args.argumentError(i, "group \(j) has an unknown key '\(s)' (expected params, lr, weight_decay)")
            } }
            return ParamGroup(try tensors(p, "group \(j) "), lr: try number(d["lr"], lr, "lr"),
                              weightDecay: try number(d["weight_decay"], weightDecay, "weight_decay"))
        }
    }
    return [ParamGroup(try tensors(args[i], ""), lr: lr, weightDecay: weightDecay)]
}

// MARK: the module

func registerOptimModule(_ r: Registry) {
    let optim = r.module("optim", doc: "Optimisers (sgd, adam, adamw) and learning-rate / loss-weight schedules.")
    func checkLR(_ a: Arguments, _ i: Int) throws -> Double {
        let lr = try a.double(i)
        guard lr >= 0, lr.isFinite else { throw a.argumentError(i, "lr must be a finite number ≥ 0, got \(lr)") }
        return lr
    }
    optim.add("sgd(params, lr: float, momentum: float = 0, weight_decay: float = 0, dampening: float = 0, nesterov: bool = false)",
              doc: "SGD with momentum, dampening, Nesterov and weight decay (torch.optim.SGD). params: a model, tensors or groups.") { a in
        let groups = try parameterGroups(a, 0, lr: try checkLR(a, 1), weightDecay: try a.double(3))
        return .object(OptimizerObject(try SGD(groups, momentum: try a.double(2), dampening: try a.double(4), nesterov: try a.bool(5)), kind: "SGD"))
    }
    func adam(_ name: String, _ kind: String, _ decoupled: Bool, wd: String) {
        optim.add("\(name)(params, lr: float = 0.001, weight_decay: float = \(wd), beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8)",
                  doc: decoupled ? "AdamW: Adam with decoupled weight decay (torch.optim.AdamW)." : "Adam (torch.optim.Adam; weight decay added to the gradient).") { a in
            let groups = try parameterGroups(a, 0, lr: try checkLR(a, 1), weightDecay: try a.double(2))
            return .object(OptimizerObject(try Adam(groups, beta1: try a.double(3), beta2: try a.double(4), eps: try a.double(5),
                                                    decoupled: decoupled), kind: kind))
        }
    }
    adam("adam", "Adam", false, wd: "0")
    adam("adamw", "AdamW", true, wd: "0.01")

    func sched(_ s: Schedule) -> Value { .object(ScheduleObject(s)) }
    optim.add("constant(value: float)", doc: "A constant schedule.") { a in sched(.constant(try a.double(0))) }
    optim.add("cosine(base: float, min: float = 0, period: int)", doc: "Cosine annealing from base to min over period epochs.") { a in
        sched(.cosine(base: try a.double(0), min: try a.double(1), period: try a.positive(2, "period")))
    }
    optim.add("coreg_cosine(base: float)", doc: "The Co-Reg cosine: min = base·0.001, period fixed at 800.") { a in
        sched(.coregCosine(base: try a.double(0)))
    }
    optim.add("step_schedule(base: float, step_size: int, gamma: float = 0.1)", doc: "base·gamma^(epoch // step_size).") { a in
        sched(.step(base: try a.double(0), stepSize: try a.positive(1, "step_size"), gamma: try a.double(2)))
    }
    optim.add("warmup(epochs: int, schedule)", doc: "Linear warm-up to the schedule's value over `epochs`, then the schedule (a schedule or a number).") { a in
        let e = try a.int(0)
        guard e >= 0 else { throw a.argumentError(0, "epochs must be ≥ 0, got \(e)") }
        let then: Schedule
        switch a[1] {
        case .object(let o as ScheduleObject): then = o.schedule
        case .int(let v): then = .constant(Double(v))
        case .float(let v): then = .constant(v)
        default: throw a.argumentError(1, expected: "schedule or number", got: a[1])
        }
        return sched(.warmup(epochs: e, then: then))
    }
    optim.add("ramp(value: float, start: int = 0, length: int)", doc: "value·clamp((epoch − start)/length, 0, 1): a loss-weight ramp.") { a in
        sched(.linearRamp(value: try a.double(0), start: try a.int(1), length: try a.int(2)))
    }
}
