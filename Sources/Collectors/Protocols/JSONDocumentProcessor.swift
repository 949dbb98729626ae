/// A processor that decodes JSON itself, straight into its own form of a
/// record (a Lua processor decodes into Lua tables). When such a processor
/// comes first, the pipeline hands it the documents of JSON and JSON-lines
/// items undecoded, and no `DataValue` is built for its input.
public protocol JSONDocumentProcessor: Processor {
    /// One result per document, in order. A document that is not valid JSON
    /// fails with the error `ErrorInfo.decoding(_:)` makes (its type is
    /// `.validation`, its operation `decode`); the others go on.
    func process(documents: [JSONDocument]) async -> [ProcessingResult]
}
