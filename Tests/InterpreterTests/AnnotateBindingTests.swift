import Foundation
import XCTest
import Interpreter

final class AnnotateBindingTests: XCTestCase {
    func run(_ src: String) -> (String, [String]) {
        var out = "", diags: [String] = []
        let host = Host(write: { out += $0 }, report: { diags.append($0.rendered) })
        _ = Session(host: host, registry: coregRegistry()).evaluate(src, file: "annot.coreg")
        return (out, diags)
    }

    func testModule() throws {
        let path = NSTemporaryDirectory() + "coreg-annot-binding-\(getpid()).npz"
        let src = """
        let y = tensor([0, 1, 2, 0, 1, 2, 0, 1])
        let a = annotate.flip(y, 3, 0.5, 0.0, seed=1)
        print(a.candidates.shape)
        let s = annotate.stats(a, y)
        print(s["noise_rate"], s["count"])
        let p = tensor([[[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]])
        let u = annotate.from_scores(p)
        print(u.candidates.tolist())
        print(annotate.from_scores(p, rule="topk", k=1).candidates.tolist())
        print(annotate.from_scores(p, rule="soft").avg_probs.shape)
        annotate.save(u, "\(path)")
        let b = annotate.load("\(path)")
        print(b.templates, b.count, len(annotate.templates()), len(annotate.templates("imagenet")))
        print(annotate.stats(b, [0])["zero_shot_acc_template0"])
        print(annotate.class_names("fmnist")[0])
        print(annotate.pico(y, 3, 0.0).sizes.tolist())
        """
        let (out, diags) = run(src)
        XCTAssertEqual(diags, [])
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 9, out)
        XCTAssertEqual(lines[0], "[8, 3]")
        XCTAssertEqual(lines[1], "0.0 8")
        XCTAssertEqual(lines[2], "[[1.0, 1.0, 0.0]]")
        XCTAssertEqual(lines[3], "[[0.0, 1.0, 0.0]]")   // average [0.4, 0.5, 0.1]
        XCTAssertEqual(lines[4], "[1, 3]")
        XCTAssertEqual(lines[5], "2 1 27 80")
        XCTAssertEqual(lines[6], "1.0")
        XCTAssertEqual(lines[7], "T-shirt/top")
        XCTAssertEqual(lines[8], "[1, 1, 1, 1, 1, 1, 1, 1]")
        // JSONL answers, the simulated annotator, embeddings and instance-dependent generator.
        let jl = NSTemporaryDirectory() + "coreg-annot-binding-\(getpid()).jsonl"
        try "{\"index\": 0, \"answer\": \"a coat\"}\n{\"index\": 1, \"answer\": \"a cat\"}\n".write(toFile: jl, atomically: true, encoding: .utf8)
        let src2 = """
        let v = annotate.from_jsonl("\(jl)", "fmnist")
        print(v.sizes.tolist(), v.unmatched[0]["answer"])
        let sim = annotate.simulated("embedded", split="test")
        let st = annotate.stats(sim, sim.sizes * 0)
        print(sim.count, sim.templates, sim.class_count)
        let e = annotate.from_embeddings(tensor([[1.0, 0.0]]), tensor([[[1.0, 0.0], [0.0, 1.0]]]))
        print(e.candidates.tolist())
        let i = annotate.instance([0, 1], tensor([[0.9, 0.1], [0.2, 0.8]]), 0.0)
        print(i.candidates.tolist())
        """
        let (out2, diags2) = run(src2)
        XCTAssertEqual(diags2, [])
        let l2 = out2.split(separator: "\n").map(String.init)
        XCTAssertEqual(l2, ["[1, 0] a cat", "2000 27 10", "[[1.0, 0.0]]", "[[1.0, 0.0], [0.0, 1.0]]"], out2)
        let (_, d2) = run("annotate.load(\"/nonexistent/a.npz\")")
        XCTAssertEqual(d2.count, 1)
        XCTAssertTrue(d2[0].contains("/nonexistent/a.npz"), d2[0])
    }
}
