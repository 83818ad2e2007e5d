import Ferry
import Foundation
import Hummingbird
import Logging

/// Queen's migration routes (queen.md §1.2) plus cancel and plan, over one `MigrationController`.
struct MigrationRoutes: Sendable {
    let controller: MigrationController
    let source: ConnectionConfiguration
    let jobs: Int?
    let policy: ServerPolicy
    let checks: CheckLimiter
    let shutdown: ShutdownLatch
    let metrics: ServerMetrics
    let logger: Logger

    func register(on group: RouterGroup<FerryRequestContext>) {
        group.post("test-connection") { request, _ in
            try await checks.run("test-connection") { try await handle { try await testConnection(request) } }
        }
        group.post("start") { request, _ in try await handle { try await start(request) } }
        group.get("status") { _, _ in try JSONBody.response(StatusBody(controller.status, request: controller.lastRequest)) }
        group.post("validate") { request, _ in
            try await checks.run("validate") { try await handle { try await validate(request) } }
        }
        group.post("compare") { request, _ in
            try await checks.run("compare") { try await handle { try await compare(request) } }
        }
        group.post("reset") { _, _ in try await handle { try reset() } }
        group.post("cancel") { _, _ in try await handle { try cancel() } }
        group.post("cutover") { _, _ in try await handle { try cutover() } }
        group.get("plan") { request, _ in try await checks.run("plan") { try await handle { try await plan(request) } } }
        group.post("plan") { request, _ in
            try await checks.run("plan") { try await handle { try await planForTarget(request) } }
        }
    }

    /// Turns refusals into Queen's `{"error": …}` answers.
    private func handle(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as BadRequest {
            return try JSONBody.response(ErrorBody(error: error.message), status: .badRequest)
        } catch let error as PlanError {
            return try JSONBody.response(ErrorBody(error: error.description), status: .badRequest)
        } catch let error as RunLifecycle.Refusal {
            return try JSONBody.response(ErrorBody(error: error.description), status: .conflict)
        } catch let error as ServerProbe.Refusal {
            switch error {
            case .unknownName(let message): return try JSONBody.response(ErrorBody(error: message), status: .badRequest)
            case .unreachable(let message): return try JSONBody.response(ErrorBody(error: message), status: .internalServerError)
            }
        }
    }

    /// A wrong schema or table name is a 400 now rather than an `error` status later.
    private func checkSource(schema: String, excludeTableData: [String]) async throws {
        try await ServerProbe.checkRequest(source: source, schema: schema, excludeTableData: excludeTableData,
                                           alwaysAccepted: QueenContract.excludableTables)
    }

    /// The request's schemas: `schema` (Queen's default when absent), checked, or with
    /// `"allSchemas": true` every schema of the source database (its names checked by the plan).
    private func schemas(_ fields: RequestFields, allSchemas: Bool, excludeTableData: [String]) async throws -> [String] {
        guard !allSchemas else { return try await DatabaseSchemas.all(of: source) }
        let schema = try fields.schema()
        try await checkSource(schema: schema, excludeTableData: excludeTableData)
        return [schema]
    }

    /// What validate and compare read: `schema`, or with `"allSchemas": true` every schema of
    /// the source database, or else the last run's schemas (Queen's default before any run).
    /// Each named schema is checked once, with the tables `excluded` names when it is the only one.
    private func checkedSchemas(_ fields: RequestFields,
                                excluded: ([String]) throws -> [String] = { _ in [] }) async throws -> [String] {
        if try fields.allSchemas() { return try await DatabaseSchemas.all(of: source) }
        let schemas = fields.has("schema") ? [try fields.schema()] : controller.lastRequest?.schemas ?? [QueenContract.defaultSchema]
        let excludeTableData = schemas.count == 1 ? try excluded(schemas) : []
        for schema in schemas { try await checkSource(schema: schema, excludeTableData: excludeTableData) }
        return schemas
    }

    private func fields(_ request: Request) async throws -> RequestFields {
        var request = request
        let buffer = try await BodyReader.collect(&request)
        return try RequestFields(body: Array(buffer.readableBytesView))
    }

    /// The request's target: its fields checked, its host allowed by the operator's policy, and
    /// cut off from the server's own libpq environment (no PGPASSWORD, ~/.pgpass, client
    /// certificate or service file of the server's goes to a host a request names).
    private func target(_ fields: RequestFields) throws -> ConnectionConfiguration {
        let target = try fields.target()
        try policy.targetHosts.check(target["host"] ?? "")
        do {
            return try target.isolatedFromEnvironment()
        } catch {
            logger.error("cannot isolate request targets", metadata: ["error": "\(error.message)"])
            throw APIError(.internalServerError, error.message)
        }
    }

    /// A password refusal for a request that gave none says why the server did not fill one in.
    private static func explainingMissingPassword(_ message: String, _ fields: RequestFields) -> String {
        guard (try? fields.target())?["password"] == nil, message.contains("password") else { return message }
        return message + " (the request gave no password; the server's own PGPASSWORD, ~/.pgpass and service files are "
            + "never used for a target named in a request)"
    }

    func testConnection(_ request: Request) async throws -> Response {
        let fields = try await fields(request)
        let target = try target(fields)
        do {
            let version = try await ServerProbe.version(target)
            return try JSONBody.response(TestConnectionBody(success: true, message: "Connection successful", version: version))
        } catch {
            logger.info("test-connection failed", metadata: ["target": "\(target.redactedDescription)"])
            let message = Self.explainingMissingPassword(target.redacting("\(error)"), fields)
            return try JSONBody.response(TestConnectionBody(success: false, message: "Connection failed", error: message))
        }
    }

    func start(_ request: Request) async throws -> Response {
        let fields = try await fields(request)
        let target = try target(fields)
        let allSchemas = try fields.allSchemas()
        let excluded = try fields.excludeTableData()
        let jobs = try fields.jobs() ?? self.jobs ?? MigrationRequest.defaultJobs
        let largeObjects = try fields.largeObjects()
        let statistics = try fields.statistics()
        let compareAfterwards = try fields.compareAfterwards()
        let follow = try fields.follow()
        let followUntil = try fields.followUntil()
        if followUntil != nil && !follow { throw BadRequest("followUntil needs \"follow\": true") }
        let cutoverChecksums = try fields.cutoverChecksums()
        if cutoverChecksums && !follow { throw BadRequest("checksums (compared at cutover) needs \"follow\": true") }
        let refreshMaterializedViews = try fields.refreshMaterializedViews()
        let replicaIdentityFull = try fields.replicaIdentityFull()
        if replicaIdentityFull && !follow { throw BadRequest("replicaIdentityFull needs \"follow\": true") }
        let prerequisites = try fields.prerequisites()
        try refuseWhileShuttingDown()
        if controller.status.status.isRunning { throw RunLifecycle.Refusal.alreadyRunning }
        let schemas = try await schemas(fields, allSchemas: allSchemas, excludeTableData: excluded)
        try refuseWhileShuttingDown()  // again: the source check took a while
        metrics.observe(controller)  // the last run's final counts, before this one replaces it
        try controller.start(MigrationRequest(source: source, target: target, schemas: schemas, excludeTableData: excluded,
                                              toleratedExclusions: QueenContract.excludableTables,
                                              jobs: jobs, includeOwnership: try fields.includeOwnership(),
                                              statistics: statistics, largeObjects: largeObjects,
                                              compareAfterwards: compareAfterwards, follow: follow, followUntil: followUntil,
                                              cutoverChecksums: cutoverChecksums, refreshMaterializedViews: refreshMaterializedViews,
                                              replicaIdentityFull: replicaIdentityFull, roles: prerequisites.roles,
                                              rolePasswords: prerequisites.rolePasswords,
                                              createPrerequisites: prerequisites.createPrerequisites, wholeDatabase: allSchemas))
        logger.info("migration started", metadata: [
            "schema": "\(schemas.joined(separator: ","))", "target": "\(target.redactedDescription)", "excludeTableData": "\(excluded)",
        ])
        return try JSONBody.response(MessageBody(status: "started",
                                                 message: "Migration started. Poll /api/v1/migration/status for progress."),
                                     status: .accepted)
    }

    /// 503 once shutdown has begun: a run started now would be cut short by the exit.
    private func refuseWhileShuttingDown() throws {
        if shutdown.isClosed { throw APIError(.serviceUnavailable, "the server is shutting down: no new migration is started") }
    }

    func validate(_ request: Request) async throws -> Response {
        let fields = try await fields(request)
        let target = try target(fields)
        let last = controller.lastRequest
        let excludedTables = { (schemas: [String]) in
            fields.has("excludeTableData") ? try fields.excludeTableData() : (last?.schemas == schemas ? last?.excludeTableData ?? [] : [])
        }
        let schemas = try await checkedSchemas(fields, excluded: excludedTables)
        let excluded = try excludedTables(schemas)
        do {
            let report = try await Validator(source: source, target: target, schemas: schemas, excludedTables: excluded,
                                             toleratedExclusions: QueenContract.excludableTables).validate()
            return try JSONBody.response(ValidationBody(success: true, allMatch: report.allMatch, schema: schemas.joined(separator: ","),
                                                        tables: report.tables))
        } catch let error as PlanError {
            throw error
        } catch {
            var message = target.redacting("\(error)")
            if message.hasPrefix("target: ") { message = Self.explainingMissingPassword(message, fields) }
            for side in ["source", "target"] where message.hasPrefix("\(side): ") {
                message = "Failed to connect to \(side): " + message.dropFirst(side.count + 2)
            }
            logger.warning("validation failed", metadata: ["error": "\(message)"])
            return try JSONBody.response(ValidationFailureBody(error: message), status: .internalServerError)
        }
    }

    /// `POST compare`: every object of the schema, source against the request's target, from the
    /// catalog (`pgferry compare`); 200 with the differences whether or not there are any.
    func compare(_ request: Request) async throws -> Response {
        let fields = try await fields(request)
        let target = try target(fields)
        let schemas = try await checkedSchemas(fields)
        let includeOwnership = try fields.includeOwnership()
        do {
            let comparison = try await SchemaCompare(source: source, target: target, schemas: schemas,
                                                     includeOwnership: includeOwnership, largeObjects: try fields.largeObjects(),
                                                     roles: try fields.prerequisites().roles,
                                                     wholeDatabase: try fields.allSchemas()).compare()
            return try JSONBody.response(CompareBody(success: true, equal: comparison.isEqual, schema: schemas.joined(separator: ","),
                                                     comparison: comparison))
        } catch let error as PlanError {
            throw error
        } catch {
            var message = target.redacting("\(error)")
            if message.hasPrefix("target: ") { message = Self.explainingMissingPassword(message, fields) }
            logger.warning("compare failed", metadata: ["error": "\(message)"])
            return try JSONBody.response(ValidationFailureBody(error: message), status: .internalServerError)
        }
    }

    func reset() throws -> Response {
        metrics.observe(controller)  // the last run's final counts, before they are forgotten
        try controller.reset()
        return try JSONBody.response(MessageBody(status: "idle", message: "Migration state reset"))
    }

    func cancel() throws -> Response {
        guard controller.status.status.isRunning else {
            return try JSONBody.response(ErrorBody(error: "No migration in progress"), status: .conflict)
        }
        controller.cancel()
        logger.info("migration cancel requested")
        return try JSONBody.response(MessageBody(status: "cancelling",
                                                 message: "Cancel requested; the run ends in error. Poll /api/v1/migration/status."),
                                     status: .accepted)
    }

    /// `POST cutover`: a running follow run applies up to the source's current WAL position, sets
    /// the sequences, compares row counts, drops its slot and ends; 409 when no run follows.
    func cutover() throws -> Response {
        guard controller.status.status.isRunning, controller.lastRequest?.follow == true else {
            return try JSONBody.response(ErrorBody(error: "No migration with follow in progress"), status: .conflict)
        }
        controller.cutover()
        logger.info("migration cutover requested")
        return try JSONBody.response(MessageBody(status: "cutting_over",
                                                 message: "Cutover requested; the run completes once the source's current "
                                                     + "position is applied. Poll /api/v1/migration/status."),
                                     status: .accepted)
    }

    /// `GET plan?schema=queen&excludeTableData=a,b[&allSchemas=true][&owners=true][&roles=true][&createPrerequisites=true]`: what
    /// start would do, read from the source (and, for roles and extensions, the last run's target).
    func plan(_ request: Request) async throws -> Response {
        var object: [String: JSONValue] = [:]
        for (key, value) in request.uri.queryParameters {
            let flag = ["roles", "rolePasswords", "createPrerequisites", "allSchemas", "owners"].contains(String(key))
            object[String(key)] = flag ? (["true": .bool(true), "false": .bool(false)][String(value)] ?? .string(String(value)))
                : .string(String(value))
        }
        // Without a target, a socket folder that cannot exist makes plan() fall back to the
        // source's version for the COPY format at once.
        let target = controller.lastRequest?.target ?? ConnectionConfiguration([.init("host", "/nonexistent/pgferry-plan-no-target")])
        return try await plan(RequestFields(object: object), target: target)
    }

    /// `POST plan` with start's body (the target's fields, `schema` or `allSchemas`,
    /// `excludeTableData`, `roles`, `createPrerequisites`): what start would do against that
    /// target, with the roles and extensions it lacks (the dashboard's plan).
    func planForTarget(_ request: Request) async throws -> Response {
        let fields = try await fields(request)
        return try await plan(fields, target: try target(fields))
    }

    private func plan(_ fields: RequestFields, target: ConnectionConfiguration) async throws -> Response {
        let allSchemas = try fields.allSchemas()
        let excluded = try fields.excludeTableData()
        let prerequisites = try fields.prerequisites()
        let schemas = try await schemas(fields, allSchemas: allSchemas, excludeTableData: excluded)
        do {
            let plan = try await Migration(request: MigrationRequest(source: source, target: target, schemas: schemas,
                                                                     excludeTableData: excluded,
                                                                     toleratedExclusions: QueenContract.excludableTables,
                                                                     includeOwnership: try fields.includeOwnership(),
                                                                     roles: prerequisites.roles,
                                                                     createPrerequisites: prerequisites.createPrerequisites,
                                                                     wholeDatabase: allSchemas),
                                         logger: logger).plan()
            return try JSONBody.response(PlanBody(plan))
        } catch let error as PlanError {
            throw error
        } catch {
            return try JSONBody.response(ErrorBody(error: "Planning failed: \(target.redacting("\(error)"))"),
                                         status: .internalServerError)
        }
    }
}

