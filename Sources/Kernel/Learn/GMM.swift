#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A two-component 1-D Gaussian mixture fitted by EM, with scikit-learn's semantics for
/// `GaussianMixture(n_components=2, max_iter, tol, reg_covar)`: k-means initialisation,
/// convergence when the mean log-likelihood per sample changes by less than `tol`, and
/// `reg_covar` added to each variance. Used by Co-Reg's division step (docs/method.md).
public struct GMM1D: Sendable, Equatable {
    public var means: [Double]
    public var variances: [Double]
    public var weights: [Double]
    public var iterations: Int
    public var converged: Bool
    public var logLikelihood: Double

    /// Fits to `x`. Deterministic: k-means starts from the minimum and maximum.
    public static func fit(_ x: [Double], maxIter: Int = 10, tol: Double = 1e-2, regCovar: Double = 5e-4) throws -> GMM1D {
        guard x.count >= 2 else { throw TensorError("gmm", "need at least 2 values to fit 2 components, got \(x.count)") }
        guard x.allSatisfy({ $0.isFinite }) else { throw TensorError("gmm", "values must be finite") }
        guard maxIter >= 1, tol >= 0, regCovar >= 0 else { throw TensorError("gmm", "max_iter must be ≥ 1, tol and reg_covar ≥ 0") }
        let n = Double(x.count)
        // k-means (Lloyd) from the extremes
        var c = [x.min()!, x.max()!]
        var assign = [Int](repeating: 0, count: x.count)
        for _ in 0..<100 {
            var changed = false
            for (i, v) in x.enumerated() {
                let a = Swift.abs(v - c[0]) <= Swift.abs(v - c[1]) ? 0 : 1
                if a != assign[i] { assign[i] = a; changed = true }
            }
            var s = [0.0, 0.0], k = [0.0, 0.0]
            for (i, v) in x.enumerated() { s[assign[i]] += v; k[assign[i]] += 1 }
            for j in 0..<2 where k[j] > 0 { c[j] = s[j] / k[j] }
            if !changed { break }
        }
        // initial parameters from the hard assignment (sklearn: responsibilities one-hot)
        var resp = [[Double]](repeating: [0, 0], count: x.count)
        for i in 0..<x.count { resp[i][assign[i]] = 1 }
        var g = GMM1D(means: [0, 0], variances: [1, 1], weights: [0.5, 0.5], iterations: 0, converged: false, logLikelihood: -.infinity)
        g.mStep(x, resp, regCovar)
        var prev = -Double.infinity
        for it in 1...maxIter {
            let (r, ll) = g.eStep(x)
            g.mStep(x, r, regCovar)
            g.iterations = it
            g.logLikelihood = ll / n
            if Swift.abs(g.logLikelihood - prev) < tol { g.converged = true; break }
            prev = g.logLikelihood
        }
        return g
    }

    mutating func mStep(_ x: [Double], _ r: [[Double]], _ reg: Double) {
        let n = Double(x.count)
        for j in 0..<2 {
            var nk = 10 * Double.ulpOfOne, s = 0.0
            for i in 0..<x.count { nk += r[i][j]; s += r[i][j] * x[i] }
            let mu = s / nk
            var v = 0.0
            for i in 0..<x.count { let d = x[i] - mu; v += r[i][j] * d * d }
            means[j] = mu
            variances[j] = v / nk + reg
            weights[j] = nk / n
        }
    }

    func logComponent(_ v: Double, _ j: Int) -> Double {
        let d = v - means[j]
        return Foundation_log(weights[j]) - 0.5 * (Foundation_log(2 * Double.pi * variances[j]) + d * d / variances[j])
    }

    /// Responsibilities and total log-likelihood.
    func eStep(_ x: [Double]) -> ([[Double]], Double) {
        var r = [[Double]](repeating: [0, 0], count: x.count)
        var ll = 0.0
        for (i, v) in x.enumerated() {
            let a = logComponent(v, 0), b = logComponent(v, 1)
            let m = Swift.max(a, b)
            let lse = m + Foundation_log(Foundation_exp(a - m) + Foundation_exp(b - m))
            r[i] = [Foundation_exp(a - lse), Foundation_exp(b - lse)]
            ll += lse
        }
        return (r, ll)
    }

    /// Index of the component with the smaller mean (the "clean" one for losses).
    public var lowComponent: Int { means[0] <= means[1] ? 0 : 1 }

    /// Posterior probability of the smaller-mean component for each value.
    public func posteriorOfLow(_ x: [Double]) -> [Double] {
        let (r, _) = eStep(x)
        let j = lowComponent
        return r.map { $0[j] }
    }

    /// Density of the mixture and its weighted components at v (for plots).
    public func density(_ v: Double) -> (total: Double, components: [Double]) {
        let c = (0..<2).map { Foundation_exp(logComponent(v, $0)) }
        return (c[0] + c[1], c)
    }
}

@inline(__always) func Foundation_log(_ x: Double) -> Double { log(x) }
@inline(__always) func Foundation_exp(_ x: Double) -> Double { exp(x) }
