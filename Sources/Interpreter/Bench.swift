import Foundation

/// Micro-benchmarks of the evaluator.
public enum InterpreterBench {
    /// Runs a scalar loop of `iterations` iterations (an accumulate, a multiply, a compare and a
    /// branch per iteration) and returns the seconds it took.
    public static func scalarLoop(iterations: Int = 1_000_000) -> Double {
        let script = """
        var total = 0
        var odd = 0
        for i in 0..<\(iterations) {
            total = total + i * 2
            if i % 2 == 1 { odd += 1 }
        }
        """
        let host = Host()
        let session = Session(host: host)
        let start = DispatchTime.now().uptimeNanoseconds
        _ = session.evaluate(script, file: "<bench>")
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
