import CollectorValues
import Testing

@Suite("DataValue")
struct DataValueTests {
    @Test func literalsBuildTheMatchingCases() {
        let null: DataValue = nil
        let flag: DataValue = true
        let integer: DataValue = 42
        let double: DataValue = 1.5
        let string: DataValue = "text"
        let array: DataValue = [1, "a", nil]
        let object: DataValue = ["b": 1, "a": 2.0]
        #expect(null == .null)
        #expect(flag == .bool(true))
        #expect(integer == .integer(42))
        #expect(double == .double(1.5))
        #expect(string == .string("text"))
        #expect(array == .array([.integer(1), .string("a"), .null]))
        #expect(object.objectValue?.fieldNames == ["b", "a"])
        #expect(object["a"] == .double(2.0))
    }

    @Test func typeNamesFollowLua() {
        let values: [DataValue] = [nil, true, 1, 1.0, "s", .bytes([0xFF]), [], [:]]
        #expect(values.map(\.typeName) == ["null", "boolean", "integer", "float", "string", "string", "array", "object"])
    }

    @Test func integersAndDoublesStayApart() {
        #expect(DataValue.integer(1) != DataValue.double(1.0))
        #expect(!DataValue.integer(1).isIdentical(to: .double(1.0)))
        #expect(DataValue.integer(1).numberValue == 1.0)
        #expect(DataValue.double(1.0).intValue == nil)
        #expect(DataValue.integer(.min).intValue == .min)
    }

    @Test func accessorsAnswerOnlyForTheirCase() {
        let value: DataValue = ["s": "x", "b": false, "n": nil, "a": [1, 2], "o": ["k": 1]]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["b"]?.boolValue == false)
        #expect(value["n"]?.isNull == true)
        #expect(value["a"]?.arrayValue == [1, 2])
        #expect(value["a"]?[1] == 2)
        #expect(value["a"]?[2] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["o"]?.objectValue?["k"] == 1)
        #expect(value["missing"] == nil)
        #expect(value["s"]?.intValue == nil)
        #expect(value["s"]?.numberValue == nil)
        #expect(DataValue.bytes([0xFF]).stringValue == nil)
        #expect(DataValue.integer(1)["key"] == nil)
        #expect(DataValue.string("abc")[0] == nil)
    }

    @Test func settingAKeyOfAnObjectValue() {
        var value: DataValue = ["a": 1, "b": 2]
        value["a"] = "one"
        value["c"] = 3
        value["b"] = nil
        #expect(value.objectValue?.fieldNames == ["a", "c"])
        #expect(value["a"] == "one")
        var notAnObject: DataValue = [1, 2]
        notAnObject["a"] = 1
        #expect(notAnObject == [1, 2])
    }

    @Test func isIdenticalComparesDoublesBitwise() {
        let nan = DataValue.double(.nan)
        #expect(nan != nan)
        #expect(nan.isIdentical(to: nan))
        #expect(DataValue.double(0.0) == DataValue.double(-0.0))
        #expect(!DataValue.double(0.0).isIdentical(to: .double(-0.0)))
        #expect(DataValue.double(-0.0).isIdentical(to: .double(-0.0)))
        let nested: DataValue = ["a": [.double(.nan), .double(-0.0)], "b": nil]
        #expect(nested.isIdentical(to: ["a": [.double(.nan), .double(-0.0)], "b": nil]))
        #expect(!nested.isIdentical(to: ["a": [.double(.nan), .double(0.0)], "b": nil]))
        #expect(nested.isIdentical(to: ["b": nil, "a": [.double(.nan), .double(-0.0)]]))  // field order does not matter
        #expect(!nested.isIdentical(to: ["a": [.double(.nan), .double(-0.0)], "c": nil]))
        #expect(!DataValue.array([1]).isIdentical(to: [1, 2]))
        #expect(DataValue.bytes([1, 2]).isIdentical(to: .bytes([1, 2])))
    }
}

@Suite("DataObject")
struct DataObjectTests {
    @Test func settingAnExistingKeyKeepsItsPosition() {
        var object: DataObject = ["a": 1, "b": 2, "c": 3]
        object["b"] = "two"
        #expect(object.fieldNames == ["a", "b", "c"])
        #expect(object["b"] == "two")
    }

    @Test func newKeysGoAtTheEnd() {
        var object: DataObject = ["z": 1]
        object["a"] = 2
        object["m"] = 3
        #expect(object.fieldNames == ["z", "a", "m"])
        #expect(object.count == 3)
    }

    @Test func removingKeepsTheOrderOfTheRest() {
        var object: DataObject = ["a": 1, "b": 2, "c": 3, "d": 4]
        object["b"] = nil
        #expect(object.fieldNames == ["a", "c", "d"])
        #expect(object.removeValue(forKey: "d") == 4)
        #expect(object.removeValue(forKey: "missing") == nil)
        object["missing"] = nil
        #expect(object.fieldNames == ["a", "c"])
        object["b"] = 5
        #expect(object.fieldNames == ["a", "c", "b"])
    }

    @Test func aLaterDuplicateReplacesTheEarlierInPlace() {
        let object = DataObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.fieldNames == ["a", "b"])
        #expect(object["a"] == 3)
    }

    @Test func emptyObjectsAndCapacity() {
        var object = DataObject(minimumCapacity: 8)
        #expect(object.isEmpty)
        #expect(object.count == 0)
        #expect(object == DataObject())
        object.appendUnchecked(key: "k", value: nil)
        #expect(object.index(forKey: "k") == 0)
        #expect(object.index(forKey: "x") == nil)
        #expect(!object.isEmpty)
    }

    @Test func equalityAndHashingIgnoreFieldOrder() {
        let ab: DataObject = ["a": 1, "b": 2]
        let ba: DataObject = ["b": 2, "a": 1]
        #expect(ab == ba)
        #expect(ab.fieldNames != ba.fieldNames)  // the order itself is kept
        #expect(ab.hashValue == ba.hashValue)
        #expect(ab != ["a": 1, "b": 3])
        #expect(ab != ["a": 1, "c": 2])
        #expect(ab != ["a": 1])
        #expect(Set([DataValue.object(ab), .object(ab), .object(ba), .object(["a": 2])]).count == 2)
    }

    @Test func isACollectionOfEntriesInOrder() {
        let object: DataObject = ["x": 1, "y": "two"]
        #expect(object.map(\.key) == ["x", "y"])
        #expect(object[1].value == "two")
        #expect(object.indices == 0..<2)
    }
}
