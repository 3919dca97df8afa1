import Foundation
import XCTest
import Kernel

final class AnnotateTests: XCTestCase {
    // Two samples, three templates, four classes (hand-computed in the comments).
    // sample 0: t0 → 0, t1 → 1, t2 → 0; average [0.5, 0.2667, 0.1333, 0.1]
    // sample 1: t0 → 3, t1 → 3, t2 → 2; average [0.1, 0.1, 0.3, 0.5]
    let probs: [Float] = [
        0.7, 0.1, 0.1, 0.1,  0.2, 0.5, 0.2, 0.1,  0.6, 0.2, 0.1, 0.1,
        0.1, 0.1, 0.1, 0.7,  0.1, 0.1, 0.1, 0.7,  0.1, 0.1, 0.7, 0.1,
    ]

    func sets(_ a: Annotation) -> [[Int]] { (0..<a.count).map { a.candidateSet($0) } }

    func testUnionTopKRatioSoft() throws {
        let u = try CandidateRules.fromScores(probs, n: 2, t: 3, c: 4, logits: false, rule: .union)
        XCTAssertEqual(sets(u), [[0, 1], [2, 3]])
        XCTAssertEqual(u.templateArgmax!, [0, 1, 0, 3, 3, 2])
        XCTAssertEqual(Double(u.avgProbs![1]), 0.8 / 3, accuracy: 1e-6)
        XCTAssertEqual(sets(try CandidateRules.fromScores(probs, n: 2, t: 3, c: 4, logits: false, rule: .topK(1))), [[0], [3]])
        XCTAssertEqual(sets(try CandidateRules.fromScores(probs, n: 2, t: 3, c: 4, logits: false, rule: .topK(2))), [[0, 1], [2, 3]])
        XCTAssertEqual(sets(try CandidateRules.fromScores(probs, n: 2, t: 3, c: 4, logits: false, rule: .topK(9))), [[0, 1, 2, 3], [0, 1, 2, 3]])
        // p ≥ r·p_max on the average: r = 0.5 → thresholds 0.25 / 0.25; r = 0.7 → 0.35 / 0.35.
        XCTAssertEqual(sets(try CandidateRules.fromScores(probs, n: 2, t: 3, c: 4, logits: false, rule: .ratio(0.5))), [[0, 1], [2, 3]])
        XCTAssertEqual(sets(try CandidateRules.fromScores(probs, n: 2, t: 3, c: 4, logits: false, rule: .ratio(0.7))), [[0], [3]])
        let s = try CandidateRules.fromScores(probs, n: 2, t: 3, c: 4, logits: false, rule: .soft)
        XCTAssertEqual(sets(s), [[0], [3]])
        let expectedAvg: [Double] = [0.5, 0.8 / 3, 0.4 / 3, 0.1, 0.1, 0.1, 0.3, 0.5]
        for (x, e) in zip(s.avgProbs!, expectedAvg) { XCTAssertEqual(Double(x), e, accuracy: 1e-6) }
        // Logits: log-probabilities give the same sets and probabilities back.
        let l = try CandidateRules.fromScores(probs.map { logf($0) + 3 }, n: 2, t: 3, c: 4, logits: true, rule: .union)
        XCTAssertEqual(sets(l), [[0, 1], [2, 3]])
        for (x, e) in zip(l.templateProbs!, probs) { XCTAssertEqual(x, e, accuracy: 1e-5) }
        // Tensor entry point and rule parsing.
        let tt = try CandidateRules.fromScores(try Tensor(probs, shape: [2, 3, 4]), logits: false, rule: try CandidateRule.parse("multi_prompt"))
        XCTAssertEqual(sets(tt), [[0, 1], [2, 3]])
        XCTAssertEqual(try CandidateRule.parse("topk", k: 3), .topK(3))
        XCTAssertEqual(try CandidateRule.parse("prob_ratio_thres", r: 0.4), .ratio(0.4))
        XCTAssertThrowsError(try CandidateRule.parse("vote"))
        XCTAssertThrowsError(try CandidateRules.fromScores([1, 2], n: 1, t: 1, c: 3, logits: false, rule: .union))
    }

    func testEmbeddings() throws {
        // cos(image0, class0) = 1, cos(image0, class1) = 0.6; image1: 0 and 0.8.
        let img = try Tensor([[2, 0], [0, 5]] as [[Float]])
        let txt = try Tensor([1, 0, 0.6, 0.8], shape: [1, 2, 2])
        let a = try CandidateRules.fromEmbeddings(image: img, text: txt, logitScale: 10)
        XCTAssertEqual(sets(a), [[0], [1]])
        // softmax(10·[1, 0.6]) = [1/(1+e^-4), …]
        XCTAssertEqual(Double(a.templateProbs![0]), 1 / (1 + exp(-4.0)), accuracy: 1e-5)
        XCTAssertEqual(Double(a.templateProbs![3]), 1 / (1 + exp(-8.0)), accuracy: 1e-5)
    }

    func testPromptsAndClassNames() {
        XCTAssertEqual(PromptTemplates.small.count, 27)
        XCTAssertEqual(PromptTemplates.imagenet80.count, 80)
        XCTAssertEqual(Set(PromptTemplates.imagenet80).count, 80)
        XCTAssertTrue(PromptTemplates.imagenet80.allSatisfy { $0.contains("{}") && $0.hasSuffix(".") })
        XCTAssertEqual(PromptTemplates.small[0], "a photo of a {}")
        XCTAssertEqual(PromptTemplates.fill(PromptTemplates.small[0], "Coat"), "a photo of a Coat")
        XCTAssertEqual(PromptTemplates.named("small").count, 27)
        XCTAssertEqual(PromptTemplates.named("imagenet").count, 80)
        for d in ClassNames.paperDatasets { XCTAssertNotNil(ClassNames.forDataset(d), d) }
        XCTAssertEqual(ClassNames.forDataset("svhn")?.first, "number 0")
        XCTAssertEqual(ClassNames.forDataset("fer2013")?[3], "Happy Facial Expression")
        XCTAssertEqual(ClassNames.forDataset("gtsrb")?.count, 43)
        XCTAssertEqual(ClassNames.forDataset("gtsrb")?[14], "German Traffic Sign: Stop")
        XCTAssertEqual(PromptTemplates.prompts(templates: ["a {}"], classes: ["x", "y"]), [["a x", "a y"]])
    }

    func testStatisticsKnownAnswers() throws {
        // labels 0,1,2,0; S = {0,1}, {0}, {2}, {}.
        let cand: [UInt8] = [1, 1, 0,  1, 0, 0,  0, 0, 1,  0, 0, 0]
        let a = try Annotation(count: 4, classCount: 3, candidates: cand, templateCount: 2,
                               templateArgmax: [0, 1,  0, 0,  2, 2,  1, 1])
        let s = try AnnotationStats(a, labels: [0, 1, 2, 0])
        XCTAssertEqual(s.avgCandidates, 1.0, accuracy: 1e-12)
        XCTAssertEqual(s.noiseRate, 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.noiseRatePerClass, [0.5, 1.0, 0.0])
        XCTAssertEqual(s.setSizeHistogram, [1, 2, 1, 0])
        XCTAssertEqual(s.emptySets, 1)
        XCTAssertEqual(s.noiseConfusion, [0, 0, 0,  1, 0, 0,  0, 0, 0])
        XCTAssertEqual(s.wrongCandidates, [0, 1, 0,  1, 0, 0,  0, 0, 0])
        XCTAssertEqual(s.falsePositiveRate, 0.25, accuracy: 1e-12)     // 1 wrong of 2·2 on the clean samples
        XCTAssertEqual(s.setPrecision, 0.375, accuracy: 1e-12)        // (1/2 + 1) / 4
        XCTAssertEqual(s.zeroShotAccPerTemplate!, [0.5, 0.25])
        XCTAssertEqual(s.zeroShotAccTemplate0!, 0.5)
        XCTAssertNil(s.zeroShotAccAvg)
        XCTAssertEqual(s.topNoiseConfusions(3).first?.trueClass, 1)
        let rep = s.report(classNames: ["a", "b", "c"])
        XCTAssertTrue(rep.contains("avg |S|            1.000"), rep)
        XCTAssertTrue(rep.contains("noise rate η       50.0%"), rep)
        XCTAssertTrue(rep.contains("b → a: 1"), rep)
        let js = s.json(classNames: ["a", "b", "c"])
        let obj = try JSONSerialization.jsonObject(with: js.data(using: .utf8)!) as! [String: Any]
        XCTAssertEqual(obj["count"] as? Int, 4)
        XCTAssertEqual(obj["avg_candidates"] as? Double, 1.0)
        XCTAssertEqual(obj["noise_rate"] as? Double, 0.5)
        XCTAssertEqual((obj["noise_rate_per_class"] as? [Double])?.count, 3)
        XCTAssertEqual(obj["zero_shot_acc_template0"] as? Double, 0.5)
        XCTAssertNil(obj["zero_shot_acc_avg"])
        // Scores: the template average's argmax accuracy.
        let u = try CandidateRules.fromScores(probs, n: 2, t: 3, c: 4, logits: false, rule: .union)
        let su = try AnnotationStats(u, labels: [1, 3])
        XCTAssertEqual(su.zeroShotAccAvg!, 0.5)
        XCTAssertEqual(su.zeroShotAccPerTemplate!, [0.5, 1.0, 0.0])
        XCTAssertEqual(su.noiseRate, 0)
        XCTAssertThrowsError(try AnnotationStats(a, labels: [0, 1]))
    }

    func labels(_ n: Int, _ c: Int, seed: UInt64) -> [Int32] {
        let r = RNG(seed: seed)
        return (0..<n).map { _ in Int32(r.nextInt(below: c)) }
    }

    func testFlipGeneratorRates() throws {
        let y = labels(50_000, 10, seed: 1)
        for (q, eta) in [(0.01, 0.1), (0.05, 0.2), (0.03, 0.3)] {
            let a = try SyntheticNPLL.flip(labels: y, classes: 10, q: q, eta: eta, seed: 7)
            let s = try AnnotationStats(a, labels: y)
            XCTAssertEqual(s.falsePositiveRate, q, accuracy: 0.005, "q=\(q)")
            XCTAssertEqual(s.noiseRate, eta, accuracy: 0.01, "eta=\(eta)")
            // Each noisy set has the same size as before the replacement: |S| ≈ 1 + q·(C−1).
            XCTAssertEqual(s.avgCandidates, 1 + q * 9, accuracy: 0.02)
        }
        let a1 = try SyntheticNPLL.flip(labels: y, classes: 10, q: 0.05, eta: 0.2, seed: 7)
        let a2 = try SyntheticNPLL.flip(labels: y, classes: 10, q: 0.05, eta: 0.2, seed: 7)
        XCTAssertEqual(a1.candidates, a2.candidates)
        XCTAssertNotEqual(a1.candidates, try SyntheticNPLL.flip(labels: y, classes: 10, q: 0.05, eta: 0.2, seed: 8).candidates)
        XCTAssertThrowsError(try SyntheticNPLL.flip(labels: y, classes: 10, q: 1.5, eta: 0.2, seed: 7))
        XCTAssertThrowsError(try SyntheticNPLL.flip(labels: [12], classes: 10, q: 0.1, eta: 0.2, seed: 7))
    }

    func testPicoAndInstanceDependent() throws {
        let y = labels(50_000, 10, seed: 2)
        let p = try SyntheticNPLL.pico(labels: y, classes: 10, q: 0.1, seed: 3)
        let sp = try AnnotationStats(p, labels: y)
        XCTAssertEqual(sp.noiseRate, 0)
        XCTAssertEqual(sp.falsePositiveRate, 0.1, accuracy: 0.005)
        let pe = try AnnotationStats(try SyntheticNPLL.pico(labels: y, classes: 10, q: 0.1, eta: 0.2, seed: 3), labels: y)
        XCTAssertEqual(pe.noiseRate, 0.2, accuracy: 0.01)
        // Hierarchical: groups {0..4}, {5..9}: no wrong candidate crosses groups; q within the group.
        let groups = (0..<10).map { $0 / 5 }
        let h = try SyntheticNPLL.pico(labels: y, classes: 10, q: 0.2, groups: groups, seed: 3)
        let sh = try AnnotationStats(h, labels: y)
        for a in 0..<10 { for b in 0..<10 where groups[a] != groups[b] { XCTAssertEqual(sh.wrongCandidates[a * 10 + b], 0) } }
        XCTAssertEqual(sh.avgCandidates, 1 + 0.2 * 4, accuracy: 0.02)
        // Instance-dependent: a model that confuses class y with y+1 (mod C) only.
        let n = 20_000
        let yy = labels(n, 10, seed: 4)
        var probs = [Float](repeating: 0.01, count: n * 10)
        for i in 0..<n { probs[i * 10 + Int(yy[i])] = 0.5; probs[i * 10 + (Int(yy[i]) + 1) % 10] = 0.42 }
        let idp = try SyntheticNPLL.instanceDependent(labels: yy, probs: probs, classes: 10, q: 0.05, eta: 0.1, seed: 5)
        let si = try AnnotationStats(idp, labels: yy)
        XCTAssertEqual(si.noiseRate, 0.1, accuracy: 0.01)
        // The neighbour gets share 0.42/0.5 → flip prob min(1, 0.05·9·0.84) ≈ 0.378 (≈ 850 per class);
        // each of the 8 others 0.05·9·0.02 = 0.009 (≈ 18 per class, plus noise replacements).
        var nb = 0, other = 0
        for c in 0..<10 { for j in 0..<10 where j != c { if j == (c + 1) % 10 { nb += si.wrongCandidates[c * 10 + j] } else { other += si.wrongCandidates[c * 10 + j] } } }
        XCTAssertGreaterThan(nb, 3 * other, "\(si.wrongCandidates[0..<10]) \(si.wrongCandidates[10..<20]) \(si.setSizeHistogram)")
        XCTAssertEqual(si.falsePositiveRate, 0.05, accuracy: 0.005)
    }

    func tmp(_ name: String) -> String {
        let d = NSTemporaryDirectory() + "coreg-annot-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d + "/" + name
    }

    func testSaveLoadRoundTrip() throws {
        var a = try CandidateRules.fromScores(probs, n: 2, t: 3, c: 4, logits: false, rule: .union)
        a.classes = ["w", "x", "y", "z"]
        let p = tmp("ann.npz")
        try AnnotationIO.save(a, to: p)
        let b = try AnnotationIO.load(p, expectedCount: 2, expectedClasses: 4)
        XCTAssertEqual(b.candidates, a.candidates)
        XCTAssertEqual(b.templateCount, 3)
        XCTAssertEqual(b.templateProbs!, a.templateProbs!)
        XCTAssertEqual(b.templateArgmax!, a.templateArgmax!)
        XCTAssertEqual(b.avgProbs!, a.avgProbs!)
        XCTAssertEqual(b.classes!, ["w", "x", "y", "z"])
        // Argmax-only annotations keep template_argmax.
        let c = try Annotation(count: 2, classCount: 4, candidates: a.candidates, templateCount: 3, templateArgmax: a.templateArgmax)
        try AnnotationIO.save(c, to: p)
        let d = try AnnotationIO.load(p)
        XCTAssertEqual(d.templateArgmax!, a.templateArgmax!)
        XCTAssertNil(d.templateProbs)
        XCTAssertEqual(try AnnotationStats(d, labels: [0, 3]).zeroShotAccTemplate0, 1.0)
    }

    func assertLoadError(_ arrays: [(String, NPYArray)], _ fragments: [String], count: Int? = nil, classes: Int? = nil,
                         file: StaticString = #filePath, line: UInt = #line) throws {
        let p = tmp("bad.npz")
        try NPZ.write(arrays, to: p)
        XCTAssertThrowsError(try AnnotationIO.load(p, expectedCount: count, expectedClasses: classes), file: file, line: line) { e in
            XCTAssertTrue(e is DataFormatError, "\(e)", file: file, line: line)
            for f in fragments + [p] { XCTAssertTrue("\(e)".contains(f), "'\(f)' not in: \(e)", file: file, line: line) }
        }
    }

    func testMalformedAnnotationFiles() throws {
        let good = try NPYArray(shape: [2, 3], kind: .uint8, data: [1, 0, 0, 0, 1, 1])
        try assertLoadError([("labels", good)], ["'candidates'", "arrays labels"])
        try assertLoadError([("candidates", NPYArray(try Tensor([1, 0, 0, 0, 1, 1], shape: [2, 3])))], ["[candidates]", "dtype <f4", "uint8"])
        try assertLoadError([("candidates", try NPYArray(shape: [2, 3], kind: .uint8, data: [1, 0, 2, 0, 1, 1]))], ["[candidates]", "values 0 or 1", "2 at sample 0, class 2"])
        try assertLoadError([("candidates", try NPYArray(shape: [6], kind: .uint8, data: [1, 0, 0, 0, 1, 1]))], ["[candidates]", "2-D"])
        try assertLoadError([("candidates", good)], ["[candidates]", "5 rows", "2 rows"], count: 5)
        try assertLoadError([("candidates", good)], ["[candidates]", "10 columns"], classes: 10)
        try assertLoadError([("candidates", good), ("template_probs", NPYArray(try Tensor.zeros([2, 4, 2])))], ["[template_probs]", "[2, T, 3]"])
        try assertLoadError([("candidates", good), ("template_argmax", NPYArray(try Tensor(ints: [0, 7], shape: [2, 1])))], ["[template_argmax]", "7"])
        try assertLoadError([("candidates", good), ("avg_probs", NPYArray(try Tensor.zeros([3, 3])))], ["[avg_probs]", "[2, 3]"])
        try assertLoadError([("candidates", good), ("classes", try NPYArray(shape: [2], kind: .unicode(1), data: [97, 0, 0, 0, 98, 0, 0, 0]))], ["[classes]", "3 names"])
        // A file that is not an npz at all, and a missing file.
        let p = tmp("junk.npz")
        try AtomicFile.write("not a zip", to: p)
        XCTAssertThrowsError(try AnnotationIO.load(p)) { XCTAssertTrue("\($0)".contains(p)) }
        XCTAssertThrowsError(try AnnotationIO.load(tmp("none.npz"))) { XCTAssertTrue($0 is FileIOError, "\($0)") }
    }

    func testJSONLAnswers() throws {
        let text = """
        {"index": 0, "answer": "This is a photo of a T-shirt."}
        {"index": 1, "answer": "trousers"}
        {"index": 2, "answer": "It could be a shirt or a coat"}
        {"index": 3, "answer": "A cat."}

        {"index": 5, "answer": "ANKLE BOOTS!"}
        {"index": 4, "answer": "Sneakers"}
        {"index": 6, "answer": "a pair of jeans"}
        """
        let r = try VLMAnswers.parse(text, file: "answers.jsonl", classNames: ClassNames.fmnist, count: 8)
        let a = r.annotation
        XCTAssertEqual((0..<8).map { a.candidateSet($0) }, [[0], [1], [4, 6], [], [7], [9], [1], []])
        XCTAssertEqual(r.unmatched.map { $0.index }, [3])
        XCTAssertEqual(r.unmatched.first?.answer, "A cat.")
        XCTAssertEqual(r.multipleCount, 1)
        XCTAssertEqual(r.missing, [7])
        let rep = r.report()
        XCTAssertTrue(rep.contains("1 name none"), rep)
        XCTAssertTrue(rep.contains("unmatched #3: \"A cat.\""), rep)
        XCTAssertTrue(rep.contains("1 samples have no answer"), rep)
        // Malformed lines give file:line.
        func bad(_ t: String, _ frag: String, line: UInt = #line) {
            XCTAssertThrowsError(try VLMAnswers.parse(t, file: "a.jsonl", classNames: ClassNames.fmnist, count: 5), line: line) { e in
                XCTAssertTrue("\(e)".contains(frag), "\(e)", line: line)
            }
        }
        bad("{\"index\": 0, \"answer\": \"coat\"}\n{index: 1}", "a.jsonl:2:")
        bad("{\"answer\": \"coat\"}", "a.jsonl:1: expected a JSON object {\"index\": i, \"answer\": \"…\"}, found no \"index\" field")
        bad("{\"index\": 0}", "no \"answer\"")
        bad("{\"index\": \"zero\", \"answer\": \"coat\"}", "not an integer")
        bad("{\"index\": 9, \"answer\": \"coat\"}", "outside 0..<5")
        bad("{\"index\": 1, \"answer\": \"coat\"}\n{\"index\": 1, \"answer\": \"bag\"}", "a.jsonl:2: expected")
        bad("[1, 2]", "not an object")
    }

    func testMatcherOtherDatasets() {
        let svhn = ClassNameMatcher(classNames: ClassNames.svhn)
        XCTAssertEqual(svhn.classes(in: "The number 3"), [3])
        XCTAssertEqual(svhn.classes(in: "7"), [7])
        XCTAssertEqual(svhn.classes(in: "it shows a four"), [4])
        let fer = ClassNameMatcher(classNames: ClassNames.fer2013)
        XCTAssertEqual(fer.classes(in: "This person looks happy."), [3])
        XCTAssertEqual(fer.classes(in: "Sad or maybe angry"), [0, 4])
        let gt = ClassNameMatcher(classNames: ClassNames.gtsrb)
        XCTAssertEqual(gt.classes(in: "a stop sign"), [14])
        XCTAssertEqual(gt.classes(in: "Speed limit (80) cancelled"), [6])
        let c100 = ClassNameMatcher(classNames: ClassNames.cifar100)
        XCTAssertEqual(c100.classes(in: "two maple trees"), [47])
        XCTAssertEqual(c100.classes(in: "Aquarium fish"), [1])
    }

    /// The simulated annotator's preset on the embedded Fashion-MNIST reaches CLIP's statistics
    /// (AAAI Table 2: |S| 1.58, η 22.35%; template-0 accuracy 62%) within |S| ± 0.1, η ± 3 points,
    /// accuracy ± 4 points, and is deterministic.
    func testSimulatedAnnotatorOnEmbedded() throws {
        let splits = try Dataset.embedded()
        let t0 = Date()
        let vlm = try SimulatedVLM(fittingOn: splits.train, parameters: SimulatedVLM.preset("fmnist-clip")!, seed: 0)
        let a = try vlm.annotate(splits.train)
        let s = try AnnotationStats(a, labels: splits.train.labels)
        let st = try AnnotationStats(try vlm.annotate(splits.test), labels: splits.test.labels)
        print(s.report(classNames: splits.train.classNames, title: "simulated VLM on embedded/train", testAccuracy: st))
        print("seconds: \(Date().timeIntervalSince(t0))")
        XCTAssertEqual(s.avgCandidates, 1.58, accuracy: 0.1)
        XCTAssertEqual(s.noiseRate, 0.2235, accuracy: 0.03)
        XCTAssertEqual(s.zeroShotAccTemplate0!, 0.62, accuracy: 0.04)
        XCTAssertEqual(vlm.referenceIndices.count, 500)
        XCTAssertEqual(a.templateCount, 27)
        XCTAssertEqual(st.zeroShotAccTemplate0!, 0.62, accuracy: 0.06)
        // Noise follows visual similarity: the top confusions are among tops (0, 2, 4, 6) or shoes (5, 7, 9).
        let tops: Set<Int> = [0, 2, 3, 4, 6], shoes: Set<Int> = [5, 7, 9]
        for e in s.topNoiseConfusions(3) {
            XCTAssertTrue((tops.contains(e.trueClass) && tops.contains(e.candidate)) || (shoes.contains(e.trueClass) && shoes.contains(e.candidate)),
                          "\(e)")
        }
        // Deterministic given the seed; another seed differs.
        let b = try SimulatedVLM.annotate(splits.train, parameters: SimulatedVLM.preset("fmnist-clip")!, seed: 0)
        XCTAssertEqual(a.candidates, b.candidates)
        XCTAssertTrue(Date().timeIntervalSince(t0) < 20)
    }

    /// The tuner reaches statistics known to be reachable: those of a hidden parameter set
    /// (2,000 images, 2 rounds, a few seconds).
    func testTuneReachesReachableTargets() throws {
        let part = try Dataset.embedded().train.split(fraction: 0.2, seed: 0).first
        var hidden = SimulatedVLM.preset("fmnist-clip")!
        hidden.imageNoise = 1.0; hidden.templateNoise = 0.4; hidden.templateBias = 0.02
        let h = try AnnotationStats(try SimulatedVLM.annotate(part, parameters: hidden, seed: 0), labels: part.labels)
        let (p, s) = try SimulatedVLM.tune(part, targets: .init(avgCandidates: h.avgCandidates, noiseRate: h.noiseRate,
                                                                template0Accuracy: h.zeroShotAccTemplate0!),
                                           start: SimulatedVLM.preset("fmnist-clip")!, seed: 0, rounds: 2)
        XCTAssertEqual(s.avg, h.avgCandidates, accuracy: 0.08, "\(p) vs \(hidden)")
        XCTAssertEqual(s.eta, h.noiseRate, accuracy: 0.02, "\(p) vs \(hidden)")
        XCTAssertEqual(s.acc0, h.zeroShotAccTemplate0!, accuracy: 0.02, "\(p) vs \(hidden)")
        // The reached statistics are those of a fresh annotation with the returned parameters.
        let st = try AnnotationStats(try SimulatedVLM.annotate(part, parameters: p, seed: 0), labels: part.labels)
        XCTAssertEqual(st.avgCandidates, s.avg, accuracy: 1e-9)
        XCTAssertEqual(st.noiseRate, s.eta, accuracy: 1e-9)
    }
}
