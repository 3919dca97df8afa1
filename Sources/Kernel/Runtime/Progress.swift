/// Progress of long Kernel operations (dataset loading, annotation, benchmarks). Kernel knows
/// nothing of terminals: it calls this hook, and the host (the `coreg` command) draws a bar with
/// rate and ETA on a terminal or writes periodic plain lines otherwise.
public enum ProgressHook {
    /// (label, completed, total): nil by default (no reporting).
    nonisolated(unsafe) public static var report: ((String, Int, Int?) -> Void)?

    @inline(__always)
    public static func step(_ label: String, _ completed: Int, _ total: Int?) {
        report?(label, completed, total)
    }
}
