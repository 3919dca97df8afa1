import XCTest
import Kernel

final class SmokeTests: XCTestCase {
    func testVersion() { XCTAssertEqual(KernelInfo.version, "0.1.0") }
}
