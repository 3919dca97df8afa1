/// The CIFAR binary formats: CIFAR-10 batches (`data_batch_1..5.bin`, `test_batch.bin`), each
/// record 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major 32×32), and CIFAR-100
/// (`train.bin`, `test.bin`), each record a coarse label byte, a fine label byte and 3072 pixels.
public enum CIFAR {
    public enum Variant: Sendable {
        case cifar10, cifar100
        var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        var recordSize: Int { labelBytes + 3072 }
    }

    /// Images as stored ([N, 3, 32, 32] bytes), labels (CIFAR-10 label or CIFAR-100 fine label)
    /// and, for CIFAR-100, the coarse labels.
    public struct Batch: Sendable {
        public let images: UInt8Array
        public let labels: [Int32]
        public let coarseLabels: [Int32]?
    }

    public static func readBatch(_ path: String, variant: Variant) throws -> Batch {
        try parse(try Gzip.readMaybeGzipped(path), file: path, variant: variant)
    }

    /// Images as float32 [N, 3, 32, 32] in 0...1 and labels int32 [N].
    public static func read(_ path: String, variant: Variant) throws -> (images: Tensor, labels: Tensor) {
        let b = try readBatch(path, variant: variant)
        return (try b.images.tensor(scale: 1.0 / 255), try Tensor(ints: b.labels, shape: [b.labels.count]))
    }

    public static func parse(_ bytes: [UInt8], file: String, variant: Variant) throws -> Batch {
        let rs = variant.recordSize
        guard !bytes.isEmpty else {
            throw DataFormatError(file: file, offset: 0, expected: "\(rs)-byte CIFAR records", found: "an empty file")
        }
        let n = bytes.count / rs
        let extra = bytes.count % rs
        if extra != 0 {
            throw DataFormatError(file: file, offset: n * rs,
                                  expected: "a whole number of \(rs)-byte records (\(variant == .cifar10 ? "1 label" : "coarse + fine label") + 3072 pixels)",
                                  found: "\(n) records and \(extra) extra bytes (the data ends early)")
        }
        var pixels = [UInt8](repeating: 0, count: n * 3072)
        var labels = [Int32](repeating: 0, count: n)
        var coarse: [Int32]? = variant == .cifar100 ? [Int32](repeating: 0, count: n) : nil
        try bytes.withUnsafeBufferPointer { b in
            try pixels.withUnsafeMutableBufferPointer { px in
                for i in 0..<n {
                    let base = i * rs
                    if variant == .cifar10 {
                        guard b[base] < 10 else {
                            throw DataFormatError(file: file, offset: base, expected: "a CIFAR-10 label 0...9 in record \(i)",
                                                  found: "\(b[base])")
                        }
                        labels[i] = Int32(b[base])
                    } else {
                        guard b[base] < 20 else {
                            throw DataFormatError(file: file, offset: base, expected: "a CIFAR-100 coarse label 0...19 in record \(i)",
                                                  found: "\(b[base])")
                        }
                        guard b[base + 1] < 100 else {
                            throw DataFormatError(file: file, offset: base + 1, expected: "a CIFAR-100 fine label 0...99 in record \(i)",
                                                  found: "\(b[base + 1])")
                        }
                        coarse![i] = Int32(b[base])
                        labels[i] = Int32(b[base + 1])
                    }
                    (px.baseAddress! + i * 3072).update(from: b.baseAddress! + base + variant.labelBytes, count: 3072)
                }
            }
        }
        return Batch(images: UInt8Array(unchecked: [n, 3, 32, 32], values: pixels), labels: labels, coarseLabels: coarse)
    }

    public static func encode(images: UInt8Array, labels: [Int32], coarseLabels: [Int32]? = nil) throws -> [UInt8] {
        let n = labels.count
        guard images.shape == [n, 3, 32, 32], coarseLabels == nil || coarseLabels!.count == n else {
            throw TensorError("cifar", "expected images [\(n), 3, 32, 32] and \(n) labels, got \(shapeString(images.shape))")
        }
        var out: [UInt8] = []
        out.reserveCapacity(n * (3072 + (coarseLabels == nil ? 1 : 2)))
        for i in 0..<n {
            if let c = coarseLabels { out.append(UInt8(clamping: c[i])) }
            out.append(UInt8(clamping: labels[i]))
            out.append(contentsOf: images.values[(i * 3072)..<((i + 1) * 3072)])
        }
        return out
    }

    /// Class names from a CIFAR meta text file (`batches.meta.txt`, `fine_label_names.txt`,
    /// `coarse_label_names.txt`): one name a line, blank lines ignored.
    public static func readNames(_ path: String) throws -> [String] {
        let text = String(decoding: try FileBytes.read(path), as: UTF8.self)
        return text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" || f == "\u{FEFF}" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        return String(s)
    }
}
