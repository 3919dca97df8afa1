import Kernel

public enum CoRegVersion {
    public static let string = "0.1.0"
}
