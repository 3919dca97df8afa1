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
        // adaptive λ: S = {0}; ratios max_¬S / max_S = 0.8, 0.125, 2.0, 0.5 → sorted (0.125, 0.5, 0.8, 2)
        let pp = try Tensor([[0.5, 0.1, 0.4], [0.8, 0.1, 0.1], [0.25, 0.5, 0.25], [0.6, 0.3, 0.1]] as [[Float]])
        let yy = try Tensor([[1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0]] as [[Float]])
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(pp, yy, noiseRate: 0.5), 0.8, accuracy: 1e-6)   // index ⌊4·0.5⌋ = 2
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(pp, yy, noiseRate: 0.75), 0.5, accuracy: 1e-6)  // index 1
        XCTAssertEqual(try Baselines.alimAdaptiveLambda(pp, yy, noiseRate: 0.25), 1, accuracy: 1e-6)    // 2.0, clamped
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
}

private extension Tensor {
    /// The 2×4 weights of the weighted-CE example padded with a third uniform row (3×4).
    func pad3() throws -> Tensor {
        try Tensor.fromDoubles(toDoubles() + [0.25, 0.25, 0.25, 0.25], shape: [3, 4])
    }
}
