// coreg-fuzz: libFuzzer targets, one per input surface (docs/fuzzing.md).
//
//   coreg-fuzz --list
//   coreg-fuzz TARGET [libFuzzer flags] [CORPUS_DIR ...]
//
// Built only by scripts/fuzz.sh (COREG_FUZZ=1 adds this target to Package.swift) with
// -sanitize=fuzzer,address: libFuzzer supplies the mutation loop and coverage feedback, ASan
// turns every out-of-bounds access, use-after-free and leak into a report, and Swift's own
// bounds and overflow checks (kept in the release build) turn into traps. Each target states
// what a correct outcome is: a value, or a thrown error of the kinds that name their place
// (file and byte offset for files, file:line:col for scripts). Anything else calls `abort()`,
// which libFuzzer records as a crash with the input that caused it.
import Foundation
import Kernel
import Interpreter
import CFuzzDriver

struct Target {
    let name: String
    let about: String
    /// Longest input worth generating (libFuzzer's -max_len).
    let maxLength: Int
    /// False where the inputs may legitimately build reference cycles (see script-eval).
    var detectLeaks = true
    let run: ([UInt8]) -> Void
}

/// Ends the run as a crash: libFuzzer saves the input and the message says why it was wrong.
func violation(_ message: String) -> Never {
    FileHandle.standardError.write(Data("\ncoreg-fuzz: \(message)\n".utf8))
    abort()
}

/// A file surface: `parse` must return or throw one of the located error kinds, whose text
/// names the file it was given.
func fileTarget(_ name: String, _ about: String, maxLength: Int, file: String, _ parse: @escaping ([UInt8]) throws -> Void) -> Target {
    Target(name: name, about: about, maxLength: maxLength) { bytes in
        do { try parse(bytes) } catch { requireLocated(error, file: file, target: name) }
    }
}

/// The error must be one of the kinds that name their place, and name `file`.
func requireLocated(_ error: Error, file: String, target: String) {
    switch error {
    case let e as DataFormatError:
        guard e.description.hasPrefix(e.file), e.file.hasPrefix(file) else { violation("error does not name the file '\(file)': \(e)") }
    case let e as CheckpointError:
        guard e.description.contains(file) else { violation("error does not name the file '\(file)': \(e)") }
    default:
        violation("\(target): unexpected \(type(of: error)) (not a located format error): \(error)")
    }
}

/// A script surface: every error must reach the host as a diagnostic with a line and column.
func runScript(_ text: String, registry: Registry, host: Interpreter.Host, checkStatus: Bool) {
    var diagnostics: [Diagnostic] = []
    host.report = { diagnostics.append($0) }
    let session = Session(host: host, registry: registry)
    if checkStatus { _ = session.status(of: text) }
    switch session.evaluate(text, file: "fuzz.coreg") {
    case .value, .interrupted: break
    case .error:
        guard !diagnostics.isEmpty else { violation("an error without a diagnostic") }
        for d in diagnostics where d.line <= 0 || d.column <= 0 || d.file != "fuzz.coreg" {
            violation("a diagnostic without a place: \(d.rendered)")
        }
    }
}

/// The checkpoint target restores into these objects; their state before and after a failed
/// restore must be equal (Checkpoint.load checks everything before it changes anything).
final class RestoreTargets {
    let net = MLP(inputDim: 4, hidden: [3], classes: 2, rng: RNG(seed: 1))
    let opt: SGD
    let rng = RNG(seed: 3)
    init() { opt = try! SGD(net.parameters(), lr: 0.1, momentum: 0.9) }
    func snapshot() -> [[Float]] { net.stateDict().map { $0.1.toFloats() } + [rng.state.map { Float($0) }] }
}

let scriptSandbox = ["tensor", "nn", "optim", "coreg", "baselines"]
// One registry per process: sessions only read it, and building one per input cost most of the time.
nonisolated(unsafe) let standardRegistry = Registry.standard()
nonisolated(unsafe) let sandboxRegistry = coregRegistry(only: Set(scriptSandbox))
let classNames = ["cat", "dog", "car", "ship"]

let targets: [Target] = [
    Target(name: "script-parse", about: "lexer, parser and resolver (no statement runs)", maxLength: 4096) { bytes in
        runScript(String(decoding: bytes, as: UTF8.self), registry: standardRegistry,
                  host: Interpreter.Host(maxSteps: 0, maxCallDepth: 150), checkStatus: true)
    },
    // Leak detection is off here: a script may build a reference cycle on purpose (a list that
    // holds itself), and script values are reference-counted with no cycle collector, so such a
    // cycle lives until the process ends (docs/fuzzing.md). The interpreter's own cycles are
    // tested by CycleTests (InterpreterTests) and, for frames, by `sys.live_frames`.
    Target(name: "script-eval", about: "the evaluator with the tensor, nn, optim, coreg and baselines modules, under limits: 20,000 steps, call depth 150, 2^20 elements per tensor, 1 s per input", maxLength: 4096, detectLeaks: false) { bytes in
        let host = Interpreter.Host(maxSteps: 20_000, maxCallDepth: 150)
        let deadline = ProcessInfo.processInfo.systemUptime + 1.0
        host.isInterruptRequested = { ProcessInfo.processInfo.systemUptime > deadline }
        host.noGrad = kernelNoGrad
        host.readFile = { _ in throw ScriptError("file access is off in the fuzz sandbox") }
        runScript(String(decoding: bytes, as: UTF8.self), registry: sandboxRegistry,
                  host: host, checkStatus: false)
    },
    fileTarget("idx", "IDX files, raw or gzip (MNIST, Fashion-MNIST)", maxLength: 8192, file: "f.idx") { b in
        _ = try IDX.parse(try Gzip.decompressIfGzip(b, file: "f.idx"), file: "f.idx").tensor()
    },
    fileTarget("cifar", "CIFAR-10 and CIFAR-100 binary batches", maxLength: 16384, file: "f.bin") { b in
        _ = try CIFAR.parse(b, file: "f.bin", variant: .cifar10)
        _ = try CIFAR.parse(b, file: "f.bin", variant: .cifar100)
    },
    fileTarget("mat", "MATLAB v5 .mat (SVHN)", maxLength: 16384, file: "f.mat") { b in
        for v in try MAT.parse(b, file: "f.mat") where v.count < 1 << 20 { _ = try v.tensor() }
    },
    fileTarget("fer2013", "FER2013 CSV", maxLength: 8192, file: "f.csv") { b in _ = try FER2013.parse(b, file: "f.csv") },
    fileTarget("npy", "NumPy .npy (every dtype, both orders, v1-v3 headers)", maxLength: 4096, file: "f.npy") { b in
        let a = try NPY.parse(b, file: "f.npy")
        if a.strings == nil { _ = try a.tensor(name: "f.npy") }
    },
    fileTarget("npz", "NumPy .npz archives, stored and deflated (zlib)", maxLength: 8192, file: "f.npz") { b in
        let z = try NPZ.parse(b, file: "f.npz")
        for name in z.names where z[name]?.strings == nil { _ = try z.tensor(name, file: "f.npz") }
    },
    fileTarget("safetensors", "safetensors files (header JSON, dtypes, offsets)", maxLength: 8192, file: "f.safetensors") { b in
        _ = try Safetensors.decode(b, file: "f.safetensors")
    },
    Target(name: "checkpoint", about: "a checkpoint restored into an MLP, SGD and an RNG; a refused restore must leave them unchanged", maxLength: 8192) { b in
        let t = RestoreTargets()
        let before = t.snapshot()
        do {
            try Checkpoint.load(bytes: b, file: "f.ckpt", modules: [("net", t.net)], optimizers: [("opt", t.opt)], rngs: [("data", t.rng)])
        } catch {
            requireLocated(error, file: "f.ckpt", target: "checkpoint")
            guard t.snapshot() == before else { violation("a refused checkpoint changed the model or RNG: \(error)") }
        }
    },
    fileTarget("json", "JSON: the header reader (offsets, depth limit) and io.read_json's conversion to script values", maxLength: 4096, file: "f.json") { b in
        let header = Result { try checkJSONDocument(b, file: "f.json") }
        let value = Result { try jsonValue(bytes: b, file: "f.json") }
        try header.get()
        _ = try value.get()
    },
    fileTarget("annotation-npz", "annotation archives (candidates, template probabilities, class names)", maxLength: 8192, file: "f.npz") { b in
        _ = try AnnotationIO.decode(try NPZ.parse(b, file: "f.npz"), file: "f.npz")
    },
    fileTarget("annotation-jsonl", "VLM answers as JSONL, matched to class names", maxLength: 4096, file: "f.jsonl") { b in
        _ = try VLMAnswers.parse(String(decoding: b, as: UTF8.self), file: "f.jsonl", classNames: classNames, count: nil)
    },
    fileTarget("image", "PNG (libpng), JPEG (libjpeg) and PGM/PPM images", maxLength: 8192, file: "f.img") { b in
        _ = try ImageDecode.decode(b, file: "f.img")
    },
]

/// Seed files that CoReg itself writes (the other seeds are the test fixtures, scripts/fuzz.sh):
/// `coreg-fuzz --seeds DIR` writes them as DIR/TARGET/NAME.
func writeSeeds(to dir: String) throws {
    func put(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
        try FileManager.default.createDirectory(atPath: "\(dir)/\(target)", withIntermediateDirectories: true)
        try AtomicFile.write(bytes, to: "\(dir)/\(target)/\(name)")
    }
    let t = RestoreTargets()
    let x = try Tensor((0..<8).map { Float($0) * 0.1 }, shape: [2, 4])
    try Losses.crossEntropy(t.net(x), Tensor(ints: [0, 1])).backward()
    try t.opt.step()
    try put("checkpoint", "mlp_sgd_rng.ckpt", try Checkpoint.encode(
        modules: [("net", t.net)], optimizers: [("opt", t.opt)], rngs: [("data", t.rng)],
        tensors: [("queue", try Tensor.zeros([2, 3]))], values: ["epoch": .int(1), "best": .double(0.5), "tag": .string("seed")]))
    let ann = try Annotation(count: 3, classCount: 4, candidates: [1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1], templateCount: 2,
                             templateArgmax: [0, 2, 1, 1, 3, 0], avgProbs: (0..<12).map { Float($0 % 4 + 1) / 10 },
                             classes: classNames, source: "fuzz seed")
    let path = NSTemporaryDirectory() + "coreg-fuzz-seed-\(getpid()).npz"
    try AnnotationIO.save(ann, to: path)
    try put("annotation-npz", "argmax.npz", try FileBytes.read(path))
    let probs = try Annotation(count: 2, classCount: 4, candidates: [1, 1, 0, 0, 0, 0, 0, 1], templateCount: 1,
                               templateProbs: [0.5, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.7], classes: classNames)
    try AnnotationIO.save(probs, to: path)
    try put("annotation-npz", "probs.npz", try FileBytes.read(path))
    try? FileManager.default.removeItem(atPath: path)
    try put("annotation-jsonl", "answers.jsonl", Array("""
        {"index": 0, "answer": "cat"}
        {"index": 1, "answer": "a photo of a Dog.", "template": 2}
        {"index": 2, "answer": "ship"}
        {"index": 3, "answer": "unknown thing"}

        """.utf8))
    let im = try Image8(height: 8, width: 12, channels: 3, pixels: (0..<288).map { UInt8((37 * $0 + 99) % 256) })
    try put("image", "rgb.jpg", try ImageDecode.encodeJPEG(im, quality: 90))
    let gray = try Image8(height: 6, width: 5, channels: 1, pixels: (0..<30).map { UInt8($0 * 8) })
    try put("image", "gray.jpg", try ImageDecode.encodeJPEG(gray, quality: 50))
    try put("json", "values.json", Array(#"{"a": [1, 2.5, -3e-2, true, false, null], "b": {"c": "\u00e9\n", "d": []}, "e": 12345678901234567890}"#.utf8))
}

var arguments = CommandLine.arguments
guard arguments.count >= 2, arguments[1] != "--help" else {
    print("usage: coreg-fuzz --list | --seeds DIR | TARGET [libFuzzer flags] [CORPUS_DIR ...]")
    exit(arguments.count >= 2 ? 0 : 64)
}
if arguments[1] == "--seeds", arguments.count == 3 {
    do { try writeSeeds(to: arguments[2]) } catch { violation("cannot write the seeds: \(error)") }
    exit(0)
}
if arguments[1] == "--list" {
    for t in targets { print("\(t.name)\t\(t.maxLength)\t\(t.detectLeaks ? "leaks" : "no-leak-check")\t\(t.about)") }
    exit(0)
}
// The target is the first argument. libFuzzer re-runs this program for -merge (and -fork) with
// the flags it was given, which no longer hold the target: the environment carries it there.
let named = targets.first(where: { $0.name == arguments[1] })
guard let chosen = named ?? targets.first(where: { $0.name == ProcessInfo.processInfo.environment["COREG_FUZZ_TARGET"] }) else {
    FileHandle.standardError.write(Data("coreg-fuzz: no target '\(arguments[1])'; coreg-fuzz --list names them\n".utf8))
    exit(64)
}
setenv("COREG_FUZZ_TARGET", chosen.name, 1)
if chosen.name == "script-eval" { maxTensorElements = 1 << 20 }
nonisolated(unsafe) var selected = chosen
if named != nil { arguments.remove(at: 1) }
if !arguments.contains(where: { $0.hasPrefix("-max_len=") }) { arguments.insert("-max_len=\(chosen.maxLength)", at: 1) }
if !chosen.detectLeaks, !arguments.contains(where: { $0.hasPrefix("-detect_leaks=") }) { arguments.insert("-detect_leaks=0", at: 1) }

// libFuzzer keeps pointers into argv for the whole run: the C strings are never freed.
var argc = Int32(arguments.count)
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = .allocate(capacity: arguments.count + 1)
for (i, a) in arguments.enumerated() { argv![i] = strdup(a) }
argv![arguments.count] = nil
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    selected.run(bytes)
    return 0
})
