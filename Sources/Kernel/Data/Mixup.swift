/// Mixup (Zhang et al. 2018) as DivideMix and Co-Reg's code use it: one mixing weight and one
/// permutation for the whole batch, inputs and soft targets mixed alike.
public enum Mixup {
    /// Mixup over a batch: l ~ Beta(α, α), l ← max(l, 1 − l), one random permutation over the
    /// whole batch; returns l·a + (1 − l)·a[perm] for inputs and targets, l and the permutation.
    public static func apply(_ x: Tensor, _ targets: Tensor, alpha: Double, rng: RNG) throws -> (x: Tensor, targets: Tensor, lambda: Double, perm: Tensor) {
        guard x.rank >= 1, targets.rank >= 1, x.shape[0] == targets.shape[0] else {
            throw TensorError("mixup", "inputs \(shapeString(x.shape)) and targets \(shapeString(targets.shape)) need the same first dimension")
        }
        guard alpha > 0 else { throw TensorError("mixup", "alpha must be positive, got \(alpha)") }
        var l = rng.nextBeta(alpha, alpha)
        l = Swift.max(l, 1 - l)
        let perm = try Tensor.randperm(x.shape[0], rng: rng)
        let xm = try x * l + x.indexSelect(axis: 0, index: perm) * (1 - l)
        let tm = try targets * l + targets.indexSelect(axis: 0, index: perm) * (1 - l)
        return (xm, tm, l, perm)
    }
}
