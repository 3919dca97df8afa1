import XCTest
import Interpreter

/// The `baselines` bindings: values reach scripts, in-place row writes, argument errors.
final class BaselinesBindingTests: XCTestCase {
    func testLossesAndUpdatesFromScripts() throws {
        let r = Recorder()
        let s = Session(host: r.host, registry: coregRegistry())
        // z = log(1, 2, 3, 4) → p = (0.1, 0.2, 0.3, 0.4); S = {0, 2}: CC = −ln 0.4, confidences (0.25, 0, 0.75, 0)
        let result = s.evaluate("""
        let z = tensor([[1.0, 2.0, 3.0, 4.0]]).log()
        let y = tensor([[1.0, 0.0, 1.0, 0.0]])
        let w = zeros(2, 4)
        baselines.set_rows(w, tensor([1]).int(), baselines.candidate_confidence(z.softmax(axis = 1), y))
        let t = baselines.alim_targets(z.softmax(axis = 1), y, 0.8, variant = "onehot")
        [format(baselines.cc_loss(z, y).item(), ".5f"), w[1].tolist(), t.argmax(axis = 1).item()]
        """)
        guard case .value(let v?) = result else { return XCTFail("no value: \(r.rendered)") }
        XCTAssertEqual(v.reprString, "[\"0.91629\", [0.25, 0.0, 0.75, 0.0], 3]", r.rendered)
    }

    func testNoisyPLLBaselinesFromScripts() throws {
        let r = Recorder()
        let s = Session(host: r.host, registry: coregRegistry())
        // PiCO+: per class the nearest half (⌊1.5⌋ = 1) plus a consistent sample; masks with B = 1, M = 3
        // CR-DPLL: z = log(1, 2, 3, 4), S = {0, 2}: −(ln 0.8 + ln 0.6) = 0.73397; one view → target p on S = (0.25, 0, 0.75, 0)
        // IRNet: class 3 (0.4) beats the best candidate 0.3 by 0.1 > 0.05 → added 3, w = (0.25, 0, 0.75, 0.4)/1.4
        // PaPi: φ = 0.5 → (0.5·0.5 + 0.5·0.25, 0, 0.5·0.5 + 0.5·0.75, 0); mixup KL with l = 1 is ln 2.5 = 0.91629
        let result = s.evaluate("""
        let z = tensor([[1.0, 2.0, 3.0, 4.0]]).log()
        let p = z.softmax(axis = 1)
        let y = tensor([[1.0, 0.0, 1.0, 0.0]])
        let rel = baselines.pico_plus_reliable(tensor([0.1, 0.5, 0.3, 0.2, 0.9, 0.4]), tensor([0, 0, 0, 1, 1, 1]).int(), ratio = 0.5,
                                               consistent = tensor([0, 0, 0, 0, 1, 0]).bool())
        let knn = baselines.knn_mask(tensor([[1.0, 0.0]]), tensor([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]), k = 2)
        let m = baselines.pico_plus_masks(tensor([0, 0, 1]).int(), tensor([0, 1, 1]).bool(), 1, knn = knn)
        let t = baselines.crdpll_target([p], y)
        let w = baselines.uniform_confidence(y)
        let ir = baselines.irnet_refine([p], y, baselines.candidate_confidence(p, y), threshold = 0.05)
        let pa = baselines.papi_confidence(w, p, y, phi = 0.5)
        [rel.int().tolist(), knn.int().tolist(), m.positive.int().tolist(), format(baselines.complementary_loss(z, y).item(), ".5f"),
         map(fn(x) => format(x, ".4f"), t[0].tolist()), ir.added.tolist(), format(ir.confidence[0, 3].item(), ".5f"),
         map(fn(x) => format(x, ".4f"), pa[0].tolist()),
         format(baselines.mixup_kl(z, baselines.candidate_confidence(p, y), tensor([0]).int(), 1.0).item(), ".5f")]
        """)
        guard case .value(let v?) = result else { return XCTFail("no value: \(r.rendered)") }
        XCTAssertEqual(v.reprString, "[[1, 0, 0, 1, 1, 0], [[1, 0, 1]], [[0, 1, 1]], \"0.73397\", [\"0.2500\", \"0.0000\", \"0.7500\", \"0.0000\"], [3], \"0.28571\", [\"0.3750\", \"0.0000\", \"0.6250\", \"0.0000\"], \"0.91629\"]", r.rendered)
        // argument errors name the function
        _ = s.evaluate("baselines.irnet_refine([], ones(1, 2), ones(1, 2))")
        XCTAssertTrue(r.rendered.contains("irnet_refine"), r.rendered)
        _ = s.evaluate("baselines.crdpll_target(ones(1, 2), ones(1, 2))")
        XCTAssertTrue(r.rendered.contains("crdpll_target' (expected list, got tensor)"), r.rendered)
    }

    func testDivideMixFromScripts() throws {
        let r = Recorder()
        let s = Session(host: r.host, registry: coregRegistry())
        // refinement: p̄ = (0.2, 0.2, 0.2, 0.4), label 3, w 0.5 → (0.1, 0.1, 0.1, 0.7) → squared / 0.52 → 49/52 = 0.94231
        // co-guessing of two mirrored rows at T 1 → uniform; penalty of p = (0.1, 0.2, 0.3, 0.4) is
        // Σ 0.25 ln(0.25 / p) = 0.12178; loss with row 0 labelled (e₃) and row 1 (e₀) unlabelled: −ln 0.4 + 2·0.125 = 1.16629
        let result = s.evaluate("""
        let z = tensor([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]]).log()
        let p = z.softmax(axis = 1)
        let y = tensor([[0.0, 0.0, 0.0, 1.0]])
        let tx = baselines.dividemix_refine(tensor([0.5]), y, [p[0:1], tensor([[0.3, 0.2, 0.1, 0.4]])], T = 0.5)
        let tu = baselines.dividemix_coguess([p[0:1], p[1:2]], T = 1.0)
        let l = baselines.dividemix_loss(z, tensor([[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]), 1, 2.0)
        [format(tx[0, 3].item(), ".5f"), map(fn(x) => format(x, ".2f"), tu[0].tolist()),
         format(baselines.prior_penalty(z[0:1]).item(), ".5f"), format(l.loss.item(), ".5f"), format(l.lu.item(), ".4f")]
        """)
        guard case .value(let v?) = result else { return XCTFail("no value: \(r.rendered)") }
        XCTAssertEqual(v.reprString, "[\"0.94231\", [\"0.25\", \"0.25\", \"0.25\", \"0.25\"], \"0.12178\", \"1.16629\", \"0.1250\"]", r.rendered)
        _ = s.evaluate("baselines.dividemix_loss(zeros(2, 3), zeros(2, 3), 5, 1.0)")
        XCTAssertTrue(r.rendered.contains("dividemix_loss") && r.rendered.contains("labelled"), r.rendered)
        _ = s.evaluate("baselines.dividemix_coguess([], T = 0.5)")
        XCTAssertTrue(r.rendered.contains("dividemix_coguess"), r.rendered)
    }

    func testArgumentErrors() {
        let r = Recorder()
        let s = Session(host: r.host, registry: coregRegistry())
        _ = s.evaluate("baselines.alim_targets(zeros(1, 2), ones(1, 2), 0.5, variant = \"hard\")")
        XCTAssertTrue(r.rendered.contains("variant must be \"onehot\" or \"scale\""), r.rendered)
        _ = s.evaluate("baselines.cc_loss(zeros(1, 2), ones(2, 2))")
        XCTAssertTrue(r.rendered.contains("cc_loss"), r.rendered)
    }
}
