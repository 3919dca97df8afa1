import XCTest
import Kernel

/// Convolution, pooling and batch norm: gradient checks and reference comparisons.
final class NNKernelTests: XCTestCase {
    /// Direct (7-loop) convolution: the naive twin of the im2col + GEMM kernel.
    func referenceConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ p: Conv2dParams) throws -> Tensor {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let ho = (h + 2 * p.padding.0 - p.dilation.0 * (kh - 1) - 1) / p.stride.0 + 1
        let wo = (wd + 2 * p.padding.1 - p.dilation.1 * (kw - 1) - 1) / p.stride.1 + 1
        let xv = x.toDoubles(), wv = w.toDoubles(), bv = b?.toDoubles()
        var out = [Double](repeating: 0, count: n * cout * ho * wo)
        let coutG = cout / p.groups
        for i in 0..<n { for o in 0..<cout { for oy in 0..<ho { for ox in 0..<wo {
            var s = bv?[o] ?? 0
            let g = o / coutG
            for c in 0..<cg { for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * p.stride.0 - p.padding.0 + ky * p.dilation.0
                let ix = ox * p.stride.1 - p.padding.1 + kx * p.dilation.1
                if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
                s += xv[((i * cin + g * cg + c) * h + iy) * wd + ix] * wv[((o * cg + c) * kh + ky) * kw + kx]
            } } }
            out[((i * cout + o) * ho + oy) * wo + ox] = s
        } } } }
        _ = cin
        return try Tensor.fromDoubles(out, shape: [n, cout, ho, wo])
    }

    func testConvMatchesReference() throws {
        let cases: [([Int], [Int], Conv2dParams)] = [
            ([2, 3, 7, 7], [4, 3, 3, 3], Conv2dParams(padding: (1, 1))),
            ([1, 2, 9, 8], [3, 2, 3, 2], Conv2dParams(stride: (2, 1), padding: (1, 0))),
            ([2, 4, 8, 8], [4, 1, 3, 3], Conv2dParams(padding: (1, 1), groups: 4)),
            ([1, 4, 10, 10], [6, 2, 3, 3], Conv2dParams(stride: (2, 2), padding: (2, 2), dilation: (2, 2), groups: 2)),
            ([3, 1, 5, 5], [2, 1, 1, 1], Conv2dParams()),
            // stride 1, output as wide as the input: im2col's shifted-plane path, with the shift
            // wrapping rows on both sides, taller outputs, a one-row plane and a 1×1 map
            ([2, 3, 6, 9], [4, 3, 3, 3], Conv2dParams(padding: (1, 1))),
            ([1, 2, 7, 5], [3, 2, 5, 5], Conv2dParams(padding: (2, 2))),
            ([2, 2, 4, 6], [3, 2, 3, 3], Conv2dParams(padding: (2, 1))),
            ([1, 3, 1, 8], [2, 3, 1, 3], Conv2dParams(padding: (0, 1))),
            ([3, 2, 1, 1], [2, 2, 3, 3], Conv2dParams(padding: (1, 1))),
        ]
        for (k, (xs, ws, p)) in cases.enumerated() {
            let x = try Tensor.randn(xs, rng: RNG(seed: UInt64(k)))
            let w = try Tensor.randn(ws, rng: RNG(seed: UInt64(100 + k)))
            let b = try Tensor.randn([ws[0]], rng: RNG(seed: UInt64(200 + k)))
            assertClose(try Tensor.conv2d(x, w, bias: b, p), try referenceConv(x, w, b, p), rtol: 1e-4, atol: 1e-4, "case \(k)")
        }
    }

    /// Batches large enough to be split into several image chunks (small planes put up to 256
    /// images in a chunk, and the chunk count is rounded up to a multiple of 4; the last case has
    /// a 1,440 × 100 column block per image, so the 4 MiB column budget splits its 40 images into
    /// 8 chunks of 5 where the column count alone would give 4 of 10): the output matches the
    /// direct convolution, the weight gradient (summed over chunks) matches the sum of per-image
    /// gradients, and all three are bitwise the same on 1, 2 and 3 threads.
    func testConvChunkedBatchesAndThreadCounts() throws {
        let saved = ThreadPool.shared.threads
        defer { ThreadPool.setDefaultThreads(saved) }
        for (k, (n, cin, side)) in [(5, 3, 4), (9, 3, 4), (130, 3, 4), (40, 160, 10)].enumerated() {
            let p = Conv2dParams(padding: (1, 1))
            let hw = side * side
            let x = try Tensor.randn([n, cin, side, side], rng: RNG(seed: UInt64(10 + k)))
            let w = try Tensor.randn([5, cin, 3, 3], rng: RNG(seed: UInt64(20 + k)))
            let gout = try Tensor.randn([n, 5, side, side], rng: RNG(seed: UInt64(30 + k)))
            let b = try Tensor.randn([5], rng: RNG(seed: UInt64(40 + k)))
            var runs: [([Float], [Float], [Float], [Float])] = []
            for threads in [1, 2, 3] {
                ThreadPool.setDefaultThreads(threads)
                let xv = try x.detach().requiresGrad(), wv = try w.detach().requiresGrad(), bv = try b.detach().requiresGrad()
                let y = try Tensor.conv2d(xv, wv, bias: bv, p)
                try (y * gout).sum().backward()
                runs.append((y.toFloats(), xv.grad!.toFloats(), wv.grad!.toFloats(), bv.grad!.toFloats()))
                if threads == 1 {
                    assertClose(y, try referenceConv(x, w, b, p), rtol: 1e-4, atol: 1e-4, "n=\(n) forward")
                    // bias gradient: gout summed over images and positions
                    let gv = gout.toDoubles()
                    var want = [Double](repeating: 0, count: 5)
                    for (i, v) in gv.enumerated() { want[(i / hw) % 5] += v }
                    assertClose(bv.grad!, want, rtol: 1e-5, atol: 1e-4)
                    // weight gradient: the sum over images of each image's own gradient
                    var perImage = [Double](repeating: 0, count: w.count)
                    for i in 0..<n {
                        let wi = try w.detach().requiresGrad()
                        let xi = try x.slice(axis: 0, start: i, end: i + 1).contiguous(), gi = try gout.slice(axis: 0, start: i, end: i + 1).contiguous()
                        try (try Tensor.conv2d(xi, wi, p) * gi).sum().backward()
                        for (j, v) in wi.grad!.toDoubles().enumerated() { perImage[j] += v }
                    }
                    assertClose(wv.grad!, perImage, rtol: 1e-4, atol: 1e-3)
                }
            }
            XCTAssertEqual(runs[0].0, runs[1].0, "n=\(n): forward differs between 1 and 2 threads")
            XCTAssertEqual(runs[0].0, runs[2].0, "n=\(n): forward differs between 1 and 3 threads")
            XCTAssertEqual(runs[0].1, runs[1].1, "n=\(n): input gradient differs between 1 and 2 threads")
            XCTAssertEqual(runs[0].2, runs[1].2, "n=\(n): weight gradient differs between 1 and 2 threads")
            XCTAssertEqual(runs[0].2, runs[2].2, "n=\(n): weight gradient differs between 1 and 3 threads")
            XCTAssertEqual(runs[0].3, runs[2].3, "n=\(n): bias gradient differs between 1 and 3 threads")
        }
    }

    func testConvGradients() throws {
        try gradCheck("conv2d", [try away([2, 2, 5, 5], seed: 1), try away([3, 2, 3, 3], seed: 2), try away([3], seed: 3)],
                      eps: 1e-2, rtol: 3e-2, atol: 5e-3) {
            try Tensor.conv2d($0[0], $0[1], bias: $0[2], Conv2dParams(stride: (2, 1), padding: (1, 1)))
        }
        try gradCheck("conv2d-depthwise", [try away([1, 3, 6, 6], seed: 4), try away([3, 1, 3, 3], seed: 5)]) {
            try Tensor.conv2d($0[0], $0[1], Conv2dParams(padding: (1, 1), dilation: (1, 2), groups: 3))
        }
    }

    func testPoolGradients() throws {
        // distinct values so the max is never tied
        let x = try Tensor.randperm(2 * 3 * 6 * 6, rng: RNG(seed: 9)).float().reshape([2, 3, 6, 6]) * 0.1
        try gradCheck("max_pool2d", [x], eps: 1e-2) { try $0[0].maxPool2d(kernel: (2, 2)) }
        try gradCheck("max_pool2d-pad", [x], eps: 1e-2) { try $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try gradCheck("avg_pool2d", [try away([2, 2, 5, 5], seed: 3)]) { try $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try gradCheck("adaptive_avg_pool2d", [try away([2, 2, 5, 7], seed: 4)]) { try $0[0].adaptiveAvgPool2d(3, 2) }
        let m = try Tensor([1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 2, 3, 4, 5, 6], shape: [1, 1, 4, 4])
        assertClose(try m.maxPool2d(kernel: (2, 2)), [5, 9, 7, 6])
        assertClose(try m.avgPool2d(kernel: (2, 2)), [3.25, 4.75, 5, 3.5])
    }

    func testBatchNorm() throws {
        let x = try away([4, 3, 2, 2], seed: 7)
        let w = try away([3], seed: 8), b = try away([3], seed: 9)
        try gradCheck("batch_norm-train", [x, w, b], eps: 1e-2, rtol: 3e-2, atol: 5e-3) {
            try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true)
        }
        let rm = try Tensor.zeros([3]), rv = try Tensor.ones([3], dtype: .float32)
        let y = try Tensor.batchNorm(x.detach(), weight: nil, bias: nil, runningMean: rm, runningVar: rv, training: true, momentum: 0.1)
        // normalised output: per-channel mean 0, biased var 1
        assertClose(try y.mean(axes: [0, 2, 3]), [0, 0, 0], atol: 1e-5)
        assertClose(try y.variance(axes: [0, 2, 3], correction: 0), [1, 1, 1], rtol: 1e-3, atol: 1e-3)
        // running stats: 0.9·old + 0.1·batch (unbiased var)
        let mu = try x.mean(axes: [0, 2, 3]), v = try x.variance(axes: [0, 2, 3], correction: 1)
        assertClose(rm, try mu * 0.1, rtol: 1e-4, atol: 1e-6)
        assertClose(rv, try v * 0.1 + 0.9, rtol: 1e-4, atol: 1e-6)
        try gradCheck("batch_norm-eval", [x, w, b]) {
            try Tensor.batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: rm, runningVar: rv, training: false)
        }
        try gradCheck("batch_norm-1d", [try away([5, 4], seed: 11)]) {
            try Tensor.batchNorm($0[0], weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true)
        }
    }

    func testKernelErrors() throws {
        let x = try Tensor.zeros([1, 3, 4, 4])
        XCTAssertThrowsError(try Tensor.conv2d(x, try Tensor.zeros([2, 2, 3, 3]))) { e in
            XCTAssertEqual((e as? TensorError)?.op, "conv2d")
            XCTAssertTrue("\(e)".contains("[2, 2, 3, 3]"), "\(e)")
        }
        XCTAssertThrowsError(try Tensor.conv2d(x, try Tensor.zeros([2, 3, 7, 7])))
        XCTAssertThrowsError(try Tensor.conv2d(try Tensor.zeros([3, 4, 4]), try Tensor.zeros([2, 3, 3, 3])))
        XCTAssertThrowsError(try Tensor.conv2d(x, try Tensor.zeros([2, 3, 3, 3]), Conv2dParams(stride: (0, 1))))
        XCTAssertThrowsError(try Tensor.conv2d(x, try Tensor.zeros([2, 1, 3, 3]), Conv2dParams(groups: 2)))
        XCTAssertThrowsError(try x.maxPool2d(kernel: (5, 5)))
        XCTAssertThrowsError(try x.maxPool2d(kernel: (2, 2), padding: (2, 2)))
        XCTAssertThrowsError(try x.adaptiveAvgPool2d(0, 1))
        XCTAssertThrowsError(try Tensor.batchNorm(try Tensor.zeros([1, 3]), weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true))
        XCTAssertThrowsError(try Tensor.batchNorm(x, weight: try Tensor.zeros([2]), bias: nil, runningMean: nil, runningVar: nil, training: true))
        XCTAssertThrowsError(try Tensor.batchNorm(x, weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: false))
    }
}

final class FusedInferenceTests: XCTestCase {
    /// The fused eval path (conv bias + BN + ReLU in one pass) equals the layer-by-layer one.
    func testCNNSmallFusedInferenceMatchesLayers() throws {
        let m = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 4))
        // give BN non-trivial statistics
        m.train()
        _ = try m.forward(try Tensor.randn([8, 1, 28, 28], rng: RNG(seed: 5)))
        m.eval()
        let x = try Tensor.randn([3, 1, 28, 28], rng: RNG(seed: 6))
        let layered = try m.forward(x)                         // grad mode on: layer by layer
        let fused = try Tensor.noGrad { try m.forward(x) }     // fused path
        assertClose(fused, layered, rtol: 1e-4, atol: 1e-5)
    }
}
