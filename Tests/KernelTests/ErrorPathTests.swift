import XCTest
import Kernel

/// Every user-reachable failure of the tensor API is a `TensorError` naming the op and the
/// offending shapes or arguments; none traps.
final class ErrorPathTests: XCTestCase {
    let m23 = try! Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
    let i3 = Tensor(ints: [0, 1, 2])

    func testBroadcastErrors() throws {
        assertThrows("add", ["[2, 3]", "[4]", "broadcast"]) { try self.m23 + Tensor([1, 2, 3, 4]) }
        assertThrows("sub", ["[2, 3]", "[2]"]) { try self.m23 - Tensor([1, 2]) }
        assertThrows("mul", ["[3, 2]"]) { try self.m23 * Tensor.zeros([3, 2]) }
        assertThrows("div", ["[2, 3]", "[5]"]) { try self.m23 / Tensor.zeros([5]) }
        assertThrows("pow", ["[4]"]) { try self.m23.pow(Tensor.zeros([4])) }
        assertThrows("maximum", ["[2]"]) { try self.m23.maximum(Tensor([1, 2])) }
        assertThrows("minimum", ["[2]"]) { try self.m23.minimum(Tensor([1, 2])) }
        assertThrows("eq", ["[2]"]) { try self.m23.eq(Tensor([1, 2])) }
        assertThrows("lt", ["[4]"]) { try self.m23.lt(Tensor.zeros([4])) }
        assertThrows("logical_and", ["[2]"]) { try self.m23.logicalAnd(Tensor([1, 2])) }
        assertThrows("where", ["[2]", "[3]"]) { try Tensor.where(Tensor(bools: [true, false], shape: [2]), Tensor([1, 2, 3]), Tensor(0)) }
        assertThrows("masked_fill", ["[4]"]) { try self.m23.maskedFill(Tensor(bools: [true, false, true, true], shape: [4]), 0) }
        assertThrows("masked_fill", ["[2, 2, 3]", "[2, 3]"]) { try self.m23.maskedFill(Tensor(bools: Array(repeating: true, count: 12), shape: [2, 2, 3]), 0) }
        assertThrows("masked_select", ["[2, 2, 3]", "[2, 3]"]) { try self.m23.maskedSelect(Tensor(bools: Array(repeating: true, count: 12), shape: [2, 2, 3])) }
        assertThrows("expand", ["[2, 3]", "[4, 3]"]) { try self.m23.expand([4, 3]) }
        assertThrows("expand", ["fewer"]) { try self.m23.expand([6]) }
        assertThrows("expand", ["-1"]) { try self.m23.expand([-1, 2, 3]) }
        assertThrows("matmul", ["[2, 2, 3]", "[3, 3, 4]"]) { try Tensor.zeros([2, 2, 3]).matmul(Tensor.zeros([3, 3, 4])) }
    }

    func testAxisOutOfRange() throws {
        assertThrows("sum", ["axis 2", "rank 2"]) { try self.m23.sum(axes: [2]) }
        assertThrows("sum", ["repeated"]) { try self.m23.sum(axes: [1, -1]) }
        assertThrows("mean", ["axis -3"]) { try self.m23.mean(axes: [-3]) }
        assertThrows("var", ["axis 5"]) { try self.m23.variance(axes: [5]) }
        assertThrows("max", ["axis 2"]) { try self.m23.max(axis: 2) }
        assertThrows("min", ["axis -3"]) { try self.m23.min(axis: -3) }
        assertThrows("amax", ["axis 3"]) { try self.m23.amax(axes: [3]) }
        assertThrows("prod", ["axis 2"]) { try self.m23.prod(axis: 2) }
        assertThrows("logsumexp", ["axis 2"]) { try self.m23.logsumexp(axes: [2]) }
        assertThrows("softmax", ["axis 5"]) { try self.m23.softmax(axis: 5) }
        assertThrows("log_softmax", ["axis -3"]) { try self.m23.logSoftmax(axis: -3) }
        assertThrows("cumsum", ["axis 2"]) { try self.m23.cumsum(axis: 2) }
        assertThrows("sort", ["axis 2"]) { try self.m23.sort(axis: 2) }
        assertThrows("topk", ["axis 3"]) { try self.m23.topk(1, axis: 3) }
        assertThrows("flip", ["axis 2"]) { try self.m23.flip([2]) }
        assertThrows("permute", ["[0]"]) { try self.m23.permute([0]) }
        assertThrows("permute", ["permutation"]) { try self.m23.permute([1, 1]) }
        assertThrows("transpose", ["axis 2"]) { try self.m23.transpose(0, 2) }
        assertThrows("flatten", ["axis 2"]) { try self.m23.flatten(startAxis: 2) }
        assertThrows("flatten", ["comes after"]) { try self.m23.flatten(startAxis: 1, endAxis: 0) }
        assertThrows("squeeze", ["axis 3"]) { try self.m23.squeeze([3]) }
        assertThrows("unsqueeze", ["axis 4", "rank 2"]) { try self.m23.unsqueeze(4) }
        assertThrows("slice", ["axis 2"]) { try self.m23.slice(axis: 2) }
        assertThrows("narrow", ["axis -3"]) { try self.m23.narrow(axis: -3, start: 0, length: 1) }
        assertThrows("select", ["axis 2"]) { try self.m23.select(axis: 2, index: 0) }
        assertThrows("concat", ["axis 2"]) { try Tensor.concat([self.m23, self.m23], axis: 2) }
        assertThrows("stack", ["axis 4"]) { try Tensor.stack([self.m23, self.m23], axis: 4) }
        assertThrows("split", ["axis 2"]) { try self.m23.split(size: 1, axis: 2) }
        assertThrows("chunk", ["axis -3"]) { try self.m23.chunk(2, axis: -3) }
        assertThrows("gather", ["axis 2"]) { try self.m23.gather(axis: 2, index: Tensor(ints: [0, 0], shape: [1, 2])) }
        assertThrows("index_select", ["axis 2"]) { try self.m23.indexSelect(axis: 2, index: self.i3) }
        assertThrows("scatter_add", ["axis 2"]) { try self.m23.scatterAdd(axis: 2, index: Tensor(ints: [0], shape: [1, 1]), src: self.m23) }
        assertThrows("any", ["axis 2"]) { try self.m23.any(axes: [2]) }
        assertThrows("norm", ["axis 2"]) { try self.m23.norm(axes: [2]) }
    }

    func testZeroDimensionalTensors() throws {
        let s = Tensor(3)
        // reductions accept axis 0 / -1 of a 0-d tensor (as PyTorch)
        XCTAssertEqual(try s.sum(axes: [0]).item(), 3)
        XCTAssertEqual(try s.mean(axes: [-1]).item(), 3)
        XCTAssertEqual(try s.logsumexp(axes: [0]).item(), 3, accuracy: 1e-6)
        XCTAssertEqual(try s.flip([0]).item(), 3)
        XCTAssertEqual(try s.max(axis: 0).values.item(), 3)
        XCTAssertEqual(try s.any(axes: [0]).item(), 1)
        assertThrows("sum", ["axis 1"]) { try s.sum(axes: [1]) }
        // indexing along an axis needs one
        assertThrows("slice", ["0-d"]) { try s.slice(axis: 0, start: 0) }
        assertThrows("narrow", ["0-d"]) { try s.narrow(axis: 0, start: 0, length: 1) }
        assertThrows("select", ["0-d"]) { try s.select(axis: 0, index: 0) }
        assertThrows("split", ["0-d"]) { try s.split(size: 1) }
        assertThrows("split", ["0-d"]) { try s.split(sizes: [1]) }
        assertThrows("chunk", ["0-d"]) { try s.chunk(1) }
        assertThrows("gather", ["0-d"]) { try s.gather(axis: 0, index: Tensor(0, dtype: .int32)) }
        assertThrows("index_select", ["0-d"]) { try s.indexSelect(axis: 0, index: Tensor(ints: [0])) }
        assertThrows("scatter_add", ["0-d"]) { try s.scatterAdd(axis: 0, index: Tensor(0, dtype: .int32), src: s) }
        assertThrows("concat", ["zero-dimensional"]) { try Tensor.concat([s, s]) }
        assertThrows("matmul", ["[]", "[3]"]) { try s.matmul(Tensor([1, 2, 3])) }
        assertThrows("outer", ["[]"]) { try s.outer(Tensor([1])) }
    }

    func testIndexOutOfRange() throws {
        assertThrows("gather", ["index 3", "size 3"]) { try self.m23.gather(axis: 1, index: Tensor(ints: [0, 3], shape: [1, 2])) }
        assertThrows("gather", ["index -4"]) { try self.m23.gather(axis: 1, index: Tensor(ints: [-4], shape: [1, 1])) }
        assertThrows("gather", ["rank 1", "rank 2"]) { try self.m23.gather(axis: 1, index: self.i3) }
        assertThrows("gather", ["[3, 1]", "[2, 3]"]) { try self.m23.gather(axis: 1, index: Tensor(ints: [0, 0, 0], shape: [3, 1])) }
        assertThrows("index_select", ["index 2", "size 2"]) { try self.m23.indexSelect(axis: 0, index: Tensor(ints: [0, 2])) }
        assertThrows("index_select", ["index 5", "size 3"]) { try self.m23.indexSelect(axis: 1, index: Tensor(ints: [5])) }
        assertThrows("index_select", ["1-D", "[1, 2]"]) { try self.m23.indexSelect(axis: 0, index: Tensor(ints: [0, 1], shape: [1, 2])) }
        assertThrows("scatter_add", ["index 7"]) { try self.m23.scatterAdd(axis: 0, index: Tensor(ints: [7], shape: [1, 1]), src: self.m23) }
        assertThrows("scatter_add", ["[1, 1]", "[2, 2]"]) { try self.m23.scatterAdd(axis: 0, index: Tensor(ints: [0, 0, 0, 0], shape: [2, 2]), src: Tensor.zeros([1, 1])) }
        assertThrows("index", ["index 2", "size 2"]) { try self.m23.select(axis: 0, index: 2) }
        assertThrows("index", ["index -4", "size 3"]) { try self.m23.select(axis: 1, index: -4) }
        assertThrows("index", ["index 3", "axis 1"]) { try self.m23.value(at: [0, 3]) }
        assertThrows("index", ["2 indices", "got 1"]) { try self.m23.value(at: [0]) }
        XCTAssertEqual(try self.m23.value(at: [-1, -1]), 6)
        assertThrows("one_hot", ["class index 3", "3 classes"]) { try self.i3.add(Tensor(ints: [1])).oneHot(classes: 3) }
        assertThrows("one_hot", ["-1"]) { try Tensor(ints: [-1]).oneHot(classes: 3) }
        assertThrows("one_hot", ["positive", "0"]) { try self.i3.oneHot(classes: 0) }
        assertThrows("narrow", ["start 2", "length 2", "size 3"]) { try self.m23.narrow(axis: 1, start: 2, length: 2) }
        assertThrows("narrow", ["length -1"]) { try self.m23.narrow(axis: 1, start: 0, length: -1) }
        assertThrows("narrow", ["start -5"]) { try self.m23.narrow(axis: 1, start: -5, length: 1) }
        assertThrows("narrow", ["length \(Int.max)"]) { try self.m23.narrow(axis: 1, start: 1, length: Int.max) }
    }

    func testDtypeErrors() throws {
        assertThrows("gather", ["int32", "float32"]) { try self.m23.gather(axis: 0, index: Tensor.zeros([1, 3])) }
        assertThrows("index_select", ["int32", "bool"]) { try self.m23.indexSelect(axis: 0, index: Tensor(bools: [true], shape: [1])) }
        assertThrows("scatter_add", ["int32"]) { try self.m23.scatterAdd(axis: 0, index: Tensor.zeros([1, 1]), src: self.m23) }
        assertThrows("masked_fill", ["bool", "float32"]) { try self.m23.maskedFill(Tensor.zeros([2, 3]), 1) }
        assertThrows("masked_select", ["bool", "int32"]) { try self.m23.maskedSelect(Tensor.zeros([2, 3], dtype: .int32)) }
        assertThrows("requires_grad", ["int32"]) { try self.i3.requiresGrad() }
        assertThrows("one_hot", ["int32", "float32"]) { try self.m23.oneHot(classes: 3) }
    }

    func testReshapeErrors() throws {
        assertThrows("reshape", ["[2, 3]", "[4, 2]", "6 elements"]) { try self.m23.reshape([4, 2]) }
        assertThrows("reshape", ["only one", "-1"]) { try self.m23.reshape([-1, -1]) }
        assertThrows("reshape", ["[4, -1]"]) { try self.m23.reshape([4, -1]) }
        assertThrows("reshape", ["invalid dimension -2"]) { try self.m23.reshape([-2, -3]) }
        assertThrows("reshape", ["[0, -1]"]) { try self.m23.reshape([0, -1]) }
        assertThrows("reshape", ["too large"]) { try self.m23.reshape([-1, 1 << 40, 1 << 40]) }
        assertThrows("reshape", ["[7]"]) { try self.m23.flatten().reshape([7]) }
        XCTAssertEqual(try self.m23.reshape([3, -1]).shape, [3, 2])
    }

    func testNegativeAndAbsurdSizes() throws {
        assertThrows("zeros", ["negative dimension -1", "[2, -1]"]) { try Tensor.zeros([2, -1]) }
        assertThrows("ones", ["negative"]) { try Tensor.ones([-3], dtype: .float32) }
        assertThrows("full", ["negative"]) { try Tensor.full([-3], 1) }
        assertThrows("zeros", ["too large"]) { try Tensor.zeros([1 << 40, 1 << 40]) }
        assertThrows("zeros", ["too large"]) { try Tensor.zeros([Int.max, Int.max, 2]) }
        assertThrows("full", ["too large"]) { try Tensor.full([1 << 35], 0) }
        assertThrows("rand", ["too large"]) { try Tensor.rand([1 << 40, 1 << 40]) }
        assertThrows("randn", ["negative"]) { try Tensor.randn([-1]) }
        assertThrows("randint", ["too large"]) { try Tensor.randint(0, 5, [1 << 40, 1 << 40]) }
        assertThrows("randperm", ["n must be"]) { try Tensor.randperm(-1) }
        assertThrows("randperm", ["n must be"]) { try Tensor.randperm(Int.max) }
        assertThrows("tensor", ["negative"]) { try Tensor([Float](), shape: [-1]) }
        assertThrows("tensor", ["too large"]) { try Tensor.fromDoubles([], shape: [1 << 40, 1 << 40]) }
        assertThrows("linspace", ["count", "-1"]) { try Tensor.linspace(0, 1, count: -1) }
        assertThrows("linspace", ["too large"]) { try Tensor.linspace(0, 1, count: 1 << 40) }
        assertThrows("zeros", ["too large"]) { try Tensor.eye(1 << 40) }
        assertThrows("zeros", ["negative"]) { try Tensor.eye(3, -1) }
        assertThrows("expand", ["too large"]) { try Tensor([1]).expand([1 << 40, 1 << 40]) }
        assertThrows("repeat", ["too large"]) { try self.m23.repeat([1 << 40, 1 << 40]) }
        assertThrows("repeat", ["too large"]) { try self.m23.repeat([1, Int.max]) }
        assertThrows("repeat", ["≥ 0", "-1"]) { try self.m23.repeat([1, -1]) }
        assertThrows("repeat", ["at least 2", "[2, 3]"]) { try self.m23.repeat([2]) }
        assertThrows("pad", ["too large"]) { try self.m23.pad([(1 << 30, 1 << 30), (1 << 30, 1 << 30)]) }
        assertThrows("pad", ["padding widths"]) { try self.m23.pad([(Int.max, 1)]) }
        assertThrows("pad", ["padding widths"]) { try self.m23.pad([(-1, 0)]) }
        assertThrows("pad", ["3 padding pairs", "rank 2"]) { try self.m23.pad([(0, 0), (0, 0), (0, 0)]) }
        assertThrows("add", ["too large"]) { try Tensor.zeros([1 << 20, 1]).expand([1 << 20, 1]).add(Tensor.zeros([1 << 20]).reshape([1, 1 << 20]).expand([1, 1 << 20])) }
        assertThrows("matmul", ["too large"]) { try Tensor.zeros([1 << 20, 1]).expand([1 << 20, 1]).matmul(Tensor.zeros([1, 1]).expand([1, 1 << 20])) }
        assertThrows("arange", ["too many"]) { try Tensor.arange(0, 1e300) }
        assertThrows("arange", ["too many"]) { try Tensor.arange(0, 1e10, step: 1e-10) }
        assertThrows("one_hot", ["too large"]) { try self.i3.oneHot(classes: 1 << 40) }
    }

    func testMatmulErrors() throws {
        assertThrows("matmul", ["inner", "[2, 3]", "[4, 5]", "3 vs 4"]) { try self.m23.matmul(Tensor.zeros([4, 5])) }
        assertThrows("matmul", ["[2, 3]", "[2]"]) { try self.m23.matmul(Tensor([1, 2])) }
        assertThrows("matmul", ["[4]", "[3]"]) { try Tensor([1, 2, 3, 4]).matmul(Tensor([1, 2, 3])) }
        assertThrows("matmul", ["at least 1 dimension"]) { try Tensor(1).matmul(Tensor(2)) }
        assertThrows("outer", ["1-D", "[2, 3]"]) { try self.m23.outer(Tensor([1])) }
    }

    func testConcatStackSplitErrors() throws {
        assertThrows("concat", ["at least one"]) { try Tensor.concat([]) }
        assertThrows("concat", ["#2", "rank 1", "expected 2"]) { try Tensor.concat([self.m23, Tensor([1, 2])]) }
        assertThrows("concat", ["#2", "[3, 3]", "[2, 3]", "axis 0"]) { try Tensor.concat([self.m23, Tensor.zeros([3, 3])], axis: 1) }
        assertThrows("stack", ["at least one"]) { try Tensor.stack([]) }
        assertThrows("stack", ["#3", "[3, 2]", "[2, 3]"]) { try Tensor.stack([self.m23, self.m23, Tensor.zeros([3, 2])]) }
        assertThrows("split", ["[2, 2]", "add up to 3"]) { try self.m23.split(sizes: [2, 2], axis: 1) }
        assertThrows("split", ["[-1, 4]"]) { try self.m23.split(sizes: [-1, 4], axis: 1) }
        assertThrows("split", ["add up"]) { try self.m23.split(sizes: [Int.max, Int.max, 2], axis: 1) }
        assertThrows("split", ["positive", "0"]) { try self.m23.split(size: 0) }
        assertThrows("chunk", ["positive", "-2"]) { try self.m23.chunk(-2) }
    }

    func testArgumentErrors() throws {
        assertThrows("slice", ["step", "zero"]) { try self.m23.slice(axis: 0, step: 0) }
        assertThrows("topk", ["k (4)", "0...3"]) { try self.m23.topk(4) }
        assertThrows("topk", ["k (-1)"]) { try self.m23.topk(-1, axis: 0) }
        assertThrows("clamp", ["min (2.0)", "max (1.0)"]) { try self.m23.clamp(min: 2, max: 1) }
        assertThrows("clamp", ["at least one"]) { try self.m23.clamp() }
        assertThrows("arange", ["step", "0.0"]) { try Tensor.arange(0, 5, step: 0) }
        assertThrows("arange", ["finite"]) { try Tensor.arange(0, .infinity) }
        assertThrows("arange", ["finite"]) { try Tensor.arange(.nan, 3) }
        assertThrows("randint", ["high (3)", "low (3)"]) { try Tensor.randint(3, 3, [2]) }
        assertThrows("randint", ["int32"]) { try Tensor.randint(0, 1 << 40, [2]) }
        assertThrows("randint", ["int32"]) { try Tensor.randint(Int.min, Int.max, [2]) }
        assertThrows("norm", ["p must be positive", "-1"]) { try self.m23.norm(p: -1) }
        assertThrows("norm", ["p must be positive"]) { try self.m23.norm(p: .nan) }
        assertThrows("max", ["empty", "[2, 0]"]) { try Tensor.zeros([2, 0]).max(axis: 1) }
        assertThrows("amax", ["empty"]) { try Tensor.zeros([0, 2]).amax() }
        assertThrows("amin", ["empty"]) { try Tensor.zeros([0]).amin() }
        assertThrows("rng", ["3 words"]) { try RNG(state: []) }
    }

    func testConstructionErrors() throws {
        let ragged = NestedArray.list([.list([.scalar(1), .scalar(2)]), .list([.scalar(3)])])
        assertThrows("tensor", ["ragged", "[1]", "expected 2 items"]) { try Tensor.fromNested(ragged) }
        let deeper = NestedArray.list([.list([.scalar(1)]), .list([.list([.scalar(2)])])])
        assertThrows("tensor", ["ragged", "[1, 0]"]) { try Tensor.fromNested(deeper) }
        let shallower = NestedArray.list([.list([.scalar(1)]), .scalar(2)])
        assertThrows("tensor", ["ragged", "[1]", "got a number"]) { try Tensor.fromNested(shallower) }
        let boolInNumbers = NestedArray.list([.list([.bool(true)]), .bool(false)])
        assertThrows("tensor", ["got a bool"]) { try Tensor.fromNested(boolInNumbers) }
        assertThrows("tensor", ["5 values", "[2, 3]"]) { try Tensor([1, 2, 3, 4, 5], shape: [2, 3]) }
        assertThrows("tensor", ["2 values", "[3]"]) { try Tensor(ints: [1, 2], shape: [3]) }
        assertThrows("tensor", ["1 values", "[2]"]) { try Tensor(bools: [true], shape: [2]) }
        assertThrows("tensor", ["0 values", "[1]"]) { try Tensor.fromDoubles([], shape: [1]) }
        assertThrows("tensor", ["rows have different lengths"]) { try Tensor([[1, 2], [3]] as [[Float]]) }
        assertThrows("item", ["one element", "[2, 3]"]) { try self.m23.item() }
        assertThrows("item", ["[0]"]) { try Tensor.zeros([0]).item() }
        XCTAssertEqual(try Tensor([7]).item(), 7)
    }

    /// Values that used to trap when converted to int32 now saturate.
    func testHugeValuesSaturateInsteadOfTrapping() throws {
        XCTAssertEqual(try Tensor.full([2], 1e20, dtype: .int32).toInts(), [Int32.max, Int32.max])
        XCTAssertEqual(try Tensor.fromDoubles([-1e30, 3.7, .nan], shape: [3], dtype: .int32).toInts(), [Int32.min, 3, 0])
        XCTAssertEqual(try Tensor([1e20, -1e20, 2.9, -2.9]).to(.int32).toInts(), [Int32.max, Int32.min, 2, -2])
        XCTAssertEqual(try Tensor([1e20]).toInts(), [Int32.max])
        XCTAssertEqual(try Tensor.zeros([2], dtype: .int32).maskedFill(Tensor(bools: [true, false], shape: [2]), 1e300).toInts(), [Int32.max, 0])
        // an integral literal too large for int32 is a float tensor
        let big = try Tensor.fromNested(.list([.scalar(1e20), .scalar(2)]))
        XCTAssertEqual(big.dtype, .float32)
        XCTAssertEqual(try Tensor.fromNested(.list([.scalar(-5), .scalar(2)])).dtype, .int32)
        // integer powers wrap instead of trapping
        let p = try Tensor(ints: [10, 2, -3, 5]).pow(Tensor(ints: [100, 10, 3, -1])).toInts()
        XCTAssertEqual(Array(p[1...]), [1024, -27, 0])
        XCTAssertEqual(try Tensor(ints: [3, 2]).pow(Tensor(ints: [4, 31])).toInts(), [81, Int32.min])
        // slicing with extreme steps and bounds
        let v = Tensor([0, 1, 2, 3, 4])
        XCTAssertEqual(try v.slice(axis: 0, step: Int.max).toFloats(), [0])
        XCTAssertEqual(try v.slice(axis: 0, step: Int.min).toFloats(), [4])
        XCTAssertEqual(try v.slice(axis: 0, step: -Int.max).toFloats(), [4])
        XCTAssertEqual(try v.slice(axis: 0, start: Int.min, end: Int.max, step: 2).toFloats(), [0, 2, 4])
        XCTAssertEqual(try v.slice(axis: 0, start: Int.max, end: Int.min, step: -2).toFloats(), [4, 2, 0])
        XCTAssertEqual(try v.slice(axis: 0, start: 3, end: 1).count, 0)
        XCTAssertEqual(try v.arange0().count, 0)
    }
}

private extension Tensor {
    func arange0() throws -> Tensor { try Tensor.arange(0, 10, step: -1) }
}
