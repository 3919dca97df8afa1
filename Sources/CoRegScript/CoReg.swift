import ArgumentParser
import Kernel
import Interpreter

@main
struct CoReg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coreg",
        abstract: "CoReg: train image classifiers from vision-language-model labels (noisy partial labels).",
        version: CoRegVersion.string,
        subcommands: [Demo.self, Bench.self])
}
