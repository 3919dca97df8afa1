#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Learning-rate schedules and loss-weight ramps, as pure functions of the epoch (or step), so
/// a resumed run recomputes exactly the same values.
public enum Schedule: Sendable, Equatable {
    /// Constant.
    case constant(Double)
    /// Cosine annealing from `base` to `min` over `period` epochs (torch CosineAnnealingLR).
    case cosine(base: Double, min: Double, period: Int)
    /// The Co-Reg code's cosine: lr(e) = η_min + (base − η_min)(1 + cos(π·e/800))/2, with
    /// η_min = base·0.1³ and the period fixed at 800 whatever the number of epochs (docs/method.md).
    case coregCosine(base: Double)
    /// Multiplies by `gamma` every `stepSize` epochs.
    case step(base: Double, stepSize: Int, gamma: Double)
    /// Linear warm-up from base/warmup to base over `warmup` epochs, then `after`.
    indirect case warmup(epochs: Int, then: Schedule)
    /// A loss-weight ramp: value·clamp((e − start)/length, 0, 1).
    case linearRamp(value: Double, start: Int, length: Int)

    public func value(at e: Int) -> Double {
        switch self {
        case .constant(let v): return v
        case .cosine(let b, let m, let p):
            return m + (b - m) * (1 + cos(Double.pi * Double(e) / Double(Swift.max(p, 1)))) / 2
        case .coregCosine(let b):
            let m = b * 0.001
            return m + (b - m) * (1 + cos(Double.pi * Double(e) / 800)) / 2
        case .step(let b, let s, let g):
            return b * pow(g, Double(e / Swift.max(s, 1)))
        case .warmup(let w, let then):
            if e < w { return then.value(at: w) * Double(e + 1) / Double(w) }
            return then.value(at: e)
        case .linearRamp(let v, let start, let len):
            if len <= 0 { return e >= start ? v : 0 }
            return v * Swift.min(Swift.max(Double(e - start) / Double(len), 0), 1)
        }
    }
}
