#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
#if os(Linux) && canImport(Synchronization)
import Synchronization
#endif

/// Split `0..<n` into `parts` contiguous ranges whose sizes differ by at most one (larger ones
/// first). Deterministic: depends only on `n` and `parts`. Empty ranges are kept, so the result
/// always has `max(parts, 1)` entries.
public func splitRange(_ n: Int, parts: Int) -> [Range<Int>] {
    let p = max(parts, 1)
    let total = max(n, 0)
    let base = total / p, extra = total % p
    var out: [Range<Int>] = []
    out.reserveCapacity(p)
    var lo = 0
    for i in 0..<p {
        let len = base + (i < extra ? 1 : 0)
        out.append(lo..<(lo + len))
        lo += len
    }
    return out
}

/// A mutex plus two condition variables, allocated on the heap so that their addresses are stable.
private final class PoolState: @unchecked Sendable {
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Serialises callers of `parallelFor`; a caller that cannot take it runs its chunks inline.
    let dispatch = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    // Guarded by `mutex`.
    var generation = 0
    var shutdown = false
    var job: ((Int) -> Void)? = nil
    var chunks = 0
    var nextChunk = 0
    var busyWorkers = 0

    #if os(Linux) && canImport(Synchronization)
    /// Mirrors of `generation` and `busyWorkers` that threads may poll without the mutex, so that
    /// back-to-back jobs do not pay a futex wake-up (the spin is short, then threads sleep).
    let generationMirror = Atomic<Int>(0)
    let busyMirror = Atomic<Int>(0)
    static let spinIterations = 20_000

    /// Spins until `generation` moves past `seen` or the spin budget runs out.
    func spinForJob(after seen: Int) {
        for _ in 0..<PoolState.spinIterations {
            if generationMirror.load(ordering: .acquiring) != seen { return }
        }
    }

    /// Spins until no worker is inside a job or the spin budget runs out.
    func spinForIdle() {
        for _ in 0..<PoolState.spinIterations {
            if busyMirror.load(ordering: .acquiring) == 0 { return }
        }
    }
    #else
    func spinForJob(after seen: Int) {}
    func spinForIdle() {}
    #endif

    func setBusy(_ delta: Int) {
        busyWorkers += delta
        #if os(Linux) && canImport(Synchronization)
        busyMirror.store(busyWorkers, ordering: .releasing)
        #endif
    }

    func bumpGeneration() {
        generation &+= 1
        #if os(Linux) && canImport(Synchronization)
        generationMirror.store(generation, ordering: .releasing)
        #endif
    }

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_mutex_init(dispatch, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex); pthread_mutex_destroy(dispatch)
        pthread_cond_destroy(wake); pthread_cond_destroy(done)
        mutex.deallocate(); dispatch.deallocate(); wake.deallocate(); done.deallocate()
    }

    /// Takes chunks until none are left. Called with `mutex` held; returns with it held.
    func drain(_ body: (Int) -> Void) {
        while nextChunk < chunks {
            let i = nextChunk
            nextChunk += 1
            pthread_mutex_unlock(mutex)
            body(i)
            pthread_mutex_lock(mutex)
        }
    }

    func workerLoop() {
        ThreadPool.markWorker()
        pthread_mutex_lock(mutex)
        var seen = generation
        while true {
            if generation == seen && !shutdown {
                pthread_mutex_unlock(mutex)
                spinForJob(after: seen)
                pthread_mutex_lock(mutex)
            }
            while generation == seen && !shutdown { pthread_cond_wait(wake, mutex) }
            if shutdown { break }
            seen = generation
            if let body = job {
                setBusy(1)
                drain(body)
                setBusy(-1)
                if busyWorkers == 0 { pthread_cond_broadcast(done) }
            }
        }
        pthread_mutex_unlock(mutex)
    }
}

/// A persistent pool of worker threads for data-parallel loops.
///
/// `parallelFor(chunks, body)` hands chunk indices out to the workers and the calling thread.
/// Which thread runs a chunk depends on timing, but the work of a chunk depends only on its index,
/// so callers that derive their work from the index get results that never depend on timing.
/// Calls made from inside a running `parallelFor` (nested), or while another thread is using the
/// pool, run their chunks serially on the calling thread instead of waiting.
public final class ThreadPool: @unchecked Sendable {
    private let state: PoolState
    private let workerCount: Int

    /// Total threads taking part in a `parallelFor`, the caller included.
    public var threads: Int { workerCount + 1 }

    public init(threads: Int) {
        let n = max(threads, 1)
        state = PoolState()
        workerCount = n - 1
        for _ in 0..<workerCount {
            let s = state
            let t = Thread { s.workerLoop() }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    deinit {
        pthread_mutex_lock(state.mutex)
        state.shutdown = true
        pthread_cond_broadcast(state.wake)
        pthread_mutex_unlock(state.mutex)
    }

    // MARK: shared instance

    private static let sharedLock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()
    nonisolated(unsafe) private static var sharedStorage: ThreadPool? = nil

    /// Threads named by the environment variable `COREG_THREADS`, else the number of active cores.
    public static var defaultThreadCount: Int {
        if let s = ProcessInfo.processInfo.environment["COREG_THREADS"],
           let n = Int(s.trimmingCharacters(in: .whitespaces)), n > 0 {
            return n
        }
        return max(ProcessInfo.processInfo.activeProcessorCount, 1)
    }

    /// The process-wide pool, created on first use with `defaultThreadCount` threads.
    public static var shared: ThreadPool {
        get {
            pthread_mutex_lock(sharedLock); defer { pthread_mutex_unlock(sharedLock) }
            if let p = sharedStorage { return p }
            let p = ThreadPool(threads: defaultThreadCount)
            sharedStorage = p
            return p
        }
        set {
            pthread_mutex_lock(sharedLock); defer { pthread_mutex_unlock(sharedLock) }
            sharedStorage = newValue
        }
    }

    /// Replaces `shared` with a new pool of `n` threads (the old one shuts down once unused).
    public static func setDefaultThreads(_ n: Int) {
        if shared.threads == n { return }
        shared = ThreadPool(threads: n)
    }

    /// A pool that runs everything on the calling thread (for kernels already running in parallel).
    public static let serial = ThreadPool(threads: 1)

    // MARK: worker marking (for nested calls)

    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    fileprivate static func markWorker() {
        pthread_setspecific(workerKey, UnsafeRawPointer(bitPattern: 1))
    }

    private static var onWorkerThread: Bool { pthread_getspecific(workerKey) != nil }

    // MARK: parallel loop

    /// Runs `body(chunkIndex)` for every `chunkIndex` in `0..<chunks`, each exactly once, on the
    /// pool; the calling thread takes part and the call returns when all chunks are done.
    public func parallelFor(_ chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 0 { return }
        if chunks == 1 || workerCount == 0 || ThreadPool.onWorkerThread
            || pthread_mutex_trylock(state.dispatch) != 0 {
            for i in 0..<chunks { body(i) }
            return
        }
        defer { pthread_mutex_unlock(state.dispatch) }
        withoutActuallyEscaping(body) { escaping in
            let s = state
            pthread_mutex_lock(s.mutex)
            s.job = escaping
            s.chunks = chunks
            s.nextChunk = 0
            s.bumpGeneration()
            pthread_cond_broadcast(s.wake)
            s.drain(escaping)
            if s.busyWorkers > 0 {
                pthread_mutex_unlock(s.mutex)
                s.spinForIdle()
                pthread_mutex_lock(s.mutex)
            }
            // Workers that woke late find no chunks left; wait only for those still running one.
            while s.busyWorkers > 0 { pthread_cond_wait(s.done, s.mutex) }
            s.job = nil
            s.chunks = 0
            pthread_mutex_unlock(s.mutex)
        }
    }
}
