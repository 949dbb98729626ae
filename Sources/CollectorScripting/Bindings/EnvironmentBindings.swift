import LuaRuntime

/// `env(name [, default])`: a variable of the environment (after `--set`
/// and the env file), typed by its default: a number default makes the
/// value a number (an integer if the default is one), a boolean default
/// reads `true/false/1/0/yes/no/on/off`; anything that does not parse is an
/// error naming the variable. A missing variable gives the default (nil
/// without one); an empty one counts as missing.
enum EnvironmentBindings {
    static func install(in lua: LuaState, environment: ScriptEnvironment) throws {
        try lua.register("env") { call in
            let name = try call.string(1)
            let fallback = call.value(2)
            guard let text = environment[name], !text.isEmpty else {
                try call.push(fallback)
                return 1
            }
            switch fallback {
            case .integer:
                if let value = Int64(text.trimmingCharacters(in: .whitespaces)) {
                    try call.push(value)
                } else if let value = Double(text.trimmingCharacters(in: .whitespaces)) {
                    try call.push(value)
                } else {
                    throw LuaCallError("env: \(name) is '\(text.prefix(40))', expected a number")
                }
            case .number:
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
                    throw LuaCallError("env: \(name) is '\(text.prefix(40))', expected a number")
                }
                try call.push(value)
            case .boolean:
                switch text.lowercased().trimmingCharacters(in: .whitespaces) {
                case "true", "1", "yes", "on": try call.push(true)
                case "false", "0", "no", "off": try call.push(false)
                default: throw LuaCallError("env: \(name) is '\(text.prefix(40))', expected true or false")
                }
            default:
                try call.push(text)
            }
            return 1
        }
    }
}
