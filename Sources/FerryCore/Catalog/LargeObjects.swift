/// The source database's large objects. They are database-wide, so `pg_dump -n` leaves them out;
/// pgferry reports them and copies them only when asked.
public struct LargeObjectSummary: Sendable, Equatable {
    public var count: Int
    /// `pg_largeobject`'s size on disk: what copying them moves, roughly.
    public var bytesOnDisk: Int64
    /// Large objects the source role may not read: copying them would fail.
    public var unreadable: Int
    /// Their owners and grantees, which must exist on the target when ownership is copied.
    public var roles: [String]

    public init(count: Int = 0, bytesOnDisk: Int64 = 0, unreadable: Int = 0, roles: [String] = []) {
        self.count = count
        self.bytesOnDisk = bytesOnDisk
        self.unreadable = unreadable
        self.roles = roles
    }
}

/// One large object's metadata, recreated with its data (same OID: tables refer to it by OID).
public struct LargeObject: Sendable, Equatable {
    public var oid: UInt32
    public var comment: String?
    public var ownership: Ownership?

    public init(oid: UInt32, comment: String? = nil, ownership: Ownership? = nil) {
        self.oid = oid
        self.comment = comment
        self.ownership = ownership
    }
}

extension DDLRenderer {
    /// A copied large object's comment, and its owner and grants when ownership is included.
    public func largeObjectMetadata(_ object: LargeObject) -> [DDLStatement] {
        let target = "LARGE OBJECT \(object.oid)"
        return comment(target, object.comment, object: target) + owner(target, object.ownership, object: target)
            + grants(target, object.ownership, object: target)
    }
}
