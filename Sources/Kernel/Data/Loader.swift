import Foundation

/// One batch from a `Loader`.
public struct Batch {
    /// One float32 tensor [B, C, H, W] per requested view, in the order of `Loader.views`.
    public let views: [Tensor]
    /// int32 [B] class labels.
    public let labels: Tensor
    /// int32 [B] rows of the loader's dataset (not positions in the subset).
    public let indices: Tensor
    /// Per-sample extra tensors gathered for this batch ([B, …] each).
    public let extras: [String: Tensor]
    /// The batch's position in its epoch.
    public let number: Int
    /// The first view.
    public var x: Tensor { views[0] }
    public var count: Int { indices.shape[0] }
}

/// Batches of several augmented views per sample over a dataset or a subset of it.
///
/// Determinism: the sample order of an epoch is a seeded permutation keyed by (seed, epoch), and
/// every view of every sample is augmented from its own stream keyed by (seed, epoch, sample,
/// view), so batch b of epoch e has the same contents however it is produced (prefetched on a
/// background thread or not, with any number of threads).
///
/// Epochs: each pass (`makeIterator()`) uses `epoch` and then advances it by one, so a plain
/// `for epoch in …: for batch in loader` reshuffles every time; `setEpoch(_:)` picks the epoch of
/// the next pass (as PyTorch's `DistributedSampler.set_epoch`).
public final class Loader: Sequence {
    public let dataset: Dataset
    /// Dataset rows this loader walks (nil: all of them).
    public let subset: [Int]?
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    public let views: [AugmentView]
    public let augmenter: Augmenter
    public let seed: UInt64
    /// Per-sample tensors whose first dimension is the dataset's size (gathered by dataset row)
    /// or, when it differs, the subset's size (gathered by position in the subset).
    public let extras: [String: Tensor]
    /// Batches prepared ahead by a background thread (0: build each batch when asked).
    public let prefetch: Int
    let pool: ThreadPool
    private let lock = NSLock()
    private var nextEpoch: Int

    /// - Parameters:
    ///   - preset: augmentation settings; default `DatasetRegistry.defaultPreset(for:)`: the
    ///     dataset's own preset, or the user-data default at the images' size.
    ///   - threads: augmentation threads in a private pool; nil: the prefetch thread alone when
    ///     `prefetch > 0`, else `ThreadPool.shared`.
    public init(dataset: Dataset, batchSize: Int = 128, shuffle: Bool = true, dropLast: Bool = false,
                views: [AugmentView] = [.weak, .weak, .strong, .strong], preset: AugmentPreset? = nil,
                seed: UInt64 = 0, indices: [Int]? = nil, extras: [String: Tensor] = [:],
                prefetch: Int = 2, threads: Int? = nil, epoch: Int = 0) throws {
        guard batchSize > 0 else { throw TensorError("loader", "batch size must be positive, got \(batchSize)") }
        guard !views.isEmpty else { throw TensorError("loader", "at least one view is needed (weak, strong or test)") }
        guard prefetch >= 0 else { throw TensorError("loader", "prefetch must be 0 or more, got \(prefetch)") }
        if let idx = indices {
            for i in idx where i < 0 || i >= dataset.count {
                throw TensorError("loader", "\(dataset.name): subset index \(i) is out of range for \(dataset.count) samples")
            }
        }
        let n = indices?.count ?? dataset.count
        for (k, t) in extras {
            guard t.rank >= 1, t.shape[0] == dataset.count || t.shape[0] == n else {
                throw TensorError("loader", "extra '\(k)' has shape \(shapeString(t.shape)); its first dimension must be the dataset's size \(dataset.count)\(indices == nil ? "" : " or the subset's size \(n)")")
            }
        }
        self.dataset = dataset
        self.subset = indices
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.views = views
        self.seed = seed
        self.augmenter = Augmenter(preset: preset ?? DatasetRegistry.defaultPreset(for: dataset), seed: seed)
        self.extras = extras
        self.prefetch = prefetch
        // A prefetching loader without its own pool augments on its one background thread: far
        // faster than any training step consumes, and it never takes the shared pool from training.
        self.pool = threads.map { ThreadPool(threads: $0) } ?? (prefetch > 0 ? .serial : .shared)
        self.nextEpoch = epoch
    }

    /// Samples per epoch.
    public var sampleCount: Int { subset?.count ?? dataset.count }
    /// Batches per epoch.
    public var count: Int { dropLast ? sampleCount / batchSize : (sampleCount + batchSize - 1) / batchSize }
    /// The epoch the next pass uses.
    public var epoch: Int { lock.lock(); defer { lock.unlock() }; return nextEpoch }
    public func setEpoch(_ e: Int) { lock.lock(); nextEpoch = e; lock.unlock() }

    /// Positions (in the subset, or dataset rows without one) of epoch `epoch` in visiting order.
    public func positions(epoch: Int) -> [Int] {
        let n = sampleCount
        var pos = Array(0..<n)
        if shuffle && n > 1 {
            let base = RNG(seed: seed).substream("loader.shuffle").seed
            let rng = RNG(seed: RNG.mix(base ^ UInt64(bitPattern: Int64(epoch))))
            for i in stride(from: n - 1, to: 0, by: -1) { pos.swapAt(i, rng.nextInt(below: i + 1)) }
        }
        return pos
    }

    /// The dataset rows of epoch `epoch` in visiting order.
    public func order(epoch: Int) -> [Int] {
        let pos = positions(epoch: epoch)
        guard let s = subset else { return pos }
        return pos.map { s[$0] }
    }

    /// Batch `b` of `epoch`, built on the calling thread (with the loader's pool).
    public func batch(_ b: Int, epoch: Int) throws -> Batch {
        try batch(b, positions: positions(epoch: epoch), epoch: epoch)
    }

    func batch(_ b: Int, positions: [Int], epoch: Int) throws -> Batch {
        guard b >= 0, b < count else { throw TensorError("loader", "batch \(b) is out of range for \(count) batches") }
        let lo = b * batchSize, hi = Swift.min(positions.count, lo + batchSize)
        let pos = Array(positions[lo..<hi])
        let rows = subset.map { s in pos.map { s[$0] } } ?? pos
        var vs: [Tensor] = []
        for (v, kind) in views.enumerated() {
            vs.append(try augmenter.batch(dataset, indices: rows, view: kind, epoch: epoch, viewIndex: v, pool: pool))
        }
        let labels = try Tensor(ints: rows.map { dataset.labels[$0] }, shape: [rows.count])
        let idx = try Tensor(ints: rows.map { Int32(truncatingIfNeeded: $0) }, shape: [rows.count])
        var ex: [String: Tensor] = [:]
        for (k, t) in extras {
            if t.shape[0] == dataset.count {
                ex[k] = try t.indexSelect(axis: 0, index: idx)
            } else {
                ex[k] = try t.indexSelect(axis: 0, index: try Tensor(ints: pos.map { Int32($0) }, shape: [pos.count]))
            }
        }
        return Batch(views: vs, labels: labels, indices: idx, extras: ex, number: b)
    }

    /// A pass over the next epoch (advancing `epoch`), prefetching when `prefetch > 0`.
    public func makeIterator() -> LoaderIterator {
        lock.lock()
        let e = nextEpoch
        nextEpoch += 1
        lock.unlock()
        return LoaderIterator(loader: self, epoch: e)
    }

    /// A pass over a given epoch without touching `epoch`.
    public func iterator(epoch: Int) -> LoaderIterator { LoaderIterator(loader: self, epoch: epoch) }
}

/// One pass over a loader's epoch. `next()` returns batches in order; a background thread keeps
/// up to `prefetch` batches ready (a bounded queue). `close()` (or deinit) stops and joins the
/// thread, so stopping early leaves nothing running. Errors from building a batch surface from
/// `nextBatch()`; an interrupt (`Interrupt.request()`) stops the producer and makes
/// `nextBatch()` throw `InterruptedError`.
public final class LoaderIterator: IteratorProtocol {
    public let epoch: Int
    let loader: Loader
    let positions: [Int]
    private var position = 0
    private let queue: PrefetchQueue?
    /// The last error seen by `next()` (which cannot throw).
    public private(set) var error: Error?

    init(loader: Loader, epoch: Int) {
        self.loader = loader
        self.epoch = epoch
        let positions = loader.positions(epoch: epoch)
        self.positions = positions
        if loader.prefetch > 0 && loader.count > 0 {
            let q = PrefetchQueue(capacity: loader.prefetch)
            queue = q
            let t = Thread { q.produce(total: loader.count) { b in try loader.batch(b, positions: positions, epoch: epoch) } }
            t.stackSize = 1 << 22
            t.name = "coreg.loader"
            t.start()
        } else {
            queue = nil
        }
    }

    deinit { close() }

    /// Batches left in this pass.
    public var remaining: Int { loader.count - position }

    /// The next batch, nil at the end of the epoch; throws the error of a batch that failed.
    public func nextBatch() throws -> Batch? {
        guard position < loader.count else { return nil }
        guard let q = queue else {
            try Interrupt.check()
            defer { position += 1 }
            return try loader.batch(position, positions: positions, epoch: epoch)
        }
        let r = try q.take(position)
        position += 1
        return try r.get()
    }

    public func next() -> Batch? {
        do { return try nextBatch() } catch { self.error = error; return nil }
    }

    /// Stops the background thread and waits for it to finish (idempotent).
    public func close() { queue?.close() }
}

/// The bounded queue between a loader's prefetch thread and its consumer.
final class PrefetchQueue: @unchecked Sendable {
    private let cond = NSCondition()
    private let capacity: Int
    // Guarded by `cond`.
    private var ready: [Int: Result<Batch, Error>] = [:]
    private var produced = 0
    private var consumed = 0
    private var stop = false
    private var done = false

    init(capacity: Int) { self.capacity = capacity }

    /// Runs on the prefetch thread: builds batches 0..<total in order, at most `capacity` ahead.
    func produce(total: Int, _ make: (Int) throws -> Batch) {
        while true {
            cond.lock()
            while !stop && produced - consumed >= capacity { cond.wait() }
            if stop || produced >= total || Interrupt.isRequested {
                done = true
                cond.broadcast()
                cond.unlock()
                return
            }
            let b = produced
            cond.unlock()
            let r = Result { try make(b) }
            cond.lock()
            ready[b] = r
            produced += 1
            cond.broadcast()
            cond.unlock()
        }
    }

    /// Waits for batch `b`.
    func take(_ b: Int) throws -> Result<Batch, Error> {
        cond.lock()
        defer { cond.unlock() }
        while ready[b] == nil && !done { cond.wait() }
        guard let r = ready.removeValue(forKey: b) else {
            if Interrupt.isRequested { throw InterruptedError() }
            throw TensorError("loader", "the prefetch thread stopped before batch \(b)")
        }
        consumed = b + 1
        cond.broadcast()
        return r
    }

    func close() {
        cond.lock()
        stop = true
        cond.broadcast()
        while !done { cond.wait() }
        ready.removeAll()
        cond.unlock()
    }
}
