import XCTest
import Interpreter

/// The `data` module from scripts: datasets, loaders, batches, previews.
final class DataBindingTests: XCTestCase {
    func run(_ src: String) -> (String, String) {
        let r = Recorder()
        _ = Session(host: r.host, registry: coregRegistry()).evaluate(src, file: "data.coreg")
        return (r.output, r.rendered)
    }

    func testDatasetMembers() {
        let (out, err) = run("""
        let d = data.embedded()
        let ds = d.train
        print(type(ds), len(ds), len(d.test), ds.shape, len(ds.classes), ds.classes[0])
        print(ds.labels.shape, ds.images([0, 5, 9]).shape, len(ds.class_histogram), ds.class_histogram[3])
        let sub = ds.subset(range(0, 30))
        let parts = sub.split(0.8, 1)
        print(len(sub), len(parts[0]), len(parts[1]))
        var n = 0
        for s in sub { n += s.label * 0 + 1 }
        let first = ds.subset([4])
        for s in first { print(s.image.shape, s.index, s.label == ds.labels[4].item()) }
        print(n)
        """)
        XCTAssertEqual(err, "")
        XCTAssertEqual(out, """
        dataset 10000 2000 [1, 28, 28] 10 T-shirt/top
        [10000] [3, 1, 28, 28] 10 1000
        30 24 6
        [1, 28, 28] 0 true
        30

        """)
    }

    func testLoaderLoop() {
        let (out, err) = run("""
        let d = data.embedded().train.subset(range(0, 70))
        let extras = {"w": tensor(range(0, 70))}
        let l = data.loader(d, batch=32, seed=1, extras=extras)
        print(type(l), len(l), l.epoch)
        var seen = 0
        var ok = true
        for b in l {
          seen += b.size
          if len(b.views) != 4 { ok = false }
          if b.x.shape[1] != 1 { ok = false }
          if b.extras.w.tolist() != b.indices.tolist() { ok = false }
        }
        print(seen, ok, l.epoch)
        l.set_epoch(7)
        print(l.epoch)
        let t = data.loader(d, batch=64, shuffle=false, drop_last=true, views=["test"], indices=[1, 2, 3])
        print(len(t))
        let u = data.loader(d, batch=2, shuffle=false, views=["test"], indices=[5, 6, 7])
        for b in u { print(b.indices.tolist(), b.views[0].shape) }
        """)
        XCTAssertEqual(err, "")
        XCTAssertEqual(out, """
        loader 3 0
        70 true 1
        7
        0
        [5, 6] [2, 1, 28, 28]
        [7] [1, 1, 28, 28]

        """)
    }

    func testShowAndHistogram() {
        let (out, err) = run("""
        let d = data.embedded().test
        data.show(d, n=2, color=false)
        data.histogram(d, width=10)
        """)
        XCTAssertEqual(err, "")
        XCTAssertTrue(out.contains("0 T-shirt/top"), out)
        XCTAssertTrue(out.contains("9 Ankle boot") && out.contains("██████████ 200"), out)
        XCTAssertFalse(out.contains("\u{1B}"))
    }

    func testErrors() {
        let (_, err) = run("data.loader(data.embedded().test, views=[\"fancy\"])")
        XCTAssertTrue(err.contains("views are \"weak\", \"strong\" or \"test\""), err)
        let (_, err2) = run("data.load(\"npz:/nonexistent/x.npz\")")
        XCTAssertTrue(err2.contains("error"), err2)
    }
}
