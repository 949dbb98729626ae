import CLuaSupport

/// What the Swift side knows about one state, shared by the state, the
/// Swift functions it holds and the stacks of its threads.
final class LuaContext {
    let options: LuaOptions
    let refs = LuaRefOwner()
    let runtime: LuaRuntimeMemory
    /// Tables being converted to data, outermost first (reused between conversions).
    var ancestorScratch: [UnsafeRawPointer] = []
    /// How many protected calls are running (nested through Swift functions).
    var callDepth = 0
    /// Names of the Swift object types registered in this state, by type.
    var objectTypeNames: [ObjectIdentifier: String] = [:]
    /// Budget for outermost calls that replaces the options' limits (see `LuaState.withCallLimits`).
    var callLimits: (instructions: Int?, time: Duration?)?
    /// Whether the next call, even nested in a running one, takes `callLimits` as its own budget.
    var armNestedLimits = false
    /// The JSON decoder kept between decodes (its buffers and the shape of
    /// recent records); taken out while one runs, see `LuaStack.push(json:)`.
    var jsonDecoderCache: LuaJSONDecoder?
    /// Set while an error value's `__tostring` runs (see `LuaInvocation.error(status:)`).
    var describingErrorValue = false
    /// Warnings Lua emitted (errors in `__gc`, `warn(...)`).
    var warningHandler: ((String) -> Void)?

    init(options: LuaOptions, runtime: LuaRuntimeMemory) {
        self.options = options
        self.runtime = runtime
    }

    func typeName(of type: AnyObject.Type) -> String {
        objectTypeNames[ObjectIdentifier(type)] ?? String(describing: type)
    }
}

/// The C bookkeeping of a state (allocator counts, budget, interrupt flag).
/// Kept alive by whoever may still touch it: the state and interrupt handles.
final class LuaRuntimeMemory: @unchecked Sendable {
    // @unchecked: the pointer's fields are written by the owning thread only,
    // except `interrupt_requested`, which C writes atomically.
    let pointer: UnsafeMutablePointer<cl_runtime>

    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: cl_runtime())
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}

/// Stops a running call of a state from any thread. The call fails with
/// `LuaError.Kind.interrupted`; the state stays usable.
public struct LuaInterruptHandle: Sendable {
    let runtime: LuaRuntimeMemory

    public func interrupt() {
        cl_request_interrupt(runtime.pointer)
    }
}
