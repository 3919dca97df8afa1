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
                            let shift = xp[ch * l]
                            var s1: Double = 0, s2: Double = 0
                            for i in 0..<n {
                                let (a, b) = shiftedSums(xp + (i * c + ch) * l, l, shift: shift)
                                s1 += a
                                s2 += b
                            }
                            let d = s1 / Double(m)
                            let v = Swift.max(s2 / Double(m) - d * d, 0)
                            mp[ch] = Float(Double(shift) + d)
                            ip[ch] = Float(1 / (v + eps).squareRoot())
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
                affine(xp + pl * l, outp + pl * l, l, a, b)
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
            // per-channel Σg and Σg·x̂ = (Σg·x − μΣg)·istd
            var sg = [Double](repeating: 0, count: c), sgx = sg
            sg.withUnsafeMutableBufferPointer { sgb in
                sgx.withUnsafeMutableBufferPointer { sxb in
                    let sgp = sgb.baseAddress!, sxp = sxb.baseAddress!
                    ThreadPool.shared.parallelFor(Swift.min(c, 64)) { part in
                        for ch in splitPlanes(c, 64, part) {
                            var a: Double = 0, b: Double = 0
                            for i in 0..<n {
                                let (u, v) = gradSums(gp + (i * c + ch) * l, xp + (i * c + ch) * l, l)
                                a += u
                                b += v
                            }
                            sgp[ch] = a
                            sxp[ch] = (b - Double(mu[ch]) * a) * Double(istd[ch])
                        }
                    }
                }
            }
            var dx: Tensor? = nil
            if input.requiresGrad {
                let d = Tensor(uninitialized: input.shape, dtype: .float32)
                let dp = d.fptr
                ThreadPool.shared.parallelFor(Swift.min(n * c, 64)) { part in
                    for pl in splitPlanes(n * c, 64, part) {
                        let ch = pl % c
                        let k = gamma[ch] * istd[ch]
                        if training {
                            // dx = k·(g − mean(g) − x̂·mean(g·x̂)), x̂ = (x − μ)·istd
                            let mg = Float(sg[ch] / Double(m)), mgx = Float(sgx[ch] / Double(m))
                            let cx = k * mgx * istd[ch]          // coefficient of x
                            let c0 = -k * mg + k * mgx * istd[ch] * mu[ch]
                            let gv = gp + pl * l, xv = xp + pl * l, out = dp + pl * l
                            for j in 0..<l { out[j] = k * gv[j] - cx * xv[j] + c0 }
                        } else {
                            affine(gp + pl * l, dp + pl * l, l, k, 0)
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
