import Foundation
import XCTest
import Kernel

private func bits(_ t: Tensor) -> [UInt32] {
    switch t.dtype {
    case .float32: return t.toFloats().map { $0.bitPattern }
    case .int32: return t.toInts().map { UInt32(bitPattern: $0) }
    case .bool: return t.toBools().map { $0 ? 1 : 0 }
    }
}

// MARK: - safetensors

final class SafetensorsTests: XCTestCase {
    /// The file the Python side checks (scripts/fixtures/gen_safetensors.py --check).
    static func coregWrittenFile() throws -> Safetensors.File {
        let w = try Tensor((0..<6).map { Float(sin(0.5 * Double($0))) }, shape: [2, 3])
        return Safetensors.File(tensors: [
            ("weights", w),
            ("labels", try Tensor(ints: [3, -1, Int32.max, Int32.min], shape: [4])),
            ("mask", try Tensor(bools: [true, false, true], shape: [1, 3])),
            ("scalar", Tensor(2.5)),
            ("empty", try Tensor.zeros([0, 4])),
            ("name/with.dots", Tensor([1])),
        ], metadata: ["epoch": "3", "note": "héllo \"q\" \\ \n"])
    }

    func testRoundTripAndCommittedCoRegFile() throws {
        let file = try Self.coregWrittenFile()
        let bytes = try Safetensors.encode(file)
        let hlen = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual(hlen % 8, 0, "header padded to 8 bytes")
        let back = try Safetensors.decode(bytes, file: "mem")
        XCTAssertEqual(back.names, file.names)
        XCTAssertEqual(back.metadata, file.metadata)
        for ((_, a), (_, b)) in zip(file.tensors, back.tensors) {
            XCTAssertEqual(a.shape, b.shape)
            XCTAssertEqual(a.dtype, b.dtype)
            XCTAssertEqual(bits(a), bits(b))
        }
        // a non-contiguous view is written in row-major order
        let t = try Tensor((0..<6).map { Float($0) }, shape: [2, 3]).permute([1, 0])
        let v = try Safetensors.decode(try Safetensors.encode(.init(tensors: [("t", t)])))
        XCTAssertEqual(v["t"]?.toFloats(), [0, 3, 1, 4, 2, 5])
        // the committed copy (checked with Python's safetensors by gen_safetensors.py --check)
        let path = fixture("st_coreg_written.safetensors")
        if ProcessInfo.processInfo.environment["COREG_WRITE_FIXTURES"] == "1" { try Safetensors.save(file, to: path) }
        XCTAssertEqual(try fixtureBytes("st_coreg_written.safetensors"), bytes, "encoding is deterministic and unchanged")
    }

    func testReadsEveryDtypeWrittenByPython() throws {
        let f = try Safetensors.load(fixture("st_dtypes.safetensors"))
        XCTAssertEqual(f.metadata, ["note": "gen_safetensors.py: héllo \"quoted\" \\ /"])
        XCTAssertEqual(f["f32"]?.toFloats(), [1.5, -2.25, 3.0, 0.1, 1e-30, -0.0])
        XCTAssertEqual(f["f32"]?.shape, [2, 3])
        XCTAssertEqual(f["f64"]?.toFloats(), [0.1, -.infinity, 2.5])
        XCTAssertEqual(f["f16"]?.toFloats(), [1.0, -0.5, 65504.0, 6.103515625e-05])
        XCTAssertEqual(f["bf16"]?.toFloats(), [1.0, -3.140625, Float(bitPattern: 0x7e96_0000), 0.0078125])  // 1e38 as bf16
        XCTAssertEqual(f["i64"]?.toInts(), [-5, Int32.max, Int32.min])
        XCTAssertEqual(f["i32"]?.toInts(), [7, -8, 9, Int32.max])
        XCTAssertEqual(f["i16"]?.toInts(), [-32768, 32767])
        XCTAssertEqual(f["i8"]?.toInts(), [-128, 127, 0])
        XCTAssertEqual(f["u8"]?.toInts(), [0, 200, 255])
        XCTAssertEqual(f["u16"]?.toInts(), [0, 65535])
        XCTAssertEqual(f["u32"]?.toInts(), [0, 4_000_000])
        XCTAssertEqual(f["u64"]?.toInts(), [0, Int32.max])
        XCTAssertEqual(f["bool"]?.toBools(), [true, false, false, true])
        XCTAssertEqual(f["bool"]?.dtype, .bool)
        XCTAssertEqual(f["scalar"]?.shape, [])
        XCTAssertEqual(f["empty"]?.shape, [0, 3])
        XCTAssertThrowsError(try Safetensors.load(fixture("st_i64_overflow.safetensors"))) { e in
            XCTAssertTrue(e is DataFormatError, "\(e)")
            XCTAssertTrue("\(e)".contains("st_i64_overflow.safetensors: byte") && "\(e)".contains("fit int32, found 1099511627776"), "\(e)")
        }
    }

    /// A PyTorch cnn_small twin's state_dict exported with safetensors.torch.save_file loads into
    /// CNNSmall with the identity name mapping (int64 num_batches_tracked read as int32), and
    /// gives PyTorch's eval-mode outputs.
    func testImportsPyTorchCNNSmallStateDict() throws {
        let f = try Safetensors.load(fixture("st_cnn_small.safetensors"))
        let model = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 5))
        XCTAssertEqual(f.names.sorted(), model.stateDict().map { $0.0 }.sorted())
        try model.loadStateDict(f.dictionary)
        XCTAssertEqual(try model.stateDict().first { $0.0 == "features.1.num_batches_tracked" }?.1.item(), 3)
        model.eval()
        let io = try Safetensors.load(fixture("st_cnn_small_io.safetensors"))
        let (logits, feature) = try model.forwardWithFeature(XCTUnwrap(io["x"]))
        for (got, want) in [(logits, try XCTUnwrap(io["logits"])), (feature, try XCTUnwrap(io["feature"]))] {
            XCTAssertEqual(got.shape, want.shape)
            let scale = want.toFloats().map { abs($0) }.max()!
            let err = zip(got.toFloats(), want.toFloats()).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(err, 1e-4 * scale + 1e-6, "max |Δ| \(err) vs scale \(scale)")
        }
    }

    func testHeaderErrorsNameFileAndOffset() throws {
        let good = try Safetensors.encode(.init(tensors: [("a", Tensor([1, 2])), ("b", Tensor([3]))]))
        func header(_ json: String, data: Int = 0) -> [UInt8] {
            var b = [UInt8]()
            var n = UInt64(json.utf8.count)
            withUnsafeBytes(of: &n) { b += $0 }
            return b + Array(json.utf8) + [UInt8](repeating: 0, count: data)
        }
        let cases: [([UInt8], String)] = [
            (Array(good.prefix(5)), "byte 0: expected an 8-byte header length"),
            (Array(good.prefix(40)), "byte 0: expected a header length of at most 32 bytes"),
            (header("[1]"), "byte 8: expected a JSON object header starting with '{'"),
            (header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", data: 4), "expected ',' or '}' in the JSON header"),
            (header("{\"a\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: 4), "byte 22: expected a supported dtype for tensor 'a'"),
            (header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: 4), "expected 8 bytes for tensor 'a' (F32 [2]), found data_offsets [0, 4]"),
            (header("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", data: 4), "expected a non-negative integer dimension for tensor 'a', found -1"),
            (header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: 8), "expected a data section of 4 bytes"),
            (header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data: 8), "expected tensor 'a' to start at data offset 0"),
            (header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{}}", data: 4), "expected unique keys"),
            (header("{\"__metadata__\":{\"k\":1}}"), "expected a string value for __metadata__ 'k'"),
            (header(String(repeating: "[", count: 100)), "expected a JSON object header"),
            (header("{\"a\":" + String(repeating: "[", count: 100) + "}"), "levels of nesting"),
            (header("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999,99999999999],\"data_offsets\":[0,4]}}", data: 4), "expected a shape of at most"),
        ]
        for (bytes, message) in cases {
            XCTAssertThrowsError(try Safetensors.decode(bytes, file: "bad.safetensors")) { e in
                XCTAssertTrue(e is DataFormatError, "\(e)")
                XCTAssertTrue("\(e)".hasPrefix("bad.safetensors: "), "\(e)")
                XCTAssertTrue("\(e)".contains(message), "\(e)\n  wanted: \(message)")
            }
        }
        XCTAssertThrowsError(try Safetensors.load("/nonexistent/x.safetensors")) { XCTAssertTrue($0 is FileIOError, "\($0)") }
    }

    /// 10,000 seeded mutations of two valid files (one from Python, one checkpoint from CoReg),
    /// decoded in memory: each must decode or throw DataFormatError, never crash or throw
    /// anything else.
    func testFuzzDecode() throws {
        let bases = [try fixtureBytes("st_dtypes.safetensors"), try CheckpointTests.smallCheckpointBytes()]
        let rng = RNG(seed: 20_240_611)
        var decoded = 0, rejected = 0
        let n = 10_000
        for i in 0..<n {
            let m = CheckpointTests.mutate(bases[i % 2], rng)
            do { _ = try Safetensors.decode(m, file: "fuzz"); decoded += 1 } catch is DataFormatError { rejected += 1 } catch {
                XCTFail("mutation \(i): unexpected \(type(of: error)): \(error)")
            }
        }
        XCTAssertEqual(decoded + rejected, n)
        XCTAssertGreaterThan(rejected, n / 2)
        print("safetensors fuzz: \(n) mutated files, \(rejected) rejected with DataFormatError, \(decoded) decoded, 0 crashes")
    }
}

// MARK: - checkpoints

final class CheckpointTests: XCTestCase {
    static func smallCheckpointBytes() throws -> [UInt8] {
        let m = MLP(inputDim: 4, hidden: [3], classes: 2, rng: RNG(seed: 1))
        let opt = try SGD(m.parameters(), lr: 0.1, momentum: 0.9)
        let x = try Tensor((0..<8).map { Float($0) * 0.1 }, shape: [2, 4])
        try Losses.crossEntropy(m(x), Tensor(ints: [0, 1])).backward()
        try opt.step()
        return try Checkpoint.encode(modules: [("net", m)], optimizers: [("opt", opt)], rngs: [("data", RNG(seed: 3))],
                                     tensors: [("queue", try Tensor.zeros([2, 3])), ("mask", try Tensor(bools: [true], shape: [1]))],
                                     values: ["epoch": .int(1), "loss": .double(0.25)])
    }

    /// Seeded mutation: byte flips (mostly in the header), truncation, insertion, deletion,
    /// header-length edits, digit rewrites in the JSON.
    static func mutate(_ base: [UInt8], _ rng: RNG) -> [UInt8] {
        var b = base
        let hlen = min(Int(b[0]) | Int(b[1]) << 8 | Int(b[2]) << 16, b.count - 8)
        let rounds = 1 + rng.nextInt(below: 3)
        for _ in 0..<rounds {
            guard !b.isEmpty else { break }
            switch rng.nextInt(below: 8) {
            case 0, 1:  // flip a byte in the header
                let i = min(b.count - 1, rng.nextInt(below: max(1, hlen + 8)))
                b[i] ^= UInt8(1 + rng.nextInt(below: 255))
            case 2:  // flip a byte anywhere
                b[rng.nextInt(below: b.count)] ^= UInt8(1 + rng.nextInt(below: 255))
            case 3:  // truncate
                b = Array(b.prefix(rng.nextInt(below: b.count)))
            case 4:  // insert bytes
                let at = rng.nextInt(below: b.count + 1)
                b.insert(contentsOf: (0..<(1 + rng.nextInt(below: 8))).map { _ in UInt8(rng.nextInt(below: 256)) }, at: at)
            case 5:  // delete a run
                let at = rng.nextInt(below: b.count)
                b.removeSubrange(at..<min(b.count, at + 1 + rng.nextInt(below: 16)))
            case 6:  // rewrite the header length
                if b.count >= 8 { b[rng.nextInt(below: 8)] = UInt8(rng.nextInt(below: 256)) }
            default:  // rewrite a digit or a JSON structural character in the header
                let i = 8 + rng.nextInt(below: max(1, min(hlen, b.count - 8)))
                if i < b.count {
                    let choices = Array("0123456789-.eE[]{},:\"9".utf8)
                    b[i] = choices[rng.nextInt(below: choices.count)]
                }
            }
        }
        return b
    }

    func testSaveLoadEverything() throws {
        let dir = try makeTempDir("ckpt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/run.ckpt"
        let net = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 1))
        let head = ProjectionHead(128, outDim: 16, rng: RNG(seed: 2))
        let opt = try Adam(net.parameters() + head.parameters(), lr: 1e-3)
        let x = try Tensor((0..<(2 * 28 * 28)).map { Float(sin(Double($0))) }, shape: [2, 1, 28, 28])
        let (logits, feat) = try net.forwardWithFeature(x)
        try (logits.sum() + head(feat).sum()).backward()
        try opt.step()
        opt.setLR(0.0005)
        let rng = RNG(seed: 9)
        _ = rng.nextUInt32()
        let values: [String: CheckpointValue] = ["epoch": .int(7), "lr": .double(0.1 + 0.2), "name": .string("co-reg \"x\""),
                                                 "nan": .double(.nan), "inf": .double(-.infinity), "flags": .list([.bool(true), .null]),
                                                 "cfg": .dict(["k": .int(-3), "tiny": .double(5e-324)])]
        let history = try Tensor([0.5, 0.25, 0.125], shape: [3])
        try Checkpoint.save(path, modules: [("net", net), ("head", head)], optimizers: [("opt", opt)], rngs: [("data", rng)],
                            tensors: [("gmm_loss_history", history), ("queue", try Tensor.zeros([4, 16])), ("labels", Tensor(ints: [1, 2]))],
                            values: values)
        // for the Python check (gen_safetensors.py --checkpoint PATH); CI does not set it
        if let keep = ProcessInfo.processInfo.environment["COREG_CHECKPOINT_OUT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: path, toPath: keep)
        }
        let net2 = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 11))
        let head2 = ProjectionHead(128, outDim: 16, rng: RNG(seed: 12))
        let opt2 = try Adam(net2.parameters() + head2.parameters(), lr: 1e-3)
        let rng2 = RNG(seed: 0)
        let c = try Checkpoint.load(path, modules: [("net", net2), ("head", head2)], optimizers: [("opt", opt2)], rngs: [("data", rng2)])
        for (a, b) in [(net as Module, net2 as Module), (head, head2)] {
            XCTAssertEqual(a.stateDict().map { bits($0.1) }, b.stateDict().map { bits($0.1) })
        }
        XCTAssertEqual(opt.stateTensors().map { $0.0 }, opt2.stateTensors().map { $0.0 })
        XCTAssertEqual(opt.stateTensors().map { bits($0.1) }, opt2.stateTensors().map { bits($0.1) })
        XCTAssertEqual(opt2.lr, 0.0005)
        XCTAssertEqual(rng.nextUInt32(), rng2.nextUInt32())
        XCTAssertEqual(c.values, values)
        XCTAssertEqual(c.tensorNames, ["gmm_loss_history", "queue", "labels"])
        XCTAssertEqual(c.tensors["gmm_loss_history"].map(bits), bits(history))
        XCTAssertEqual(c.tensors["labels"]?.dtype, .int32)
        XCTAssertEqual(c.modules, ["head", "net"])
        XCTAssertEqual(c.optimizers, ["opt"])
        XCTAssertEqual(c.rngStates["data"]?.count, 3)
    }

    /// Mismatches are named, and nothing is changed when a checkpoint does not fit.
    func testMismatchesAreNamedAndLeaveStateAlone() throws {
        let dir = try makeTempDir("ckpt-mismatch")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.ckpt"
        let net = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 1))
        let opt = try SGD(net.parameters(), lr: 0.1, momentum: 0.9)
        try Checkpoint.save(path, modules: [("net", net)], optimizers: [("opt", opt)], rngs: [("r", RNG(seed: 1))])
        func expect(_ what: String, file: String? = nil, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body()) { e in
                XCTAssertTrue(e is CheckpointError, "\(e)")
                XCTAssertTrue("\(e)".contains(what), "\(e)\n  wanted: \(what)")
                XCTAssertTrue("\(e)".hasPrefix(file ?? path), "\(e)")
            }
        }
        let other = CNNSmall(inChannels: 3, classes: 10, rng: RNG(seed: 2))
        let before = other.stateDict().map { bits($0.1) }
        let otherOpt = try SGD(other.parameters(), lr: 0.1, momentum: 0.9)
        expect("model 'net' (saved as CNNSmall, loading into CNNSmall): 'features.0.weight': expected shape [32, 3, 3, 3], found [32, 1, 3, 3]") {
            try Checkpoint.load(path, modules: [("net", other)], optimizers: [("opt", otherOpt)])
        }
        XCTAssertEqual(other.stateDict().map { bits($0.1) }, before, "a failed load changes nothing")
        expect("model 'net' (saved as CNNSmall, loading into MLP): missing 'body.0.weight'") {
            try Checkpoint.load(path, modules: [("net", MLP(inputDim: 4, classes: 2))])
        }
        expect("no model 'encoder' (saved models: net)") { try Checkpoint.load(path, modules: [("encoder", net)]) }
        expect("optimizer 'opt': saved as SGD, loading into Adam") {
            try Checkpoint.load(path, optimizers: [("opt", try Adam(net.parameters()))])
        }
        expect("optimizer 'opt': group 0: expected 9 parameters, found 14") {
            try Checkpoint.load(path, optimizers: [("opt", try SGD(Array(net.parameters().prefix(9)), lr: 0.1))])
        }
        expect("no RNG state 'data' (saved: r)") { try Checkpoint.load(path, rngs: [("data", RNG(seed: 0))]) }
        // wrong dtype: a checkpoint whose BN counter was saved as float32
        let bad = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 1))
        var sd = bad.stateDict()
        sd = sd.map { $0.0.hasSuffix("num_batches_tracked") ? ($0.0, Tensor(0)) : $0 }
        let fake = FakeModule(sd)
        let p2 = dir + "/dtype.ckpt"
        try Checkpoint.save(p2, modules: [("net", fake)])
        XCTAssertThrowsError(try Checkpoint.load(p2, modules: [("net", net)])) { e in
            XCTAssertTrue("\(e)".contains("'features.1.num_batches_tracked': expected dtype int32, found float32"), "\(e)")
        }
        // a plain safetensors file is not a checkpoint
        let p3 = dir + "/plain.safetensors"
        try Safetensors.save([("a", Tensor([1]))], to: p3)
        expect("not a CoReg checkpoint", file: p3) { try Checkpoint.load(p3) }
    }

    /// Truncated, corrupted (header and data), wrong-shape and unknown-dtype files: clear errors.
    func testBadCheckpointFiles() throws {
        let good = try Self.smallCheckpointBytes()
        let m = MLP(inputDim: 4, hidden: [3], classes: 2)
        func load(_ b: [UInt8]) throws { try Checkpoint.load(bytes: b, file: "bad.ckpt", modules: [("net", m)]) }
        XCTAssertNoThrow(try load(good))
        let hlen = Int(good[0]) | Int(good[1]) << 8
        for cut in [0, 7, 8, 9, 8 + hlen / 2, 8 + hlen, good.count - 1] {
            XCTAssertThrowsError(try load(Array(good.prefix(cut)))) { e in
                XCTAssertTrue(e is DataFormatError && "\(e)".hasPrefix("bad.ckpt: byte"), "truncated at \(cut): \(e)")
            }
        }
        // a flipped bit in tensor data, or in a header value that still parses, is caught by the CRC
        for at in [good.count - 20, 8 + hlen + 3] {
            var b = good
            b[at] ^= 0x10
            XCTAssertThrowsError(try load(b)) { e in
                XCTAssertTrue("\(e)".contains("the checkpoint is corrupted"), "\(e)")
            }
        }
        var lr = good
        let text = String(decoding: lr[8..<(8 + hlen)], as: UTF8.self)
        let r = try XCTUnwrap(text.range(of: "\\\"lr\\\":0.1"))
        lr[8 + text.utf8.distance(from: text.startIndex, to: r.upperBound) - 1] = UInt8(ascii: "3")
        XCTAssertThrowsError(try load(lr)) { XCTAssertTrue("\($0)".contains("the checkpoint is corrupted"), "\($0)") }
        // header structure
        var brace = good
        brace[8] = UInt8(ascii: "[")
        XCTAssertThrowsError(try load(brace)) { XCTAssertTrue("\($0)".contains("bad.ckpt: byte 8: expected a JSON object header"), "\($0)") }
        func edited(_ from: String, _ to: String) throws -> [UInt8] {
            let h = String(decoding: good[8..<(8 + hlen)], as: UTF8.self)
            XCTAssertTrue(h.contains(from), from)
            let nh = Array(h.replacingOccurrences(of: from, with: to).utf8)
            XCTAssertEqual(nh.count, hlen)
            return Array(good.prefix(8)) + nh + good[(8 + hlen)...]
        }
        // unknown dtype
        XCTAssertThrowsError(try load(try edited("\"dtype\":\"F32\"", "\"dtype\":\"F8Z\""))) { e in
            XCTAssertTrue(e is DataFormatError && "\(e)".contains("expected a supported dtype for tensor"), "\(e)")
            XCTAssertTrue("\(e)".contains("found 'F8Z'"), "\(e)")
        }
        // wrong shape (byte count no longer matches)
        XCTAssertThrowsError(try load(try edited("\"shape\":[3,4]", "\"shape\":[4,3]"))) { e in
            XCTAssertTrue("\(e)".contains("corrupted") || "\(e)".contains("expected shape"), "\(e)")
        }
        XCTAssertThrowsError(try load(try edited("\"shape\":[3,4]", "\"shape\":[3,5]"))) { e in
            XCTAssertTrue(e is DataFormatError && "\(e)".contains("expected 60 bytes for tensor 'model/net/body.0.weight' (F32 [3, 5]), found data_offsets"), "\(e)")
        }
    }

    /// A writer killed before its rename leaves `.NAME.tmp-PID-…`; the next write of NAME removes
    /// the temporaries of processes that are gone, and keeps those of live ones and of other files.
    func testStaleTemporariesAreRemoved() throws {
        let dir = try makeTempDir("stale-tmp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let dead = gone.processIdentifier, live = getppid()
        let names = [".a.json.tmp-\(dead)-1", ".a.json.tmp-\(live)-2", ".b.json.tmp-\(dead)-3", "a.json.tmp-\(dead)-4"]
        for n in names { XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/" + n, contents: Data([1, 2]))) }
        try AtomicFile.write("{}", to: dir + "/a.json")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        XCTAssertEqual(left, Set(["a.json"] + names.dropFirst()), "only the dead writer's temporary of a.json goes")
    }

    /// A write that fails midway leaves the earlier checkpoint intact under its final name, and
    /// no partial or temporary file behind.
    func testFailedWriteKeepsPreviousCheckpoint() throws {
        let dir = try makeTempDir("ckpt-atomic")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.ckpt"
        let net = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: 1))
        try Checkpoint.save(path, modules: [("net", net)], values: ["epoch": .int(1)])
        let first = try Data(contentsOf: URL(fileURLWithPath: path))
        for p in net.parameters() { try Tensor.noGrad { try p.assign(p + Tensor(1)) } }
        AtomicFile.failAfterBytesForTesting = 100_000
        defer { AtomicFile.failAfterBytesForTesting = nil }
        XCTAssertThrowsError(try Checkpoint.save(path, modules: [("net", net)], values: ["epoch": .int(2)])) { e in
            XCTAssertTrue(e is FileIOError && "\(e)".contains("injected failure"), "\(e)")
        }
        AtomicFile.failAfterBytesForTesting = nil
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), first, "the earlier checkpoint is intact")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["model.ckpt"], "no temporary file left")
        let c = try Checkpoint.load(path, modules: [("net", CNNSmall(inChannels: 1, classes: 10))])
        XCTAssertEqual(c.values["epoch"], .int(1))
        // the next successful write replaces it
        try Checkpoint.save(path, modules: [("net", net)], values: ["epoch": .int(2)])
        XCTAssertEqual(try Checkpoint.load(path).values["epoch"], .int(2))
    }

    /// Mutated checkpoints through the file path (and the full loader with a model, optimiser and
    /// RNG): errors only, never a crash.
    func testFuzzCheckpointFiles() throws {
        let dir = try makeTempDir("ckpt-fuzz")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = try Self.smallCheckpointBytes()
        let rng = RNG(seed: 77)
        var rejected = 0
        let n = 300
        for i in 0..<n {
            let p = dir + "/f\(i).ckpt"
            try Data(Self.mutate(base, rng)).write(to: URL(fileURLWithPath: p))
            let m = MLP(inputDim: 4, hidden: [3], classes: 2)
            do {
                try Checkpoint.load(p, modules: [("net", m)], optimizers: [("opt", try SGD(m.parameters(), lr: 0.1, momentum: 0.9))],
                                    rngs: [("data", RNG(seed: 0))])
            } catch is DataFormatError { rejected += 1 } catch is CheckpointError { rejected += 1 } catch {
                XCTFail("file \(i): unexpected \(type(of: error)): \(error)")
            }
        }
        XCTAssertGreaterThan(rejected, n * 9 / 10)
        print("checkpoint file fuzz: \(n) files, \(rejected) rejected, 0 crashes")
    }

    // MARK: exact resume

    struct EpochLog: Equatable {
        var lossBits: [UInt32] = []
        var correct = 0
    }

    /// One epoch of cnn_small on `images`/`labels`: shuffled by `rng`, batches of 64, SGD.
    static func trainEpoch(_ model: CNNSmall, _ opt: Optimizer, _ rng: RNG, _ images: Tensor, _ labels: [Int32]) throws -> EpochLog {
        var order = Array(0..<labels.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
        var log = EpochLog()
        model.train()
        for start in stride(from: 0, to: order.count, by: 64) {
            let idx = Array(order[start..<min(start + 64, order.count)])
            let x = try images.indexSelect(axis: 0, index: Tensor(ints: idx.map(Int32.init), shape: [idx.count]))
            let y = try Tensor(ints: idx.map { labels[$0] }, shape: [idx.count])
            let logits = try model(x)
            let loss = try Losses.crossEntropy(logits, y)
            opt.zeroGrad()
            try loss.backward()
            try opt.step()
            log.lossBits.append(Float(try loss.item()).bitPattern)
            log.correct += Int(try logits.argmax(axis: 1).eq(y).sum().item())
        }
        return log
    }

    /// Train 2 epochs straight; separately, train 1 epoch, checkpoint, load into fresh objects
    /// and train epoch 2: the final weights, buffers, optimiser state and epoch-2 losses and
    /// accuracy are bitwise identical.
    func testExactResume() throws {
        let data = try Dataset.embedded().train
        let n = 512
        let images = try data.images(at: Array(0..<n))
        let labels = Array(data.labels.prefix(n))
        let dir = try makeTempDir("ckpt-resume")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/epoch1.ckpt"
        func fresh(_ seed: UInt64) throws -> (CNNSmall, SGD, RNG) {
            let m = CNNSmall(inChannels: 1, classes: 10, rng: RNG(seed: seed))
            return (m, try SGD(m.parameters(), lr: 0.05, momentum: 0.9, weightDecay: 5e-4), RNG(seed: seed &+ 100))
        }
        // run A: never stopped
        let (a, optA, rngA) = try fresh(1)
        let a1 = try Self.trainEpoch(a, optA, rngA, images, labels)
        let a2 = try Self.trainEpoch(a, optA, rngA, images, labels)
        // run B: epoch 1, checkpoint, then a new process's worth of objects (other seeds) resumes
        let (b, optB, rngB) = try fresh(1)
        let b1 = try Self.trainEpoch(b, optB, rngB, images, labels)
        XCTAssertEqual(a1, b1, "epoch 1 is deterministic")
        try Checkpoint.save(path, modules: [("net", b)], optimizers: [("opt", optB)], rngs: [("shuffle", rngB)],
                            tensors: [("loss_history", try Tensor(b1.lossBits.map { Float(bitPattern: $0) }, shape: [b1.lossBits.count]))],
                            values: ["epoch": .int(1), "correct": .int(b1.correct)])
        let (c, optC, rngC) = try fresh(42)
        let contents = try Checkpoint.load(path, modules: [("net", c)], optimizers: [("opt", optC)], rngs: [("shuffle", rngC)])
        XCTAssertEqual(contents.values["epoch"], .int(1))
        XCTAssertEqual(contents.tensors["loss_history"].map(bits), b1.lossBits)
        let c2 = try Self.trainEpoch(c, optC, rngC, images, labels)

        XCTAssertEqual(c2, a2, "epoch-2 losses and accuracy")
        let sa = a.stateDict(), sc = c.stateDict()
        XCTAssertEqual(sa.map { $0.0 }, sc.map { $0.0 })
        var compared = 0
        for ((name, x), (_, y)) in zip(sa, sc) {
            XCTAssertEqual(bits(x), bits(y), "\(name) differs bitwise")
            compared += x.count
        }
        XCTAssertEqual(optA.stateTensors().map { bits($0.1) }, optC.stateTensors().map { bits($0.1) })
        XCTAssertEqual(rngA.state, rngC.state)
        XCTAssertNotEqual(a1.lossBits, a2.lossBits)
        print("exact resume: \(sa.count) state entries (\(compared) values) bitwise equal; epoch 2 losses \(a2.lossBits.map { Float(bitPattern: $0) }), accuracy \(a2.correct)/\(n)")
    }

    // MARK: Adam step counts

    /// A parameter without a gradient keeps its own step count (PyTorch's state["step"]); its
    /// first update uses the bias correction of step 1.
    func testAdamCountsStepsPerParameter() throws {
        let w = try Tensor([0.5, -1.0], shape: [2]).requiresGrad()
        let v = try Tensor([2.0], shape: [1]).requiresGrad()
        let opt = try Adam([w, v], lr: 0.1)
        for _ in 0..<3 {
            opt.zeroGrad()
            try (w * w).sum().backward()
            try opt.step()
        }
        XCTAssertEqual(opt.stepCount(param: 0), 3)
        XCTAssertEqual(opt.stepCount(param: 1), 0)
        XCTAssertEqual(opt.stateTensors().map { $0.0 }, ["adam.g0.p0.exp_avg", "adam.g0.p0.exp_avg_sq", "adam.g0.p0.step"])
        opt.zeroGrad()
        try ((w * w).sum() + (v * v).sum()).backward()
        try opt.step()
        XCTAssertEqual(opt.stepCount(param: 0), 4)
        XCTAssertEqual(opt.stepCount(param: 1), 1)
        // step 1 for v: m̂ = g, v̂ = g², so the update is lr·g/(|g| + eps)
        let g: Float = 4
        let expected: Float = 2 - 0.1 * g / (g + 1e-8)
        XCTAssertEqual(v.toFloats()[0], expected, accuracy: 1e-6)
        XCTAssertEqual(v.toFloats()[0], 1.9, accuracy: 1e-5)
        // torch.optim.Adam on the same problem (PyTorch 2.13): v = 1.899999976158142,
        // w = [0.11291538923978806, -0.6039391160011292], state steps 4 and 1
        XCTAssertEqual(v.toFloats()[0], 1.899999976158142, accuracy: 1e-6)
        XCTAssertEqual(w.toFloats()[0], 0.11291538923978806, accuracy: 1e-6)
        XCTAssertEqual(w.toFloats()[1], -0.6039391160011292, accuracy: 1e-6)
        // the per-parameter counts survive a state round trip
        let w2 = try Tensor([0.5, -1.0], shape: [2]).requiresGrad(), v2 = try Tensor([2.0], shape: [1]).requiresGrad()
        let opt2 = try Adam([w2, v2], lr: 0.1)
        try opt2.loadState(Dictionary(uniqueKeysWithValues: opt.stateTensors()))
        XCTAssertEqual(opt2.stepCount(param: 0), 4)
        XCTAssertEqual(opt2.stepCount(param: 1), 1)
        XCTAssertEqual(try opt.stateTensors().first { $0.0 == "adam.g0.p1.step" }?.1.item(), 1)
    }
}

/// A module with a given state dict (to write checkpoints with the wrong dtype).
private final class FakeModule: Module {
    init(_ entries: [(String, Tensor)]) {
        super.init()
        for (k, t) in entries { addBuffer(k, t) }
    }
    override func makeCopy() -> Module { FakeModule(stateDict()) }
}
