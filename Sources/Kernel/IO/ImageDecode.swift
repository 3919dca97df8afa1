import CImageCodecs
import CPNG

/// An 8-bit image in row-major [H, W, C] order (C = 1 gray or 3 RGB).
public struct Image8: Sendable, Equatable {
    public let height: Int
    public let width: Int
    public let channels: Int
    public let pixels: [UInt8]

    public init(height: Int, width: Int, channels: Int, pixels: [UInt8]) throws {
        guard height >= 0, width >= 0, channels == 1 || channels == 3 || channels == 4,
              let n = checkedProduct([height, width, channels]), n == pixels.count else {
            throw TensorError("image", "expected \(height)×\(width)×\(channels) pixels with 1, 3 or 4 channels, got \(pixels.count) values")
        }
        self.height = height
        self.width = width
        self.channels = channels
        self.pixels = pixels
    }

    init(unchecked height: Int, _ width: Int, _ channels: Int, _ pixels: [UInt8]) {
        self.height = height
        self.width = width
        self.channels = channels
        self.pixels = pixels
    }

    /// The pixels as an int32 tensor [H, W, C].
    public func tensor() throws -> Tensor { try Tensor.fromBytes(pixels, shape: [height, width, channels]) }

    /// The pixels in planar [C, H, W] order (the layout datasets store).
    public var planar: [UInt8] {
        if channels == 1 { return pixels }
        var out = [UInt8](repeating: 0, count: pixels.count)
        let hw = height * width
        for p in 0..<hw { for c in 0..<channels { out[c * hw + p] = pixels[p * channels + c] } }
        return out
    }

    /// Converts between gray and RGB (gray = 0.299 R + 0.587 G + 0.114 B, as PIL's "L" mode).
    public func converted(channels c: Int) throws -> Image8 {
        if c == channels { return self }
        let hw = height * width
        switch (channels, c) {
        case (1, 3):
            var out = [UInt8](repeating: 0, count: hw * 3)
            for p in 0..<hw { let v = pixels[p]; out[3 * p] = v; out[3 * p + 1] = v; out[3 * p + 2] = v }
            return Image8(unchecked: height, width, 3, out)
        case (3, 1), (4, 1):
            var out = [UInt8](repeating: 0, count: hw)
            for p in 0..<hw {
                let r = Int(pixels[channels * p]), g = Int(pixels[channels * p + 1]), b = Int(pixels[channels * p + 2])
                out[p] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
            }
            return Image8(unchecked: height, width, 1, out)
        case (4, 3):
            var out = [UInt8](repeating: 0, count: hw * 3)
            for p in 0..<hw { for k in 0..<3 { out[3 * p + k] = pixels[4 * p + k] } }
            return Image8(unchecked: height, width, 3, out)
        default:
            throw TensorError("image", "cannot convert \(channels) channels to \(c)")
        }
    }

    /// Bilinear resize with half-pixel centres; when shrinking, the triangle filter widens with
    /// the scale (antialiasing, as PIL's BILINEAR resize that torchvision uses).
    public func resized(height oh: Int, width ow: Int) throws -> Image8 {
        guard oh > 0, ow > 0, oh <= 1 << 15, ow <= 1 << 15 else {
            throw TensorError("resize", "output size \(oh)×\(ow) must be between 1 and 32768")
        }
        if oh == height && ow == width { return self }
        guard height > 0, width > 0 else { throw TensorError("resize", "cannot resize an empty image") }
        let wx = Image8.weights(inSize: width, outSize: ow)
        let wy = Image8.weights(inSize: height, outSize: oh)
        let c = channels
        // Horizontal pass into floats [H, OW, C], then vertical pass.
        var tmp = [Float](repeating: 0, count: height * ow * c)
        for y in 0..<height {
            for x in 0..<ow {
                let (start, ws) = wx[x]
                for k in 0..<c {
                    var s: Float = 0
                    for (j, w) in ws.enumerated() { s += w * Float(pixels[(y * width + start + j) * c + k]) }
                    tmp[(y * ow + x) * c + k] = s
                }
            }
        }
        var out = [UInt8](repeating: 0, count: oh * ow * c)
        for y in 0..<oh {
            let (start, ws) = wy[y]
            for x in 0..<ow {
                for k in 0..<c {
                    var s: Float = 0
                    for (j, w) in ws.enumerated() { s += w * tmp[((start + j) * ow + x) * c + k] }
                    out[(y * ow + x) * c + k] = UInt8(max(0, min(255, s.rounded())))
                }
            }
        }
        return Image8(unchecked: oh, ow, c, out)
    }

    static func weights(inSize: Int, outSize: Int) -> [(Int, [Float])] {
        let scale = Double(inSize) / Double(outSize)
        let support = max(scale, 1.0)
        var out: [(Int, [Float])] = []
        out.reserveCapacity(outSize)
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            let lo = max(0, Int((center - support).rounded(.down)))
            let hi = min(inSize, Int((center + support).rounded(.up)))
            var ws: [Double] = []
            var total = 0.0
            for j in lo..<max(lo + 1, hi) {
                let d = abs((Double(j) + 0.5 - center) / support)
                let w = max(0, 1 - d)
                ws.append(w)
                total += w
            }
            if total <= 0 { ws = [1]; total = 1 }
            let jlo = min(lo, inSize - 1)
            out.append((jlo, Array(ws.prefix(inSize - jlo)).map { Float($0 / total) }))
        }
        return out
    }
}

/// Image files: PNG (libpng), JPEG (libjpeg-turbo) and binary/ASCII PGM/PPM (P5/P6/P2/P3),
/// detected by their magic bytes, decoded to 8-bit gray or RGB (alpha is composited away).
public enum ImageDecode {
    /// Largest image accepted (pixels), checked against the header before allocating.
    public static let maxPixels = 1 << 28

    public static func read(_ path: String) throws -> Image8 {
        try decode(try FileBytes.read(path), file: path)
    }

    public static func decode(_ bytes: [UInt8], file: String) throws -> Image8 {
        if bytes.count >= 8, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 { return try decodePNG(bytes, file: file) }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return try decodeJPEG(bytes, file: file) }
        if bytes.count >= 2, bytes[0] == 0x50, [0x32, 0x33, 0x35, 0x36].contains(bytes[1]) { return try decodePNM(bytes, file: file) }
        throw DataFormatError(file: file, offset: 0, expected: "a PNG (89 50 4e 47), JPEG (ff d8 ff) or PGM/PPM (P2/P3/P5/P6) signature",
                              found: bytes.isEmpty ? "an empty file" : hexBytes(bytes.prefix(4)))
    }

    // MARK: PNG

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Walks the chunk structure (lengths, CRCs, IHDR size) so that truncation and corruption
    /// are reported with byte offsets; libpng then decodes.
    static func checkPNGChunks(_ bytes: [UInt8], file: String) throws {
        var r = ByteReader(bytes, file: file)
        let sig = try r.take(8, "the PNG signature")
        guard Array(sig) == pngSignature else { throw r.error("PNG signature 89 50 4e 47 0d 0a 1a 0a", hexBytes(sig), at: 0) }
        var first = true
        var idatBytes = 0
        var declaredPixels = 0
        while true {
            let at = r.pos
            let len = Int(try r.u32be("a PNG chunk length"))
            guard len <= 0x7FFF_FFFF else { throw r.error("a chunk length below 2^31", "\(len)", at: at) }
            let type = try r.take(4, "a PNG chunk type")
            let name = String(decoding: type, as: UTF8.self).replacingNonPrintable()
            try r.need(len + 4, "chunk \(name) (\(len) data bytes and a CRC)")
            if first {
                guard name == "IHDR", len == 13 else { throw r.error("an IHDR chunk of 13 bytes first", "\(name) of \(len) bytes", at: at) }
                let w = Int(ByteReader(bytes, file: file, pos: r.pos).peekBE32()), h = Int(ByteReader(bytes, file: file, pos: r.pos + 4).peekBE32())
                guard w > 0, h > 0, w <= 1 << 24, h <= 1 << 24, w * h <= maxPixels else {
                    throw r.error("an image size of at most \(maxPixels) pixels", "\(w) × \(h)", at: r.pos)
                }
                declaredPixels = w * h
                first = false
            }
            let crcWanted = ByteReader(bytes, file: file, pos: r.pos + len).peekBE32()
            let crc = Gzip.crc32(bytes, range: (at + 4)..<(r.pos + len))
            guard crc == crcWanted else {
                throw r.error("CRC-32 \(hex32(crc)) for chunk \(name)", "\(hex32(crcWanted)) (the chunk is corrupt)", at: r.pos + len)
            }
            if name == "IDAT" { idatBytes += len }
            r.pos += len + 4
            if name == "IEND" {
                // DEFLATE expands at most ~1032×; 1-bit images hold 8 pixels a byte. A header that
                // declares far more pixels than the data can hold is refused before allocation.
                let limit = idatBytes.multipliedReportingOverflow(by: 9000).partialValue + 65536
                guard declaredPixels <= limit else {
                    throw DataFormatError(file: file, offset: 16, expected: "at most \(limit) pixels for \(idatBytes) bytes of image data",
                                          found: "\(declaredPixels) pixels declared (the data ends early or the size is corrupt)")
                }
                return
            }
        }
    }

    static func decodePNG(_ bytes: [UInt8], file: String) throws -> Image8 {
        try checkPNGChunks(bytes, file: file)
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        let ok = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&img, $0.baseAddress, $0.count) }
        guard ok != 0 else { throw DataFormatError(file: file, offset: nil, expected: "a valid PNG", found: pngMessage(&img)) }
        let color = img.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let c = color ? 3 : 1
        img.format = color ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let w = Int(img.width), h = Int(img.height)
        guard let n = checkedProduct([w, h, c]), w * h <= maxPixels else {
            png_image_free(&img)
            throw DataFormatError(file: file, offset: 16, expected: "an image size of at most \(maxPixels) pixels", found: "\(w) × \(h)")
        }
        var out = [UInt8](repeating: 0, count: n)
        let ok2 = out.withUnsafeMutableBytes { png_image_finish_read(&img, nil, $0.baseAddress, 0, nil) }
        guard ok2 != 0 else { throw DataFormatError(file: file, offset: nil, expected: "a valid PNG", found: pngMessage(&img)) }
        png_image_free(&img)
        return Image8(unchecked: h, w, c, out)
    }

    static func pngMessage(_ img: inout png_image) -> String {
        withUnsafeBytes(of: &img.message) { raw in
            let b = raw.bindMemory(to: UInt8.self)
            let end = b.firstIndex(of: 0) ?? b.count
            return "libpng: " + String(decoding: b[0..<end], as: UTF8.self)
        }
    }

    /// PNG bytes of an 8-bit gray or RGB image (libpng).
    public static func encodePNG(_ image: Image8) throws -> [UInt8] {
        let im = image.channels == 4 ? try image.converted(channels: 3) : image
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(im.width)
        img.height = UInt32(im.height)
        img.format = im.channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        var size = 0
        var ok = im.pixels.withUnsafeBytes { png_image_write_to_memory(&img, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard ok != 0 else { throw TensorError("encode_png", pngMessage(&img)) }
        var out = [UInt8](repeating: 0, count: size)
        ok = out.withUnsafeMutableBytes { o in im.pixels.withUnsafeBytes { png_image_write_to_memory(&img, o.baseAddress, &size, 0, $0.baseAddress, 0, nil) } }
        guard ok != 0 else { throw TensorError("encode_png", pngMessage(&img)) }
        return Array(out.prefix(size))
    }

    // MARK: JPEG

    static func decodeJPEG(_ bytes: [UInt8], file: String) throws -> Image8 {
        var out: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
        var err = [CChar](repeating: 0, count: 256)
        var errOffset = 0
        let rc = bytes.withUnsafeBufferPointer { b in
            err.withUnsafeMutableBufferPointer { e in
                coreg_jpeg_decode(b.baseAddress, b.count, maxPixels, &out, &w, &h, &c, e.baseAddress, e.count, &errOffset)
            }
        }
        guard rc == 0, let p = out else {
            let msg = String(decoding: err.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DataFormatError(file: file, offset: errOffset, expected: "valid JPEG data", found: "libjpeg: \(msg)")
        }
        defer { coreg_free(p) }
        let n = Int(w) * Int(h) * Int(c)
        return Image8(unchecked: Int(h), Int(w), Int(c), Array(UnsafeBufferPointer(start: p, count: n)))
    }

    /// JPEG bytes of an 8-bit gray or RGB image (libjpeg-turbo).
    public static func encodeJPEG(_ image: Image8, quality: Int = 95) throws -> [UInt8] {
        let im = image.channels == 4 ? try image.converted(channels: 3) : image
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var err = [CChar](repeating: 0, count: 256)
        let rc = im.pixels.withUnsafeBufferPointer { px in
            err.withUnsafeMutableBufferPointer { e in
                coreg_jpeg_encode(px.baseAddress, Int32(im.width), Int32(im.height), Int32(im.channels), Int32(quality), &out, &size, e.baseAddress, e.count)
            }
        }
        guard rc == 0, let p = out else {
            throw TensorError("encode_jpeg", String(decoding: err.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { coreg_free(p) }
        return Array(UnsafeBufferPointer(start: p, count: size))
    }

    // MARK: PGM / PPM

    static func decodePNM(_ bytes: [UInt8], file: String) throws -> Image8 {
        var r = ByteReader(bytes, file: file, pos: 2)
        let kind = bytes[1]
        let channels = (kind == 0x33 || kind == 0x36) ? 3 : 1
        let binary = kind == 0x35 || kind == 0x36
        var tokenStart = 2
        func token(_ what: String) throws -> Int {
            // Skip whitespace and comments.
            while r.pos < bytes.count {
                let b = bytes[r.pos]
                if b == 0x23 { while r.pos < bytes.count, bytes[r.pos] != 0x0A, bytes[r.pos] != 0x0D { r.pos += 1 } } else if b == 0x20 || (b >= 0x09 && b <= 0x0D) { r.pos += 1 } else { break }
            }
            let s = r.pos
            tokenStart = s
            var v = 0
            while r.pos < bytes.count, bytes[r.pos] >= 0x30, bytes[r.pos] <= 0x39 {
                v = v * 10 + Int(bytes[r.pos] - 0x30)
                r.pos += 1
                if v > 1 << 30 { throw r.error("\(what) below 2^30", "a larger number", at: s) }
            }
            guard r.pos > s else {
                throw r.error(what, r.pos >= bytes.count ? "end of file" : "'\(String(decoding: bytes[r.pos..<min(bytes.count, r.pos + 8)], as: UTF8.self).replacingNonPrintable())'")
            }
            return v
        }
        let w = try token("the image width")
        let wAt = tokenStart
        let h = try token("the image height")
        let maxval = try token("the maximum value")
        let maxAt = tokenStart
        guard w > 0, h > 0, let n = checkedProduct([w, h, channels]), w * h <= maxPixels else {
            throw r.error("a positive image size of at most \(maxPixels) pixels", "\(w) × \(h)", at: wAt)
        }
        guard maxval >= 1 && maxval <= 65535 else { throw r.error("a maximum value 1...65535", "\(maxval)", at: maxAt) }
        // Check the declared size against the bytes present before allocating.
        let bps = maxval < 256 ? 1 : 2
        if binary {
            // Exactly one whitespace byte separates the header from the samples.
            guard r.pos < bytes.count, bytes[r.pos] == 0x20 || (bytes[r.pos] >= 0x09 && bytes[r.pos] <= 0x0D) else {
                throw r.error("one whitespace byte after the header", r.pos >= bytes.count ? "end of file" : hexBytes(bytes[r.pos..<(r.pos + 1)]))
            }
            r.pos += 1
            try r.need(n * bps, "\(w)×\(h)×\(channels) samples of \(bps) byte\(bps == 1 ? "" : "s") (the data ends early)")
        } else if n > r.remaining {
            throw r.error("\(n) ASCII samples for \(w)×\(h)×\(channels)", "only \(r.remaining) bytes before the end of file (the data ends early)")
        }
        var out = [UInt8](repeating: 0, count: n)
        func scale(_ v: Int, _ at: Int) throws -> UInt8 {
            guard v <= maxval else { throw r.error("a sample ≤ \(maxval)", "\(v)", at: at) }
            return maxval == 255 ? UInt8(v) : UInt8((v * 255 + maxval / 2) / maxval)
        }
        if binary {
            for i in 0..<n {
                let o = r.pos + i * bps
                let v = bps == 1 ? Int(bytes[o]) : Int(bytes[o]) << 8 | Int(bytes[o + 1])
                out[i] = try scale(v, o)
            }
        } else {
            for i in 0..<n {
                let v = try token("sample \(i) of \(n)")
                out[i] = try scale(v, tokenStart)
            }
        }
        return Image8(unchecked: h, w, channels, out)
    }

    /// Binary PGM (1 channel) or PPM (3 channels) bytes.
    public static func encodePNM(_ image: Image8) throws -> [UInt8] {
        let im = image.channels == 4 ? try image.converted(channels: 3) : image
        var out = Array("\(im.channels == 1 ? "P5" : "P6")\n\(im.width) \(im.height)\n255\n".utf8)
        out.append(contentsOf: im.pixels)
        return out
    }

    /// Writes PNG, JPEG or PPM/PGM by the file extension (atomically).
    public static func write(_ image: Image8, to path: String) throws {
        let lower = path.lowercased()
        let bytes: [UInt8]
        if lower.hasSuffix(".png") { bytes = try encodePNG(image) } else if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") { bytes = try encodeJPEG(image) } else if lower.hasSuffix(".ppm") || lower.hasSuffix(".pgm") || lower.hasSuffix(".pnm") { bytes = try encodePNM(image) } else {
            throw TensorError("write_image", "\(path): unknown image extension (expected .png, .jpg, .jpeg, .ppm, .pgm)")
        }
        try AtomicFile.write(bytes, to: path)
    }
}

extension ByteReader {
    func peekBE32() -> UInt32 {
        UInt32(bytes[pos]) << 24 | UInt32(bytes[pos + 1]) << 16 | UInt32(bytes[pos + 2]) << 8 | UInt32(bytes[pos + 3])
    }
}
