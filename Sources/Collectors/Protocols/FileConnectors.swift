/// A source that reads a file on this machine. With `FileWritingBackend`, it
/// lets the engine refuse a pipeline that would read its own output.
public protocol FileReadingSource: DataSource {
    /// The file it reads, as given.
    var readPath: String { get }
}

/// A backend that writes a file on this machine (see `FileReadingSource`).
public protocol FileWritingBackend: StorageBackend {
    /// The file it writes, as given.
    var writtenPath: String { get }
}
