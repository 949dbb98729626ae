import CLua
import CLuaSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The body of a Swift function callable from Lua: reads its arguments from
/// the call, pushes its results and returns how many it pushed.
public typealias LuaFunctionBody = (LuaCall) throws -> Int

/// A Swift closure held by Lua (in the userdata upvalue of a C closure).
final class SwiftFunctionBox {
    let name: String
    let offset: Int32
    let body: LuaFunctionBody
    unowned(unsafe) let context: LuaContext

    init(name: String, offset: Int32, context: LuaContext, body: @escaping LuaFunctionBody) {
        self.name = name
        self.offset = offset
        self.context = context
        self.body = body
    }

    /// Runs the body and converts every outcome into a count or a CL_RAISE_* code.
    /// Nothing may raise a Lua error here: the trampoline does that after we return.
    func invoke(_ L: OpaquePointer) -> Int32 {
        let stack = LuaStack(L, context)
        let base = lua_gettop(L)
        do {
            let count = try body(LuaCall(stack: stack, functionName: name, offset: offset))
            guard count >= 0, count <= Int(lua_gettop(L)) else {
                return raise(stack, "'\(name)' returned \(count) results but pushed fewer")
            }
            return Int32(count)
        } catch let error as LuaArgumentError {
            return raise(stack, error.description)
        } catch let error as LuaCallError {
            return raise(stack, error.message)
        } catch let error as LuaError {
            // An error from Lua code this function called: pass it on unchanged.
            lua_settop(L, base)
            // A Swift error that crossed that Lua code goes on as itself.
            if error.kind == .callback, let underlying = error.underlyingError {
                stack.push(hostError: underlying, message: error.message)
                return Int32(CL_RAISE_VALUE)
            }
            // A table raised as the error goes on as a table (a copy of its data).
            switch error.value {
            case .array?, .object?:
                if (try? stack.push(data: error.value!)) != nil { return Int32(CL_RAISE_VALUE) }
            default:
                break
            }
            stack.push(string: error.message)
            return Int32(CL_RAISE_VALUE)
        } catch {
            let message = "\(name): \(error)"
            lua_settop(L, base)
            luaL_where(L, 1)
            let whereText = stack.string(at: -1) ?? ""
            lua_settop(L, base)
            stack.push(hostError: error, message: whereText + message)
            return Int32(CL_RAISE_VALUE)
        }
    }

    private func raise(_ stack: LuaStack, _ message: String) -> Int32 {
        stack.push(string: message)
        return Int32(CL_RAISE_WHERE)
    }
}

// The callbacks C uses to reach Swift; installed once per process.
enum SwiftCallbacks {
    static let installed: Void = {
        cl_install_callbacks(
            { L, box in
                Unmanaged<SwiftFunctionBox>.fromOpaque(box!).takeUnretainedValue().invoke(L!)
            },
            { box in
                Unmanaged<AnyObject>.fromOpaque(box!).release()
            },
            { runtime, message, length in
                guard let runtime, let contextPointer = runtime.assumingMemoryBound(to: cl_runtime.self).pointee.swift_context
                else { return }
                let context = Unmanaged<LuaContext>.fromOpaque(contextPointer).takeUnretainedValue()
                let text = String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self)
                if let handler = context.warningHandler { handler(text) } else {
                    writeToStandardError("Lua warning: \(text)\n")
                }
            })
    }()
}

func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
