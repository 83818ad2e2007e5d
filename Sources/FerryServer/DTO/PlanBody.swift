import Ferry

/// `GET /api/v1/migration/plan`: tables with sizes and formats, and the DDL in run order.
struct PlanBody: Encodable {
    struct Table: Encodable {
        var table: String
        var bytes: Int64
        var estimatedRows: Int64
        var format: CopyFormat
        var copiesData: Bool
        var columns: [String]
    }

    struct Statement: Encodable {
        var object: String
        var sql: String
    }

    var schemas: [String]
    var tables: [Table]
    var hazards: [String]
    var ddl: [Statement]

    init(_ plan: MigrationPlan) {
        schemas = plan.schemas
        tables = plan.tables.map {
            Table(table: $0.table.description, bytes: $0.bytes, estimatedRows: $0.estimatedRows, format: $0.format,
                  copiesData: $0.copiesData, columns: $0.columns)
        }
        hazards = plan.notes
        ddl = plan.ddl.allStatements.map { Statement(object: $0.object, sql: $0.printable) }
    }
}
