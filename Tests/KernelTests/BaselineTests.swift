import XCTest
import Kernel

/// The baselines' losses and label updates (Kernel/Learn/Baselines.swift) on hand-computed
/// examples. Most use logits z = log a, so that softmax(z) = a / Σa is exact:
///   row 0: a = (1, 2, 3, 4) → p = (0.1, 0.2, 0.3, 0.4), S = {0, 2}
///   row 1: a = (4, 3, 2, 1) → p = (0.4, 0.3, 0.2, 0.1), S = {1, 2}
final class BaselineTests: XCTestCase {
    let ln = { (x: Double) in Foundation.log(x) }

    func logits() throws -> Tensor {
        try Tensor.fromDoubles([1, 2, 3, 4, 4, 3, 2, 1].map { Foundation.log($0) }, shape: [2, 4])
    }
    func cands() throws -> Tensor { try Tensor([[1, 0, 1, 0], [0, 1, 1, 0]] as [[Float]]) }
    func probs() throws -> Tensor { try Tensor([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]] as [[Float]]) }

    func testUniformAndCandidateConfidence() throws {
        // uniform over S; an empty row is uniform over all 4 classes
        let y = try Tensor([[1, 0, 1, 0], [0, 0, 0, 0]] as [[Float]])
        assertClose(try Baselines.uniformConfidence(y), [0.5, 0, 0.5, 0, 0.25, 0.25, 0.25, 0.25])
        // PRODEN / RC: row 0 (0.1, 0.3)/0.4 = (0.25, 0.75); row 1 (0.3, 0.2)/0.5 = (0.6, 0.4)
        assertClose(try Baselines.candidateConfidence(try probs(), try cands()), [0.25, 0, 0.75, 0, 0, 0.6, 0.4, 0], rtol: 1e-6)
        // zero mass on the candidates → uniform over S
        let p0 = try Tensor([[0, 1, 0, 0]] as [[Float]])
        assertClose(try Baselines.candidateConfidence(p0, try Tensor([[1, 0, 1, 0]] as [[Float]])), [0.5, 0, 0.5, 0])
    }

    func testWeightedCE() throws {
        let w = try Tensor([[0.25, 0, 0.75, 0], [0, 0.6, 0.4, 0]] as [[Float]])
        // row 0: −(0.25 ln 0.1 + 0.75 ln 0.3); row 1: −(0.6 ln 0.3 + 0.4 ln 0.2)
        let e = (-(0.25 * ln(0.1) + 0.75 * ln(0.3)) - (0.6 * ln(0.3) + 0.4 * ln(0.2))) / 2
        XCTAssertEqual(try Baselines.weightedCE(try logits(), w).item(), e, accuracy: 1e-5)
        // gradient: (p − w)/N, and the weights get none
        let z = try logits().requiresGrad()
        try Baselines.weightedCE(z, w.requiresGrad()).backward()
        assertClose(z.grad!, [(0.1 - 0.25) / 2, 0.1, (0.3 - 0.75) / 2, 0.2, 0.2, (0.3 - 0.6) / 2, (0.2 - 0.4) / 2, 0.05], rtol: 1e-4, atol: 1e-6)
        try gradCheck("weighted_ce", [try away([3, 4], seed: 1)], tol: .smooth) { try Baselines.weightedCE($0[0], w.reshape([8]).pad3()) }
    }

    func testCCLoss() throws {
        // row 0: −ln(0.1 + 0.3); row 1: −ln(0.3 + 0.2)
        XCTAssertEqual(try Baselines.ccLoss(try logits(), try cands()).item(), (-ln(0.4) - ln(0.5)) / 2, accuracy: 1e-5)
        // an empty set is finite: −ln 1e-12
        XCTAssertEqual(try Baselines.ccLoss(try Tensor([[0, 0]] as [[Float]]), try Tensor([[0, 0]] as [[Float]])).item(), -ln(1e-12), accuracy: 1e-3)
        let y = try Tensor([[1, 0, 1, 0], [0, 1, 1, 1], [0, 0, 1, 0]] as [[Float]])
        try gradCheck("cc_loss", [try away([3, 4], seed: 2)], tol: .smooth) { try Baselines.ccLoss($0[0], y) }
    }

    func testLWWeightsAndLosses() throws {
        // initial: |S| = 1 of 4 → 1 on S, 1/3 on each non-candidate
        assertClose(try Baselines.lwInitialWeights(try Tensor([[0, 1, 0, 0]] as [[Float]])), [1.0 / 3, 1, 1.0 / 3, 1.0 / 3], rtol: 1e-6)
        // row 0: S (0.1, 0.3)/0.4, ¬S (0.2, 0.4)/0.6; row 1: S (0.3, 0.2)/0.5, ¬S (0.4, 0.1)/0.5
        let w = try Baselines.lwWeights(try probs(), try cands())
        assertClose(w, [0.25, 1.0 / 3, 0.75, 2.0 / 3, 0.8, 0.6, 0.4, 0.2], rtol: 1e-5)
        // LWC, β = 2: Σ_S w(−ln p) + β Σ_¬S w(−ln(1 − p))
        let r0 = -0.25 * ln(0.1) - 0.75 * ln(0.3) + 2 * (-(1.0 / 3) * ln(0.8) - (2.0 / 3) * ln(0.6))
        let r1 = -0.6 * ln(0.3) - 0.4 * ln(0.2) + 2 * (-0.8 * ln(0.6) - 0.2 * ln(0.9))
        XCTAssertEqual(try Baselines.lwcLoss(try logits(), try cands(), weights: w, beta: 2).item(), (r0 + r1) / 2, accuracy: 1e-5)
        // LWS, β = 2: with z = ln a, σ(−z) = 1/(1 + a) and σ(z) = a/(1 + a)
        let s0 = 0.25 / 2 + 0.75 / 4 + 2 * ((1.0 / 3) * (2.0 / 3) + (2.0 / 3) * (4.0 / 5))
        let s1 = 0.6 / 4 + 0.4 / 3 + 2 * (0.8 * (4.0 / 5) + 0.2 * (1.0 / 2))
        XCTAssertEqual(try Baselines.lwsLoss(try logits(), try cands(), weights: w, beta: 2).item(), (s0 + s1) / 2, accuracy: 1e-5)
        let y = try Tensor([[1, 0, 1, 0], [0, 1, 1, 1], [0, 0, 1, 0]] as [[Float]])
        let w3 = try Baselines.lwInitialWeights(y)
        try gradCheck("lwc_loss", [try away([3, 4], seed: 3)], tol: .smooth) { try Baselines.lwcLoss($0[0], y, weights: w3, beta: 1.5) }
        try gradCheck("lws_loss", [try away([3, 4], seed: 4)], tol: .smooth) { try Baselines.lwsLoss($0[0], y, weights: w3, beta: 1.5) }
    }

    func testCAVLAndMaskedArgmax() throws {
        let z = try Tensor([[3, -1, 0.5, 2], [0.5, 1.0, 0.9, 4]] as [[Float]])
        // |z − 1|·z: row 0 (2·3, 2·(−1), 0.5·0.5, 1·2) = (6, −2, 0.25, 2); row 1 (0.25, 0, 0.09, 3·4 = 12)
        assertClose(try Baselines.classActivationValues(z), [6, -2, 0.25, 2, 0.25, 0, 0.09, 12], rtol: 1e-5, atol: 1e-6)
        // S = {1,2,3} → class 3; S = {0,1,2} → class 0 (not the candidates' logit argmax 1, and not class 3 ∉ S)
        let y = try Tensor([[0, 1, 1, 1], [1, 1, 1, 0]] as [[Float]])
        assertClose(try Baselines.cavlTargets(z, y), [0, 0, 0, 1, 1, 0, 0, 0])
        // an empty set takes the argmax over all classes
        XCTAssertEqual(try Baselines.maskedArgmax(try Tensor([[1, 5, 2]] as [[Float]]), try Tensor([[0, 0, 0]] as [[Float]])).toInts(), [1])
        XCTAssertEqual(try Baselines.maskedArgmax(try Tensor([[1, 5, 2]] as [[Float]]), try Tensor([[1, 0, 1]] as [[Float]])).toInts(), [2])
    }

    func testPiCOConfidence() throws {
        let s = try Tensor([[0.5, 0.5, 0, 0], [0, 0.5, 0.5, 0]] as [[Float]])
        let scores = try Tensor([[0.1, 0.9, 0.3, 0.8], [0.9, 0.2, 0.1, 0.3]] as [[Float]])
        let y = try Tensor([[1, 1, 0, 0], [0, 1, 1, 0]] as [[Float]])
        // row 0: best candidate 1 → 0.9·(0.5, 0.5) + 0.1·e1 = (0.45, 0.55)
        // row 1: class 0 scores highest but is no candidate; best candidate 1 → (0, 0.55, 0.45, 0)
        assertClose(try Baselines.picoConfidence(s, prototypeScores: scores, candidates: y, phi: 0.9), [0.45, 0.55, 0, 0, 0, 0.55, 0.45, 0], rtol: 1e-6)
        XCTAssertThrowsError(try Baselines.picoConfidence(s, prototypeScores: scores, candidates: y, phi: 1.5))
    }

    func testALIM() throws {
        let p = try Tensor([[0.1, 0.2, 0.3, 0.4]] as [[Float]]), y = try Tensor([[1, 0, 1, 0]] as [[Float]])
        // λ = 0.5: (0.1, 0.1, 0.3, 0.2) → class 2; λ = 0.8: (0.1, 0.16, 0.3, 0.32) → class 3; λ = 0 → 2
        assertClose(try Baselines.alimTargets(p, y, lambda: 0.5, scale: false), [0, 0, 1, 0])
        assertClose(try Baselines.alimTargets(p, y, lambda: 0.8, scale: false), [0, 0, 0, 1])
        assertClose(try Baselines.alimTargets(p, y, lambda: 0, scale: false), [0, 0, 1, 0])
        // scale, λ = 0.5: (0.1, 0.1, 0.3, 0.2)² = (0.01, 0.01, 0.09, 0.04) / 0.15
        assertClose(try Baselines.alimTargets(p, y, lambda: 0.5, scale: true), [1.0 / 15, 1.0 / 15, 0.6, 4.0 / 15], rtol: 1e-5)
        // λ = 1 ignores the candidates: p itself
        assertClose(try Baselines.alimTargets(p, y, lambda: 1, scale: true), [0.1, 0.2, 0.3, 0.4], rtol: 1e-5)
        XCTAssertThrowsError(try Baselines.alimTargets(p, y, lambda: 0, scale: true))
        // adaptive λ: S = {0}; margins max_S / max_¬S = 0.8, 0.25, 0.5, 18 → sorted (0.25, 0.5, 0.8, 18);
        // λ is the ⌊4η⌋-th, so that the ⌊4η⌋ samples below it let a non-candidate win
        let pp = try Tensor([[0.4, 0.5, 0.1], [0.2, 0.8, 0], [0.3, 0.6, 0.1], [0.9, 0.05, 0.05]] as [[Float]])
        let yy = try Tensor([[1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0]] as [[Float]])
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(pp, yy, noiseRate: 0.1), 0.25, accuracy: 1e-6)  // index 0
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(pp, yy, noiseRate: 0.25), 0.5, accuracy: 1e-6)  // index 1
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(pp, yy, noiseRate: 0.5), 0.8, accuracy: 1e-6)   // index 2
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(pp, yy, noiseRate: 0.75), 1, accuracy: 1e-6)    // 18, clamped
        // with λ = 0.5 exactly one sample (margin 0.25) gets a non-candidate target
        let lam = try Baselines.alimAdaptiveLambda(pp, yy, noiseRate: 0.25)
        assertClose(try Baselines.alimTargets(pp, yy, lambda: lam, scale: false), [1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0])
        // all the mass on the candidates: an infinite margin, never chosen below the top
        let sure = try Tensor([[1, 0, 0], [0.2, 0.8, 0]] as [[Float]]), ys = try Tensor([[1, 0, 0], [1, 0, 0]] as [[Float]])
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(sure, ys, noiseRate: 0.5), 1, accuracy: 1e-6)   // ∞, clamped
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(sure, ys, noiseRate: 0.4), 0.25, accuracy: 1e-6)
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(pp, yy, noiseRate: 0), 0)
    }

    func testKD() throws {
        // z = (0, ln 3) → p = (1/4, 3/4); q = (1/2, 1/2): KL = ½ ln 2 + ½ ln(2/3)
        let z = try Tensor.fromDoubles([0, ln(3)], shape: [1, 2]), q = try Tensor([[0.5, 0.5]] as [[Float]])
        XCTAssertEqual(try Baselines.kdLoss(z, q).item(), 0.5 * ln(2) + 0.5 * ln(2.0 / 3), accuracy: 1e-5)
        // T = 2: q_T stays uniform, p_T ∝ (1, √3); loss = 4·[½ ln(½(1 + √3)) + ½ ln(½(1 + √3)/√3)]
        let r = 3.0.squareRoot()
        XCTAssertEqual(try Baselines.kdLoss(z, q, T: 2).item(), 4 * (0.5 * ln(0.5 * (1 + r)) + 0.5 * ln(0.5 * (1 + r) / r)), accuracy: 1e-5)
        let soft = try Tensor([[0.7, 0.2, 0.1, 0], [0.25, 0.25, 0.25, 0.25], [0.1, 0.1, 0.1, 0.7]] as [[Float]])
        try gradCheck("kd_loss", [try away([3, 4], seed: 5)], tol: .smooth) { try Baselines.kdLoss($0[0], soft, T: 2) }
    }

    func testSetRows() throws {
        let buf = try Tensor.zeros([3, 2])
        try Baselines.setRows(buf, indices: try Tensor(ints: [2, 0], shape: [2]), values: try Tensor([[1, 2], [3, 4]] as [[Float]]))
        assertClose(buf, [3, 4, 0, 0, 1, 2])
        XCTAssertThrowsError(try Baselines.setRows(buf, indices: try Tensor(ints: [3], shape: [1]), values: try Tensor([[1, 2]] as [[Float]])))
    }

    func testPerSampleCE() throws {
        // row 0, label 3: −ln 0.4; row 1, label 1: −ln 0.3
        let l = try Baselines.perSampleCE(try logits(), try Tensor(ints: [3, 1], shape: [2]))
        assertClose(l, [-ln(0.4), -ln(0.3)], rtol: 1e-5)
        XCTAssertThrowsError(try Baselines.perSampleCE(try logits(), try Tensor([1, 2] as [Float])))
    }

    func testDivideMixRefineAndCoGuess() throws {
        // row 0: views (0.1, 0.2, 0.3, 0.4) and (0.3, 0.2, 0.1, 0.4) → p̄ (0.2, 0.2, 0.2, 0.4); label 3, w 0.5
        //   → (0.1, 0.1, 0.1, 0.7); T 0.5 squares: (0.01, 0.01, 0.01, 0.49) / 0.52
        // row 1: both views (0.4, 0.3, 0.2, 0.1), w 0 → p̄; squared (0.16, 0.09, 0.04, 0.01) / 0.30
        let v2 = try Tensor([[0.3, 0.2, 0.1, 0.4], [0.4, 0.3, 0.2, 0.1]] as [[Float]])
        let y = try Tensor([[0, 0, 0, 1], [1, 0, 0, 0]] as [[Float]])
        let w = Tensor([0.5, 0] as [Float])
        let r = try Baselines.dividemixRefine(w: w, labels: y, views: [try probs(), v2], T: 0.5)
        assertClose(r, [1.0 / 52, 1.0 / 52, 1.0 / 52, 49.0 / 52, 16.0 / 30, 9.0 / 30, 4.0 / 30, 1.0 / 30], rtol: 1e-5)
        // w 1 keeps the label whatever the views say
        assertClose(try Baselines.dividemixRefine(w: Tensor([1, 1] as [Float]), labels: y, views: [try probs()], T: 0.5), [0, 0, 0, 1, 1, 0, 0, 0])
        // co-guessing over [p0, p1, p1, p1] (row 0): (0.1 + 3·0.4, 0.2 + 3·0.3, 0.3 + 3·0.2, 0.4 + 3·0.1) / 4
        let p = try probs()
        let g = try Baselines.dividemixCoGuess([p, p.flip([0]), p.flip([0]), p.flip([0])], T: 0.5)
        let m = [1.3, 1.1, 0.9, 0.7].map { $0 / 4 }, sq = m.map { $0 * $0 }, z = sq.reduce(0, +)
        assertClose(try g.slice(axis: 0, start: 0, end: 1).reshape([4]), sq.map { $0 / z }, rtol: 1e-5)
        // T 1 is the plain mean
        assertClose(try Baselines.dividemixCoGuess([p, p.flip([0])], T: 1), [0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25], rtol: 1e-5)
        XCTAssertThrowsError(try Baselines.dividemixCoGuess([], T: 0.5))
        XCTAssertThrowsError(try Baselines.dividemixRefine(w: w, labels: y, views: [try Tensor.zeros([2, 3])], T: 0.5))
    }

    func testDivideMixPriorPenaltyAndLoss() throws {
        // one row p = (0.1, 0.2, 0.3, 0.4): Σ 0.25 ln(0.25 / p_c); two mirrored rows average to uniform → 0
        let z1 = try logits().slice(axis: 0, start: 0, end: 1)
        let e = [0.1, 0.2, 0.3, 0.4].map { 0.25 * ln(0.25 / $0) }.reduce(0, +)
        XCTAssertEqual(try Baselines.uniformPriorPenalty(z1).item(), e, accuracy: 1e-6)
        XCTAssertEqual(try Baselines.uniformPriorPenalty(try logits()).item(), 0, accuracy: 1e-6)
        // loss: row 0 labelled with target e₃ → L_x = −ln 0.4; row 1 unlabelled with target e₀
        //   → L_u = ((0.4 − 1)² + 0.3² + 0.2² + 0.1²) / 4 = 0.125; penalty 0 → total −ln 0.4 + 2·0.125
        let t = try Tensor([[0, 0, 0, 1], [1, 0, 0, 0]] as [[Float]])
        let r = try Baselines.dividemixLoss(try logits(), targets: t, labelled: 1, lambdaU: 2)
        XCTAssertEqual(try r.lx.item(), -ln(0.4), accuracy: 1e-5)
        XCTAssertEqual(try r.lu.item(), 0.125, accuracy: 1e-6)
        XCTAssertEqual(try r.total.item(), -ln(0.4) + 0.25, accuracy: 1e-5)
        // everything labelled: no L_u, L_x over both rows (−ln 0.4 each)
        let all = try Baselines.dividemixLoss(try logits(), targets: t, labelled: 2, lambdaU: 2)
        XCTAssertEqual(try all.lu.item(), 0)
        XCTAssertEqual(try all.total.item(), -ln(0.4), accuracy: 1e-5)
        XCTAssertThrowsError(try Baselines.dividemixLoss(try logits(), targets: t, labelled: 0, lambdaU: 1))
        XCTAssertThrowsError(try Baselines.dividemixLoss(try logits(), targets: t, labelled: 3, lambdaU: 1))
        XCTAssertThrowsError(try Baselines.uniformPriorPenalty(Tensor([1, 2] as [Float])))
        let t3 = try Tensor([[0, 0, 0, 1], [1, 0, 0, 0], [0.2, 0.3, 0.5, 0]] as [[Float]])
        try gradCheck("dividemix_loss", [try away([3, 4], seed: 8)], tol: .smooth) {
            try Baselines.dividemixLoss($0[0], targets: t3, labelled: 1, lambdaU: 3).total
        }
    }

    // MARK: PiCO+, CR-DPLL, IRNet, PaPi

    func testPiCOPlusReliable() throws {
        let d = Tensor([0.1, 0.5, 0.3, 0.2, 0.9, 0.4] as [Float]), lab = try Tensor(ints: [0, 0, 0, 1, 1, 1], shape: [6])
        // ratio 0.5: ⌊1.5⌋ = 1 per class → the nearest of class 0 (sample 0, d 0.1) and of class 1 (sample 3, d 0.2)
        XCTAssertEqual(try Baselines.picoPlusReliable(distances: d, labels: lab, ratio: 0.5).toInts(), [1, 0, 0, 1, 0, 0])
        // sample 4 (the farthest of class 1) joins because its nearest prototype is a candidate
        let consistent = try Tensor(bools: [false, false, false, false, true, false], shape: [6])
        XCTAssertEqual(try Baselines.picoPlusReliable(distances: d, labels: lab, ratio: 0.5, consistent: consistent).toInts(), [1, 0, 0, 1, 1, 0])
        // ratio 0.7: ⌊2.1⌋ = 2 per class → samples 0, 2 (0.1, 0.3) and 3, 5 (0.2, 0.4)
        XCTAssertEqual(try Baselines.picoPlusReliable(distances: d, labels: lab, ratio: 0.7).toInts(), [1, 0, 1, 1, 0, 1])
        XCTAssertEqual(try Baselines.picoPlusReliable(distances: d, labels: lab, ratio: 0).toInts(), [0, 0, 0, 0, 0, 0])
        // equal distances: the lower index wins
        XCTAssertEqual(try Baselines.picoPlusReliable(distances: Tensor([0.2, 0.2] as [Float]), labels: try Tensor(ints: [1, 1], shape: [2]), ratio: 0.5).toInts(), [1, 0])
        XCTAssertThrowsError(try Baselines.picoPlusReliable(distances: d, labels: lab, ratio: 1.5))
        XCTAssertThrowsError(try Baselines.picoPlusReliable(distances: d, labels: try Tensor(ints: [0, 1], shape: [2]), ratio: 0.5))
    }

    func testKNNMaskAndPiCOPlusMasks() throws {
        // q·f: row 0 (1, 0, 0.6, −1) → top-2 {0, 2}; row 1 (0, 1, 0.8, 0) → top-2 {1, 2}
        let q = try Tensor([[1, 0], [0, 1]] as [[Float]]), f = try Tensor([[1, 0], [0, 1], [0.6, 0.8], [-1, 0]] as [[Float]])
        XCTAssertEqual(try Baselines.knnMask(queries: q, features: f, k: 2).toInts(), [1, 0, 1, 0, 0, 1, 1, 0])
        XCTAssertThrowsError(try Baselines.knnMask(queries: q, features: f, k: 5))
        // B = 2, M = 6: labels (0, 1 | 0, 1 | 0, 1), reliable (T, F | T, F | T, T)
        let lab = try Tensor(ints: [0, 1, 0, 1, 0, 1], shape: [6])
        let rel = try Tensor(bools: [true, false, true, false, true, true], shape: [6])
        let m = try Baselines.picoPlusMasks(labels: lab, reliable: rel, batch: 2)
        // anchor 0 (reliable, label 0): reliable label-0 elements 2 (its key) and 4; itself excluded
        // anchor 1 (unreliable, no kNN): only its own key, column 3 (element 5 shares its label but is not used)
        XCTAssertEqual(m.positive.toInts(), [0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0])
        XCTAssertEqual(m.allowed.toInts(), [0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1])
        // with kNN rows: anchor 1's neighbours {1 (itself, dropped), 5} plus its key; anchor 0 ignores its row
        let knn = try Tensor(bools: [true, true, true, true, true, true, false, true, false, false, false, true], shape: [2, 6])
        let mk = try Baselines.picoPlusMasks(labels: lab, reliable: rel, batch: 2, knn: knn)
        XCTAssertEqual(mk.positive.toInts(), [0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1])
        XCTAssertThrowsError(try Baselines.picoPlusMasks(labels: lab, reliable: rel, batch: 2, knn: try Tensor.zeros([2, 5], dtype: .bool)))
    }

    func testComplementaryLoss() throws {
        // row 0: non-candidates {1, 3}, −(ln 0.8 + ln 0.6); row 1: non-candidates {0, 3}, −(ln 0.6 + ln 0.9)
        let e = (-(ln(0.8) + ln(0.6)) - (ln(0.6) + ln(0.9))) / 2
        XCTAssertEqual(try Baselines.complementaryLoss(try logits(), try cands()).item(), e, accuracy: 1e-5)
        // p_j = 1 on a non-candidate stays finite: −ln(1e-7)
        let hard = try Tensor([[0, 100]] as [[Float]])
        XCTAssertEqual(try Baselines.complementaryLoss(hard, try Tensor([[1, 0]] as [[Float]])).item(), -ln(1e-7), accuracy: 1e-2)
        let y = try Tensor([[1, 0, 1, 0], [0, 1, 1, 1], [0, 0, 1, 0]] as [[Float]])
        try gradCheck("complementary_loss", [try away([3, 4], seed: 6)], tol: .smooth) { try Baselines.complementaryLoss($0[0], y) }
    }

    func testCRDPLLTarget() throws {
        let p1 = try Tensor([[0.1, 0.2, 0.3, 0.4]] as [[Float]]), p2 = try Tensor([[0.4, 0.3, 0.2, 0.1]] as [[Float]])
        let y = try Tensor([[1, 0, 1, 0]] as [[Float]])
        // two views, S = {0, 2}: √(0.1·0.4) = 0.2 and √(0.3·0.2) = √0.06 ≈ 0.244949, over their sum 0.444949
        // → (0.449490, 0, 0.550510, 0)
        let g = 0.06.squareRoot()
        assertClose(try Baselines.crdpllTarget([p1, p2], y), [0.2 / (0.2 + g), 0, g / (0.2 + g), 0], rtol: 1e-5)
        // a third, uniform view: cube roots of 0.1·0.4·0.25 = 0.01 and 0.3·0.2·0.25 = 0.015, i.e.
        // 0.215443 and 0.246621 → (0.466264, 0, 0.533736, 0) (the product alone would give 0.4 / 0.6)
        let p3 = try Tensor([[0.25, 0.25, 0.25, 0.25]] as [[Float]])
        let a = Foundation.pow(0.01, 1.0 / 3), b = Foundation.pow(0.015, 1.0 / 3)
        assertClose(try Baselines.crdpllTarget([p1, p2, p3], y), [a / (a + b), 0, b / (a + b), 0], rtol: 1e-5)
        // no candidates: all classes; one view gives the prediction itself
        assertClose(try Baselines.crdpllTarget([p1], try Tensor([[0, 0, 0, 0]] as [[Float]])), [0.1, 0.2, 0.3, 0.4], rtol: 1e-5)
        XCTAssertThrowsError(try Baselines.crdpllTarget([], y))
    }

    func testIRNetRefine() throws {
        let y = try Tensor([[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]] as [[Float]])
        let w = try Tensor([[0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0]] as [[Float]])
        // row 0: view 1 best ¬S 0.7 (class 2) vs best S 0.1; view 2 0.6 (class 2) vs 0.2 → both margins > 0.2, same class
        // row 1: class 2 wins view 1 (0.45 vs 0.1) but class 3 wins view 2 (0.5) → the views disagree
        // row 2: view 1 margin 0.45 − 0.3 = 0.15 ≤ 0.2 → kept; with threshold 0.1 both views agree on class 2
        let v1 = try Tensor([[0.1, 0.1, 0.7, 0.1], [0.1, 0.1, 0.45, 0.35], [0.3, 0.1, 0.45, 0.15]] as [[Float]])
        let v2 = try Tensor([[0.2, 0.1, 0.6, 0.1], [0.1, 0.1, 0.3, 0.5], [0.1, 0.1, 0.7, 0.1]] as [[Float]])
        let r = try Baselines.irnetRefine(views: [v1, v2], candidates: y, confidence: w, threshold: 0.2)
        XCTAssertEqual(r.added.toInts(), [2, -1, -1])
        assertClose(r.candidates, [1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0])
        // row 0: w_2 = 0.7 from view 1, then (0.5, 0.5, 0.7)/1.7 = (0.294118, 0.294118, 0.411765)
        assertClose(r.confidence, [0.5 / 1.7, 0.5 / 1.7, 0.7 / 1.7, 0, 0.5, 0.5, 0, 0, 0.5, 0.5, 0, 0], rtol: 1e-5)
        // the inputs are not modified
        assertClose(y, [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0])
        // threshold 0.1: row 2 too, w_2 = 0.45 → (0.5, 0.5, 0.45)/1.45
        let r2 = try Baselines.irnetRefine(views: [v1, v2], candidates: y, confidence: w, threshold: 0.1)
        XCTAssertEqual(r2.added.toInts(), [2, -1, 2])
        assertClose(try r2.confidence.select(axis: 0, index: 2), [0.5 / 1.45, 0.5 / 1.45, 0.45 / 1.45, 0], rtol: 1e-5)
        // one view only: row 1 is noisy as well (0.45 − 0.1 > 0.2)
        XCTAssertEqual(try Baselines.irnetRefine(views: [v1], candidates: y, confidence: w, threshold: 0.2).added.toInts(), [2, 2, -1])
        // a row whose candidates are every class has no non-candidate to add
        let all = try Tensor([[1, 1]] as [[Float]])
        XCTAssertEqual(try Baselines.irnetRefine(views: [try Tensor([[0.9, 0.1]] as [[Float]])], candidates: all, confidence: all, threshold: 0).added.toInts(), [-1])
    }

    func testPaPiConfidenceAndMixupKL() throws {
        let s = try Tensor([[0.5, 0, 0.5, 0], [0, 0.5, 0.5, 0]] as [[Float]])
        // restricted predictions (0.25, 0, 0.75, 0) and (0, 0.6, 0.4, 0); φ = 0.9:
        // row 0 (0.45 + 0.025, 0, 0.45 + 0.075, 0); row 1 (0, 0.45 + 0.06, 0.45 + 0.04, 0)
        assertClose(try Baselines.papiConfidence(s, probs: try probs(), candidates: try cands(), phi: 0.9), [0.475, 0, 0.525, 0, 0, 0.51, 0.49, 0], rtol: 1e-6)
        XCTAssertThrowsError(try Baselines.papiConfidence(s, probs: try probs(), candidates: try cands(), phi: 1.5))
        // mixup KL, l = 0.7, perm (1, 0), targets t0 = (0.25, 0, 0.75, 0), t1 = (0, 0.6, 0.4, 0):
        //   KL(t0‖p0) = 0.25 ln 2.5 + 0.75 ln 2.5 = ln 2.5;   KL(t1‖p1) = 0.6 ln 2 + 0.4 ln 2 = ln 2
        //   KL(t1‖p0) = 0.6 ln 3 + 0.4 ln(4/3);               KL(t0‖p1) = 0.25 ln 0.625 + 0.75 ln 3.75
        let t = try Tensor([[0.25, 0, 0.75, 0], [0, 0.6, 0.4, 0]] as [[Float]])
        let perm = try Tensor(ints: [1, 0], shape: [2])
        let straight = (ln(2.5) + ln(2)) / 2
        let swapped = (0.6 * ln(3) + 0.4 * ln(4.0 / 3) + 0.25 * ln(0.625) + 0.75 * ln(3.75)) / 2
        XCTAssertEqual(try Baselines.mixupKL(try logits(), targets: t, perm: perm, lambda: 0.7).item(), 0.7 * straight + 0.3 * swapped, accuracy: 1e-5)
        // l = 1 is the plain batch-mean KL
        XCTAssertEqual(try Baselines.mixupKL(try logits(), targets: t, perm: perm, lambda: 1).item(), straight, accuracy: 1e-5)
        XCTAssertThrowsError(try Baselines.mixupKL(try logits(), targets: t, perm: Tensor([1, 0] as [Float]), lambda: 0.5))
        let t3 = try Tensor([[0.7, 0.2, 0.1, 0], [0.25, 0.25, 0.25, 0.25], [0.1, 0.1, 0.1, 0.7]] as [[Float]])
        let p3 = try Tensor(ints: [2, 0, 1], shape: [3])
        try gradCheck("mixup_kl", [try away([3, 4], seed: 7)], tol: .smooth) { try Baselines.mixupKL($0[0], targets: t3, perm: p3, lambda: 0.6) }
    }
}

private extension Tensor {
    /// The 2×4 weights of the weighted-CE example padded with a third uniform row (3×4).
    func pad3() throws -> Tensor {
        try Tensor.fromDoubles(toDoubles() + [0.25, 0.25, 0.25, 0.25], shape: [3, 4])
    }
}
