import ArgumentParser
import Kernel
import Interpreter

@main
struct CoReg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coreg",
        abstract: "CoReg: train image classifiers from vision-language-model labels (noisy partial labels).",
        version: CoRegVersion.string,
        subcommands: [Run.self, Check.self, NotebookCommand.self, DataCommand.self, AnnotateCommand.self, Bench.self, Demo.self])

    /// Entry point: Kernel's long operations report progress to stderr for every subcommand.
    static func main() {
        let display = ProgressDisplay(terminal: isTerminal(2))
        ProgressHook.report = { label, done, total in display.show(ProgressEvent(label: label, completed: done, total: total)) }
        Self.main(nil)
    }

    /// No subcommand: the REPL when stdin is a terminal, else stdin runs as a script.
    func run() throws {
        if isTerminal(0) {
            throw ExitCode(runREPL())
        }
        throw ExitCode(runStandardInput(arguments: []))
    }
}
