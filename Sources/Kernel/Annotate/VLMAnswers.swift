import Foundation

/// Free-text VLM answers → candidate sets. Answers come as JSONL lines
/// `{"index": i, "answer": "…"}`; each answer is matched against the class names and their
/// synonyms after normalisation (case, punctuation, plurals, filler phrases such as "a photo of
/// a" or "this is"). An answer naming several classes gives a set of several; one naming none
/// gives an empty set, and is reported.
public struct ClassNameMatcher: Sendable {
    public let classNames: [String]
    /// Normalised phrases (token lists) per class, longest first when matching.
    let phrases: [(tokens: [String], cls: Int)]

    /// Built-in synonyms for Fashion-MNIST (by class name), used when the class names match.
    public static let fmnistSynonyms: [String: [String]] = [
        "T-shirt/top": ["t-shirt", "tshirt", "tee", "tee shirt", "top", "tank top"],
        "Trouser": ["trousers", "pants", "jeans", "slacks", "leggings"],
        "Pullover": ["sweater", "jumper", "sweatshirt", "hoodie", "pullover sweater"],
        "Dress": ["gown", "frock"],
        "Coat": ["jacket", "overcoat", "parka", "blazer"],
        "Sandal": ["sandals", "flip flop", "flip-flop"],
        "Shirt": ["blouse", "button-up shirt", "button down shirt", "dress shirt"],
        "Sneaker": ["trainer", "running shoe", "sports shoe", "athletic shoe", "tennis shoe"],
        "Bag": ["handbag", "purse", "backpack", "tote"],
        "Ankle boot": ["boot", "bootie", "booty"],
    ]

    /// `synonyms` maps a class name to extra phrases. Names with "/" give each part as an
    /// alternative ("T-shirt/top" → "t-shirt", "top"); a prefix or suffix shared by every class
    /// name ("number 0", "… Facial Expression", "German Traffic Sign: …") is also dropped to give
    /// a short form ("0", "angry", "stop").
    public init(classNames: [String], synonyms: [String: [String]] = [:]) {
        self.classNames = classNames
        var syn = synonyms
        if Set(classNames) == Set(ClassNameMatcher.fmnistSynonyms.keys) {
            for (k, v) in ClassNameMatcher.fmnistSynonyms { syn[k, default: []] += v }
        }
        let tokenized = classNames.map { ClassNameMatcher.normalize($0) }
        // Shared leading / trailing tokens of all names (only with ≥ 2 classes).
        var pre = 0, suf = 0
        if classNames.count >= 2, let first = tokenized.first {
            while pre < first.count, tokenized.allSatisfy({ $0.count > pre + 1 && $0[pre] == first[pre] }) { pre += 1 }
            while suf < first.count, tokenized.allSatisfy({ $0.count > pre + suf + 1 && $0[$0.count - 1 - suf] == first[first.count - 1 - suf] }) { suf += 1 }
        }
        var ph: [(tokens: [String], cls: Int)] = []
        func add(_ toks: [String], _ c: Int) {
            guard !toks.isEmpty, !ph.contains(where: { $0.tokens == toks && $0.cls == c }) else { return }
            ph.append((toks, c))
        }
        for (c, name) in classNames.enumerated() {
            add(tokenized[c], c)
            if pre + suf > 0 { add(Array(tokenized[c][pre..<(tokenized[c].count - suf)]), c) }
            if name.contains("/") { for part in name.split(separator: "/") { add(ClassNameMatcher.normalize(String(part)), c) } }
            if name.contains("_") { add(ClassNameMatcher.normalize(name.replacingOccurrences(of: "_", with: " ")), c) }
            for s in syn[name] ?? [] { add(ClassNameMatcher.normalize(s), c) }
        }
        // A digit-only short form also matches the number word ("0" ↔ "zero").
        let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        for (t, c) in ph where t.count == 1 { if let d = Int(t[0]), d >= 0, d < 10 { add([words[d]], c) } }
        phrases = ph.sorted { $0.tokens.count != $1.tokens.count ? $0.tokens.count > $1.tokens.count : $0.cls < $1.cls }
    }

    /// Lower-case tokens with punctuation removed, filler words dropped and plurals singularised.
    public static func normalize(_ text: String) -> [String] {
        var cleaned = ""
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber { cleaned.append(ch) } else if ch == "'" || ch == "’" { continue } else { cleaned.append(" ") }
        }
        let filler: Set<String> = ["a", "an", "the", "this", "that", "it", "is", "its", "of", "photo", "image", "picture",
                                   "shows", "show", "showing", "depicts", "i", "see", "there", "are", "looks", "like", "appears",
                                   "to", "be", "answer", "my", "probably", "likely", "most", "maybe", "perhaps"]
        return cleaned.split(separator: " ").map { singular(String($0)) }.filter { !filler.contains($0) }
    }

    static func singular(_ w: String) -> String {
        if w.count > 4, w.hasSuffix("ies") { return String(w.dropLast(3)) + "y" }
        for e in ["sses", "shes", "ches", "xes"] where w.count > e.count + 1 && w.hasSuffix(e) { return String(w.dropLast(2)) }
        if w.count > 3, w.hasSuffix("s"), !w.hasSuffix("ss"), !w.hasSuffix("us"), !w.hasSuffix("is") { return String(w.dropLast()) }
        return w
    }

    /// The classes an answer names (ascending). Longer phrases win: "t-shirt" is T-shirt/top, not
    /// also Shirt; each token belongs to at most one match.
    public func classes(in answer: String) -> [Int] {
        let toks = ClassNameMatcher.normalize(answer)
        var used = [Bool](repeating: false, count: toks.count)
        var found = Set<Int>()
        for (p, c) in phrases where p.count <= toks.count {
            var s = 0
            while s + p.count <= toks.count {
                if !used[s..<(s + p.count)].contains(true) && Array(toks[s..<(s + p.count)]) == p {
                    for k in s..<(s + p.count) { used[k] = true }
                    found.insert(c)
                    s += p.count
                } else {
                    s += 1
                }
            }
        }
        return found.sorted()
    }
}

/// The result of reading free-text answers.
public struct VLMAnswerImport: Sendable {
    public let annotation: Annotation
    /// Answers that named no class: (index, answer).
    public let unmatched: [(index: Int, answer: String)]
    /// Answers that named two or more classes.
    public let multipleCount: Int
    /// Indices 0..<N with no answer line (their sets are empty).
    public let missing: [Int]
    public var answeredCount: Int { annotation.count - missing.count }

    /// Counts and the unmatched answers (up to `limit`).
    public func report(limit: Int = 20) -> String {
        var s = "answers: \(answeredCount) of \(annotation.count) samples; \(answeredCount - unmatched.count - multipleCount) name one class, "
        s += "\(multipleCount) name several, \(unmatched.count) name none"
        if !missing.isEmpty { s += "; \(missing.count) samples have no answer" }
        s += "\n"
        for u in unmatched.prefix(limit) { s += "  unmatched #\(u.index): \"\(u.answer)\"\n" }
        if unmatched.count > limit { s += "  … and \(unmatched.count - limit) more\n" }
        return s
    }
}

public enum VLMAnswers {
    /// Parses JSONL text (`file` names it in errors, which read `file:line: message`). `count`
    /// fixes N (default: the largest index + 1).
    public static func parse(_ text: String, file: String, classNames: [String], count: Int? = nil,
                             synonyms: [String: [String]] = [:]) throws -> VLMAnswerImport {
        let matcher = ClassNameMatcher(classNames: classNames, synonyms: synonyms)
        var answers: [(Int, String, Int)] = []   // index, answer, line
        var seen: [Int: Int] = [:]
        for (ln, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            func fail(_ m: String) -> DataFormatError {
                DataFormatError(file: "\(file):\(ln + 1)", offset: nil, expected: "a JSON object {\"index\": i, \"answer\": \"…\"}", found: m)
            }
            guard let data = line.data(using: .utf8),
                  let obj = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                throw fail("malformed JSON: \(line.prefix(60))")
            }
            guard let dict = obj as? [String: Any] else { throw fail("a JSON value that is not an object") }
            guard let iv = dict["index"] else { throw fail("no \"index\" field") }
            var idxOpt: Int? = nil
            if iv is String || iv is NSNull { idxOpt = nil }
            else if let i = iv as? Int { idxOpt = i }
            else if let d = iv as? Double, d == d.rounded(), abs(d) < 1e15 { idxOpt = Int(d) }
            guard let idx = idxOpt, idx >= 0 else { throw fail("\"index\" \(iv), not an integer ≥ 0") }
            guard let av = dict["answer"] else { throw fail("no \"answer\" field") }
            guard let ans = av as? String else { throw fail("\"answer\" that is not a string") }
            if let e = count, idx >= e { throw fail("index \(idx), outside 0..<\(e)") }
            if let prev = seen[idx] { throw fail("index \(idx) again (first on line \(prev))") }
            seen[idx] = ln + 1
            answers.append((idx, ans, ln + 1))
        }
        // Without `count`, N is the largest index + 1; an index far beyond the number of answers
        // is a typo or corruption, not a dataset (5555555555 asked for 22 GB of candidates: the
        // annotation-jsonl fuzz target found it), so it is refused with its line.
        let last = answers.max(by: { $0.0 < $1.0 })
        if count == nil, let last, last.0 >= 4 * answers.count + 1024 {
            throw DataFormatError(file: "\(file):\(last.2)", offset: nil,
                                  expected: "indices up to \(4 * answers.count + 1023) for a file of \(answers.count) answers (pass count= for a sparser file)",
                                  found: "index \(last.0)")
        }
        let n = count ?? ((last?.0 ?? -1) + 1)
        let c = classNames.count
        var cand = [UInt8](repeating: 0, count: n * c)
        var unmatched: [(index: Int, answer: String)] = [], multiple = 0
        var have = [Bool](repeating: false, count: n)
        for (i, ans, _) in answers.sorted(by: { $0.0 < $1.0 }) {
            have[i] = true
            let cls = matcher.classes(in: ans)
            if cls.isEmpty { unmatched.append((i, ans)) }
            if cls.count > 1 { multiple += 1 }
            for j in cls { cand[i * c + j] = 1 }
        }
        let ann = try Annotation(count: n, classCount: c, candidates: cand, classes: classNames, source: "VLM answers \(file)")
        return VLMAnswerImport(annotation: ann, unmatched: unmatched, multipleCount: multiple,
                               missing: (0..<n).filter { !have[$0] })
    }

    /// Reads a JSONL file of answers.
    public static func load(_ path: String, classNames: [String], count: Int? = nil, synonyms: [String: [String]] = [:]) throws -> VLMAnswerImport {
        let bytes = try FileBytes.read(path)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw DataFormatError(file: path, offset: nil, expected: "UTF-8 text (JSONL)", found: "bytes that are not UTF-8")
        }
        return try parse(text, file: path, classNames: classNames, count: count, synonyms: synonyms)
    }
}
