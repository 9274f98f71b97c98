import Foundation
import Testing

/// The seams, read from the sources: which module may import which. A
/// service can later move behind an RPC only if nothing but the composition
/// root sees its implementation.
@Suite("Import rules")
struct ImportRulesTests {
    /// The service implementations; callers see them only through `MPIMServices`.
    static let services: Set<String> = ["Users", "Groups", "Presence", "Messaging"]
    /// Each service's store backends: only the composition root builds them.
    static let sqliteStores: Set<String> = ["UsersSQLite", "GroupsSQLite", "MessagingSQLite"]
    static let postgresStores: Set<String> = ["UsersPostgres", "GroupsPostgres", "MessagingPostgres"]
    static let stores = sqliteStores.union(postgresStores)
    /// The plumbing each backend's stores share.
    static let storePlumbing: Set<String> = ["Storage", "PostgresStorage"]
    /// Libraries that only store code may touch: SQLite's, PostgreSQL's, and Redis's.
    static let storeLibraries: Set<String> = ["GRDB", "GRDBSQLite"]
    static let postgresLibraries: Set<String> = ["PostgresNIO"]
    static let redisLibraries: Set<String> = ["CHiredis"]

    /// Every module under `Sources/` and what its files import.
    static let imports: [String: Set<String>] = {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var table: [String: Set<String>] = [:]
        let modules = (try? FileManager.default.contentsOfDirectory(atPath: sources.path)) ?? []
        for module in modules {
            let folder = sources.appendingPathComponent(module)
            guard let files = FileManager.default.enumerator(atPath: folder.path) else { continue }
            var imported: Set<String> = []
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = (try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)) ?? ""
                imported.formUnion(importedModules(text))
            }
            table[module] = imported
        }
        return table
    }()

    /// `import X`, `@testable import X`, `import struct X.Y`, `@_exported import X`.
    static func importedModules(_ text: String) -> Set<String> {
        var modules: Set<String> = []
        for line in text.split(separator: "\n") {
            var words = line.split(separator: " ").map(String.init)
            while let first = words.first, first.hasPrefix("@") { words.removeFirst() }
            guard words.first == "import", words.count >= 2 else { continue }
            let path = words.count >= 3 && ["struct", "class", "enum", "protocol", "func", "var", "typealias"]
                .contains(words[1]) ? words[2] : words[1]
            modules.insert(String(path.split(separator: ".")[0]))
        }
        return modules
    }

    @Test("the sources were found")
    func found() {
        #expect(Self.imports.keys.contains("Gateway") && Self.imports.keys.contains("MPIMServices"), "\(Self.imports.keys)")
    }

    @Test("the gateway sees contracts only: no service implementation, store or Redis library")
    func gateway() {
        let forbidden = Self.services.union(Self.stores).union(Self.storePlumbing)
            .union(["Cache", "RedisClient", "MPIMDaemon", "Operations"])
            .union(Self.storeLibraries).union(Self.postgresLibraries).union(Self.redisLibraries)
        #expect(Self.imports["Gateway", default: []].intersection(forbidden).isEmpty,
                "Gateway imports \(Self.imports["Gateway", default: []].intersection(forbidden).sorted())")
    }

    @Test("a service imports no other service's implementation, no store backend, and no store or Redis library")
    func services() {
        for service in Self.services {
            let forbidden = Self.services.subtracting([service]).union(Self.stores).union(Self.storePlumbing)
                .union(["Gateway", "MPIMDaemon", "Operations"])
                .union(Self.storeLibraries).union(Self.postgresLibraries).union(Self.redisLibraries)
            let wrong = Self.imports[service, default: []].intersection(forbidden)
            #expect(wrong.isEmpty, "\(service) imports \(wrong.sorted())")
        }
    }

    @Test("a store backend serves its own service on its own backend: no other service, backend or plumbing")
    func storeBackends() {
        for store in Self.stores {
            let onPostgres = Self.postgresStores.contains(store)
            let service = String(store.dropLast((onPostgres ? "Postgres" : "SQLite").count))
            #expect(Self.services.contains(service), "\(store) names its service")
            let otherBackend = onPostgres
                ? Self.storeLibraries.union(["Storage"])
                : Self.postgresLibraries.union(["PostgresStorage"])
            let forbidden = Self.services.subtracting([service]).union(Self.stores.subtracting([store]))
                .union(["Gateway", "MPIMDaemon", "Operations", "Cache", "RedisClient"]).union(otherBackend)
            let wrong = Self.imports[store, default: []].intersection(forbidden)
            #expect(wrong.isEmpty, "\(store) imports \(wrong.sorted())")
            #expect(Self.imports[store, default: []].contains(onPostgres ? "PostgresStorage" : "Storage"),
                    "the table read \(store)")
        }
    }

    @Test("only the composition root sees the store backends")
    func compositionRoot() {
        for (module, imported) in Self.imports where module != "MPIMDaemon" {
            #expect(imported.intersection(Self.stores).isEmpty,
                    "\(module) imports \(imported.intersection(Self.stores).sorted())")
        }
        #expect(Self.imports["MPIMDaemon", default: []].isSuperset(of: Self.stores), "MPIMDaemon composes every backend")
    }

    @Test("the gRPC adapters see contracts only, and only the composition root sees the adapters")
    func servicesRPC() {
        let ours = Set(Self.imports.keys)
        let wrong = Self.imports["ServicesRPC", default: []].intersection(ours).subtracting(["MPIMCore", "MPIMServices"])
        #expect(wrong.isEmpty, "ServicesRPC imports \(wrong.sorted())")
        #expect(Self.imports["ServicesRPC", default: []].contains("GRPCCore"), "the table read ServicesRPC")
        for (module, imported) in Self.imports where module != "MPIMDaemon" && imported.contains("ServicesRPC") {
            Issue.record("\(module) imports ServicesRPC")
        }
    }

    @Test("the contracts import nothing of ours but the shared vocabulary")
    func contracts() {
        let ours = Set(Self.imports.keys)
        #expect(Self.imports["MPIMServices", default: []].intersection(ours) == ["MPIMCore"])
        #expect(Self.imports["MPIMCore", default: []].intersection(ours).isEmpty)
    }

    @Test("the client and the bench speak the public protocol: of our modules they import only the line codec")
    func protocolClients() {
        let ours = Set(Self.imports.keys)
        for module in ["MPIMClient", "mpim-bench"] {
            let wrong = Self.imports[module, default: []].intersection(ours).subtracting(["MPIMLineCodec"])
            #expect(wrong.isEmpty, "\(module) imports \(wrong.sorted())")
        }
        #expect(Self.imports["MPIMLineCodec", default: []].intersection(ours).isEmpty)
        #expect(Self.imports["mpim-bench", default: []].contains("MPIMLineCodec"), "the table read the bench")
    }

    @Test("only Storage and the SQLite store backends import GRDB, only PostgresStorage and the PostgreSQL store backends import PostgresNIO, and only RedisClient imports hiredis")
    func libraries() {
        for (module, imported) in Self.imports {
            if module != "Storage" && !Self.sqliteStores.contains(module) {
                #expect(imported.intersection(Self.storeLibraries).isEmpty, "\(module) imports GRDB")
            }
            if module != "PostgresStorage" && !Self.postgresStores.contains(module) {
                #expect(imported.intersection(Self.postgresLibraries).isEmpty, "\(module) imports PostgresNIO")
            }
            if module != "RedisClient" {
                #expect(imported.intersection(Self.redisLibraries).isEmpty, "\(module) imports CHiredis")
            }
        }
    }

    @Test("the import reader reads every form of import")
    func reader() {
        #expect(Self.importedModules("import A\n@testable import B\nimport struct C.D\n// import E\nlet x = 1\n")
            == ["A", "B", "C"])
    }
}
