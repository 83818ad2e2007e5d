/// A row change of a committed source transaction, resolved against the relation it belongs to
/// (as the relation was when the change was sent).
public enum RowChange: Hashable, Sendable {
    case insert(PgOutputMessage.Relation, new: TupleData)
    case update(PgOutputMessage.Relation, old: PgOutputMessage.OldTuple?, new: TupleData)
    case delete(PgOutputMessage.Relation, old: PgOutputMessage.OldTuple)
    case truncate([PgOutputMessage.Relation], options: PgOutputMessage.Truncate.Options)
    /// A transactional `pg_logical_emit_message`, in its place among the changes.
    case message(PgOutputMessage.LogicalMessage)
}

/// A source transaction, complete: one target transaction applies it.
public struct ReplicatedTransaction: Hashable, Sendable {
    public var xid: UInt32
    public var commitLSN: LSN
    /// Where the stream resumes after it: report this as flushed once the target committed it.
    public var endLSN: LSN
    public var commitTime: ReplicationTimestamp
    /// Set when the source replayed it from another node.
    public var origin: PgOutputMessage.Origin?
    /// In source order; without those already handed over by `TransactionAssembler.takeBufferedChanges()`.
    public var changes: [RowChange]

    public init(
        xid: UInt32, commitLSN: LSN, endLSN: LSN, commitTime: ReplicationTimestamp, origin: PgOutputMessage.Origin? = nil,
        changes: [RowChange]
    ) {
        self.xid = xid
        self.commitLSN = commitLSN
        self.endLSN = endLSN
        self.commitTime = commitTime
        self.origin = origin
        self.changes = changes
    }
}

/// What the assembler hands on once a message completes something.
public enum ReplicationEvent: Hashable, Sendable {
    case transaction(ReplicatedTransaction)
    /// A non-transactional `pg_logical_emit_message`: delivered as soon as it is decoded.
    case message(PgOutputMessage.LogicalMessage)
}

/// A pgoutput stream that breaks the protocol's order, e.g. a change outside a transaction.
public struct ReplicationSequenceError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
}

/// Turns the decoded message stream into committed transactions (a sans-IO state machine).
///
/// Keeps the relation cache: the source oid → relation as last described by a Relation message.
/// Changes are resolved when they arrive, so a relation that changes mid-stream applies its old
/// shape to the changes before it and its new shape after. Protocol 1 sends a transaction only
/// once it committed, whole; the assembler holds its changes until the Commit message.
public struct TransactionAssembler: Sendable {
    public private(set) var relations: [UInt32: PgOutputMessage.Relation] = [:]
    /// Non-built-in types named by Type messages, by source oid.
    public private(set) var types: [UInt32: PgOutputMessage.TypeDescription] = [:]
    private var state: State = .idle

    private enum State: Hashable, Sendable {
        case idle
        case inTransaction(begin: PgOutputMessage.Begin, origin: PgOutputMessage.Origin?, changes: [RowChange])
    }

    public init() {}

    /// Feeds one message; returns an event when it completes one.
    public mutating func receive(_ message: PgOutputMessage) throws(ReplicationSequenceError) -> ReplicationEvent? {
        switch message {
        case .relation(let relation):
            relations[relation.id] = relation
        case .type(let type):
            types[type.oid] = type
        case .begin(let begin):
            if case .inTransaction(let open, _, _) = state {
                throw ReplicationSequenceError(
                    description: "Begin of xid \(begin.xid) while xid \(open.xid) is still open (expected its Commit first)")
            }
            state = .inTransaction(begin: begin, origin: nil, changes: [])
        case .origin(let origin):
            guard case .inTransaction(let begin, nil, let changes) = state, changes.isEmpty else {
                throw ReplicationSequenceError(
                    description: "Origin \"\(origin.name)\" outside the start of a transaction (expected right after Begin)")
            }
            state = .inTransaction(begin: begin, origin: origin, changes: [])
        case .commit(let commit):
            guard case .inTransaction(let begin, let origin, let changes) = state else {
                throw ReplicationSequenceError(
                    description: "Commit at \(commit.commitLSN) outside a transaction (expected a Begin first)")
            }
            guard begin.finalLSN == commit.commitLSN else {
                throw ReplicationSequenceError(
                    description: "Commit LSN \(commit.commitLSN) of xid \(begin.xid) differs from its Begin's final LSN \(begin.finalLSN)")
            }
            state = .idle
            return .transaction(
                ReplicatedTransaction(
                    xid: begin.xid, commitLSN: commit.commitLSN, endLSN: commit.endLSN, commitTime: commit.commitTime,
                    origin: origin, changes: changes))
        case .message(let logical) where !logical.isTransactional:
            return .message(logical)
        case .message(let logical):
            try append(.message(logical), for: "transactional message \"\(logical.prefix)\"")
        case .insert(let insert):
            let relation = try relation(insert.relationID, for: "Insert", columns: insert.newTuple)
            try append(.insert(relation, new: insert.newTuple), for: "Insert into \(relation.qualifiedName)")
        case .update(let update):
            let relation = try relation(update.relationID, for: "Update", columns: update.newTuple, update.oldTuple?.tuple)
            try append(.update(relation, old: update.oldTuple, new: update.newTuple), for: "Update of \(relation.qualifiedName)")
        case .delete(let delete):
            let relation = try relation(delete.relationID, for: "Delete", columns: delete.oldTuple.tuple)
            try append(.delete(relation, old: delete.oldTuple), for: "Delete from \(relation.qualifiedName)")
        case .truncate(let truncate):
            var truncated: [PgOutputMessage.Relation] = []
            for id in truncate.relationIDs { truncated.append(try relation(id, for: "Truncate")) }
            try append(.truncate(truncated, options: truncate.options), for: "Truncate")
        }
        return nil
    }

    /// The transaction being received, if any: its Begin and Origin.
    public var openTransaction: (begin: PgOutputMessage.Begin, origin: PgOutputMessage.Origin?)? {
        guard case .inTransaction(let begin, let origin, _) = state else { return nil }
        return (begin, origin)
    }

    /// Hands over the open transaction's changes received so far and forgets them: an applier
    /// that applies a large transaction as it arrives, inside one open target transaction, keeps
    /// memory bounded. The Commit then carries the changes after the last call.
    public mutating func takeBufferedChanges() -> [RowChange] {
        guard case .inTransaction(let begin, let origin, let changes) = state else { return [] }
        state = .inTransaction(begin: begin, origin: origin, changes: [])
        return changes
    }

    /// `what` is built only for the error: formatting it for every change cost as much as decoding it.
    private mutating func append(_ change: RowChange, for what: @autoclosure () -> String) throws(ReplicationSequenceError) {
        guard case .inTransaction(let begin, let origin, var changes) = state else {
            throw ReplicationSequenceError(description: "\(what()) outside a transaction (expected a Begin first)")
        }
        state = .idle  // drops the reference so the append does not copy the array
        changes.append(change)
        state = .inTransaction(begin: begin, origin: origin, changes: changes)
    }

    private func relation(_ id: UInt32, for what: String, columns tuples: TupleData?...) throws(ReplicationSequenceError)
        -> PgOutputMessage.Relation
    {
        guard let relation = relations[id] else {
            throw ReplicationSequenceError(
                description: "\(what) for relation oid \(id), which no Relation message described (expected one before the first change)")
        }
        for case let tuple? in tuples where tuple.values.count != relation.columns.count {
            throw ReplicationSequenceError(
                description: "\(what) for \(relation.qualifiedName) carries \(tuple.values.count) columns, its Relation message \(relation.columns.count)")
        }
        return relation
    }
}

extension PgOutputMessage.Relation {
    /// `namespace.name`, quoted, for messages and SQL.
    public var qualifiedName: String { SQL.qualified(namespace, name) }
}
