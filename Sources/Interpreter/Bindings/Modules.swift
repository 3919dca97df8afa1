import Kernel

/// The standard registry plus every Kernel module CoReg exposes to scripts.
public func coregRegistry() -> Registry {
    let r = Registry.standard()
    registerTensorModule(r)
    registerCoRegModule(r)
    registerBaselinesModule(r)
    registerSysModule(r)
    registerIOModule(r)
    registerDataModule(r)
    registerPlotModule(r)
    registerAnnotateModule(r)
    registerNNModule(r)
    registerOptimModule(r)
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
