import XCTest
import Kernel

/// One finite-difference gradient check: fresh inputs, the function, and its tolerance.
struct GradCase {
    let name: String
    let tol: Tol
    let make: () throws -> [Tensor]
    let f: ([Tensor]) throws -> Tensor

    init(_ name: String, _ tol: Tol, _ make: @escaping () throws -> [Tensor], _ f: @escaping ([Tensor]) throws -> Tensor) {
        self.name = name
        self.tol = tol
        self.make = make
        self.f = f
    }

    func run(file: StaticString = #filePath, line: UInt = #line) throws {
        try gradCheck(name, make(), tol: tol, file: file, line: line, f)
    }
}

// MARK: input builders

private func A(_ s: [Int], _ seed: UInt64, lo: Float = 0.2, hi: Float = 1.5) throws -> Tensor { try away(s, lo: lo, hi: hi, seed: seed) }
private func P(_ s: [Int], _ seed: UInt64, lo: Float = 0.3, hi: Float = 2) throws -> Tensor { try positive(s, lo: lo, hi: hi, seed: seed) }
private func D(_ s: [Int], _ seed: UInt64) throws -> Tensor { try distinct(s, seed: seed) }
private func T(_ v: [Float], _ s: [Int]) throws -> Tensor { try Tensor(v, shape: s) }
private func I(_ v: [Int32], _ s: [Int]) throws -> Tensor { try Tensor(ints: v, shape: s) }

/// `a` with every element moved at least `gap` away from the matching (broadcast) element of `b`,
/// so maximum/minimum are evaluated away from ties.
private func apart(_ a: Tensor, from b: Tensor, gap: Float = 0.1) throws -> Tensor {
    var av = a.toFloats()
    let bv = try b.expand(a.shape).toFloats()
    for i in av.indices where Swift.abs(av[i] - bv[i]) < gap { av[i] = bv[i] + 3 * gap }
    return try Tensor(av, shape: a.shape)
}

/// `x` with elements near any of `points` moved off them (for clamp's kinks).
private func avoiding(_ x: Tensor, _ points: [Float], margin: Float = 0.05) throws -> Tensor {
    var v = x.toFloats()
    for i in v.indices {
        for p in points where Swift.abs(v[i] - p) < margin { v[i] = p + (v[i] < p ? -3 : 3) * margin }
    }
    return try Tensor(v, shape: x.shape)
}

// MARK: the registry

/// Gradient checks for every differentiable primitive. The FIRST case of each entry must produce
/// a result whose tape node is that primitive (checked via the printed `grad_fn`).
func primGradRegistry() throws -> [PrimKind: [GradCase]] {
    let L = Tol.linear, S = Tol.smooth, X = Tol.steep
    let cond23 = try mask([2, 3], seed: 71), cond31 = try mask([3, 1], seed: 72)
    let gIdx = try I([0, 3, 3, 1, 2, 2, 0, 0, 1, 3, 3, 3, 2, 1, 0], [3, 5])
    let gIdx0 = try I([2, 0, 1, 1, 0, 2, 2, 2], [2, 4])
    let sIdx = try I([0, 2, 2, 1, 1, 1, 0, 2], [2, 4])
    let sIdx1 = try I([3, 0, 3, 1, 1, 0], [3, 2])
    var r: [PrimKind: [GradCase]] = [:]

    // elementwise binary, with broadcasting
    r[.add] = [
        GradCase("add", L, { [try A([2, 3], 1), try A([2, 3], 2)] }) { try $0[0] + $0[1] },
        GradCase("add-bcast-row", L, { [try A([2, 3], 3), try A([3], 4)] }) { try $0[0] + $0[1] },
        GradCase("add-bcast-both", L, { [try A([2, 1, 3], 5), try A([4, 1], 6)] }) { try $0[0] + $0[1] },
        GradCase("add-scalar", L, { [try A([], 7), try A([3], 8)] }) { try $0[0] + $0[1] },
    ]
    r[.sub] = [
        GradCase("sub", L, { [try A([3, 4], 9), try A([4], 10)] }) { try $0[0] - $0[1] },
        GradCase("sub-bcast-both", L, { [try A([4, 1], 11), try A([1, 3], 12)] }) { try $0[0] - $0[1] },
    ]
    r[.mul] = [
        GradCase("mul", L, { [try A([2, 3], 13), try A([2, 3], 14)] }) { try $0[0] * $0[1] },
        GradCase("mul-bcast-both", L, { [try A([3, 1], 15), try A([1, 4], 16)] }) { try $0[0] * $0[1] },
        GradCase("mul-scalar", L, { [try A([2, 3], 17), try A([], 18)] }) { try $0[0] * $0[1] },
        GradCase("mul-self", L, { [try A([4], 19)] }) { try $0[0] * $0[0] },
    ]
    r[.div] = [
        GradCase("div", X, { [try A([2, 3], 20), try A([2, 3], 21, lo: 0.4)] }) { try $0[0] / $0[1] },
        GradCase("div-bcast", X, { [try A([2, 3], 22), try A([3], 23, lo: 0.4)] }) { try $0[0] / $0[1] },
        GradCase("div-bcast-num", X, { [try A([3], 24), try A([2, 1], 25, lo: 0.4)] }) { try $0[0] / $0[1] },
    ]
    r[.pow] = [
        GradCase("pow-both", X, { [try P([2, 3], 26, lo: 0.5), try A([2, 3], 27)] }) { try $0[0].pow($0[1]) },
        GradCase("pow-bcast-both", X, { [try P([2, 1], 28, lo: 0.5), try A([3], 29)] }) { try $0[0].pow($0[1]) },
        GradCase("pow-const-cube-neg-base", X, { [try A([2, 3], 30)] }) { try $0[0].pow(3) },
        GradCase("pow-const-frac", X, { [try P([5], 31)] }) { try $0[0].pow(2.5) },
        GradCase("pow-const-base", X, { [try A([4], 32)] }) { try Tensor(1.7).pow($0[0]) },
    ]
    r[.maximum] = [
        GradCase("maximum", L, {
            let b = try A([2, 3], 34)
            return [try apart(A([2, 3], 33), from: b), b]
        }) { try $0[0].maximum($0[1]) },
        GradCase("maximum-bcast", L, {
            let b = try A([3], 36)
            return [try apart(A([4, 3], 35), from: b), b]
        }) { try $0[0].maximum($0[1]) },
    ]
    r[.minimum] = [
        GradCase("minimum", L, {
            let b = try A([2, 3], 38)
            return [try apart(A([2, 3], 37), from: b), b]
        }) { try $0[0].minimum($0[1]) },
        GradCase("minimum-bcast", L, {
            let b = try A([2, 1], 40)
            return [try apart(A([2, 3], 39), from: b), b]
        }) { try minSwapped($0) },
    ]
    r[.where] = [
        GradCase("where", L, { [try A([2, 3], 41), try A([2, 3], 42)] }) { try Tensor.where(cond23, $0[0], $0[1]) },
        GradCase("where-bcast", L, { [try A([2, 3], 43), try A([3], 44)] }) { try Tensor.where(cond23, $0[0], $0[1]) },
        GradCase("where-bcast-cond", L, { [try A([4], 45), try A([3, 4], 46)] }) { try Tensor.where(cond31, $0[0], $0[1]) },
    ]

    // elementwise unary
    r[.neg] = [GradCase("neg", L, { [try A([2, 3], 47)] }) { try $0[0].neg() }]
    r[.abs] = [GradCase("abs", L, { [try A([3, 4], 48)] }) { try $0[0].abs() }]
    r[.exp] = [GradCase("exp", S, { [try A([3, 4], 49)] }) { try $0[0].exp() }]
    r[.log] = [GradCase("log", X, { [try P([3, 4], 50)] }) { try $0[0].log() }]
    r[.log1p] = [GradCase("log1p", S, { [try Tensor.rand([3, 4], low: -0.5, high: 2, rng: RNG(seed: 51))] }) { try $0[0].log1p() }]
    r[.sqrt] = [GradCase("sqrt", S, { [try P([3, 4], 52)] }) { try $0[0].sqrt() }]
    r[.rsqrt] = [GradCase("rsqrt", X, { [try P([3, 4], 53)] }) { try $0[0].rsqrt() }]
    r[.sin] = [GradCase("sin", S, { [try A([3, 4], 54, hi: 3)] }) { try $0[0].sin() }]
    r[.cos] = [GradCase("cos", S, { [try A([3, 4], 55, hi: 3)] }) { try $0[0].cos() }]
    r[.tanh] = [GradCase("tanh", S, { [try A([3, 4], 56, hi: 2.5)] }) { try $0[0].tanh() }]
    r[.sigmoid] = [GradCase("sigmoid", S, { [try A([3, 4], 57, hi: 4)] }) { try $0[0].sigmoid() }]
    r[.relu] = [GradCase("relu", L, { [try A([3, 4], 58)] }) { try $0[0].relu() }]
    r[.gelu] = [GradCase("gelu", S, { [try A([3, 4], 59, lo: 0.05, hi: 3)] }) { try $0[0].gelu() }]
    r[.leaky_relu] = [
        GradCase("leaky_relu-0.1", L, { [try A([3, 4], 60)] }) { try $0[0].leakyRelu(0.1) },
        GradCase("leaky_relu-default", L, { [try A([5], 61)] }) { try $0[0].leakyRelu() },
    ]
    r[.clamp] = [
        GradCase("clamp", L, { [try avoiding(A([4, 5], 62), [-0.5, 0.7])] }) { try $0[0].clamp(min: -0.5, max: 0.7) },
        GradCase("clamp-min", L, { [try avoiding(A([8], 63), [0.3])] }) { try $0[0].clamp(min: 0.3) },
        GradCase("clamp-max", L, { [try avoiding(A([8], 64), [-0.3])] }) { try $0[0].clamp(max: -0.3) },
    ]

    // reductions
    r[.sum] = [
        GradCase("sum-all", L, { [try A([3, 4], 65)] }) { try $0[0].sum() },
        GradCase("sum-axis0", L, { [try A([3, 4], 66)] }) { try $0[0].sum(axes: [0]) },
        GradCase("sum-last-keepdim", L, { [try A([3, 4], 67)] }) { try $0[0].sum(axes: [-1], keepdim: true) },
        GradCase("sum-axes02", L, { [try A([2, 3, 4], 68)] }) { try $0[0].sum(axes: [0, 2]) },
        GradCase("sum-axes02-keepdim", L, { [try A([2, 3, 4], 69)] }) { try $0[0].sum(axes: [2, 0], keepdim: true) },
        GradCase("sum-of-view", L, { [try A([3, 4], 70)] }) { try $0[0].transpose().sum(axes: [1]) },
    ]
    r[.prod] = [
        GradCase("prod-axis1", L, { [try A([3, 4], 73, lo: 0.5)] }) { try $0[0].prod(axis: 1) },
        GradCase("prod-one-zero", L, { [try T([0.5, 0, -1.2, 0.9, 1.1, -0.7, 0.8, 1.3], [2, 4])] }) { try $0[0].prod(axis: 1) },
        GradCase("prod-two-zeros", L, { [try T([0.5, 0, -1.2, 0, 1.1, -0.7, 0.8, 1.3], [2, 4])] }) { try $0[0].prod(axis: 1) },
        GradCase("prod-axis0-keepdim-zero", L, { [try T([0.5, 0, -1.2, 0.6, 1.1, -0.7], [3, 2])] }) { try $0[0].prod(axis: 0, keepdim: true) },
        GradCase("prod-all", L, { [try A([2, 3], 74, lo: 0.6)] }) { try $0[0].prod() },
    ]
    r[.max_along] = [
        GradCase("max-axis1", L, { [try D([3, 4], 75)] }) { try $0[0].max(axis: 1).values },
        GradCase("min-axis0-keepdim", L, { [try D([3, 4], 76)] }) { try $0[0].min(axis: 0, keepdim: true).values },
        GradCase("max-3d-last", L, { [try D([2, 3, 4], 77)] }) { try $0[0].max(axis: -1).values },
        GradCase("amax-axes", L, { [try D([2, 3, 4], 78)] }) { try $0[0].amax(axes: [0, 2]) },
        GradCase("amin-all", L, { [try D([2, 3], 79)] }) { try $0[0].amin() },
    ]
    r[.logsumexp] = [
        GradCase("logsumexp-axis1", S, { [try A([3, 4], 80)] }) { try $0[0].logsumexp(axes: [1]) },
        GradCase("logsumexp-all", S, { [try A([3, 4], 81)] }) { try $0[0].logsumexp() },
        GradCase("logsumexp-axes-keepdim", S, { [try A([2, 3, 4], 82)] }) { try $0[0].logsumexp(axes: [0, 2], keepdim: true) },
    ]
    r[.softmax] = [
        GradCase("softmax-last", S, { [try A([3, 5], 83)] }) { try $0[0].softmax() },
        GradCase("softmax-axis0", S, { [try A([3, 5], 84)] }) { try $0[0].softmax(axis: 0) },
        GradCase("softmax-3d-mid", S, { [try A([2, 3, 4], 85)] }) { try $0[0].softmax(axis: 1) },
    ]
    r[.log_softmax] = [
        GradCase("log_softmax-last", S, { [try A([3, 5], 86)] }) { try $0[0].logSoftmax() },
        GradCase("log_softmax-axis0", S, { [try A([3, 5], 87)] }) { try $0[0].logSoftmax(axis: 0) },
        GradCase("log_softmax-3d-mid", S, { [try A([2, 3, 4], 88)] }) { try $0[0].logSoftmax(axis: 1) },
    ]
    r[.cumsum] = [
        GradCase("cumsum-axis1", L, { [try A([3, 4], 89)] }) { try $0[0].cumsum(axis: 1) },
        GradCase("cumsum-axis0", L, { [try A([3, 4], 90)] }) { try $0[0].cumsum(axis: 0) },
        GradCase("cumsum-3d", L, { [try A([2, 3, 2], 91)] }) { try $0[0].cumsum(axis: -2) },
    ]

    // linear algebra
    r[.matmul] = [
        GradCase("matmul-2d", L, { [try A([2, 3], 92), try A([3, 4], 93)] }) { try $0[0].matmul($0[1]) },
        GradCase("matmul-batched", L, { [try A([2, 2, 3], 94), try A([2, 3, 4], 95)] }) { try $0[0].matmul($0[1]) },
        GradCase("matmul-bcast-right", L, { [try A([2, 2, 3], 96), try A([3, 4], 97)] }) { try $0[0].matmul($0[1]) },
        GradCase("matmul-bcast-left", L, { [try A([2, 3], 98), try A([2, 3, 2], 99)] }) { try $0[0].matmul($0[1]) },
        GradCase("matmul-bcast-both", L, { [try A([2, 1, 2, 3], 100), try A([3, 3, 2], 101)] }) { try $0[0].matmul($0[1]) },
        GradCase("matmul-transposed-views", L, { [try A([3, 2], 102), try A([4, 3], 103)] }) {
            try $0[0].transpose().matmul($0[1].transpose())
        },
        GradCase("matmul-batched-transposed", L, { [try A([2, 3, 2], 104), try A([2, 3, 4], 105)] }) {
            try $0[0].transpose(1, 2).matmul($0[1])
        },
        GradCase("matmul-1d-2d", L, { [try A([3], 106), try A([3, 4], 107)] }) { try $0[0].matmul($0[1]) },
        GradCase("matmul-2d-1d", L, { [try A([2, 3], 108), try A([3], 109)] }) { try $0[0].matmul($0[1]) },
        GradCase("matmul-1d-1d", L, { [try A([4], 110), try A([4], 111)] }) { try $0[0].matmul($0[1]) },
        GradCase("matmul-batched-1d", L, { [try A([2, 2, 3], 112), try A([3], 113)] }) { try $0[0].matmul($0[1]) },
        GradCase("matmul-1d-batched", L, { [try A([3], 114), try A([2, 3, 2], 115)] }) { try $0[0].matmul($0[1]) },
    ]

    // views
    r[.reshape] = [
        GradCase("reshape", L, { [try A([2, 6], 116)] }) { try $0[0].reshape([3, 4]) },
        GradCase("reshape-infer", L, { [try A([2, 3, 2], 117)] }) { try $0[0].reshape([-1]) },
        GradCase("reshape-of-transpose", L, { [try A([3, 4], 118)] }) { try $0[0].transpose().reshape([2, 6]) },
        GradCase("flatten", L, { [try A([2, 3, 2], 119)] }) { try $0[0].flatten(startAxis: 1) },
    ]
    r[.permute] = [
        GradCase("permute", L, { [try A([2, 3, 4], 120)] }) { try $0[0].permute([2, 0, 1]) },
        GradCase("transpose", L, { [try A([3, 4], 121)] }) { try $0[0].transpose() },
        GradCase("transpose-3d", L, { [try A([2, 3, 4], 122)] }) { try $0[0].transpose(0, 2) },
    ]
    r[.expand] = [
        GradCase("expand", L, { [try A([3, 1], 123)] }) { try $0[0].expand([2, 3, 4]) },
        GradCase("expand-1", L, { [try A([1], 124)] }) { try $0[0].expand([5]) },
        GradCase("expand-keep", L, { [try A([2, 1, 3], 125)] }) { try $0[0].expand([-1, 4, -1]) },
    ]
    r[.slice] = [
        GradCase("slice-step2", L, { [try A([5, 4], 126)] }) { try $0[0].slice(axis: 0, start: 1, end: 5, step: 2) },
        GradCase("slice-reverse", L, { [try A([5, 4], 127)] }) { try $0[0].slice(axis: 1, step: -1) },
        GradCase("slice-neg-step2", L, { [try A([5, 4], 128)] }) { try $0[0].slice(axis: 0, start: -1, step: -2) },
        GradCase("slice-neg-bounds", L, { [try A([5, 4], 129)] }) { try $0[0].slice(axis: 0, start: -3, end: -1) },
        GradCase("slice-of-transpose", L, { [try A([4, 5], 130)] }) { try $0[0].transpose().slice(axis: 1, start: 3, end: 0, step: -2) },
        GradCase("slice-empty", L, { [try A([5, 4], 131)] }) { try Tensor.concat([$0[0].slice(axis: 0, start: 3, end: 1), $0[0].slice(axis: 0, end: 1)]) },
    ]
    r[.contiguous] = [
        GradCase("contiguous", L, { [try A([3, 4], 132)] }) { try $0[0].transpose().contiguous() },
        GradCase("clone", L, { [try A([3, 4], 133)] }) { $0[0].clone() },
    ]

    // copies
    r[.concat] = [
        GradCase("concat-axis1", L, { [try A([2, 3], 134), try A([2, 1], 135), try A([2, 2], 136)] }) {
            try Tensor.concat($0, axis: 1)
        },
        GradCase("concat-axis0", L, { [try A([2, 3], 137), try A([1, 3], 138)] }) { try Tensor.concat($0, axis: 0) },
        GradCase("concat-neg-axis-3d", L, { [try A([2, 2, 1], 139), try A([2, 2, 3], 140)] }) { try Tensor.concat($0, axis: -1) },
    ]
    r[.pad] = [
        GradCase("pad-last", L, { [try A([2, 3], 141)] }) { try $0[0].pad([(1, 2)]) },
        GradCase("pad-2d-value", L, { [try A([2, 3], 142)] }) { try $0[0].pad([(1, 0), (2, 1)], value: 0.5) },
        GradCase("pad-3d", L, { [try A([2, 2, 2], 143)] }) { try $0[0].pad([(0, 1), (1, 1), (1, 0)]) },
    ]
    r[.flip] = [
        GradCase("flip-0", L, { [try A([3, 4], 144)] }) { try $0[0].flip([0]) },
        GradCase("flip-01", L, { [try A([3, 4], 145)] }) { try $0[0].flip([0, 1]) },
        GradCase("flip-3d-last", L, { [try A([2, 3, 2], 146)] }) { try $0[0].flip([-1]) },
    ]

    // indexing
    r[.gather] = [
        GradCase("gather-axis1-repeats", L, { [try A([3, 4], 147)] }) { try $0[0].gather(axis: 1, index: gIdx) },
        GradCase("gather-axis0", L, { [try A([3, 4], 148)] }) { try $0[0].gather(axis: 0, index: gIdx0) },
    ]
    r[.scatter_add] = [
        GradCase("scatter_add-both", L, { [try A([3, 4], 149), try A([2, 4], 150)] }) {
            try $0[0].scatterAdd(axis: 0, index: sIdx, src: $0[1])
        },
        GradCase("scatter_add-src-larger", L, { [try A([3, 4], 151), try A([3, 3], 152)] }) {
            try $0[0].scatterAdd(axis: 1, index: sIdx1, src: $0[1])
        },
    ]
    r[.index_select] = [
        GradCase("index_select-repeats", L, { [try A([4, 3], 153)] }) { try $0[0].indexSelect(axis: 0, index: I([2, 0, 2, -1], [4])) },
        GradCase("index_select-axis1", L, { [try A([2, 3, 2], 154)] }) { try $0[0].indexSelect(axis: 1, index: I([1, 1, 0], [3])) },
        GradCase("index_select-of-view", L, { [try A([3, 4], 155)] }) { try $0[0].transpose().indexSelect(axis: 0, index: I([3, 3], [2])) },
    ]
    // NN kernels (their VJPs live beside the kernels)
    r[.conv2d] = [
        GradCase("conv2d", X, { [try A([2, 2, 5, 5], 81), try A([3, 2, 3, 3], 82), try A([3], 83)] }) {
            try Tensor.conv2d($0[0], $0[1], bias: $0[2], Conv2dParams(stride: (2, 1), padding: (1, 1)))
        },
        GradCase("conv2d-depthwise-dilated", X, { [try A([1, 3, 6, 6], 84), try A([3, 1, 3, 3], 85)] }) {
            try Tensor.conv2d($0[0], $0[1], Conv2dParams(padding: (1, 1), dilation: (1, 2), groups: 3))
        },
    ]
    r[.max_pool2d] = [
        GradCase("max_pool2d", L, { [try D([2, 2, 6, 6], 86)] }) { try $0[0].maxPool2d(kernel: (2, 2)) },
        GradCase("max_pool2d-pad-stride", L, { [try D([1, 2, 7, 7], 87)] }) {
            try $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        },
    ]
    r[.avg_pool2d] = [GradCase("avg_pool2d", L, { [try A([2, 2, 5, 5], 88)] }) {
        try $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
    }]
    r[.adaptive_avg_pool2d] = [GradCase("adaptive_avg_pool2d", L, { [try A([2, 2, 5, 7], 89)] }) { try $0[0].adaptiveAvgPool2d(3, 2) }]
    r[.batch_norm] = [
        GradCase("batch_norm-train", X, { [try A([4, 3, 2, 2], 90), try A([3], 91), try A([3], 92)] }) {
            try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true)
        },
        GradCase("batch_norm-1d", X, { [try A([5, 4], 93)] }) {
            try Tensor.batchNorm($0[0], weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
        },
    ]
    r[.cross_entropy] = [
        GradCase("cross_entropy", S, { [try A([4, 5], 94)] }) { try Losses.crossEntropy($0[0], try I([0, 4, 2, 2], [4])) },
        GradCase("cross_entropy-smoothing", S, { [try A([3, 4], 95)] }) {
            try Losses.crossEntropy($0[0], try I([1, 0, 3], [3]), labelSmoothing: 0.1)
        },
    ]
    return r
}

/// minimum with the operands swapped (the broadcast operand first).
private func minSwapped(_ x: [Tensor]) throws -> Tensor { try x[1].minimum(x[0]) }

/// Gradient checks of the composite ops: these record no primitive of their own, but every user
/// op must still have a correct gradient.
func compositeGradRegistry() throws -> [(String, [GradCase])] {
    let L = Tol.linear, S = Tol.smooth
    let m34 = try mask([3, 4], seed: 201), m4 = try mask([4], seed: 202)
    return [
        ("mean", [
            GradCase("mean-all", L, { [try A([3, 4], 210)] }) { try $0[0].mean() },
            GradCase("mean-axis-keepdim", L, { [try A([3, 4], 211)] }) { try $0[0].mean(axes: [1], keepdim: true) },
            GradCase("mean-axes02", L, { [try A([2, 3, 4], 212)] }) { try $0[0].mean(axes: [0, 2]) },
        ]),
        ("variance", [
            GradCase("var-axis1", L, { [try A([3, 4], 213)] }) { try $0[0].variance(axes: [1]) },
            GradCase("var-all-biased", L, { [try A([3, 4], 214)] }) { try $0[0].variance(correction: 0) },
            GradCase("var-axis0-keepdim", L, { [try A([3, 4], 215)] }) { try $0[0].variance(axes: [0], keepdim: true) },
        ]),
        ("std", [
            GradCase("std-axis0", S, { [try D([4, 3], 216)] }) { try $0[0].std(axes: [0]) },
            GradCase("std-all", S, { [try D([3, 4], 217)] }) { try $0[0].std() },
        ]),
        ("norm", [
            GradCase("norm2-axis1", S, { [try A([3, 4], 218)] }) { try $0[0].norm(axes: [1]) },
            GradCase("norm1", L, { [try A([3, 4], 219)] }) { try $0[0].norm(p: 1) },
            GradCase("norm3", S, { [try A([3, 4], 220)] }) { try $0[0].norm(p: 3, axes: [0], keepdim: true) },
            GradCase("norm-inf", L, { [try D([3, 4], 221)] }) { try $0[0].norm(p: .infinity, axes: [1]) },
        ]),
        ("outer", [GradCase("outer", L, { [try A([3], 222), try A([4], 223)] }) { try $0[0].outer($0[1]) }]),
        ("squeeze", [
            GradCase("squeeze-all", L, { [try A([3, 1, 4, 1], 224)] }) { try $0[0].squeeze() },
            GradCase("squeeze-axis", L, { [try A([3, 1, 4, 1], 225)] }) { try $0[0].squeeze([1]) },
        ]),
        ("unsqueeze", [
            GradCase("unsqueeze-1", L, { [try A([3, 4], 226)] }) { try $0[0].unsqueeze(1) },
            GradCase("unsqueeze-end", L, { [try A([3, 4], 227)] }) { try $0[0].unsqueeze(-1) },
        ]),
        ("narrow", [
            GradCase("narrow", L, { [try A([5, 3], 228)] }) { try $0[0].narrow(axis: 0, start: 1, length: 3) },
            GradCase("narrow-neg", L, { [try A([3, 5], 229)] }) { try $0[0].narrow(axis: 1, start: -2, length: 2) },
        ]),
        ("select", [
            GradCase("select", L, { [try A([3, 4], 230)] }) { try $0[0].select(axis: 1, index: 2) },
            GradCase("select-neg", L, { [try A([3, 4, 2], 231)] }) { try $0[0].select(axis: 0, index: -1) },
        ]),
        ("split", [
            GradCase("split-sizes", L, { [try A([5, 3], 232)] }) {
                let p = try $0[0].split(sizes: [2, 3], axis: 0)
                return try Tensor.concat([p[1], p[0]])
            },
            GradCase("split-size-one-piece", L, { [try A([3, 5], 233)] }) { try $0[0].split(size: 2, axis: 1)[2] },
        ]),
        ("chunk", [
            GradCase("chunk", L, { [try A([7, 2], 234)] }) {
                let c = try $0[0].chunk(3)
                return try Tensor.concat([c[2], c[0]])
            },
        ]),
        ("stack", [
            GradCase("stack-axis1", L, { [try A([2, 3], 235), try A([2, 3], 236)] }) { try Tensor.stack($0, axis: 1) },
            GradCase("stack-last", L, { [try A([3], 237), try A([3], 238), try A([3], 239)] }) { try Tensor.stack($0, axis: -1) },
        ]),
        ("repeat", [
            GradCase("repeat", L, { [try A([2, 3], 240)] }) { try $0[0].repeat([2, 1, 2]) },
            GradCase("repeat-1d", L, { [try A([3], 241)] }) { try $0[0].repeat([3]) },
        ]),
        ("masked_fill", [
            GradCase("masked_fill", L, { [try A([3, 4], 242)] }) { try $0[0].maskedFill(m34, 0.5) },
            GradCase("masked_fill-bcast", L, { [try A([3, 4], 243)] }) { try $0[0].maskedFill(m4, -1) },
        ]),
        ("masked_select", [
            GradCase("masked_select", L, { [try A([3, 4], 244)] }) { try $0[0].maskedSelect(m34) },
            GradCase("masked_select-bcast", L, { [try A([3, 4], 245)] }) { try $0[0].maskedSelect(m4) },
        ]),
        ("sort", [
            GradCase("sort-values", L, { [try D([3, 5], 246)] }) { try $0[0].sort(axis: 1).values },
            GradCase("sort-desc-axis0", L, { [try D([4, 3], 247)] }) { try $0[0].sort(axis: 0, descending: true).values },
        ]),
        ("topk", [
            GradCase("topk-largest", L, { [try D([3, 5], 248)] }) { try $0[0].topk(2).values },
            GradCase("topk-smallest-axis0", L, { [try D([4, 3], 249)] }) { try $0[0].topk(3, axis: 0, largest: false).values },
        ]),
        ("cross_entropy", [
            GradCase("log_softmax+gather", S, { [try A([4, 5], 250)] }) {
                try $0[0].logSoftmax().gather(axis: 1, index: I([1, 4, 0, 4], [4, 1])).mean().neg()
            },
        ]),
        ("chain", [
            GradCase("mlp-ish", S, { [try A([3, 4], 251), try A([4, 2], 252), try A([2], 253)] }) {
                try ($0[0].matmul($0[1]) + $0[2]).tanh().softmax().log()
            },
        ]),
    ]
}

final class GradCheckTests: XCTestCase {
    /// Every primitive has an entry, its first case really records that primitive, and every
    /// case passes its finite-difference check.
    func testEveryPrimHasPassingGradCheck() throws {
        let reg = try primGradRegistry()
        var ran = 0
        for kind in PrimKind.allCases {
            guard let cases = reg[kind], let first = cases.first else {
                XCTFail("primitive \(kind.rawValue) has no gradient-check entry")
                continue
            }
            // the entry must exercise the primitive it is filed under
            let inputs = try first.make()
            for x in inputs { try x.requiresGrad(true) }
            let y = try first.f(inputs)
            XCTAssertTrue(y.description.hasSuffix("grad_fn=<\(kind.rawValue)>)"),
                          "\(first.name) does not record \(kind.rawValue): \(y)")
            for c in cases {
                try c.run()
                ran += 1
            }
        }
        XCTAssertEqual(Set(reg.keys), Set(PrimKind.allCases), "registry has entries for unknown primitives")
        XCTAssertGreaterThan(ran, 2 * PrimKind.allCases.count)
    }

    func testCompositeGradChecks() throws {
        for (op, cases) in try compositeGradRegistry() {
            XCTAssertFalse(cases.isEmpty, op)
            for c in cases { try c.run() }
        }
    }

    /// The harness itself must catch a wrong gradient: here the analytic gradient is 0 (the
    /// input is detached) while the numeric one is 2.
    func testGradCheckCatchesWrongGradient() throws {
        let x = try away([4], seed: 9)
        let r = try gradCheckResult([x], tol: .linear) { xs in try xs[0].detach() * 2 + xs[0] * 0 }
        XCTAssertNotNil(r.failure)
        XCTAssertGreaterThan(r.worst, 1)
        let ok = try gradCheckResult([try away([4], seed: 9)], tol: .linear) { xs in try xs[0] * 2 }
        XCTAssertNil(ok.failure)
    }
}
