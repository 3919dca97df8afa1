/// Text and picture previews of datasets: a terminal image grid (half blocks with 24-bit ANSI
/// colours, or ASCII shading), a class histogram as Unicode bars, and a PNG-ready grid of
/// augmented views.
public enum DatasetPreview {
    /// Sample `i` as bytes [C, H, W].
    static func image(_ d: Dataset, _ i: Int) -> ByteImage { Augmenter.bytes(of: d, i) }

    /// A grid of the images at `indices`, `columns` per row, each with its label underneath.
    /// `color`: 24-bit ANSI half blocks (▀, top pixel as foreground, bottom as background);
    /// otherwise ASCII shading, one character per pixel column and two pixel rows.
    public static func imageGrid(_ d: Dataset, indices: [Int], columns: Int = 8, color: Bool) -> String {
        let cols = max(1, columns)
        let h = d.height, w = d.width
        var out = ""
        let shades = Array(" .:-=+*#%@")
        for start in stride(from: 0, to: indices.count, by: cols) {
            let row = Array(indices[start..<min(indices.count, start + cols)])
            let imgs = row.map { image(d, $0) }
            func rgb(_ img: ByteImage, _ y: Int, _ x: Int) -> (Int, Int, Int) {
                if img.channels >= 3 { return (Int(img[0, y, x]), Int(img[1, y, x]), Int(img[2, y, x])) }
                let v = Int(img[0, y, x])
                return (v, v, v)
            }
            for y in stride(from: 0, to: h, by: 2) {
                var line = ""
                for (k, img) in imgs.enumerated() {
                    if k > 0 { line += " " }
                    for x in 0..<w {
                        let a = rgb(img, y, x)
                        let b = y + 1 < h ? rgb(img, y + 1, x) : (0, 0, 0)
                        if color {
                            line += "\u{1B}[38;2;\(a.0);\(a.1);\(a.2)m\u{1B}[48;2;\(b.0);\(b.1);\(b.2)m▀"
                        } else {
                            let lum = (a.0 + a.1 + a.2 + b.0 + b.1 + b.2) / 6
                            line.append(shades[min(shades.count - 1, lum * shades.count / 256)])
                        }
                    }
                    if color { line += "\u{1B}[0m" }
                }
                out += line + "\n"
            }
            var labels = ""
            for (k, i) in row.enumerated() {
                if k > 0 { labels += " " }
                let name = d.classNames[Int(d.labels[i])]
                let text = String("\(d.labels[i]) \(name)".prefix(w))
                labels += text + String(repeating: " ", count: max(0, w - text.count))
            }
            out += labels.trimmingTrailingSpaces() + "\n"
        }
        return out
    }

    /// One line per class: index, name, a bar (█ with eighth blocks) scaled to the largest
    /// count, and the count.
    public static func histogram(_ counts: [Int], names: [String], width: Int = 40) -> String {
        let maxCount = max(1, counts.max() ?? 1)
        let nameWidth = names.map { $0.count }.max() ?? 0
        let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var s = ""
        for (i, n) in counts.enumerated() {
            let name = i < names.count ? names[i] : "\(i)"
            let units = n * width * 8 / maxCount
            let bar = String(repeating: "█", count: units / 8) + eighths[units % 8]
            let idx = String(i)
            s += String(repeating: " ", count: max(0, 3 - idx.count)) + idx + " " + name
                + String(repeating: " ", count: max(0, nameWidth - name.count)) + " " + bar
                + String(repeating: " ", count: max(0, width - (units + 7) / 8)) + " \(n)\n"
        }
        return s
    }

    /// A picture of augmentation: one row per sample, the plain image (`test` view) first, then
    /// `views` in order, each scaled up `scale`× (nearest) with `gap` pixels of white between tiles.
    public static func augmentationGrid(_ d: Dataset, samples: [Int], views: [AugmentView], preset: AugmentPreset,
                                        seed: UInt64 = 0, epoch: Int = 0, scale: Int = 3, gap: Int = 2) throws -> Image8 {
        let aug = Augmenter(preset: preset, seed: seed)
        let shape = preset.outputShape(for: d.imageShape)
        let c = shape[0] >= 3 ? 3 : 1, th = shape[1] * scale, tw = shape[2] * scale
        let cols = views.count + 1, rows = samples.count
        let H = rows * th + (rows + 1) * gap, W = cols * tw + (cols + 1) * gap
        var px = [UInt8](repeating: 255, count: H * W * c)
        for (r, i) in samples.enumerated() {
            let src = Augmenter.bytes(of: d, i)
            let tiles = try [aug.apply(src, view: .test, rng: aug.rng(epoch: epoch, sample: i, view: 0))]
                + views.enumerated().map { v, kind in try aug.apply(src, view: kind, rng: aug.rng(epoch: epoch, sample: i, view: v)) }
            for (k, t) in tiles.enumerated() {
                let oy = gap + r * (th + gap), ox = gap + k * (tw + gap)
                for y in 0..<th {
                    for x in 0..<tw {
                        for ch in 0..<c {
                            px[((oy + y) * W + ox + x) * c + ch] = t[min(ch, t.channels - 1), y / scale, x / scale]
                        }
                    }
                }
            }
        }
        return try Image8(height: H, width: W, channels: c, pixels: px)
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
