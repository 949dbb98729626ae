import Testing

/// Every run of the conformance kit, one at a time: the descriptor checks
/// count the process's open files, which other runs at the same time would move.
@Suite(.serialized) struct ConformanceRuns {}
