// TEMPORARY until the gemm branch lands (it brings Runtime/Interrupt.swift).
public enum Interrupt {
    nonisolated(unsafe) static var flag = false
    public static func request() { flag = true }
    public static func clear() { flag = false }
    public static var isRequested: Bool { flag }
    public static func check() throws { if flag { throw InterruptedError() } }
}
public struct InterruptedError: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "Interrupted." }
}
