import Kernel

/// The standard registry plus every Kernel module CoReg exposes to scripts.
public func coregRegistry() -> Registry { coregRegistry(only: nil) }

/// The standard registry plus the named Kernel modules (nil: all of them). A sandbox leaves out
/// the modules that reach the file system or the process (`io`, `data`, `plot`, `annotate`,
/// `sys`): the `script-eval` fuzz target runs generated programs with
/// `["tensor", "nn", "optim", "coreg", "baselines"]`.
public func coregRegistry(only names: Set<String>?) -> Registry {
    let r = Registry.standard()
    let all: [(String, (Registry) -> Void)] = [
        ("tensor", registerTensorModule), ("coreg", registerCoRegModule), ("baselines", registerBaselinesModule),
        ("sys", registerSysModule), ("io", registerIOModule), ("data", registerDataModule), ("plot", registerPlotModule),
        ("annotate", registerAnnotateModule), ("nn", registerNNModule), ("optim", registerOptimModule),
    ]
    for (name, register) in all where names?.contains(name) ?? true { register(r) }
    return r
}

/// The Kernel's no-grad scope for `host.noGrad`, so that `nograd { … }` switches off gradient
/// recording: `host.noGrad = kernelNoGrad`.
public func kernelNoGrad(_ body: () throws -> Void) throws {
    try Tensor.noGrad { try body() }
}

// The io module's checkpoint functions take models and optimisers through these protocols.
extension ModelObject: ModuleProviding {}
extension OptimizerObject: OptimizerProviding {}
