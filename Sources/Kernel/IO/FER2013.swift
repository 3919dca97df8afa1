/// The FER2013 CSV (Kaggle `fer2013.csv`: `emotion,pixels,Usage`; also torchvision's
/// `train.csv`: `emotion,pixels`, and `icml_face_data.csv`: `emotion, Usage, pixels`). Each row
/// holds a label 0...6 and 2304 space-separated gray values of a 48×48 face. Columns are found
/// by header name; byte offsets in errors point at the offending field.
public enum FER2013 {
    public struct Table: Sendable {
        /// [N, 48, 48] gray pixels.
        public let images: UInt8Array
        /// Emotion labels 0...6 (-1 where the file has no emotion column, e.g. test.csv).
        public let labels: [Int32]
        /// The Usage column ("Training", "PublicTest", "PrivateTest"), or "" when absent.
        public let usage: [String]
    }

    public static func read(_ path: String) throws -> Table {
        try parse(try Gzip.readMaybeGzipped(path), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> Table {
        // Split into lines, remembering each line's offset.
        var lines: [(Int, Int)] = []
        var s = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A {
                var e = i
                if e > s, bytes[e - 1] == 0x0D { e -= 1 }
                lines.append((s, e))
                s = i + 1
            }
            i += 1
        }
        if s < bytes.count { lines.append((s, bytes.count)) }
        lines.removeAll { $0.0 == $0.1 }
        guard let head = lines.first else {
            throw DataFormatError(file: file, offset: 0, expected: "a CSV header 'emotion,pixels,Usage'", found: "an empty file")
        }
        let cols = fields(bytes, head.0, head.1).map { String(decoding: bytes[$0.0..<$0.1], as: UTF8.self).trimmingCharacters().lowercased() }
        guard let pixCol = cols.firstIndex(of: "pixels") else {
            throw DataFormatError(file: file, offset: head.0, expected: "a CSV header with a 'pixels' column (emotion,pixels,Usage)",
                                  found: "'\(String(decoding: bytes[head.0..<min(head.1, head.0 + 40)], as: UTF8.self).replacingNonPrintable())'")
        }
        let emoCol = cols.firstIndex(of: "emotion")
        let useCol = cols.firstIndex(of: "usage")
        let n = lines.count - 1
        guard let total = checkedProduct([n, 2304]) else {
            throw DataFormatError(file: file, offset: 0, expected: "a smaller table", found: "\(n) rows")
        }
        // A valid row holds at least 2304 digits and 2303 spaces, which bounds the rows a file of
        // this size can hold; rows are appended as they parse, so no allocation exceeds the data.
        _ = total
        var pixels = [UInt8]()
        pixels.reserveCapacity(min(n, bytes.count / 4607 + 1) * 2304)
        var labels = [Int32](repeating: -1, count: n)
        var usage = [String](repeating: "", count: n)
        var rowPixels = [UInt8](repeating: 0, count: 2304)
        for row in 0..<n {
            let (ls, le) = lines[row + 1]
            let f = fields(bytes, ls, le)
            guard f.count == cols.count else {
                throw DataFormatError(file: file, offset: ls, expected: "\(cols.count) fields in row \(row + 1)", found: "\(f.count)")
            }
            if let e = emoCol {
                let (a, b) = f[e]
                guard let v = Int(String(decoding: bytes[a..<b], as: UTF8.self).trimmingCharacters()), (0...6).contains(v) else {
                    throw DataFormatError(file: file, offset: a, expected: "an emotion label 0...6 in row \(row + 1)",
                                          found: "'\(String(decoding: bytes[a..<min(b, a + 12)], as: UTF8.self).replacingNonPrintable())'")
                }
                labels[row] = Int32(v)
            }
            if let u = useCol { usage[row] = String(decoding: bytes[f[u].0..<f[u].1], as: UTF8.self).trimmingCharacters() }
            var p = f[pixCol].0
            let pe = f[pixCol].1
            var k = 0
            while true {
                while p < pe, bytes[p] == 0x20 || bytes[p] == 0x22 || bytes[p] == 0x09 { p += 1 }
                if p >= pe { break }
                let st = p
                var v = 0
                while p < pe, bytes[p] >= 0x30, bytes[p] <= 0x39, v <= 255 { v = v * 10 + Int(bytes[p] - 0x30); p += 1 }
                guard p > st, v <= 255, p >= pe || bytes[p] == 0x20 || bytes[p] == 0x22 || bytes[p] == 0x09 else {
                    var end = st
                    while end < pe, end < st + 12, bytes[end] != 0x20, bytes[end] != 0x22 { end += 1 }
                    throw DataFormatError(file: file, offset: st, expected: "a pixel value 0...255 in row \(row + 1)",
                                          found: "'\(String(decoding: bytes[st..<max(end, min(pe, st + 1))], as: UTF8.self).replacingNonPrintable())'")
                }
                guard k < 2304 else {
                    throw DataFormatError(file: file, offset: st, expected: "2304 pixel values (48×48) in row \(row + 1)", found: "more")
                }
                rowPixels[k] = UInt8(v)
                k += 1
            }
            guard k == 2304 else {
                throw DataFormatError(file: file, offset: f[pixCol].0, expected: "2304 pixel values (48×48) in row \(row + 1)", found: "\(k)")
            }
            pixels.append(contentsOf: rowPixels)
        }
        return Table(images: UInt8Array(unchecked: [n, 48, 48], values: pixels), labels: labels, usage: usage)
    }

    /// Comma-separated field ranges of one line (double quotes may wrap a field).
    static func fields(_ b: [UInt8], _ s: Int, _ e: Int) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        var st = s
        var quoted = false
        var i = s
        while i < e {
            if b[i] == 0x22 { quoted.toggle() } else if b[i] == 0x2C && !quoted { out.append((st, i)); st = i + 1 }
            i += 1
        }
        out.append((st, e))
        return out
    }
}
