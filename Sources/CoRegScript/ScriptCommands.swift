import ArgumentParser
import Foundation
import Interpreter
import Kernel

/// `coreg run FILE [name=value ...]`: runs a script; each name=value reaches it as `args.name`.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a .coreg script.",
        discussion: "Each name=value reaches the script as args.name (a script declares defaults with `arg name = value`). Exit codes: 0 success, 64 usage, 65 syntax or static error, 66 input file missing or unreadable, 70 runtime error, 130 interrupted.")
    @Argument(help: "The script ('-' reads it from standard input).") var file: String
    @Argument(parsing: .allUnrecognized, help: "name=value arguments for the script.") var arguments: [String] = []

    func run() throws {
        if file == "-" { throw ExitCode(runStandardInput(arguments: arguments)) }
        let host = makeHost()
        Signals.installForEvaluation()
        let code = runScript(path: file, args: arguments, host: host, registry: coregRegistry())
        throw ExitCode(code.rawValue)
    }
}

/// `coreg check FILE`: parse and resolve only.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse and resolve a script (and its imports) without running it.")
    @Argument(help: "The script.") var file: String
    func run() throws {
        let code = checkScript(path: file, host: makeHost(), registry: coregRegistry())
        throw ExitCode(code.rawValue)
    }
}

/// Standard input as a script (when it is not a terminal).
func runStandardInput(arguments: [String]) -> Int32 {
    let data = FileHandle.standardInput.readDataToEndOfFile()
    guard let text = String(data: data, encoding: .utf8) else {
        writeStderr("<stdin>: error: input is not valid UTF-8\n")
        return 65
    }
    Signals.installForEvaluation()
    return runSource(text, name: "<stdin>", args: arguments, host: makeHost(), registry: coregRegistry()).rawValue
}
