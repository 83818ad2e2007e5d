/// One message of the pgoutput logical replication protocol, version 1
/// (protocol-logicalrep-message-formats.html; written by src/backend/replication/logical/proto.c).
public enum PgOutputMessage: Hashable, Sendable {
    case begin(Begin)
    case commit(Commit)
    case origin(Origin)
    case relation(Relation)
    case type(TypeDescription)
    case insert(Insert)
    case update(Update)
    case delete(Delete)
    case truncate(Truncate)
    case message(LogicalMessage)

    public struct Begin: Hashable, Sendable {
        /// The LSN of the commit record; the Commit message repeats it.
        public var finalLSN: LSN
        public var commitTime: ReplicationTimestamp
        public var xid: UInt32

        public init(finalLSN: LSN, commitTime: ReplicationTimestamp, xid: UInt32) {
            self.finalLSN = finalLSN
            self.commitTime = commitTime
            self.xid = xid
        }
    }

    public struct Commit: Hashable, Sendable {
        public var flags: UInt8
        public var commitLSN: LSN
        /// The end of the commit record: where streaming resumes after this transaction.
        public var endLSN: LSN
        public var commitTime: ReplicationTimestamp

        public init(flags: UInt8, commitLSN: LSN, endLSN: LSN, commitTime: ReplicationTimestamp) {
            self.flags = flags
            self.commitLSN = commitLSN
            self.endLSN = endLSN
            self.commitTime = commitTime
        }
    }

    /// The transaction was replayed from another node (replication origin).
    public struct Origin: Hashable, Sendable {
        public var commitLSN: LSN
        public var name: String

        public init(commitLSN: LSN, name: String) {
            self.commitLSN = commitLSN
            self.name = name
        }
    }

    /// A published table as the source sees it, sent before its first change in the stream and
    /// again whenever it changes. Generated columns are not published.
    public struct Relation: Hashable, Sendable {
        /// The source's oid: valid within this stream only.
        public var id: UInt32
        /// `""` on the wire means `pg_catalog`; stored resolved.
        public var namespace: String
        public var name: String
        public var replicaIdentity: ReplicaIdentity
        public var columns: [Column]

        public init(id: UInt32, namespace: String, name: String, replicaIdentity: ReplicaIdentity, columns: [Column]) {
            self.id = id
            self.namespace = namespace
            self.name = name
            self.replicaIdentity = replicaIdentity
            self.columns = columns
        }

        public struct Column: Hashable, Sendable {
            public var name: String
            /// Part of the replica identity (every column with REPLICA IDENTITY FULL).
            public var isKey: Bool
            public var typeOID: UInt32
            public var typeModifier: Int32

            public init(name: String, isKey: Bool, typeOID: UInt32, typeModifier: Int32) {
                self.name = name
                self.isKey = isKey
                self.typeOID = typeOID
                self.typeModifier = typeModifier
            }
        }
    }

    public enum ReplicaIdentity: UInt8, Hashable, Sendable {
        /// The primary key, if any.
        case `default` = 0x64  // 'd'
        case nothing = 0x6E  // 'n'
        case full = 0x66  // 'f'
        case index = 0x69  // 'i'
    }

    /// A non-built-in type used by a published column (enums, domains, composites, extensions).
    public struct TypeDescription: Hashable, Sendable {
        public var oid: UInt32
        public var namespace: String
        public var name: String

        public init(oid: UInt32, namespace: String, name: String) {
            self.oid = oid
            self.namespace = namespace
            self.name = name
        }
    }

    public struct Insert: Hashable, Sendable {
        public var relationID: UInt32
        public var newTuple: TupleData

        public init(relationID: UInt32, newTuple: TupleData) {
            self.relationID = relationID
            self.newTuple = newTuple
        }
    }

    public struct Update: Hashable, Sendable {
        public var relationID: UInt32
        /// Present when the key changed, a key value is TOASTed, or the identity is FULL.
        public var oldTuple: OldTuple?
        public var newTuple: TupleData

        public init(relationID: UInt32, oldTuple: OldTuple?, newTuple: TupleData) {
            self.relationID = relationID
            self.oldTuple = oldTuple
            self.newTuple = newTuple
        }
    }

    public struct Delete: Hashable, Sendable {
        public var relationID: UInt32
        public var oldTuple: OldTuple

        public init(relationID: UInt32, oldTuple: OldTuple) {
            self.relationID = relationID
            self.oldTuple = oldTuple
        }
    }

    public enum OldTuple: Hashable, Sendable {
        /// `'K'`: the replica identity columns; other columns are sent as NULL.
        case key(TupleData)
        /// `'O'`: every column (REPLICA IDENTITY FULL).
        case full(TupleData)

        public var tuple: TupleData {
            switch self {
            case .key(let tuple), .full(let tuple): tuple
            }
        }
    }

    public struct Truncate: Hashable, Sendable {
        public var options: Options
        public var relationIDs: [UInt32]

        public init(options: Options, relationIDs: [UInt32]) {
            self.options = options
            self.relationIDs = relationIDs
        }

        public struct Options: OptionSet, Hashable, Sendable {
            public var rawValue: UInt8
            public init(rawValue: UInt8) { self.rawValue = rawValue }
            public static let cascade = Options(rawValue: 1)
            public static let restartIdentity = Options(rawValue: 2)
        }
    }

    /// `pg_logical_emit_message` (sent when the stream asks for `messages 'true'`).
    public struct LogicalMessage: Hashable, Sendable {
        /// Transactional messages arrive inside their transaction, others on their own.
        public var isTransactional: Bool
        public var lsn: LSN
        public var prefix: String
        public var content: [UInt8]

        public init(isTransactional: Bool, lsn: LSN, prefix: String, content: [UInt8]) {
            self.isTransactional = isTransactional
            self.lsn = lsn
            self.prefix = prefix
            self.content = content
        }
    }
}

/// The column values of one row, in the relation's column order.
public struct TupleData: Hashable, Sendable {
    public var values: [TupleValue]

    public init(_ values: [TupleValue]) { self.values = values }
}

public enum TupleValue: Hashable, Sendable {
    case null
    /// `'u'`: a TOASTed value the update did not change, not sent; the target keeps its value.
    case unchangedToast
    /// `'t'`: the type's text output.
    case text([UInt8])
    /// `'b'`: the type's send/recv form (with `binary 'true'`; same major version only).
    case binary([UInt8])
}
