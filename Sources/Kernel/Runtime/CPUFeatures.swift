import CCPUFeatures
import Foundation

/// The instruction-set level a kernel family runs at. Kernel is built for AVX2 + FMA on x86-64;
/// the AVX-512 kernels live in their own module (`KernelAVX512`, built for x86-64-v4) and are
/// chosen here, once, from what the CPU reports at run time (cpuid + xgetbv), so one binary is
/// fast on an AVX-512 Xeon or Zen 4/5 and still right on a Zen 3 or Haswell.
public enum ISA: String, Sendable, CaseIterable, Comparable {
    case generic, avx2, avx512

    var rank: Int {
        switch self {
        case .generic: return 0
        case .avx2: return 1
        case .avx512: return 2
        }
    }

    public static func < (a: ISA, b: ISA) -> Bool { a.rank < b.rank }
}

public enum CPUFeatures {
    /// AVX2 and FMA, with OS support for the 256-bit registers.
    public static let hasAVX2: Bool = coreg_cpu_has_avx2_fma() != 0
    /// AVX-512 F/CD/BW/DQ/VL, with OS support for the 512-bit registers.
    public static let hasAVX512: Bool = coreg_cpu_has_avx512() != 0

    /// The best level this CPU runs.
    public static var best: ISA { hasAVX512 ? .avx512 : (hasAVX2 ? .avx2 : .generic) }

    /// Every level this CPU runs, lowest first (what the tests run each kernel at). `generic` is
    /// listed only off x86-64: there Kernel itself is built for AVX2.
    public static var supported: [ISA] {
        #if arch(x86_64)
        return ISA.allCases.filter { $0 != .generic && $0 <= best }
        #else
        return [.generic]
        #endif
    }

    /// The CPU's brand string, e.g. "AMD EPYC 9R45" (empty where cpuid has none).
    public static let brand: String = {
        var buf = [CChar](repeating: 0, count: 49)
        coreg_cpu_brand(&buf)
        return String(cString: buf).trimmingCharacters(in: .whitespaces)
    }()
}

/// Which level the dispatched kernels use. It starts at the CPU's best; `COREG_ISA=avx2` (or
/// `avx512`) at start-up lowers it, for benchmarks and for reproducing another machine's path.
/// A level above what the CPU runs is never chosen.
public enum KernelISA {
    nonisolated(unsafe) private static var chosen: ISA = {
        let best = CPUFeatures.best
        if let s = ProcessInfo.processInfo.environment["COREG_ISA"], let want = ISA(rawValue: s.lowercased()) {
            return min(want, best)
        }
        return best
    }()

    /// The level in use.
    public static var current: ISA { chosen }

    /// Sets the level (clamped to what the CPU runs) and returns the level now in use. Only call
    /// it while no kernel runs (tests, start-up).
    @discardableResult
    public static func set(_ isa: ISA) -> ISA {
        chosen = min(isa, CPUFeatures.best)
        return chosen
    }
}
