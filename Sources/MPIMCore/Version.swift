/// This build's version, shown by `mpimd --version` and `/healthz`.
public enum MPIMVersion {
    public static let current = "0.5.0"
}
