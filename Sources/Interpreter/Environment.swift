/// Runtime storage. Locals live in array-backed frames addressed by (depth, slot) that the
/// resolver computed; top-level names live in a `Globals` table addressed by index.

final class Frame {
    var slots: [Value]
    let parent: Frame?
    /// Live closures that captured this frame plus live frames whose parent it is: what can still
    /// reach the frame once its call has returned (see `Evaluator.releaseCycles`).
    var dependents = 0
    init(count: Int, parent: Frame?) {
        slots = [Value](repeating: .null, count: count)
        self.parent = parent
        parent?.dependents += 1
        Frame.live += 1
    }
    deinit { parent?.dependents -= 1; Frame.live -= 1 }
    /// Frames alive in the process (`sys.live_frames()`): a leak shows as a count that grows.
    /// Frames are made and freed on the interpreter's thread only.
    nonisolated(unsafe) static var live = 0
    @inline(__always) func ancestor(_ depth: Int) -> Frame {
        var f = self
        for _ in 0..<depth { f = f.parent! }
        return f
    }
}

/// The top-level names of one script (or of the REPL session, or of one imported module).
final class Globals {
    private(set) var index: [String: Int] = [:]
    private(set) var names: [String] = []
    var values: [Value?] = []      // nil: declared but not yet defined
    var mutable: [Bool] = []

    init(registry: Registry) {
        for n in registry.globalNames {
            index[n] = names.count; names.append(n); values.append(registry.global(n)); mutable.append(false)
        }
        builtinCount = names.count
    }
    let builtinCount: Int

    /// Declares (or re-declares) a global and returns its slot.
    @discardableResult
    func declare(_ name: String, mutable isMutable: Bool, value: Value? = nil) -> Int {
        if let i = index[name] {
            mutable[i] = isMutable
            if let v = value { values[i] = v }
            return i
        }
        let i = names.count
        index[name] = i; names.append(name); values.append(value); mutable.append(isMutable)
        return i
    }

    var count: Int { names.count }

    /// Removes globals declared after `n` (used to roll back a REPL entry that failed to resolve).
    func truncate(to n: Int) {
        while names.count > n {
            let name = names.removeLast()
            index[name] = nil
            values.removeLast(); mutable.removeLast()
        }
    }

    /// Defined user globals, in declaration order (for `:vars`).
    var userBindings: [(String, Value)] {
        var out: [(String, Value)] = []
        for i in builtinCount..<names.count { if let v = values[i] { out.append((names[i], v)) } }
        return out
    }
}
