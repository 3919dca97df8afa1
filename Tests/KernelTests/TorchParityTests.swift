import XCTest
import Foundation
import Kernel

/// Parity with PyTorch: CoReg's models and optimisers against the twins in
/// scripts/fixtures/gen_torch_fixtures.py (fixtures in Fixtures/torch_*.json).
///
/// Tolerances (|Δ| ≤ atol + rtol·scale, scale = the compared quantity's magnitude: max |x| of a
/// tensor, Σ|g| for a gradient sum, ‖g‖ for a norm):
/// - cnn_small: rtol 1e-4 (float32; summation order differs from PyTorch's kernels),
/// - preact_resnet18: rtol 2e-4 (18 layers of train-mode BN accumulate rounding; observed ≤ 1.3e-5),
/// - projection head: rtol 1e-5,
/// - optimiser trajectories: rtol 1e-5 per parameter tensor,
/// with atol 1e-9 throughout. Conv biases followed by BatchNorm have a true gradient of 0 and
/// both sides give rounding noise (~1e-8): those are checked as |g| < 1e-6 instead.
final class TorchParityTests: XCTestCase {
    static let modelRtol: [String: Double] = [
        "cnn_small_1x28": 1e-4, "cnn_small_3x32": 1e-4, "preact_resnet18_3x32": 2e-4, "projection_head_32x16": 1e-5,
    ]
    static let atol = 1e-9
    /// Gradients whose PyTorch magnitude stays below this are zero in exact arithmetic.
    static let zeroGrad = 1e-6

    func makeModel(_ key: String) throws -> Module {
        switch key {
        case "cnn_small_1x28": return CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 1))
        case "cnn_small_3x32": return CNNSmall(inChannels: 3, classes: 10, rng: RNG(seed: 1))
        case "preact_resnet18_3x32": return PreActResNet18(inChannels: 3, classes: 10, inputSize: 32, rng: RNG(seed: 1))
        case "projection_head_32x16": return ProjectionHead(32, outDim: 16, rng: RNG(seed: 1))
        default: throw TensorError("test", "unknown fixture model \(key)")
        }
    }

    /// Names, shapes and order of the state dict, and parameter counts, are PyTorch's.
    func testStateDictNamesMatchPyTorch() throws {
        let fx = try TorchFixtures.load("torch_models", as: TorchFixtures.Models.self)
        for (key, c) in fx.models.sorted(by: { $0.key < $1.key }) {
            let m = try makeModel(key)
            XCTAssertEqual(m.stateDict().map { $0.0 }, c.state_names, key)
            XCTAssertEqual(m.stateDict().map { $0.1.shape }, c.state_shapes, key)
            XCTAssertEqual(m.namedParameters().map { $0.0 }, c.param_names, key)
            XCTAssertEqual(m.parameterCount, c.param_count, "\(key): parameter count vs PyTorch")
        }
    }

    func checkModel(_ key: String) throws {
        let fx = try TorchFixtures.load("torch_models", as: TorchFixtures.Models.self)
        guard let c = fx.models[key] else { return XCTFail("no fixture for \(key)") }
        let rtol = Self.modelRtol[key]!, atol = Self.atol
        let t0 = Date()
        let m = try makeModel(key)
        try TorchFixtures.fill(m)
        m.train()
        let x = try TorchFixtures.input(c.input_shape)
        let out: Tensor, feature: Tensor?
        if let fc = m as? FeatureClassifier {
            (out, feature) = try fc.forwardWithFeature(x)
        } else {
            (out, feature) = (try m.forward(x), nil)
        }
        XCTAssertEqual(out.shape, c.output_shape, key)
        let loss = try (out * TorchFixtures.lossWeights(out.shape)).sum()
        try loss.backward()
        let tForward = Date()

        var outStats = compareValues("\(key) output", out.toDoubles(), c.output, rtol: rtol, atol: atol)
        outStats.merge(compareValues("\(key) loss", [try loss.item()], [c.loss],
                                     scale: c.output.reduce(0) { $0 + Swift.abs($1) }, rtol: rtol, atol: atol))
        var featStats = ErrorStats()
        if let f = feature, let ef = c.feature {
            XCTAssertEqual(f.shape, c.feature_shape, key)
            featStats = compareValues("\(key) feature", f.toDoubles(), ef, rtol: rtol, atol: atol)
        }
        var gradStats = ErrorStats()
        for (name, p) in m.namedParameters() {
            guard let r = c.grads[name] else { XCTFail("\(key): no PyTorch gradient for \(name)"); continue }
            guard let g = p.grad else { XCTFail("\(key): \(name) got no gradient"); continue }
            let gv = g.toDoubles()
            if r.maxabs < Self.zeroGrad {
                // analytically zero (a conv bias followed by BatchNorm): both sides are rounding noise
                let mine = gv.reduce(0) { Swift.max($0, Swift.abs($1)) }
                XCTAssertLessThan(mine, Self.zeroGrad, "\(key) grad \(name): PyTorch's is 0 up to rounding (\(r.maxabs))")
                continue
            }
            gradStats.merge(compareValues("\(key) grad \(name) sum", [gv.reduce(0, +)], [r.sum], scale: r.abssum, rtol: rtol, atol: atol))
            gradStats.merge(compareValues("\(key) grad \(name) norm", [gv.reduce(0) { $0 + $1 * $1 }.squareRoot()], [r.norm],
                                          scale: r.norm, rtol: rtol, atol: atol))
            gradStats.merge(compareValues("\(key) grad \(name) values", r.indices.map { gv[$0] }, r.values,
                                          scale: r.maxabs, rtol: rtol, atol: atol))
        }
        var runStats = ErrorStats()
        let state = Dictionary(uniqueKeysWithValues: m.stateDict())
        for (name, ev) in c.running.sorted(by: { $0.key < $1.key }) {
            guard let t = state[name] else { XCTFail("\(key): no buffer \(name)"); continue }
            runStats.merge(compareValues("\(key) \(name)", t.toDoubles(), ev, rtol: rtol, atol: atol))
        }
        for (name, t) in state where name.hasSuffix("num_batches_tracked") {
            XCTAssertEqual(try t.item(), 1, "\(key) \(name)")
        }
        var evalStats = ErrorStats()
        if let ee = c.eval_output, let fc = m as? FeatureClassifier {
            m.eval()
            let y = try Tensor.noGrad { try fc.forwardWithFeature(x).logits }
            evalStats = compareValues("\(key) eval output", y.toDoubles(), ee, rtol: rtol, atol: atol)
        }
        let t1 = Date()
        print("PARITY \(key) (torch \(fx.torch_version), rtol \(rtol)): output \(outStats); feature \(featStats); "
              + "grads \(gradStats); running stats \(runStats); eval output \(evalStats); "
              + String(format: "train fwd+bwd %.2fs, total %.2fs", tForward.timeIntervalSince(t0), t1.timeIntervalSince(t0)))
    }

    func testCNNSmallGray28() throws { try checkModel("cnn_small_1x28") }
    func testCNNSmallRGB32() throws { try checkModel("cnn_small_3x32") }
    func testPreActResNet18() throws { try checkModel("preact_resnet18_3x32") }
    func testProjectionHead() throws { try checkModel("projection_head_32x16") }

    // MARK: optimisers

    func makeOptimizer(_ name: String, _ params: [Tensor]) throws -> Optimizer {
        switch name {
        case "sgd": return try SGD(params, lr: 0.1)
        case "sgd_momentum": return try SGD(params, lr: 0.1, momentum: 0.9, weightDecay: 5e-4)
        case "sgd_nesterov": return try SGD(params, lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true)
        case "sgd_dampening": return try SGD(params, lr: 0.1, momentum: 0.9, dampening: 0.5)
        case "adam": return try Adam(params, lr: 1e-2)
        case "adam_wd": return try Adam(params, lr: 1e-2, weightDecay: 0.1)
        case "adamw": return try Adam(params, lr: 1e-2, weightDecay: 0.1, decoupled: true)
        default: throw TensorError("test", "unknown optimiser \(name)")
        }
    }

    /// The generator's problem: Linear(5,3)-ReLU-Linear(3,2), loss = mean((out − target)²).
    static func optimizerProblem(_ inputShape: [Int]) throws -> (Module, Tensor, Tensor) {
        let net = Sequential([Linear(5, 3, rng: RNG(seed: 2)), Lambda.relu(), Linear(3, 2, rng: RNG(seed: 3))])
        try TorchFixtures.fill(net)
        let x = try TorchFixtures.input(inputShape)
        let n = inputShape[0] * 2
        let target = try Tensor.fromDoubles((0..<n).map { sin(0.9 * Double($0)) }, shape: [inputShape[0], 2])
        return (net, x, target)
    }

    static func lossOf(_ net: Module, _ x: Tensor, _ target: Tensor) throws -> Tensor {
        let d = try net.forward(x) - target
        return try (d * d).mean()
    }

    func testOptimizerTrajectoriesMatchPyTorch() throws {
        let fx = try TorchFixtures.load("torch_optimizers", as: TorchFixtures.Optimizers.self)
        let rtol = 1e-5
        for (name, c) in fx.cases.sorted(by: { $0.key < $1.key }) {
            let (net, x, target) = try Self.optimizerProblem(fx.input_shape)
            XCTAssertEqual(net.namedParameters().map { $0.0 }, fx.param_names)
            let opt = try makeOptimizer(name, net.parameters())
            var stats = ErrorStats()
            for (step, expected) in c.params.enumerated() {
                opt.zeroGrad()
                let loss = try Self.lossOf(net, x, target)
                try loss.backward()
                try opt.step()
                stats.merge(compareValues("\(name) step \(step + 1) loss", [try loss.item()], [c.losses[step]], rtol: rtol, atol: Self.atol))
                for (pn, p) in net.namedParameters() {
                    stats.merge(compareValues("\(name) step \(step + 1) \(pn)", p.toDoubles(), expected[pn] ?? [], rtol: rtol, atol: Self.atol))
                }
            }
            print("PARITY optimiser \(name) (5 steps, rtol \(rtol)): \(stats)")
        }
    }
}
