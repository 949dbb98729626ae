import CollectorValues
import Collectors
import LuaRuntime

/// One call of a Lua `process(record, emit)` function and what it means:
/// the returned table is kept, nil drops the record, each `emit(t)` adds a
/// record; an error, a limit hit or a result that is not a record fails that
/// record only. Shared by processor files and functions in scripts.
struct RecordTransform {
    let lua: LuaState
    let process: LuaFunction
    let emit: EmitFunction
    /// Told which record is processed, for the lines `log.*` writes.
    var origin: LogOrigin? = nil

    /// Runs `process` on `input` (a `DataValue`, or `JSONText` decoded straight
    /// into Lua); the outputs take `record`'s source, sequence and time.
    func run(_ input: some LuaPushable, as record: Record, errorInfo: (any Error) -> ErrorInfo) -> ProcessingResult {
        let start = ContinuousClock.now
        emit.reset()
        origin?.sourceID = record.sourceID
        origin?.sequence = record.sequence
        defer {
            origin?.sourceID = nil
            origin?.sequence = nil
        }
        do {
            let returned = try lua.callTransform(process, input: input, emit.function)
            var outputs: [Record] = emit.values.map { record.with(value: $0) }
            if let returned {
                guard case .object = returned else {
                    throw LuaError(.conversion, "process must return a table with fields or nil, got \(returned.typeName)")
                }
                outputs.append(record.with(value: returned))
            }
            return .success(outputs, processingTime: ContinuousClock.now - start)
        } catch {
            if let decoding = (error as? LuaError)?.underlyingError as? JSONError {
                var info = ErrorInfo.decoding(decoding)
                info.details["source_id"] = .string(record.sourceID)
                return .failure(info, processingTime: ContinuousClock.now - start)
            }
            return .failure(errorInfo(error), processingTime: ContinuousClock.now - start)
        }
    }

    /// A processing error with what the Lua error says (message, traceback, chunk, line).
    static func errorInfo(_ error: any Error, processor: String, scriptHash: String?, record: Record?) -> ErrorInfo {
        var details: DataObject = ["processor": .string(processor)]
        if let scriptHash { details["script_hash"] = .string(scriptHash) }
        var type = ErrorType.processing
        let message: String
        if let error = error as? LuaError {
            message = error.message
            if let traceback = error.traceback { details["traceback"] = .string(traceback) }
            if let chunk = error.chunkName { details["chunk"] = .string(chunk) }
            if let line = error.line { details["line"] = .integer(Int64(line)) }
            details["lua_error"] = .string(error.kind.rawValue)
            if [.limit, .memory, .interrupted].contains(error.kind) { type = .limit }
        } else {
            message = String(describing: error)
        }
        if let record {
            details["source_id"] = .string(record.sourceID)
            details["sequence"] = .integer(Int64(bitPattern: record.sequence))
        }
        return ErrorInfo(type, layer: .processing, operation: "process", message: message, details: details)
    }
}
