/// A contiguous, 64-byte aligned buffer that one or more tensors view.
public final class Storage {
    public let raw: UnsafeMutableRawPointer
    public let byteCount: Int

    init(byteCount: Int) {
        self.byteCount = byteCount
        raw = BufferPool.shared.take(byteCount: byteCount)
    }
    deinit { BufferPool.shared.give(raw, byteCount: byteCount) }

    @inline(__always) var floats: UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }
    @inline(__always) var ints: UnsafeMutablePointer<Int32> { raw.assumingMemoryBound(to: Int32.self) }
    @inline(__always) var bools: UnsafeMutablePointer<UInt8> { raw.assumingMemoryBound(to: UInt8.self) }
}
