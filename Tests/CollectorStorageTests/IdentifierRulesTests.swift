@testable import CollectorStorage
import Collectors
import CollectorValues
import Testing

@Suite("Identifier and type rules")
struct IdentifierRulesTests {
    @Test(arguments: ["readings", "_x", "Sensor_1", String(repeating: "a", count: 63)])
    func acceptsPlainIdentifiers(_ name: String) throws {
        #expect(try SQLIdentifier(name, kind: "table").quoted == "\"\(name)\"")
    }

    @Test(arguments: [
        "", "1abc", "a b", "a\"b", "a;b", "a--", "t; DROP TABLE x; --", "a.b", "a'b", "é", "a\u{0}b",
        String(repeating: "a", count: 64),
    ])
    func rejectsEverythingElse(_ name: String) {
        let error = #expect(throws: ErrorInfo.self) { try SQLIdentifier(name, kind: "column") }
        #expect(error?.type == .validation)
        #expect(error?.message.contains("\u{0}") == false)
    }

    @Test func fieldNamesAllowHyphens() {
        #expect(FieldName.isValid("sensor-id"))
        #expect(FieldName.isValid("_a1"))
        #expect(!FieldName.isValid("-a"))
        #expect(!FieldName.isValid("a\"b"))
        #expect(!FieldName.isValid("a') OR 1=1 --"))
    }

    @Test func sqlTypes() {
        for good in ["TEXT", "varchar(10)", "double precision", "numeric(12, 2)", "numeric(12,2)", "timestamp with time zone"] {
            #expect(SQLTypeName.isValid(good), "\(good)")
        }
        for bad in ["", "text; drop table x", "varchar(10) --", "int)", "(10)", "text  x", "varchar(a)", "varchar(1,2,3)", "text\""] {
            #expect(!SQLTypeName.isValid(bad), "\(bad)")
        }
    }

    @Test func columnListsSayWhichColumnIsWrong() throws {
        func failure(_ columns: [Column]) -> ErrorInfo? {
            #expect(throws: ErrorInfo.self) { try Column.identifiers(of: columns, reserved: ["id"], reservedBecause: "the backend's") }
        }
        let ok = Column("value", .real)
        let cases: [([Column], Int64?, String)] = [
            ([], nil, "a typed layout needs at least one column"),
            ([ok, Column("a;b", .text)], 2, "invalid column name 'a;b'"),
            ([ok, ok], 2, "column 'value' is listed twice"),
            ([ok, Column("VALUE", .text)], 2, "column 'VALUE' is listed twice"),
            ([Column("ID", .integer)], 1, "column name 'ID' is reserved (the backend's)"),
            ([ok, Column("note", .text, sqlType: "text; --")], 2, "invalid SQL type 'text; --' for column 'note'"),
        ]
        for (columns, position, message) in cases {
            let error = failure(columns)
            #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "no error")")
            #expect(error?.details["column_position"] == position.map(DataValue.integer), "\(message)")
        }
        let identifiers = try Column.identifiers(of: [ok, Column("note", .text)], reserved: ["id"], reservedBecause: "")
        #expect(identifiers.map(\.quoted) == ["\"value\"", "\"note\""])
    }
}

@Suite("Location ids")
struct LocationIDTests {
    @Test func randomIDsAreVersion4UUIDs() {
        let ids = (0..<1_000).map { _ in LocationID.random() }
        #expect(Set(ids).count == 1_000)
        for id in ids.prefix(50) {
            #expect(LocationID.isUUID(id), "\(id)")
            let characters = Array(id)
            #expect(characters[14] == "4", "\(id)")
            #expect("89ab".contains(characters[19]), "\(id)")
            #expect(id == id.lowercased())
        }
    }

    @Test func onlyTheUUIDFormIsAUUID() {
        #expect(LocationID.isUUID("0F8FAD5B-D9CB-469F-A165-70867728950E"))
        for bad in ["", "42", "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5b-d9cb-469f-a165-70867728950e0",
                    "0f8fad5bxd9cb-469f-a165-70867728950e", "'; DROP TABLE x; --aaaaaaaaaaaaaaaaaaaaa"] {
            #expect(!LocationID.isUUID(bad), "\(bad)")
        }
    }
}
