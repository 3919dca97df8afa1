import Kernel

/// The standard registry plus every Kernel module CoReg exposes to scripts.
public func coregRegistry() -> Registry {
    let r = Registry.standard()
    registerTensorModule(r)
    registerCoRegModule(r)
    registerFileModules(r)
    registerIOModule(r)
    registerDataModule(r)
    registerPlotModule(r)
    registerAnnotateModule(r)
    return r
}
