import CollectorMocks
import CollectorSQLite
import CollectorSources
import Collectors

/// A real run with metrics: the generator's readings, through two processors
/// (one drops every tenth record, one fails every seventh of the rest), into
/// an SQLite file, with dead letters in memory.
struct MeasuredPipelineRun {
    static let records = 1000

    let registry: MetricsRegistry
    let report: PipelineReport
    let deadLetters: InMemoryDeadLetterSink

    static func run(in directory: TemporaryDirectory, registry: MetricsRegistry = MetricsRegistry()) async throws -> MeasuredPipelineRun {
        let source = GeneratorSource(id: "readings", options: .init(count: records, recordsPerItem: 50))
        let dropTenth = MockProcessor(name: "drop_tenth", transform: { $0.sequence % 10 == 0 ? .success([]) : .success($0) })
        let rejectSeventh = MockProcessor(name: "reject_seventh", failWhen: { $0.sequence % 7 == 0 })
        let storage = SQLiteStorage(id: "db", path: directory.file("readings.db"))
        let deadLetters = InMemoryDeadLetterSink()
        let pipeline = try Pipeline(
            name: "sensors", sources: [source], mode: .stream, processors: [dropTenth, rejectSeventh],
            backends: [storage], configuration: PipelineConfiguration(batchSize: 100), errorHandler: MockErrorHandler(),
            deadLetters: deadLetters,
            metrics: registry)
        let report = await pipeline.run()
        return MeasuredPipelineRun(registry: registry, report: report, deadLetters: deadLetters)
    }

    /// What the run must have stored: not dropped, not failed.
    static var expectedStored: Int {
        (1...records).filter { $0 % 10 != 0 && $0 % 7 != 0 }.count
    }

    func counter(_ name: String, _ labels: [String: String]) -> Double? {
        guard case .counter(let value) = registry.value(name, labels: labels) else { return nil }
        return value
    }
}
