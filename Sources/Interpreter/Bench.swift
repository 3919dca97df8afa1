import Foundation
import Kernel

/// Micro-benchmarks of the evaluator.
public enum InterpreterBench {
    /// Runs a scalar loop of `iterations` iterations (an accumulate, a multiply, a compare and a
    /// branch per iteration) and returns the seconds it took.
    public static func scalarLoop(iterations: Int = 1_000_000) -> Double {
        let script = """
        var total = 0
        var odd = 0
        for i in 0..<\(iterations) {
            total = total + i * 2
            if i % 2 == 1 { odd += 1 }
        }
        """
        let host = Host()
        let session = Session(host: host)
        let start = DispatchTime.now().uptimeNanoseconds
        _ = session.evaluate(script, file: "<bench>")
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The training loop measured from a script and from Swift: an MLP
    /// (input → hidden → classes, ReLU) on one fixed random batch, SGD with momentum 0.9,
    /// `steps` steps of zero_grad / forward / cross-entropy / backward / step.
    public struct TrainingLoopConfig: Sendable {
        public var steps = 500
        public var batch = 128
        public var inputDim = 256
        public var hidden = 256
        public var classes = 10
        public var lr = 0.05
        public init() {}
    }

    public struct TrainingLoopResult: Sendable {
        /// Seconds of each repetition (the loop only, data and model set-up excluded).
        public let scriptSeconds: [Double]
        public let swiftSeconds: [Double]
        /// The final loss of each side (identical data, initialisation and kernels: they must agree).
        public let scriptFinalLoss: Double
        public let swiftFinalLoss: Double
        public var scriptMedian: Double { median(scriptSeconds) }
        public var swiftMedian: Double { median(swiftSeconds) }
        /// script / Swift (1.0 = no interpreter overhead).
        public var ratio: Double { scriptMedian / swiftMedian }
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The script side: set-up (not timed) and the loop (timed).
    static func trainingScripts(_ c: TrainingLoopConfig) -> (setup: String, loop: String) {
        let setup = """
        manual_seed(0)
        let x = randn(\(c.batch), \(c.inputDim))
        let y = randint(0, \(c.classes), [\(c.batch)])
        let model = nn.mlp(\(c.inputDim), [\(c.hidden)], \(c.classes), seed = 1)
        let opt = optim.sgd(model, lr = \(c.lr), momentum = 0.9)
        var loss = nil
        """
        let loop = """
        for step in 0..<\(c.steps) {
            opt.zero_grad()
            loss = nn.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        }
        """
        return (setup, loop)
    }

    /// One run of the script side: (seconds, final loss).
    static func runScriptLoop(_ c: TrainingLoopConfig) throws -> (Double, Double) {
        var errors: [String] = []
        let session = Session(host: Host(report: { errors.append($0.rendered) }), registry: coregRegistry())
        let (setup, loop) = trainingScripts(c)
        _ = session.evaluate(setup, file: "<bench-setup>")
        let start = DispatchTime.now().uptimeNanoseconds
        _ = session.evaluate(loop, file: "<bench>")
        let t = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if !errors.isEmpty { throw ScriptError("benchmark script failed: \(errors.joined(separator: "\n"))") }
        guard case .value(let v?) = session.evaluate("loss.item()"), case .float(let loss) = v else {
            throw ScriptError("benchmark script produced no loss")
        }
        return (t, loss)
    }

    /// One run of the Swift side: (seconds, final loss).
    static func runSwiftLoop(_ c: TrainingLoopConfig) throws -> (Double, Double) {
        RNG.manualSeed(0)
        let x = try Tensor.randn([c.batch, c.inputDim])
        let y = try Tensor.randint(0, c.classes, [c.batch])
        let model = MLP(inputDim: c.inputDim, hidden: [c.hidden], classes: c.classes, rng: RNG(seed: 1))
        let opt = try SGD(model.parameters(), lr: c.lr, momentum: 0.9)
        var loss = Tensor(0)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<c.steps {
            opt.zeroGrad()
            loss = try Losses.crossEntropy(model(x), y)
            try loss.backward()
            try opt.step()
        }
        let t = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (t, try loss.item())
    }

    /// Alternates script and Swift runs (after one warm-up run of each) so that machine noise
    /// hits both sides alike; reports every repetition.
    public static func trainingLoop(_ c: TrainingLoopConfig = TrainingLoopConfig(), repeats: Int = 5) throws -> TrainingLoopResult {
        var warm = c
        warm.steps = min(c.steps, 20)
        _ = try runScriptLoop(warm)
        _ = try runSwiftLoop(warm)
        var script: [Double] = [], swift: [Double] = []
        var scriptLoss = Double.nan, swiftLoss = Double.nan
        for r in 0..<max(repeats, 1) {
            // alternate the order too, so neither side always runs first
            if r % 2 == 0 {
                let (ts, ls) = try runScriptLoop(c); script.append(ts); scriptLoss = ls
                let (tw, lw) = try runSwiftLoop(c); swift.append(tw); swiftLoss = lw
            } else {
                let (tw, lw) = try runSwiftLoop(c); swift.append(tw); swiftLoss = lw
                let (ts, ls) = try runScriptLoop(c); script.append(ts); scriptLoss = ls
            }
        }
        return TrainingLoopResult(scriptSeconds: script, swiftSeconds: swift, scriptFinalLoss: scriptLoss, swiftFinalLoss: swiftLoss)
    }
}
