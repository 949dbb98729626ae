import CollectorValues
import Collectors
import LuaRuntime

/// One call of a Lua `process(record, emit, meta)` function and what it means:
/// the returned table is kept, nil drops the record, each `emit(t)` adds a
/// record; an error, a limit hit or a result that is not a record fails that
/// record only. Shared by processor files and functions in scripts.
struct RecordTransform {
    let lua: LuaState
    let process: LuaFunction
    let emit: EmitFunction
    /// The `meta` each call gets, pointed at its record; nil when `process`
    /// takes no third argument (nothing is done for it per record then).
    let meta: RecordMeta?
    /// Told which record is processed, for the lines `log.*` writes.
    var origin: LogOrigin? = nil

    /// Runs `process` on each record in turn, one result per record. Kept
    /// records leave the state as JSON text (one buffer for the batch, no
    /// `DataValue` built); a result with no JSON form is converted to data.
    /// The outputs take their input's source, sequence and time.
    func run(batch inputs: [(input: RecordInput, record: Record)], errorInfo: (any Error, Record) -> ErrorInfo) -> [ProcessingResult] {
        var text = JSONTextBuffer(capacity: 160 * inputs.count)
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(inputs.count)
        // One clock read per record: each call ends where the next begins.
        var start = ContinuousClock.now
        for (input, record) in inputs {
            outcomes.append(run(input, as: record, from: &start, text: &text, errorInfo: errorInfo))
        }
        let bytes = text.bytes()[...]
        return outcomes.map { $0.result(text: bytes) }
    }

    /// One call, timed from `start` (set to its end); the kept record's text goes into `text`.
    private func run(
        _ input: RecordInput, as record: Record, from start: inout ContinuousClock.Instant, text: inout JSONTextBuffer,
        errorInfo: (any Error, Record) -> ErrorInfo
    ) -> Outcome {
        let began = start
        emit.reset()
        origin?.sourceID = record.sourceID
        origin?.sequence = record.sequence
        defer {
            origin?.sourceID = nil
            origin?.sequence = nil
        }
        do {
            let returned: TransformResult
            if let meta {
                returned = try meta.with(.record(record)) { () throws(LuaError) in
                    try lua.callTransform(process, input: input, emit.function, meta.value, text: &text)
                }
            } else {
                returned = try lua.callTransform(process, input: input, emit.function, text: &text)
            }
            if case .data(let value) = returned, let problem = ProcessOutput.problem(with: value) {
                throw LuaError(.conversion, problem)
            }
            start = .now
            let routes = emit.hasRoutes ? emit.values.indices.map { emit.route(at: $0) } : nil
            return .success(record, emitted: emit.values, routes: routes, kept: returned, time: start - began)
        } catch {
            start = .now
            let time = start - began
            if let error = error as? LuaError, let decoding = error.underlyingError as? JSONError {
                if error.kind == .conversion {
                    var info = ErrorInfo.decoding(decoding)
                    info.details["source_id"] = .string(record.sourceID)
                    return .failure(info, time: time)
                }
                if decoding.kind == .stopped {
                    // The input did not fit the state (its memory cap, the Lua
                    // stack): a failure to decode it, of that record alone.
                    var info = errorInfo(error, record)
                    info.failedOperation = .decode
                    return .failure(info, time: time)
                }
            }
            return .failure(errorInfo(error, record), time: time)
        }
    }

    /// What one call gave, before the batch's text is complete.
    private enum Outcome {
        /// `routes`: the outputs each emitted record was sent to, when `emit` was given any.
        case success(Record, emitted: [DataValue], routes: [[String]?]?, kept: TransformResult, time: Duration)
        case failure(ErrorInfo, time: Duration)

        func result(text: ArraySlice<UInt8>) -> ProcessingResult {
            switch self {
            case .failure(let error, let time):
                return .failure(error, processingTime: time)
            case .success(let record, let emitted, let routes, let kept, let time):
                let keptRecord: Record? = switch kept {
                case .none: nil
                case .text(let range): record.with(jsonText: text[range])
                case .data(let value): record.with(value: value)
                }
                if emitted.isEmpty, let keptRecord { return .success(keptRecord, processingTime: time) }
                var outputs = emitted.map { record.with(value: $0) }
                if let routes {
                    for (index, route) in routes.enumerated() where route != nil { outputs[index].route = route }
                }
                if let keptRecord { outputs.append(keptRecord) }
                return .success(outputs, processingTime: time)
            }
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
            // A table raised as the error travels as it is, when it is small.
            if let value = error.value, value != .null, let json = try? JSONWriter().bytes(value),
                json.count <= LuaError.maxMessageBytes
            {
                details["error_value"] = value
            }
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
