import XCTest
import Kernel

/// Augmentation: determinism, geometry, Cutout area, and each RandAugment op against a plain-loop
/// reference written here.
final class AugmentTests: XCTestCase {
    /// A deterministic pseudo-random byte image.
    func noise(_ c: Int, _ h: Int, _ w: Int, seed: Int = 1) -> ByteImage {
        var s = UInt32(truncatingIfNeeded: seed &* 2_654_435_761 &+ 12345)
        let px = (0..<(c * h * w)).map { _ -> UInt8 in
            s = s &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: s >> 24)
        }
        return ByteImage(channels: c, height: h, width: w, pixels: px)
    }

    /// value(c, y, x) = y·W + x + 7c (fits a byte for small images).
    func ramp(_ c: Int, _ h: Int, _ w: Int) -> ByteImage {
        var img = ByteImage(channels: c, height: h, width: w)
        for ch in 0..<c { for y in 0..<h { for x in 0..<w { img[ch, y, x] = UInt8(y * w + x + 7 * ch) } } }
        return img
    }

    func dataset(_ n: Int, c: Int, h: Int, w: Int, name: String) throws -> Dataset {
        var px: [UInt8] = []
        for i in 0..<n { px += noise(c, h, w, seed: i + 1).pixels }
        return try Dataset(name: name, pixels: .uint8(px), shape: [n, c, h, w], labels: (0..<n).map { Int32($0 % 10) },
                           classNames: (0..<10).map { "c\($0)" })
    }

    func values(_ t: Tensor) -> [Float] { t.toDoubles().map { Float($0) } }

    // MARK: determinism

    func testSameSeedSameBytesDifferentEpochViewSeedDiffer() throws {
        let d = try dataset(24, c: 3, h: 32, w: 32, name: "cifar10/train")
        let p = try AugmentPreset.forDataset("cifar10")
        let a = Augmenter(preset: p, seed: 7), b = Augmenter(preset: p, seed: 7), c = Augmenter(preset: p, seed: 8)
        let idx = Array(0..<24)
        for view in [AugmentView.weak, .strong] {
            let x = try a.batch(d, indices: idx, view: view, epoch: 3, viewIndex: 1)
            XCTAssertEqual(x.shape, [24, 3, 32, 32])
            XCTAssertEqual(values(x), values(try b.batch(d, indices: idx, view: view, epoch: 3, viewIndex: 1)))
            XCTAssertNotEqual(values(x), values(try a.batch(d, indices: idx, view: view, epoch: 4, viewIndex: 1)))
            XCTAssertNotEqual(values(x), values(try a.batch(d, indices: idx, view: view, epoch: 3, viewIndex: 2)))
            XCTAssertNotEqual(values(x), values(try c.batch(d, indices: idx, view: view, epoch: 3, viewIndex: 1)))
            // Independent of thread count and of the batch a sample sits in.
            let serial = try a.batch(d, indices: idx, view: view, epoch: 3, viewIndex: 1, pool: ThreadPool(threads: 1))
            let three = try a.batch(d, indices: idx, view: view, epoch: 3, viewIndex: 1, pool: ThreadPool(threads: 3))
            XCTAssertEqual(values(x), values(serial))
            XCTAssertEqual(values(x), values(three))
            let single = try a.batch(d, indices: [5], view: view, epoch: 3, viewIndex: 1)
            XCTAssertEqual(values(single), Array(values(x)[(5 * 3072)..<(6 * 3072)]))
        }
        // The test view is the plain normalised image.
        let t = try a.batch(d, indices: [2], view: .test, epoch: 0, viewIndex: 0)
        let raw = noise(3, 32, 32, seed: 3)
        XCTAssertEqual(values(t)[5], (Float(raw.pixels[5]) / 255 - 0.4914) / 0.2470, accuracy: 1e-5)
        XCTAssertEqual(values(t)[1024 + 9], (Float(raw.pixels[1024 + 9]) / 255 - 0.4822) / 0.2435, accuracy: 1e-5)
    }

    // MARK: geometry

    func testFlipTwiceIsIdentity() {
        let img = noise(3, 5, 7)
        XCTAssertEqual(ImageOps.hflip(ImageOps.hflip(img)), img)
        XCTAssertNotEqual(ImageOps.hflip(img), img)
        XCTAssertEqual(ImageOps.hflip(img)[1, 2, 0], img[1, 2, 6])
    }

    func testCropOfRampLandsAtOffsets() {
        let img = ramp(2, 8, 8)
        for (top, left) in [(0, 0), (1, 3), (4, 4), (8, 8), (2, 7)] {
            let out = ImageOps.padCrop(img, padding: 4, top: top, left: left, height: 8, width: 8)
            for c in 0..<2 {
                for y in 0..<8 {
                    for x in 0..<8 {
                        let sy = y + top - 4, sx = x + left - 4
                        let want: UInt8 = (sy >= 0 && sy < 8 && sx >= 0 && sx < 8) ? UInt8(sy * 8 + sx + 7 * c) : 0
                        XCTAssertEqual(out[c, y, x], want, "top \(top) left \(left) at \(c),\(y),\(x)")
                    }
                }
            }
        }
        // The centre crop (offset = padding) is the image itself.
        XCTAssertEqual(ImageOps.padCrop(img, padding: 4, top: 4, left: 4, height: 8, width: 8), img)
    }

    /// The weak view is exactly padCrop (+ flip) at the offsets the sample's stream draws.
    func testWeakViewMatchesItsDraws() throws {
        let p = try AugmentPreset.forDataset("fmnist")
        let aug = Augmenter(preset: p, seed: 3)
        var flips = 0
        for i in 0..<6 {
            for v in 0..<4 {
                let rng = aug.rng(epoch: 2, sample: i, view: v)
                let top = rng.nextInt(below: 9), left = rng.nextInt(below: 9), flip = rng.nextFloat() < 0.5
                var want = ImageOps.padCrop(noise(1, 28, 28, seed: i + 1), padding: 4, top: top, left: left, height: 28, width: 28)
                if flip { want = ImageOps.hflip(want); flips += 1 }
                let got = try aug.apply(noise(1, 28, 28, seed: i + 1), view: .weak, rng: aug.rng(epoch: 2, sample: i, view: v))
                XCTAssertEqual(got, want)
            }
        }
        XCTAssertGreaterThan(flips, 0)
        XCTAssertLessThan(flips, 24)
        // SVHN never flips: the weak view equals the unflipped crop.
        let s = Augmenter(preset: try AugmentPreset.forDataset("svhn"), seed: 1)
        for i in 0..<8 {
            let rng = s.rng(epoch: 0, sample: i, view: 0)
            let top = rng.nextInt(below: 9), left = rng.nextInt(below: 9)
            let img = noise(3, 32, 32, seed: i)
            XCTAssertEqual(try s.apply(img, view: .weak, rng: s.rng(epoch: 0, sample: i, view: 0)),
                           ImageOps.padCrop(img, padding: 4, top: top, left: left, height: 32, width: 32))
        }
    }

    // MARK: cutout

    func testCutoutArea() {
        func count(_ img: ByteImage, _ v: UInt8, channel: Int = 0) -> Int {
            var n = 0
            for y in 0..<img.height { for x in 0..<img.width where img[channel, y, x] == v { n += 1 } }
            return n
        }
        var a = ByteImage(channels: 1, height: 32, width: 32, fill: 255)
        ImageOps.cutoutHole(&a, cy: 16, cx: 15, length: 16)
        XCTAssertEqual(count(a, 0), 256)
        XCTAssertEqual(a[0, 8, 7], 0); XCTAssertEqual(a[0, 23, 22], 0)
        XCTAssertEqual(a[0, 7, 7], 255); XCTAssertEqual(a[0, 8, 23], 255)
        var edge = ByteImage(channels: 1, height: 28, width: 28, fill: 255)
        ImageOps.cutoutHole(&edge, cy: 2, cx: 27, length: 16)   // rows 0..<10, cols 19..<28
        XCTAssertEqual(count(edge, 0), 10 * 9)
        // PiCO's cutout: a side of 10 px (fraction 10/32) covers 11×11 (PIL's inclusive rectangle).
        var b = ByteImage(channels: 3, height: 32, width: 32, fill: 255)
        ImageOps.cutoutPiCO(&b, fraction: 10.0 / 32, cx: 16, cy: 16, fill: [125, 123, 114])
        XCTAssertEqual(count(b, 125, channel: 0), 121)
        XCTAssertEqual(count(b, 123, channel: 1), 121)
        XCTAssertEqual(count(b, 114, channel: 2), 121)
        XCTAssertEqual(b[0, 11, 11], 125); XCTAssertEqual(b[0, 21, 21], 125); XCTAssertEqual(b[0, 22, 21], 255)
    }

    /// FMNIST's strong view = weak + one 16×16 hole of zeros (when it lands fully inside).
    func testFMNISTStrongIsWeakPlusHole() throws {
        let aug = Augmenter(preset: try AugmentPreset.forDataset("fmnist"), seed: 0)
        let img = ByteImage(channels: 1, height: 28, width: 28, fill: 200)
        for i in 0..<20 {
            let rng = aug.rng(epoch: 0, sample: i, view: 2)
            let top = rng.nextInt(below: 9), left = rng.nextInt(below: 9), flip = rng.nextFloat() < 0.5
            let cy = rng.nextInt(below: 28), cx = rng.nextInt(below: 28)
            var want = ImageOps.padCrop(img, padding: 4, top: top, left: left, height: 28, width: 28)
            if flip { want = ImageOps.hflip(want) }
            ImageOps.cutoutHole(&want, cy: cy, cx: cx, length: 16)
            XCTAssertEqual(try aug.apply(img, view: .strong, rng: aug.rng(epoch: 0, sample: i, view: 2)), want)
        }
    }

    // MARK: RandAugment ops against plain-loop references

    func map(_ img: ByteImage, _ f: (UInt8) -> UInt8) -> ByteImage {
        var out = img
        for i in 0..<out.pixels.count { out.pixels[i] = f(img.pixels[i]) }
        return out
    }

    func testPointOps() {
        let img = noise(3, 6, 5)
        XCTAssertEqual(RandAugmentOp.identity.apply(img, 0.3), img)
        XCTAssertEqual(RandAugmentOp.solarize.apply(img, 128), map(img) { $0 < 128 ? $0 : 255 - $0 })
        XCTAssertEqual(RandAugmentOp.solarize.apply(img, 256), img)
        XCTAssertEqual(RandAugmentOp.solarize.apply(img, 0), map(img) { 255 - $0 })
        XCTAssertEqual(RandAugmentOp.posterize.apply(img, 4.7), map(img) { $0 & 0xF0 })
        XCTAssertEqual(RandAugmentOp.posterize.apply(img, 6), map(img) { $0 & 0xFC })
        XCTAssertEqual(RandAugmentOp.brightness.apply(img, 0.5), map(img) { UInt8(Double($0) * 0.5) })  // truncates
        XCTAssertEqual(RandAugmentOp.brightness.apply(img, 0.25), map(img) { $0 / 4 })
    }

    func testColorContrastOps() {
        let img = noise(3, 4, 4, seed: 9)
        let hw = 16
        var luma = [Int](repeating: 0, count: hw)
        for p in 0..<hw {
            luma[p] = (Int(img.pixels[p]) * 19595 + Int(img.pixels[hw + p]) * 38470 + Int(img.pixels[2 * hw + p]) * 7471 + 32768) >> 16
        }
        func blend(_ d: Int, _ v: UInt8, _ f: Double) -> UInt8 {
            let t = Double(d) + f * (Double(v) - Double(d))
            return t <= 0 ? 0 : (t >= 255 ? 255 : UInt8(t))
        }
        var color = img
        for c in 0..<3 { for p in 0..<hw { color.pixels[c * hw + p] = blend(luma[p], img.pixels[c * hw + p], 0.5) } }
        XCTAssertEqual(RandAugmentOp.color.apply(img, 0.5), color)
        let mean = Int(Double(luma.reduce(0, +)) / Double(hw) + 0.5)
        XCTAssertEqual(RandAugmentOp.contrast.apply(img, 0.5), map(img) { blend(mean, $0, 0.5) })
        // Gray: colour is a no-op; contrast uses the plain mean.
        let g = noise(1, 4, 4, seed: 4)
        XCTAssertEqual(RandAugmentOp.color.apply(g, 0.2), g)
        let gm = Int(Double(g.pixels.reduce(0) { $0 + Int($1) }) / 16 + 0.5)
        XCTAssertEqual(RandAugmentOp.contrast.apply(g, 0.25), map(g) { blend(gm, $0, 0.25) })
    }

    func testAutoContrastAndEqualizeHandComputed() {
        // Values 50, 100, 150: lo 50, hi 150, scale 2.55, offset −127.5 → 0, 127, 255.
        let a = ByteImage(channels: 1, height: 1, width: 3, pixels: [50, 100, 150])
        XCTAssertEqual(RandAugmentOp.autoContrast.apply(a, 0).pixels, [0, 127, 255])
        // Per channel; a flat channel stays as it is.
        let b = ByteImage(channels: 2, height: 1, width: 2, pixels: [10, 20, 7, 7])
        XCTAssertEqual(RandAugmentOp.autoContrast.apply(b, 0).pixels, [0, 255, 7, 7])
        // Equalize: 512 × 10, 256 × 20, 256 × 30 → step (1024 − 256) / 255 = 3;
        // lut[10] = 1/3 = 0, lut[20] = (1 + 512)/3 = 171, lut[30] = (1 + 768)/3 = 256 → 255.
        var px = [UInt8](repeating: 10, count: 512) + [UInt8](repeating: 20, count: 256) + [UInt8](repeating: 30, count: 256)
        px.swapAt(3, 700)
        let e = RandAugmentOp.equalize.apply(ByteImage(channels: 1, height: 32, width: 32, pixels: px), 0)
        XCTAssertEqual(e.pixels, px.map { $0 == 10 ? 0 : ($0 == 20 ? 171 : 255) })
        // Too few pixels for a step: unchanged.
        XCTAssertEqual(RandAugmentOp.equalize.apply(a, 0), a)
    }

    func testTranslateShearRotate() {
        let img = ramp(2, 4, 4)
        // TranslateX by 0.25·4 = 1 px: out(x) = in(x + 1), black beyond the edge.
        var tx = ByteImage(channels: 2, height: 4, width: 4)
        var ty = ByteImage(channels: 2, height: 4, width: 4)
        for c in 0..<2 {
            for y in 0..<4 {
                for x in 0..<4 {
                    if x + 1 < 4 { tx[c, y, x] = img[c, y, x + 1] }
                    if y - 2 >= 0 { ty[c, y, x] = img[c, y - 2, x] }
                }
            }
        }
        XCTAssertEqual(RandAugmentOp.translateX.apply(img, 0.25), tx)
        XCTAssertEqual(RandAugmentOp.translateY.apply(img, -0.5), ty)
        // ShearX 0.5: out(x, y) = in(floor(x + ½ + 0.5·(y + ½)), y); ShearY likewise on rows.
        var sx = ByteImage(channels: 2, height: 4, width: 4)
        var sy = ByteImage(channels: 2, height: 4, width: 4)
        for c in 0..<2 {
            for y in 0..<4 {
                for x in 0..<4 {
                    let srcX = Int((Double(x) + 0.5 + 0.5 * (Double(y) + 0.5)).rounded(.down))
                    if srcX < 4 { sx[c, y, x] = img[c, y, srcX] }
                    let srcY = Int((Double(y) + 0.5 - 0.3 * (Double(x) + 0.5)).rounded(.down))
                    if srcY >= 0 { sy[c, y, x] = img[c, srcY, x] }
                }
            }
        }
        XCTAssertEqual(RandAugmentOp.shearX.apply(img, 0.5), sx)
        XCTAssertEqual(RandAugmentOp.shearY.apply(img, -0.3), sy)
        // Rotate +90° (counter-clockwise): out[y][x] = in[x][W − 1 − y]; 180°: in[H−1−y][W−1−x].
        let sq = ramp(1, 5, 5)
        var r90 = sq, r180 = sq, r270 = sq
        for y in 0..<5 {
            for x in 0..<5 {
                r90[0, y, x] = sq[0, x, 4 - y]
                r180[0, y, x] = sq[0, 4 - y, 4 - x]
                r270[0, y, x] = sq[0, 4 - x, y]
            }
        }
        XCTAssertEqual(RandAugmentOp.rotate.apply(sq, 90), r90)
        XCTAssertEqual(RandAugmentOp.rotate.apply(sq, 180), r180)
        XCTAssertEqual(RandAugmentOp.rotate.apply(sq, -90), r270)
        XCTAssertEqual(RandAugmentOp.rotate.apply(sq, 0), sq)
        let even = ramp(1, 4, 4)
        var e90 = even
        for y in 0..<4 { for x in 0..<4 { e90[0, y, x] = even[0, x, 3 - y] } }
        XCTAssertEqual(RandAugmentOp.rotate.apply(even, 90), e90)
    }

    func testSharpness() {
        let flat = ByteImage(channels: 3, height: 6, width: 6, fill: 90)
        for f in [0.05, 0.5, 0.95] { XCTAssertEqual(RandAugmentOp.sharpness.apply(flat, f), flat) }
        // A single bright pixel: the smoothed value is round((5·130 + 8·0·…)/13); borders kept.
        var dot = ByteImage(channels: 1, height: 5, width: 5, fill: 0)
        dot[0, 2, 2] = 130
        let s = ImageOps.smooth(dot)
        XCTAssertEqual(s[0, 2, 2], 50)       // 5·130/13
        XCTAssertEqual(s[0, 1, 1], 10)       // 130/13
        XCTAssertEqual(s[0, 0, 0], 0)
        XCTAssertEqual(RandAugmentOp.sharpness.apply(dot, 0.5)[0, 2, 2], UInt8(50 + 0.5 * 80))
    }

    func testRandAugmentListAndRanges() {
        XCTAssertEqual(RandAugmentOp.allCases.map { $0.rawValue },
                       ["AutoContrast", "Brightness", "Color", "Contrast", "Equalize", "Identity", "Posterize", "Rotate",
                        "Sharpness", "ShearX", "ShearY", "Solarize", "TranslateX", "TranslateY"])
        XCTAssertEqual(RandAugmentOp.rotate.range.0, -30)
        XCTAssertEqual(RandAugmentOp.solarize.range.1, 256)
        let img = noise(3, 32, 32)
        let r = RandAugment()
        XCTAssertEqual(r.apply(img, rng: RNG(seed: 5)), r.apply(img, rng: RNG(seed: 5)))
        var differs = 0
        for s in 0..<10 where r.apply(img, rng: RNG(seed: UInt64(s))) != img { differs += 1 }
        XCTAssertGreaterThan(differs, 5)
    }

    // MARK: presets and resize

    func testPresets() throws {
        let c = try AugmentPreset.forDataset("cifar10")
        XCTAssertEqual(c.padding, 4); XCTAssertTrue(c.flip); XCTAssertEqual(c.strong, .randAugment(ops: 1)); XCTAssertNil(c.size)
        XCTAssertFalse(try AugmentPreset.forDataset("svhn").flip)
        XCTAssertEqual(try AugmentPreset.forDataset("svhn").mean, [0.5, 0.5, 0.5])
        let f = try AugmentPreset.forDataset("fmnist/train")
        XCTAssertEqual(f.strong, .cutout(holes: 1, length: 16)); XCTAssertEqual(f.mean, [0.1307]); XCTAssertEqual(f.std, [0.3081])
        XCTAssertEqual(try AugmentPreset.forDataset("fmnist-embedded/train").name, "embedded")
        let g = try AugmentPreset.forDataset("gtsrb")
        XCTAssertEqual(g.size, 64); XCTAssertEqual(g.padding, 8); XCTAssertFalse(g.flip)
        let fer = try AugmentPreset.forDataset("fer2013")
        XCTAssertEqual(fer.strong, .cutout(holes: 1, length: 16)); XCTAssertEqual(fer.size, 64); XCTAssertTrue(fer.flip)
        XCTAssertEqual(try AugmentPreset.forDataset("eurosat").strong, .randAugment(ops: 1))
        for e in DatasetRegistry.entries where e.augment != nil { XCTAssertNoThrow(try AugmentPreset.forDataset(e.name)) }
        XCTAssertThrowsError(try AugmentPreset.forDataset("imagenet"))
    }

    func testFloatDatasetTestViewKeepsPrecision() throws {
        let vals: [Float] = (0..<32).map { Float($0) / 31 + 0.001 }
        let d = try Dataset(name: "floats", pixels: .float32(vals), shape: [2, 1, 4, 4], labels: [0, 1], classNames: ["a", "b"])
        let p = AugmentPreset(name: "x", padding: 0, flip: false, strong: .cutout(holes: 0, length: 0), mean: [0.5], std: [0.25])
        let t = try Augmenter(preset: p, seed: 0).batch(d, indices: [1, 0], view: .test, epoch: 0, viewIndex: 0)
        let want = (Array(vals[16..<32]) + Array(vals[0..<16])).map { ($0 - 0.5) / 0.25 }
        XCTAssertEqual(values(t), want)
        // Weak views quantise to bytes first (a zero-padding crop at offset 0 keeps the pixels).
        let w = try Augmenter(preset: p, seed: 0).batch(d, indices: [0], view: .weak, epoch: 0, viewIndex: 0)
        XCTAssertEqual(values(w)[3], ((vals[3] * 255).rounded() / 255 - 0.5) / 0.25, accuracy: 1e-5)
    }

    func testResizeToPresetSize() throws {
        let d = try dataset(3, c: 3, h: 32, w: 32, name: "eurosat/train")
        let aug = Augmenter(preset: try AugmentPreset.forDataset("eurosat"), seed: 0)
        for v in AugmentView.allCases {
            XCTAssertEqual(try aug.batch(d, indices: [0, 1, 2], view: v, epoch: 0, viewIndex: 0).shape, [3, 3, 64, 64])
        }
        let flat = ByteImage(channels: 1, height: 10, width: 10, fill: 77)
        XCTAssertEqual(try ImageOps.resize(flat, height: 20, width: 16), ByteImage(channels: 1, height: 20, width: 16, fill: 77))
    }
}
