import Collectors
import Foundation

/// `collector cluster status URL`: the members, the leases and the lag of
/// the clusters kept in a PostgreSQL database, read in one transaction.
public enum ClusterStatus {
    /// The report, as lines of text; `cluster` limits it to one cluster.
    /// - Throws: an `ErrorInfo` when the server cannot be reached or has no cluster tables.
    public static func report(url: String, cluster: String? = nil) throws(ErrorInfo) -> String {
        let endpoint = try PostgresEndpoint(url)
        let connection = try PostgresConnection(endpoint: endpoint, backend: "cluster", connectTimeoutSeconds: 5)
        defer { connection.close() }
        let exists = try connection.execute(
            "SELECT to_regclass('\(ClusterSchema.leases)') IS NOT NULL", operation: "cluster status")
        guard exists.string(row: 0, column: 0) == "t" else {
            return "no cluster in \(endpoint.redacted) (no table \(ClusterSchema.leases): no collector has run with --cluster there)"
        }
        var filter = PostgresParameters()
        _ = filter.append(cluster ?? "")
        let members = try connection.execute(
            """
            SELECT cluster, name, host, pid, to_char(heartbeat AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   round(extract(epoch FROM now() - heartbeat)::numeric, 1),
                   (heartbeat > now() - make_interval(secs => lease_seconds)),
                   (SELECT count(*) FROM \(ClusterSchema.leases) l WHERE l.cluster = m.cluster AND l.holder = m.name AND l.expires_at > now())
            FROM \(ClusterSchema.members) m WHERE $1 = '' OR cluster = $1 ORDER BY cluster, name
            """, filter, operation: "cluster status")
        let leases = try connection.execute(
            """
            SELECT cluster, source_key, coalesce(holder, '-'), token,
                   CASE WHEN expires_at IS NULL THEN 'free'
                        WHEN expires_at <= now() THEN 'expired ' || round(extract(epoch FROM now() - expires_at)::numeric, 1) || 's ago'
                        ELSE 'in ' || round(extract(epoch FROM expires_at - now())::numeric, 1) || 's' END,
                   coalesce(round(extract(epoch FROM now() - renewed_at)::numeric, 1)::text, '-'),
                   (holder IS NOT NULL AND expires_at > now())
            FROM \(ClusterSchema.leases) WHERE $1 = '' OR cluster = $1 ORDER BY cluster, source_key
            """, filter, operation: "cluster status")
        var lines: [String] = []
        lines.append("members (\(members.rowCount)):")
        lines.append(Self.table(
            ["CLUSTER", "NAME", "HOST", "PID", "LAST HEARTBEAT", "AGE", "STATE", "LEASES"],
            (0..<members.rowCount).map { row in
                [members.string(row: row, column: 0), members.string(row: row, column: 1), members.string(row: row, column: 2),
                 members.string(row: row, column: 3), members.string(row: row, column: 4), members.string(row: row, column: 5) + "s",
                 members.string(row: row, column: 6) == "t" ? "live" : "silent", members.string(row: row, column: 7)]
            }))
        lines.append("leases (\(leases.rowCount)):")
        lines.append(Self.table(
            ["CLUSTER", "SOURCE", "HOLDER", "TOKEN", "EXPIRES", "RENEWED"],
            (0..<leases.rowCount).map { row in
                [leases.string(row: row, column: 0), leases.string(row: row, column: 1), leases.string(row: row, column: 2),
                 leases.string(row: row, column: 3), leases.string(row: row, column: 4),
                 leases.string(row: row, column: 5) == "-" ? "-" : leases.string(row: row, column: 5) + "s ago"]
            }))
        let unheld = (0..<leases.rowCount).filter { leases.string(row: $0, column: 6) != "t" }.count
        let oldest = (0..<leases.rowCount).compactMap { Double(leases.string(row: $0, column: 5)) }.max()
        var lag = "lag: \(unheld) of \(leases.rowCount) sources not held (not collected now)"
        if let oldest { lag += "; oldest renewal \(oldest)s ago" }
        lines.append(lag)
        return lines.joined(separator: "\n")
    }

    private static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.map { "  " + $0 }.joined(separator: "\n")
    }
}
