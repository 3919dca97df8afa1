import ArgumentParser
import Foundation
import Kernel
import Interpreter

/// `coreg bench …`: kernel and training-throughput benchmarks. Medians; `--json` prints one JSON
/// object per line.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: GEMM GFLOP/s, convolution layers, training and inference images/s.",
        subcommands: [GEMM.self, Conv.self, Train.self, Loader.self, Interp.self])

    struct Common: ParsableArguments {
        @Option(help: "Threads (default: COREG_THREADS or the number of cores).") var threads: Int?
        @Flag(help: "Print one JSON object per line.") var json = false
        var threadCount: Int { threads ?? defaultThreadCount() }
    }

    struct GEMM: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Single-precision GEMM GFLOP/s (C[M×N] = A[M×K]·B[K×N]).")
        @Option var m = 1024
        @Option var n = 1024
        @Option var k = 1024
        @Option(help: "Timed repetitions (median reported).") var repeats = 5
        @OptionGroup var common: Common
        func validate() throws {
            guard m > 0, n > 0, k > 0, repeats > 0 else { throw ValidationError("m, n, k and repeats must be positive") }
            guard m * k + k * n + m * n <= 1 << 31 else { throw ValidationError("matrices too large for a benchmark (over 8 GiB)") }
        }
        func run() throws {
            let r = GEMMBench.run(m: m, n: n, k: k, threads: common.threadCount, repeats: repeats)
            emit(common.json, ["bench": "gemm", "m": m, "n": n, "k": k, "threads": common.threadCount,
                               "median_s": r.medianSeconds, "gflops": r.gflops],
                 String(format: "gemm %d×%d×%d  threads %d  %.1f GFLOP/s  (median %.3f ms)",
                        m, k, n, common.threadCount, r.gflops, r.medianSeconds * 1e3))
        }
    }

    struct Conv: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Convolution layers of cnn_small and preact_resnet18, forward and backward.")
        @Option(help: "cnn_small or preact_resnet18.") var model = "cnn_small"
        @Option var batch = 128
        @Option var repeats = 5
        @OptionGroup var common: Common
        func validate() throws {
            guard ["cnn_small", "preact_resnet18"].contains(model) else { throw ValidationError("--model must be cnn_small or preact_resnet18") }
            guard batch > 0, repeats > 0 else { throw ValidationError("batch and repeats must be positive") }
        }
        func run() throws {
            for l in ConvBench.layers(model: model, batch: batch) {
                let r = try ConvBench.run(l, threads: common.threadCount, repeats: repeats)
                emit(common.json, ["bench": "conv", "model": model, "layer": l.name, "batch": batch, "threads": common.threadCount,
                                   "forward_ms": r.forwardSeconds * 1e3, "backward_ms": r.backwardSeconds * 1e3,
                                   "forward_gflops": r.forwardGFLOPS, "backward_gflops": r.backwardGFLOPS],
                     String(format: "%-22@ fwd %7.2f ms (%5.1f GFLOP/s)  bwd %7.2f ms (%5.1f GFLOP/s)",
                            l.name as NSString, r.forwardSeconds * 1e3, r.forwardGFLOPS, r.backwardSeconds * 1e3, r.backwardGFLOPS))
            }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Train-step (forward + backward + SGD) and inference images/s.")
        @Option(help: "mlp, cnn_small or preact_resnet18.") var model = "cnn_small"
        @Option var batch = 128
        @Option(help: "Input as C×H×W, e.g. 1x28x28 or 3x32x32.") var input = "1x28x28"
        @Option var steps = 10
        @Option var warmup = 3
        @OptionGroup var common: Common
        func parsedInput() throws -> [Int] {
            let parts = input.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 3, parts.allSatisfy({ $0 > 0 && $0 <= 4096 }) else {
                throw ValidationError("--input must look like 1x28x28 (C×H×W, each 1...4096), got '\(input)'")
            }
            return parts
        }
        func validate() throws {
            _ = try parsedInput()
            guard ["mlp", "cnn_small", "preact_resnet18"].contains(model) else { throw ValidationError("--model must be mlp, cnn_small or preact_resnet18") }
            guard batch > 0, batch <= 65536, steps > 0, warmup >= 0 else { throw ValidationError("batch (1...65536) and steps must be positive") }
        }
        func run() throws {
            let shape = try parsedInput()
            let display = ProgressDisplay(terminal: isTerminal(2))
            let r = try TrainBench.run(model: model, batch: batch, input: shape, threads: common.threadCount, warmup: warmup, steps: steps) { done, total in
                display.show(ProgressEvent(label: "bench \(model)", completed: done, total: total))
            }
            display.clearLine()
            emit(common.json, ["bench": "train", "model": model, "batch": batch, "input": input, "threads": common.threadCount,
                               "train_step_ms": r.trainStepSeconds * 1e3, "infer_ms": r.inferSeconds * 1e3,
                               "train_images_per_s": r.trainImagesPerSecond, "infer_images_per_s": r.inferImagesPerSecond,
                               "rss_after_warmup_mib": r.rssAfterWarmupMiB, "rss_end_mib": r.rssEndMiB,
                               "pool_misses_per_step": r.poolMissesPerStep],
                 String(format: "%@ batch %d input %@ threads %d: train %.1f images/s (%.1f ms/step), inference %.1f images/s; RSS %.0f MiB after warm-up, %.0f MiB at the end; %.1f pool misses/step",
                        model as NSString, batch, input as NSString, common.threadCount, r.trainImagesPerSecond,
                        r.trainStepSeconds * 1e3, r.inferImagesPerSecond, r.rssAfterWarmupMiB, r.rssEndMiB, r.poolMissesPerStep))
        }
    }

    struct Loader: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Loader images/s: the 4-view Co-Reg loader (2 weak + 2 strong) on Fashion-MNIST, beside cnn_small's train images/s.")
        @Option(help: "Dataset spec (default: fmnist if installed, else embedded).") var data: String?
        @Option var batch = 128
        @Option(help: "Views per sample, comma-separated.") var views = "weak,weak,strong,strong"
        @Option(help: "Augmentation preset (default: the dataset's), e.g. cifar10 for RandAugment strong views.") var preset: String?
        @Option(help: "Timed batches (median reported).") var batches = 30
        @Option var warmup = 3
        @Flag(help: "Skip the cnn_small train-step comparison.") var noTrain = false
        @OptionGroup var common: Common
        func validate() throws {
            guard batch > 0, batches > 0, warmup >= 0 else { throw ValidationError("batch and batches must be positive") }
        }
        func run() throws {
            let spec = data ?? (FileManager.default.fileExists(atPath: Datasets.fmnistDefaultPath) ? "fmnist" : "embedded")
            let ds = try loadOrExit(spec, seed: 0).train
            let kinds = try views.split(separator: ",").map { v -> AugmentView in
                guard let k = AugmentView(rawValue: v.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw ValidationError("--views: '\(v)' is not weak, strong or test")
                }
                return k
            }
            let p = try preset.map { try DatasetRegistry.augmentPreset($0, like: ds) }
            let r = try LoaderBench.run(dataset: ds, preset: p, batch: batch, views: kinds, threads: common.threadCount, warmup: warmup, batches: batches)
            var obj: [String: Any] = ["bench": "loader", "data": spec, "preset": r.preset, "batch": batch, "views": views, "threads": common.threadCount,
                                      "batch_ms": r.batchSeconds * 1e3, "images_per_s": r.imagesPerSecond, "views_per_s": r.viewsPerSecond]
            var human = String(format: "loader %@ (preset %@) batch %d views %@ threads %d: %.0f images/s (%.0f views/s, %.2f ms/batch)",
                               spec as NSString, r.preset as NSString, batch, views as NSString, common.threadCount, r.imagesPerSecond, r.viewsPerSecond, r.batchSeconds * 1e3)
            if !noTrain {
                let shape = ds.imageShape
                let t = try TrainBench.run(model: "cnn_small", batch: batch, input: shape, threads: common.threadCount, warmup: 3, steps: 10)
                let ratio = r.imagesPerSecond / t.trainImagesPerSecond
                obj["train_images_per_s"] = t.trainImagesPerSecond
                obj["ratio"] = ratio
                human += String(format: "; cnn_small train %.0f images/s; loader/train = %.1f× (target ≥ 5×)", t.trainImagesPerSecond, ratio)
            }
            emit(common.json, obj, human)
        }
    }

    struct Interp: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Interpreter overhead: a training loop driven from a script vs from Swift, and the scalar loop.")
        @Option(help: "Training steps per run.") var steps = 500
        @Option(help: "Timed repetitions of each side (medians reported).") var repeats = 7
        @Option(help: "Iterations of the scalar loop.") var iterations = 1_000_000
        @OptionGroup var common: Common
        func validate() throws {
            guard steps > 0, repeats > 0, iterations > 0 else { throw ValidationError("steps, repeats and iterations must be positive") }
        }
        func run() throws {
            ThreadPool.setDefaultThreads(common.threadCount)
            let ms = { (xs: [Double]) in xs.map { String(format: "%.1f", $0 * 1e3) }.joined(separator: " ") }
            var trainSwiftPerStep = 0.0
            for (name, base) in [("train", InterpreterBench.TrainingLoopConfig()), ("tiny", InterpreterBench.TrainingLoopConfig.tiny)] {
                var c = base
                c.steps = steps
                let r = try InterpreterBench.trainingLoop(c, repeats: repeats)
                let perStep = (r.scriptCPUMedian - r.swiftCPUMedian) / Double(steps) * 1e6
                if name == "train" { trainSwiftPerStep = r.swiftCPUMedian / Double(steps) * 1e6 }
                // The tiny loop's overhead per step is mostly interpreter dispatch; relative to the
                // train loop's Swift step it estimates the train overhead with less noise.
                let estimate = name == "tiny" ? 1 + perStep / trainSwiftPerStep : r.ratio
                emit(common.json, ["bench": "interp_\(name)", "steps": steps, "threads": common.threadCount,
                                   "batch": c.batch, "input": c.inputDim, "hidden": c.hidden, "classes": c.classes,
                                   "script_cpu_median_s": r.scriptCPUMedian, "swift_cpu_median_s": r.swiftCPUMedian,
                                   "script_wall_median_s": r.scriptWallMedian, "swift_wall_median_s": r.swiftWallMedian,
                                   "ratio_cpu": r.ratio, "ratio_wall": r.wallRatio, "ratio_min_cpu": r.minRatio, "overhead_us_per_step": perStep,
                                   "estimated_train_ratio": estimate,
                                   "script_final_loss": r.scriptFinalLoss, "swift_final_loss": r.swiftFinalLoss],
                     String(format: "%@ loop, %d steps (MLP %d-%d-%d, batch %d, SGD momentum), threads %d:\n  CPU  script %.1f ms  Swift %.1f ms  ratio %.4f  (fastest runs %.4f; overhead %.1f µs/step%@)\n  wall script %.1f ms  Swift %.1f ms  ratio %.4f\n  runs, CPU ms: script [%@]  Swift [%@]\n  final loss: script %.6f  Swift %.6f",
                            name as NSString, steps, c.inputDim, c.hidden, c.classes, c.batch, common.threadCount,
                            r.scriptCPUMedian * 1e3, r.swiftCPUMedian * 1e3, r.ratio, r.minRatio, perStep,
                            (name == "tiny" ? String(format: "; as a share of the train step: ratio %.4f", estimate) : "") as NSString,
                            r.scriptWallMedian * 1e3, r.swiftWallMedian * 1e3, r.wallRatio,
                            ms(r.script.map { $0.cpu }) as NSString, ms(r.swift.map { $0.cpu }) as NSString,
                            r.scriptFinalLoss, r.swiftFinalLoss))
            }
            _ = InterpreterBench.scalarLoop(iterations: min(iterations, 10_000))
            let scalar = (0..<repeats).map { _ in InterpreterBench.scalarLoop(iterations: iterations) }
            let sorted = scalar.sorted()
            let med = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            emit(common.json, ["bench": "interp_scalar", "iterations": iterations, "median_s": med, "runs_s": scalar],
                 String(format: "scalar loop, %d iterations: median %.3f s  (runs: %@ s)", iterations, med,
                        scalar.map { String(format: "%.3f", $0) }.joined(separator: " ") as NSString))
        }
    }
}

func defaultThreadCount() -> Int {
    if let s = ProcessInfo.processInfo.environment["COREG_THREADS"], let n = Int(s), n > 0 { return n }
    return ProcessInfo.processInfo.activeProcessorCount
}

/// Prints one result: a JSON object per line with `--json` (with the kernel path and the CPU it
/// ran on, so that a committed artefact says what it measured), else the human line.
func emit(_ json: Bool, _ obj: [String: Any], _ human: String) {
    var obj = obj
    obj["isa"] = KernelISA.current.rawValue
    obj["cpu"] = CPUFeatures.brand
    if json, let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]),
       let s = String(data: data, encoding: .utf8) {
        print(s)
    } else {
        print(human)
    }
    fflush(stdout)
}
