/// What a TLS client trusts.
package struct TLSOptions: Hashable, Sendable {
    /// A CA certificate file (PEM) to trust instead of the system's store.
    package var caFile: String?
    /// Verify the certificate chain and the host name (or IP); off only for tests.
    package var verify: Bool

    package init(caFile: String? = nil, verify: Bool = true) {
        self.caFile = caFile
        self.verify = verify
    }
}
