import ArgumentParser
import Foundation
import Interpreter
import Kernel

/// `coreg kernel -f CONNECTION.json` runs a Jupyter kernel; `coreg kernel install|list|remove`
/// manage its kernelspec.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run CoReg as a Jupyter kernel, or install, list and remove its kernelspec.",
        discussion: """
            Jupyter starts the kernel itself from the installed kernelspec:
              coreg kernel install --user        # then: jupyter lab, or jupyter console --kernel coreg
            """,
        subcommands: [Install.self, List.self, Remove.self])

    @Option(name: .shortAndLong, help: "The connection file Jupyter wrote (ports, key, transport).")
    var file: String?

    func run() throws {
        guard let f = file else {
            throw ValidationError("give the connection file: coreg kernel -f CONNECTION.json (Jupyter does this through the kernelspec; see coreg kernel install --help)")
        }
        let kernel: JupyterKernel
        do { kernel = try JupyterKernel(connectionFile: f) } catch {
            writeStderr("coreg kernel: \(error)\n")
            throw ExitCode((error as? JupyterError)?.exitCode ?? 70)
        }
        throw ExitCode(kernel.run())
    }

    /// Where a kernelspec goes or is looked for.
    struct Location: ParsableArguments {
        @Flag(help: "The user's Jupyter data directory ($JUPYTER_DATA_DIR or ~/.local/share/jupyter). The default.")
        var user = false
        @Option(help: "PREFIX/share/jupyter/kernels (e.g. a virtual environment's root).")
        var prefix: String?
        @Flag(help: "The active Python environment ($VIRTUAL_ENV or $CONDA_PREFIX).")
        var sysPrefix = false

        func kernelsDirectory() throws -> String {
            let chosen = [user, prefix != nil, sysPrefix].filter { $0 }.count
            if chosen > 1 { throw ValidationError("give at most one of --user, --prefix and --sys-prefix") }
            if let p = prefix { return (p as NSString).standardizingPath + "/share/jupyter/kernels" }
            if sysPrefix {
                let env = ProcessInfo.processInfo.environment
                guard let p = env["VIRTUAL_ENV"] ?? env["CONDA_PREFIX"], !p.isEmpty else {
                    throw ValidationError("--sys-prefix needs an active virtual environment ($VIRTUAL_ENV or $CONDA_PREFIX)")
                }
                return p + "/share/jupyter/kernels"
            }
            return KernelSpec.userDataDirectory + "/kernels"
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the CoReg kernelspec (kernel.json and logos) where Jupyter finds it.")
        @OptionGroup var location: Location
        @Option(help: "The kernelspec's name (what `jupyter console --kernel NAME` takes).")
        var name = "coreg"
        @Option(help: "The display name front ends show.")
        var displayName = "CoReg"
        @Option(help: "How front ends interrupt a cell: signal (SIGINT) or message (an interrupt_request on the control channel).")
        var interruptMode = "signal"

        func run() throws {
            guard ["signal", "message"].contains(interruptMode) else { throw ValidationError("--interrupt-mode must be signal or message") }
            guard KernelSpec.validName(name) else { throw ValidationError("a kernelspec name is letters, digits, '.', '_' and '-' (got '\(name)')") }
            let dir = try location.kernelsDirectory() + "/" + name
            try KernelSpec.write(to: dir, displayName: displayName, interruptMode: interruptMode)
            print("installed kernelspec \(name) in \(dir)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the CoReg kernelspecs Jupyter can find.")
        func run() throws {
            let specs = KernelSpec.installed()
            if specs.isEmpty { print("no CoReg kernelspec installed (coreg kernel install --user)"); return }
            let w = specs.map { $0.name.count }.max()!
            for s in specs { print(s.name.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + s.directory) }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a CoReg kernelspec (the first Jupyter would find under that name).")
        @Argument(help: "The kernelspec's name.")
        var name = "coreg"
        func run() throws {
            guard let s = KernelSpec.installed().first(where: { $0.name == name }) else {
                writeStderr("coreg kernel remove: no CoReg kernelspec named '\(name)' (coreg kernel list shows them)\n")
                throw ExitCode(66)
            }
            try FileManager.default.removeItem(atPath: s.directory)
            print("removed kernelspec \(name) from \(s.directory)")
        }
    }
}

enum KernelSpec {
    static var userDataDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let d = env["JUPYTER_DATA_DIR"], !d.isEmpty { return d }
        if let x = env["XDG_DATA_HOME"], !x.isEmpty { return x + "/jupyter" }
        return (env["HOME"] ?? NSHomeDirectory()) + "/.local/share/jupyter"
    }

    /// Jupyter's data path, in its order: $JUPYTER_PATH, the user directory, the environment, the system.
    static var searchPath: [String] {
        let env = ProcessInfo.processInfo.environment
        var dirs = (env["JUPYTER_PATH"] ?? "").split(separator: ":").map(String.init)
        dirs.append(userDataDirectory)
        for k in ["VIRTUAL_ENV", "CONDA_PREFIX"] { if let p = env[k], !p.isEmpty { dirs.append(p + "/share/jupyter") } }
        dirs += ["/usr/local/share/jupyter", "/usr/share/jupyter"]
        var seen = Set<String>()
        return dirs.filter { seen.insert($0).inserted }
    }

    static func validName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }
    }

    /// Installed kernelspecs whose kernel.json names the coreg language, first found first.
    static func installed() -> [(name: String, directory: String)] {
        var out: [(String, String)] = []
        var names = Set<String>()
        for d in searchPath {
            let k = d + "/kernels"
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: k) else { continue }
            for e in entries.sorted() where !names.contains(e) {
                guard let data = FileManager.default.contents(atPath: k + "/" + e + "/kernel.json"),
                      let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                      obj["language"] as? String == "coreg" else { continue }
                names.insert(e)
                out.append((e, k + "/" + e))
            }
        }
        return out
    }

    /// The running binary's absolute path, for the kernelspec's argv.
    static var executablePath: String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        let a = CommandLine.arguments[0]
        return a.hasPrefix("/") ? a : FileManager.default.currentDirectoryPath + "/" + a
    }

    static func write(to dir: String, displayName: String, interruptMode: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let spec: [String: Any] = [
            "argv": [executablePath, "kernel", "-f", "{connection_file}"],
            "display_name": displayName, "language": "coreg", "interrupt_mode": interruptMode,
            "metadata": ["coreg_version": CoRegVersion.string],
        ]
        let json = try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write([UInt8](json) + [10], to: dir + "/kernel.json")
        try AtomicFile.write(logoSVG, to: dir + "/logo-svg.svg")
        for size in [32, 64] { try AtomicFile.write(try logoPNG(size), to: dir + "/logo-\(size)x\(size).png") }
    }

    /// Two overlapping label sets purifying each other: two discs in the project's colours.
    static let logoSVG = """
        <svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
        <circle cx="24" cy="32" r="18" fill="#1f77b4" fill-opacity="0.85"/>
        <circle cx="40" cy="32" r="18" fill="#ff7f0e" fill-opacity="0.85"/>
        <text x="32" y="37" font-family="sans-serif" font-size="14" font-weight="bold" text-anchor="middle" fill="#fff">CR</text>
        </svg>

        """

    static func logoPNG(_ n: Int) throws -> [UInt8] {
        var px = [UInt8](repeating: 0, count: n * n * 4)
        let r = Double(n) * 18 / 64
        let c1 = (Double(n) * 24 / 64, Double(n) / 2), c2 = (Double(n) * 40 / 64, Double(n) / 2)
        for y in 0..<n {
            for x in 0..<n {
                let p = (Double(x) + 0.5, Double(y) + 0.5)
                let in1 = (p.0 - c1.0) * (p.0 - c1.0) + (p.1 - c1.1) * (p.1 - c1.1) <= r * r
                let in2 = (p.0 - c2.0) * (p.0 - c2.0) + (p.1 - c2.1) * (p.1 - c2.1) <= r * r
                let i = (y * n + x) * 4
                let rgba: [UInt8] = in1 && in2 ? [0x8f, 0x7b, 0x61, 255] : in2 ? [0xff, 0x7f, 0x0e, 235] : in1 ? [0x1f, 0x77, 0xb4, 235] : [0, 0, 0, 0]
                px.replaceSubrange(i..<(i + 4), with: rgba)
            }
        }
        return try ImageDecode.encodePNG(try Image8(height: n, width: n, channels: 4, pixels: px))
    }
}
