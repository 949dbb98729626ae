import CollectorPostgres
import Collectors
import Testing

@Suite("PostgreSQL SQLSTATEs")
struct PostgresSQLStateTests {
    @Test func aStateHasItsClassAndAnErrorCarriesItsState() {
        let error = ErrorInfo(
            .validation, layer: .storage, operation: "store", message: "duplicate key", details: ["sqlstate": "23505"])
        #expect(error.sqlState == .uniqueViolation)
        #expect(error.sqlState?.errorClass == .integrityConstraintViolation)
        #expect(PostgresSQLState(rawValue: "57P01").errorClass != .integrityConstraintViolation)
        #expect(ErrorInfo(.storage, layer: .storage, operation: "store", message: "x").sqlState == nil)
    }
}
