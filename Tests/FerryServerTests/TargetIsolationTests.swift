import Ferry
@testable import FerryServer
import FerryTestSupport
import Foundation
import Hummingbird
import Testing

/// Targets named in requests: which hosts they may be, and that they carry none of the
/// server process's own libpq defaults.
@Suite("Request targets")
struct TargetIsolationTests {
    typealias Keyword = ConnectionConfiguration.LibpqKeyword

    static let target = ConnectionConfiguration([.init("host", "db.example"), .init("port", "5432"), .init("dbname", "d"),
                                                 .init("user", "u"), .init("sslmode", "disable")])

    /// libpq 15's keywords that have a variable (PQconndefaults on this image), plus 16+'s.
    static let libpq15: [Keyword] = [
        Keyword("service", environmentVariable: "PGSERVICE", compiledDefault: nil),
        Keyword("user", environmentVariable: "PGUSER", compiledDefault: nil),
        Keyword("password", environmentVariable: "PGPASSWORD", compiledDefault: nil),
        Keyword("passfile", environmentVariable: "PGPASSFILE", compiledDefault: nil),
        Keyword("channel_binding", environmentVariable: "PGCHANNELBINDING", compiledDefault: "prefer"),
        Keyword("connect_timeout", environmentVariable: "PGCONNECT_TIMEOUT", compiledDefault: nil),
        Keyword("dbname", environmentVariable: "PGDATABASE", compiledDefault: nil),
        Keyword("host", environmentVariable: "PGHOST", compiledDefault: nil),
        Keyword("hostaddr", environmentVariable: "PGHOSTADDR", compiledDefault: nil),
        Keyword("port", environmentVariable: "PGPORT", compiledDefault: "5432"),
        Keyword("client_encoding", environmentVariable: "PGCLIENTENCODING", compiledDefault: nil),
        Keyword("options", environmentVariable: "PGOPTIONS", compiledDefault: ""),
        Keyword("application_name", environmentVariable: "PGAPPNAME", compiledDefault: nil),
        Keyword("keepalives", environmentVariable: nil, compiledDefault: nil),
        Keyword("sslmode", environmentVariable: "PGSSLMODE", compiledDefault: "prefer"),
        Keyword("sslcert", environmentVariable: "PGSSLCERT", compiledDefault: nil),
        Keyword("sslkey", environmentVariable: "PGSSLKEY", compiledDefault: nil),
        Keyword("sslpassword", environmentVariable: nil, compiledDefault: nil),
        Keyword("sslrootcert", environmentVariable: "PGSSLROOTCERT", compiledDefault: nil),
        Keyword("sslcrl", environmentVariable: "PGSSLCRL", compiledDefault: nil),
        Keyword("sslcrldir", environmentVariable: "PGSSLCRLDIR", compiledDefault: nil),
        Keyword("requirepeer", environmentVariable: "PGREQUIREPEER", compiledDefault: nil),
        Keyword("ssl_max_protocol_version", environmentVariable: "PGSSLMAXPROTOCOLVERSION", compiledDefault: nil),
        Keyword("gssencmode", environmentVariable: "PGGSSENCMODE", compiledDefault: "prefer"),
        Keyword("krbsrvname", environmentVariable: "PGKRBSRVNAME", compiledDefault: "postgres"),
        Keyword("gsslib", environmentVariable: "PGGSSLIB", compiledDefault: nil),
        Keyword("target_session_attrs", environmentVariable: "PGTARGETSESSIONATTRS", compiledDefault: "any"),
    ]
    static let libpq18 = libpq15 + [
        Keyword("require_auth", environmentVariable: "PGREQUIREAUTH", compiledDefault: nil),
        Keyword("sslcertmode", environmentVariable: "PGSSLCERTMODE", compiledDefault: "allow"),
        Keyword("servicefile", environmentVariable: "PGSERVICEFILE", compiledDefault: nil),
        Keyword("load_balance_hosts", environmentVariable: "PGLOADBALANCEHOSTS", compiledDefault: "disable"),
    ]

    /// Everything a hostile operator environment could set.
    static let ambient = ["PGPASSWORD": "server-secret", "PGPASSFILE": "/root/.pgpass", "PGSSLCERT": "/root/client.crt",
                          "PGSSLKEY": "/root/client.key", "PGSSLROOTCERT": "/root/root.crt", "PGOPTIONS": "-c role=admin",
                          "PGCLIENTENCODING": "LATIN1", "PGAPPNAME": "x", "PGCONNECT_TIMEOUT": "600", "PGGSSENCMODE": "require",
                          "PGSSLCRLDIR": "/root/crl", "PGREQUIREAUTH": "password", "PGSSLCERTMODE": "require",
                          "PGREQUIREPEER": "postgres", "PGTARGETSESSIONATTRS": "read-write", "HOME": "/home/ferry"]

    @Test func everyVariableGetsAnExplicitValue() throws {
        let isolated = try Self.target.isolated(keywords: Self.libpq18) { Self.ambient[$0] }
        // What the request gave stays.
        #expect(isolated["host"] == "db.example" && isolated["dbname"] == "d" && isolated["user"] == "u" && isolated["sslmode"] == "disable")
        // PGPASSWORD is set, and "no password" cannot be said to PQconnectdbParams: a one-off stand-in.
        let password = try #require(isolated["password"])
        #expect(password.hasPrefix("pgferry-no-password-") && password != "server-secret")
        #expect(isolated["passfile"] == "/nonexistent/pgferry-isolated/pgpass")
        #expect(isolated["sslcert"] == "/nonexistent/pgferry-isolated/postgresql.crt")
        #expect(isolated["sslkey"] == "/nonexistent/pgferry-isolated/postgresql.key")
        #expect(isolated["sslcrldir"] == "/nonexistent/pgferry-isolated/crl")
        #expect(isolated["servicefile"] == "/nonexistent/pgferry-isolated/pg_service.conf")
        #expect(isolated["sslrootcert"] == "/home/ferry/.postgresql/root.crt")  // libpq's own default, not PGSSLROOTCERT
        #expect(isolated["sslcrl"] == "/home/ferry/.postgresql/root.crl")
        #expect(isolated["options"] == " ")
        #expect(isolated["client_encoding"] == "UTF8" && isolated["application_name"] == "pgferry")
        #expect(isolated["connect_timeout"] == "10" && isolated["gssencmode"] == "disable")
        #expect(isolated["channel_binding"] == "prefer" && isolated["target_session_attrs"] == "any")
        #expect(isolated["sslcertmode"] == "disable")
        #expect(isolated["require_auth"] == "none")  // no password given: the server may not ask for one
        #expect(isolated["requirepeer"] == nil)  // only ever stricter, and for Unix sockets only
        #expect(isolated["keepalives"] == nil && isolated["sslpassword"] == nil)  // no variable: nothing to inherit
        // Every keyword with a variable has a non-empty value (empty would mean "take the variable").
        for keyword in Self.libpq18 where keyword.environmentVariable != nil && !["requirepeer", "gsslib", "service", "hostaddr"].contains(keyword.keyword) {
            #expect(isolated[keyword.keyword]?.isEmpty == false, "\(keyword.keyword)")
        }
    }

    @Test func passwordsAndAuthenticationMethods() throws {
        // Without PGPASSWORD, no password at all: libpq says "no password supplied".
        let quiet = try Self.target.isolated(keywords: Self.libpq15) { $0 == "HOME" ? "/h" : nil }
        #expect(quiet["password"] == nil)
        #expect(quiet["require_auth"] == nil)  // libpq 15 has no such keyword
        var given = Self.target
        given["password"] = "from-request"
        let withPassword = try given.isolated(keywords: Self.libpq18) { Self.ambient[$0] }
        #expect(withPassword["password"] == "from-request")
        #expect(withPassword["require_auth"] == "!password,!gss,!sspi")  // no cleartext password without a verified server
        given["sslmode"] = "verify-full"
        #expect(try given.isolated(keywords: Self.libpq18) { Self.ambient[$0] }["require_auth"] == "!gss,!sspi")
        // An empty password is no password: libpq would skip it and read PGPASSWORD.
        given["password"] = ""
        let empty = try given.isolated(keywords: Self.libpq18) { Self.ambient[$0] }
        #expect(empty["password"]?.hasPrefix("pgferry-no-password-") == true && empty["require_auth"] == "none")
    }

    @Test func whatCannotBeNeutralisedIsRefused() throws {
        #expect {
            try Self.target.isolated(keywords: Self.libpq15) { $0 == "PGSERVICE" ? "prod" : nil }
        } throws: { ($0 as? PGError)?.message.contains("the server's environment sets PGSERVICE") == true }
        #expect {
            try Self.target.isolated(keywords: Self.libpq15) { $0 == "PGHOSTADDR" ? "10.0.0.9" : nil }
        } throws: { ($0 as? PGError)?.message.contains("PGHOSTADDR") == true }
        // With an IP address for host, hostaddr is pinned to it and PGHOSTADDR cannot redirect.
        var byAddress = Self.target
        byAddress["host"] = "192.0.2.7"
        #expect(try byAddress.isolated(keywords: Self.libpq15) { $0 == "PGHOSTADDR" ? "10.0.0.9" : nil }["hostaddr"] == "192.0.2.7")
        // A keyword this code does not know, whose variable is set: refused, not inherited.
        let future = Self.libpq15 + [Keyword("oauth_token_file", environmentVariable: "PGOAUTHTOKENFILE", compiledDefault: nil)]
        #expect {
            try Self.target.isolated(keywords: future) { $0 == "PGOAUTHTOKENFILE" ? "/root/token" : nil }
        } throws: { ($0 as? PGError)?.message.contains("PGOAUTHTOKENFILE") == true }
        #expect(try Self.target.isolated(keywords: future) { _ in nil }["oauth_token_file"] == nil)
    }

    @Test func thisLibpqsKeywordsAreAllHandled() throws {
        let keywords = try ConnectionConfiguration.libpqKeywords()
        #expect(keywords.contains { $0.keyword == "passfile" && $0.environmentVariable == "PGPASSFILE" })
        let isolated = try Self.target.isolated(keywords: keywords) { Self.ambient[$0] }
        #expect(isolated["passfile"]?.hasPrefix("/nonexistent/") == true && isolated["sslcert"]?.hasPrefix("/nonexistent/") == true)
    }

    @Test func anIsolatedTargetStillConnects() async throws {
        let server = try await TestServers.target
        let isolated = try server.configuration().isolatedFromEnvironment()
        let connection = try await PGConnection.connect(isolated)
        let row = try await connection.query("SELECT pg_catalog.current_setting('application_name') AS app, pg_catalog.current_setting('client_encoding') AS enc")
            .rows[0]
        await connection.close()
        #expect(try row.string("app") == "pgferry" && row.string("enc") == "UTF8")
    }

    @Test func targetHostPolicy() throws {
        let open = TargetHostPolicy()
        try open.check("db.example")
        try open.check("10.0.0.1")
        try open.check("::1")
        #expect(throws: BadRequest("host must not be empty")) { try open.check("  ") }
        for socket in ["/tmp", "/var/run/postgresql", "@pgferry"] {
            #expect(throws: BadRequest.self) { try open.check(socket) }
        }
        #expect(throws: BadRequest("host \"a,b\" is a list of hosts: give one host name or IP address")) { try open.check("a,b") }

        let list = try TargetHostPolicy(parsing: "db.internal, 10.0.0.0/8, fd00::/8, /var/run/postgresql, 192.0.2.5")
        try list.check("DB.internal")
        try list.check("10.200.3.4")
        try list.check("fd12::1")
        try list.check("/var/run/postgresql")
        try list.check("192.0.2.5")
        try list.check("10.0.0.1,db.internal")  // every host of a list is allowed
        for refused in ["db.internal.evil", "11.0.0.1", "192.0.2.6", "fe80::1", "/tmp", "10.0.0.1,11.0.0.1", "@x", "127.0.0.1"] {
            #expect(throws: BadRequest.self, "\(refused)") { try list.check(refused) }
        }
        #expect(throws: BadRequest("host \"127.0.0.1\" is not an allowed target; allowed: db.internal, 10.0.0.0/8, fd00::/8, /var/run/postgresql, 192.0.2.5")) {
            try list.check("127.0.0.1")
        }
        let any = try TargetHostPolicy(parsing: "any")
        for host in ["/tmp", "@x", "a,b", "x"] { try any.check(host) }
        #expect(throws: BadRequest.self) { try TargetHostPolicy(parsing: " , ") }
        #expect(throws: BadRequest.self) { try TargetHostPolicy(parsing: "10.0.0.0/33") }
        #expect(throws: BadRequest.self) { try TargetHostPolicy(parsing: "@abstract") }
    }

    @Test func routesRefuseSocketsListsAndHostsOutsideThePolicy() async throws {
        let client = RouteClient(server: FerryServer(source: ConnectionConfiguration(), auth: AdminAuth(token: "test-admin-token")))
        for (host, message) in [("/var/run/postgresql", "is a Unix socket"), ("@abstract", "is a Unix socket"), ("127.0.0.1,10.0.0.1", "is a list of hosts")] {
            for route in ["test-connection", "start", "validate"] {
                let reply = try await client.post(route, ["host": host, "database": "postgres", "user": "postgres"])
                #expect(reply.status == .badRequest, "\(route) \(host)")
                #expect(reply.error.contains(message), "\(route) \(host): \(reply.error)")
            }
        }
        let restricted = RouteClient(server: FerryServer(source: ConnectionConfiguration(), auth: AdminAuth(token: "test-admin-token"),
                                                         policy: ServerPolicy(targetHosts: try TargetHostPolicy(parsing: "10.0.0.0/8"))))
        let refused = try await restricted.post("test-connection", ["host": "127.0.0.1", "database": "postgres", "user": "postgres"])
        #expect(refused.status == .badRequest)
        #expect(refused.error == "host \"127.0.0.1\" is not an allowed target; allowed: 10.0.0.0/8")
    }

    @Test func databaseNamesAreNeverConnectionStrings() async throws {
        // PQconnectdbParams runs with expand_dbname = 0: a database "name" holding key=value pairs
        // is only a (missing) database name, never a second host.
        let server = try await TestServers.target
        let client = RouteClient(server: FerryServer(source: ConnectionConfiguration(), auth: AdminAuth(token: "test-admin-token")))
        for database in ["host=/tmp dbname=postgres", "postgresql://postgres@127.0.0.1:\(server.port)/postgres"] {
            let reply = try await client.post("test-connection", ["host": "127.0.0.1", "port": server.port, "database": database, "user": "postgres"])
            #expect(reply.json["success"] as? Bool == false, "\(database)")
            #expect((reply.json["error"] as? String)?.contains("database \"\(database)\" does not exist") == true, "\(reply.body)")
        }
    }
}
