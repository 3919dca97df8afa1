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
        /// A model so small that the step is almost all interpreter and dispatch overhead.
        public static var tiny: TrainingLoopConfig {
            var c = TrainingLoopConfig()
            c.batch = 4; c.inputDim = 8; c.hidden = 8; c.classes = 2
            return c
        }
    }

    /// Wall-clock and process CPU seconds of one timed region.
    public struct Timing: Sendable {
        public let wall: Double
        public let cpu: Double
    }

    public struct TrainingLoopResult: Sendable {
        /// Each repetition (the loop only, data and model set-up excluded).
        public let script: [Timing]
        public let swift: [Timing]
        /// The final loss of each side (identical data, initialisation and kernels: they must agree).
        public let scriptFinalLoss: Double
        public let swiftFinalLoss: Double
        public var scriptWallMedian: Double { median(script.map { $0.wall }) }
        public var swiftWallMedian: Double { median(swift.map { $0.wall }) }
        public var scriptCPUMedian: Double { median(script.map { $0.cpu }) }
        public var swiftCPUMedian: Double { median(swift.map { $0.cpu }) }
        /// script / Swift on CPU time (1.0 = no interpreter overhead); less disturbed by other
        /// processes than wall time on a shared machine (with one kernel thread the two agree).
        public var ratio: Double { scriptCPUMedian / swiftCPUMedian }
        public var wallRatio: Double { scriptWallMedian / swiftWallMedian }
        /// Ratio of the fastest runs (CPU): the least disturbed by contention.
        public var minRatio: Double { script.map { $0.cpu }.min()! / swift.map { $0.cpu }.min()! }
    }

    /// Process CPU time (user + system) in seconds.
    static func cpuSeconds() -> Double {
        var u = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &u)
        #else
        getrusage(RUSAGE_SELF, &u)
        #endif
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }
    static func measure(_ body: () throws -> Void) rethrows -> Timing {
        let c0 = cpuSeconds(), w0 = DispatchTime.now().uptimeNanoseconds
        try body()
        let w1 = DispatchTime.now().uptimeNanoseconds, c1 = cpuSeconds()
        return Timing(wall: Double(w1 - w0) / 1e9, cpu: c1 - c0)
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

    /// One run of the script side: (timing, final loss).
    static func runScriptLoop(_ c: TrainingLoopConfig) throws -> (Timing, Double) {
        var errors: [String] = []
        let session = Session(host: Host(report: { errors.append($0.rendered) }), registry: coregRegistry())
        let (setup, loop) = trainingScripts(c)
        _ = session.evaluate(setup, file: "<bench-setup>")
        let t = measure { _ = session.evaluate(loop, file: "<bench>") }
        if !errors.isEmpty { throw ScriptError("benchmark script failed: \(errors.joined(separator: "\n"))") }
        guard case .value(let v?) = session.evaluate("loss.item()"), case .float(let loss) = v else {
            throw ScriptError("benchmark script produced no loss")
        }
        return (t, loss)
    }

    /// One run of the Swift side: (timing, final loss).
    static func runSwiftLoop(_ c: TrainingLoopConfig) throws -> (Timing, Double) {
        RNG.manualSeed(0)
        let x = try Tensor.randn([c.batch, c.inputDim])
        let y = try Tensor.randint(0, c.classes, [c.batch])
        let model = MLP(inputDim: c.inputDim, hidden: [c.hidden], classes: c.classes, rng: RNG(seed: 1))
        let opt = try SGD(model.parameters(), lr: c.lr, momentum: 0.9)
        var loss = Tensor(0)
        // On a big-stack thread like the script's evaluation, so that both sides allocate their
        // tensors from the same kind of malloc arena (a per-thread one, not the main thread's).
        let t = try BigStack.run { Result { try measure {
            for _ in 0..<c.steps {
                opt.zeroGrad()
                loss = try Losses.crossEntropy(model(x), y)
                try loss.backward()
                try opt.step()
            }
        } } }.get()
        return (t, try loss.item())
    }

    /// Alternates script and Swift runs (after one warm-up run of each) so that machine noise
    /// hits both sides alike; reports every repetition.
    public static func trainingLoop(_ c: TrainingLoopConfig = TrainingLoopConfig(), repeats: Int = 5) throws -> TrainingLoopResult {
        var warm = c
        warm.steps = min(c.steps, 20)
        _ = try runScriptLoop(warm)
        _ = try runSwiftLoop(warm)
        var script: [Timing] = [], swift: [Timing] = []
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
        return TrainingLoopResult(script: script, swift: swift, scriptFinalLoss: scriptLoss, swiftFinalLoss: swiftLoss)
    }
}
