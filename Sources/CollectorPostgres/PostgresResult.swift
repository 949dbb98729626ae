import CPostgres

/// A `PGresult`, cleared when released. Confined like its connection.
final class PostgresResult {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        PQclear(handle)
    }

    var status: ExecStatusType { PQresultStatus(handle) }
    var rowCount: Int { Int(PQntuples(handle)) }
    var columnCount: Int { Int(PQnfields(handle)) }

    /// The number of rows an INSERT/UPDATE/DELETE touched.
    var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    func isNull(row: Int, column: Int) -> Bool {
        PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// The value's text bytes, valid while the result lives.
    func bytes(row: Int, column: Int) -> UnsafeBufferPointer<UInt8> {
        let pointer = PQgetvalue(handle, Int32(row), Int32(column))
        let count = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return UnsafeBufferPointer(start: UnsafeRawPointer(pointer).map { $0.assumingMemoryBound(to: UInt8.self) }, count: count)
    }

    func string(row: Int, column: Int) -> String {
        String(decoding: bytes(row: row, column: column), as: UTF8.self)
    }

    func errorField(_ code: Int32) -> String? {
        PQresultErrorField(handle, code).map { String(cString: $0) }
    }
}
