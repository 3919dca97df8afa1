import Foundation
import XCTest
import Interpreter
import Kernel

/// Stand-ins for the nn/optim bindings' objects: anything that conforms to ModuleProviding /
/// OptimizerProviding can be saved and restored by io.save_checkpoint / io.load_checkpoint.
private final class FakeModel: ScriptObject, ModuleProviding {
    let module: Module
    init(_ m: Module) { module = m }
    var typeName: String { "model" }
    var scriptDescription: String { "<model>" }
}
private final class FakeOptimizer: ScriptObject, OptimizerProviding {
    let optimizer: Optimizer
    init(_ o: Optimizer) { optimizer = o }
    var typeName: String { "optimizer" }
    var scriptDescription: String { "<optimizer>" }
}

final class IOBindingTests: XCTestCase {
    func testIOModule() throws {
        let dir = NSTemporaryDirectory() + "coreg-io-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = MLP(inputDim: 4, hidden: [3], classes: 2, rng: RNG(seed: 1))
        let b = MLP(inputDim: 4, hidden: [3], classes: 2, rng: RNG(seed: 2))
        let optA = try SGD(a.parameters(), lr: 0.1, momentum: 0.9)
        let optB = try SGD(b.parameters(), lr: 0.5, momentum: 0.9)
        let r = Recorder()
        let registry = coregRegistry()
        registry.setGlobal("net", .object(FakeModel(a)))
        registry.setGlobal("net2", .object(FakeModel(b)))
        registry.setGlobal("opt", .object(FakeOptimizer(optA)))
        registry.setGlobal("opt2", .object(FakeOptimizer(optB)))
        registry.setGlobal("dir", .string(dir))
        let s = Session(host: r.host, registry: registry)
        _ = s.evaluate("""
        let w = tensor([[1.5, 2.0], [3.0, 4.0]])
        io.save_safetensors(dir + "/a.safetensors", {w: w, n: tensor([1, 2]), m: tensor([true, false])}, metadata={k: "v"})
        let t = io.load_safetensors(dir + "/a.safetensors")
        print(t["w"].shape, t["n"].dtype, t["m"].dtype, t["w"][1][0].item())
        print(io.safetensors_metadata(dir + "/a.safetensors"))
        io.save_checkpoint(dir + "/c.ckpt", models={net: net}, optimizers={opt: opt}, tensors={queue: w}, values={epoch: 3, lr: 0.1, tags: ["a", nil], cfg: {b: true}})
        let c = io.load_checkpoint(dir + "/c.ckpt", models={net: net2}, optimizers={opt: opt2})
        print(c["values"]["epoch"], c["values"]["lr"], c["values"]["tags"], c["values"]["cfg"], c["tensors"]["queue"].shape)
        io.save_npy(dir + "/x.npy", w)
        print(io.load_npy(dir + "/x.npy").sum().item())
        io.save_npz(dir + "/x.npz", {a: w, b: tensor([7])})
        let z = io.load_npz(dir + "/x.npz")
        print(z["b"].item(), z["a"].shape)
        """, file: "io.coreg")
        XCTAssertEqual(r.rendered, "")
        XCTAssertEqual(r.output, """
        [2, 2] int32 bool 3.0
        {"k": "v"}
        3 0.1 ["a", nil] {"b": true} [2, 2]
        10.5
        7 [2, 2]

        """)
        XCTAssertEqual(a.stateDict().map { $0.1.toFloats() }, b.stateDict().map { $0.1.toFloats() })
        XCTAssertEqual(optB.lr, 0.1)
        // errors name the problem
        _ = s.evaluate("io.load_checkpoint(dir + \"/c.ckpt\", models={encoder: net2})", file: "bad.coreg")
        XCTAssertTrue(r.rendered.contains("no model 'encoder' (saved models: net)"), r.rendered)
        _ = s.evaluate("io.save_checkpoint(dir + \"/d.ckpt\", models={net: w})", file: "bad2.coreg")
        XCTAssertTrue(r.rendered.contains("models[\"net\"] must be a model, got tensor"), r.rendered)
    }

    /// io.write_json / read_json / write_text / read_text: exact file text (sorted keys, slashes
    /// unescaped, trailing newline), a round trip, and errors that name the file.
    func testJSONAndTextFiles() throws {
        let dir = NSTemporaryDirectory() + "coreg-json-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = Recorder()
        let registry = coregRegistry()
        registry.setGlobal("dir", .string(dir))
        let s = Session(host: r.host, registry: registry)
        _ = s.evaluate("""
        io.write_json(dir + "/r.json", {subset: "out/a/b.npy", acc: 0.5, n: 3, ok: true, rows: [1, nil]}, indent = false)
        print(io.read_text(dir + "/r.json"))
        let back = io.read_json(dir + "/r.json")
        print(back.subset, back.acc, back.n, back.ok, back.rows)
        io.write_text(dir + "/bad.json", "{\\"a\\": ")
        """, file: "json.coreg")
        XCTAssertEqual(r.rendered, "")
        XCTAssertEqual(r.output, """
        {"acc":0.5,"n":3,"ok":true,"rows":[1,null],"subset":"out/a/b.npy"}

        out/a/b.npy 0.5 3 true [1, nil]

        """)
        _ = s.evaluate("io.read_json(dir + \"/bad.json\")", file: "bad.coreg")
        XCTAssertTrue(r.rendered.contains("bad.json"), r.rendered)
        _ = s.evaluate("io.read_json(dir + \"/missing.json\")", file: "missing.coreg")
        XCTAssertTrue(r.rendered.contains("missing.json"), r.rendered)
    }
}
