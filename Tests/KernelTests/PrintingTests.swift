import XCTest
import Kernel

/// Golden strings in PyTorch's conventions (`torch._tensor_str`): the same tensors print the same
/// in PyTorch, except that dtype names carry no `torch.` prefix and grad_fn names are CoReg's
/// primitive names.
final class PrintingTests: XCTestCase {
    private func f(_ v: [Float], _ s: [Int]) throws -> Tensor { try Tensor(v, shape: s) }

    func testSummarisedVector() throws {
        // > 1000 elements: 3 edge items and " ..." (PyTorch pads the ellipsis in vectors)
        let x = try Tensor.arange(0, 2000, dtype: .float32)
        XCTAssertEqual(x.description, """
            tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,
                    1.9990e+03])
            """)
        let i = try Tensor.arange(0, 1001)
        XCTAssertEqual(i.description, "tensor([   0,    1,    2,  ...,  998,  999, 1000], dtype=int32)")
        // exactly at the threshold: not summarised
        XCTAssertFalse(try Tensor.zeros([1000]).description.contains("..."))
    }

    func testSummarisedMatrix() throws {
        let x = try (Tensor.arange(0, 1200).float() / 100 + 1).reshape([40, 30])
        XCTAssertEqual(x.description, """
            tensor([[ 1.0000,  1.0100,  1.0200,  ...,  1.2700,  1.2800,  1.2900],
                    [ 1.3000,  1.3100,  1.3200,  ...,  1.5700,  1.5800,  1.5900],
                    [ 1.6000,  1.6100,  1.6200,  ...,  1.8700,  1.8800,  1.8900],
                    ...,
                    [12.1000, 12.1100, 12.1200,  ..., 12.3700, 12.3800, 12.3900],
                    [12.4000, 12.4100, 12.4200,  ..., 12.6700, 12.6800, 12.6900],
                    [12.7000, 12.7100, 12.7200,  ..., 12.9700, 12.9800, 12.9900]])
            """)
    }

    func testSummarised3D() throws {
        var o = PrintOptions()
        o.threshold = 10
        o.edgeItems = 1
        let x = try Tensor.arange(0, 27).float().reshape([3, 3, 3])
        XCTAssertEqual(x.formatted(o), """
            tensor([[[ 0.,  ...,  2.],
                     ...,
                     [ 6.,  ...,  8.]],

                    ...,

                    [[18.,  ..., 20.],
                     ...,
                     [24.,  ..., 26.]]])
            """)
    }

    func testScientificMode() throws {
        XCTAssertEqual(try f([1e-5, 1, 100], [3]).description, "tensor([1.0000e-05, 1.0000e+00, 1.0000e+02])")
        XCTAssertEqual(try f([1e9, 1], [2]).description, "tensor([1.0000e+09, 1.0000e+00])")
        // integer-valued, but the range exceeds 1000: scientific (as PyTorch)
        XCTAssertEqual(try f([1, 10000], [2]).description, "tensor([1.0000e+00, 1.0000e+04])")
        XCTAssertEqual(try f([-2.5e-7, 3e-6], [2]).description, "tensor([-2.5000e-07,  3.0000e-06])")
        XCTAssertEqual(Tensor(123456789).description, "tensor(1.2346e+08)")
    }

    func testIntegerValuedFloats() throws {
        XCTAssertEqual(try f([1, 2, 3], [3]).description, "tensor([1., 2., 3.])")
        XCTAssertEqual(try f([-1, 20, 3], [3]).description, "tensor([-1., 20.,  3.])")
        XCTAssertEqual(try f([0, 0], [2]).description, "tensor([0., 0.])")
        XCTAssertEqual(try f([1000, 1], [2]).description, "tensor([1000.,    1.])")
    }

    func testIntsAndBools() throws {
        XCTAssertEqual(try Tensor(ints: [1, -20, 300], shape: [3]).description, "tensor([  1, -20, 300], dtype=int32)")
        XCTAssertEqual(try Tensor(ints: [1, 2, 3, 4], shape: [2, 2]).description, "tensor([[1, 2],\n        [3, 4]], dtype=int32)")
        // bool is a default dtype in PyTorch's printer: no suffix
        XCTAssertEqual(try Tensor(bools: [true, false, true], shape: [3]).description, "tensor([ True, False,  True])")
        XCTAssertEqual(try Tensor(bools: [true, true], shape: [2]).description, "tensor([True, True])")
        XCTAssertEqual(try Tensor([1, -1]).gt(Tensor(0)).description, "tensor([ True, False])")
    }

    func testZeroDimensional() throws {
        XCTAssertEqual(Tensor(3.5).description, "tensor(3.5000)")
        XCTAssertEqual(Tensor(2).description, "tensor(2.)")
        XCTAssertEqual(Tensor(-0.125).description, "tensor(-0.1250)")
        XCTAssertEqual(Tensor(5, dtype: .int32).description, "tensor(5, dtype=int32)")
        XCTAssertEqual(Tensor(1, dtype: .bool).description, "tensor(True)")
        XCTAssertEqual(Tensor(.nan).description, "tensor(nan)")
        XCTAssertEqual(try Tensor.fromNested(.list([.scalar(1), .scalar(2)])).sum().description, "tensor(3, dtype=int32)")
    }

    func testEmptyTensors() throws {
        XCTAssertEqual(try Tensor.zeros([0]).description, "tensor([])")
        XCTAssertEqual(try Tensor.zeros([2, 0]).description, "tensor([], size=(2, 0))")
        XCTAssertEqual(try Tensor.zeros([0, 3]).description, "tensor([], size=(0, 3))")
        XCTAssertEqual(try Tensor.zeros([0], dtype: .int32).description, "tensor([], dtype=int32)")
        XCTAssertEqual(try Tensor.zeros([3, 0, 2], dtype: .int32).description, "tensor([], size=(3, 0, 2), dtype=int32)")
        XCTAssertEqual(try Tensor.zeros([0], dtype: .bool).description, "tensor([])")
    }

    func testNegativeAlignment() throws {
        XCTAssertEqual(try f([1.5, -2.25, -10.125, 3], [2, 2]).description, """
            tensor([[  1.5000,  -2.2500],
                    [-10.1250,   3.0000]])
            """)
        XCTAssertEqual(try f([-1, 0.5], [2]).description, "tensor([-1.0000,  0.5000])")
    }

    func testNanAndInf() throws {
        // widths come from the finite, nonzero values only (as PyTorch)
        XCTAssertEqual(try f([1, .nan, .infinity, -.infinity], [4]).description, "tensor([1., nan, inf, -inf])")
        XCTAssertEqual(try f([1.5, .nan], [2]).description, "tensor([1.5000,    nan])")
        XCTAssertEqual(try f([.nan, .nan], [2]).description, "tensor([nan, nan])")
        XCTAssertEqual(try f([0, .infinity], [2]).description, "tensor([0., inf])")
        XCTAssertEqual(try f([1e-6, .nan], [2]).description, "tensor([1.0000e-06,        nan])")
    }

    func testGradSuffixes() throws {
        let x = try Tensor([1, 2]).requiresGrad()
        XCTAssertEqual(x.description, "tensor([1., 2.], requires_grad=True)")
        XCTAssertEqual(try (x * 2).description, "tensor([2., 4.], grad_fn=<mul>)")
        XCTAssertEqual(try x.sum().description, "tensor(3., grad_fn=<sum>)")
        XCTAssertEqual(x.detach().description, "tensor([1., 2.])")
        XCTAssertEqual(try Tensor.noGrad { try x * 2 }.description, "tensor([2., 4.])")
    }

    func testThreeDimensional() throws {
        let x = try Tensor.arange(0, 8).float().reshape([2, 2, 2])
        XCTAssertEqual(x.description, """
            tensor([[[0., 1.],
                     [2., 3.]],

                    [[4., 5.],
                     [6., 7.]]])
            """)
        let y = try Tensor.arange(0, 8).reshape([2, 1, 2, 2])
        XCTAssertEqual(y.description, """
            tensor([[[[0, 1],
                      [2, 3]]],


                    [[[4, 5],
                      [6, 7]]]], dtype=int32)
            """)
    }

    func testLongRowsWrap() throws {
        let v = try Tensor.linspace(0, 1, count: 20)
        XCTAssertEqual(v.description, """
            tensor([0.0000, 0.0526, 0.1053, 0.1579, 0.2105, 0.2632, 0.3158, 0.3684, 0.4211,
                    0.4737, 0.5263, 0.5789, 0.6316, 0.6842, 0.7368, 0.7895, 0.8421, 0.8947,
                    0.9474, 1.0000])
            """)
        // in a matrix the rows are indented one more, and 9 six-character items still fit in 80
        XCTAssertEqual(try v.reshape([2, 10]).description, """
            tensor([[0.0000, 0.0526, 0.1053, 0.1579, 0.2105, 0.2632, 0.3158, 0.3684, 0.4211,
                     0.4737],
                    [0.5263, 0.5789, 0.6316, 0.6842, 0.7368, 0.7895, 0.8421, 0.8947, 0.9474,
                     1.0000]])
            """)
        for line in try v.reshape([2, 10]).description.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80) }
    }

    func testNonContiguousViewsPrintInLogicalOrder() throws {
        let x = try Tensor.arange(0, 6).reshape([2, 3])
        XCTAssertEqual(try x.transpose().description, "tensor([[0, 3],\n        [1, 4],\n        [2, 5]], dtype=int32)")
        XCTAssertEqual(try x.flip([1]).slice(axis: 0, step: -1).description, "tensor([[5, 4, 3],\n        [2, 1, 0]], dtype=int32)")
    }

    func testPrintOptions() throws {
        var o = PrintOptions()
        o.precision = 2
        XCTAssertEqual(try f([1.2345, 2.5], [2]).formatted(o), "tensor([1.23, 2.50])")
        o = PrintOptions()
        o.threshold = 5
        XCTAssertEqual(try Tensor.arange(0, 10).float().formatted(o), "tensor([0., 1., 2.,  ..., 7., 8., 9.])")
        o.edgeItems = 1
        XCTAssertEqual(try Tensor.arange(0, 10).formatted(o), "tensor([0,  ..., 9], dtype=int32)")
        o = PrintOptions()
        o.sciMode = true
        XCTAssertEqual(try f([1, 2.5], [2]).formatted(o), "tensor([1.0000e+00, 2.5000e+00])")
        o.sciMode = false
        XCTAssertEqual(try f([1e-5, 1], [2]).formatted(o), "tensor([0.0000, 1.0000])")
        o = PrintOptions()
        o.lineWidth = 30
        XCTAssertEqual(try f([1, 2, 3, 4, 5, 6, 7, 8], [8]).formatted(o), "tensor([1., 2., 3., 4., 5.,\n        6., 7., 8.])")
        // the global options drive `description`
        let saved = Tensor.printOptions
        defer { Tensor.printOptions = saved }
        Tensor.printOptions.precision = 1
        XCTAssertEqual(try f([0.25, 1.75], [2]).description, "tensor([0.2, 1.8])")
        Tensor.printOptions = saved
        XCTAssertEqual(try f([0.25, 1.75], [2]).description, "tensor([0.2500, 1.7500])")
    }
}
