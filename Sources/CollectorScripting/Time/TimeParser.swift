/// Reads a time from text: RFC 3339 / ISO 8601 by default, or as a
/// strftime-style format says. Hand-written: no locale, no allocation on the
/// default path.
enum TimeParser {
    static func parse(_ text: String, format: String? = nil) throws(TimeTextError) -> ParsedTime {
        var text = text
        return try text.withUTF8 { bytes in parse(bytes, format: format) }.get()
    }

    /// Text that is not UTF-8 (a Lua string may be any bytes) is read as it is.
    static func parse(bytes: [UInt8], format: String? = nil) throws(TimeTextError) -> ParsedTime {
        try bytes.withUnsafeBufferPointer { parse($0, format: format) }.get()
    }

    // `withUTF8` rethrows untyped: the outcome crosses it as a Result.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, format: String?) -> Result<ParsedTime, TimeTextError> {
        guard var format else { return Result { () throws(TimeTextError) in try rfc3339(bytes) } }
        return format.withUTF8 { pattern in
            Result { () throws(TimeTextError) in
                var scanner = TimeScanner(bytes)
                var fields = TimeFields()
                try read(pattern, &scanner, &fields)
                if !scanner.atEnd {
                    throw scanner.error("unexpected \(scanner.found) (the format ends here)")
                }
                return try fields.resolve()
            }
        }
    }

    /// `2024-03-01`, `2024-03-01T12:30:00Z`, `2024-03-01 12:30:00.25+01:00`,
    /// `2024-03-01t12:30z`; no offset is UTC. ISO 8601's basic form too:
    /// `20240301`, `20240301T123000Z`, `20240301T1230+0100`.
    static func rfc3339(_ bytes: UnsafeBufferPointer<UInt8>) throws(TimeTextError) -> ParsedTime {
        var scanner = TimeScanner(bytes)
        var fields = TimeFields()
        var run = 0
        while run < bytes.count, TimeScanner.digit(bytes[run]) != nil { run += 1 }
        if run == 8, run == bytes.count || [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[run]) {
            return try basic(&scanner, &fields)
        }
        fields.year = (try scanner.number("year", minimum: 4, maximum: 4), 1)
        try scanner.expect(UInt8(ascii: "-"), "'-' after the year")
        fields.month = (try scanner.number("month", minimum: 2, maximum: 2), scanner.index - 1)
        try scanner.expect(UInt8(ascii: "-"), "'-' after the month")
        fields.day = (try scanner.number("day", minimum: 2, maximum: 2), scanner.index - 1)
        if !scanner.atEnd {
            guard let separator = scanner.current,
                separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ")
            else { throw scanner.error("expected 'T' or a space between the date and the time, found \(scanner.found)") }
            scanner.index += 1
            fields.hour = (try scanner.number("hour", minimum: 2, maximum: 2), scanner.index - 1)
            try scanner.expect(UInt8(ascii: ":"), "':' after the hour")
            fields.minute = (try scanner.number("minute", minimum: 2, maximum: 2), scanner.index - 1)
            if scanner.current == UInt8(ascii: ":") {
                scanner.index += 1
                fields.second = (try scanner.number("second", minimum: 2, maximum: 2), scanner.index - 1)
                if scanner.current == UInt8(ascii: ".") || scanner.current == UInt8(ascii: ",") {
                    scanner.index += 1
                    fields.nanoseconds = try scanner.fraction()
                }
            }
            if !scanner.atEnd { fields.offset = try scanner.offset() }
            if !scanner.atEnd { throw scanner.error("unexpected \(scanner.found) after the time") }
        }
        return try fields.resolve()
    }

    /// ISO 8601's basic form: `YYYYMMDD[Thhmm[ss[.fff]]][Z|±hh[mm]]`.
    private static func basic(_ scanner: inout TimeScanner, _ fields: inout TimeFields) throws(TimeTextError) -> ParsedTime {
        fields.year = (try scanner.number("year", minimum: 4, maximum: 4, more: true), 1)
        fields.month = (try scanner.number("month", minimum: 2, maximum: 2, more: true), 5)
        fields.day = (try scanner.number("day", minimum: 2, maximum: 2), 7)
        if !scanner.atEnd {
            scanner.index += 1
            fields.hour = (try scanner.number("hour", minimum: 2, maximum: 2, more: true), scanner.index - 1)
            fields.minute = (try scanner.number("minute", minimum: 2, maximum: 2, more: true), scanner.index - 1)
            if let byte = scanner.current, TimeScanner.digit(byte) != nil {
                fields.second = (try scanner.number("second", minimum: 2, maximum: 2), scanner.index - 1)
                if scanner.current == UInt8(ascii: ".") || scanner.current == UInt8(ascii: ",") {
                    scanner.index += 1
                    fields.nanoseconds = try scanner.fraction()
                }
            }
            if !scanner.atEnd { fields.offset = try scanner.offset() }
            if !scanner.atEnd { throw scanner.error("unexpected \(scanner.found) after the time") }
        }
        return try fields.resolve()
    }

    /// Reads the text as `pattern` says (recursively for `%F`, `%T`, `%R`).
    private static func read(
        _ pattern: UnsafeBufferPointer<UInt8>, _ scanner: inout TimeScanner, _ fields: inout TimeFields
    ) throws(TimeTextError) {
        var at = 0
        while at < pattern.count {
            let byte = pattern[at]
            if TimeScanner.isSpace(byte) {
                scanner.skipSpaces()
                at += 1
                continue
            }
            guard byte == UInt8(ascii: "%") else {
                guard scanner.current == byte else {
                    throw scanner.error("expected '\(TimeScanner.show(byte))', found \(scanner.found)")
                }
                scanner.index += 1
                at += 1
                continue
            }
            let directiveAt = at
            at += 1
            // A width (`%3f`) or `:` (`%:z`) is for formatting; reading takes any.
            while at < pattern.count, TimeScanner.digit(pattern[at]) != nil || pattern[at] == UInt8(ascii: ":") { at += 1 }
            guard at < pattern.count else {
                throw TimeTextError(problem: "the format ends with an unfinished directive", position: directiveAt + 1, inFormat: true)
            }
            let directive = pattern[at]
            at += 1
            let here = scanner.index + 1
            switch directive {
            case UInt8(ascii: "Y"): fields.year = (try scanner.number("year", minimum: 1, maximum: 4), here)
            case UInt8(ascii: "y"):
                let year = try scanner.number("year (2 digits)", minimum: 2, maximum: 2)
                fields.year = (year < 69 ? 2000 + year : 1900 + year, here)
            case UInt8(ascii: "m"): fields.month = (try scanner.number("month", minimum: 1, maximum: 2), here)
            case UInt8(ascii: "d"): fields.day = (try scanner.number("day", minimum: 1, maximum: 2), here)
            case UInt8(ascii: "e"):
                if scanner.current == 0x20 { scanner.index += 1 }
                fields.day = (try scanner.number("day", minimum: 1, maximum: 2), scanner.index)
            case UInt8(ascii: "j"): fields.dayOfYear = (try scanner.number("day of the year", minimum: 1, maximum: 3), here)
            case UInt8(ascii: "H"): fields.hour = (try scanner.number("hour", minimum: 1, maximum: 2), here)
            case UInt8(ascii: "I"): fields.hour12 = (try scanner.number("hour (01-12)", minimum: 1, maximum: 2), here)
            case UInt8(ascii: "M"): fields.minute = (try scanner.number("minute", minimum: 1, maximum: 2), here)
            case UInt8(ascii: "S"): fields.second = (try scanner.number("second", minimum: 1, maximum: 2), here)
            case UInt8(ascii: "f"): fields.nanoseconds = try scanner.fraction()
            case UInt8(ascii: "p"):
                if scanner.matches("am") || scanner.matches("pm") {
                    fields.pm = scanner.matches("pm")
                    scanner.index += 2
                } else {
                    throw scanner.error("expected AM or PM, found \(scanner.found)")
                }
            case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "h"):
                fields.month = (Int64(try scanner.name(in: CivilDate.monthNames, "month")) + 1, here)
            case UInt8(ascii: "a"), UInt8(ascii: "A"):
                fields.weekday = (Int64(try scanner.name(in: CivilDate.weekdayNames, "weekday")), here)
            case UInt8(ascii: "z"): fields.offset = try scanner.offset()
            case UInt8(ascii: "Z"):
                if scanner.matches("UTC") || scanner.matches("GMT") {
                    scanner.index += 3
                } else if scanner.current == UInt8(ascii: "Z") || scanner.current == UInt8(ascii: "z") {
                    scanner.index += 1
                } else {
                    throw scanner.error("expected the time zone UTC or GMT (other names are ambiguous; use %z for offsets), found \(scanner.found)")
                }
                fields.offset = 0
            case UInt8(ascii: "s"):
                let negative = scanner.current == UInt8(ascii: "-")
                if negative { scanner.index += 1 }
                let value = try scanner.number("seconds since the epoch", minimum: 1, maximum: 12)
                if let byte = scanner.current, TimeScanner.digit(byte) != nil {
                    throw scanner.error("seconds since the epoch out of range (years 0000-9999)", at: here - 1)
                }
                fields.epoch = (negative ? -value : value, here)
                fields.epochNegative = negative
            case UInt8(ascii: "F"): try nestedRead("%Y-%m-%d", &scanner, &fields)
            case UInt8(ascii: "T"): try nestedRead("%H:%M:%S", &scanner, &fields)
            case UInt8(ascii: "R"): try nestedRead("%H:%M", &scanner, &fields)
            case UInt8(ascii: "n"), UInt8(ascii: "t"): scanner.skipSpaces()
            case UInt8(ascii: "%"): try scanner.expect(UInt8(ascii: "%"), "'%'")
            default:
                throw TimeTextError(
                    problem: "unknown directive %\(TimeScanner.show(directive)) in the format", position: directiveAt + 1, inFormat: true)
            }
        }
    }

    private static func nestedRead(_ pattern: StaticString, _ scanner: inout TimeScanner, _ fields: inout TimeFields) throws(TimeTextError) {
        try read(UnsafeBufferPointer(start: pattern.utf8Start, count: pattern.utf8CodeUnitCount), &scanner, &fields)
    }
}
