import CMosquitto
import Foundation

/// Why a connection, a subscription or a publish failed, and whether trying
/// again may pass (a broker down, a lost connection) or not (refused
/// credentials, a TLS failure, a refused subscription).
struct MQTTFailure: Error, Sendable {
    var message: String
    var retryable: Bool

    /// A libmosquitto return code as text (errno's text for `MOSQ_ERR_ERRNO`).
    static func text(_ code: Int32) -> String {
        if code == MOSQ_ERR_ERRNO.rawValue { return String(cString: strerror(errno)) }
        return String(cString: mosquitto_strerror(code))
    }

    /// Whether a libmosquitto return code means the network, not the settings.
    static func isTransient(_ code: Int32) -> Bool {
        switch code {
        case MOSQ_ERR_NO_CONN.rawValue, MOSQ_ERR_CONN_LOST.rawValue, MOSQ_ERR_ERRNO.rawValue, MOSQ_ERR_EAI.rawValue,
            MOSQ_ERR_KEEPALIVE.rawValue:
            return true
        default:
            return false
        }
    }

    /// CONNACK reason codes a later attempt may pass (the broker busy or
    /// going down), against those that need other settings.
    static func connackRetryable(_ reason: Int32) -> Bool {
        [0x80, 0x83, 0x88, 0x89, 0x97, 0x9F].contains(reason)
    }
}

/// libmosquitto's global initialisation, once per process (not thread-safe itself).
enum MQTTLibrary {
    static let initialised: Bool = {
        mosquitto_lib_init()
        return true
    }()
}
