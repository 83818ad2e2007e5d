import Ferry

/// What `pgferry --version` prints: the version, the commit the binary was built from and the
/// libpq it runs with, so a bug report says what ran.
enum BuildInfo {
    static let version = "0.1.0"

    /// `scripts/package.sh` generates `Generated/BuildCommit.swift` (git-ignored) and builds with
    /// `-DPGFERRY_PACKAGE_BUILD`; any other build does not know its commit.
    #if PGFERRY_PACKAGE_BUILD
    static let commit: String? = BuildCommit.value
    #else
    static let commit: String? = nil
    #endif

    static var versionLine: String {
        "pgferry \(version) (\(commit.map { "commit \($0)" } ?? "unknown commit"), libpq \(PGClient.libraryVersion))"
    }
}
