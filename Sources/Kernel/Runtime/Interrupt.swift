#if os(Linux) && canImport(Synchronization)
import Synchronization

/// Lock-free, so storing to it is safe from a signal handler.
private let interruptFlag = Atomic<Bool>(false)

@inline(__always) private func loadFlag() -> Bool { interruptFlag.load(ordering: .relaxed) }
@inline(__always) private func storeFlag(_ v: Bool) { interruptFlag.store(v, ordering: .relaxed) }
#else
/// Fallback: a word that is only touched through non-inlined accessors, so that no load is
/// hoisted out of a polling loop. Aligned word stores are atomic on every supported CPU.
nonisolated(unsafe) private let interruptWord: UnsafeMutablePointer<Int32> = {
    let p = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
}()

@inline(never) @_optimize(none) private func loadFlag() -> Bool { interruptWord.pointee != 0 }
@inline(never) @_optimize(none) private func storeFlag(_ v: Bool) { interruptWord.pointee = v ? 1 : 0 }
#endif

/// The error thrown by `Interrupt.check()` once an interrupt was requested.
public struct InterruptedError: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "Interrupted." }
}

/// A cooperative interrupt flag. A SIGINT handler calls `request()` and nothing else; evaluators
/// and kernels poll `check()` at statements, loop iterations, batches or outer tiles.
public enum Interrupt {
    public static func request() { storeFlag(true) }
    public static func clear() { storeFlag(false) }
    public static var isRequested: Bool { loadFlag() }
    /// Throws `InterruptedError` when an interrupt was requested (the flag stays set).
    public static func check() throws {
        if loadFlag() { throw InterruptedError() }
    }
}
