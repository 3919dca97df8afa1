import XCTest
import Foundation
import Kernel

/// Reading the PyTorch fixtures written by scripts/fixtures/gen_torch_fixtures.py, and the
/// deterministic formulas (shared with that script) that fill model state and inputs.
enum TorchFixtures {
    struct GradRecord: Decodable {
        let sum, abssum, norm, maxabs: Double
        let indices: [Int]
        let values: [Double]
    }
    struct ModelCase: Decodable {
        let input_shape: [Int]
        let param_count: Int
        let state_names: [String]
        let state_shapes: [[Int]]
        let param_names: [String]
        let output_shape: [Int]
        let output: [Double]
        let loss: Double
        let grads: [String: GradRecord]
        let running: [String: [Double]]
        let feature_shape: [Int]?
        let feature: [Double]?
        let eval_output: [Double]?
    }
    struct Models: Decodable {
        let torch_version: String
        let models: [String: ModelCase]
    }
    struct OptimizerCase: Decodable {
        let losses: [Double]
        let params: [[String: [Double]]]
    }
    struct Optimizers: Decodable {
        let torch_version: String
        let input_shape: [Int]
        let param_names: [String]
        let cases: [String: OptimizerCase]
    }

    static func load<T: Decodable>(_ name: String, as: T.Type) throws -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")
                ?? Bundle.module.url(forResource: name, withExtension: "json") else {
            throw TensorError("fixtures", "fixture '\(name).json' is not in the test bundle")
        }
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// Value of state entry `k` (state_dict position), see the generator's docstring.
    static func stateValues(name: String, shape: [Int], k: Int) -> [Double] {
        let n = shape.reduce(1, *)
        return (0..<n).map { i in
            let s = sin(0.7 * Double(i) + 0.3 * Double(k))
            if name.hasSuffix("running_mean") { return 0.1 * s }
            if name.hasSuffix("running_var") { return 1 + 0.25 * s }
            if name.hasSuffix("weight") && shape.count == 1 { return 1 + 0.1 * s }
            if name.hasSuffix("weight") { return s / (Double(n) / Double(shape[0])).squareRoot() }
            return 0.05 * s  // bias
        }
    }

    /// Fills every parameter and buffer (except num_batches_tracked) through the state dict.
    static func fill(_ m: Module) throws {
        try Tensor.noGrad {
            for (k, (name, t)) in m.stateDict().enumerated() where !name.hasSuffix("num_batches_tracked") {
                try t.assign(Tensor.fromDoubles(stateValues(name: name, shape: t.shape, k: k), shape: t.shape))
            }
        }
    }

    static func input(_ shape: [Int]) throws -> Tensor {
        let n = shape.reduce(1, *)
        var v = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let t = Double(i)
            let a: Double = sin(0.37 * t + 0.1)
            let b: Double = cos(0.091 * t)
            v[i] = a + 0.5 * b
        }
        return try Tensor.fromDoubles(v, shape: shape)
    }

    static func lossWeights(_ shape: [Int]) throws -> Tensor {
        let n = shape.reduce(1, *)
        return try Tensor.fromDoubles((0..<n).map { cos(0.5 * Double($0) + 0.2) }, shape: shape)
    }
}

/// Largest errors seen in a comparison: absolute, and relative to the compared quantity's scale
/// (relative errors only where that scale exceeds 1e-4: smaller quantities, such as the ~1e-8
/// gradients of conv biases followed by BN, are judged by atol alone).
struct ErrorStats: CustomStringConvertible {
    var maxAbs = 0.0
    var maxRel = 0.0
    var compared = 0
    mutating func merge(_ o: ErrorStats) {
        maxAbs = Swift.max(maxAbs, o.maxAbs)
        maxRel = Swift.max(maxRel, o.maxRel)
        compared += o.compared
    }
    var description: String {
        "max abs \(String(format: "%.2e", maxAbs)), max rel \(String(format: "%.2e", maxRel)) over \(compared) values"
    }
}

/// Checks |actual − expected| ≤ atol + rtol·scale elementwise, where scale is the quantity's
/// magnitude (by default max |expected|, so that values near zero in a tensor are judged against
/// the tensor's size, not their own). Relative errors are reported against the same scale.
@discardableResult
func compareValues(_ label: String, _ actual: [Double], _ expected: [Double], scale: Double? = nil,
                   rtol: Double, atol: Double, file: StaticString = #filePath, line: UInt = #line) -> ErrorStats {
    var st = ErrorStats()
    guard actual.count == expected.count else {
        XCTFail("\(label): \(actual.count) values vs \(expected.count) expected", file: file, line: line)
        return st
    }
    let sc = scale ?? expected.reduce(0) { Swift.max($0, Swift.abs($1)) }
    var failures = 0
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let d = Swift.abs(a - e)
        st.maxAbs = Swift.max(st.maxAbs, d)
        if sc > 1e-4 { st.maxRel = Swift.max(st.maxRel, d / sc) }
        st.compared += 1
        if !(d <= atol + rtol * sc) {
            failures += 1
            if failures <= 3 {
                XCTFail("\(label)[\(i)]: \(a) vs PyTorch \(e) (|Δ| \(d), scale \(sc), rtol \(rtol), atol \(atol))", file: file, line: line)
            }
        }
    }
    return st
}
