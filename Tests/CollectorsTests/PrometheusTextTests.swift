import Collectors
import Testing

@Suite("Prometheus text exposition")
struct PrometheusTextTests {
    @Test func rendersFamiliesInOrderWithEscaping() throws {
        let registry = MetricsRegistry()
        let requests = try registry.counter(
            "b_requests_total", help: "Requests with a \\ and a\nnew line.", labels: ["path", "code"])
        try requests.labels("/b", "200").increment(by: 3)
        try requests.labels("/a", "500").increment()
        try requests.labels("quote \" back \\ line\nend", "200").increment(by: 2)
        try registry.gauge("a_temperature", help: "Degrees.").labels().set(-1.5)
        _ = try registry.gauge("c_unused", help: "No series yet.", labels: ["x"])
        let latency = try registry.histogram("d_latency_seconds", help: "Latency.", labels: ["op"], buckets: [0.005, 0.5, 1])
        let read = try latency.labels("read")
        read.observe(0.00390625)
        read.observe(0.75)
        read.observe(2)

        #expect(
            registry.render() == """
                # HELP a_temperature Degrees.
                # TYPE a_temperature gauge
                a_temperature -1.5
                # HELP b_requests_total Requests with a \\\\ and a\\nnew line.
                # TYPE b_requests_total counter
                b_requests_total{path="/a",code="500"} 1
                b_requests_total{path="/b",code="200"} 3
                b_requests_total{path="quote \\" back \\\\ line\\nend",code="200"} 2
                # HELP d_latency_seconds Latency.
                # TYPE d_latency_seconds histogram
                d_latency_seconds_bucket{op="read",le="0.005"} 1
                d_latency_seconds_bucket{op="read",le="0.5"} 1
                d_latency_seconds_bucket{op="read",le="1"} 2
                d_latency_seconds_bucket{op="read",le="+Inf"} 3
                d_latency_seconds_sum{op="read"} 2.75390625
                d_latency_seconds_count{op="read"} 3

                """)
    }

    @Test func valuesAreWrittenAsPrometheusReadsThem() throws {
        let registry = MetricsRegistry()
        let family = try registry.gauge("v", help: "Values.", labels: ["k"])
        let cases: [(String, Double, String)] = [
            ("a", 0, "0"), ("b", -0.0, "0"), ("c", 12, "12"), ("d", 0.005, "0.005"), ("e", 1e-5, "1e-05"),
            ("f", .infinity, "+Inf"), ("g", -.infinity, "-Inf"), ("h", .nan, "NaN"), ("i", 1e20, "1e+20"),
            ("j", 2.5, "2.5"),
        ]
        for (label, value, _) in cases { try family.labels(label).set(value) }
        let lines = registry.render().split(separator: "\n").dropFirst(2)
        #expect(lines.map(String.init) == cases.map { "v{k=\"\($0.0)\"} \($0.2)" })
    }

    @Test func theDefaultBucketsSuitLatenciesInSeconds() throws {
        let registry = MetricsRegistry()
        let histogram = try registry.histogram("x_seconds", help: "X.").labels()
        histogram.observe(.microseconds(300))
        let text = registry.render()
        #expect(text.contains("x_seconds_bucket{le=\"0.0005\"} 1\n"))
        #expect(text.contains("x_seconds_bucket{le=\"10\"} 1\n"))
        #expect(text.contains("x_seconds_bucket{le=\"+Inf\"} 1\n"))
        #expect(Histogram.defaultBuckets.count == 14)
    }

    @Test func theContentTypeIsTheTextFormat004() {
        #expect(PrometheusText.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }
}
