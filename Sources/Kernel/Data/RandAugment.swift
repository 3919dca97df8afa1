#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An 8-bit image, planar [C, H, W], the unit every augmentation works on (as PIL works on
/// 8-bit images before `ToTensor`).
public struct ByteImage: Equatable, Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// Planar bytes: pixel (c, y, x) is at `(c * height + y) * width + x`.
    public var pixels: [UInt8]

    public init(channels: Int, height: Int, width: Int, pixels: [UInt8]) {
        precondition(pixels.count == channels * height * width, "ByteImage: \(pixels.count) bytes for \(channels)×\(height)×\(width)")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    public init(channels: Int, height: Int, width: Int, fill: UInt8 = 0) {
        self.init(channels: channels, height: height, width: width,
                  pixels: [UInt8](repeating: fill, count: channels * height * width))
    }

    @inline(__always) public subscript(c: Int, y: Int, x: Int) -> UInt8 {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }

    var plane: Int { height * width }
}

// MARK: - geometric and fill operations

/// The primitive image operations the augmentations are built from. Each is a pure function of
/// its arguments (the random draws happen in `Augmenter` / `RandAugment`), so tests can pin them.
public enum ImageOps {
    /// Zero-pads by `padding` on every side, then takes the `height`×`width` window whose top-left
    /// corner is at (`top`, `left`) in the padded image (torchvision `RandomCrop(size, padding)`).
    public static func padCrop(_ img: ByteImage, padding: Int, top: Int, left: Int, height: Int, width: Int) -> ByteImage {
        var out = ByteImage(channels: img.channels, height: height, width: width)
        padCrop(img, padding: padding, top: top, left: left, flip: false, into: &out)
        return out
    }

    /// `padCrop` then an optional horizontal flip, written into `out` (whose size is the crop size).
    static func padCrop(_ img: ByteImage, padding: Int, top: Int, left: Int, flip: Bool, into out: inout ByteImage) {
        let h = out.height, w = out.width, ih = img.height, iw = img.width
        img.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for c in 0..<img.channels {
                    let sp = src.baseAddress! + c * ih * iw, dp = dst.baseAddress! + c * h * w
                    for y in 0..<h {
                        let sy = y + top - padding
                        let row = dp + y * w
                        guard sy >= 0 && sy < ih else { row.update(repeating: 0, count: w); continue }
                        let srow = sp + sy * iw
                        for x in 0..<w {
                            let sx = (flip ? w - 1 - x : x) + left - padding
                            row[x] = (sx >= 0 && sx < iw) ? srow[sx] : 0
                        }
                    }
                }
            }
        }
    }

    /// Mirror left–right.
    public static func hflip(_ img: ByteImage) -> ByteImage {
        var out = img
        for c in 0..<img.channels {
            for y in 0..<img.height {
                for x in 0..<img.width { out[c, y, x] = img[c, y, img.width - 1 - x] }
            }
        }
        return out
    }

    /// Fills the rectangle of columns `x0...x1` and rows `y0...y1` (inclusive, clipped to the image)
    /// with `fill` (one value per channel, or one value for all).
    public static func fillRect(_ img: inout ByteImage, x0: Int, y0: Int, x1: Int, y1: Int, fill: [UInt8]) {
        let xa = max(0, x0), xb = min(img.width - 1, x1), ya = max(0, y0), yb = min(img.height - 1, y1)
        guard xa <= xb, ya <= yb else { return }
        for c in 0..<img.channels {
            let v = fill.isEmpty ? 0 : fill[min(c, fill.count - 1)]
            for y in ya...yb { for x in xa...xb { img[c, y, x] = v } }
        }
    }

    /// PiCO's `Cutout(v)`: a square of side `v · width` whose top-left corner is
    /// (max(0, cx − s/2), max(0, cy − s/2)) truncated to ints, reaching x0 + s (clipped to the
    /// image), drawn as PIL's inclusive `rectangle` — so an integer side s covers s + 1 pixels
    /// per axis away from the edges. `cx`, `cy` are PiCO's uniform draws in [0, W) and [0, H).
    public static func cutoutPiCO(_ img: inout ByteImage, fraction v: Double, cx: Double, cy: Double, fill: [UInt8]) {
        guard v > 0 else { return }
        let s = v * Double(img.width)
        let x0 = Int(max(0, cx - s / 2)), y0 = Int(max(0, cy - s / 2))
        let x1 = min(Double(img.width), Double(x0) + s), y1 = min(Double(img.height), Double(y0) + s)
        fillRect(&img, x0: x0, y0: y0, x1: Int(x1), y1: Int(y1), fill: fill)
    }

    /// DeVries & Taylor's Cutout hole (Co-Reg's `Cutout(n_holes, length)`): rows
    /// clip(cy − length/2) ..< clip(cy + length/2), the same for columns, set to `fill` (Co-Reg
    /// applies it to the 0…1 tensor before re-quantising, i.e. fill 0).
    public static func cutoutHole(_ img: inout ByteImage, cy: Int, cx: Int, length: Int, fill: UInt8 = 0) {
        let y1 = min(max(cy - length / 2, 0), img.height), y2 = min(max(cy + length / 2, 0), img.height)
        let x1 = min(max(cx - length / 2, 0), img.width), x2 = min(max(cx + length / 2, 0), img.width)
        guard y1 < y2, x1 < x2 else { return }
        fillRect(&img, x0: x1, y0: y1, x1: x2 - 1, y1: y2 - 1, fill: [fill])
    }

    /// Bilinear resize (PIL's BILINEAR with antialiasing when shrinking, through `Image8`).
    public static func resize(_ img: ByteImage, height: Int, width: Int) throws -> ByteImage {
        if img.height == height && img.width == width { return img }
        let c = img.channels, hw = img.plane
        var inter = [UInt8](repeating: 0, count: img.pixels.count)
        for ch in 0..<c { for p in 0..<hw { inter[p * c + ch] = img.pixels[ch * hw + p] } }
        let r = try Image8(height: img.height, width: img.width, channels: c, pixels: inter).resized(height: height, width: width)
        let ohw = height * width
        var planar = [UInt8](repeating: 0, count: c * ohw)
        for ch in 0..<c { for p in 0..<ohw { planar[ch * ohw + p] = r.pixels[p * c + ch] } }
        return ByteImage(channels: c, height: height, width: width, pixels: planar)
    }

    /// PIL's affine transform with nearest-neighbour sampling and black fill: output pixel (x, y)
    /// takes the input pixel at floor(a·(x+½) + b·(y+½) + c), floor(d·(x+½) + e·(y+½) + f).
    public static func affine(_ img: ByteImage, _ m: (Double, Double, Double, Double, Double, Double)) -> ByteImage {
        var out = ByteImage(channels: img.channels, height: img.height, width: img.width)
        let h = img.height, w = img.width, hw = img.plane
        for y in 0..<h {
            let py = Double(y) + 0.5
            for x in 0..<w {
                let px = Double(x) + 0.5
                let sx = Int((m.0 * px + m.1 * py + m.2).rounded(.down))
                let sy = Int((m.3 * px + m.4 * py + m.5).rounded(.down))
                guard sx >= 0, sx < w, sy >= 0, sy < h else { continue }
                for c in 0..<img.channels { out.pixels[c * hw + y * w + x] = img.pixels[c * hw + sy * w + sx] }
            }
        }
        return out
    }

    /// PIL's `rotate(degrees)`: counter-clockwise about the centre, nearest, black corners.
    /// Sines and cosines are rounded to 15 digits as PIL does, so multiples of 90° are exact.
    public static func rotate(_ img: ByteImage, degrees: Double) -> ByteImage {
        let a = degrees * Double.pi / 180
        func r15(_ v: Double) -> Double { (v * 1e15).rounded() / 1e15 }
        let cs = r15(cos(a)), sn = r15(sin(a))
        let cx = Double(img.width) / 2, cy = Double(img.height) / 2
        // input = R(−θ)·(output − centre) + centre, in y-down image coordinates
        return affine(img, (cs, -sn, cx - cs * cx + sn * cy, sn, cs, cy - sn * cx - cs * cy))
    }

    /// Applies a 256-entry lookup table per channel.
    static func lut(_ img: ByteImage, _ tables: [[UInt8]]) -> ByteImage {
        var out = img
        let hw = img.plane
        for c in 0..<img.channels {
            let t = tables[min(c, tables.count - 1)]
            for p in 0..<hw { out.pixels[c * hw + p] = t[Int(img.pixels[c * hw + p])] }
        }
        return out
    }

    static func histogram(_ img: ByteImage, channel c: Int) -> [Int] {
        var h = [Int](repeating: 0, count: 256)
        let hw = img.plane
        for p in 0..<hw { h[Int(img.pixels[c * hw + p])] += 1 }
        return h
    }

    /// PIL's `ImageOps.autocontrast` (cutoff 0) per channel: the darkest value maps to 0, the
    /// brightest to 255 (trunc(v·scale + offset)); a flat channel is unchanged.
    public static func autoContrast(_ img: ByteImage) -> ByteImage {
        var tables: [[UInt8]] = []
        for c in 0..<img.channels {
            let h = histogram(img, channel: c)
            let lo = h.firstIndex { $0 > 0 } ?? 0, hi = h.lastIndex { $0 > 0 } ?? 255
            if hi <= lo { tables.append((0..<256).map { UInt8($0) }); continue }
            let scale = 255.0 / Double(hi - lo), offset = -Double(lo) * scale
            tables.append((0..<256).map { v in UInt8(max(0, min(255, Int(Double(v) * scale + offset)))) })
        }
        return lut(img, tables)
    }

    /// PIL's `ImageOps.equalize` per channel: step = (pixels − count of the last used value) / 255;
    /// lut[i] = (step/2 + pixels below i) / step; identity when step is 0.
    public static func equalize(_ img: ByteImage) -> ByteImage {
        var tables: [[UInt8]] = []
        for c in 0..<img.channels {
            let h = histogram(img, channel: c)
            let used = h.filter { $0 > 0 }
            let step = used.count <= 1 ? 0 : (used.reduce(0, +) - used.last!) / 255
            if step == 0 { tables.append((0..<256).map { UInt8($0) }); continue }
            var n = step / 2, t = [UInt8](repeating: 0, count: 256)
            for i in 0..<256 { t[i] = UInt8(min(255, n / step)); n += h[i] }
            tables.append(t)
        }
        return lut(img, tables)
    }

    /// Keeps the top `bits` bits of every value.
    public static func posterize(_ img: ByteImage, bits: Int) -> ByteImage {
        let b = max(1, min(8, bits))
        let mask = UInt8(truncatingIfNeeded: ~((1 << (8 - b)) - 1))
        var out = img
        for i in 0..<out.pixels.count { out.pixels[i] &= mask }
        return out
    }

    /// Values at or above `threshold` are inverted (255 − v).
    public static func solarize(_ img: ByteImage, threshold: Double) -> ByteImage {
        lut(img, [(0..<256).map { Double($0) < threshold ? UInt8($0) : UInt8(255 - $0) }])
    }

    /// PIL's `Image.blend(degenerate, img, factor)`: trunc(d + factor·(v − d)) clipped to 0…255.
    public static func blend(_ degenerate: ByteImage, _ img: ByteImage, factor: Double) -> ByteImage {
        var out = img
        let f = Float(factor)
        for i in 0..<img.pixels.count {
            let d = Float(degenerate.pixels[i])
            let t = d + f * (Float(img.pixels[i]) - d)
            out.pixels[i] = t <= 0 ? 0 : (t >= 255 ? 255 : UInt8(t))
        }
        return out
    }

    /// ITU-R 601-2 luma as PIL's `convert("L")` computes it: (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16.
    public static func luma(_ img: ByteImage) -> [UInt8] {
        let hw = img.plane
        guard img.channels >= 3 else { return Array(img.pixels[0..<hw]) }
        var l = [UInt8](repeating: 0, count: hw)
        for p in 0..<hw {
            let r = Int(img.pixels[p]), g = Int(img.pixels[hw + p]), b = Int(img.pixels[2 * hw + p])
            l[p] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
        }
        return l
    }

    /// `ImageEnhance.Brightness`: blend with black.
    public static func brightness(_ img: ByteImage, factor: Double) -> ByteImage {
        blend(ByteImage(channels: img.channels, height: img.height, width: img.width), img, factor: factor)
    }

    /// `ImageEnhance.Color`: blend with the image's gray version (a no-op on gray images).
    public static func color(_ img: ByteImage, factor: Double) -> ByteImage {
        guard img.channels >= 3 else { return img }
        let l = luma(img)
        var gray = img
        for c in 0..<img.channels { for p in 0..<img.plane { gray.pixels[c * img.plane + p] = l[p] } }
        return blend(gray, img, factor: factor)
    }

    /// `ImageEnhance.Contrast`: blend with a flat image at the rounded mean luma.
    public static func contrast(_ img: ByteImage, factor: Double) -> ByteImage {
        let l = luma(img)
        let mean = Int(Double(l.reduce(0) { $0 + Int($1) }) / Double(max(1, l.count)) + 0.5)
        return blend(ByteImage(channels: img.channels, height: img.height, width: img.width, fill: UInt8(min(255, mean))), img, factor: factor)
    }

    /// PIL's SMOOTH filter ([[1,1,1],[1,5,1],[1,1,1]] / 13, rounded; border pixels kept).
    public static func smooth(_ img: ByteImage) -> ByteImage {
        var out = img
        let h = img.height, w = img.width, hw = img.plane
        guard h >= 3, w >= 3 else { return img }
        for c in 0..<img.channels {
            let base = c * hw
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) {
                    var s = 4 * Int(img.pixels[base + y * w + x])
                    for dy in -1...1 { for dx in -1...1 { s += Int(img.pixels[base + (y + dy) * w + x + dx]) } }
                    out.pixels[base + y * w + x] = UInt8(min(255, Int(Double(s) / 13 + 0.5)))
                }
            }
        }
        return out
    }

    /// `ImageEnhance.Sharpness`: blend with the SMOOTH-filtered image.
    public static func sharpness(_ img: ByteImage, factor: Double) -> ByteImage {
        blend(smooth(img), img, factor: factor)
    }
}

// MARK: - RandAugment

/// The 14 operations of PiCO's `RandomAugment` (which Co-Reg uses) with their magnitude ranges;
/// the magnitude is drawn uniformly in the range.
public enum RandAugmentOp: String, CaseIterable, Sendable {
    case autoContrast = "AutoContrast", brightness = "Brightness", color = "Color", contrast = "Contrast"
    case equalize = "Equalize", identity = "Identity", posterize = "Posterize", rotate = "Rotate"
    case sharpness = "Sharpness", shearX = "ShearX", shearY = "ShearY", solarize = "Solarize"
    case translateX = "TranslateX", translateY = "TranslateY"

    /// (low, high) of the magnitude.
    public var range: (Double, Double) {
        switch self {
        case .autoContrast, .equalize, .identity: return (0, 1)
        case .brightness, .color, .contrast, .sharpness: return (0.05, 0.95)
        case .posterize: return (4, 8)
        case .rotate: return (-30, 30)
        case .shearX, .shearY, .translateX, .translateY: return (-0.3, 0.3)
        case .solarize: return (0, 256)
        }
    }

    /// The operation at magnitude `v` (Posterize keeps int(v) bits; Translate moves by v·width /
    /// v·height pixels; Shear uses PIL's affine (1, v, 0, 0, 1, 0) / (1, 0, 0, v, 1, 0)).
    public func apply(_ img: ByteImage, _ v: Double) -> ByteImage {
        switch self {
        case .autoContrast: return ImageOps.autoContrast(img)
        case .brightness: return ImageOps.brightness(img, factor: v)
        case .color: return ImageOps.color(img, factor: v)
        case .contrast: return ImageOps.contrast(img, factor: v)
        case .equalize: return ImageOps.equalize(img)
        case .identity: return img
        case .posterize: return ImageOps.posterize(img, bits: Int(v))
        case .rotate: return ImageOps.rotate(img, degrees: v)
        case .sharpness: return ImageOps.sharpness(img, factor: v)
        case .shearX: return ImageOps.affine(img, (1, v, 0, 0, 1, 0))
        case .shearY: return ImageOps.affine(img, (1, 0, 0, v, 1, 0))
        case .solarize: return ImageOps.solarize(img, threshold: v)
        case .translateX: return ImageOps.affine(img, (1, 0, v * Double(img.width), 0, 1, 0))
        case .translateY: return ImageOps.affine(img, (1, 0, 0, 0, 1, v * Double(img.height)))
        }
    }
}

/// PiCO's `RandomAugment(n, m)`: `n` ops drawn with replacement, each at a uniform magnitude
/// (m is unused), always followed by a Cutout of side uniform in [0, 0.5)·width filled with
/// (125, 123, 114).
public struct RandAugment: Sendable {
    public var n: Int
    public var cutoutFill: [UInt8]
    public init(n: Int = 1, cutoutFill: [UInt8] = [125, 123, 114]) {
        self.n = n
        self.cutoutFill = cutoutFill
    }

    /// Draw order per call: for each op, its index then its magnitude; then the cutout fraction
    /// and its centre (x, then y).
    public func apply(_ img: ByteImage, rng: RNG) -> ByteImage {
        var out = img
        let ops = RandAugmentOp.allCases
        for _ in 0..<n {
            let op = ops[rng.nextInt(below: ops.count)]
            let (lo, hi) = op.range
            out = op.apply(out, lo + (hi - lo) * rng.nextDouble())
        }
        let v = rng.nextDouble() * 0.5
        let cx = rng.nextDouble() * Double(out.width), cy = rng.nextDouble() * Double(out.height)
        ImageOps.cutoutPiCO(&out, fraction: v, cx: cx, cy: cy, fill: cutoutFill)
        return out
    }
}
