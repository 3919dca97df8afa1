import XCTest
import Kernel

final class AutogradSemanticsTests: XCTestCase {
    func testGradientsAccumulateOverTwoBackwardCalls() throws {
        let x = try Tensor([1, -2, 3]).requiresGrad()
        try (x * x).sum().backward()
        assertClose(x.grad!, [2, -4, 6])
        try (x * x).sum().backward()
        assertClose(x.grad!, [4, -8, 12])
        try (x * 3).sum().backward()
        assertClose(x.grad!, [7, -5, 15])
    }

    func testZeroGradResets() throws {
        let x = try Tensor([1, 2]).requiresGrad()
        try (x * x).sum().backward()
        x.zeroGrad()
        XCTAssertNil(x.grad)
        try (x * 5).sum().backward()
        assertClose(x.grad!, [5, 5])
    }

    func testDetachCutsTheTape() throws {
        let x = try Tensor([1, 2, 3]).requiresGrad()
        let d = try (x * 2).detach()
        XCTAssertFalse(d.requiresGrad)
        XCTAssertTrue(d.isLeaf)
        assertClose(d, [2, 4, 6])
        try (x * d).sum().backward()
        assertClose(x.grad!, [2, 4, 6])  // not 4x: d is a constant
        XCTAssertNil(d.grad)
    }

    func testNoGradScopes() throws {
        let x = try Tensor([1, 2]).requiresGrad()
        let y = try Tensor.noGrad { try x * x }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertFalse(GradMode.isEnabled == false)
        try Tensor.noGrad {
            XCTAssertFalse(GradMode.isEnabled)
            try Tensor.noGrad { XCTAssertFalse(GradMode.isEnabled) }
            XCTAssertFalse(GradMode.isEnabled)  // nested scope restores the outer one
            XCTAssertFalse(try (x + 1).requiresGrad)
        }
        XCTAssertTrue(GradMode.isEnabled)
        // a throwing body still restores grad mode
        struct Boom: Error {}
        XCTAssertThrowsError(try Tensor.noGrad { throw Boom() })
        XCTAssertTrue(GradMode.isEnabled)
        XCTAssertTrue(try (x * x).requiresGrad)
        assertThrows("backward") { try y.sum().backward() }
    }

    func testBackwardWithExplicitSeed() throws {
        let x = try Tensor([1, 2, 3, 4], shape: [2, 2]).requiresGrad()
        let y = try x * x * 3
        let seed = try Tensor([1, 0.5, -1, 2], shape: [2, 2])
        try y.backward(seed)
        assertClose(x.grad!, [6, 6, -18, 48], shape: [2, 2])
        // an int seed is converted
        x.zeroGrad()
        try (x * 1).backward(try Tensor(ints: [1, 2, 3, 4], shape: [2, 2]))
        assertClose(x.grad!, [1, 2, 3, 4], shape: [2, 2])
        // a scalar with an explicit seed
        x.zeroGrad()
        try x.sum().backward(Tensor(2))
        assertClose(x.grad!, [2, 2, 2, 2], shape: [2, 2])
    }

    func testBackwardErrors() throws {
        let x = try Tensor([1, 2, 3]).requiresGrad()
        let y = try x * 2
        assertThrows("backward", ["[3]", "gradient"]) { try y.backward() }
        assertThrows("backward", ["[2]", "[3]"]) { try y.backward(Tensor([1, 1])) }
        let c = Tensor([1, 2, 3])
        assertThrows("backward", ["does not require grad"]) { try c.sum().backward() }
        assertThrows("requires_grad", ["leaf"]) { try y.requiresGrad(false) }
        assertThrows("requires_grad", ["int32"]) { try Tensor(ints: [1, 2]).requiresGrad() }
        assertThrows("requires_grad", ["bool"]) { try Tensor(bools: [true], shape: [1]).requiresGrad() }
        XCTAssertFalse(try Tensor(ints: [1, 2]).requiresGrad(false).requiresGrad)
    }

    func testRetainsGradOnNonLeaf() throws {
        let x = try Tensor([1, 2, 3]).requiresGrad()
        let h = try x * 2
        let k = try h + 1
        h.retainsGrad = true
        try (k * k).sum().backward()
        // dL/dh = 2k = 2(2x+1); dL/dx = 2 dL/dh
        assertClose(h.grad!, [6, 10, 14])
        assertClose(x.grad!, [12, 20, 28])
        XCTAssertNil(k.grad, "a non-leaf without retainsGrad keeps no gradient")
        XCTAssertFalse(h.isLeaf)
    }

    func testDiamondGraph() throws {
        let x = try Tensor([0.5, -1, 2]).requiresGrad()
        let a = try x * 2, b = try x * 3
        try (a * b).sum().backward()  // 6x² → 12x
        assertClose(x.grad!, [6, -12, 24])
        x.zeroGrad()
        // x reaches the loss along three paths of different length
        let y = try x * x + x.exp() + x
        try y.sum().backward()
        let e = x.toDoubles().map { 2 * $0 + Foundation.exp($0) + 1 }
        assertClose(x.grad!, e, rtol: 1e-5)
        // a shared intermediate used twice
        x.zeroGrad()
        let s = try x.sin()
        try (s * s + s).sum().backward()
        let e2 = x.toDoubles().map { (2 * Foundation.sin($0) + 1) * Foundation.cos($0) }
        assertClose(x.grad!, e2, rtol: 1e-5)
    }

    /// 20,000 sequential adds, then a 100,000-long chain: backward is iterative, and dropping the
    /// tape must not recurse either (it used to overflow the stack at ~25,000 nodes).
    func testLongChainDoesNotOverflowTheStack() throws {
        let x = try Tensor([1, 2]).requiresGrad()
        var y = x
        for _ in 0..<20_000 { y = try y + 1 }
        try y.sum().backward()
        assertClose(x.grad!, [1, 1])
        assertClose(y, [20_001, 20_002])
        y = x  // drops the tape
        x.zeroGrad()
        var z = try x * 1
        for _ in 0..<100_000 { z = try z * 1.00001 }
        try z.sum().backward()
        let e = Foundation.pow(1.00001, 100_000.0)
        assertClose(x.grad!, [e, e], rtol: 1e-2)
        z = x  // drops a 100,000-node tape
        XCTAssertTrue(z === x)
    }

    /// A dropped intermediate that is still referenced elsewhere keeps its own tape intact.
    func testSharedSubgraphSurvivesTeardown() throws {
        let x = try Tensor([2]).requiresGrad()
        let shared = try x * 3
        var a: Tensor? = try shared + 1
        a = nil
        XCTAssertNil(a)
        let b = try shared * shared
        try b.sum().backward()
        assertClose(x.grad!, [36])  // d(9x²)/dx = 18x
    }

    func testIntAndBoolResultsAreNotRecorded() throws {
        let x = try Tensor([1.5, -2]).requiresGrad()
        XCTAssertFalse(try x.gt(Tensor(0)).requiresGrad)
        XCTAssertFalse(try x.argmax().requiresGrad)
        XCTAssertFalse(try x.to(.int32).requiresGrad)
        XCTAssertFalse(try x.sort().indices.requiresGrad)
    }

    func testGradOfUnusedInputIsNil() throws {
        let x = try Tensor([1, 2]).requiresGrad(), z = try Tensor([3, 4]).requiresGrad()
        try (x * 2).sum().backward()
        XCTAssertNil(z.grad)
        XCTAssertEqual(x.grad?.shape, [2])
    }

    func testBroadcastGradientIsReducedToInputShape() throws {
        let a = try Tensor([1, 2, 3], shape: [3, 1]).requiresGrad()
        let b = try Tensor([10, 20], shape: [2]).requiresGrad()
        let s = try Tensor(2).requiresGrad()
        try ((a * b) * s).sum().backward()
        XCTAssertEqual(a.grad!.shape, [3, 1])
        XCTAssertEqual(b.grad!.shape, [2])
        XCTAssertEqual(s.grad!.shape, [])
        assertClose(a.grad!, [60, 60, 60], shape: [3, 1])
        assertClose(b.grad!, [12, 12])
        assertClose(s.grad!, [180], shape: [])
    }
}
