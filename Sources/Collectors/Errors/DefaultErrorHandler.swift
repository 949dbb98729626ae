import CollectorValues
import Foundation

/// The error handler the engine uses unless told otherwise.
///
/// It decides by rules (the first rule that matches the error's type and
/// layer wins), then by defaults: a critical error stops, a retryable one is
/// retried, a processing or validation error dead-letters its record, the
/// rest are logged. Every error is logged and emitted as an `.error` event
/// whose data is the error plus the decision.
public final class DefaultErrorHandler: ErrorHandler {
    /// A decision for errors of a type, a layer, or both (`nil` matches any).
    public struct Rule: Sendable, Hashable {
        public var type: ErrorType?
        public var layer: Layer?
        public var decision: ErrorDecision

        public init(type: ErrorType? = nil, layer: Layer? = nil, decision: ErrorDecision) {
            self.type = type
            self.layer = layer
            self.decision = decision
        }

        func matches(_ error: ErrorInfo) -> Bool {
            (type == nil || type == error.type) && (layer == nil || layer == error.layer)
        }
    }

    /// Receives each error and the decision taken, for logging.
    public typealias Logger = @Sendable (ErrorInfo, ErrorDecision) -> Void

    public let rules: [Rule]
    private let emitter: (any EventEmitter)?
    private let logger: Logger?
    private let counts = Locked([ErrorDecision: Int]())

    /// - Parameters:
    ///   - rules: checked in order before the defaults.
    ///   - emitter: receives an `.error` event per error.
    ///   - logger: `nil` logs nothing; the default writes one line per error to standard error.
    public init(rules: [Rule] = [], emitter: (any EventEmitter)? = nil, logger: Logger? = DefaultErrorHandler.standardErrorLogger) {
        self.rules = rules
        self.emitter = emitter
        self.logger = logger
    }

    public func handle(_ error: ErrorInfo) async -> ErrorDecision {
        let decision = decide(error)
        counts.withLock { $0[decision, default: 0] += 1 }
        logger?(error, decision)
        if let emitter {
            var data = error.object
            data["decision"] = .string(decision.rawValue)
            emitter.emit(SystemEvent(.error, source: error.layer.rawValue, data: data))
        }
        return decision
    }

    /// The decision for an error, without logging or emitting it.
    public func decide(_ error: ErrorInfo) -> ErrorDecision {
        if let rule = rules.first(where: { $0.matches(error) }) { return rule.decision }
        if error.isCritical { return .stop }
        if error.isRetryable { return .retry }
        switch error.type {
        case .processing, .validation, .limit: return .deadLetter
        default: return .log
        }
    }

    /// How many errors got each decision so far.
    public var decisionCounts: [ErrorDecision: Int] { counts.withLock { $0 } }

    public static let standardErrorLogger: Logger = { error, decision in
        let line = SecretRedactor.shared.redact("[collector] \(error) -> \(decision.rawValue)\n")
        StandardError.write(line)
    }

    /// Logs each error to `sink` (an error line, or a warning when the record
    /// is only dead-lettered or retried); repeats are counted, not repeated.
    public static func logger(to sink: LogSink) -> Logger {
        { error, decision in
            let level: LogLevel = decision == .stop || error.isCritical ? .error : .warn
            guard sink.enabled(level) else { return }
            var fields: [(String, String)] = [
                ("type", error.type.rawValue), ("layer", error.layer.rawValue), ("operation", error.operation),
            ]
            for key in ["processor", "source_id", "sequence", "backend_id", "chunk", "line"] {
                if let value = error.details[key] {
                    fields.append((key, value.stringValue ?? value.intValue.map(String.init) ?? "\(value)"))
                }
            }
            fields.append(("decision", decision.rawValue))
            // The record an error is about does not make it another error: one hit by every record is counted.
            sink.log(level, error.message, fields: fields, context: ["sequence"])
        }
    }
}
