/// Why a migration, plan or validation failed, in words for the person who started it.
public struct FerryError: Error, Sendable, CustomStringConvertible {
    public enum Side: String, Sendable { case source, target }

    public var message: String
    /// The SQLSTATE of the server error behind it, if any.
    public var sqlState: String?

    public init(_ message: String, sqlState: String? = nil) {
        self.message = message
        self.sqlState = sqlState
    }

    /// `deadlock_detected` (40P01).
    var isDeadlock: Bool { sqlState == "40P01" }

    public var description: String { message }

    static func schemaNotFound(_ missing: [String], existing: [String]) -> FerryError {
        FerryError("schema \(missing.map { "\"\($0)\"" }.joined(separator: ", ")) not found on the source; "
            + "existing schemas: \(existing.joined(separator: ", "))")
    }

    static func table(_ table: QualifiedName, _ side: Side, _ error: any Error) -> FerryError {
        if let error = error as? FerryError { return error }
        return FerryError("table \(table) (\(side.rawValue)): \(error)")
    }

    static func statement(_ statement: DDLStatement, _ error: any Error) -> FerryError {
        FerryError("creating \(statement.object) on the target failed: \(error)", sqlState: (error as? PGError)?.sqlState)
    }

    /// Before the target is touched: the schema would arrive without what these objects need.
    static func blocked(_ objects: [BlockedObject]) -> FerryError {
        FerryError("pgferry cannot recreate everything this schema needs: "
            + objects.map(\.description).joined(separator: "; ")
            + ". Nothing was written to the target; drop or change these objects on the source, or migrate without them")
    }

    static let cancelled = FerryError("the migration was cancelled")
}
