#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A counter-based random number generator (Philox-4×32-10, Salmon et al. 2011). Output block j
/// is a pure function of (key, j), so a tensor's random values do not depend on how the work is
/// split over threads, and a generator's whole state is two 64-bit words.
///
/// Named sub-streams derive an independent key from the parent's seed and a name, e.g.
/// `rng.substream("augment")`, so adding a new consumer never shifts the numbers of another.
public final class RNG {
    public private(set) var seed: UInt64
    private(set) var key: (UInt32, UInt32)
    /// Index of the next 128-bit block.
    public private(set) var counter: UInt64 = 0
    private var buffer: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var used = 4

    public init(seed: UInt64) {
        self.seed = seed
        let k = RNG.mix(seed)
        key = (UInt32(truncatingIfNeeded: k), UInt32(truncatingIfNeeded: k >> 32))
    }

    /// The process-wide default generator that random ops use when none is given.
    nonisolated(unsafe) public static var global = RNG(seed: 0)
    public static func manualSeed(_ seed: UInt64) { global = RNG(seed: seed) }

    /// An independent generator named `name`, derived from this generator's seed.
    public func substream(_ name: String) -> RNG {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for b in name.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return RNG(seed: RNG.mix(seed ^ RNG.mix(h)))
    }

    /// The sub-stream `name` keyed further by integers (an epoch, a batch, a network): the seed a
    /// run's named random draws use (`sys.substream(seed, "mixup", epoch, batch, net)`), so no
    /// two consumers ever share or shift each other's stream and no seed is built by hand.
    public func substream(_ name: String, _ keys: [Int]) -> RNG {
        var r = substream(name)
        for k in keys { r = RNG(seed: RNG.mix(r.seed ^ RNG.mix(UInt64(bitPattern: Int64(k))))) }
        return r
    }

    /// splitmix64 finaliser.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    static func philox(_ ctr: UInt64, _ key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var c0 = UInt32(truncatingIfNeeded: ctr), c1 = UInt32(truncatingIfNeeded: ctr >> 32)
        var c2: UInt32 = 0x5eed, c3: UInt32 = 0
        var k0 = key.0, k1 = key.1
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            c1 = UInt32(truncatingIfNeeded: p1)
            c3 = UInt32(truncatingIfNeeded: p0)
            c0 = n0
            c2 = n2
            k0 = k0 &+ 0x9E37_79B9
            k1 = k1 &+ 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    public func nextUInt32() -> UInt32 {
        if used == 4 {
            buffer = RNG.philox(counter, key)
            counter &+= 1
            used = 0
        }
        defer { used += 1 }
        switch used {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    /// Uniform in [0, 1) with 24 random bits.
    public func nextFloat() -> Float { Float(nextUInt32() >> 8) * 0x1p-24 }
    public func nextDouble() -> Double {
        let hi = UInt64(nextUInt32() >> 5), lo = UInt64(nextUInt32() >> 6)
        return Double(hi << 26 | lo) * 0x1p-53
    }
    /// Uniform integer in 0..<n (n > 0), without modulo bias (Lemire's method).
    public func nextInt(below n: Int) -> Int {
        precondition(n > 0)
        if n <= Int(UInt32.max) {
            let bound = UInt32(n)
            var m = UInt64(nextUInt32()) &* UInt64(bound)
            if UInt32(truncatingIfNeeded: m) < bound {
                let t = (0 &- bound) % bound
                while UInt32(truncatingIfNeeded: m) < t { m = UInt64(nextUInt32()) &* UInt64(bound) }
            }
            return Int(m >> 32)
        }
        return Int(nextDouble() * Double(n)) % n
    }
    public func nextNormal() -> Double {
        let u1 = max(nextDouble(), 0x1p-60), u2 = nextDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Reserves `blocks` consecutive counter blocks for bulk generation and returns the first.
    func reserve(blocks: Int) -> UInt64 {
        used = 4
        let c = counter
        counter &+= UInt64(blocks)
        return c
    }

    /// Fills `n` uniform floats in [0, 1), four per counter block, in parallel-safe fashion.
    func fillUniform(_ out: UnsafeMutablePointer<Float>, _ n: Int, low: Float = 0, high: Float = 1) {
        let blocks = (n + 3) / 4
        let base = reserve(blocks: blocks)
        let key = self.key
        let span = high - low
        for b in 0..<blocks {
            let r = RNG.philox(base &+ UInt64(b), key)
            let vals = [r.0, r.1, r.2, r.3]
            for j in 0..<4 where b * 4 + j < n {
                out[b * 4 + j] = low + span * (Float(vals[j] >> 8) * 0x1p-24)
            }
        }
    }

    /// Fills `n` standard normals via Box–Muller: each counter block gives two normal pairs.
    func fillNormal(_ out: UnsafeMutablePointer<Float>, _ n: Int, mean: Float = 0, std: Float = 1) {
        let blocks = (n + 3) / 4
        let base = reserve(blocks: blocks)
        let key = self.key
        for b in 0..<blocks {
            let r = RNG.philox(base &+ UInt64(b), key)
            let u = [r.0, r.1, r.2, r.3].map { (Double($0) + 0.5) * 0x1p-32 }
            let rad0 = (-2 * log(u[0])).squareRoot(), rad1 = (-2 * log(u[2])).squareRoot()
            let z = [rad0 * cos(2 * .pi * u[1]), rad0 * sin(2 * .pi * u[1]),
                     rad1 * cos(2 * .pi * u[3]), rad1 * sin(2 * .pi * u[3])]
            for j in 0..<4 where b * 4 + j < n { out[b * 4 + j] = mean + std * Float(z[j]) }
        }
    }

    /// The generator's full state, for checkpoints: (seed, counter, position in the block).
    public var state: [UInt64] { [seed, counter, UInt64(used)] }
    public convenience init(state: [UInt64]) throws {
        self.init(seed: 0)
        try restore(state: state)
    }

    /// Puts this generator (in place) into a saved state.
    public func restore(state: [UInt64]) throws {
        guard state.count == 3 else {
            throw TensorError("rng", "expected an RNG state of 3 words [seed, counter, used], got \(state.count)")
        }
        guard state[2] <= 4 else {
            throw TensorError("rng", "invalid RNG state: used (the third word) must be 0...4, got \(state[2])")
        }
        seed = state[0]
        let k = RNG.mix(seed)
        key = (UInt32(truncatingIfNeeded: k), UInt32(truncatingIfNeeded: k >> 32))
        if state[2] < 4 && state[1] > 0 {
            counter = state[1] - 1
            buffer = RNG.philox(counter, key)
            counter += 1
            used = Int(state[2])
        } else {
            counter = state[1]
            used = 4
        }
    }
}

extension RNG {
    /// Beta(a, b) from two Gamma draws (Marsaglia–Tsang, with the α < 1 boost).
    public func nextBeta(_ a: Double, _ b: Double) -> Double {
        let x = nextGamma(a), y = nextGamma(b)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    public func nextGamma(_ alpha: Double) -> Double {
        if alpha < 1 {
            let u = Swift.max(nextDouble(), 1e-300)
            return nextGamma(alpha + 1) * pow(u, 1 / alpha)
        }
        let d = alpha - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = nextNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = nextDouble()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(Swift.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}
