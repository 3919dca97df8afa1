import Foundation

/// Which transform a loader view applies (docs/augmentation.md): `weak` = random crop with zero padding
/// (+ horizontal flip where the dataset allows it); `strong` = weak + RandAugment + Cutout (colour
/// sets) or weak + Cutout(1 hole, 16) (grayscale sets); `test` = resize + normalise only.
public enum AugmentView: String, CaseIterable, Sendable {
    case weak, strong, test
}

/// What `strong` adds after the weak crop and flip.
public enum StrongAugment: Equatable, Sendable {
    /// PiCO's `RandomAugment(n, 5)`: n random ops of 14, then Cutout of side < 0.5·width, fill (125, 123, 114).
    case randAugment(ops: Int)
    /// Co-Reg's `Cutout(n_holes, length)` on the 0…1 tensor before re-quantising (fill 0).
    case cutout(holes: Int, length: Int)
}

/// A dataset's augmentation settings, exactly as Co-Reg's `datasets/*.py` set them (docs/augmentation.md).
public struct AugmentPreset: Equatable, Sendable {
    public var name: String
    /// Bilinear resize to size×size before anything else (nil: keep the stored size).
    public var size: Int?
    /// Zero padding of the random crop (the crop size is the image size).
    public var padding: Int
    public var flip: Bool
    public var strong: StrongAugment
    /// Per-channel normalisation in 0…1 units: (x/255 − mean) / std.
    public var mean: [Float]
    public var std: [Float]

    public init(name: String, size: Int? = nil, padding: Int, flip: Bool, strong: StrongAugment, mean: [Float], std: [Float]) {
        self.name = name
        self.size = size
        self.padding = padding
        self.flip = flip
        self.strong = strong
        self.mean = mean
        self.std = std
    }

    /// The preset of a dataset from `DatasetRegistry` (case-insensitive; a `name/part` such as
    /// `fmnist/train` or a `name:path` spec works too). User data (`folder`, `npz`) has no fixed
    /// preset: use `DatasetRegistry.augmentPreset(_:like:)` with the dataset.
    public static func forDataset(_ name: String) throws -> AugmentPreset {
        try DatasetRegistry.augmentPreset(name)
    }

    /// Output [C, H, W] for inputs of `shape` [C, H, W].
    public func outputShape(for shape: [Int]) -> [Int] {
        guard let s = size else { return shape }
        return [shape[0], s, s]
    }
}

/// Seeded, batched, multi-threaded augmentation. Every sample's randomness comes from its own
/// counter-based stream keyed by (seed, epoch, sample index, view), so results never depend on
/// batch composition, thread count or timing.
public struct Augmenter: Sendable {
    public let preset: AugmentPreset
    public let seed: UInt64
    /// The key all per-sample streams derive from (`RNG(seed).substream("augment")`).
    let base: UInt64

    public init(preset: AugmentPreset, seed: UInt64 = 0) {
        self.preset = preset
        self.seed = seed
        self.base = RNG(seed: seed).substream("augment").seed
    }

    /// The random stream of one (epoch, sample, view).
    public func rng(epoch: Int, sample: Int, view: Int) -> RNG {
        var k = RNG.mix(base ^ UInt64(bitPattern: Int64(epoch)))
        k = RNG.mix(k ^ UInt64(bitPattern: Int64(sample)))
        k = RNG.mix(k ^ (UInt64(bitPattern: Int64(view)) &* 0x9E37_79B9_7F4A_7C15))
        return RNG(seed: k)
    }

    /// Augments one image (bytes in, bytes out). Draw order: crop top, crop left, flip (when the
    /// preset flips), then the strong part (`RandAugment.apply`, or per hole its centre y, x).
    public func apply(_ image: ByteImage, view: AugmentView, rng: RNG) throws -> ByteImage {
        var img = image
        if let s = preset.size, img.height != s || img.width != s { img = try ImageOps.resize(img, height: s, width: s) }
        if view == .test { return img }
        let p = preset.padding
        let top = rng.nextInt(below: 2 * p + 1), left = rng.nextInt(below: 2 * p + 1)
        let flip = preset.flip && rng.nextFloat() < 0.5
        var out = ByteImage(channels: img.channels, height: img.height, width: img.width)
        ImageOps.padCrop(img, padding: p, top: top, left: left, flip: flip, into: &out)
        guard view == .strong else { return out }
        switch preset.strong {
        case .randAugment(let n):
            out = RandAugment(n: n).apply(out, rng: rng)
        case .cutout(let holes, let length):
            for _ in 0..<holes {
                let cy = rng.nextInt(below: out.height), cx = rng.nextInt(below: out.width)
                ImageOps.cutoutHole(&out, cy: cy, cx: cx, length: length, fill: 0)
            }
        }
        return out
    }

    /// Sample `i` of a dataset as bytes (float datasets are quantised: round(v·255) in 0…255).
    static func bytes(of dataset: Dataset, _ i: Int) -> ByteImage {
        let per = dataset.channels * dataset.height * dataset.width
        switch dataset.pixels {
        case .uint8(let b):
            return ByteImage(channels: dataset.channels, height: dataset.height, width: dataset.width, pixels: Array(b[(i * per)..<((i + 1) * per)]))
        case .float32(let f):
            let px = f[(i * per)..<((i + 1) * per)].map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
            return ByteImage(channels: dataset.channels, height: dataset.height, width: dataset.width, pixels: px)
        }
    }

    /// (x/255 − mean) / std into `dst` (planar).
    func normalise(_ img: ByteImage, into dst: UnsafeMutablePointer<Float>) {
        let hw = img.height * img.width
        img.pixels.withUnsafeBufferPointer { src in
            for c in 0..<img.channels {
                let m = preset.mean.isEmpty ? 0 : preset.mean[min(c, preset.mean.count - 1)]
                let s = preset.std.isEmpty ? 1 : preset.std[min(c, preset.std.count - 1)]
                let a = 1 / (255 * s), b = -m / s
                let sp = src.baseAddress! + c * hw, dp = dst + c * hw
                for j in 0..<hw { dp[j] = Float(sp[j]) * a + b }
            }
        }
    }

    /// The augmented, normalised views of `indices` (dataset rows) as float32 [B, C, H, W]; the
    /// stream of sample `indices[k]` is `rng(epoch:, sample: indices[k], view: viewIndex)`.
    /// Work is split over `pool` by contiguous sample ranges.
    public func batch(_ dataset: Dataset, indices: [Int], view: AugmentView, epoch: Int, viewIndex: Int,
                      pool: ThreadPool = .shared) throws -> Tensor {
        for i in indices where i < 0 || i >= dataset.count {
            throw TensorError("augment", "\(dataset.name): index \(i) is out of range for \(dataset.count) samples")
        }
        let shape = preset.outputShape(for: dataset.imageShape)
        let per = shape[0] * shape[1] * shape[2]
        let t = try Tensor.empty([indices.count] + shape, dtype: .float32, op: "augment")
        let out = UnsafeMutablePointer<Float>(t.fptr)
        let ranges = splitRange(indices.count, parts: min(indices.count, max(1, pool.threads * 4)))
        let failure = FirstError()
        let me = self
        // Float datasets keep full precision in the test view (no resize): normalise directly.
        if view == .test, shape == dataset.imageShape, case .float32(let f) = dataset.pixels {
            let hw = shape[1] * shape[2]
            f.withUnsafeBufferPointer { src in
                for (k, i) in indices.enumerated() {
                    for c in 0..<shape[0] {
                        let m = preset.mean.isEmpty ? 0 : preset.mean[min(c, preset.mean.count - 1)]
                        let s = preset.std.isEmpty ? 1 : preset.std[min(c, preset.std.count - 1)]
                        let sp = src.baseAddress! + i * per + c * hw, dp = out + k * per + c * hw
                        for j in 0..<hw { dp[j] = (sp[j] - m) / s }
                    }
                }
            }
            return t
        }
        pool.parallelFor(ranges.count) { r in
            for k in ranges[r] {
                do {
                    let i = indices[k]
                    let img = try me.apply(Augmenter.bytes(of: dataset, i), view: view,
                                           rng: me.rng(epoch: epoch, sample: i, view: viewIndex))
                    me.normalise(img, into: out + k * per)
                } catch {
                    failure.set(error)
                }
            }
        }
        if let e = failure.error { throw e }
        return t
    }
}

/// Keeps the first error thrown inside a parallel loop.
final class FirstError: @unchecked Sendable {
    private var stored: Error?
    private let lock = NSLock()
    var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ e: Error) { lock.lock(); defer { lock.unlock() }; if stored == nil { stored = e } }
}
