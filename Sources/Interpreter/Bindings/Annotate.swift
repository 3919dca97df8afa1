import Kernel

/// The `annotate` module: candidate label sets from VLM scores, embeddings, free-text answers,
/// the simulated CLIP-style annotator and the synthetic NPLL generators; load/save of the
/// annotation `.npz`; statistics. Everything is computed by `Kernel/Annotate`.

/// An annotation in scripts: `ann.candidates` (float32 [N, C] of 0/1), `ann.sizes`,
/// `ann.template_probs`, `ann.avg_probs`, `ann.classes`, `ann.save(path)`, `ann.stats(labels)`.
public final class AnnotationObject: ScriptObject {
    public let annotation: Annotation
    /// For annotations read from free-text answers: the import report.
    public let answers: VLMAnswerImport?
    public init(_ a: Annotation, answers: VLMAnswerImport? = nil) { annotation = a; self.answers = answers }
    public var typeName: String { "annotation" }
    public var length: Int? { annotation.count }
    public var scriptDescription: String { "<\(annotation.summary)>" }
    public var memberNames: [String] {
        ["candidates", "sizes", "count", "class_count", "templates", "template_probs", "template_argmax", "avg_probs",
         "classes", "source", "unmatched", "answer_report", "save", "stats", "report", "subset"]
    }

    public func member(_ name: String) throws -> Value? {
        let a = annotation
        switch name {
        case "candidates": return wrap(try a.candidateTensor())
        case "sizes": return wrap(try Tensor(ints: a.setSizes.map { Int32($0) }, shape: [a.count]))
        case "count": return .int(a.count)
        case "class_count": return .int(a.classCount)
        case "templates": return .int(a.templateCount)
        case "template_probs": return try a.templateProbs.map { wrap(try Tensor($0, shape: [a.count, a.templateCount, a.classCount])) } ?? .null
        case "template_argmax": return try a.templateArgmax.map { wrap(try Tensor(ints: $0, shape: [a.count, a.templateCount])) } ?? .null
        case "avg_probs": return try a.averagedProbs.map { wrap(try Tensor($0, shape: [a.count, a.classCount])) } ?? .null
        case "classes": return a.classes.map { .list($0.map { .string($0) }) } ?? .null
        case "source": return .string(a.source)
        case "unmatched":
            guard let r = answers else { return .null }
            return .list(r.unmatched.map { .record([("index", .int($0.index)), ("answer", .string($0.answer))]) })
        case "answer_report": return answers.map { .string($0.report()) } ?? .null
        case "save":
            return .native(NativeFunction("save(path: string)", doc: "Writes the annotation .npz (atomically).") { args in
                try AnnotationIO.save(a, to: try args.string(0)); return .null
            })
        case "stats":
            return .native(NativeFunction("stats(labels)", doc: "Statistics against true labels, as a record.") { args in
                statsRecord(try AnnotationStats(a, labels: try labelValues(args[0], what: "labels")), classes: a.classes)
            })
        case "report":
            return .native(NativeFunction("report(labels)", doc: "The text report against true labels.") { args in
                .string(try AnnotationStats(a, labels: try labelValues(args[0], what: "labels")).report(classNames: a.classes))
            })
        case "subset":
            return .native(NativeFunction("subset(indices)", doc: "The annotation of the samples at indices.") { args in
                .object(AnnotationObject(try a.subset(try labelValues(args[0], what: "indices").map { Int($0) })))
            })
        default: return nil
        }
    }
}

/// Labels (or indices) from a tensor or a list of ints.
func labelValues(_ v: Value, what: String) throws -> [Int32] {
    let t = try toTensor(v, what: what)
    guard t.rank == 1 else { throw ScriptError("\(what) must be one-dimensional, got shape \(t.shape)") }
    let d = t.toDoubles()
    if let bad = d.first(where: { $0 != $0.rounded() }) { throw ScriptError("\(what) must be whole numbers, got \(bad)") }
    return d.map { Int32($0) }
}

func annotationArg(_ args: Arguments, _ i: Int) throws -> Annotation {
    try args.object(i, as: AnnotationObject.self, expected: "annotation").annotation
}

/// The statistics as a script record.
func statsRecord(_ s: AnnotationStats, classes: [String]?) -> Value {
    func nums(_ xs: [Double]) -> Value { .list(xs.map { .float($0) }) }
    var pairs: [(String, Value)] = [
        ("count", .int(s.count)), ("classes", .int(s.classCount)),
        ("avg_candidates", .float(s.avgCandidates)), ("noise_rate", .float(s.noiseRate)),
        ("noise_rate_per_class", nums(s.noiseRatePerClass)), ("set_precision", .float(s.setPrecision)),
        ("false_positive_rate", .float(s.falsePositiveRate)), ("wrong_candidate_rate", .float(s.wrongCandidateRate)),
        ("set_size_histogram", .list(s.setSizeHistogram.map { .int($0) })), ("empty_sets", .int(s.emptySets)),
        ("noise_confusion", wrap(try! Tensor(ints: s.noiseConfusion.map { Int32($0) }, shape: [s.classCount, s.classCount]))),
        ("top_confusions", .list(s.topNoiseConfusions(10).map {
            .record([("true", .int($0.trueClass)), ("candidate", .int($0.candidate)), ("count", .int($0.count)), ("share", .float($0.share))])
        })),
    ]
    if let a0 = s.zeroShotAccTemplate0 { pairs.append(("zero_shot_acc_template0", .float(a0))) }
    if let av = s.zeroShotAccAvg { pairs.append(("zero_shot_acc_avg", .float(av))) }
    if let per = s.zeroShotAccPerTemplate { pairs.append(("zero_shot_acc_per_template", nums(per))) }
    if let c = classes { pairs.append(("class_names", .list(c.map { .string($0) }))) }
    return .record(pairs)
}

func stringList(_ v: Value, what: String) throws -> [String] {
    guard case .list(let l) = v else { throw ScriptError("\(what) must be a list of strings, got \(v.typeName)") }
    return try l.items.map { item in
        guard case .string(let s) = item else { throw ScriptError("\(what) must be a list of strings, got an item of type \(item.typeName)") }
        return s
    }
}

/// Class names from a list of strings or a dataset name ("fmnist", "cifar10", …).
func classNamesArg(_ v: Value, what: String) throws -> [String] {
    if case .string(let s) = v {
        guard let c = ClassNames.forDataset(s) else {
            throw UnknownNameError(kind: "dataset", name: s, known: DatasetRegistry.entries.filter { $0.classNames != nil }.map(\.name),
                                   hint: "or give \(what) as a list of class names")
        }
        return c
    }
    return try stringList(v, what: what)
}

func registerAnnotateModule(_ r: Registry) {
    let m = r.module("annotate", doc: "Candidate label sets: from VLM scores, embeddings or answers; simulated and synthetic annotators; load/save; statistics.")

    m.add("from_scores(scores: tensor, rule: string = \"union\", k: int = 5, r: float = 0.5, logits: bool = false, classes: list? = nil)",
          doc: "Candidate sets from per-template scores [N, T, C] (probabilities, or logits with logits=true): rule union (of per-template top-1), topk (of the template average), ratio (p ≥ r·p_max) or soft.") { args in
        let t = try args.tensor(0)
        let rule = try CandidateRule.parse(try args.string(1), k: try args.int(2), r: try args.double(3))
        let cls = args.isNull(5) ? nil : try stringList(args[5], what: "classes")
        return .object(AnnotationObject(try CandidateRules.fromScores(t, logits: try args.bool(4), rule: rule, classes: cls)))
    }
    m.add("from_embeddings(image: tensor, text: tensor, scale: float = 100, rule: string = \"union\", k: int = 5, r: float = 0.5)",
          doc: "CLIP's mechanism: image [N, D] and text [T, C, D] embeddings, L2-normalised, logits = scale·cos, softmax per template, then rule.") { args in
        let img = try args.tensor(0)
        let txt = try args.tensor(1)
        let rule = try CandidateRule.parse(try args.string(3), k: try args.int(4), r: try args.double(5))
        return .object(AnnotationObject(try CandidateRules.fromEmbeddings(image: img, text: txt, logitScale: Float(try args.double(2)), rule: rule)))
    }
    m.add("simulated(data: string, preset: string = \"fmnist-clip\", seed: int = 0, split: string = \"train\", rule: string = \"union\", **params)",
          doc: "The simulated CLIP-style annotator on a dataset spec (\"embedded\", \"fmnist\", …): fitted on the training split (a few labelled reference images per class), applied to split. params override the preset: template_noise, image_noise, template_bias, class_bias, mixing, feature_dim, templates, reference_per_class, logit_scale.") { args in
        let name = try args.string(1)
        guard var p = SimulatedVLM.preset(name) else {
            throw args.argumentError(1, "unknown preset '\(name)'; expected one of \(SimulatedVLM.presetNames.joined(separator: ", "))")
        }
        for (k, v) in args.options {
            switch v {
            case .int(let i): try p.set(k, Double(i))
            case .float(let d): try p.set(k, d)
            default: throw ScriptError("annotate.simulated: parameter \(k) must be a number, got \(v.typeName)")
            }
        }
        let splits = try Datasets.load(spec: try args.string(0), seed: UInt64(max(0, try args.int(2))))
        let vlm = try SimulatedVLM(fittingOn: splits.train, parameters: p, seed: UInt64(max(0, try args.int(2))))
        let which = try args.string(3)
        guard which == "train" || which == "test" else { throw args.argumentError(3, "expected \"train\" or \"test\", got \"\(which)\"") }
        let rule = try CandidateRule.parse(try args.string(4))
        return .object(AnnotationObject(try vlm.annotate(which == "train" ? splits.train : splits.test, rule: rule)))
    }
    m.add("from_spec(spec: string, train: dataset, indices = nil, seed: int = 0, test: dataset? = nil)",
          doc: "Candidate sets from an annotator spec, the same way `coreg annotate make --annotator` makes them: simulated[:PRESET][,k=v…], flip[:q=0.03,eta=0.2], pico[:q=0.1,eta=0], instance[:q=0.1,eta=0,preset=fmnist-clip], FILE.npz or FILE.jsonl. train is the whole training split; indices (a subset, in order) choose the rows. The simulated annotator is fitted on the whole split; a file may cover the split or exactly the subset. → {annotation, test (the simulated annotator's test-split annotation, or nil), annotator (the canonical spec with its defaults)}.") { args in
        let spec = try AnnotatorSpec.parse(try args.string(0))
        let train = try args.object(1, as: DatasetObject.self, expected: "dataset").dataset
        let idx = args.isNull(2) ? nil : try indexList(args, 2, count: train.count)
        let test = args.isNull(4) ? nil : try args.object(4, as: DatasetObject.self, expected: "dataset").dataset
        let r = try spec.annotate(train: train, indices: idx, seed: UInt64(max(0, try args.int(3))), test: test)
        return record([("annotation", .object(AnnotationObject(r.train))),
                       ("test", r.test.map { .object(AnnotationObject($0)) } ?? .null),
                       ("annotator", .string(spec.description))])
    }
    m.add("spec(spec: string)", doc: "The canonical form of an annotator spec, with every default filled in (\"flip\" → \"flip:q=0.03,eta=0.2\"); an unknown name is an error listing the known ones.") { args in
        .string(try AnnotatorSpec.parse(try args.string(0)).description)
    }
    m.add("flip(labels, classes: int, q: float, eta: float, seed: int = 0)",
          doc: "Synthetic NPLL (ALIM/Co-Reg): each negative joins S with probability q, then with probability eta the true label is replaced by a random non-candidate.") { args in
        .object(AnnotationObject(try SyntheticNPLL.flip(labels: try labelValues(args[0], what: "labels"), classes: try args.int(1),
                                                         q: try args.double(2), eta: try args.double(3), seed: UInt64(max(0, try args.int(4))))))
    }
    m.add("pico(labels, classes: int, q: float, eta: float = 0, groups = nil, seed: int = 0)",
          doc: "PiCO's generator: negatives join S with probability q, the true label stays; groups (class → superclass list) restricts flips to the same superclass; eta adds noise as flip does.") { args in
        let groups = args.isNull(4) ? nil : try labelValues(args[4], what: "groups").map { Int($0) }
        return .object(AnnotationObject(try SyntheticNPLL.pico(labels: try labelValues(args[0], what: "labels"), classes: try args.int(1),
                                                                q: try args.double(2), groups: groups, eta: try args.double(3),
                                                                seed: UInt64(max(0, try args.int(5))))))
    }
    m.add("instance(labels, probs: tensor, q: float, eta: float = 0, seed: int = 0)",
          doc: "Instance-dependent partial labels from a model's probabilities [N, C]: negative j joins with probability min(1, q·(C−1)·p_j/Σ_{k≠y}p_k).") { args in
        let p = try args.tensor(1)
        guard p.rank == 2 else { throw args.argumentError(1, "expected probabilities [N, C], got shape \(p.shape)") }
        return .object(AnnotationObject(try SyntheticNPLL.instanceDependent(labels: try labelValues(args[0], what: "labels"), probs: try p.float().toFloats(),
                                                                             classes: p.shape[1], q: try args.double(2), eta: try args.double(3),
                                                                             seed: UInt64(max(0, try args.int(4))))))
    }
    m.add("load(path: string, count: int? = nil, classes: int? = nil)",
          doc: "Reads an annotation .npz (candidates, template_probs/template_argmax, avg_probs, classes), checking N and C when given.") { args in
        .object(AnnotationObject(try AnnotationIO.load(try args.string(0), expectedCount: args.isNull(1) ? nil : try args.int(1),
                                                       expectedClasses: args.isNull(2) ? nil : try args.int(2))))
    }
    m.add("save(ann: annotation, path: string)", doc: "Writes an annotation .npz atomically.") { args in
        try AnnotationIO.save(try annotationArg(args, 0), to: try args.string(1)); return .null
    }
    m.add("from_jsonl(path: string, classes, count: int? = nil)",
          doc: "Free-text VLM answers ({\"index\": i, \"answer\": \"…\"} per line) matched to class names (a list, or a dataset name such as \"fmnist\"). ann.unmatched lists the answers that name no class; ann.answer_report counts them.") { args in
        let r = try VLMAnswers.load(try args.string(0), classNames: try classNamesArg(args[1], what: "classes"), count: args.isNull(2) ? nil : try args.int(2))
        return .object(AnnotationObject(r.annotation, answers: r))
    }
    m.add("stats(ann: annotation, labels)", doc: "Statistics as a record: count, avg_candidates, noise_rate, noise_rate_per_class, set_size_histogram, noise_confusion, zero_shot_acc_template0 / _avg / _per_template (when scores are present), …") { args in
        let a = try annotationArg(args, 0)
        return statsRecord(try AnnotationStats(a, labels: try labelValues(args[1], what: "labels")), classes: a.classes)
    }
    m.add("report(ann: annotation, labels)", doc: "The statistics as a text report.") { args in
        let a = try annotationArg(args, 0)
        return .string(try AnnotationStats(a, labels: try labelValues(args[1], what: "labels")).report(classNames: a.classes))
    }
    m.add("templates(name: string = \"small\")", doc: "Prompt templates: \"small\" (the 27 default) or \"imagenet\" (the 80 CLIP ImageNet templates).") { args in
        .list(PromptTemplates.named(try args.string(0)).map { .string($0) })
    }
    m.add("class_names(dataset: string)", doc: "Class names used for prompting (cifar10, cifar100, svhn, fmnist, eurosat, fer2013, gtsrb, …).") { args in
        .list(try classNamesArg(args[0], what: "dataset").map { .string($0) })
    }
    m.set("presets", .list(SimulatedVLM.presetNames.map { .string($0) }))
}
