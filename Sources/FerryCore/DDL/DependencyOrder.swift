/// One pre-data object's statements, with what orders it.
struct PreDataItem {
    var key: ObjectKey?
    /// pg_dump's type priority: collations, types, functions… before tables, views last.
    var rank: Int
    var name: String
    var statements: [DDLStatement]
}

/// Orders pre-data by `pg_depend` (catalog-ddl.md §2.1): a stable topological sort that keeps
/// type priority, then name, wherever dependencies allow.
enum DependencyOrder {
    enum Rank {
        static let collation = 1, type = 2, function = 3, aggregate = 4, sqlOperator = 5, sequence = 6, table = 7,
                   view = 8, materializedView = 9
        static let transform = 2, cast = 5, conversion = 5
    }

    static func sort(_ items: [PreDataItem], dependencies: [Dependency]) -> [PreDataItem] {
        var index: [ObjectKey: Int] = [:]
        for (position, item) in items.enumerated() {
            if let key = item.key { index[key] = position }
        }
        var waitingOn = [Int](repeating: 0, count: items.count)
        var dependents = [[Int]](repeating: [], count: items.count)
        for dependency in Set(dependencies) {
            guard let object = index[dependency.object], let referenced = index[dependency.referenced],
                  object != referenced else { continue }
            waitingOn[object] += 1
            dependents[referenced].append(object)
        }
        func precedes(_ a: Int, _ b: Int) -> Bool {
            (items[a].rank, items[a].name, a) < (items[b].rank, items[b].name, b)
        }
        var remaining = Set(items.indices)
        var ordered: [PreDataItem] = []
        while !remaining.isEmpty {
            // Ready items first; a dependency cycle is broken at its highest-priority member.
            let ready = remaining.filter { waitingOn[$0] == 0 }
            let next = (ready.isEmpty ? remaining : ready).min(by: precedes)!
            remaining.remove(next)
            ordered.append(items[next])
            for dependent in dependents[next] { waitingOn[dependent] -= 1 }
        }
        return ordered
    }
}
