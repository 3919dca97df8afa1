#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One vector-Jacobian product per primitive, all in this file. Each returns one gradient per
/// input (nil where none flows); gradients may have a broadcast shape, since the engine reduces
/// them to the input's shape in one place (`sumToShape`). Runs with grad mode off.
func vjp(_ node: Node, output: Tensor, grad g: Tensor) throws -> [Tensor?] {
    let x = node.inputs
    func need(_ i: Int) -> Bool { i < x.count && x[i].requiresGrad }
    func out() -> Tensor { node.saved ?? output.detach() }
    func keepdimShape(_ axes: [Int], _ shape: [Int]) -> [Int] {
        var s = shape
        for a in axes { s[a] = 1 }
        return s
    }
    switch node.prim {
    case .add:
        return [g, g]
    case .sub:
        return [g, need(1) ? try g.neg() : nil]
    case .mul:
        return [need(0) ? try g * x[1] : nil, need(1) ? try g * x[0] : nil]
    case .div:
        return [need(0) ? try g / x[1] : nil,
                need(1) ? try (g * x[0] / (x[1] * x[1])).neg() : nil]
    case .pow:
        let (a, b) = (try x[0].to(.float32), try x[1].to(.float32))
        let ga = need(0) ? try g * b * a.pow(b - 1) : nil
        var gb: Tensor? = nil
        if need(1) {
            // d/db a^b = a^b log a; taken as 0 where a == 0 (the limit for b > 0)
            let safeLog = try Tensor.where(a.eq(Tensor(0)), Tensor(0), a.log())
            gb = try g * a.pow(b) * safeLog
        }
        return [ga, gb]
    case .maximum, .minimum:
        let (a, b) = (try x[0].to(.float32), try x[1].to(.float32))
        let win = node.prim.kind == .maximum ? try a.gt(b).float() : try a.lt(b).float()
        let tie = try a.eq(b).float() * 0.5
        return [try g * (win + tie), try g * (1.0 - win - tie)]
    case .whereSelect(let c):
        let z = Tensor(0)
        return [need(0) ? try Tensor.where(c, g, z) : nil, need(1) ? try Tensor.where(c, z, g) : nil]
    case .neg:
        return [try g.neg()]
    case .abs:
        let a = x[0]
        return [try g * (try a.gt(Tensor(0)).float() - a.lt(Tensor(0)).float())]
    case .exp:
        return [try g * out()]
    case .log:
        return [try g / x[0]]
    case .log1p:
        return [try g / (x[0] + 1)]
    case .sqrt:
        return [try g * 0.5 / out()]
    case .rsqrt:
        let o = out()
        return [try g * -0.5 * o * o * o]
    case .sin:
        return [try g * x[0].cos()]
    case .cos:
        return [try (g * x[0].sin()).neg()]
    case .tanh:
        let o = out()
        return [try g * (1 - o * o)]
    case .sigmoid:
        let o = out()
        return [try g * o * (1 - o)]
    case .relu:
        return [try reluBackward(x[0], g)]
    case .gelu:
        let a = x[0]
        let cdf = try (a * 0.70710678118654752).unaryFloat(.neg) { 0.5 * (1 + erff($0)) }
        let pdf = try (a * a * -0.5).exp() * 0.3989422804014327
        return [try g * (cdf + a * pdf)]
    case .leakyRelu(let s):
        let pos = try x[0].gt(Tensor(0)).float()
        return [try g * (pos + (1 - pos) * Double(s))]
    case .clamp(let lo, let hi):
        var m = try Tensor.onesLike(x[0]).float()
        if let l = lo { m = try m * x[0].ge(Tensor(Double(l))).float() }
        if let h = hi { m = try m * x[0].le(Tensor(Double(h))).float() }
        return [try g * m]
    case .sum(let axes, let keepdim):
        let gk = keepdim ? g : try g.reshape(keepdimShape(axes, x[0].shape))
        return [try gk.expand(x[0].shape)]
    case .prod(let axis, let keepdim):
        return [try prodBackward(x[0], axis: axis, keepdim: keepdim, grad: g)]
    case .maxAlong(let axis, let keepdim, let idx):
        let gk = keepdim ? g : try g.unsqueeze(axis)
        let ik = keepdim ? idx : try idx.unsqueeze(axis)
        return [try Tensor.zerosLike(x[0]).float().scatterAdd(axis: axis, index: ik, src: gk)]
    case .logsumexp(let axes, let keepdim):
        let kd = keepdimShape(axes, x[0].shape)
        let gk = keepdim ? g : try g.reshape(kd)
        let ok = keepdim ? out() : try out().reshape(kd)
        return [try gk * (x[0] - ok).exp()]
    case .softmax(let axis):
        let o = out()
        return [try o * (g - (g * o).sum(axes: [axis], keepdim: true))]
    case .logSoftmax(let axis):
        return [try g - out().exp() * g.sum(axes: [axis], keepdim: true)]
    case .cumsum(let axis):
        return [try g.flip([axis]).cumsum(axis: axis).flip([axis])]
    case .matmul:
        let (a, b) = (x[0], x[1])
        return [need(0) ? try g.matmul2(b.transpose(-2, -1)) : nil,
                need(1) ? try a.transpose(-2, -1).matmul2(g) : nil]
    case .reshape:
        return [try g.reshape(x[0].shape)]
    case .permute(let d):
        var inv = [Int](repeating: 0, count: d.count)
        for (i, p) in d.enumerated() { inv[p] = i }
        return [try g.permute(inv)]
    case .expand, .asContiguous:
        return [g]
    case .slice(let axis, let start, let step):
        let z = Tensor.zerosLike(x[0]).contiguousCopy()
        let cnt = g.shape[axis]
        if cnt > 0 {
            var st = z.strides
            st[axis] *= step
            let v = z.view(g.shape, st, z.offset + start * z.strides[axis])
            try g.copy(into: v)
        }
        return [z]
    case .concat(let axis, let sizes):
        return try g.split(sizes: sizes, axis: axis).map { Optional($0) }
    case .pad(let widths):
        var r = g
        for (d, w) in widths.enumerated() { r = try r.narrow(axis: d, start: w.0, length: x[0].shape[d]) }
        return [r]
    case .flip(let axes):
        return [try g.flip(axes)]
    case .gather(let axis, let idx):
        return [try Tensor.zerosLike(x[0]).float().scatterAdd(axis: axis, index: idx, src: g)]
    case .scatterAdd(let axis, let idx):
        var gs: Tensor? = nil
        if need(1) {
            let gathered = try g.gather(axis: axis, index: idx)
            if gathered.shape == x[1].shape { gs = gathered } else {
                let z = try Tensor.zeros(x[1].shape)
                var v = z
                for d in 0..<idx.rank { v = try v.narrow(axis: d, start: 0, length: idx.shape[d]) }
                try gathered.copy(into: v)
                gs = z
            }
        }
        return [g, gs]
    case .indexSelect(let axis, let idx):
        return [try Tensor.zerosLike(x[0]).float().indexAdd(axis: axis, index: idx, src: g)]
    case .custom(let c):
        return try c.backward(g)
    }
}

/// d prod / d x_j = Π_{i≠j} x_i, computed from exclusive prefix and suffix products so that
/// zeros need no special case.
func prodBackward(_ x: Tensor, axis: Int, keepdim: Bool, grad: Tensor) throws -> Tensor {
    let gk = keepdim ? grad : try grad.unsqueeze(axis)
    let perm = (0..<x.rank).filter { $0 != axis } + [axis]
    let rows = try x.to(.float32).permute(perm).contiguous()
    let r = x.shape[axis], m = x.count / Swift.max(r, 1)
    let d = Tensor(uninitialized: rows.shape, dtype: .float32)
    for i in 0..<m {
        let src = rows.fptr + i * r, dst = d.fptr + i * r
        var acc: Float = 1
        for j in 0..<r { dst[j] = acc; acc *= src[j] }
        acc = 1
        for j in stride(from: r - 1, through: 0, by: -1) { dst[j] *= acc; acc *= src[j] }
    }
    var inv = [Int](repeating: 0, count: x.rank)
    for (i, p) in perm.enumerated() { inv[p] = i }
    return try gk * d.permute(inv)
}

/// g · [x > 0] in one pass (the ReLU VJP is on every training step's hot path).
func reluBackward(_ x: Tensor, _ g: Tensor) throws -> Tensor {
    guard x.shape == g.shape, x.dtype == .float32, g.dtype == .float32 else { return try g * x.gt(Tensor(0)).float() }
    let xc = x.contiguous(), gc = g.contiguous()
    let out = Tensor(uninitialized: x.shape, dtype: .float32)
    let (xp, gp, op) = (xc.fptr, gc.fptr, out.fptr)
    parallelElementwise(x.count) { lo, hi in
        for i in lo..<hi { op[i] = xp[i] > 0 ? gp[i] : 0 }
    }
    return out
}
