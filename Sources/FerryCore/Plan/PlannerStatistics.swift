/// How a run leaves the target's planner statistics.
public enum StatisticsMode: String, Sendable, CaseIterable, Codable {
    /// ANALYZE each table after its load.
    case analyze
    /// Restore the source's statistics (`pg_restore_relation_stats`, `pg_restore_attribute_stats`,
    /// PostgreSQL 18+ targets), as pg_dump 18 carries them: no ANALYZE, and the target plans like
    /// the source from its first query.
    case copy
    /// Neither: the target has no statistics until autovacuum analyzes it.
    case none

    /// `copy` where the target can take statistics, else `analyze`.
    public static func preferred(targetVersion: Int) -> StatisticsMode {
        targetVersion >= 180000 ? .copy : .analyze
    }
}

/// A relation's planner statistics as the source holds them (`pg_class`, `pg_stats`), each value
/// as the source printed it with its SQL type, for the PostgreSQL 18 restore functions.
public struct RelationStatistics: Sendable, Equatable {
    /// The table a relation's statistics belong to: itself, or the table of an index.
    public var table: QualifiedName
    public var relation: QualifiedName
    /// `relpages`, `reltuples`, `relallvisible` (and `relallfrozen` from 18).
    public var values: [Value]
    public var columns: [ColumnStatistics]

    public init(table: QualifiedName, relation: QualifiedName, values: [Value], columns: [ColumnStatistics] = []) {
        self.table = table
        self.relation = relation
        self.values = values
        self.columns = columns
    }

    public struct Value: Sendable, Equatable {
        public var name: String
        public var text: String
        public var type: String
        public init(_ name: String, _ text: String, _ type: String) {
            self.name = name
            self.text = text
            self.type = type
        }
    }

    public struct ColumnStatistics: Sendable, Equatable {
        /// Table columns by name (numbers differ where columns were dropped); index columns by
        /// number (their names are made up by the server).
        public enum Column: Sendable, Equatable {
            case name(String)
            case number(Int)
        }
        public var column: Column
        public var inherited: Bool
        public var values: [Value]
        public init(column: Column, inherited: Bool, values: [Value]) {
            self.column = column
            self.inherited = inherited
            self.values = values
        }
    }

    /// `SELECT pg_catalog.pg_restore_relation_stats(…)`, then one `pg_restore_attribute_stats`
    /// per column; each returns false when the target rejected part of it.
    public func restoreStatements(sourceVersion: Int) -> [DDLStatement] {
        let object = "STATISTICS DATA \(relation)"
        let header = "'version', '\(sourceVersion)'::integer, 'schemaname', \(SQL.literal(relation.schema)), "
            + "'relname', \(SQL.literal(relation.name))"
        func arguments(_ values: [Value]) -> String {
            values.map { ", \(SQL.literal($0.name)), \(SQL.literal($0.text))::\($0.type)" }.joined()
        }
        var statements = [DDLStatement("SELECT pg_catalog.pg_restore_relation_stats(\(header)\(arguments(values))) AS restored",
                                       object: object)]
        for column in columns {
            let name = switch column.column {
            case .name(let name): "'attname', \(SQL.literal(name))"
            case .number(let number): "'attnum', '\(number)'::smallint"
            }
            statements.append(DDLStatement(
                "SELECT pg_catalog.pg_restore_attribute_stats(\(header), \(name), 'inherited', \(column.inherited)::boolean"
                    + "\(arguments(column.values))) AS restored", object: object))
        }
        return statements
    }
}
