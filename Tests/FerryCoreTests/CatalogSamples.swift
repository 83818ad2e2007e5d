import FerryCore

/// A small Queen-like catalog for DDL and plan tests.
enum CatalogSamples {
    static let queues = QualifiedName("queen", "queues")
    static let messages = QualifiedName("queen", "messages")
    static let traces = QualifiedName("queen", "message_traces")
    static let traceNames = QualifiedName("queen", "message_trace_names")

    static var queen: SchemaCatalog {
        SchemaCatalog(
            serverVersion: 150_018,
            schemas: [Schema(name: "queen", comment: "Queen MQ")],
            tables: [
                Table(oid: 1, name: queues, reloptions: ["fillfactor=50"], columns: [
                    Column(name: "id", type: "uuid", notNull: true, defaultExpression: "gen_random_uuid()"),
                    Column(name: "name", type: "character varying(255)", notNull: true),
                ], bytes: 10),
                Table(oid: 2, name: messages, columns: [
                    Column(name: "id", type: "uuid", notNull: true),
                    Column(name: "payload", type: "jsonb", notNull: true),
                    Column(name: "kind", type: "queen.kind", builtinType: false),
                ], bytes: 1000),
                Table(oid: 3, name: traces, columns: [
                    Column(name: "id", type: "bigint", notNull: true, identity: .always),
                    Column(name: "message_id", type: "uuid"),
                    Column(name: "doubled", type: "bigint", generated: "(id * 2)"),
                ], bytes: 100),
                Table(oid: 4, name: traceNames, columns: [Column(name: "trace_id", type: "bigint")], bytes: 50),
            ],
            sequences: [
                Sequence(name: QualifiedName("queen", "message_traces_id_seq"), lastValue: 42, isCalled: true,
                         identityOf: ColumnReference(table: traces, column: "id")),
            ],
            functions: [
                Function(name: QualifiedName("queen", "touch"), identityArguments: "",
                         definition: "CREATE OR REPLACE FUNCTION queen.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$BEGIN RETURN NEW; END$function$\n"),
            ],
            constraints: [
                Constraint(name: "queues_pkey", table: queues, kind: .primaryKey, definition: "PRIMARY KEY (id)",
                           indexDefinition: "CREATE UNIQUE INDEX queues_pkey ON queen.queues USING btree (id)"),
                Constraint(name: "queues_name_key", table: queues, kind: .unique, definition: "UNIQUE (name)",
                           indexDefinition: "CREATE UNIQUE INDEX queues_name_key ON queen.queues USING btree (name)",
                           deferrableClause: "DEFERRABLE INITIALLY DEFERRED"),
                Constraint(name: "queues_name_check", table: queues, kind: .check, definition: "CHECK ((name)::text <> ''::text)"),
                Constraint(name: "message_traces_message_id_fkey", table: traces, kind: .foreignKey,
                           definition: "FOREIGN KEY (message_id) REFERENCES queen.messages(id) ON DELETE CASCADE",
                           referencedTable: messages),
                Constraint(name: "message_trace_names_trace_id_fkey", table: traceNames, kind: .foreignKey,
                           definition: "FOREIGN KEY (trace_id) REFERENCES queen.message_traces(id) ON DELETE CASCADE",
                           referencedTable: traces),
            ],
            indexes: [
                Index(name: QualifiedName("queen", "idx_messages_payload"), table: messages,
                      definition: "CREATE INDEX idx_messages_payload ON queen.messages USING gin (payload)"),
            ],
            triggers: [
                Trigger(name: "trg_touch", table: queues,
                        definition: "CREATE TRIGGER trg_touch AFTER INSERT ON queen.queues FOR EACH ROW EXECUTE FUNCTION queen.touch()",
                        enabled: "D"),
            ])
    }
}
