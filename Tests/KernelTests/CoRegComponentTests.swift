import XCTest
import Kernel

/// Co-Reg's components on small hand-checked inputs (docs/method.md).
final class CoRegComponentTests: XCTestCase {
    func testGMMRecoversKnownMixture() throws {
        let rng = RNG(seed: 3)
        var x: [Double] = []
        for i in 0..<4000 { x.append(i % 10 < 7 ? 0.2 + 0.05 * rng.nextNormal() : 0.7 + 0.1 * rng.nextNormal()) }
        let g = try GMM1D.fit(x, maxIter: 200, tol: 1e-8, regCovar: 1e-6)
        let lo = g.lowComponent, hi = 1 - lo
        XCTAssertEqual(g.means[lo], 0.2, accuracy: 0.01)
        XCTAssertEqual(g.means[hi], 0.7, accuracy: 0.02)
        XCTAssertEqual(g.variances[lo].squareRoot(), 0.05, accuracy: 0.005)
        XCTAssertEqual(g.variances[hi].squareRoot(), 0.1, accuracy: 0.01)
        XCTAssertEqual(g.weights[lo], 0.7, accuracy: 0.02)
        let post = g.posteriorOfLow([0.15, 0.45, 0.9])
        XCTAssertGreaterThan(post[0], 0.99)
        XCTAssertLessThan(post[2], 0.01)
        // the division helper: posterior of the low-mean component
        let (w, _) = try CoReg.divide(try Tensor.fromDoubles(x, shape: [x.count]))
        let wv = w.toDoubles()
        XCTAssertGreaterThan(wv[0], 0.5)   // index 0 is from the low component
        XCTAssertLessThan(wv[7], 0.5)      // index 7 is from the high component
        XCTAssertThrowsError(try GMM1D.fit([1]))
        XCTAssertThrowsError(try GMM1D.fit([1, .nan]))
    }

    func testGMMMatchesSklearnSemanticsOnTinyInput() throws {
        // Two tight clusters; with k-means init EM converges in few iterations and tol stops it.
        let x = [0.0, 0.1, 0.05, 1.0, 0.95, 0.9]
        let g = try GMM1D.fit(x, maxIter: 10, tol: 1e-2, regCovar: 5e-4)
        XCTAssertEqual(g.means[g.lowComponent], 0.05, accuracy: 1e-6)
        XCTAssertEqual(g.means[1 - g.lowComponent], 0.95, accuracy: 1e-6)
        // variance = biased variance + reg_covar
        XCTAssertEqual(g.variances[g.lowComponent], (0.0025 + 0.0025 + 0) / 3 + 5e-4, accuracy: 1e-9)
        XCTAssertTrue(g.converged)
    }

    func testPartialCEAndNegativeEntropy() throws {
        let logits = try Tensor([[0, 0, 0], [1, 0, 0], [2, 1, 0]] as [[Float]])
        let y = try Tensor([[1, 1, 1], [1, 0, 0], [0, 1, 1]] as [[Float]])
        // row 0 holds every class: skipped. row 1: −log p0; row 2: −log(p1 + p2)
        let e = [Foundation.exp(1.0), 1.0, 1.0]
        let l1 = -Foundation.log(e[0] / e.reduce(0, +) + 1e-5)
        let e2 = [Foundation.exp(2.0), Foundation.exp(1.0), 1.0]
        let l2 = -Foundation.log((e2[1] + e2[2]) / e2.reduce(0, +) + 1e-5)
        XCTAssertEqual(try CoReg.partialCE(logits, y).item(), (l1 + l2) / 2, accuracy: 1e-5)
        // all-candidate batch gives 0, with a gradient of 0
        let all = try Tensor.ones([2, 3], dtype: .float32)
        let z = try Tensor([[1, 2, 3], [0, 0, 1]] as [[Float]]).requiresGrad()
        let l = try CoReg.partialCE(z, all)
        XCTAssertEqual(try l.item(), 0)
        try l.backward()
        assertClose(z.grad!, [0, 0, 0, 0, 0, 0])
        // negative entropy of uniform logits is −log C
        XCTAssertEqual(try CoReg.negativeEntropy(try Tensor.zeros([2, 4])).item(), -Foundation.log(4.0), accuracy: 1e-6)
        XCTAssertThrowsError(try CoReg.partialCE(logits, try Tensor.ones([3, 2], dtype: .float32)))
    }

    func testDivisionLossAndNormalisation() throws {
        let p = try Tensor([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.6, 0.4, 0.0]] as [[Float]])
        let y = try Tensor([[0, 1, 1], [1, 1, 0], [0, 0, 1]] as [[Float]])
        // max over candidates: 0.3, 0.1, 0 (→ clamped to 1e-12)
        assertClose(try CoReg.divisionLoss(p, y), [-Foundation.log(0.3), -Foundation.log(0.1), -Foundation.log(1e-12)], rtol: 1e-5)
        assertClose(try CoReg.minMaxNormalize(try Tensor([2, 4, 3])), [0, 1, 0.5])
        assertClose(try CoReg.minMaxNormalize(try Tensor([2, 2])), [0, 0])
    }

    func testRestrictionFusionSharpening() throws {
        let p = try Tensor([[0.5, 0.3, 0.2], [0.2, 0.2, 0.6]] as [[Float]])
        let y = try Tensor([[1, 1, 0], [0, 0, 0]] as [[Float]])
        // row 0 → (0.625, 0.375, 0); row 1 has no mass on candidates → unchanged
        assertClose(try CoReg.restrictToCandidates(p, y), [0.625, 0.375, 0, 0.2, 0.2, 0.6], rtol: 1e-6)
        let w = try Tensor([0.8, 0.25])
        let pbar = try Tensor([[0.2, 0.2, 0.6], [1, 0, 0]] as [[Float]])
        // 0.8·(0.5,0.3,0.2) + 0.2·(0.2,0.2,0.6) = (0.44, 0.28, 0.28); 0.25·row1 + 0.75·(1,0,0)
        assertClose(try CoReg.fusePartial(w: w, restricted: p, own: pbar), [0.44, 0.28, 0.28, 0.8, 0.05, 0.15], rtol: 1e-6)
        // T = 0.5 squares then renormalises: (0.6, 0.4) → (0.36, 0.16)/0.52
        assertClose(try CoReg.sharpen(try Tensor([[0.6, 0.4]] as [[Float]]), T: 0.5), [0.36 / 0.52, 0.16 / 0.52], rtol: 1e-6)
        XCTAssertThrowsError(try CoReg.sharpen(p, T: 0))
    }

    func testMixupPairing() throws {
        let x = try Tensor([[1, 0], [0, 1], [2, 2], [4, 0]] as [[Float]])
        let t = try Tensor([[1, 0], [0, 1], [1, 0], [0, 1]] as [[Float]])
        let (xm, tm, l, perm) = try Mixup.apply(x, t, alpha: 4, rng: RNG(seed: 5))
        XCTAssertGreaterThanOrEqual(l, 0.5)
        XCTAssertLessThanOrEqual(l, 1)
        let pv = perm.toInts().map(Int.init)
        XCTAssertEqual(pv.sorted(), [0, 1, 2, 3])
        let xv = x.toDoubles(), tv = t.toDoubles(), xmv = xm.toDoubles(), tmv = tm.toDoubles()
        for i in 0..<4 {
            for j in 0..<2 {
                XCTAssertEqual(xmv[i * 2 + j], l * xv[i * 2 + j] + (1 - l) * xv[pv[i] * 2 + j], accuracy: 1e-5)
                XCTAssertEqual(tmv[i * 2 + j], l * tv[i * 2 + j] + (1 - l) * tv[pv[i] * 2 + j], accuracy: 1e-5)
            }
        }
        // Beta(4, 4) has mean 0.5 and variance 1/36
        let rng = RNG(seed: 9)
        let s = (0..<20000).map { _ in rng.nextBeta(4, 4) }
        let m = s.reduce(0, +) / Double(s.count)
        let v = s.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(s.count)
        XCTAssertEqual(m, 0.5, accuracy: 0.01)
        XCTAssertEqual(v, 1.0 / 36, accuracy: 0.002)
    }

    func testPrototypeUpdate() throws {
        let o = try Tensor([[1, 0], [0, 1]] as [[Float]])
        let z = try Tensor([[0, 1], [1, 0], [0, 1]] as [[Float]])
        let lab = try Tensor(ints: [0, 0, 1], shape: [3])
        try CoReg.updatePrototypes(o, features: z, labels: lab, momentum: 0.5)
        // o0: (1,0) → 0.5·(1,0)+0.5·(0,1) = (0.5,0.5) → 0.5·(0.5,0.5)+0.5·(1,0) = (0.75,0.25) → normalised
        // o1: (0,1) → (0,1)
        let n = (0.75 * 0.75 + 0.25 * 0.25).squareRoot()
        assertClose(o, [0.75 / n, 0.25 / n, 0, 1], rtol: 1e-6)
        XCTAssertThrowsError(try CoReg.updatePrototypes(o, features: z, labels: try Tensor(ints: [0, 5, 1], shape: [3]), momentum: 0.5))
    }

    func testKLDivBatchmean() throws {
        let logits = try Tensor([[0, Float(Foundation.log(3.0))]] as [[Float]])  // softmax = (0.25, 0.75)
        let t = try Tensor([[0.5, 0.5]] as [[Float]])
        let expected = 0.5 * Foundation.log(0.5 / 0.25) + 0.5 * Foundation.log(0.5 / 0.75)
        XCTAssertEqual(try Losses.klDivBatchmean(logits, t).item(), expected, accuracy: 1e-6)
        // zero targets contribute nothing
        let t0 = try Tensor([[1, 0]] as [[Float]])
        XCTAssertEqual(try Losses.klDivBatchmean(logits, t0).item(), Foundation.log(1 / 0.25), accuracy: 1e-6)
    }

    func testContrastiveMasksOnCraftedBatch() throws {
        // B = 2 anchors; elements [q0, q1, k0, k1, queue0, queue1]
        // labels:  q0=0 (𝒫), q1=0 (𝒰), k0=0 (𝒫), k1=0 (𝒰), queue0=0 (𝒫), queue1=1 (𝒫)
        let labels = try Tensor(ints: [0, 0, 0, 0, 0, 1], shape: [6])
        let flags = try Tensor(bools: [true, false, true, false, true, true], shape: [6])
        let (pos, allow) = try CoReg.contrastiveMasks(labels: labels, flags: flags, batch: 2)
        // anchor 0 (𝒫, label 0): positives = same label & 𝒫: k0 (own key), queue0; q0 is self.
        //   ignored: same-label from 𝒰 → q1, k1. allowed: k0, queue0, queue1.
        XCTAssertEqual(pos.toBools(), [false, false, true, false, true, false] + [false, false, false, true, false, false])
        // anchor 1 (𝒰, label 0): positive only its own key k1; ignored: all same-label → q0, k0, queue0.
        XCTAssertEqual(allow.toBools(), [false, false, true, false, true, true] + [false, false, false, true, false, true])
    }

    func testNoisySupConValue() throws {
        // one anchor, features [q; k; n]: positive k, negative n
        let q = try Tensor([[1, 0]] as [[Float]])
        let feats = try Tensor([[1, 0], [0.6, 0.8], [0, 1]] as [[Float]])
        let pos = try Tensor(bools: [false, true, false], shape: [1, 3])
        let allow = try Tensor(bools: [false, true, true], shape: [1, 3])
        let tau = 0.5
        let lk = 0.6 / tau, ln = 0.0 / tau
        let expected = -(lk - Foundation.log(Foundation.exp(lk) + Foundation.exp(ln)))
        XCTAssertEqual(try CoReg.noisySupCon(queries: q, features: feats, positive: pos, allowed: allow, tau: tau).item(), expected, accuracy: 1e-5)
        try gradCheck("noisy_supcon", [try away([2, 3], seed: 4)]) { qs in
            let f = try Tensor.concat([qs[0], try away([3, 3], seed: 5)], axis: 0)
            let (p, a) = try CoReg.contrastiveMasks(labels: try Tensor(ints: [0, 1, 0, 1, 0], shape: [5]),
                                                   flags: try Tensor(bools: [true, true, true, false, true], shape: [5]), batch: 2)
            return try CoReg.noisySupCon(queries: qs[0], features: f.detach(), positive: p, allowed: a, tau: 0.5)
        }
    }

    func testDistributionAlignmentAndQueue() throws {
        let da = try DistributionAlignment(samples: 2, classes: 2)
        try da.store(indices: try Tensor(ints: [0, 1], shape: [2]), probs: try Tensor([[0.9, 0.1], [0.7, 0.3]] as [[Float]]))
        // mean = (0.8, 0.2), prior 0.5 → ratio (1.6, 0.4); (0.5,0.5)/ratio = (0.3125, 1.25) → (0.2, 0.8)
        assertClose(try da.align(try Tensor([[0.5, 0.5]] as [[Float]])), [0.2, 0.8], rtol: 1e-5)
        XCTAssertThrowsError(try da.store(indices: try Tensor(ints: [2], shape: [1]), probs: try Tensor([[1, 0]] as [[Float]])))

        let q = try ContrastQueue(size: 3, dim: 2, classes: 2, rng: RNG(seed: 1))
        try q.enqueue(features: try Tensor([[1, 0], [0, 1]] as [[Float]]), targets: try Tensor([[1, 0], [0, 1]] as [[Float]]),
                      flags: try Tensor(bools: [true, false], shape: [2]))
        XCTAssertEqual(q.pointer, 2)
        try q.enqueue(features: try Tensor([[0.6, 0.8], [0.8, 0.6]] as [[Float]]), targets: try Tensor([[0, 1], [1, 0]] as [[Float]]),
                      flags: try Tensor(bools: [true, true], shape: [2]))
        XCTAssertEqual(q.pointer, 1)
        assertClose(q.features, [0.8, 0.6, 0, 1, 0.6, 0.8])
        XCTAssertEqual(q.flags.toBools(), [true, false, true])
    }

    /// fewShot: exactly min(k, n_c) samples per class; their sets become the true one-hot (even
    /// when the noisy set missed the true label); every other row is unchanged; the choice
    /// depends only on the seed.
    func testFewShotLabels() throws {
        // 9 samples, 3 classes; class 2 has only one sample. Row 4 (class 1) has a set that
        // misses its label; rows 0 and 8 are ambiguous.
        let labels = try Tensor(ints: [0, 0, 0, 1, 1, 1, 1, 0, 2], shape: [9])
        let y = try Tensor([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 1, 0], [1, 0, 1],
                            [0, 1, 1], [1, 1, 1], [1, 0, 0], [1, 1, 1]] as [[Float]])
        let r = try CoReg.fewShot(labels: labels, candidates: y, perClass: 2, seed: 3)
        let chosen = r.indices.toInts().map(Int.init)
        let lab = labels.toInts().map(Int.init)
        XCTAssertEqual(chosen, chosen.sorted())
        XCTAssertEqual(chosen.filter { lab[$0] == 0 }.count, 2)
        XCTAssertEqual(chosen.filter { lab[$0] == 1 }.count, 2)
        XCTAssertEqual(chosen.filter { lab[$0] == 2 }.count, 1)   // only one exists
        let mask = r.mask.toBools(), out = r.candidates.toFloats(), orig = y.toFloats()
        for i in 0..<9 {
            XCTAssertEqual(mask[i], chosen.contains(i))
            for j in 0..<3 {
                let want: Float = chosen.contains(i) ? (j == lab[i] ? 1 : 0) : orig[i * 3 + j]
                XCTAssertEqual(out[i * 3 + j], want, "row \(i) class \(j)")
            }
        }
        // deterministic in the seed; k = 0 changes nothing
        XCTAssertEqual(try CoReg.fewShot(labels: labels, candidates: y, perClass: 2, seed: 3).indices.toInts(), r.indices.toInts())
        let none = try CoReg.fewShot(labels: labels, candidates: y, perClass: 0, seed: 3)
        XCTAssertEqual(none.candidates.toFloats(), orig)
        XCTAssertEqual(none.indices.shape, [0])
        XCTAssertThrowsError(try CoReg.fewShot(labels: labels, candidates: y, perClass: -1, seed: 3))
    }
}

/// The named steps the method script composes (Learn/CoReg/), on hand-computed values.
final class CoRegStepTests: XCTestCase {
    /// Eq. 4's window: the mean over the last `window` normalised losses, the oldest dropped; the
    /// split at τ; the forced (few-shot) rows land in 𝒫 with w = 1.
    func testDivisionWindowAndSplit() throws {
        let dv = try Division(window: 2)
        let y = try Tensor([[1, 0], [1, 0], [0, 1], [0, 1]] as [[Float]])
        let p1 = try Tensor([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.1, 0.9]] as [[Float]])
        _ = try dv.update(probs: p1, candidates: y, threshold: 0.5)
        let p2 = try Tensor([[0.95, 0.05], [0.9, 0.1], [0.8, 0.2], [0.05, 0.95]] as [[Float]])
        _ = try dv.update(probs: p2, candidates: y, threshold: 0.5)
        let r = try dv.update(probs: p2, candidates: y, threshold: 0.5, force: try Tensor(bools: [false, false, true, false], shape: [4]))
        XCTAssertEqual(dv.history.count, 2)
        // the window now holds p2's losses twice: their mean is p2's own normalised L_div
        let l2 = try CoReg.minMaxNormalize(try CoReg.divisionLoss(p2, y))
        assertClose(r.losses, l2.toDoubles(), rtol: 1e-6)
        XCTAssertEqual(r.w.toDoubles()[2], 1.0)
        let w = r.w.toDoubles()
        XCTAssertEqual(r.partial.toInts().map(Int.init), (0..<4).filter { w[$0] > 0.5 })
        XCTAssertEqual(r.unlabeled.toInts().map(Int.init), (0..<4).filter { w[$0] <= 0.5 })
        XCTAssertTrue(r.partial.toInts().contains(2))
        XCTAssertThrowsError(try Division(window: 0))
        XCTAssertThrowsError(try dv.update(probs: try Tensor([[0.5, 0.5]] as [[Float]]), candidates: try Tensor([[1, 0]] as [[Float]]), threshold: 0.5))
        let restored = try Division(window: 2)
        try restored.restore(try Tensor.stack(dv.history, axis: 0))
        XCTAssertEqual(restored.history.map { $0.toDoubles() }, dv.history.map { $0.toDoubles() })
    }

    func testFuseUnlabeledAndRamp() throws {
        let a = try Tensor([[0.6, 0.4]] as [[Float]]), b = try Tensor([[0.2, 0.8]] as [[Float]])
        assertClose(try CoReg.fuseUnlabeled([a, b, a, a]), [0.5, 0.5], rtol: 1e-6)
        assertClose(try CoReg.fuseUnlabeled([a, b]), [0.4, 0.6], rtol: 1e-6)
        XCTAssertThrowsError(try CoReg.fuseUnlabeled([]))
        XCTAssertThrowsError(try CoReg.fuseUnlabeled([a, try Tensor([[1, 0, 0]] as [[Float]])]))
        XCTAssertEqual(CoReg.ramp(epoch: 10, batch: 0, batches: 4, warmup: 10, length: 16), 0)
        XCTAssertEqual(CoReg.ramp(epoch: 12, batch: 2, batches: 4, warmup: 10, length: 16), 2.5 / 16)
        XCTAssertEqual(CoReg.ramp(epoch: 40, batch: 0, batches: 4, warmup: 10, length: 16), 1)
        XCTAssertEqual(CoReg.ramp(epoch: 3, batch: 0, batches: 4, warmup: 10, length: 16), 0)
    }

    /// Eq. 8: soft CE on the first rows, weight · MSE on the rest; L_u = 0 without 𝒰 rows.
    func testSelfTrainingLoss() throws {
        let z = try Tensor([[0, 0], [Float(log(3.0)), 0], [0, 0]] as [[Float]])
        let t = try Tensor([[1, 0], [0.5, 0.5], [1, 0]] as [[Float]])
        let r = try CoReg.selfTrainingLoss(z, targets: t, labelled: 2, weight: 2)
        // rows 0–1: −log 0.5 and −(0.5 log 0.75 + 0.5 log 0.25); row 2: ((0.5 − 1)² + 0.5²)/2 = 0.25
        let lx = (log(2.0) - 0.5 * log(0.75) - 0.5 * log(0.25)) / 2
        XCTAssertEqual(try r.lx.item(), lx, accuracy: 1e-6)
        XCTAssertEqual(try r.lu.item(), 0.25, accuracy: 1e-6)
        XCTAssertEqual(try r.loss.item(), lx + 0.5, accuracy: 1e-6)
        XCTAssertEqual(try CoReg.selfTrainingLoss(z, targets: t, labelled: 3, weight: 2).lu.item(), 0)
        XCTAssertThrowsError(try CoReg.selfTrainingLoss(z, targets: t, labelled: 0, weight: 1))
    }

    /// Eq. 9: l·KL(t ‖ s) + (1 − l)·KL(t[perm] ‖ s) on 𝒫 rows, λ_u·(the same with MSE) on 𝒰 rows.
    func testPrototypeLoss() throws {
        let s = try Tensor([[0, 0], [0, 0], [0, 0]] as [[Float]])     // softmax = (0.5, 0.5)
        let t = try Tensor([[1, 0], [0.5, 0.5], [0, 1]] as [[Float]])
        let perm = try Tensor(ints: [1, 2, 0], shape: [3])
        let l = 0.75
        // KL(t ‖ u) for t = (1, 0): log 2; for (0.5, 0.5): 0. 𝒫 = rows 0, 1; t[perm] rows 0, 1 = (0.5,0.5), (0,1)
        let kl = l * (log(2.0) + 0) / 2 + (1 - l) * (0 + log(2.0)) / 2
        // 𝒰 = row 2: MSE against (0, 1) = 0.25, against t[perm][2] = (1, 0): 0.25
        let want = kl + 3 * (l * 0.25 + (1 - l) * 0.25)
        XCTAssertEqual(try CoReg.prototypeLoss(s, targets: t, perm: perm, lambda: l, labelled: 2, lambdaU: 3).item(), want, accuracy: 1e-6)
        XCTAssertEqual(try CoReg.prototypeLoss(s, targets: t, perm: perm, lambda: l, labelled: 3, lambdaU: 3).item(),
                       l * (log(2.0) + log(2.0)) / 3 + (1 - l) * (log(2.0) + log(2.0)) / 3, accuracy: 1e-6)
    }

    /// The one indexed copy: rows in order (a repeat keeps the last), any dtype, bounds checked.
    func testCopyRows() throws {
        let t = try Tensor.zeros([3, 2])
        try t.copyRows(try Tensor([[1, 2], [3, 4], [5, 6]] as [[Float]]), to: [2, 0, 2])
        assertClose(t, [3, 4, 0, 0, 5, 6])
        let b = try Tensor.zeros([2], dtype: .bool)
        try b.copyRows(try Tensor(bools: [true], shape: [1]), to: [1])
        XCTAssertEqual(b.toBools(), [false, true])
        XCTAssertThrowsError(try t.copyRows(try Tensor([[1, 2]] as [[Float]]), to: [3]))
        XCTAssertThrowsError(try t.copyRows(try Tensor([[1, 2, 3]] as [[Float]]), to: [0]))
    }
}

extension CoRegStepTests {
    /// The class-wise division keeps the cleanest part of every class: with class 1's losses all
    /// far above class 0's, one global GMM sends all of class 1 to 𝒰; one GMM per class keeps
    /// class 1's lower half in 𝒫.
    func testClasswiseDivisionKeepsEveryClass() throws {
        var p: [[Float]] = [], y: [[Float]] = []
        for i in 0..<40 {                 // class 0: confident, losses near 0 (two tight groups)
            let q: Float = i < 20 ? 0.99 : 0.9
            p.append([q, 1 - q]); y.append([1, 0])
        }
        for i in 0..<40 {                 // class 1: unsure, two groups of much higher losses
            let q: Float = i < 20 ? 0.3 : 0.25
            p.append([1 - q, q]); y.append([0, 1])
        }
        let probs = try Tensor(p), cands = try Tensor(y)
        let global = try Division(window: 1).update(probs: probs, candidates: cands, threshold: 0.5)
        let inP = Set(global.partial.toInts().map(Int.init))
        XCTAssertTrue((40..<80).allSatisfy { !inP.contains($0) }, "the global fit drops class 1 entirely")
        let cw = try Division(window: 1).update(probs: probs, candidates: cands, threshold: 0.5, classwise: true)
        let inPc = Set(cw.partial.toInts().map(Int.init))
        XCTAssertTrue((40..<60).allSatisfy { inPc.contains($0) }, "class 1's low-loss half is kept")
        XCTAssertTrue((60..<80).allSatisfy { !inPc.contains($0) }, "class 1's high-loss half goes to 𝒰")
        XCTAssertTrue((0..<20).allSatisfy { inPc.contains($0) })
    }
}
