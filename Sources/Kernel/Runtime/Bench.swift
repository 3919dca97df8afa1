#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic wall-clock seconds.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

public func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Training- and inference-throughput benchmarks of the models (forward + backward + SGD update).
public enum TrainBench {
    public struct Result: Sendable {
        public let model: String
        public let batch: Int
        public let input: [Int]
        public let threads: Int
        public let trainStepSeconds: Double
        public let inferSeconds: Double
        /// Resident set size after the warm-up steps and after the last training step (MiB).
        public let rssAfterWarmupMiB: Double
        public let rssEndMiB: Double
        /// Buffer-pool misses (fresh allocations) per timed training step: 0 once the pool is warm.
        public let poolMissesPerStep: Double
        public var trainImagesPerSecond: Double { Double(batch) / trainStepSeconds }
        public var inferImagesPerSecond: Double { Double(batch) / inferSeconds }
    }

    /// Times `steps` training steps and `steps` inference passes after `warmup` of each, and
    /// reports medians. `progress` is called after every timed step (for progress bars).
    public static func run(model name: String, batch: Int, input: [Int], classes: Int = 10, threads: Int,
                           warmup: Int = 3, steps: Int = 10, progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        guard input.count == 3 else { throw TensorError("bench", "input must be C×H×W, got \(input)") }
        guard batch > 0, steps > 0, warmup >= 0 else { throw TensorError("bench", "batch and steps must be positive") }
        ThreadPool.setDefaultThreads(threads)
        let rng = RNG(seed: 1)
        let model = try makeModel(name, inChannels: input[0], inputSize: input[1], classes: classes, rng: rng)
        let x = try Tensor.randn([batch] + input, rng: rng)
        let y = try Tensor.randint(0, classes, [batch], rng: rng)
        let opt = try SGD(model.parameters(), lr: 0.01, momentum: 0.9, weightDecay: 5e-4)
        var trainTimes: [Double] = []
        var rssWarm = residentMiB()
        var missesWarm = BufferPool.shared.misses
        model.train()
        for i in 0..<(warmup + steps) {
            try Interrupt.check()
            let t0 = monotonicSeconds()
            let loss = try Losses.crossEntropy(model.forward(x), y)
            opt.zeroGrad()
            try loss.backward()
            try opt.step()
            let dt = monotonicSeconds() - t0
            if i >= warmup { trainTimes.append(dt); progress?(trainTimes.count, 2 * steps) }
            if i == warmup - 1 { rssWarm = residentMiB(); missesWarm = BufferPool.shared.misses }
        }
        let rssEnd = residentMiB()
        let missesPerStep = Double(BufferPool.shared.misses - missesWarm) / Double(steps)
        var inferTimes: [Double] = []
        model.eval()
        for i in 0..<(warmup + steps) {
            try Interrupt.check()
            let t0 = monotonicSeconds()
            _ = try Tensor.noGrad { try model.forward(x) }
            let dt = monotonicSeconds() - t0
            if i >= warmup { inferTimes.append(dt); progress?(steps + inferTimes.count, 2 * steps) }
        }
        return Result(model: name, batch: batch, input: input, threads: threads,
                      trainStepSeconds: median(trainTimes), inferSeconds: median(inferTimes),
                      rssAfterWarmupMiB: rssWarm, rssEndMiB: rssEnd, poolMissesPerStep: missesPerStep)
    }
}

/// Convolution benchmarks over the layer shapes of cnn_small and preact_resnet18.
public enum ConvBench {
    public struct Layer: Sendable {
        public let name: String
        public let input: [Int]   // N, C, H, W
        public let outChannels: Int
        public let kernel: Int
        public let stride: Int
        public let padding: Int
    }
    public struct Result: Sendable {
        public let layer: Layer
        public let forwardSeconds: Double
        public let backwardSeconds: Double
        public let flops: Double   // forward FLOPs (backward is 2×)
        public var forwardGFLOPS: Double { flops / forwardSeconds / 1e9 }
        public var backwardGFLOPS: Double { 2 * flops / backwardSeconds / 1e9 }
    }

    public static func layers(model: String, batch: Int) -> [Layer] {
        switch model {
        case "cnn_small":
            return [Layer(name: "conv1 1→32 28²", input: [batch, 1, 28, 28], outChannels: 32, kernel: 3, stride: 1, padding: 1),
                    Layer(name: "conv2 32→64 14²", input: [batch, 32, 14, 14], outChannels: 64, kernel: 3, stride: 1, padding: 1),
                    Layer(name: "conv3 64→128 7²", input: [batch, 64, 7, 7], outChannels: 128, kernel: 3, stride: 1, padding: 1),
                    Layer(name: "conv1 3→32 32²", input: [batch, 3, 32, 32], outChannels: 32, kernel: 3, stride: 1, padding: 1),
                    Layer(name: "conv2 32→64 16²", input: [batch, 32, 16, 16], outChannels: 64, kernel: 3, stride: 1, padding: 1),
                    Layer(name: "conv3 64→128 8²", input: [batch, 64, 8, 8], outChannels: 128, kernel: 3, stride: 1, padding: 1)]
        default:
            return [Layer(name: "stem 3→64 32²", input: [batch, 3, 32, 32], outChannels: 64, kernel: 3, stride: 1, padding: 1),
                    Layer(name: "layer1 64→64 32²", input: [batch, 64, 32, 32], outChannels: 64, kernel: 3, stride: 1, padding: 1),
                    Layer(name: "layer2 64→128 s2", input: [batch, 64, 32, 32], outChannels: 128, kernel: 3, stride: 2, padding: 1),
                    Layer(name: "layer2 128→128 16²", input: [batch, 128, 16, 16], outChannels: 128, kernel: 3, stride: 1, padding: 1),
                    Layer(name: "layer3 256→256 8²", input: [batch, 256, 8, 8], outChannels: 256, kernel: 3, stride: 1, padding: 1),
                    Layer(name: "layer4 512→512 4²", input: [batch, 512, 4, 4], outChannels: 512, kernel: 3, stride: 1, padding: 1)]
        }
    }

    public static func run(_ l: Layer, threads: Int, repeats: Int = 5) throws -> Result {
        ThreadPool.setDefaultThreads(threads)
        let rng = RNG(seed: 2)
        let x = try Tensor.randn(l.input, rng: rng).requiresGrad()
        let w = try Tensor.randn([l.outChannels, l.input[1], l.kernel, l.kernel], rng: rng).requiresGrad()
        let p = Conv2dParams(stride: (l.stride, l.stride), padding: (l.padding, l.padding))
        var fw: [Double] = [], bw: [Double] = []
        var outCount = 0
        for i in 0..<(repeats + 1) {
            try Interrupt.check()
            ProgressHook.step("bench \(l.name)", i, repeats + 1)
            let t0 = monotonicSeconds()
            let y = try Tensor.conv2d(x, w, p)
            let t1 = monotonicSeconds()
            try y.backward(Tensor.onesLike(y))
            let t2 = monotonicSeconds()
            x.zeroGrad(); w.zeroGrad()
            outCount = y.count
            if i > 0 { fw.append(t1 - t0); bw.append(t2 - t1) }
        }
        let flops = 2.0 * Double(outCount) * Double(l.input[1] * l.kernel * l.kernel)
        ProgressHook.step("bench \(l.name)", repeats + 1, repeats + 1)
        return Result(layer: l, forwardSeconds: median(fw), backwardSeconds: median(bw), flops: flops)
    }
}

/// The process's resident set size in MiB (Linux /proc; 0 where unavailable).
public func residentMiB() -> Double {
    guard let f = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(f) }
    var size = 0, resident = 0
    guard withUnsafeMutablePointer(to: &size, { sp in withUnsafeMutablePointer(to: &resident) { rp in
        fscanfTwo(f, sp, rp) } }) else { return 0 }
    return Double(resident) * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

private func fscanfTwo(_ f: UnsafeMutablePointer<FILE>, _ a: UnsafeMutablePointer<Int>, _ b: UnsafeMutablePointer<Int>) -> Bool {
    var buf = [CChar](repeating: 0, count: 256)
    guard fgets(&buf, 256, f) != nil else { return false }
    let parts = String(cString: buf).split(separator: " ")
    guard parts.count >= 2, let x = Int(parts[0]), let y = Int(parts[1]) else { return false }
    a.pointee = x
    b.pointee = y
    return true
}
