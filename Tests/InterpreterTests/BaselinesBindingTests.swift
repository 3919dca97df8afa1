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

    func testArgumentErrors() {
        let r = Recorder()
        let s = Session(host: r.host, registry: coregRegistry())
        _ = s.evaluate("baselines.alim_targets(zeros(1, 2), ones(1, 2), 0.5, variant = \"hard\")")
        XCTAssertTrue(r.rendered.contains("variant must be \"onehot\" or \"scale\""), r.rendered)
        _ = s.evaluate("baselines.cc_loss(zeros(1, 2), ones(2, 2))")
        XCTAssertTrue(r.rendered.contains("cc_loss"), r.rendered)
    }
}
