/// The dynamic tape: each result that requires grad holds the `Node` that made it.
final class Node {
    let prim: Prim
    private(set) var inputs: [Tensor]
    /// The output's shape and, for ops whose VJP needs it, the output itself (held weakly would
    /// break the chain when the user drops it, so ops that need it save it explicitly).
    let saved: Tensor?
    init(_ prim: Prim, _ inputs: [Tensor], saved: Tensor?) {
        self.prim = prim
        self.inputs = inputs
        self.saved = saved
    }

    /// Tears a dying tape down iteratively: releasing it recursively (tensor → node → inputs → …)
    /// overflows the stack after ~25,000 chained ops.
    deinit {
        var pending: [Node] = []
        Node.release(&inputs, into: &pending)
        while var n = pending.popLast() {
            if isKnownUniquelyReferenced(&n) { Node.release(&n.inputs, into: &pending) }
        }
    }

    /// Empties `tensors`, first moving the nodes of those that die with it onto `pending`.
    private static func release(_ tensors: inout [Tensor], into pending: inout [Node]) {
        for i in tensors.indices where isKnownUniquelyReferenced(&tensors[i]) {
            if let n = tensors[i].node {
                tensors[i].node = nil
                pending.append(n)
            }
        }
        tensors.removeAll()
    }
}

/// Whether ops record themselves on the tape. Off inside `Tensor.noGrad { … }`.
public enum GradMode {
    nonisolated(unsafe) static var depth = 0
    public static var isEnabled: Bool { depth == 0 }
}

extension Tensor {
    /// Runs `body` without recording ops on the tape.
    public static func noGrad<T>(_ body: () throws -> T) rethrows -> T {
        GradMode.depth += 1
        defer { GradMode.depth -= 1 }
        return try body()
    }

    /// Attaches `prim` to `out` when grad mode is on and an input requires grad.
    @inline(__always)
    func recorded(_ prim: @autoclosure () -> Prim, _ inputs: [Tensor], saveOutput: Bool = false) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return self }
        requiresGrad = true
        node = Node(prim(), inputs, saved: saveOutput ? self.detach() : nil)
        return self
    }

    /// Reverse-mode differentiation from this tensor. A scalar may omit `gradient` (it seeds 1);
    /// otherwise `gradient` must have this tensor's shape. Leaves accumulate into `.grad`.
    public func backward(_ gradient: Tensor? = nil) throws {
        guard requiresGrad else {
            throw TensorError("backward", "this tensor does not require grad (no input was marked with requires_grad)")
        }
        let seed: Tensor
        if let g = gradient {
            guard g.shape == shape else {
                throw TensorError("backward", "gradient shape \(shapeString(g.shape)) does not match tensor shape \(shapeString(shape))")
            }
            seed = try g.to(.float32)
        } else {
            guard count == 1 else {
                throw TensorError("backward", "grad can be implicitly created only for a one-element tensor; got shape \(shapeString(shape)); pass a gradient")
            }
            seed = Tensor.ones(shape)
        }
        try Tensor.noGrad { try runBackward(seed) }
    }

    private func runBackward(_ seed: Tensor) throws {
        // Topological order of the nodes reachable from self (iterative DFS: deep graphs from long
        // script loops must not overflow the stack).
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            if visited.contains(ObjectIdentifier(t)) { continue }
            visited.insert(ObjectIdentifier(t))
            stack.append((t, true))
            if let n = t.node {
                for i in n.inputs where i.requiresGrad && !visited.contains(ObjectIdentifier(i)) {
                    stack.append((i, false))
                }
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        for t in order.reversed() {
            guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
            if t.node == nil || t.retainsGrad {
                t.grad = try t.grad.map { try $0 + g } ?? g.contiguous()
            }
            guard let node = t.node else { continue }
            try Interrupt.check()
            let inGrads = try vjp(node, output: t, grad: g)
            for (inp, ig) in zip(node.inputs, inGrads) {
                guard inp.requiresGrad, let ig = ig else { continue }
                // Broadcast gradients are reduced here, and only here.
                let reduced = try ig.sumToShape(inp.shape)
                let key = ObjectIdentifier(inp)
                grads[key] = try grads[key].map { try $0 + reduced } ?? reduced
            }
        }
    }

    /// Sums a broadcast gradient back to `target` (the shape of the input it flows into).
    func sumToShape(_ target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        guard lead >= 0 else {
            throw TensorError("backward", "internal: gradient \(shapeString(shape)) has lower rank than \(shapeString(target))")
        }
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        var r = axes.isEmpty ? self : try sum(axes: axes, keepdim: true)
        if lead > 0 { r = try r.reshape(target) }
        else if r.shape != target { r = try r.reshape(target) }
        return r
    }
}
