#if canImport(Glibc)
import Glibc
#endif

/// The program's entry point (SwiftPM links an executable's `main` to this
/// symbol): it hands the command line to libFuzzer's driver, which is linked
/// in whole (`-sanitize=fuzzer`) but has to be looked up, as Swift cannot
/// declare a C function without a header.
@_cdecl("collector_fuzz_main")
func collectorFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    typealias RunDriver = @convention(c) (
        UnsafeMutablePointer<CInt>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        TestOneInput
    ) -> CInt
    guard let symbol = dlsym(nil, "LLVMFuzzerRunDriver") else {
        print("collector-fuzz: built without libFuzzer; build it with scripts/fuzz.sh")
        return 2
    }
    let runDriver = unsafeBitCast(symbol, to: RunDriver.self)
    var argc = argc
    var argv = argv
    return runDriver(&argc, &argv) { data, count in fuzzOneInput(data, count) }
}
