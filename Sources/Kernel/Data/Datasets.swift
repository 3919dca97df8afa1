#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loaders for the paper's datasets in the layouts their publishers distribute, plus generic
/// `.npy`/`.npz` arrays and class-per-folder image trees. Every loader returns byte-stored
/// `Dataset`s; missing files raise `DatasetMissingError` saying how to get them, malformed files
/// `DataFormatError`.
public enum Datasets {
    /// Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST.
    public static let fmnistDefaultPath = "/usr/share/datasets/fashion-mnist"

    // MARK: MNIST family (IDX)

    /// Fashion-MNIST from a directory of IDX files (gz or raw); by default the Debian package's.
    public static func fmnist(path: String? = nil) throws -> DatasetSplits {
        let dir = path ?? fmnistDefaultPath
        guard FileBytes.isDirectory(dir) else {
            throw DatasetMissingError(
                dataset: "Fashion-MNIST", path: dir,
                hint: path == nil
                    ? "install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), which puts train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in \(fmnistDefaultPath); or pass the directory holding these files; Dataset.embedded() has a 12,000-image subset built in"
                    : "expected a directory holding train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]")
        }
        return try idx(name: "fmnist", path: dir, classNames: ClassNames.fmnist)
    }

    public static func mnist(path: String) throws -> DatasetSplits { try idx(name: "mnist", path: path, classNames: ClassNames.mnist) }

    public static func kmnist(path: String) throws -> DatasetSplits { try idx(name: "kmnist", path: path, classNames: ClassNames.kmnist) }

    /// Any MNIST-layout directory: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
    /// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally `.gz`.
    public static func idx(name: String, path: String, classNames: [String]) throws -> DatasetSplits {
        func part(_ prefix: String, _ partName: String) throws -> Dataset {
            let imgPath = try findFile(path, ["\(prefix)-images-idx3-ubyte.gz", "\(prefix)-images-idx3-ubyte", "\(prefix)-images.idx3-ubyte"], dataset: name)
            let lblPath = try findFile(path, ["\(prefix)-labels-idx1-ubyte.gz", "\(prefix)-labels-idx1-ubyte", "\(prefix)-labels.idx1-ubyte"], dataset: name)
            let img = try IDX.parse(try Gzip.readMaybeGzipped(imgPath), file: imgPath, expectRank: 3)
            let lbl = try IDX.parse(try Gzip.readMaybeGzipped(lblPath), file: lblPath, expectRank: 1)
            guard lbl.count == img.shape[0] else {
                throw DataFormatError(file: lblPath, offset: 4, expected: "\(img.shape[0]) labels, one per image in \(baseName(imgPath))",
                                      found: "\(lbl.count) labels")
            }
            let labels = try checkLabels(lbl.values, classes: classNames.count, file: lblPath, offset: 8)
            return try Dataset(name: "\(name)/\(partName)", pixels: .uint8(img.values),
                               shape: [img.shape[0], 1, img.shape[1], img.shape[2]], labels: labels, classNames: classNames)
        }
        return DatasetSplits(train: try part("train", "train"), test: try part("t10k", "test"))
    }

    static func checkLabels(_ v: [UInt8], classes: Int, file: String, offset: Int) throws -> [Int32] {
        var out = [Int32](repeating: 0, count: v.count)
        for (i, b) in v.enumerated() {
            guard Int(b) < classes else {
                throw DataFormatError(file: file, offset: offset + i, expected: "a label 0...\(classes - 1) for sample \(i)", found: "\(b)")
            }
            out[i] = Int32(b)
        }
        return out
    }

    static func findFile(_ dir: String, _ names: [String], dataset: String) throws -> String {
        for n in names where FileBytes.exists(joinPath(dir, n)) { return joinPath(dir, n) }
        throw DatasetMissingError(dataset: dataset, path: dir, hint: "expected one of \(names.joined(separator: ", ")) in this directory")
    }

    // MARK: CIFAR

    /// CIFAR-10 from `cifar-10-batches-bin` (the directory itself or its parent): data_batch_1..5.bin
    /// for training, test_batch.bin for testing; class names from batches.meta.txt when present.
    public static func cifar10(path: String) throws -> DatasetSplits {
        let dir = try locate(path, marker: "data_batch_1.bin", subdirs: ["cifar-10-batches-bin"], dataset: "CIFAR-10",
                             hint: "download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz and extract it (it holds cifar-10-batches-bin/)")
        var names = ClassNames.cifar10
        let meta = joinPath(dir, "batches.meta.txt")
        if FileBytes.exists(meta) {
            let n = try CIFAR.readNames(meta)
            guard n.count == 10 else { throw DataFormatError(file: meta, offset: nil, expected: "10 class names", found: "\(n.count)") }
            names = n
        }
        var px: [UInt8] = [], labels: [Int32] = []
        for i in 1...5 {
            let f = try findFile(dir, ["data_batch_\(i).bin"], dataset: "CIFAR-10")
            let b = try CIFAR.readBatch(f, variant: .cifar10)
            px.append(contentsOf: b.images.values)
            labels.append(contentsOf: b.labels)
        }
        let t = try CIFAR.readBatch(try findFile(dir, ["test_batch.bin"], dataset: "CIFAR-10"), variant: .cifar10)
        return DatasetSplits(
            train: try Dataset(name: "cifar10/train", pixels: .uint8(px), shape: [labels.count, 3, 32, 32], labels: labels, classNames: names),
            test: try Dataset(name: "cifar10/test", images: t.images, labels: t.labels, classNames: names))
    }

    /// CIFAR-100 from `cifar-100-binary` (train.bin, test.bin): fine labels (100 classes) or,
    /// with `coarse: true`, the 20 superclasses; names from the meta text files when present.
    public static func cifar100(path: String, coarse: Bool = false) throws -> DatasetSplits {
        let dir = try locate(path, marker: "train.bin", subdirs: ["cifar-100-binary"], dataset: "CIFAR-100",
                             hint: "download https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz and extract it (it holds cifar-100-binary/)")
        var names = coarse ? ClassNames.cifar100Coarse : ClassNames.cifar100
        let meta = joinPath(dir, coarse ? "coarse_label_names.txt" : "fine_label_names.txt")
        if FileBytes.exists(meta) {
            let n = try CIFAR.readNames(meta)
            guard n.count == names.count else { throw DataFormatError(file: meta, offset: nil, expected: "\(names.count) class names", found: "\(n.count)") }
            names = n
        }
        func part(_ file: String, _ p: String) throws -> Dataset {
            let b = try CIFAR.readBatch(try findFile(dir, [file], dataset: "CIFAR-100"), variant: .cifar100)
            return try Dataset(name: "cifar100\(coarse ? "-coarse" : "")/\(p)", images: b.images,
                               labels: coarse ? b.coarseLabels! : b.labels, classNames: names)
        }
        return DatasetSplits(train: try part("train.bin", "train"), test: try part("test.bin", "test"))
    }

    static func locate(_ path: String, marker: String, subdirs: [String], dataset: String, hint: String) throws -> String {
        if FileBytes.exists(joinPath(path, marker)) { return path }
        for s in subdirs where FileBytes.exists(joinPath(joinPath(path, s), marker)) { return joinPath(path, s) }
        throw DatasetMissingError(dataset: dataset, path: path, hint: "no \(marker) here or in \(subdirs.joined(separator: ", ")); \(hint)")
    }

    // MARK: SVHN

    /// SVHN cropped digits from `train_32x32.mat` and `test_32x32.mat` (X [32, 32, 3, N] uint8,
    /// y [N, 1] with label 10 meaning digit 0).
    public static func svhn(path: String) throws -> DatasetSplits {
        func part(_ file: String, _ p: String) throws -> Dataset {
            let f = try findFile(path, [file], dataset: "SVHN")
            let (img, labels) = try svhnFile(f)
            return try Dataset(name: "svhn/\(p)", images: img, labels: labels, classNames: ClassNames.svhn)
        }
        guard FileBytes.exists(joinPath(path, "train_32x32.mat")) else {
            throw DatasetMissingError(dataset: "SVHN", path: path,
                                      hint: "expected train_32x32.mat and test_32x32.mat from http://ufldl.stanford.edu/housenumbers/")
        }
        return DatasetSplits(train: try part("train_32x32.mat", "train"), test: try part("test_32x32.mat", "test"))
    }

    /// One SVHN `.mat` file as planar bytes [N, 3, 32, 32] and labels 0...9.
    public static func svhnFile(_ f: String) throws -> (UInt8Array, [Int32]) {
        let vars = try MAT.read(f)
        guard let x = vars["X"], let y = vars["y"] else {
            throw DataFormatError(file: f, offset: nil, expected: "variables 'X' and 'y'", found: "variables \(vars.keys.sorted().joined(separator: ", "))")
        }
        guard x.dims.count == 4, x.dims[0] == 32, x.dims[1] == 32, x.dims[2] == 3 else {
            throw DataFormatError(file: f, offset: nil, expected: "X of size [32, 32, 3, N]", found: shapeString(x.dims))
        }
        let n = x.dims[3]
        guard y.count == n, y.dims.count == 2, y.dims.contains(1) || n == 1 else {
            throw DataFormatError(file: f, offset: nil, expected: "y of size [\(n), 1] (one label per image in X)", found: shapeString(y.dims))
        }
        var labels = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let v = y.value(i)
            guard v == v.rounded(), v >= 0, v <= 10 else {
                throw DataFormatError(file: f, offset: nil, expected: "labels 1...10 in y (10 meaning digit 0)", found: "\(v) for sample \(i)")
            }
            labels[i] = Int32(v) % 10
        }
        let src: [UInt8]
        switch x.values {
        case .uint8(let b): src = b
        case .double(let d): src = d.map { UInt8(max(0, min(255, $0.rounded()))) }
        }
        var px = [UInt8](repeating: 0, count: n * 3072)
        // X(i, j, c, n) is at i + 32 j + 1024 c + 3072 n (column-major); planar out[n][c][i][j].
        src.withUnsafeBufferPointer { s in
            px.withUnsafeMutableBufferPointer { o in
                for plane in 0..<(n * 3) {
                    let base = plane * 1024
                    for i in 0..<32 { for j in 0..<32 { o[base + 32 * i + j] = s[base + 32 * j + i] } }
                }
            }
        }
        return (UInt8Array(unchecked: [n, 3, 32, 32], values: px), labels)
    }

    // MARK: FER2013

    /// FER2013 from `fer2013.csv` (rows with Usage "Training", as torchvision's train split) or
    /// torchvision's `train.csv`; a file or a directory holding one. Split 80/20 at random with
    /// `seed` (docs/results.md), faces resized from 48×48 to `size`×`size` gray.
    public static func fer2013(path: String, seed: UInt64 = 0, trainFraction: Double = 0.8, size: Int = 64) throws -> DatasetSplits {
        var file = path
        if FileBytes.isDirectory(path) {
            let candidates = ["fer2013.csv", "train.csv", "icml_face_data.csv", "fer2013/fer2013.csv", "fer2013/train.csv"]
            file = try findFile(path, candidates, dataset: "FER2013")
        } else if !FileBytes.exists(path) {
            throw DatasetMissingError(dataset: "FER2013", path: path, hint: "expected fer2013.csv (Kaggle 'Challenges in Representation Learning: Facial Expression Recognition')")
        }
        let table = try FER2013.read(file)
        var keep: [Int] = []
        for i in 0..<table.labels.count where table.labels[i] >= 0 && (table.usage[i].isEmpty || table.usage[i] == "Training") { keep.append(i) }
        guard !keep.isEmpty else { throw DataFormatError(file: file, offset: nil, expected: "labelled Training rows", found: "none") }
        var px = [UInt8](); px.reserveCapacity(keep.count * size * size)
        for i in keep {
            let img = Image8(unchecked: 48, 48, 1, Array(table.images.values[(i * 2304)..<((i + 1) * 2304)]))
            px.append(contentsOf: try img.resized(height: size, width: size).pixels)
        }
        let all = try Dataset(name: "fer2013", pixels: .uint8(px), shape: [keep.count, 1, size, size],
                              labels: keep.map { table.labels[$0] }, classNames: ClassNames.fer2013,
                              sourceIndices: keep.map { Int32($0) })
        let (a, b) = try all.split(fraction: trainFraction, seed: seed)
        return DatasetSplits(train: try a.renamed("fer2013/train"), test: try b.renamed("fer2013/test"))
    }

    // MARK: EuroSAT

    /// EuroSAT RGB: class folders of JPEGs (`2750/AnnualCrop/…`; the directory itself or a parent
    /// holding `2750` or `eurosat/2750`), resized to `size`×`size`, split 80/20 with `seed`.
    public static func eurosat(path: String, seed: UInt64 = 0, trainFraction: Double = 0.8, size: Int = 64) throws -> DatasetSplits {
        var dir = path
        for s in ["2750", "eurosat/2750", "EuroSAT", "EuroSAT_RGB"] where FileBytes.isDirectory(joinPath(path, s)) { dir = joinPath(path, s); break }
        guard FileBytes.isDirectory(dir) else {
            throw DatasetMissingError(dataset: "EuroSAT", path: path, hint: "expected the extracted EuroSAT.zip (2750/<ClassName>/*.jpg)")
        }
        let all = try imageFolder(path: dir, name: "eurosat", size: (size, size), channels: 3)
        let (a, b) = try all.split(fraction: trainFraction, seed: seed)
        return DatasetSplits(train: try a.renamed("eurosat/train"), test: try b.renamed("eurosat/test"))
    }

    // MARK: GTSRB

    /// GTSRB: training images in class folders `Final_Training/Images/000NN/*.ppm` (or
    /// `GTSRB/Training/000NN`), test images listed in `GT-final_test.csv` (`;`-separated,
    /// Filename … ClassId) next to `Final_Test/Images/*.ppm`; all resized to `size`×`size` RGB.
    public static func gtsrb(path: String, size: Int = 64) throws -> DatasetSplits {
        let trainDirs = ["Final_Training/Images", "GTSRB/Final_Training/Images", "Training", "GTSRB/Training", "gtsrb/GTSRB/Training"]
        guard let trainDir = trainDirs.map({ joinPath(path, $0) }).first(where: FileBytes.isDirectory) else {
            throw DatasetMissingError(dataset: "GTSRB", path: path,
                                      hint: "expected Final_Training/Images/000NN/*.ppm (GTSRB_Final_Training_Images.zip) and GT-final_test.csv with Final_Test/Images (GTSRB_Final_Test_Images.zip, GTSRB_Final_Test_GT.zip)")
        }
        var px: [UInt8] = [], labels: [Int32] = []
        for cls in try FileBytes.list(trainDir) where FileBytes.isDirectory(joinPath(trainDir, cls)) {
            guard let k = Int(cls), k >= 0, k < 43 else { continue }
            let sub = joinPath(trainDir, cls)
            for f in try FileBytes.list(sub) where f.lowercased().hasSuffix(".ppm") {
                let img = try ImageDecode.read(joinPath(sub, f)).converted(channels: 3).resized(height: size, width: size)
                px.append(contentsOf: img.planar)
                labels.append(Int32(k))
            }
        }
        let train = try Dataset(name: "gtsrb/train", pixels: .uint8(px), shape: [labels.count, 3, size, size], labels: labels, classNames: ClassNames.gtsrb)
        let csvDirs = [path, joinPath(path, "GTSRB"), joinPath(path, "Final_Test/Images"), joinPath(path, "GTSRB/Final_Test/Images")]
        guard let csv = csvDirs.map({ joinPath($0, "GT-final_test.csv") }).first(where: FileBytes.exists) else {
            throw DatasetMissingError(dataset: "GTSRB test", path: path, hint: "expected GT-final_test.csv (GTSRB_Final_Test_GT.zip) here or in GTSRB/")
        }
        let imgDirs = [joinPath(path, "Final_Test/Images"), joinPath(path, "GTSRB/Final_Test/Images"), AtomicFile.directoryOf(csv)]
        let rows = try gtsrbCSV(csv)
        var tpx: [UInt8] = [], tl: [Int32] = []
        for (fname, cls) in rows {
            guard let dir = imgDirs.first(where: { FileBytes.exists(joinPath($0, fname)) }) else {
                throw DatasetMissingError(dataset: "GTSRB test", path: path, hint: "image \(fname) listed in \(csv) is missing from Final_Test/Images")
            }
            let img = try ImageDecode.read(joinPath(dir, fname)).converted(channels: 3).resized(height: size, width: size)
            tpx.append(contentsOf: img.planar)
            tl.append(cls)
        }
        let test = try Dataset(name: "gtsrb/test", pixels: .uint8(tpx), shape: [tl.count, 3, size, size], labels: tl, classNames: ClassNames.gtsrb)
        return DatasetSplits(train: train, test: test)
    }

    /// Rows (Filename, ClassId) of a GTSRB ground-truth CSV.
    public static func gtsrbCSV(_ path: String) throws -> [(String, Int32)] {
        let bytes = try FileBytes.read(path)
        var lines: [(Int, Substring)] = []
        var start = 0
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append((start, line))
            start += line.utf8.count + 1
        }
        let nonEmpty = lines.filter { !$0.1.trimmingCharacters().isEmpty }
        guard let head = nonEmpty.first else { throw DataFormatError(file: path, offset: 0, expected: "a header 'Filename;…;ClassId'", found: "an empty file") }
        let cols = head.1.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters() }
        guard let fc = cols.firstIndex(of: "Filename"), let cc = cols.firstIndex(of: "ClassId") else {
            throw DataFormatError(file: path, offset: head.0, expected: "a ';'-separated header with Filename and ClassId",
                                  found: "'\(String(head.1.prefix(60)).replacingNonPrintable())'")
        }
        var out: [(String, Int32)] = []
        for (off, line) in nonEmpty.dropFirst() {
            let f = line.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters() }
            guard f.count == cols.count else {
                throw DataFormatError(file: path, offset: off, expected: "\(cols.count) ';'-separated fields", found: "\(f.count)")
            }
            guard let k = Int32(f[cc]), k >= 0, k < 43 else {
                throw DataFormatError(file: path, offset: off, expected: "a ClassId 0...42", found: "'\(f[cc].replacingNonPrintable())'")
            }
            guard !f[fc].isEmpty, !f[fc].contains("/"), !f[fc].contains("..") else {
                throw DataFormatError(file: path, offset: off, expected: "a plain file name", found: "'\(f[fc].replacingNonPrintable())'")
            }
            out.append((f[fc], k))
        }
        return out
    }

    // MARK: image folders

    static let imageExtensions = [".png", ".jpg", ".jpeg", ".ppm", ".pgm"]

    /// A class-per-folder tree (`root/<class>/<image>`) of PNG/JPEG/PPM/PGM images; classes are
    /// the folder names in sorted order. Images are converted to `channels` (default: those of the
    /// first image) and resized to `size` when given; otherwise all must share one size.
    public static func imageFolder(path: String, name: String? = nil, size: (Int, Int)? = nil, channels: Int? = nil) throws -> Dataset {
        guard FileBytes.isDirectory(path) else {
            throw DatasetMissingError(dataset: name ?? "image folder", path: path, hint: "expected a directory with one sub-directory of images per class")
        }
        let classes = try FileBytes.list(path).filter { !$0.hasPrefix(".") && FileBytes.isDirectory(joinPath(path, $0)) }
        guard !classes.isEmpty else {
            throw DatasetMissingError(dataset: name ?? "image folder", path: path, hint: "no class sub-directories found")
        }
        var px: [UInt8] = [], labels: [Int32] = []
        var shape: (Int, Int, Int)?
        for (k, cls) in classes.enumerated() {
            let sub = joinPath(path, cls)
            for f in try FileBytes.list(sub) where imageExtensions.contains(where: { f.lowercased().hasSuffix($0) }) {
                let file = joinPath(sub, f)
                var img = try ImageDecode.read(file)
                let c = channels ?? shape?.0 ?? (img.channels == 1 ? 1 : 3)
                img = try img.converted(channels: c)
                if let (h, w) = size { img = try img.resized(height: h, width: w) }
                if let s = shape {
                    guard s.1 == img.height, s.2 == img.width else {
                        throw DataFormatError(file: file, offset: nil, expected: "a \(s.2)×\(s.1) image like the others (or pass a size to resize)",
                                              found: "\(img.width)×\(img.height)")
                    }
                } else { shape = (c, img.height, img.width) }
                px.append(contentsOf: img.planar)
                labels.append(Int32(k))
            }
        }
        guard let s = shape else {
            throw DatasetMissingError(dataset: name ?? "image folder", path: path, hint: "no .png/.jpg/.jpeg/.ppm/.pgm images in the class folders")
        }
        return try Dataset(name: name ?? baseName(path), pixels: .uint8(px), shape: [labels.count, s.0, s.1, s.2], labels: labels, classNames: classes)
    }

    // MARK: arrays

    /// A dataset from arrays: images [N, H, W], [N, H, W, C] (C ≤ 4) or [N, C, H, W] (C = 1 or 3),
    /// uint8 (kept as bytes, /255 on access) or float (kept as float32, used as is); labels [N]
    /// integers. Class names default to "0"…"K-1".
    public static func fromArrays(name: String, images: NPYArray, labels: NPYArray, classNames: [String]? = nil,
                                  file: String = "arrays") throws -> Dataset {
        let s = images.shape
        let (n, c, h, w, nhwc): (Int, Int, Int, Int, Bool)
        switch s.count {
        case 3: (n, c, h, w, nhwc) = (s[0], 1, s[1], s[2], false)
        case 4 where (s[1] == 1 || s[1] == 3) && s[3] > 4: (n, c, h, w, nhwc) = (s[0], s[1], s[2], s[3], false)
        case 4 where s[3] <= 4: (n, c, h, w, nhwc) = (s[0], s[3], s[1], s[2], true)
        default:
            throw DataFormatError(file: file, offset: nil, expected: "images of shape [N, H, W], [N, H, W, C] or [N, C, H, W]", found: shapeString(s))
        }
        let lt = try labels.tensor(name: "\(file) labels")
        guard lt.dtype == .int32, labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1) else {
            throw DataFormatError(file: file, offset: nil, expected: "integer labels of shape [N]", found: "\(labels.kind) \(shapeString(labels.shape))")
        }
        let lv = lt.toInts()
        guard lv.count == n else {
            throw DataFormatError(file: file, offset: nil, expected: "\(n) labels, one per image", found: "\(lv.count) labels")
        }
        let k = Int((lv.max() ?? 0) + 1)
        let names = classNames ?? (0..<max(k, 1)).map(String.init)
        func planar<T>(_ v: [T], zero: T) -> [T] {
            guard nhwc && c > 1 else { return v }
            var out = [T](repeating: zero, count: v.count)
            let hw = h * w
            for i in 0..<n { for p in 0..<hw { for ch in 0..<c { out[(i * c + ch) * hw + p] = v[(i * hw + p) * c + ch] } } }
            return out
        }
        let px: Dataset.Pixels
        if images.kind == .uint8 {
            px = .uint8(planar(images.data, zero: 0))
        } else {
            let t = try images.tensor(name: "\(file) images")
            guard t.dtype == .float32 else {
                throw DataFormatError(file: file, offset: nil, expected: "uint8 or floating-point images", found: images.kind.descr)
            }
            px = .float32(planar(t.toFloats(), zero: 0))
        }
        return try Dataset(name: name, pixels: px, shape: [n, c, h, w], labels: lv, classNames: names)
    }

    /// A dataset from an `.npz` holding images and labels under `imagesKey`/`labelsKey`
    /// (default: the first of x/images/X and y/labels/Y present) and optional string `classes`.
    public static func npz(path: String, imagesKey: String? = nil, labelsKey: String? = nil) throws -> Dataset {
        let z = try NPZ.read(path)
        func pick(_ key: String?, _ options: [String]) throws -> NPYArray {
            let keys = key.map { [$0] } ?? options
            for k in keys { if let a = z[k] { return a } }
            throw DataFormatError(file: path, offset: nil, expected: "an array named \(keys.joined(separator: " or "))",
                                  found: "arrays \(z.names.joined(separator: ", "))")
        }
        let names = z["classes"]?.strings
        return try fromArrays(name: baseName(path), images: try pick(imagesKey, ["x", "images", "X", "data"]),
                              labels: try pick(labelsKey, ["y", "labels", "Y", "targets"]), classNames: names, file: path)
    }

    /// Train and test sets from one `.npz` holding x_train, y_train, x_test, y_test (and optional `classes`).
    public static func npzSplits(path: String) throws -> DatasetSplits {
        let z = try NPZ.read(path)
        func get(_ k: String) throws -> NPYArray {
            guard let a = z[k] else {
                throw DataFormatError(file: path, offset: nil, expected: "arrays x_train, y_train, x_test, y_test",
                                      found: "arrays \(z.names.joined(separator: ", "))")
            }
            return a
        }
        let names = z["classes"]?.strings
        let train = try fromArrays(name: baseName(path) + "/train", images: try get("x_train"), labels: try get("y_train"), classNames: names, file: path)
        let test = try fromArrays(name: baseName(path) + "/test", images: try get("x_test"), labels: try get("y_test"),
                                  classNames: names ?? train.classNames, file: path)
        guard test.classNames.count >= train.classCount else {
            throw DataFormatError(file: path, offset: nil, expected: "test labels over the same classes as train", found: "fewer classes")
        }
        return DatasetSplits(train: try train.withClassNames(test.classNames.count > train.classCount ? test.classNames : train.classNames), test: test)
    }

    /// A dataset from an images `.npy` and a labels `.npy`.
    public static func npy(images: String, labels: String, classNames: [String]? = nil) throws -> Dataset {
        try fromArrays(name: baseName(images), images: try NPY.readArray(images), labels: try NPY.readArray(labels), classNames: classNames, file: images)
    }

    // MARK: embedded

    static let embeddedFileName = "embedded-fmnist.npz"

    /// Where the embedded Fashion-MNIST subset is looked for, in order: `$COREG_EMBEDDED_FMNIST`;
    /// the SwiftPM resource bundle next to the running executable
    /// (`CoReg_Kernel.resources/embedded-fmnist.npz`); the source tree this binary was built from.
    public static func embeddedCandidates() -> [String] {
        var out: [String] = []
        if let e = getenv("COREG_EMBEDDED_FMNIST") { out.append(String(cString: e)) }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        if n > 0 {
            let exe = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let dir = AtomicFile.directoryOf(exe)
            out.append(joinPath(dir, "CoReg_Kernel.resources/\(embeddedFileName)"))
            out.append(joinPath(AtomicFile.directoryOf(dir), "CoReg_Kernel.resources/\(embeddedFileName)"))
        }
        // #filePath is .../Sources/Kernel/Data/Datasets.swift.
        let src = AtomicFile.directoryOf(AtomicFile.directoryOf(#filePath))
        out.append(joinPath(src, "Resources/\(embeddedFileName)"))
        return out
    }
}

extension Dataset {
    /// The Fashion-MNIST subset built into CoReg: 10,000 training images (1,000 per class) and
    /// 2,000 test images (200 per class), chosen with a fixed seed from the official files by
    /// `scripts/data/make_embedded.py`. `sourceIndices` give the rows in the official files.
    public static func embedded() throws -> DatasetSplits {
        let candidates = Datasets.embeddedCandidates()
        guard let path = candidates.first(where: FileBytes.exists) else {
            throw DatasetMissingError(dataset: "embedded Fashion-MNIST", path: candidates.joined(separator: ", "),
                                      hint: "the file \(Datasets.embeddedFileName) is missing; set COREG_EMBEDDED_FMNIST to its path or rebuild from the source tree")
        }
        let z = try NPZ.read(path)
        func part(_ x: String, _ y: String, _ idx: String, _ p: String) throws -> Dataset {
            guard let xa = z[x], let ya = z[y] else {
                throw DataFormatError(file: path, offset: nil, expected: "arrays \(x) and \(y)", found: "arrays \(z.names.joined(separator: ", "))")
            }
            let d = try Datasets.fromArrays(name: "fmnist-embedded/\(p)", images: xa, labels: ya, classNames: ClassNames.fmnist, file: path)
            if let ia = z[idx] { return try d.withSourceIndices(try ia.tensor().toInts()) }
            return d
        }
        return DatasetSplits(train: try part("x_train", "y_train", "train_index", "train"),
                             test: try part("x_test", "y_test", "test_index", "test"))
    }

    func renamed(_ n: String) throws -> Dataset {
        try Dataset(name: n, pixels: pixels, shape: [count, channels, height, width], labels: labels, classNames: classNames, sourceIndices: sourceIndices)
    }

    func withClassNames(_ c: [String]) throws -> Dataset {
        try Dataset(name: name, pixels: pixels, shape: [count, channels, height, width], labels: labels, classNames: c, sourceIndices: sourceIndices)
    }

    func withSourceIndices(_ s: [Int32]) throws -> Dataset {
        try Dataset(name: name, pixels: pixels, shape: [count, channels, height, width], labels: labels, classNames: classNames, sourceIndices: s)
    }
}

extension Datasets {
    /// Loads a dataset named by a spec string `NAME[:PATH]` (what `coreg data info SPEC` takes),
    /// through `DatasetRegistry`: `embedded`, `fmnist[:DIR]`, `mnist:DIR`, `kmnist:DIR`,
    /// `cifar10:DIR`, `cifar100:DIR`, `cifar100-coarse:DIR`, `svhn:DIR`, `eurosat:DIR`,
    /// `fer2013:FILE|DIR`, `gtsrb:DIR`, `npz:FILE` (x_train/y_train/x_test/y_test) and
    /// `folder:DIR` (class folders, split 80/20 with `seed`). A bare path ending in `.npz` or
    /// naming a directory is treated as `npz:`/`folder:`; an unknown name is an
    /// `UnknownNameError` listing the known ones.
    public static func load(spec: String, seed: UInt64 = 0) throws -> DatasetSplits {
        ProgressHook.step("loading \(spec)", 0, 1)
        let splits = try DatasetRegistry.load(spec: spec, seed: seed)
        ProgressHook.step("loading \(spec)", 1, 1)
        return splits
    }
}
