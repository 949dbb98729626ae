/// How a connection to a broker is made: identity, session, credentials, TLS.
public struct MQTTClientSettings: Sendable, Hashable {
    /// The client id; `nil`: the library makes a random one (then the session cannot be persistent).
    public var clientID: String?
    /// `true`: a new session at every connection. `false`: the broker keeps
    /// the session (subscriptions and the messages QoS 1/2 published while
    /// the client was away) for `sessionExpiry` seconds after a disconnection.
    public var cleanSession: Bool
    /// Seconds the broker keeps a persistent session (MQTT 5 Session Expiry Interval); `UInt32.max`: never expires.
    public var sessionExpiry: UInt32
    /// Seconds between keepalive pings; the broker drops a client silent for 1.5 times as long.
    public var keepAlive: Int
    public var username: String?
    public var password: String?
    /// A CA certificate (PEM) to trust for `mqtts://` instead of the system's.
    public var caFile: String?
    /// A client certificate and its key (PEM), for brokers that ask for one.
    public var certFile: String?
    public var keyFile: String?
    /// Accept any server certificate and host name (tests only).
    public var insecure: Bool
    /// How long the TCP connection, TLS, CONNACK and SUBACK may take together.
    public var connectTimeout: Duration

    public init(
        clientID: String? = nil, cleanSession: Bool = true, sessionExpiry: UInt32 = UInt32.max, keepAlive: Int = 30,
        username: String? = nil, password: String? = nil, caFile: String? = nil, certFile: String? = nil,
        keyFile: String? = nil, insecure: Bool = false, connectTimeout: Duration = .seconds(10)
    ) {
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.sessionExpiry = sessionExpiry
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecure = insecure
        self.connectTimeout = connectTimeout
    }
}
