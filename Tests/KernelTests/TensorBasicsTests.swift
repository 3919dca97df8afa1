import XCTest
import Kernel

final class TensorBasicsTests: XCTestCase {
    func testArithmeticBroadcast() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([10, 20, 30])
        assertClose(try a + b, [11, 22, 33, 14, 25, 36])
        assertClose(try a * 2, [2, 4, 6, 8, 10, 12])
        let c = try Tensor([1, 2], shape: [2, 1])
        assertClose(try a - c, [0, 1, 2, 2, 3, 4])
    }

    func testMatmulAndGrad() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = try Tensor([1, 0, 0, 1, 1, 1], shape: [3, 2])
        assertClose(try a.matmul(b), [4, 5, 10, 11])
        try gradCheck("matmul", [try away([2, 3], seed: 1), try away([3, 4], seed: 2)]) { try $0[0].matmul($0[1]) }
        try gradCheck("matmul-batched-bcast", [try away([2, 2, 3], seed: 1), try away([3, 4], seed: 2)]) { try $0[0].matmul($0[1]) }
    }

    func testSoftmaxGrad() throws {
        try gradCheck("log_softmax", [try away([3, 5], seed: 3)]) { try $0[0].logSoftmax(axis: 1) }
        try gradCheck("softmax0", [try away([3, 5], seed: 4)]) { try $0[0].softmax(axis: 0) }
    }

    func testPrinting() throws {
        let a = try Tensor([1, 2, 3, 4], shape: [2, 2])
        XCTAssertEqual(a.description, "tensor([[1., 2.],\n        [3., 4.]])")
        let b = try Tensor([0.5, -1.25], shape: [2])
        XCTAssertEqual(b.description, "tensor([ 0.5000, -1.2500])")
    }
}
