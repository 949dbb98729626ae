/// The two tables cluster mode keeps in PostgreSQL, and the statements on them.
///
/// Everything is PostgreSQL's own: a row per source whose holder, expiry
/// and fencing token change in single statements (`FOR UPDATE SKIP LOCKED`
/// so that instances acquiring at once never wait for or take the same
/// row), and a transaction-level advisory lock around creating the tables.
enum ClusterSchema {
    static let members = "collector_cluster_members"
    static let leases = "collector_cluster_leases"

    /// Run once per connection, under an advisory lock: concurrent
    /// `CREATE TABLE IF NOT EXISTS` of the same table can fail on the catalog's unique index.
    static let create = """
        BEGIN;
        SELECT pg_advisory_xact_lock(hashtext('collector_cluster_schema'));
        CREATE TABLE IF NOT EXISTS \(members) (
          cluster text NOT NULL,
          name text NOT NULL,
          host text NOT NULL,
          pid integer NOT NULL,
          started_at timestamptz NOT NULL DEFAULT now(),
          heartbeat timestamptz NOT NULL,
          lease_seconds double precision NOT NULL,
          PRIMARY KEY (cluster, name)
        );
        CREATE TABLE IF NOT EXISTS \(leases) (
          cluster text NOT NULL,
          source_key text NOT NULL,
          pipeline text NOT NULL,
          source text NOT NULL,
          holder text,
          token bigint NOT NULL DEFAULT 0,
          acquired_at timestamptz,
          renewed_at timestamptz,
          expires_at timestamptz,
          PRIMARY KEY (cluster, source_key)
        );
        CREATE INDEX IF NOT EXISTS \(leases)_holder ON \(leases) (cluster, holder);
        COMMIT;
        """

    /// $1 cluster, $2 member, $3 host, $4 pid, $5 lease seconds.
    static let heartbeat = """
        INSERT INTO \(members) (cluster, name, host, pid, heartbeat, lease_seconds)
        VALUES ($1, $2, $3, $4::integer, now(), $5::double precision)
        ON CONFLICT (cluster, name) DO UPDATE SET heartbeat = now(), lease_seconds = EXCLUDED.lease_seconds
        """

    /// $1 cluster, $2 pipelines, $3 sources (arrays of the same length).
    static let register = """
        INSERT INTO \(leases) (cluster, source_key, pipeline, source)
        SELECT $1, p || '/' || s, p, s FROM unnest($2::text[], $3::text[]) AS u(p, s)
        ON CONFLICT (cluster, source_key) DO NOTHING
        """

    /// Every lease of a member renewed in one statement. $1 cluster, $2 member, $3 lease seconds.
    static let renew = """
        UPDATE \(leases) SET expires_at = now() + make_interval(secs => $3::double precision), renewed_at = now()
        WHERE cluster = $1 AND holder = $2 AND expires_at > now()
        RETURNING source_key, token
        """

    /// Live members and leased sources. $1 cluster, $2 lease seconds.
    static let census = """
        SELECT (SELECT count(*) FROM \(members) WHERE cluster = $1
                  AND heartbeat > now() - make_interval(secs => $2::double precision)),
               (SELECT count(*) FROM \(leases) WHERE cluster = $1)
        """

    /// Up to $4 free or expired leases among the keys $5, each with its token
    /// incremented. $1 cluster, $2 member, $3 lease seconds.
    static let acquire = """
        UPDATE \(leases) AS l
        SET holder = $2, token = l.token + 1, acquired_at = now(), renewed_at = now(),
            expires_at = now() + make_interval(secs => $3::double precision)
        FROM (
          SELECT cluster, source_key FROM \(leases)
          WHERE cluster = $1 AND source_key = ANY($5::text[]) AND (holder IS NULL OR expires_at <= now())
          ORDER BY random()
          LIMIT $4::integer
          FOR UPDATE SKIP LOCKED
        ) AS free
        WHERE l.cluster = free.cluster AND l.source_key = free.source_key
          AND (l.holder IS NULL OR l.expires_at <= now())
        RETURNING l.source_key, l.token
        """

    /// Leases of a member given back at once. $1 cluster, $2 member, $3 keys.
    static let release = """
        UPDATE \(leases) SET holder = NULL, expires_at = NULL
        WHERE cluster = $1 AND holder = $2 AND source_key = ANY($3::text[])
        """

    /// Which of the keys $4 the member still holds with at least $3 seconds to go. $1 cluster, $2 member.
    static let confirm = """
        SELECT source_key, token FROM \(leases)
        WHERE cluster = $1 AND holder = $2 AND expires_at > now() + make_interval(secs => $3::double precision)
          AND source_key = ANY($4::text[])
        """

    /// $1 cluster, $2 member.
    static let leave = "DELETE FROM \(members) WHERE cluster = $1 AND name = $2"

    /// A text array literal (`{"a","b"}`) for a `$n::text[]` parameter.
    static func array(_ values: [String]) -> String {
        let quoted = values.map { value -> String in
            var escaped = ""
            for character in value {
                if character == "\"" || character == "\\" { escaped.append("\\") }
                escaped.append(character)
            }
            return "\"" + escaped + "\""
        }
        return "{" + quoted.joined(separator: ",") + "}"
    }
}
