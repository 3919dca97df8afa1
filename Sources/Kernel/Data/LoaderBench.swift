/// Loader throughput: the Co-Reg training loader (2 weak + 2 strong views per sample by default)
/// building batches on `threads` threads, no consumer. Reports samples (images) per second,
/// each sample counting once however many views it has.
public enum LoaderBench {
    public struct Result: Sendable {
        public let dataset: String
        public let preset: String
        public let batch: Int
        public let views: [AugmentView]
        public let threads: Int
        /// Seconds per batch, median over the timed batches.
        public let batchSeconds: Double
        public let batchesTimed: Int
        public var imagesPerSecond: Double { Double(batch) / batchSeconds }
        /// Augmented views per second (imagesPerSecond × views).
        public var viewsPerSecond: Double { imagesPerSecond * Double(views.count) }
    }

    /// Times `batches` batches (after `warmup` untimed ones) of a shuffling loader over `dataset`.
    public static func run(dataset: Dataset, preset: AugmentPreset? = nil, batch: Int = 128,
                           views: [AugmentView] = [.weak, .weak, .strong, .strong], threads: Int,
                           warmup: Int = 2, batches: Int = 20, seed: UInt64 = 0) throws -> Result {
        let loader = try Loader(dataset: dataset, batchSize: batch, shuffle: true, dropLast: true, views: views,
                                preset: preset, seed: seed, prefetch: 0, threads: threads)
        guard loader.count > 0 else { throw TensorError("bench", "\(dataset.name) has fewer than \(batch) samples") }
        var times: [Double] = []
        var epoch = 0
        var b = 0
        var positions = loader.positions(epoch: 0)
        for step in 0..<(warmup + batches) {
            ProgressHook.step("bench loader", step, warmup + batches)
            if b == loader.count { epoch += 1; b = 0; positions = loader.positions(epoch: epoch) }
            let t0 = monotonicSeconds()
            let out = try loader.batch(b, positions: positions, epoch: epoch)
            let dt = monotonicSeconds() - t0
            guard out.count == batch else {
                throw TensorError("bench loader", "batch \(batch) is larger than the dataset's \(dataset.count) samples")
            }
            if step >= warmup { times.append(dt) }
            b += 1
        }
        ProgressHook.step("bench loader", warmup + batches, warmup + batches)
        return Result(dataset: dataset.name, preset: loader.augmenter.preset.name, batch: batch, views: views,
                      threads: threads, batchSeconds: median(times), batchesTimed: times.count)
    }
}
