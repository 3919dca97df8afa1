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
    let r = try gradCheckResult(inputs, eps: eps, rtol: rtol, atol: atol, f)
    if let msg = r.failure { XCTFail("\(name): \(msg)", file: file, line: line) }
    return r.worst
}

/// The finite-difference comparison without assertions: the worst error ratio and a description
/// of the first failure (nil when every gradient is within tolerance).
func gradCheckResult(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3,
                     _ f: ([Tensor]) throws -> Tensor) throws -> (worst: Double, failure: String?) {
    let rng = RNG(seed: 12345)
    for x in inputs where x.dtype == .float32 { try x.requiresGrad(true); x.zeroGrad() }
    let y = try f(inputs)
    let w = try Tensor.randn(y.shape, rng: rng)
    let loss = try (y * w).sum()
    try loss.backward()
    var worst = 0.0
    for (k, x) in inputs.enumerated() where x.dtype == .float32 {
        guard let g = x.grad else { return (.infinity, "input \(k) got no gradient") }
        guard g.shape == x.shape else { return (.infinity, "gradient shape \(g.shape) differs from input shape \(x.shape)") }
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
                return (worst, "d/dx\(k)[\(i)] analytic \(analytic[i]) vs numeric \(num) (x = \(base[i]), shape \(x.shape))")
            }
        }
    }
    return (worst, nil)
}

func gradCheckResult(_ inputs: [Tensor], tol: Tol, _ f: ([Tensor]) throws -> Tensor) throws -> (worst: Double, failure: String?) {
    try gradCheckResult(inputs, eps: tol.eps, rtol: tol.rtol, atol: tol.atol, f)
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

/// Values whose pairwise gaps are at least `gap` (a shuffled, jittered ladder), for ops with
/// kinks at ties (max/min along an axis, sort, topk, maximum/minimum).
func distinct(_ shape: [Int], gap: Float = 0.1, seed: UInt64) throws -> Tensor {
    let rng = RNG(seed: seed)
    let n = shape.reduce(1, *)
    let perm = try Tensor.randperm(n, rng: rng).toInts()
    var v = [Float](repeating: 0, count: n)
    for i in 0..<n {
        v[i] = (Float(perm[i]) - Float(n) / 2) * gap * 1.5 + gap * 0.25 * rng.nextFloat()
    }
    return try Tensor(v, shape: shape)
}

/// A random bool mask (about half true) from `seed`.
func mask(_ shape: [Int], seed: UInt64) throws -> Tensor {
    try Tensor.rand(shape, rng: RNG(seed: seed)).gt(Tensor(0.5))
}

/// Per-op finite-difference settings: step `eps` and the tolerance that the analytic gradient
/// must meet against the central difference, |a − n| ≤ atol + rtol·|n|.
struct Tol: CustomStringConvertible {
    var eps: Float
    var rtol: Double
    var atol: Double
    var description: String { "eps \(eps), rtol \(rtol), atol \(atol)" }

    /// Linear, bilinear and piecewise-linear ops (away from kinks): central differences are exact
    /// up to float32 rounding of the loss.
    static let linear = Tol(eps: 1e-2, rtol: 1e-3, atol: 1e-3)
    /// Smooth nonlinear ops on well-scaled inputs.
    static let smooth = Tol(eps: 5e-3, rtol: 1e-2, atol: 1e-3)
    /// Ops with large higher derivatives (1/x, x^y, log near small x): a smaller step.
    static let steep = Tol(eps: 1e-3, rtol: 1e-2, atol: 3e-3)
}

@discardableResult
func gradCheck(_ name: String, _ inputs: [Tensor], tol: Tol,
               file: StaticString = #filePath, line: UInt = #line,
               _ f: ([Tensor]) throws -> Tensor) throws -> Double {
    try gradCheck(name, inputs, eps: tol.eps, rtol: tol.rtol, atol: tol.atol, file: file, line: line, f)
}

/// Asserts that `body` throws a `TensorError` from `op` whose message contains every string in
/// `mentions`.
func assertThrows<T>(_ op: String, _ mentions: [String] = [], file: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected a \(op) error, but nothing was thrown", file: file, line: line)
    } catch let e as TensorError {
        XCTAssertEqual(e.op, op, "wrong op in error: \(e)", file: file, line: line)
        for m in mentions where !e.message.contains(m) {
            XCTFail("error message does not mention '\(m)': \(e)", file: file, line: line)
        }
    } catch {
        XCTFail("expected a TensorError, got \(error)", file: file, line: line)
    }
}
