import CLua
import CLuaSupport

/// A Swift error on its way through Lua.
///
/// A Swift function that throws raises this into Lua as a userdata holding
/// the error (see `cl_push_host_error`), so that a call failing with it
/// gives Swift back the same error, its type intact (`LuaError.underlyingError`),
/// however many Lua frames it crossed. To a script it reads as its message:
/// `tostring`, `..`, string methods, and reading it as data or as a string
/// argument all give the message.
final class HostError {
    let error: any Error
    let message: String

    init(_ error: any Error, message: String) {
        self.error = error
        self.message = message
    }
}

extension LuaStack {
    /// Pushes `error` as a host error whose message is `message`.
    func push(hostError error: any Error, message: String) {
        push(string: message)
        cl_push_host_error(L, Unmanaged.passRetained(HostError(error, message: message)).toOpaque())
    }

    /// The host error at `index`, when the value is one.
    func hostError(at index: Int32) -> HostError? {
        guard let box = cl_to_host_error(L, index) else { return nil }
        return Unmanaged<HostError>.fromOpaque(box).takeUnretainedValue()
    }
}
