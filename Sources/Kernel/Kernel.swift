/// Kernel: tensors, autodiff, kernels, nn, optim, data, annotators and learning methods.
/// It knows nothing of the CoReg language.
public enum KernelInfo {
    public static let version = "0.1.0"
}
