/// Batch normalisation over (N, C) or (N, C, H, W), forward and backward, train and eval modes.
extension Tensor {
    /// Normalises each channel (axis 1). In training mode the batch statistics are used and the
    /// running statistics (when given) are updated in place with `momentum` (PyTorch's
    /// convention: running = (1 − m)·running + m·batch, with the unbiased variance). In eval
    /// mode the running statistics are used.
    public static func batchNorm(_ input: Tensor, weight: Tensor?, bias: Tensor?,
                                 runningMean: Tensor?, runningVar: Tensor?,
                                 training: Bool, momentum: Double = 0.1, eps: Double = 1e-5) throws -> Tensor {
        let op = "batch_norm"
        guard input.rank == 2 || input.rank == 4 else {
            throw TensorError(op, "expected input of shape (N, C) or (N, C, H, W), got \(shapeString(input.shape))")
        }
        guard input.dtype == .float32 else { throw TensorError(op, "expected a float32 input") }
        let (n, c) = (input.shape[0], input.shape[1])
        let l = input.rank == 4 ? input.shape[2] * input.shape[3] : 1
        for (name, t) in [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)] {
            if let t = t, t.shape != [c] {
                throw TensorError(op, "\(name) must have shape [\(c)], got \(shapeString(t.shape))")
            }
        }
        let m = n * l
        if training && m <= 1 {
            throw TensorError(op, "expected more than 1 value per channel when training, got input \(shapeString(input.shape))")
        }
        if !training && (runningMean == nil || runningVar == nil) {
            throw TensorError(op, "eval mode needs running_mean and running_var")
        }
        let x = input.contiguous()
        var meanV = [Float](repeating: 0, count: c), invstd = meanV
        let xp = x.fptr
        if training {
            meanV.withUnsafeMutableBufferPointer { mb in
                invstd.withUnsafeMutableBufferPointer { ib in
                    let mp = mb.baseAddress!, ip = ib.baseAddress!
                    ThreadPool.shared.parallelFor(Swift.min(c, 64)) { part in
                        for ch in splitPlanes(c, 64, part) {
                            var s: Double = 0
                            for i in 0..<n { let p = xp + (i * c + ch) * l; for j in 0..<l { s += Double(p[j]) } }
                            let mu = s / Double(m)
                            var v: Double = 0
                            for i in 0..<n { let p = xp + (i * c + ch) * l; for j in 0..<l { let d = Double(p[j]) - mu; v += d * d } }
                            mp[ch] = Float(mu)
                            ip[ch] = Float(1 / (v / Double(m) + eps).squareRoot())
                        }
                    }
                }
            }
            if let rm = runningMean, let rv = runningVar {
                let rmv = rm.toFloats(), rvv = rv.toFloats()
                var nm = rmv, nv = rvv
                for ch in 0..<c {
                    let biased = 1 / Double(invstd[ch] * invstd[ch]) - eps
                    let unbiased = biased * Double(m) / Double(m - 1)
                    nm[ch] = Float((1 - momentum) * Double(rmv[ch]) + momentum * Double(meanV[ch]))
                    nv[ch] = Float((1 - momentum) * Double(rvv[ch]) + momentum * unbiased)
                }
                try Tensor.noGrad {
                    try rm.assign(Tensor(nm, shape: [c]))
                    try rv.assign(Tensor(nv, shape: [c]))
                }
            }
        } else {
            meanV = runningMean!.toFloats()
            invstd = runningVar!.toFloats().map { 1 / ($0 + Float(eps)).squareRoot() }
        }
        let gamma = weight?.toFloats() ?? [Float](repeating: 1, count: c)
        let beta = bias?.toFloats() ?? [Float](repeating: 0, count: c)
        let out = Tensor(uninitialized: input.shape, dtype: .float32)
        let outp = out.fptr
        ThreadPool.shared.parallelFor(Swift.min(n * c, 64)) { part in
            for pl in splitPlanes(n * c, 64, part) {
                let ch = pl % c
                let a = invstd[ch] * gamma[ch], b = beta[ch] - meanV[ch] * a
                let src = xp + pl * l, dst = outp + pl * l
                for j in 0..<l { dst[j] = src[j] * a + b }
            }
        }
        var inputs = [input]
        if let w = weight { inputs.append(w) }
        if let b = bias { inputs.append(b) }
        let hasW = weight != nil, hasB = bias != nil
        let (mu, istd) = (meanV, invstd)
        return out.recorded(.custom(CustomPrim(kind: .batch_norm) { gout in
            let go = gout.contiguous()
            let gp = go.fptr, xp = x.fptr
            // per-channel Σg and Σg·x̂
            var sg = [Double](repeating: 0, count: c), sgx = sg
            for i in 0..<n {
                for ch in 0..<c {
                    let base = (i * c + ch) * l
                    var a: Double = 0, b: Double = 0
                    for j in 0..<l {
                        let gv = Double(gp[base + j])
                        a += gv
                        b += gv * Double((xp[base + j] - mu[ch]) * istd[ch])
                    }
                    sg[ch] += a
                    sgx[ch] += b
                }
            }
            var dx: Tensor? = nil
            if input.requiresGrad {
                let d = Tensor(uninitialized: input.shape, dtype: .float32)
                let dp = d.fptr
                for i in 0..<n {
                    for ch in 0..<c {
                        let base = (i * c + ch) * l
                        let k = gamma[ch] * istd[ch]
                        if training {
                            let mg = Float(sg[ch] / Double(m)), mgx = Float(sgx[ch] / Double(m))
                            for j in 0..<l {
                                let xh = (xp[base + j] - mu[ch]) * istd[ch]
                                dp[base + j] = k * (gp[base + j] - mg - xh * mgx)
                            }
                        } else {
                            for j in 0..<l { dp[base + j] = k * gp[base + j] }
                        }
                    }
                }
                dx = d
            }
            var grads: [Tensor?] = [dx]
            if hasW { grads.append(try Tensor(sgx.map { Float($0) }, shape: [c])) }
            if hasB { grads.append(try Tensor(sg.map { Float($0) }, shape: [c])) }
            return grads
        }), inputs)
    }
}
