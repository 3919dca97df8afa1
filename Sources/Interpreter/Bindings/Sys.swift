import Foundation
import Kernel

/// The `sys` module: the process — kernel threads, clocks, memory, progress reports and running
/// another script.

func registerSysModule(_ r: Registry) {
    let sys = r.module("sys", doc: "The process: threads and clocks.")
    sys.add("threads()", doc: "Threads the kernels use.") { _ in .int(ThreadPool.shared.threads) }
    sys.add("set_threads(n: int)", doc: "Sets the kernels' thread count (0: COREG_THREADS or the number of cores).") { a in
        let n = try a.int(0)
        guard n >= 0, n <= 256 else { throw a.argumentError(0, "threads must be in 0...256") }
        ThreadPool.setDefaultThreads(n == 0 ? ThreadPool.defaultThreadCount : n)
        return .null
    }
    sys.add("substream(seed: int, name: string, ...keys)",
            doc: "The seed of the named sub-stream of `seed`, keyed by ints (RNG.substream): sys.substream(seed, \"mixup\", epoch, batch) is the same for the same arguments and independent of every other name and key. Seeds of a run's random parts come from here, never from arithmetic on `seed`.") { a in
        let seed = try a.int(0)
        guard seed >= 0 else { throw a.argumentError(0, "seed must be ≥ 0") }
        let keys = try a.rest.enumerated().map { (k, v) -> Int in
            guard case .int(let n) = v else { throw ScriptError("bad argument #\(k + 3) to 'sys.substream' (expected int, got \(v.argumentTypeName))") }
            return n
        }
        return .int(Int(RNG(seed: UInt64(seed)).substream(try a.string(1), keys).seed >> 1))
    }
    sys.add("seconds()", doc: "A monotonic clock in seconds.") { _ in .float(monotonicSeconds()) }
    sys.add("run(path: string, args: dict? = nil)",
            doc: "Runs another script in a fresh session with these args (name → value); returns its exit code (0 on success).") { a in
        let path = try a.string(0)
        let parent = a.context.host
        let child = Host(write: parent.write, report: parent.report, progress: parent.progress,
                         isInterruptRequested: parent.isInterruptRequested, maxSteps: parent.maxSteps, maxCallDepth: parent.maxCallDepth)
        child.noGrad = parent.noGrad
        child.readFile = parent.readFile
        child.clock = parent.clock
        var list: [String] = []
        if !a.isNull(1) {
            let d = try a.dict(1)
            for (k, v) in zip(d.keys, d.values) {
                guard case .string(let name) = k.value else { throw a.argumentError(1, "argument names must be strings") }
                list.append("\(name)=\(v.displayString)")
            }
        }
        let code = runScript(path: path, args: list, host: child, registry: coregRegistry())
        if code == .interrupted { throw ScriptError("Interrupted.") }
        return .int(Int(code.rawValue))
    }
    sys.add("progress(label: string, done: int, total: int? = nil, message: string = \"\")",
            doc: "Reports progress to the host: a bar with rate and ETA on a terminal, periodic plain lines otherwise.") { a in
        a.context.host.progress(ProgressEvent(label: try a.string(0), completed: try a.int(1),
                                              total: a.isNull(2) ? nil : try a.int(2), message: try a.string(3)))
        return .null
    }
    sys.add("rss_mib()", doc: "Resident memory of the process in MiB.") { _ in .float(residentMiB()) }
    sys.add("live_frames()", doc: "Function-call frames still alive (those of running calls and those closures keep): a count that grows across calls is a leak.") { _ in .int(Frame.live) }
}
