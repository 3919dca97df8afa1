import XCTest
import Kernel

/// Shape-aware closeness check that prints both tensors when it fails.
func assertClose(_ a: Tensor, _ b: Tensor, rtol: Double = 1e-5, atol: Double = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard a.shape == b.shape else {
        XCTFail("\(message) shapes differ: \(a.shape) vs \(b.shape)\n\(a)\n\(b)", file: file, line: line)
        return
    }
    let x = a.toDoubles(), y = b.toDoubles()
    for i in 0..<x.count {
        let (u, v) = (x[i], y[i])
        if u.isNaN && v.isNaN { continue }
        if u == v { continue }
        if Swift.abs(u - v) > atol + rtol * Swift.abs(v) || u.isNaN != v.isNaN {
            XCTFail("\(message) element \(i): \(u) vs \(v) (rtol \(rtol), atol \(atol))\nactual:\n\(a)\nexpected:\n\(b)", file: file, line: line)
            return
        }
    }
}

func assertClose(_ a: Tensor, _ b: [Double], shape: [Int]? = nil, rtol: Double = 1e-5, atol: Double = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    let e = try! Tensor.fromDoubles(b, shape: shape ?? a.shape)
    assertClose(a, e, rtol: rtol, atol: atol, message, file: file, line: line)
}

/// Central finite-difference check of every input's gradient. The scalar loss is
/// Σ f(x)·w with a fixed random w, so every output element's gradient is exercised.
/// Returns the largest error ratio seen (|analytic − numeric| / (atol + rtol·|numeric|)).
@discardableResult
func gradCheck(_ name: String, _ inputs: [Tensor], eps: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3,
               file: StaticString = #filePath, line: UInt = #line,
               _ f: ([Tensor]) throws -> Tensor) throws -> Double {
    let rng = RNG(seed: 12345)
    for x in inputs where x.dtype == .float32 { try x.requiresGrad(true); x.zeroGrad() }
    let y = try f(inputs)
    let w = try Tensor.randn(y.shape, rng: rng)
    let loss = try (y * w).sum()
    try loss.backward()
    var worst = 0.0
    for (k, x) in inputs.enumerated() where x.dtype == .float32 {
        guard let g = x.grad else { XCTFail("\(name): input \(k) got no gradient", file: file, line: line); continue }
        XCTAssertEqual(g.shape, x.shape, "\(name): gradient shape", file: file, line: line)
        let analytic = g.toDoubles()
        let base = x.toFloats()
        for i in 0..<base.count {
            func lossAt(_ v: Float) throws -> Double {
                var vals = base
                vals[i] = v
                let xi = try Tensor(vals, shape: x.shape)
                var args = inputs.map { $0.detach() }
                args[k] = xi
                return try Tensor.noGrad { try (f(args) * w).sum().item() }
            }
            let num = (try lossAt(base[i] + eps) - lossAt(base[i] - eps)) / Double(2 * eps)
            let err = Swift.abs(analytic[i] - num) / (atol + rtol * Swift.abs(num))
            worst = Swift.max(worst, err)
            if err > 1 {
                XCTFail("\(name): d/dx\(k)[\(i)] analytic \(analytic[i]) vs numeric \(num) (x = \(base[i]))", file: file, line: line)
                return worst
            }
        }
    }
    return worst
}

/// Random inputs away from kinks: values in ±[lo, hi].
func away(_ shape: [Int], lo: Float = 0.2, hi: Float = 1.5, seed: UInt64) throws -> Tensor {
    let rng = RNG(seed: seed)
    let n = shape.reduce(1, *)
    var v = [Float](repeating: 0, count: n)
    for i in 0..<n {
        let m = lo + (hi - lo) * rng.nextFloat()
        v[i] = rng.nextFloat() < 0.5 ? -m : m
    }
    return try Tensor(v, shape: shape)
}

func positive(_ shape: [Int], lo: Float = 0.3, hi: Float = 2, seed: UInt64) throws -> Tensor {
    try Tensor.rand(shape, low: lo, high: hi, rng: RNG(seed: seed))
}
