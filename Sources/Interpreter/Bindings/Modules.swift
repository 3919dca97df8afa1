import Kernel

/// The standard registry plus every Kernel module CoReg exposes to scripts.
public func coregRegistry() -> Registry {
    let r = Registry.standard()
    registerTensorModule(r)
    registerNNModule(r)
    registerOptimModule(r)
    return r
}
