/// A labelled image dataset held in memory.
///
/// Storage: pixels are kept as bytes (`UInt8`, planar [N, C, H, W]) whenever the source is 8-bit
/// (every built-in dataset), i.e. one byte per pixel: CIFAR-10's 50,000 training images take
/// 150 MB instead of 600 MB as float32. Sources with float pixels (a float `.npy`) keep float32.
/// `images` / `images(at:)` convert to float32 tensors [N, C, H, W] in 0...1 on access (bytes are
/// divided by 255), so a loader converts one batch at a time.
public struct Dataset: Sendable {
    public enum Pixels: Sendable {
        /// Planar bytes [N, C, H, W].
        case uint8([UInt8])
        /// Planar float32 values [N, C, H, W], already in the model's range (usually 0...1).
        case float32([Float])
    }

    public let name: String
    public let channels: Int
    public let height: Int
    public let width: Int
    public let pixels: Pixels
    /// Class indices 0..<classNames.count.
    public let labels: [Int32]
    public let classNames: [String]
    /// For each sample, its row in the source files (kept through subsets and splits).
    public let sourceIndices: [Int32]

    public var count: Int { labels.count }
    public var classCount: Int { classNames.count }
    public var imageShape: [Int] { [channels, height, width] }

    public init(name: String, pixels: Pixels, shape: [Int], labels: [Int32], classNames: [String],
                sourceIndices: [Int32]? = nil) throws {
        guard shape.count == 4 else {
            throw TensorError("dataset", "\(name): expected an image shape [N, C, H, W], got \(shapeString(shape))")
        }
        let n = shape[0]
        guard let total = checkedProduct(shape) else {
            throw TensorError("dataset", "\(name): image shape \(shapeString(shape)) is too large")
        }
        let have: Int
        switch pixels {
        case .uint8(let b): have = b.count
        case .float32(let f): have = f.count
        }
        guard have == total else {
            throw TensorError("dataset", "\(name): image shape \(shapeString(shape)) needs \(total) values, got \(have)")
        }
        guard labels.count == n else {
            throw TensorError("dataset", "\(name): \(n) images but \(labels.count) labels (the counts must match)")
        }
        guard !classNames.isEmpty else { throw TensorError("dataset", "\(name): no class names") }
        for (i, l) in labels.enumerated() where l < 0 || Int(l) >= classNames.count {
            throw TensorError("dataset", "\(name): label \(l) of sample \(i) is outside 0..<\(classNames.count)")
        }
        if let s = sourceIndices, s.count != n {
            throw TensorError("dataset", "\(name): \(s.count) source indices for \(n) samples")
        }
        self.name = name
        self.channels = shape[1]
        self.height = shape[2]
        self.width = shape[3]
        self.pixels = pixels
        self.labels = labels
        self.classNames = classNames
        self.sourceIndices = sourceIndices ?? (0..<n).map { Int32(truncatingIfNeeded: $0) }
    }

    /// Byte images [N, C, H, W] with labels: the common constructor for loaders.
    public init(name: String, images: UInt8Array, labels: [Int32], classNames: [String]) throws {
        try self.init(name: name, pixels: .uint8(images.values), shape: images.shape, labels: labels, classNames: classNames)
    }

    /// All images as float32 [N, C, H, W] in 0...1 (a fresh tensor; for large datasets prefer
    /// `images(at:)` per batch).
    public var images: Tensor { get throws { try images(at: Array(0..<count)) } }

    /// Labels as int32 [N].
    public var labelTensor: Tensor { get throws { try Tensor(ints: labels, shape: [count]) } }

    /// The images at `indices` as float32 [len, C, H, W] in 0...1.
    public func images(at indices: [Int]) throws -> Tensor {
        let per = channels * height * width
        for i in indices where i < 0 || i >= count {
            throw TensorError("dataset", "\(name): index \(i) is out of range for \(count) samples")
        }
        let t = try Tensor.empty([indices.count, channels, height, width], dtype: .float32, op: "dataset")
        let p = t.fptr
        switch pixels {
        case .uint8(let b):
            b.withUnsafeBufferPointer { src in
                for (k, i) in indices.enumerated() {
                    let s = src.baseAddress! + i * per, d = p + k * per
                    for j in 0..<per { d[j] = Float(s[j]) * (1.0 / 255) }
                }
            }
        case .float32(let f):
            f.withUnsafeBufferPointer { src in
                for (k, i) in indices.enumerated() { (p + k * per).update(from: src.baseAddress! + i * per, count: per) }
            }
        }
        return t
    }

    /// One image as float32 [C, H, W].
    public func image(_ i: Int) throws -> Tensor { try images(at: [i]).reshape([channels, height, width]) }

    /// The bytes of image `i` ([C, H, W] planar), or nil for float datasets.
    public func imageBytes(_ i: Int) -> ArraySlice<UInt8>? {
        guard case .uint8(let b) = pixels, i >= 0, i < count else { return nil }
        let per = channels * height * width
        return b[(i * per)..<((i + 1) * per)]
    }

    /// The samples at `indices`, in that order (repeats allowed).
    public func subset(_ indices: [Int], name newName: String? = nil) throws -> Dataset {
        let per = channels * height * width
        for i in indices where i < 0 || i >= count {
            throw TensorError("subset", "\(name): index \(i) is out of range for \(count) samples")
        }
        let px: Pixels
        switch pixels {
        case .uint8(let b):
            var out = [UInt8](); out.reserveCapacity(indices.count * per)
            for i in indices { out.append(contentsOf: b[(i * per)..<((i + 1) * per)]) }
            px = .uint8(out)
        case .float32(let f):
            var out = [Float](); out.reserveCapacity(indices.count * per)
            for i in indices { out.append(contentsOf: f[(i * per)..<((i + 1) * per)]) }
            px = .float32(out)
        }
        return try Dataset(name: newName ?? name, pixels: px, shape: [indices.count, channels, height, width],
                           labels: indices.map { labels[$0] }, classNames: classNames,
                           sourceIndices: indices.map { sourceIndices[$0] })
    }

    /// A seeded random split: the first part holds round(fraction · N) samples (e.g. 0.8 for an
    /// 80/20 split). The permutation comes from `RNG(seed:)`, so the split is reproducible;
    /// each part keeps the dataset's order.
    public func split(fraction: Double, seed: UInt64) throws -> (first: Dataset, second: Dataset) {
        guard fraction >= 0, fraction <= 1, fraction.isFinite else {
            throw TensorError("split", "fraction must be in 0...1, got \(fraction)")
        }
        let perm = Dataset.permutation(count, seed: seed)
        let k = Int((fraction * Double(count)).rounded())
        let a = perm[0..<k].sorted(), b = perm[k...].sorted()
        return (try subset(a, name: name + "[split \(fraction)]"), try subset(b, name: name + "[split \(1 - fraction)]"))
    }

    /// Fisher–Yates permutation of 0..<n from a seeded RNG.
    static func permutation(_ n: Int, seed: UInt64) -> [Int] {
        let rng = RNG(seed: seed).substream("dataset.split")
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, rng.nextInt(below: i + 1)) }
        }
        return p
    }

    /// Samples per class, indexed by class.
    public var classHistogram: [Int] {
        var h = [Int](repeating: 0, count: classNames.count)
        for l in labels { h[Int(l)] += 1 }
        return h
    }

    /// Pixel mean and standard deviation per channel (in 0...1 units).
    public func channelStats() -> (mean: [Double], std: [Double]) {
        let hw = height * width
        var sum = [Double](repeating: 0, count: channels), sq = sum
        for i in 0..<count {
            for c in 0..<channels {
                var s = 0.0, q = 0.0
                let base = (i * channels + c) * hw
                switch pixels {
                case .uint8(let b): for j in 0..<hw { let v = Double(b[base + j]) / 255; s += v; q += v * v }
                case .float32(let f): for j in 0..<hw { let v = Double(f[base + j]); s += v; q += v * v }
                }
                sum[c] += s; sq[c] += q
            }
        }
        let n = Double(max(1, count * hw))
        let mean = sum.map { $0 / n }
        let std = zip(sq, mean).map { ($0 / n - $1 * $1).squareRoot() }
        return (mean, std)
    }

    /// A multi-line description: name, size, image shape, storage and the class histogram.
    public var summary: String {
        let storage: String
        switch pixels {
        case .uint8: storage = "uint8 (\(count * channels * height * width) bytes)"
        case .float32: storage = "float32 (\(count * channels * height * width * 4) bytes)"
        }
        var s = "\(name): \(count) images, \(channels)×\(height)×\(width), \(classNames.count) classes, storage \(storage)\n"
        let h = classHistogram
        let width = classNames.map { $0.count }.max() ?? 0
        for (i, n) in classNames.enumerated() {
            s += "  \(String(repeating: " ", count: max(0, 3 - String(i).count)))\(i) \(n)\(String(repeating: " ", count: width - n.count))  \(h[i])\n"
        }
        return s
    }
}

/// A dataset's official (or seeded) train and test parts.
public struct DatasetSplits: Sendable {
    public let train: Dataset
    public let test: Dataset
    public init(train: Dataset, test: Dataset) {
        self.train = train
        self.test = test
    }
}

/// A dataset that is not installed: says where it was looked for and how to get it.
public struct DatasetMissingError: Error, CustomStringConvertible, Equatable, Sendable {
    public let dataset: String
    public let path: String
    public let hint: String
    public init(dataset: String, path: String, hint: String) {
        self.dataset = dataset
        self.path = path
        self.hint = hint
    }
    public var description: String { "\(dataset) not found at \(path): \(hint)" }
}

extension Dataset {
    /// `perClass` samples of every class: the first ones in a seeded permutation, in index order
    /// (the balanced subsets of the experiments, e.g. 12,000 Fashion-MNIST images).
    public func balancedIndices(perClass: Int, seed: UInt64) throws -> [Int] {
        guard perClass > 0 else { throw TensorError("balanced", "samples per class must be positive, got \(perClass)") }
        var taken = [Int](repeating: 0, count: classCount), out: [Int] = []
        let rng = RNG(seed: seed).substream("annotate.balanced")
        var perm = Array(0..<count)
        if count > 1 { for i in stride(from: count - 1, to: 0, by: -1) { perm.swapAt(i, rng.nextInt(below: i + 1)) } }
        for i in perm {
            let y = Int(labels[i])
            if y >= 0 && y < classCount && taken[y] < perClass { taken[y] += 1; out.append(i) }
        }
        if let y = taken.firstIndex(where: { $0 < perClass }) {
            throw TensorError("balanced", "class \(y) has only \(taken[y]) samples, fewer than \(perClass)")
        }
        return out.sorted()
    }
}
