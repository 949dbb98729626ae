import CollectorValues
import Testing

/// The error `JSONReader` throws for `bytes`, or nil when it accepts them.
func readFailure(_ bytes: [UInt8], maxDepth: Int = 512) -> JSONError? {
    do {
        _ = try JSONReader(maxDepth: maxDepth).read(bytes)
        return nil
    } catch {
        return error
    }
}

func readFailure(_ text: String, maxDepth: Int = 512) -> JSONError? {
    readFailure(Array(text.utf8), maxDepth: maxDepth)
}

/// A valid input and the value it must read as (JSONTestSuite's `y_` cases,
/// with the values they mean).
struct AcceptedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let json: String
    let expected: DataValue
    var testDescription: String { name }
    init(_ name: String, _ json: String, _ expected: DataValue) {
        self.name = name
        self.json = json
        self.expected = expected
    }
}

/// An invalid input and the kind of error it must raise (JSONTestSuite's
/// `n_` cases, and the `i_` cases where this reader rejects).
struct RejectedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let kind: JSONError.Kind
    var testDescription: String { name }
    init(_ name: String, _ json: String, _ kind: JSONError.Kind) {
        self.name = name
        self.bytes = Array(json.utf8)
        self.kind = kind
    }
    init(_ name: String, bytes: [UInt8], _ kind: JSONError.Kind) {
        self.name = name
        self.bytes = bytes
        self.kind = kind
    }
}

let acceptedCases: [AcceptedCase] = [
    AcceptedCase("y_array_arraysWithSpaces", "[[]   ]", [[]]),
    AcceptedCase("y_array_empty", "[]", []),
    AcceptedCase("y_array_empty-string", "[\"\"]", [""]),
    AcceptedCase("y_array_ending_with_newline", "[\"a\"]\n", ["a"]),
    AcceptedCase("y_array_false", "[false]", [false]),
    AcceptedCase("y_array_heterogeneous", "[null, 1, \"1\", {}]", [nil, 1, "1", [:]]),
    AcceptedCase("y_array_null", "[null]", [nil]),
    AcceptedCase("y_array_with_1_and_newline", "[1\n]", [1]),
    AcceptedCase("y_array_with_leading_space", " [1]", [1]),
    AcceptedCase("y_array_with_several_null", "[1,null,null,null,2]", [1, nil, nil, nil, 2]),
    AcceptedCase("y_array_with_trailing_space", "[2] ", [2]),
    AcceptedCase("y_number", "[123e65]", [.double(123e65)]),
    AcceptedCase("y_number_0e+1", "[0e+1]", [.double(0)]),
    AcceptedCase("y_number_0e1", "[0e1]", [.double(0)]),
    AcceptedCase("y_number_after_space", "[ 4]", [4]),
    AcceptedCase(
        "y_number_double_close_to_zero",
        "[-0.000000000000000000000000000000000000000000000000000000000000000000000000000001]", [.double(-1e-78)]),
    AcceptedCase("y_number_int_with_exp", "[20e1]", [.double(200)]),
    AcceptedCase("y_number_minus_zero", "[-0]", [.integer(0)]),
    AcceptedCase("y_number_negative_int", "[-123]", [-123]),
    AcceptedCase("y_number_negative_one", "[-1]", [-1]),
    AcceptedCase("y_number_real_capital_e", "[1E22]", [.double(1e22)]),
    AcceptedCase("y_number_real_capital_e_neg_exp", "[1E-2]", [.double(0.01)]),
    AcceptedCase("y_number_real_capital_e_pos_exp", "[1E+2]", [.double(100)]),
    AcceptedCase("y_number_real_exponent", "[123e45]", [.double(123e45)]),
    AcceptedCase("y_number_real_fraction_exponent", "[123.456e78]", [.double(123.456e78)]),
    AcceptedCase("y_number_real_neg_exp", "[1e-2]", [.double(0.01)]),
    AcceptedCase("y_number_real_pos_exponent", "[1e+2]", [.double(100)]),
    AcceptedCase("y_number_simple_int", "[123]", [123]),
    AcceptedCase("y_number_simple_real", "[123.456789]", [.double(123.456789)]),
    AcceptedCase("y_object", "{\"asd\":\"sdf\", \"dfg\":\"fgh\"}", ["asd": "sdf", "dfg": "fgh"]),
    AcceptedCase("y_object_basic", "{\"asd\":\"sdf\"}", ["asd": "sdf"]),
    AcceptedCase("y_object_duplicated_key", "{\"a\":\"b\",\"a\":\"c\"}", ["a": "c"]),
    AcceptedCase("y_object_duplicated_key_and_value", "{\"a\":\"b\",\"a\":\"b\"}", ["a": "b"]),
    AcceptedCase("y_object_empty", "{}", [:]),
    AcceptedCase("y_object_empty_key", "{\"\":0}", ["": 0]),
    AcceptedCase("y_object_escaped_null_in_key", "{\"foo\\u0000bar\": 42}", ["foo\u{0}bar": 42]),
    AcceptedCase(
        "y_object_extreme_numbers", "{ \"min\": -1.0e+28, \"max\": 1.0e+28 }",
        ["min": .double(-1.0e28), "max": .double(1.0e28)]),
    AcceptedCase("y_object_simple", "{\"a\":[]}", ["a": []]),
    AcceptedCase(
        "y_object_string_unicode", "{\"title\":\"\\u041f\\u043e\\u043b\\u0442\\u043e\\u0440\\u0430 \" }",
        ["title": "Полтора "]),
    AcceptedCase("y_object_with_newlines", "{\n\"a\": \"b\"\n}", ["a": "b"]),
    AcceptedCase("y_string_1_2_3_bytes_UTF-8_sequences", "[\"\\u0060\\u012a\\u12AB\"]", ["`\u{12A}\u{12AB}"]),
    AcceptedCase("y_string_accepted_surrogate_pair", "[\"\\uD801\\udc37\"]", ["\u{10437}"]),
    AcceptedCase("y_string_accepted_surrogate_pairs", "[\"\\ud83d\\ude39\\ud83d\\udc8d\"]", ["😹💍"]),
    AcceptedCase("y_string_allowed_escapes", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", ["\"\\/\u{8}\u{C}\n\r\t"]),
    AcceptedCase("y_string_backslash_and_u_escaped_zero", "[\"\\\\u0000\"]", ["\\u0000"]),
    AcceptedCase("y_string_backslash_doublequotes", "[\"\\\"\"]", ["\""]),
    AcceptedCase("y_string_comments", "[\"a/*b*/c/*d//e\"]", ["a/*b*/c/*d//e"]),
    AcceptedCase("y_string_double_escape_a", "[\"\\\\a\"]", ["\\a"]),
    AcceptedCase("y_string_escaped_noncharacter", "[\"\\uFFFF\"]", ["\u{FFFF}"]),
    AcceptedCase("y_string_in_array", "[\"asd\"]", ["asd"]),
    AcceptedCase("y_string_nonCharacterInUTF-8_U+FFFF", "[\"\u{FFFF}\"]", ["\u{FFFF}"]),
    AcceptedCase("y_string_null_escape", "[\"\\u0000\"]", ["\u{0}"]),
    AcceptedCase("y_string_unicode_U+10FFFE_nonchar", "[\"\\uDBFF\\uDFFE\"]", ["\u{10FFFE}"]),
    AcceptedCase("y_string_utf8", "[\"€𝄞\"]", ["€𝄞"]),
    AcceptedCase("y_string_with_del_character", "[\"a\u{7F}a\"]", ["a\u{7F}a"]),
    AcceptedCase("y_string_unescaped_char_delete", "\"\u{7F}\"", "\u{7F}"),
    AcceptedCase("y_structure_lonely_false", "false", false),
    AcceptedCase("y_structure_lonely_int", "42", 42),
    AcceptedCase("y_structure_lonely_negative_real", "-0.1", .double(-0.1)),
    AcceptedCase("y_structure_lonely_null", "null", nil),
    AcceptedCase("y_structure_lonely_string", "\"asd\"", "asd"),
    AcceptedCase("y_structure_lonely_true", "true", true),
    AcceptedCase("y_structure_string_empty", "\"\"", ""),
    AcceptedCase("y_structure_trailing_newline", "[\"a\"]\n", ["a"]),
    AcceptedCase("y_structure_true_in_array", "[true]", [true]),
    AcceptedCase("y_structure_whitespace_array", " [] ", []),
    AcceptedCase("all four whitespace characters", " \t\r\n[ \t\r\n1 \t\r\n] \t\r\n", [1]),
    AcceptedCase("i_number_real_underflow (rounds to zero)", "[123e-10000000]", [.double(0)]),
    AcceptedCase(
        "i_number_too_big_neg_int (a double)", "[-123123123123123123123123123123]",
        [.double(-123123123123123123123123123123.0)]),
    AcceptedCase(
        "i_number_very_big_negative_int (a double)", "[-237462374673276894279832749832423479823246327846]",
        [.double(-237462374673276894279832749832423479823246327846.0)]),
    AcceptedCase(
        "nested objects and arrays", "{\"a\":[{\"b\":[[],{}]},[1,[2,[3]]]],\"c\":{\"d\":{\"e\":null}}}",
        ["a": [["b": [[], [:]]], [1, [2, [3]]]], "c": ["d": ["e": nil]]]),
    AcceptedCase(
        "the canonical record",
        #"{"sensor_id":"s-0593","value":20.73,"unit":"RH","ts":1764288000009,"site":"plant-8","tags":{"line":"c","shift":1}}"#,
        [
            "sensor_id": "s-0593", "value": 20.73, "unit": "RH", "ts": 1_764_288_000_009, "site": "plant-8",
            "tags": ["line": "c", "shift": 1],
        ]),
]

let rejectedCases: [RejectedCase] = [
    RejectedCase("n_array_1_true_without_comma", "[1 true]", .unexpectedCharacter),
    RejectedCase("n_array_colon_instead_of_comma", "[\"\": 1]", .unexpectedCharacter),
    RejectedCase("n_array_comma_after_close", "[\"\"],", .trailingData),
    RejectedCase("n_array_comma_and_number", "[,1]", .unexpectedCharacter),
    RejectedCase("n_array_double_comma", "[1,,2]", .unexpectedCharacter),
    RejectedCase("n_array_double_extra_comma", "[\"x\",,]", .unexpectedCharacter),
    RejectedCase("n_array_extra_close", "[\"x\"]]", .trailingData),
    RejectedCase("n_array_extra_comma", "[\"\",]", .unexpectedCharacter),
    RejectedCase("n_array_incomplete", "[\"x\"", .unexpectedEndOfInput),
    RejectedCase("n_array_incomplete_invalid_value", "[x", .unexpectedCharacter),
    RejectedCase("n_array_inner_array_no_comma", "[3[4]]", .unexpectedCharacter),
    RejectedCase("n_array_items_separated_by_semicolon", "[1:2]", .unexpectedCharacter),
    RejectedCase("n_array_just_comma", "[,]", .unexpectedCharacter),
    RejectedCase("n_array_just_minus", "[-]", .invalidNumber),
    RejectedCase("n_array_missing_value", "[   , \"\"]", .unexpectedCharacter),
    RejectedCase("n_array_number_and_comma", "[1,]", .unexpectedCharacter),
    RejectedCase("n_array_number_and_several_commas", "[1,,]", .unexpectedCharacter),
    RejectedCase("n_array_star_inside", "[*]", .unexpectedCharacter),
    RejectedCase("n_array_unclosed", "[\"\"", .unexpectedEndOfInput),
    RejectedCase("n_array_unclosed_trailing_comma", "[1,", .unexpectedEndOfInput),
    RejectedCase("n_array_unclosed_with_new_lines", "[1,\n1\n,1", .unexpectedEndOfInput),
    RejectedCase("n_array_unclosed_with_object_inside", "[{}", .unexpectedEndOfInput),
    RejectedCase("n_incomplete_false", "[fals]", .unexpectedCharacter),
    RejectedCase("n_incomplete_null", "[nul]", .unexpectedCharacter),
    RejectedCase("n_incomplete_true", "[tru]", .unexpectedCharacter),
    RejectedCase("n_number_++", "[++1234]", .unexpectedCharacter),
    RejectedCase("n_number_+1", "[+1]", .unexpectedCharacter),
    RejectedCase("n_number_+Inf", "[+Inf]", .unexpectedCharacter),
    RejectedCase("n_number_-01", "[-01]", .invalidNumber),
    RejectedCase("n_number_-1.0.", "[-1.0.]", .unexpectedCharacter),
    RejectedCase("n_number_-2.", "[-2.]", .invalidNumber),
    RejectedCase("n_number_-NaN", "[-NaN]", .invalidNumber),
    RejectedCase("n_number_.-1", "[.-1]", .unexpectedCharacter),
    RejectedCase("n_number_.2e-3", "[.2e-3]", .unexpectedCharacter),
    RejectedCase("n_number_0.1.2", "[0.1.2]", .unexpectedCharacter),
    RejectedCase("n_number_0.3e+", "[0.3e+]", .invalidNumber),
    RejectedCase("n_number_0.3e", "[0.3e]", .invalidNumber),
    RejectedCase("n_number_0.e1", "[0.e1]", .invalidNumber),
    RejectedCase("n_number_0_capital_E+", "[0E+]", .invalidNumber),
    RejectedCase("n_number_0_capital_E", "[0E]", .invalidNumber),
    RejectedCase("n_number_0e+", "[0e+]", .invalidNumber),
    RejectedCase("n_number_0e", "[0e]", .invalidNumber),
    RejectedCase("n_number_1.0e+", "[1.0e+]", .invalidNumber),
    RejectedCase("n_number_1.0e-", "[1.0e-]", .invalidNumber),
    RejectedCase("n_number_1_000", "[1 000.0]", .unexpectedCharacter),
    RejectedCase("n_number_1eE2", "[1eE2]", .invalidNumber),
    RejectedCase("n_number_2.e+3", "[2.e+3]", .invalidNumber),
    RejectedCase("n_number_9.e+", "[9.e+]", .invalidNumber),
    RejectedCase("n_number_Inf", "[Inf]", .unexpectedCharacter),
    RejectedCase("n_number_NaN", "[NaN]", .unexpectedCharacter),
    RejectedCase("n_number_expression", "[1+2]", .unexpectedCharacter),
    RejectedCase("n_number_hex_1_digit", "[0x1]", .unexpectedCharacter),
    RejectedCase("n_number_hex_2_digits", "[0x42]", .unexpectedCharacter),
    RejectedCase("n_number_infinity", "[Infinity]", .unexpectedCharacter),
    RejectedCase("n_number_invalid+-", "[0e+-1]", .invalidNumber),
    RejectedCase("n_number_minus_infinity", "[-Infinity]", .invalidNumber),
    RejectedCase("n_number_minus_sign_with_trailing_garbage", "[-foo]", .invalidNumber),
    RejectedCase("n_number_minus_space_1", "[- 1]", .invalidNumber),
    RejectedCase("n_number_neg_int_starting_with_zero", "[-012]", .invalidNumber),
    RejectedCase("n_number_neg_real_without_int_part", "[-.123]", .invalidNumber),
    RejectedCase("n_number_neg_with_garbage_at_end", "[-1x]", .unexpectedCharacter),
    RejectedCase("n_number_real_garbage_after_e", "[1ea]", .invalidNumber),
    RejectedCase("n_number_real_without_fractional_part", "[1.]", .invalidNumber),
    RejectedCase("n_number_starting_with_dot", "[.123]", .unexpectedCharacter),
    RejectedCase("n_number_with_alpha", "[1.2a-3]", .unexpectedCharacter),
    RejectedCase("n_number_with_leading_zero", "[012]", .invalidNumber),
    RejectedCase("n_number_invalid-utf-8-in-exponent", bytes: Array("[1e1".utf8) + [0xE5, 0x5D], .invalidUTF8),
    RejectedCase("n_number_real_with_invalid_utf8_after_e", bytes: Array("[1e".utf8) + [0xE5, 0x5D], .invalidUTF8),
    RejectedCase("n_object_bad_value", "[\"x\", truth]", .unexpectedCharacter),
    RejectedCase("n_object_bracket_key", "{[: \"x\"}", .unexpectedCharacter),
    RejectedCase("n_object_comma_instead_of_colon", "{\"x\", null}", .unexpectedCharacter),
    RejectedCase("n_object_double_colon", "{\"x\"::\"b\"}", .unexpectedCharacter),
    RejectedCase("n_object_garbage_at_end", "{\"a\":\"a\" 123}", .unexpectedCharacter),
    RejectedCase("n_object_key_with_single_quotes", "{key: 'value'}", .unexpectedCharacter),
    RejectedCase("n_object_missing_colon", "{\"a\" b}", .unexpectedCharacter),
    RejectedCase("n_object_missing_key", "{:\"b\"}", .unexpectedCharacter),
    RejectedCase("n_object_missing_semicolon", "{\"a\" \"b\"}", .unexpectedCharacter),
    RejectedCase("n_object_missing_value", "{\"a\":", .unexpectedEndOfInput),
    RejectedCase("n_object_no-colon", "{\"a\"", .unexpectedEndOfInput),
    RejectedCase("n_object_non_string_key", "{1:1}", .unexpectedCharacter),
    RejectedCase("n_object_repeated_null_null", "{null:null,null:null}", .unexpectedCharacter),
    RejectedCase("n_object_several_trailing_commas", "{\"id\":0,,,,,}", .unexpectedCharacter),
    RejectedCase("n_object_single_quote", "{'a':0}", .unexpectedCharacter),
    RejectedCase("n_object_trailing_comma", "{\"id\":0,}", .unexpectedCharacter),
    RejectedCase("n_object_trailing_comment", "{\"a\":\"b\"}/**/", .trailingData),
    RejectedCase("n_object_trailing_comment_slash_open", "{\"a\":\"b\"}//", .trailingData),
    RejectedCase("n_object_two_commas_in_a_row", "{\"a\":\"b\",,\"c\":\"d\"}", .unexpectedCharacter),
    RejectedCase("n_object_unquoted_key", "{a: \"b\"}", .unexpectedCharacter),
    RejectedCase("n_object_unterminated-value", "{\"a\":\"a", .unexpectedEndOfInput),
    RejectedCase("n_object_with_single_string", "{ \"foo\" : \"bar\", \"a\" }", .unexpectedCharacter),
    RejectedCase("n_object_with_trailing_garbage", "{\"a\":\"b\"}#", .trailingData),
    RejectedCase("n_single_space", " ", .unexpectedEndOfInput),
    RejectedCase("n_string_1_surrogate_then_escape", "[\"\\uD800\\\"]", .invalidSurrogate),
    RejectedCase("n_string_1_surrogate_then_escape_u", "[\"\\uD800\\u\"]", .invalidEscape),
    RejectedCase("n_string_1_surrogate_then_escape_u1", "[\"\\uD800\\u1\"]", .invalidEscape),
    RejectedCase("n_string_1_surrogate_then_escape_u1x", "[\"\\uD800\\u1x\"]", .invalidEscape),
    RejectedCase("n_string_accentuated_char_no_quotes", "[é]", .unexpectedCharacter),
    RejectedCase("n_string_backslash_00", bytes: Array("[\"\\".utf8) + [0x00] + Array("\"]".utf8), .invalidEscape),
    RejectedCase("n_string_escape_x", "[\"\\x00\"]", .invalidEscape),
    RejectedCase("n_string_escaped_backslash_bad", "[\"\\\\\\\"]", .unexpectedEndOfInput),
    RejectedCase("n_string_escaped_ctrl_char_tab", "[\"\\\t\"]", .invalidEscape),
    RejectedCase("n_string_escaped_emoji", "[\"\\🌀\"]", .invalidEscape),
    RejectedCase("n_string_incomplete_escape", "[\"\\\"]", .unexpectedEndOfInput),
    RejectedCase("n_string_incomplete_escaped_character", "[\"\\u00A\"]", .invalidEscape),
    RejectedCase("n_string_incomplete_surrogate", "[\"\\uD834\\uDd\"]", .invalidEscape),
    RejectedCase("n_string_incomplete_surrogate_escape_invalid", "[\"\\uD800\\uD800\\x\"]", .invalidSurrogate),
    RejectedCase("n_string_invalid_backslash_esc", "[\"\\a\"]", .invalidEscape),
    RejectedCase("n_string_invalid_unicode_escape", "[\"\\uqqqq\"]", .invalidEscape),
    RejectedCase("n_string_invalid-utf-8-in-escape", bytes: Array("[\"\\u".utf8) + [0xE5] + Array("\"]".utf8), .invalidEscape),
    RejectedCase("n_string_invalid_utf8_after_escape", bytes: Array("[\"\\".utf8) + [0xE5] + Array("\"]".utf8), .invalidUTF8),
    RejectedCase("n_string_no_quotes_with_bad_escape", "[\\n]", .unexpectedCharacter),
    RejectedCase("n_string_single_doublequote", "\"", .unexpectedEndOfInput),
    RejectedCase("n_string_single_quote", "['single quote']", .unexpectedCharacter),
    RejectedCase("n_string_single_string_no_double_quotes", "abc", .unexpectedCharacter),
    RejectedCase("n_string_start_escape_unclosed", "[\"\\", .unexpectedEndOfInput),
    RejectedCase("n_string_unescaped_ctrl_char", bytes: Array("[\"a".utf8) + [0x00] + Array("a\"]".utf8), .controlCharacter),
    RejectedCase("n_string_unescaped_newline", "[\"new\nline\"]", .controlCharacter),
    RejectedCase("n_string_unescaped_tab", "[\"\t\"]", .controlCharacter),
    RejectedCase("n_string_unicode_CapitalU", "\"\\UA66D\"", .invalidEscape),
    RejectedCase("n_string_with_trailing_garbage", "\"\"x", .trailingData),
    RejectedCase("n_structure_angle_bracket_.", "<.>", .unexpectedCharacter),
    RejectedCase("n_structure_angle_bracket_null", "[<null>]", .unexpectedCharacter),
    RejectedCase("n_structure_array_trailing_garbage", "[1]x", .trailingData),
    RejectedCase("n_structure_array_with_extra_array_close", "[1]]", .trailingData),
    RejectedCase("n_structure_array_with_unclosed_string", "[\"asd]", .unexpectedEndOfInput),
    RejectedCase("n_structure_capitalized_True", "[True]", .unexpectedCharacter),
    RejectedCase("n_structure_close_unopened_array", "1]", .trailingData),
    RejectedCase("n_structure_comma_instead_of_closing_brace", "{\"x\": true,", .unexpectedEndOfInput),
    RejectedCase("n_structure_double_array", "[][]", .trailingData),
    RejectedCase("n_structure_end_array", "]", .unexpectedCharacter),
    RejectedCase("n_structure_lone-open-bracket", "[", .unexpectedEndOfInput),
    RejectedCase("n_structure_no_data", "", .unexpectedEndOfInput),
    RejectedCase("n_structure_null-byte-outside-string", bytes: [0x5B, 0x00, 0x5D], .unexpectedCharacter),
    RejectedCase("n_structure_number_with_trailing_garbage", "2@", .trailingData),
    RejectedCase("n_structure_object_followed_by_closing_object", "{}}", .trailingData),
    RejectedCase("n_structure_object_unclosed_no_value", "{\"\":", .unexpectedEndOfInput),
    RejectedCase("n_structure_object_with_comment", "{\"a\":/*comment*/\"b\"}", .unexpectedCharacter),
    RejectedCase("n_structure_open_array_apostrophe", "['", .unexpectedCharacter),
    RejectedCase("n_structure_open_object", "{", .unexpectedEndOfInput),
    RejectedCase("n_structure_open_object_open_string", "{\"a", .unexpectedEndOfInput),
    RejectedCase("n_structure_single_star", "*", .unexpectedCharacter),
    RejectedCase("n_structure_trailing_#", "{\"a\":\"b\"}#{}", .trailingData),
    RejectedCase("n_structure_unclosed_array", "[1", .unexpectedEndOfInput),
    RejectedCase("n_structure_unclosed_array_partial_null", "[ false, nul", .unexpectedEndOfInput),
    RejectedCase("n_structure_unclosed_object", "{\"asd\":\"asd\"", .unexpectedEndOfInput),
    RejectedCase("n_structure_whitespace_formfeed", "[\u{C}]", .unexpectedCharacter),
    RejectedCase("n_structure_whitespace_U+2060_word_joiner", "[\u{2060}]", .unexpectedCharacter),
    RejectedCase("n_structure_no_break_space", "[\u{A0}1]", .unexpectedCharacter),
    RejectedCase("n_structure_UTF8_BOM_no_data", bytes: [0xEF, 0xBB, 0xBF], .unexpectedCharacter),
    RejectedCase("n_structure_incomplete_UTF8_BOM", bytes: [0xEF, 0xBB, 0x7B, 0x7D], .invalidUTF8),
    RejectedCase("n_array_invalid_utf8", bytes: [0x5B, 0xFF, 0x5D], .invalidUTF8),
    RejectedCase("n_string_invalid_utf-8", bytes: [0x5B, 0x22, 0xFF, 0x22, 0x5D], .invalidUTF8),
    RejectedCase("n_string_lone_utf8_continuation_byte", bytes: [0x5B, 0x22, 0x81, 0x22, 0x5D], .invalidUTF8),
    RejectedCase("n_string_overlong_sequence_2_bytes", bytes: [0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D], .invalidUTF8),
    RejectedCase(
        "n_string_overlong_sequence_6_bytes",
        bytes: [0x5B, 0x22, 0xFC, 0x83, 0xBF, 0xBF, 0xBF, 0xBF, 0x22, 0x5D], .invalidUTF8),
    RejectedCase("n_string_UTF-16_surrogate_in_UTF-8", bytes: [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D], .invalidUTF8),
    RejectedCase("n_string_not_in_unicode_range", bytes: [0x5B, 0x22, 0xF4, 0xBF, 0xBF, 0xBF, 0x22, 0x5D], .invalidUTF8),
    RejectedCase("n_string_truncated-utf-8", bytes: [0x5B, 0x22, 0xE0, 0xFF, 0x22, 0x5D], .invalidUTF8),
    RejectedCase("n_string_iso_latin_1", bytes: [0x5B, 0x22, 0xE9, 0x22, 0x5D], .invalidUTF8),
    RejectedCase("n_object_key_invalid_utf8", bytes: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], .invalidUTF8),
    // Implementation-defined cases (JSONTestSuite's i_) that this reader rejects.
    RejectedCase("i_number_huge_exp", "[0.4e00669999999999999999999999999999999999999999999999999969999999006]", .numberOutOfRange),
    RejectedCase("i_number_neg_int_huge_exp", "[-1e+9999]", .numberOutOfRange),
    RejectedCase("i_number_pos_double_huge_exp", "[1.5e+9999]", .numberOutOfRange),
    RejectedCase("i_number_real_neg_overflow", "[-123123e100000]", .numberOutOfRange),
    RejectedCase("i_number_real_pos_overflow", "[123123e100000]", .numberOutOfRange),
    RejectedCase("i_object_key_lone_2nd_surrogate", "{\"\\uDFAA\":0}", .invalidSurrogate),
    RejectedCase("i_string_1st_surrogate_but_2nd_missing", "[\"\\uDADA\"]", .invalidSurrogate),
    RejectedCase("i_string_1st_valid_surrogate_2nd_invalid", "[\"\\uD888\\u1234\"]", .invalidSurrogate),
    RejectedCase("i_string_incomplete_surrogate_and_escape_valid", "[\"\\uD800\\n\"]", .invalidSurrogate),
    RejectedCase("i_string_incomplete_surrogate_pair", "[\"\\uDd1ea\"]", .invalidSurrogate),
    RejectedCase("i_string_incomplete_surrogates_escape_valid", "[\"\\uD800\\uD800\\n\"]", .invalidSurrogate),
    RejectedCase("i_string_invalid_lonely_surrogate", "[\"\\ud800\"]", .invalidSurrogate),
    RejectedCase("i_string_invalid_surrogate", "[\"\\ud800abc\"]", .invalidSurrogate),
    RejectedCase("i_string_inverted_surrogates_U+1D11E", "[\"\\uDd1e\\uD834\"]", .invalidSurrogate),
    RejectedCase("i_string_lone_second_surrogate", "[\"\\uDFAA\"]", .invalidSurrogate),
    RejectedCase("i_structure_UTF-8_BOM_empty_object", bytes: [0xEF, 0xBB, 0xBF, 0x7B, 0x7D], .unexpectedCharacter),
]

@Suite("JSONReader")
struct JSONReaderTests {
    let reader = JSONReader()

    // MARK: The JSONTestSuite-style tables

    @Test(arguments: acceptedCases)
    func accepts(_ test: AcceptedCase) throws {
        let value = try reader.read(test.json)
        #expect(value.isIdentical(to: test.expected), "\(value)")
        // The same through the other entry points.
        #expect(try reader.read(Array(test.json.utf8)).isIdentical(to: value))
        let padded = Array("xx\(test.json)yy".utf8)
        #expect(try reader.read(padded[2..<(padded.count - 2)]).isIdentical(to: value))
    }

    @Test(arguments: rejectedCases)
    func rejects(_ test: RejectedCase) throws {
        let error = try #require(readFailure(test.bytes))
        #expect(error.kind == test.kind, "\(error)")
        let offset = try #require(error.offset)
        #expect(offset >= 0 && offset <= test.bytes.count)
        #expect(error.line != nil && error.column != nil)
        #expect(error.description.contains("at byte \(offset) (line "), "\(error)")
    }

    // MARK: Numbers

    @Test func integersThatFitInt64AreExact() throws {
        #expect(try reader.read("9223372036854775807") == .integer(.max))
        #expect(try reader.read("-9223372036854775808") == .integer(.min))
        #expect(try reader.read("9007199254740993") == .integer(9_007_199_254_740_993))  // 2^53 + 1
        #expect(try reader.read("-9007199254740993") == .integer(-9_007_199_254_740_993))
        #expect(try reader.read("0") == .integer(0))
        #expect(try reader.read("1764288000009") == .integer(1_764_288_000_009))
    }

    @Test func integersBeyondInt64AreDoubles() throws {
        #expect(try reader.read("9223372036854775808") == .double(9_223_372_036_854_775_808.0))
        #expect(try reader.read("-9223372036854775809") == .double(-9_223_372_036_854_775_809.0))
        #expect(try reader.read("18446744073709551615") == .double(18_446_744_073_709_551_615.0))
        #expect(try reader.read("18446744073709551616") == .double(18_446_744_073_709_551_616.0))
        #expect(try reader.read("123456789012345678901234567890") == .double(123_456_789_012_345_678_901_234_567_890.0))
    }

    @Test func aFractionOrAnExponentMakesADouble() throws {
        #expect(try reader.read("1.0") == .double(1.0))
        #expect(try reader.read("1e0") == .double(1.0))
        #expect(try reader.read("1E+2") == .double(100.0))
        #expect(try reader.read("100e-2") == .double(1.0))
        // 2^53 + 1 as a float rounds to even; as an integer literal it is exact.
        #expect(try reader.read("9007199254740993.0") == .double(9_007_199_254_740_992.0))
        #expect(try reader.read("9007199254740995.0") == .double(9_007_199_254_740_996.0))
    }

    @Test func theSignOfZero() throws {
        let negativeZero = try reader.read("-0.0")
        #expect(negativeZero.isIdentical(to: .double(-0.0)))
        #expect(try reader.read("0.0").isIdentical(to: .double(0.0)))
        #expect(try reader.read("-0e5").isIdentical(to: .double(-0.0)))
        #expect(try reader.read("-1e-400").isIdentical(to: .double(-0.0)))
        // Integers have no negative zero.
        #expect(try reader.read("-0").isIdentical(to: .integer(0)))
    }

    @Test func hardDoublesAreCorrectlyRounded() throws {
        let cases: [(String, UInt64)] = [
            ("2.2250738585072011e-308", 0x000F_FFFF_FFFF_FFFF),  // largest subnormal
            ("2.2250738585072012e-308", 0x0010_0000_0000_0000),  // smallest normal
            ("4.9e-324", 1),
            ("2.4703282292062328e-324", 1),  // just above half the smallest subnormal
            ("2.4703282292062327e-324", 0),  // just below: rounds to zero
            ("1.7976931348623157e308", Double.greatestFiniteMagnitude.bitPattern),
            ("1.7976931348623158e308", Double.greatestFiniteMagnitude.bitPattern),
            ("0.1", (0.1).bitPattern),
            ("0.3", (0.3).bitPattern),
            ("9007199254740993.0000000000000000001", 0x4340_0000_0000_0001),  // 2^53 + 1 + tiny rounds up
            ("1.00000000000000011102230246251565404236316680908203125", 0x3FF0_0000_0000_0000),  // a tie, to even
            ("1.00000000000000011102230246251565404236316680908203126", 0x3FF0_0000_0000_0001),
            ("20.73", (20.73).bitPattern),
            ("123456789012345678e-8", (1_234_567_890.123_456_78).bitPattern),
        ]
        for (literal, bits) in cases {
            let value = try reader.read(literal)
            guard case .double(let double) = value else {
                Issue.record("\(literal) read as \(value)")
                continue
            }
            #expect(double.bitPattern == bits, "\(literal)")
        }
    }

    @Test func longLiterals() throws {
        let tiny = "0." + String(repeating: "0", count: 1000) + "1"
        #expect(try reader.read(tiny) == .double(0.0))
        let small = "0." + String(repeating: "0", count: 300) + "1"
        #expect(try reader.read(small) == .double(1e-301))
        let manyDigits = "1." + String(repeating: "0", count: 1000) + "1"
        #expect(try reader.read(manyDigits) == .double(1.0))
        #expect(try reader.read("1e-99999999999999999999") == .double(0.0))
        #expect(readFailure("1e99999999999999999999")?.kind == .numberOutOfRange)
        #expect(readFailure("1" + String(repeating: "0", count: 309))?.kind == .numberOutOfRange)
        #expect(try reader.read("1" + String(repeating: "0", count: 308)) == .double(1e308))
    }

    /// Numbers whose magnitude overflows a Double are rejected (they would
    /// be infinity, which cannot be written back); the error says where.
    @Test func hugeNumbersAreRejectedWithTheirOffset() throws {
        let error = try #require(readFailure("{\"a\": 1e400}"))
        #expect(error.kind == .numberOutOfRange)
        #expect(error.offset == 6)
        #expect(error.description == "number out of range at byte 6 (line 1, column 7): its magnitude is too large for a 64-bit float")
        #expect(readFailure("-1e400")?.kind == .numberOutOfRange)
        #expect(readFailure("1.7976931348623159e308")?.kind == .numberOutOfRange)
        #expect(try reader.read("1e-400") == .double(0.0))
    }

    /// The fast path (Clinger: significand <= 2^53, |power of ten| <= 22)
    /// against the standard library's correctly rounded parser.
    @Test func fastPathAgreesWithTheSlowPathOnRandomDecimals() throws {
        var generator = SystemRandomNumberGenerator()
        var fastPathEligible = 0
        for _ in 0..<100_000 {
            let digitCount = Int.random(in: 1...19, using: &generator)
            var digits = String(Int.random(in: 1...9, using: &generator))
            for _ in 1..<digitCount { digits += String(Int.random(in: 0...9, using: &generator)) }
            let pointPosition = Int.random(in: 1...digitCount, using: &generator)
            var literal = Bool.random(using: &generator) ? "-" : ""
            var fractionDigits = 0
            if pointPosition < digitCount {
                literal += digits.prefix(pointPosition) + "." + digits.dropFirst(pointPosition)
                fractionDigits = digitCount - pointPosition
            } else if Bool.random(using: &generator) {
                literal += digits + ".0"
                fractionDigits = 1
            } else {
                literal += "0." + digits
                fractionDigits = digitCount
            }
            var exponent = 0
            if Int.random(in: 0..<3, using: &generator) == 0 {
                exponent = Int.random(in: -40...40, using: &generator)
                literal += (Bool.random(using: &generator) ? "e" : "E") + String(exponent)
            }
            let significand = UInt64(digits)!
            let power = exponent - fractionDigits
            if significand <= 1 << 53 && abs(power) <= 22 { fastPathEligible += 1 }

            let value = try reader.read(literal)
            let expected = try #require(Double(literal))
            guard case .double(let double) = value, double.bitPattern == expected.bitPattern else {
                Issue.record("\(literal) read as \(value), expected \(expected)")
                return
            }
        }
        // Both paths were exercised a lot.
        #expect(fastPathEligible > 20_000)
        #expect(fastPathEligible < 90_000)
    }

    @Test func shortestDoublesOfRandomBitPatternsReadBackExactly() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50_000 {
            let double = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            guard double.isFinite else { continue }
            let value = try reader.read(double.description)
            #expect(value.isIdentical(to: .double(double)), "\(double)")
        }
    }

    // MARK: Strings

    @Test func escapesDecode() throws {
        #expect(try reader.read(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try reader.read(#""\u0041\u00e9\u20AC\uD834\uDD1E""#) == .string("Aé€𝄞"))
        #expect(try reader.read(#""a\u0000b""#) == .string("a\u{0}b"))
        #expect(try reader.read(#""a\u0000b""#).stringValue?.utf8.count == 3)
        #expect(try reader.read(#""plain text, then an escape\nand more plain text after it""#)
            == .string("plain text, then an escape\nand more plain text after it"))
        #expect(try reader.read("\"héllo wörld ✓ 𝄞 and some ASCII after it\"") == .string("héllo wörld ✓ 𝄞 and some ASCII after it"))
    }

    /// Every special byte at every position of strings around the 8-byte
    /// blocks the scanner reads at once.
    @Test func specialBytesAtEveryPosition() throws {
        for length in 0...24 {
            for position in 0...length {
                let prefix = String(repeating: "a", count: position)
                let suffix = String(repeating: "b", count: length - position)
                #expect(try reader.read("\"\(prefix)\\\"\(suffix)\"") == .string(prefix + "\"" + suffix))
                #expect(try reader.read("\"\(prefix)\\\\\(suffix)\"") == .string(prefix + "\\" + suffix))
                #expect(try reader.read("\"\(prefix)é\(suffix)\"") == .string(prefix + "é" + suffix))
                #expect(try reader.read("\"\(prefix)\u{7F}\(suffix)\"") == .string(prefix + "\u{7F}" + suffix))
                #expect(try reader.read("\"\(prefix) ~\(suffix)\"") == .string(prefix + " ~" + suffix))
                #expect(readFailure("\"\(prefix)\"\(suffix)\"")?.kind == .trailingData)
                for control: UInt8 in [0x00, 0x01, 0x0A, 0x1F] {
                    var bytes = Array("\"\(prefix)".utf8)
                    bytes.append(control)
                    bytes += Array("\(suffix)\"".utf8)
                    let error = readFailure(bytes)
                    #expect(error?.kind == .controlCharacter)
                    #expect(error?.offset == position + 1)
                }
                var invalid = Array("\"\(prefix)".utf8)
                invalid.append(0xFF)
                invalid += Array("\(suffix)\"".utf8)
                #expect(readFailure(invalid)?.kind == .invalidUTF8)
                #expect(readFailure(invalid)?.offset == position + 1)
            }
        }
    }

    @Test(arguments: [
        [0xFF], [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xC3, 0x41], [0xF0, 0x9F, 0x98],
    ] as [[UInt8]])
    func invalidUTF8InAStringIsRejectedWithItsOffset(_ sequence: [UInt8]) throws {
        let bytes = Array(#"{"key": "ok "#.utf8) + sequence + Array(#""}"#.utf8)
        let error = try #require(readFailure(bytes))
        #expect(error.kind == .invalidUTF8)
        #expect(error.offset == 12)
        #expect(error.description.contains("at byte 12 (line 1, column 13)"), "\(error)")
    }

    @Test func acceptsExactlyTheValidUTF8OfRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...10, using: &generator)
            // Random bytes apart from the quote, the backslash and controls.
            let content = (0..<count).map { _ in
                var byte: UInt8
                repeat { byte = UInt8.random(in: 0x20...0xFF, using: &generator) } while byte == 0x22 || byte == 0x5C
                return byte
            }
            let valid = String(validating: content, as: UTF8.self)
            let result = try? reader.read([0x22] + content + [0x22])
            #expect(result == valid.map(DataValue.string), "\(content)")
        }
    }

    @Test func loneSurrogatesAreRejected() throws {
        for json in [#""\ud800""#, #""\uDBFF x""#, #""\udc00""#, #""\uDFFF\uD800""#, #""\ud800\u0041""#, #""\uD800\uD800""#] {
            let error = try #require(readFailure(json), "\(json)")
            #expect(error.kind == .invalidSurrogate, "\(json): \(error)")
            #expect(error.offset == 1)
        }
        let error = try #require(readFailure(#"["ok", "\udc00"]"#))
        #expect(error.description == #"lone surrogate \uDC00 at byte 8 (line 1, column 9): a low surrogate must follow a high surrogate"#)
    }

    // MARK: Objects

    @Test func keyOrderIsTheTextsOrder() throws {
        let value = try reader.read(#"{"z":1,"a":2,"m":3,"b":{"y":1,"x":2}}"#)
        #expect(value.objectValue?.fieldNames == ["z", "a", "m", "b"])
        #expect(value["b"]?.objectValue?.fieldNames == ["y", "x"])
    }

    /// The last value of a duplicate key wins, at the key's first position.
    @Test func duplicateKeysLastWinsAtTheFirstPosition() throws {
        let value = try reader.read(#"{"a":1,"b":2,"a":3,"c":4,"b":5}"#)
        #expect(value.objectValue?.fieldNames == ["a", "b", "c"])
        #expect(value == ["a": 3, "b": 5, "c": 4])
        let nested = try reader.read(#"{"a":{"x":1},"b":[1],"a":{"y":2}}"#)
        #expect(nested == ["a": ["y": 2], "b": [1]])
        // Keys compare byte for byte (code points), like DataObject: canonically equivalent spellings stay apart.
        let equivalent = try reader.read(#"{"é":1,"e\u0301":2}"#)
        #expect(equivalent.objectValue?.count == 2)
        #expect(equivalent["é"] == 1 && equivalent["e\u{301}"] == 2)
    }

    @Test func duplicateKeysInLargeObjects() throws {
        // Past the size where the reader switches from scanning to a hash index.
        var json = "{"
        var expected = DataObject()
        var generator = SystemRandomNumberGenerator()
        for i in 0..<400 {
            let key = "k\(Int.random(in: 0..<150, using: &generator))"
            if i > 0 { json += "," }
            json += "\"\(key)\":\(i)"
            expected[key] = .integer(Int64(i))
        }
        json += "}"
        let value = try reader.read(json)
        #expect(value == .object(expected))
        #expect(value.objectValue?.fieldNames == expected.fieldNames)
    }

    @Test func largeArraysAndObjects() throws {
        let array = "[" + (0..<10_000).map(String.init).joined(separator: ",") + "]"
        #expect(try reader.read(array).arrayValue?.count == 10_000)
        #expect(try reader.read(array)[9_999] == 9_999)
        let object = "{" + (0..<5_000).map { "\"key\($0)\":[\($0)]" }.joined(separator: ",") + "}"
        let value = try reader.read(object)
        #expect(value.objectValue?.count == 5_000)
        #expect(value["key4321"] == [4321])
        #expect(value.objectValue?[17].key == "key17")
    }

    // MARK: Depth

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let opens = String(repeating: "[", count: 100_000)
        let error = try #require(readFailure(opens))
        #expect(error.kind == .depthLimitExceeded)
        #expect(error.offset == 512)
        let balanced = opens + String(repeating: "]", count: 100_000)
        #expect(readFailure(balanced)?.kind == .depthLimitExceeded)
        let objects = String(repeating: "{\"a\":", count: 100_000)
        #expect(readFailure(objects)?.kind == .depthLimitExceeded)
        #expect(readFailure(objects)?.offset == 512 * 5)
    }

    @Test func theDefaultDepthIs512() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(readFailure(ok) == nil)
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(readFailure(tooDeep)?.kind == .depthLimitExceeded)
        #expect(readFailure(tooDeep)?.description.hasPrefix("nesting deeper than 512 levels at byte 512") == true)
    }

    @Test func theDepthIsConfigurable() throws {
        #expect(readFailure("[[1]]", maxDepth: 2) == nil)
        #expect(readFailure("[[[1]]]", maxDepth: 2)?.kind == .depthLimitExceeded)
        #expect(readFailure("[{\"a\":[]}]", maxDepth: 2)?.kind == .depthLimitExceeded)
        #expect(readFailure("1", maxDepth: 0) == nil)
        #expect(readFailure("[]", maxDepth: 0)?.kind == .depthLimitExceeded)
        let deep = String(repeating: "[", count: 1_000) + "7" + String(repeating: "]", count: 1_000)
        var value = try JSONReader(maxDepth: 1_000).read(deep)
        for _ in 0..<1_000 { value = value[0]! }
        #expect(value == 7)
    }

    // MARK: Errors

    @Test func errorsNameTheOffsetLineAndColumn() throws {
        let trailing = try #require(readFailure(#"{"sensor":"s-1","a":1,}"#))
        #expect(trailing.kind == .unexpectedCharacter)
        #expect(trailing.offset == 21)
        #expect(trailing.line == 1 && trailing.column == 22)
        #expect(trailing.message == "unexpected character ','")
        #expect(trailing.detail == "trailing comma in object")
        #expect(trailing.description == "unexpected character ',' at byte 21 (line 1, column 22): trailing comma in object")

        let multiline = try #require(readFailure("{\n  \"é\": 1,\n  \"b\": ]\n}"))
        #expect(multiline.offset == 20)
        #expect(multiline.line == 3 && multiline.column == 8)
        #expect(multiline.description == "unexpected character ']' at byte 20 (line 3, column 8): expected a value")

        let arrayComma = try #require(readFailure("[1, 2, ]"))
        #expect(arrayComma.description == "unexpected character ',' at byte 5 (line 1, column 6): trailing comma in array")

        let end = try #require(readFailure("{\"a\": [1, 2"))
        #expect(end.kind == .unexpectedEndOfInput)
        #expect(end.offset == 11)

        let empty = try #require(readFailure(""))
        #expect(empty.description == "unexpected end of input at byte 0 (line 1, column 1): the input is empty")

        let invalid = try #require(readFailure([0x5B, 0x31, 0x2C, 0x20, 0xC3, 0x28, 0x5D]))
        #expect(invalid.kind == .invalidUTF8)
        #expect(invalid.offset == 4)
        #expect(invalid.message == "invalid UTF-8 byte 0xC3")

        let bom = try #require(readFailure([0xEF, 0xBB, 0xBF, 0x5B, 0x5D]))
        #expect(bom.message == "unexpected byte order mark (U+FEFF)")

        let control = try #require(readFailure("[\"a\tb\"]"))
        #expect(control.description == "unescaped control character U+0009 in string at byte 3 (line 1, column 4): control characters must be escaped")

        let nan = try #require(readFailure("[NaN]"))
        #expect(nan.description == "unexpected character 'N' at byte 1 (line 1, column 2): expected a value (NaN and Infinity are not JSON)")

        let leadingZero = try #require(readFailure("[01]"))
        #expect(leadingZero.description == "invalid number at byte 1 (line 1, column 2): leading zeros are not allowed")

        let escape = try #require(readFailure(#"["\x"]"#))
        #expect(escape.kind == .invalidEscape)
        #expect(escape.offset == 2)
        #expect(escape.message == #"invalid escape '\x'"#)
        #expect(readFailure("[\"\\\t\"]")?.message == #"invalid escape: '\' followed by character U+0009"#)
        #expect(readFailure("[\"\\🌀\"]")?.message == #"invalid escape: '\' followed by character '🌀' (U+1F300)"#)

        let garbage = try #require(readFailure("{} x"))
        #expect(garbage.kind == .trailingData)
        #expect(garbage.offset == 3)
    }

    @Test func theEntryPointsAgree() throws {
        let text = #"{"a":[1,2.5,"x"],"b":null}"#
        let bytes = Array(text.utf8)
        let fromString = try reader.read(text)
        #expect(try reader.read(bytes) == fromString)
        #expect(try bytes.withUnsafeBytes { try reader.read($0) } == fromString)
        #expect(try reader.read(bytes[...]) == fromString)
        #expect(throws: JSONError.self) { try reader.read(UnsafeRawBufferPointer(start: nil, count: 0)) }
        #expect(throws: JSONError.self) { try reader.read([UInt8]()) }
        // A substring's bytes are read from its own range.
        let framed = Array("garbage[true]garbage".utf8)
        #expect(try reader.read(framed[7..<13]) == [true])
    }
}
