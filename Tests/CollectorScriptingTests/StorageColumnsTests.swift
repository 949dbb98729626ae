import CollectorScripting
import Foundation
import LuaRuntime
import Testing

/// The `columns` option of `storage.sqlite{}` and `storage.postgres{}`: a
/// typed table the script declares. Bad lists are refused where the script
/// wrote them, naming the entry, before any file is made or server reached.
/// Nested in the bindings suite to be serialized with it: a pipeline run
/// waits for engine work synchronously (see EmbedderConstructorTests).
extension BindingsTests {
    @Suite("storage columns option")
    struct StorageColumnsTests {
        /// The error of `storage.sqlite { path = ..., OPTIONS }` on line 2 of `script.lua`.
        static func sqliteError(_ options: String, path: String = "/nonexistent/columns.db") throws -> String {
            let (lua, _) = try BindingsTests.state()
            return BindingsTests.error("\nlocal db = storage.sqlite { path = \"\(path)\", \(options) }", in: lua)
        }

        static func postgresError(_ options: String) throws -> String {
            let (lua, _) = try BindingsTests.state()
            return BindingsTests.error(
                "\nlocal db = storage.postgres { url = \"postgresql://u:secret@127.0.0.1:1/db\", \(options) }", in: lua)
        }

        @Test func aListOfColumnsMakesATypedBackend() throws {
            let dir = try BindingsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (lua, bindings) = try BindingsTests.state()
            let values = try lua.run("""
                local db = storage.sqlite {
                  path = "\(dir.path)/typed.db", table = "events",
                  columns = {
                    { "sensor_id", "text", required = true },
                    { "value", "real" },
                    { name = "ts", kind = "integer", field = "timestamp" },
                    { "tags", "json" },
                    { "ok", "boolean" },
                    { "note", "text", sql_type = "VARCHAR(40)" },
                  },
                }
                local pg = storage.postgres {
                  url = "postgresql://u:secret@127.0.0.1:1/db", table = "events",
                  columns = { { "sensor_id", "text", required = true } },
                }
                pipeline "typed" {
                  from = source.generator { count = 1 },
                  process = { function()
                    return { sensor_id = "s-1", value = 2, timestamp = 1700000000000, tags = { line = "c", shift = { 1, 2 } },
                             ok = true, note = "first", extra = "not stored" }
                  end },
                  to = db,
                }
                return tostring(db), tostring(pg)
                """)
            #expect(values[0].stringValue == "storage.sqlite(\(dir.path)/typed.db, table events, 6 columns)")
            #expect(values[1].stringValue == "storage.postgres(postgresql://u@127.0.0.1:1/db, table events, 1 column)")
            let outcomes = try bindings.runPendingPipelines()
            #expect(outcomes.count == 1 && outcomes.allSatisfy(\.succeeded), "\(outcomes.map(\.summary))")
            // Read back through the same columns: each column comes back as its field, typed.
            let row = try lua.run("""
                local db = storage.sqlite {
                  path = "\(dir.path)/typed.db", table = "events",
                  columns = {
                    { "sensor_id", "text", required = true }, { "value", "real" },
                    { "ts", "integer", field = "timestamp" }, { "tags", "json" }, { "ok", "boolean" },
                    { "note", "text", sql_type = "VARCHAR(40)" },
                  },
                }
                local rows = db:query { sort_by = "timestamp" }
                local r = rows[1]
                return #rows, r.sensor_id, math.type(r.value), r.timestamp, r.ts, r.tags.shift[2], r.ok, r.note, r.extra
                """)
            #expect(row[0].integerValue == 1)
            #expect(row[1].stringValue == "s-1")
            #expect(row[2].stringValue == "float", "an integer in a real column is stored as a float")
            #expect(row[3].integerValue == 1_700_000_000_000)
            #expect(row[4].isNil, "the column is named ts, the field timestamp")
            #expect(row[5].integerValue == 2)
            #expect(row[6].booleanValue == true)
            #expect(row[7].stringValue == "first")
            #expect(row[8].isNil, "a field without a column is not stored")
        }

        @Test func anUnknownKindNamesTheEntryAndTheKinds() throws {
            #expect(try Self.sqliteError(#"columns = { { "a", "text" }, { "b", "integer" }, { "c", "float" } }"#)
                == "script.lua:2: storage.sqlite: columns[3]: unknown kind 'float' (kinds: text, integer, real, boolean, json)")
            #expect(try Self.sqliteError(#"columns = { { "a", "TEXT" } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: unknown kind 'TEXT' (did you mean 'text'? kinds: text, integer, real, boolean, json)")
            #expect(try Self.sqliteError(#"columns = { { "a" } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: column 'a' has no kind (kinds: text, integer, real, boolean, json)")
            #expect(try Self.postgresError(#"columns = { { "a", "int" } }"#)
                == "script.lua:2: storage.postgres: columns[1]: unknown kind 'int' (kinds: text, integer, real, boolean, json)")
        }

        @Test func aColumnListedTwiceOrReservedIsRefused() throws {
            #expect(try Self.sqliteError(#"columns = { { "ts", "integer" }, { "value", "real" }, { "TS", "text" } }"#)
                == "script.lua:2: storage.sqlite: columns[3]: column 'TS' is listed twice")
            #expect(try Self.sqliteError(#"columns = { { "value", "real" }, { "record_id", "text" } }"#)
                == "script.lua:2: storage.sqlite: columns[2]: column name 'record_id' is reserved (the backend keeps record ids in it)")
            #expect(try Self.postgresError(#"columns = { { "id", "integer" } }"#)
                == "script.lua:2: storage.postgres: columns[1]: column name 'id' is reserved (id, location_id and created_at are the backend's own)")
            #expect(try Self.postgresError(#"columns = { { "a", "text" }, { "a", "text" } }"#)
                == "script.lua:2: storage.postgres: columns[2]: column 'a' is listed twice")
        }

        @Test func theListMustBeAListOfTables() throws {
            let shape = #"{ "name", "kind", required = true, field = "...", sql_type = "..." }"#
            #expect(try Self.sqliteError("columns = {}")
                == "script.lua:2: storage.sqlite: option 'columns' is empty: list at least one column ({ \(shape) })")
            #expect(try Self.sqliteError(#"columns = "a, b""#)
                == "script.lua:2: storage.sqlite: option 'columns' must be a list of columns ({ \(shape), ... }), got string")
            #expect(try Self.sqliteError(#"columns = { { "a", "text" }, "b" }"#)
                == "script.lua:2: storage.sqlite: columns[2]: a column must be a table (\(shape)), got string")
            #expect(try Self.sqliteError(#"columns = { sensor_id = "text" }"#)
                == "script.lua:2: storage.sqlite: option 'columns' must be a list ({ { \"name\", \"kind\" }, ... }), got the key "
                    + "'sensor_id': the columns' order is the table's, so they are listed, not named")
            #expect(try Self.sqliteError(#"columns = { { "a", "text" }, nil, { "c", "text" } }"#)
                == "script.lua:2: storage.sqlite: option 'columns' must be a list without holes, got columns[3] after a nil")
            #expect(try Self.sqliteError(#"columns = { { kind = "text" } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: the column has no name (a column is \(shape))")
            #expect(try Self.sqliteError(#"columns = { { "a", "text", "extra" } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: unexpected key 3: a column is \(shape)")
            #expect(try Self.sqliteError(#"columns = { { "a", "text", name = "b" } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: the name is given twice (first in the list, then as name =)")
        }

        @Test func anUnknownKeyInAnEntryGetsASuggestion() throws {
            #expect(try Self.sqliteError(#"columns = { { "a", "text" }, { "b", "text", requried = true } }"#)
                == "script.lua:2: storage.sqlite: columns[2]: unknown key 'requried' (did you mean 'required'?); "
                    + "keys are: field, kind, name, required, sql_type")
            #expect(try Self.sqliteError(#"columns = { { "a", "text", nullable = false } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: unknown key 'nullable'; keys are: field, kind, name, required, sql_type")
        }

        @Test func mistypedEntryValuesSayWhatWasExpected() throws {
            #expect(try Self.sqliteError(#"columns = { { "a", "text", required = "yes" } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: 'required' must be a boolean, got string")
            #expect(try Self.sqliteError(#"columns = { { "a", "text", field = 3 } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: 'field' must be a string, got number")
            #expect(try Self.sqliteError(#"columns = { { "a", "text", field = "" } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: 'field' must name a record field, got \"\"")
            #expect(try Self.sqliteError(#"columns = { { 42, "text" } }"#)
                == "script.lua:2: storage.sqlite: columns[1]: 'name' must be a string, got number")
        }

        @Test func hostileNamesAndTypesAreRefusedAtTheScriptLine() throws {
            let dir = try BindingsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("hostile.db").path
            #expect(try Self.sqliteError(#"columns = { { "ok", "text" }, { 'x"; DROP TABLE t; --', "text" } }"#, path: path)
                == #"script.lua:2: storage.sqlite: columns[2]: invalid column name 'x"; DROP TABLE t; --': "#
                    + "use letters, digits and _ (not starting with a digit, at most 63)")
            #expect(try Self.sqliteError(#"columns = { { "note", "text", sql_type = "text); DROP TABLE t; --" } }"#, path: path)
                == "script.lua:2: storage.sqlite: columns[1]: invalid SQL type 'text); DROP TABLE t; --' for column 'note'")
            #expect(try Self.sqliteError(#"columns = { { "a", "text" } }, table = "t; DROP TABLE u""#, path: path)
                == "script.lua:2: storage.sqlite: invalid table name 't; DROP TABLE u': "
                    + "use letters, digits and _ (not starting with a digit, at most 63)")
            #expect(try Self.postgresError(#"columns = { { "a b", "text" } }"#)
                == "script.lua:2: storage.postgres: columns[1]: invalid column name 'a b': "
                    + "use letters, digits and _ (not starting with a digit, at most 63)")
            #expect(!FileManager.default.fileExists(atPath: path), "nothing was opened")
        }

        @Test func columnsAndALayoutExcludeEachOther() throws {
            #expect(try Self.sqliteError(#"layout = "document", columns = { { "a", "text" } }"#)
                == "script.lua:2: storage.sqlite: layout = \"document\" stores each record as one JSON document and takes no 'columns' "
                    + "(leave layout out: 'columns' makes a typed table)")
            #expect(try Self.postgresError(#"layout = "readings", columns = { { "a", "text" } }"#)
                == "script.lua:2: storage.postgres: layout = \"readings\" is a preset list of columns: give it or 'columns', not both")
            #expect(try Self.sqliteError(#"colums = { { "a", "text" } }"#).hasPrefix(
                "script.lua:2: storage.sqlite: unknown option 'colums' (did you mean 'columns'?)"))
        }

        @Test func theLayoutsOfBeforeStayAsTheyWere() throws {
            let (lua, _) = try BindingsTests.state()
            let values = try lua.run("""
                return tostring(storage.sqlite { path = "a.db" }), tostring(storage.sqlite { path = "b.db", table = "readings" }),
                  tostring(storage.sqlite { path = "c.db", table = "readings", layout = "document" }),
                  tostring(storage.postgres { url = "postgresql://u@127.0.0.1:1/db", layout = "readings" })
                """)
            #expect(values.map(\.stringValue) == [
                "storage.sqlite(a.db, table records, document layout)", "storage.sqlite(b.db, table readings, readings layout)",
                "storage.sqlite(c.db, table readings, document layout)",
                "storage.postgres(postgresql://u@127.0.0.1:1/db, table records, readings layout)",
            ])
        }
    }
}
