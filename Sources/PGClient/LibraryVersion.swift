import CLibPQ

/// The version of the libpq this process runs with (`PQlibVersion`, the loaded library, not the
/// headers it was built against), e.g. "15.18"; "9.6.24" style before 10.
public var libraryVersion: String {
    let number = Int(PQlibVersion())
    if number >= 100_000 { return "\(number / 10000).\(number % 10000)" }
    return "\(number / 10000).\(number / 100 % 100).\(number % 100)"
}
