import XCTest
import Foundation
import Kernel

/// Module mechanics (copies, EMA, modes, naming, state loading), schedules and optimiser state.
final class ModuleTests: XCTestCase {
    func vals(_ t: Tensor) -> [Double] { t.toDoubles() }

    // MARK: deepCopy / EMA

    func testDeepCopyIsIndependent() throws {
        let m = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 4))
        m.eval()
        let c = m.deepCopy()
        XCTAssertFalse(c.isTraining, "deepCopy keeps the mode")
        XCTAssertTrue(c.children.allSatisfy { !$0.1.isTraining })
        let a = m.stateDict(), b = c.stateDict()
        XCTAssertEqual(a.map { $0.0 }, b.map { $0.0 })
        for ((n, x), (_, y)) in zip(a, b) {
            XCTAssertFalse(x === y, n)
            XCTAssertEqual(vals(x), vals(y), n)
        }
        // changing the copy leaves the original alone, and vice versa
        let before = vals(m.fc.weight), biasBefore = vals(m.fc.bias!)
        try Tensor.noGrad { try c.stateDict().first { $0.0 == "fc.weight" }!.1.assign(Tensor.zeros([10, 128])) }
        XCTAssertEqual(vals(m.fc.weight), before)
        try Tensor.noGrad { try m.fc.bias!.assign(Tensor.full([10], 3)) }
        XCTAssertEqual(vals(c.stateDict().first { $0.0 == "fc.bias" }!.1), biasBefore)
        // training the copy (BN running stats) does not touch the original's buffers
        c.train()
        let rm = vals(m.stateDict().first { $0.0 == "features.1.running_mean" }!.1)
        _ = try c.forward(try TorchFixtures.input([2, 1, 8, 8]))
        XCTAssertEqual(vals(m.stateDict().first { $0.0 == "features.1.running_mean" }!.1), rm)
        XCTAssertNotEqual(vals(c.stateDict().first { $0.0 == "features.1.running_mean" }!.1), rm)
        // copies are leaves that require grad, like the original's parameters
        XCTAssertTrue(c.parameters().allSatisfy { $0.requiresGrad && $0.isLeaf })
    }

    func testEmaUpdate() throws {
        let target = Sequential([Linear(2, 2, rng: RNG(seed: 1)), BatchNorm(2, twoD: false)])
        let source = Sequential([Linear(2, 2, rng: RNG(seed: 2)), BatchNorm(2, twoD: false)])
        let t0 = target.namedParameters().map { vals($0.1) }, s0 = source.namedParameters().map { vals($0.1) }
        try Tensor.noGrad { try source.stateDict().first { $0.0 == "1.running_mean" }!.1.assign(Tensor([0.5, -0.25])) }
        try target.emaUpdate(from: source, momentum: 0.9)
        for (k, (n, p)) in target.namedParameters().enumerated() {
            let expected = zip(t0[k], s0[k]).map { 0.9 * $0 + 0.1 * $1 }
            compareValues("ema \(n)", vals(p), expected, scale: 1, rtol: 1e-6, atol: 1e-7)
        }
        // buffers are copied, not averaged
        XCTAssertEqual(vals(target.stateDict().first { $0.0 == "1.running_mean" }!.1), [0.5, -0.25])
        // the source is untouched
        XCTAssertEqual(source.namedParameters().map { vals($0.1) }, s0)
        // momentum 1 keeps the target, 0 copies the source
        try target.emaUpdate(from: source, momentum: 0)
        XCTAssertEqual(target.namedParameters().map { vals($0.1) }, s0)
        XCTAssertThrowsError(try target.emaUpdate(from: Linear(2, 2), momentum: 0.5)) { e in
            XCTAssertTrue("\(e)".contains("ema_update"), "\(e)")
        }
        XCTAssertThrowsError(try Linear(2, 3).emaUpdate(from: Linear(2, 2), momentum: 0.5)) { e in
            XCTAssertTrue("\(e)".contains("'weight'"), "\(e)")
        }
    }

    // MARK: modes

    func testBatchNormTrainEval() throws {
        let bn = BatchNorm(2, twoD: false)
        let x = try Tensor([[1, 2], [3, 6], [5, 10]])
        let y = try bn(x)
        // batch statistics: mean (3, 6), biased var (8/3, 32/3)
        compareValues("bn train", vals(y), [-1.2247, -1.2247, 0, 0, 1.2247, 1.2247], scale: 1, rtol: 1e-4, atol: 1e-4)
        compareValues("running_mean", vals(bn.runningMean), [0.3, 0.6], scale: 1, rtol: 1e-6, atol: 1e-6)
        compareValues("running_var", vals(bn.runningVar), [0.9 + 0.4, 0.9 + 1.6], scale: 1, rtol: 1e-6, atol: 1e-6)
        XCTAssertEqual(try bn.numBatchesTracked.item(), 1)
        bn.eval()
        let rm = vals(bn.runningMean), rv = vals(bn.runningVar)
        let ye = try bn(x)
        let xv = vals(x)
        var expected: [Double] = []
        for i in 0..<6 {
            let c = i % 2
            let sd: Double = (rv[c] + 1e-5).squareRoot()
            expected.append((xv[i] - rm[c]) / sd)
        }
        compareValues("bn eval", vals(ye), expected, scale: 1, rtol: 1e-5, atol: 1e-5)
        XCTAssertEqual(vals(bn.runningMean), rm, "eval does not update running stats")
        XCTAssertEqual(try bn.numBatchesTracked.item(), 1)
        // a single sample works in eval mode but not in training mode
        XCTAssertNoThrow(try bn(try Tensor([[1, 2]])))
        bn.train()
        XCTAssertThrowsError(try bn(try Tensor([[1, 2]])))
        XCTAssertThrowsError(try bn(try Tensor.zeros([2, 2, 1, 1]))) { e in XCTAssertTrue("\(e)".contains("BatchNorm1d"), "\(e)") }
    }

    func testDropoutTrainEvalAndRecursiveMode() throws {
        let d = Dropout(0.5, rng: RNG(seed: 7))
        let seq = Sequential([Linear(4, 4, rng: RNG(seed: 1)), d])
        let x = try Tensor.full([1000], 1)
        let y = vals(try d(x))
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 2 }, "kept values are scaled by 1/(1−p)")
        let kept = y.filter { $0 != 0 }.count
        XCTAssertTrue((400...600).contains(kept), "\(kept) kept of 1000")
        seq.eval()
        XCTAssertFalse(d.isTraining)
        XCTAssertEqual(vals(try d(x)), vals(x), "identity in eval mode")
        seq.train()
        XCTAssertTrue(d.isTraining)
        XCTAssertEqual(vals(try Dropout(0, rng: RNG(seed: 1))(x)), vals(x))
        XCTAssertEqual(vals(try Dropout(1, rng: RNG(seed: 1))(x)), [Double](repeating: 0, count: 1000), "p = 1 drops everything (as PyTorch)")
        XCTAssertThrowsError(try Dropout(1.5)(x)) { e in XCTAssertTrue("\(e)".contains("Dropout"), "\(e)") }
        XCTAssertThrowsError(try Dropout(-0.1)(x))
    }

    // MARK: names and state dicts

    func testNamedParametersAndStateDictOrder() throws {
        let cnn = CNNSmall(inChannels: 1, classes: 10)
        XCTAssertEqual(cnn.namedParameters().map { $0.0 }, [
            "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
            "features.4.weight", "features.4.bias", "features.5.weight", "features.5.bias",
            "features.8.weight", "features.8.bias", "features.9.weight", "features.9.bias", "fc.weight", "fc.bias"])
        XCTAssertEqual(cnn.namedBuffers().map { $0.0 }.prefix(3), ["features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked"])
        XCTAssertEqual(cnn.stateDict().map { $0.0 }.prefix(7), [
            "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
            "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked"])
        let r = PreActResNet18()
        let names = r.stateDict().map { $0.0 }
        XCTAssertEqual(names.prefix(3), ["conv1.weight", "bn1.weight", "bn1.bias"])
        XCTAssertEqual(names.filter { $0.contains("shortcut") }, ["layer2.0.shortcut.0.weight", "layer3.0.shortcut.0.weight", "layer4.0.shortcut.0.weight"])
        XCTAssertEqual(names.suffix(2), ["linear.weight", "linear.bias"])
        XCTAssertEqual(names.count, 107)
        XCTAssertEqual(r.namedParameters().count, 56)
        XCTAssertEqual(ProjectionHead(8, outDim: 4).stateDict().map { $0.0 }, ["0.weight", "0.bias", "2.weight", "2.bias"])
        XCTAssertEqual(MLP(inputDim: 4, hidden: [3], classes: 2).stateDict().map { $0.0 }, ["body.0.weight", "body.0.bias", "fc.weight", "fc.bias"])
        // parameters are the state's tensors themselves
        XCTAssertTrue(cnn.parameters()[0] === cnn.stateDict()[0].1)
    }

    func testParameterCountsMatchPyTorch() throws {
        // torch: sum(p.numel() for p in model.parameters()) for the twins in gen_torch_fixtures.py
        XCTAssertEqual(CNNSmall(inChannels: 1, classes: 10).parameterCount, 94_410)
        XCTAssertEqual(CNNSmall(inChannels: 3, classes: 10).parameterCount, 94_986)
        XCTAssertEqual(PreActResNet18(inChannels: 3, classes: 10).parameterCount, 11_171_274)
        XCTAssertEqual(ProjectionHead(32, outDim: 16).parameterCount, 1_584)
    }

    func testLoadStateDictErrors() throws {
        let m = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 1))
        let src = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 2))
        var dict = Dictionary(uniqueKeysWithValues: src.stateDict())
        try m.loadStateDict(dict)
        XCTAssertEqual(vals(m.fc.weight), vals(src.fc.weight))
        XCTAssertFalse(m.fc.weight === src.fc.weight, "loading copies values")

        var missing = dict
        missing["fc.bias"] = nil
        XCTAssertThrowsError(try m.loadStateDict(missing)) { e in
            XCTAssertEqual((e as? TensorError)?.op, "load_state_dict")
            XCTAssertTrue("\(e)".contains("missing key 'fc.bias'") && "\(e)".contains("[10]"), "\(e)")
        }
        var extra = dict
        extra["head.weight"] = try Tensor.zeros([2])
        XCTAssertThrowsError(try m.loadStateDict(extra)) { e in
            XCTAssertTrue("\(e)".contains("unexpected keys: head.weight"), "\(e)")
        }
        XCTAssertNoThrow(try m.loadStateDict(extra, strict: false))
        dict["fc.weight"] = try Tensor.zeros([10, 64])
        XCTAssertThrowsError(try m.loadStateDict(dict)) { e in
            XCTAssertTrue("\(e)".contains("'fc.weight': expected shape [10, 128], got [10, 64]"), "\(e)")
        }
    }

    // MARK: schedules

    func testSchedules() {
        func close(_ a: Double, _ b: Double, _ msg: String) { XCTAssertEqual(a, b, accuracy: 1e-12, msg) }
        let cos = Schedule.cosine(base: 0.1, min: 0.001, period: 10)
        close(cos.value(at: 0), 0.1, "cosine 0")
        close(cos.value(at: 5), 0.0505, "cosine half")
        close(cos.value(at: 10), 0.001, "cosine end")
        let co = Schedule.coregCosine(base: 0.01)
        close(co.value(at: 0), 0.01, "coreg 0")
        close(co.value(at: 100), 1e-5 + (0.01 - 1e-5) * (1 + Foundation.cos(Double.pi / 8)) / 2, "coreg 100")
        XCTAssertEqual(co.value(at: 100), 0.0096, accuracy: 5e-5, "spec: ≈0.0096 at e = 100")
        close(co.value(at: 800), 1e-5, "coreg 800")
        close(co.value(at: 400), (0.01 + 1e-5) / 2, "coreg 400")
        let st = Schedule.step(base: 0.1, stepSize: 30, gamma: 0.1)
        close(st.value(at: 29), 0.1, "step 29")
        close(st.value(at: 30), 0.01, "step 30")
        close(st.value(at: 65), 0.001, "step 65")
        let w = Schedule.warmup(epochs: 5, then: .constant(0.1))
        close(w.value(at: 0), 0.02, "warmup 0")
        close(w.value(at: 4), 0.1, "warmup 4")
        close(w.value(at: 7), 0.1, "after warmup")
        let ramp = Schedule.linearRamp(value: 2, start: 10, length: 20)
        close(ramp.value(at: 0), 0, "ramp before")
        close(ramp.value(at: 10), 0, "ramp start")
        close(ramp.value(at: 20), 1, "ramp middle")
        close(ramp.value(at: 30), 2, "ramp end")
        close(ramp.value(at: 300), 2, "ramp after")
        close(Schedule.linearRamp(value: 1, start: 5, length: 0).value(at: 4), 0, "step ramp before")
        close(Schedule.linearRamp(value: 1, start: 5, length: 0).value(at: 5), 1, "step ramp at")
        close(Schedule.constant(0.3).value(at: 1000), 0.3, "constant")
    }

    // MARK: optimiser state

    func testOptimizerStateRoundTrip() throws {
        let shape = [8, 5]
        let makers: [(String, ([Tensor]) throws -> Optimizer)] = [
            ("sgd_nesterov", { try SGD($0, lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true) }),
            ("adam", { try Adam($0, lr: 1e-2) }),
            ("adamw", { try Adam($0, lr: 1e-2, weightDecay: 0.1, decoupled: true) }),
        ]
        for (name, make) in makers {
            let (a, x, t) = try TorchParityTests.optimizerProblem(shape)
            let optA = try make(a.parameters())
            for _ in 0..<3 {
                optA.zeroGrad()
                try TorchParityTests.lossOf(a, x, t).backward()
                try optA.step()
            }
            // a fresh model + optimiser restored from A's state dicts
            let (b, _, _) = try TorchParityTests.optimizerProblem(shape)
            try b.loadStateDict(Dictionary(uniqueKeysWithValues: a.stateDict()))
            let optB = try make(b.parameters())
            let state = optA.stateTensors()
            XCTAssertFalse(state.isEmpty, name)
            try optB.loadState(Dictionary(uniqueKeysWithValues: state))
            XCTAssertEqual(optB.stateTensors().map { $0.0 }, state.map { $0.0 }, name)
            for m in [a, b] {
                m.zeroGrad()
                try TorchParityTests.lossOf(m, x, t).backward()
            }
            try optA.step()
            try optB.step()
            XCTAssertEqual(a.parameters().map { vals($0) }, b.parameters().map { vals($0) }, "\(name): next step after restore")
            // the restored state is a copy, not shared
            XCTAssertEqual(optA.stateTensors().map { vals($0.1) }, optB.stateTensors().map { vals($0.1) }, name)
        }
        // bad state is refused with a clear message
        let (m, _, _) = try TorchParityTests.optimizerProblem(shape)
        let sgd = try SGD(m.parameters(), lr: 0.1, momentum: 0.9)
        XCTAssertThrowsError(try sgd.loadState(["sgd.g0.p0.momentum_buffer": try Tensor.zeros([2])])) { e in
            XCTAssertTrue("\(e)".contains("expected shape [3, 5], got [2]"), "\(e)")
        }
        XCTAssertThrowsError(try sgd.loadState(["sgd.g0.p9.momentum_buffer": try Tensor.zeros([2])])) { e in
            XCTAssertTrue("\(e)".contains("does not match any parameter"), "\(e)")
        }
        XCTAssertThrowsError(try Adam(m.parameters()).loadState(["adam.g0.p0.exp_avg": try Tensor.zeros([3, 5]),
                                                                  "adam.g0.p0.exp_avg_sq": try Tensor.zeros([3, 5])])) { e in
            XCTAssertTrue("\(e)".contains("missing 'adam.g0.p0.step'"), "\(e)")
        }
        XCTAssertThrowsError(try sgd.loadState(["adam.g0.p0.exp_avg": try Tensor.zeros([3, 5])])) { e in
            XCTAssertTrue("\(e)".contains("unexpected state entry 'adam.g0.p0.exp_avg'"), "\(e)")
        }
        XCTAssertThrowsError(try sgd.loadState(["sgd.g0.p0.momentum_buffer": try Tensor.zeros([3, 5], dtype: .int32)])) { e in
            XCTAssertTrue("\(e)".contains("expected dtype float32, got int32"), "\(e)")
        }
    }

    func testSGDArgumentErrors() throws {
        let p = [try Tensor.zeros([3]).requiresGrad()]
        XCTAssertThrowsError(try SGD(p, lr: 0.1, nesterov: true)) { e in
            XCTAssertEqual((e as? TensorError)?.op, "SGD")
            XCTAssertTrue("\(e)".contains("Nesterov"), "\(e)")
        }
        XCTAssertThrowsError(try SGD(p, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true))
        XCTAssertNoThrow(try SGD(p, lr: 0.1, momentum: 0.9, nesterov: true))
        XCTAssertThrowsError(try SGD([try Tensor.zeros([3]).requiresGrad() * 2], lr: 0.1)) { e in
            XCTAssertTrue("\(e)".contains("leaf"), "\(e)")
        }
    }
}
