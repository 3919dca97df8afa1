// swift-tools-version:6.0
import PackageDescription
import Foundation

// Swift `SIMD` types only become AVX2/FMA instructions when the target CPU is named; without it
// they compile to scalar calls. `x86-64-v3` is refused by swiftc, so name a concrete CPU with the
// same feature set (Haswell: AVX2 + FMA + BMI2). Elsewhere (arm64, older x86) build generically.
//
// The AVX-512 kernels sit in their own module, built for Skylake-SP (AVX-512 F/CD/BW/DQ/VL, the
// x86-64-v4 level; Zen 4 and Zen 5 have it too). Kernel calls them only after the CPU has
// reported that level at run time (Runtime/CPUFeatures.swift), so one binary runs everywhere.
#if arch(x86_64)
let cpuFlags: [String] = ["-target-cpu", "haswell"]
let avx512Flags: [String] = ["-target-cpu", "skylake-avx512"]
#else
let cpuFlags: [String] = []
let avx512Flags: [String] = []
#endif

// The release build keeps Swift's bounds and overflow checks in Kernel, which parses every file a
// user loads (IDX, NPY/NPZ, safetensors, checkpoints, JSON, images): a missed check there must trap,
// not be undefined behaviour. GEMM and convolution run on unsafe pointers, which have no checks to
// remove; small element-wise loops and the interpreter do pay: docs/performance.md measures what
// `-Ounchecked` (and the Interpreter without exclusivity checks) would save. `COREG_UNCHECKED=1`
// rebuilds that way, for that comparison only.
let uncheckedRelease = ProcessInfo.processInfo.environment["COREG_UNCHECKED"] == "1"
let kernelSwiftSettings: [SwiftSetting] = [
    .unsafeFlags(cpuFlags),
    .unsafeFlags([uncheckedRelease ? "-Ounchecked" : "-O", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "CoReg",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "coreg", targets: ["CoRegScript"]),
        .library(name: "Kernel", targets: ["Kernel"]),
        .library(name: "Interpreter", targets: ["Interpreter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // HMAC-SHA256 signing of Jupyter messages (the kernel's connection-file key).
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"4.0.0"),
    ],
    targets: [
        // System libraries for compression and image decoding (no hand-written DEFLATE/PNG/JPEG).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        // libjpeg has no pkg-config file on some systems; the module map links "jpeg" directly.
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG",
                       providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]),
        // libedit (BSD editline) gives the REPL line editing, history and tab completion.
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"]), .brew(["libedit"])]),
        // ZeroMQ carries the Jupyter messaging protocol (`coreg kernel`).
        .systemLibrary(name: "CZMQ", path: "Sources/CZMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"]), .brew(["zeromq"])]),
        // libjpeg reports errors by longjmp, which Swift cannot catch: this C shim holds the
        // setjmp frame and turns every libjpeg error into a return code plus message.
        .target(name: "CImageCodecs", dependencies: ["CJPEG"], linkerSettings: [.linkedLibrary("jpeg")]),
        // cpuid + xgetbv through the compiler's runtime (`__builtin_cpu_supports`).
        .target(name: "CCPUFeatures"),
        .target(name: "KernelAVX512", path: "Sources/Kernel/AVX512",
                swiftSettings: [.unsafeFlags(avx512Flags), .unsafeFlags(["-wmo"], .when(configuration: .release))]),
        .target(name: "Kernel", dependencies: ["CZlib", "CPNG", "CJPEG", "CImageCodecs", "CCPUFeatures", "KernelAVX512"],
                exclude: ["AVX512"],
                resources: [.copy("Resources/embedded-fmnist.npz")],
                swiftSettings: kernelSwiftSettings),
        .target(name: "Interpreter", dependencies: ["Kernel"],
                swiftSettings: uncheckedRelease ? [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))] : []),
        .executableTarget(
            name: "CoRegScript",
            dependencies: [
                "Kernel", "Interpreter", "CEditLine", "CZMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(name: "KernelTests", dependencies: ["Kernel"], resources: [.copy("Fixtures")],
                    swiftSettings: [.unsafeFlags(cpuFlags)]),
        // Runs the built `coreg` binary (REPL under a pseudo-terminal, notebooks); no internal imports.
        .testTarget(name: "CLITests", dependencies: []),
        .testTarget(name: "InterpreterTests", dependencies: ["Interpreter"], resources: [.copy("golden")]),
    ],
    swiftLanguageModes: [.v5]
)

// scripts/fuzz.sh builds with COREG_FUZZ=1 (in .build-fuzz, with -sanitize=fuzzer,address): only
// then does the package have the libFuzzer targets, so an ordinary build never needs libFuzzer.
if ProcessInfo.processInfo.environment["COREG_FUZZ"] == "1" {
    package.products.append(.executable(name: "coreg-fuzz", targets: ["CoRegFuzz"]))
    package.targets += [
        .target(name: "CFuzzDriver"),
        // lld: gold stops with an internal error on the sanitized objects' debug info.
        .executableTarget(name: "CoRegFuzz", dependencies: ["Kernel", "Interpreter", "CFuzzDriver"],
                          linkerSettings: [.unsafeFlags(["-use-ld=lld"])]),
    ]
}
