import XCTest
import Kernel

/// The benchmarks' bookkeeping: layer shapes, FLOP counts and derived rates. A benchmark that
/// counts wrong reports wrong speed-ups, so these are checked like any other result.
final class KernelBenchTests: XCTestCase {
    func testConvBenchLayersAndFlopCounts() throws {
        let saved = ThreadPool.shared.threads
        defer { ThreadPool.setDefaultThreads(saved) }
        let small = ConvBench.layers(model: "cnn_small", batch: 2)
        XCTAssertEqual(small.map(\.input), [[2, 1, 28, 28], [2, 32, 14, 14], [2, 64, 7, 7],
                                            [2, 3, 32, 32], [2, 32, 16, 16], [2, 64, 8, 8]])
        XCTAssertEqual(small.map(\.outChannels), [32, 64, 128, 32, 64, 128])
        let resnet = ConvBench.layers(model: "preact_resnet18", batch: 2)
        XCTAssertEqual(resnet[2].stride, 2)
        for l in [small[0], small[2], resnet[2]] {
            let r = try ConvBench.run(l, threads: 1, repeats: 1)
            let side = (l.input[2] + 2 * l.padding - l.kernel) / l.stride + 1
            let want = 2.0 * Double(l.input[0] * l.outChannels * side * side * l.input[1] * l.kernel * l.kernel)
            XCTAssertEqual(r.flops, want, "\(l.name): forward FLOPs")
            XCTAssertGreaterThan(r.forwardSeconds, 0)
            XCTAssertGreaterThan(r.backwardSeconds, 0)
            XCTAssertEqual(r.forwardGFLOPS, want / r.forwardSeconds / 1e9, accuracy: 1e-9 * r.forwardGFLOPS)
            XCTAssertEqual(r.backwardGFLOPS, 2 * want / r.backwardSeconds / 1e9, accuracy: 1e-9 * r.backwardGFLOPS)
        }
    }

    func testTrainBenchResultAndErrors() throws {
        let saved = ThreadPool.shared.threads
        defer { ThreadPool.setDefaultThreads(saved) }
        let r = try TrainBench.run(model: "cnn_small", batch: 8, input: [3, 16, 16], threads: 1, warmup: 1, steps: 2)
        XCTAssertEqual(r.model, "cnn_small")
        XCTAssertEqual(r.batch, 8)
        XCTAssertEqual(r.input, [3, 16, 16])
        XCTAssertEqual(r.threads, 1)
        XCTAssertEqual(r.trainImagesPerSecond, 8 / r.trainStepSeconds, accuracy: 1e-9 * r.trainImagesPerSecond)
        XCTAssertEqual(r.inferImagesPerSecond, 8 / r.inferSeconds, accuracy: 1e-9 * r.inferImagesPerSecond)
        #if os(Linux)
        XCTAssertGreaterThan(r.rssAfterWarmupMiB, 0)
        XCTAssertGreaterThanOrEqual(r.rssEndMiB, 0)
        #endif
        XCTAssertGreaterThanOrEqual(r.poolMissesPerStep, 0)
        XCTAssertThrowsError(try TrainBench.run(model: "cnn_small", batch: 8, input: [16, 16], threads: 1))
        XCTAssertThrowsError(try TrainBench.run(model: "cnn_small", batch: 0, input: [1, 28, 28], threads: 1))
        XCTAssertThrowsError(try TrainBench.run(model: "no_such_model", batch: 2, input: [1, 28, 28], threads: 1))
    }
}
