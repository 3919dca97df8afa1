// TEMPORARY until the gemm branch lands with the real thread pool.
public final class ThreadPool: @unchecked Sendable {
    nonisolated(unsafe) public static var shared = ThreadPool(threads: 1)
    public static let serial = ThreadPool(threads: 1)
    public let threads: Int
    public init(threads: Int) { self.threads = threads }
    public func parallelFor(_ chunks: Int, _ body: (Int) -> Void) { for i in 0..<chunks { body(i) } }
}
extension ThreadPool { public static func setDefaultThreads(_ n: Int) { shared = ThreadPool(threads: n) } }
