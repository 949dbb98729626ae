extension Pipeline {
    /// Ready while the pipeline runs with every source connected and every
    /// backend connected and not failing; otherwise the reasons, for `/ready`.
    public func readiness() async -> Readiness {
        switch status {
        case .running:
            return Readiness.all([await collection.readiness, await storage.readiness])
        case .pending:
            return .notReady("pipeline '\(name)' has not started")
        case .completed, .failed, .cancelled:
            return .notReady("pipeline '\(name)' is \(status.rawValue)")
        }
    }
}
