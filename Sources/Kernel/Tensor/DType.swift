/// Element types. float32 is the default; int32 carries labels and indices; bool carries masks.
public enum DType: String, CaseIterable, Sendable, CustomStringConvertible {
    case float32, int32, bool

    /// Bytes per element.
    public var size: Int { self == .bool ? 1 : 4 }
    public var description: String { rawValue }
    var isFloating: Bool { self == .float32 }

    /// Type promotion for arithmetic: bool < int32 < float32.
    static func promote(_ a: DType, _ b: DType) -> DType {
        if a == .float32 || b == .float32 { return .float32 }
        if a == .int32 || b == .int32 { return .int32 }
        return .bool
    }
    /// The type arithmetic produces: bool arithmetic works in int32.
    static func arithmetic(_ a: DType, _ b: DType) -> DType {
        let p = promote(a, b)
        return p == .bool ? .int32 : p
    }
}
