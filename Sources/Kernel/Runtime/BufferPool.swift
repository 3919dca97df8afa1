#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A caching allocator: buffers are rounded up to a size class (powers of two, split in quarters
/// above 4 KiB) and returned to a free list on release, so a training step reuses the buffers of
/// the previous one instead of calling malloc for every op. The cache is capped; beyond the cap,
/// buffers go back to the system.
public final class BufferPool: @unchecked Sendable {
    public static let shared = BufferPool()

    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var cachedBytes = 0
    private var lock = pthread_mutex_t()
    /// Upper bound on bytes kept in the cache.
    public var capacityBytes = 2 << 30
    public private(set) var hits = 0
    public private(set) var misses = 0

    init() { pthread_mutex_init(&lock, nil) }

    static func sizeClass(_ n: Int) -> Int {
        let n = max(n, 64)
        if n <= 4096 { return 1 << (Int.bitWidth - (n - 1).leadingZeroBitCount) }
        let p = 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)  // largest power of two < n
        let q = p / 4
        return ((n + q - 1) / q) * q
    }

    func take(byteCount: Int) -> UnsafeMutableRawPointer {
        let c = BufferPool.sizeClass(byteCount)
        pthread_mutex_lock(&lock)
        // pop in place: copying the list out of the dictionary and back made every take O(list)
        if let p = free[c]?.popLast() {
            cachedBytes -= c
            hits += 1
            pthread_mutex_unlock(&lock)
            return p
        }
        misses += 1
        pthread_mutex_unlock(&lock)
        return UnsafeMutableRawPointer.allocate(byteCount: c, alignment: 64)
    }

    func give(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        let c = BufferPool.sizeClass(byteCount)
        pthread_mutex_lock(&lock)
        if cachedBytes + c <= capacityBytes {
            free[c, default: []].append(p)
            cachedBytes += c
            pthread_mutex_unlock(&lock)
        } else {
            pthread_mutex_unlock(&lock)
            p.deallocate()
        }
    }

    /// Returns every cached buffer to the system.
    public func purge() {
        pthread_mutex_lock(&lock)
        for (_, list) in free { for p in list { p.deallocate() } }
        free.removeAll()
        cachedBytes = 0
        pthread_mutex_unlock(&lock)
    }

    public var cachedByteCount: Int {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        return cachedBytes
    }
}

/// Scratch memory from the shared pool, for kernels' temporaries (im2col buffers, per-chunk
/// partials): large ones would otherwise be mmap'd, page-faulted in and unmapped on every call.
@inline(__always) func scratch<T>(_ type: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
    BufferPool.shared.take(byteCount: Swift.max(count, 1) * MemoryLayout<T>.stride).bindMemory(to: T.self, capacity: Swift.max(count, 1))
}

@inline(__always) func releaseScratch<T>(_ p: UnsafeMutablePointer<T>, _ count: Int) {
    BufferPool.shared.give(UnsafeMutableRawPointer(p), byteCount: Swift.max(count, 1) * MemoryLayout<T>.stride)
}
