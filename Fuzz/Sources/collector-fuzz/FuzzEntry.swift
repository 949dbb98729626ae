import CollectorValues
import LuaRuntime

/// libFuzzer's entry point: every input goes through every check. A check
/// that finds the engine wrong stops the process (`fatalError`), which
/// libFuzzer reports as a crash and saves the input of.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let boundary = Boundary.shared
    JSONChecks(boundary: boundary).check(bytes)
    BoundaryChecks(boundary: boundary).check(ValueRecipe(bytes).value())
    boundary.tidy()
    return 0
}
