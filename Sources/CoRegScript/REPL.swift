import Foundation
import Interpreter
import Kernel

/// A minimal line-based REPL (the libedit front end replaces it).
func runREPL() -> Int32 {
    let host = makeHost()
    let session = Session(host: host, registry: coregRegistry())
    var buffer = ""
    while true {
        writeStderr(buffer.isEmpty ? "coreg> " : "   ... ")
        guard let line = readLine() else { break }
        buffer += (buffer.isEmpty ? "" : "\n") + line
        if session.status(of: buffer) == .incomplete { continue }
        Signals.installForEvaluation()
        if case .value(let v?) = session.evaluate(buffer) { print(v.reprString) }
        Signals.reset()
        buffer = ""
    }
    return 0
}
