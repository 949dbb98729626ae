import CLua

/// The Lua release the engine was built against, such as "Lua 5.4.4".
public enum LuaVersion {
    public static var string: String { String(cString: clua_release()) }
}
