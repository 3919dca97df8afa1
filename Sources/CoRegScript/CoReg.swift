import ArgumentParser
import Foundation
import Kernel
import Interpreter

@main
struct CoReg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coreg",
        abstract: "CoReg: train image classifiers from vision-language-model labels (noisy partial labels).",
        version: CoRegVersion.string,
        subcommands: [Run.self, Check.self, NotebookCommand.self, KernelCommand.self, DataCommand.self, AnnotateCommand.self, Bench.self, Demo.self])

    /// Entry point: Kernel's long operations report progress to stderr for every subcommand.
    static func main() {
        #if arch(x86_64)
        // Kernel is built for AVX2 + FMA: on an older CPU say so instead of dying with SIGILL.
        if !CPUFeatures.hasAVX2 {
            let cpu = CPUFeatures.brand.isEmpty ? "this CPU" : "this CPU (\(CPUFeatures.brand))"
            FileHandle.standardError.write(Data("coreg: this build needs a CPU with AVX2 and FMA (Intel Haswell, AMD Zen or newer); \(cpu) lacks them\n".utf8))
            Foundation.exit(69)
        }
        #endif
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
