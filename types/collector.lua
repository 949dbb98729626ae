---@meta collector
-- DataCollector's Lua API, for the Lua language server (LuaLS): completion,
-- hover documentation and type checks in editors. Definitions only: nothing
-- here runs. The reference is docs/lua-api.md.
--
-- In this repository .luarc.json already points the server here. In a
-- project of your own, copy this file (or point at it) and add its folder to
-- "workspace.library" in your .luarc.json.
--
-- Pipeline scripts see every global below. Processor files (processor.file)
-- run sandboxed and see only json, time, log, metrics and null, besides the
-- standard library without io, debug, dofile and loadfile, and with
-- os.clock, os.time and os.date only.

-- ---------------------------------------------------------------------------
-- Units and values

---A duration: "250ms", "10s", "1m", "1h" (decimals allowed: "1.5s"), or a number of seconds.
---@alias collector.Duration string|number

---A size: "512B", "64KB", "5MB", "1GB" (1 KB = 1024 bytes), or a number of bytes.
---@alias collector.Size string|integer

---How a payload is read: one JSON document per item, one record per line, text, CSV, or raw bytes.
---@alias collector.Format "json"|"jsonl"|"text"|"csv"|"binary"

---A record: a table of fields (what JSON objects become). Integers stay integers,
---`null` is the value `null`, arrays and objects keep their kind.
---@alias collector.Record table<string, any>

---JSON's null (the same value as `json.null`); distinct from nil, which means "absent".
---@class collector.Null

---@type collector.Null
null = nil

-- ---------------------------------------------------------------------------
-- Sources: source.*

---A native source (a userdata). `tostring(src)` describes it without tokens or URL queries.
---@class collector.Source
---@field id string the source's id (unique in a pipeline)
local Source = {}

---What `src:collect()` returns.
---@class collector.Collected
---@field source_id string
---@field format collector.Format
---@field data any the decoded JSON value (a list for a multi-line jsonl item), or the text
---@field metadata table<string, any> transport details: HTTP status, content type, offset ...

---Collects one item now (connecting on first use), for one-off scripts.
---Collecting past the end is an error.
---@return collector.Collected
function Source:collect() end

-- BEGIN GENERATED source connectors: from the connectors' schemas by scripts/gen-api-reference.sh; do not edit
---@class collector.SourceGeneratorOptions
---@field id? string the source's id, unique in a pipeline (default "generator-1", ...)
---@field count? integer records in all (default endless)
---@field seed? integer the same seed gives the same readings (default 20251128)
---@field rate? number records per second (default as fast as possible)
---@field batch? integer records per collected item (default 100, or 1 with a `rate`)

---@class collector.SourceFileOptions
---@field id? string the source's id, unique in a pipeline (default "file-1", ...)
---@field path string the file to read (relative to the working directory), or a pattern of files (`*`, `?`, `[abc]`, `**`), read in name order
---@field mode? "lines"|"whole" an item per line, or the whole file as one (default "lines")
---@field format? collector.Format how items are decoded (default `"json"` with `mode = "whole"`) (default "jsonl")
---@field delimiter? string with `format = "csv"`: the one character between fields (default ",")
---@field columns? string[] with `format = "csv"`: the column names, when the data has no header row (default: the first row names them)
---@field csv_types? boolean with `format = "csv"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings) (default false)
---@field split? string|boolean with `format = "json"`: one record per element of the array at this dotted path (`"data.items"`), or of the payload itself with `true`
---@field multiline? { start: string?, continue: string?, max_lines: integer?, max_bytes: collector.Size?, timeout: collector.Duration? } lines merged into records (joined with "\n"): `start` (a line matching it begins a record) or `continue` (a line matching it joins the one before), Lua patterns (as in `string.match`; not `%b`, `%f` or back references); `max_lines` (500) and `max_bytes` ("1MB") bound a record, `timeout` ("1s") hands on the last one of a followed file when no line follows; with `jsonl`, a record is one JSON document (see [sources/file.md](sources/file.md))

---@class collector.SourceFollowOptions
---@field id? string the source's id, unique in a pipeline (default "follow-1", ...)
---@field path string the file to follow, or a pattern of files (`*`, `?`, `[abc]`, `**`), each followed with its own position, new ones picked up (see [sources/follow.md](sources/follow.md))
---@field position_file? string where the position is kept across runs, by file identity (one entry per file with a pattern); saved once the lines before it are stored; a file rotated while the collector was stopped is finished from its rotated name beside it (`NAME.1`, `NAME-DATE`) first, and a loss is reported as a dead letter (see [sources/follow.md](sources/follow.md))
---@field poll? collector.Duration how often the file is looked at (default "250ms")
---@field start? "beginning"|"end" where a file without a saved position is read from (default "beginning")
---@field format? collector.Format how the payload is decoded (default "jsonl")
---@field delimiter? string with `format = "csv"`: the one character between fields (default ",")
---@field columns? string[] with `format = "csv"`: the column names, when the data has no header row (default: the first row names them)
---@field csv_types? boolean with `format = "csv"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings) (default false)
---@field multiline? { start: string?, continue: string?, max_lines: integer?, max_bytes: collector.Size?, timeout: collector.Duration? } lines merged into records (joined with "\n"): `start` (a line matching it begins a record) or `continue` (a line matching it joins the one before), Lua patterns (as in `string.match`; not `%b`, `%f` or back references); `max_lines` (500) and `max_bytes` ("1MB") bound a record, `timeout` ("1s") hands on the last one of a followed file when no line follows; with `jsonl`, a record is one JSON document (see [sources/file.md](sources/file.md))

---@class collector.SourceStdinOptions
---@field id? string the source's id, unique in a pipeline (default "stdin-1", ...)
---@field format? collector.Format how the payload is decoded (default "jsonl")
---@field delimiter? string with `format = "csv"`: the one character between fields (default ",")
---@field columns? string[] with `format = "csv"`: the column names, when the data has no header row (default: the first row names them)
---@field csv_types? boolean with `format = "csv"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings) (default false)

---@class collector.SourceCommandOptions
---@field id? string the source's id, unique in a pipeline (default "command-1", ...)
---@field command string[] the program, then its arguments, e.g. `{ "tail", "-n", "5", "log" }`
---@field cwd? string the program's working directory
---@field env? table<string, string> the program's environment (default inherited)
---@field format? collector.Format how the payload is decoded (default "jsonl")
---@field delimiter? string with `format = "csv"`: the one character between fields (default ",")
---@field columns? string[] with `format = "csv"`: the column names, when the data has no header row (default: the first row names them)
---@field csv_types? boolean with `format = "csv"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings) (default false)

---@class collector.SourceHttpOptions
---@field id? string the source's id, unique in a pipeline (default "http-1", ...)
---@field url string http or https URL
---@field token? string sent as `Authorization: Bearer ...`
---@field every? collector.Duration time between polls (one poll with --once) (default "60s")
---@field headers? table<string, string> request headers
---@field method? "GET"|"POST"|"PUT" the request method (default "GET")
---@field body? string|table POST/PUT only: a string sent as it is, or a table sent as JSON with `Content-Type: application/json` unless `headers` set one
---@field query? table<string, string|number|boolean> strings, numbers or booleans added to the URL's query, percent-encoded
---@field timeout? collector.Duration each wait for the server (default "30s")
---@field connect_timeout? collector.Duration how long connecting may take (default "10s")
---@field total_timeout? collector.Duration the whole request (default "120s")
---@field ca_file? string a CA certificate (PEM) to trust instead of the system's
---@field verify_tls? boolean check the server's certificate (default true)
---@field max_response_size? collector.Size a larger response is an error (default "10MB")
---@field conditional? boolean ETag/Last-Modified: unchanged data is not collected twice (default true)
---@field validate_utf8? boolean a body that is not UTF-8 is a failed record (default true)
---@field max_retry_after? collector.Duration the longest `Retry-After` waited for (default "300s")
---@field pagination? "none"|"link"|"cursor"|"page" `"link"`: follow `Link: <...>; rel="next"`; `"cursor"`: the next cursor at `cursor_field`; `"page"`: page numbers until a page whose items are empty (see [sources/http.md](sources/http.md)) (default "none")
---@field cursor_field? string with `"cursor"` (required): the dotted path of the next cursor in the JSON body
---@field cursor_param? string with `"cursor"`: the query parameter the cursor is sent as (default "cursor")
---@field page_param? string with `"page"`: the query parameter of the page number (default "page")
---@field page_start? integer with `"page"`: the first page's number (default 1)
---@field page_items? string with `"page"`: the dotted path of a page's item array (default: the body)
---@field max_pages? integer pages read per poll (default 100)
---@field jitter? number a random part of `every` added to each wait, as a fraction of it (default 0.1)
---@field reconnect? collector.Duration the first wait before a failed poll is tried again (default "1s")
---@field reconnect_max? collector.Duration the cap of that backoff (default "60s")
---@field reconnect_attempts? integer failed attempts in a row before the source gives up and its pipeline fails; 0: never (default 10)
---@field proxy? string|false `"http://[user:password@]host:port"`, or `false`: none; default: `http_proxy`/`https_proxy`/`no_proxy` as curl reads them, never for loopback (see [Proxies](sources/http.md#proxies))
---@field format? collector.Format how the payload is decoded (default "json")
---@field delimiter? string with `format = "csv"`: the one character between fields (default ",")
---@field columns? string[] with `format = "csv"`: the column names, when the data has no header row (default: the first row names them)
---@field csv_types? boolean with `format = "csv"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings) (default false)
---@field split? string|boolean with `format = "json"`: one record per element of the array at this dotted path (`"data.items"`), or of the payload itself with `true`

---@class collector.SourceSseOptions
---@field id? string the source's id, unique in a pipeline (default "sse-1", ...)
---@field url string http or https URL of a text/event-stream
---@field token? string sent as `Authorization: Bearer ...`
---@field headers? table<string, string> request headers
---@field last_event_id? string sent as Last-Event-ID on the first connection (resume after it)
---@field reconnect? collector.Duration the first wait before reconnecting (the server's `retry:` wins) (default "3s")
---@field reconnect_max? collector.Duration the cap of that backoff (default "60s")
---@field reconnect_attempts? integer failed attempts in a row before the source gives up and its pipeline fails; 0: never (default 10)
---@field max_event_size? collector.Size larger events are dropped (default "1MB")
---@field idle_timeout? collector.Duration a connection silent this long is reconnected (default "5m")
---@field ca_file? string a CA certificate (PEM) to trust instead of the system's
---@field proxy? string|false `"http://[user:password@]host:port"`, or `false`: none; default: `http_proxy`/`https_proxy`/`no_proxy` as curl reads them, never for loopback (see [Proxies](sources/http.md#proxies))
---@field format? collector.Format how the payload is decoded (default "json")
---@field delimiter? string with `format = "csv"`: the one character between fields (default ",")
---@field columns? string[] with `format = "csv"`: the column names, when the data has no header row (default: the first row names them)
---@field csv_types? boolean with `format = "csv"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings) (default false)
---@field split? string|boolean with `format = "json"`: one record per element of the array at this dotted path (`"data.items"`), or of the payload itself with `true`

---@class collector.SourceWebsocketOptions
---@field id? string the source's id, unique in a pipeline (default "websocket-1", ...)
---@field url string ws or wss URL
---@field token? string sent as `Authorization: Bearer ...` with the handshake; never shown
---@field headers? table<string, string> extra handshake headers
---@field subscribe? string a text message sent after each (re)connection
---@field max_message_size? collector.Size larger messages close the connection (default "16MB")
---@field reconnect? collector.Duration the first wait before reconnecting (default "1s")
---@field reconnect_max? collector.Duration the cap of that backoff (default "60s")
---@field reconnect_attempts? integer failed attempts in a row before the source gives up and its pipeline fails; 0: never (default 10)
---@field ca_file? string a CA certificate (PEM) to trust instead of the system's
---@field verify_tls? boolean check the server's certificate (default true)
---@field proxy? string|false `"http://[user:password@]host:port"`, or `false`: none; default: `http_proxy`/`https_proxy`/`no_proxy` as curl reads them, never for loopback (see [Proxies](sources/http.md#proxies))
---@field format? collector.Format how text messages are decoded (binary messages are bytes) (default "json")
---@field delimiter? string with `format = "csv"`: the one character between fields (default ",")
---@field columns? string[] with `format = "csv"`: the column names, when the data has no header row (default: the first row names them)
---@field csv_types? boolean with `format = "csv"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings) (default false)
---@field split? string|boolean with `format = "json"`: one record per element of the array at this dotted path (`"data.items"`), or of the payload itself with `true`

---@class collector.SourceMqttOptions
---@field id? string the source's id, unique in a pipeline (default "mqtt-1", ...)
---@field url string `mqtt://host:port` (default port 1883) or `mqtts://host:port` (TLS, default port 8883)
---@field client_id? string the client id; needed with `clean_session = false` (default: a random one)
---@field username? string the user name given to the broker (overrides one in the URL)
---@field password? string the password given to the broker; never shown
---@field keepalive? collector.Duration how often the client pings the broker when nothing else is sent (default "30s")
---@field connect_timeout? collector.Duration how long connecting (TCP, TLS, CONNACK, SUBACK) may take (default "10s")
---@field ca_file? string with `mqtts://`: a CA certificate (PEM) to trust instead of the system's
---@field cert_file? string with `mqtts://`: a client certificate (PEM), with `key_file`
---@field key_file? string with `mqtts://`: the client certificate's private key (PEM, unencrypted)
---@field insecure? boolean with `mqtts://`: accept any server certificate and host name (for tests only) (default false)
---@field topics string[] topic filters to subscribe to (`+` and `#` wildcards)
---@field qos? integer quality of service: 0 at most once, 1 at least once, 2 exactly once (between client and broker) (default 1)
---@field clean_session? boolean `false`: the broker keeps the session (subscriptions, QoS 1/2 messages published while the collector is away) for this `client_id` (default true)
---@field session_expiry? collector.Duration with `clean_session = false`: how long the broker keeps the session after a disconnection (default: for ever)
---@field share_group? string subscribe as `$share/GROUP/topic`: the collectors of one group split the messages
---@field inbox? integer messages received and not yet taken by the pipeline, at most (acknowledged to the broker already; see the guarantees) (default 100)
---@field reconnect? collector.Duration the first wait before reconnecting (default "1s")
---@field reconnect_max? collector.Duration the cap of that backoff (default "60s")
---@field reconnect_attempts? integer failed attempts in a row before the source gives up and its pipeline fails; 0: never (default 10)
---@field format? collector.Format how a message's payload is decoded (default "json")
---@field delimiter? string with `format = "csv"`: the one character between fields (default ",")
---@field columns? string[] with `format = "csv"`: the column names, when the data has no header row (default: the first row names them)
---@field csv_types? boolean with `format = "csv"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings) (default false)
---@field split? string|boolean with `format = "json"`: one record per element of the array at this dotted path (`"data.items"`), or of the payload itself with `true`

---@class collector.SourceKafkaOptions
---@field id? string the source's id, unique in a pipeline (default "kafka-1", ...)
---@field brokers string|string[] the bootstrap brokers: `"host:port"`, `"h1:9092,h2:9092"` or a list
---@field security_protocol? "plaintext"|"ssl"|"sasl_plaintext"|"sasl_ssl" how to talk to the brokers (default "plaintext")
---@field sasl_mechanism? "PLAIN"|"SCRAM-SHA-256"|"SCRAM-SHA-512" with `sasl_*`: how to authenticate
---@field username? string the SASL user name
---@field password? string the SASL password (never shown in `tostring`, errors or logs)
---@field ca_file? string with `ssl`/`sasl_ssl`: a CA certificate (PEM) to trust instead of the system's
---@field cert_file? string a client certificate (PEM), for TLS client authentication
---@field key_file? string the client certificate's key (PEM)
---@field properties? table<string, string> librdkafka properties passed as they are (`{ ["fetch.max.bytes"] = "1048576" }`), after the options above; an unknown one is an error
---@field topics string|string[] the topics to read (a name or a list)
---@field group string the consumer group (`group.id`); members share the partitions
---@field start? "committed"|"earliest"|"latest" where a partition is read from when first assigned in a run: the group's committed offset (else the earliest), or its earliest or latest offset whatever was committed (default "committed")
---@field format? collector.Format how a message's value is decoded (default "json")
---@field revoke_wait? collector.Duration how long a rebalance, and a stop, wait for the records read from a partition to be stored before letting it go (default "10s")
---@field buffer? integer messages read ahead of the pipeline, at most (default 1000)
---@field stop_at_end? boolean end once every partition assigned is read to its end, instead of waiting for more (default false (true with --once))
---@field delimiter? string with `format = "csv"`: the one character between fields (default ",")
---@field columns? string[] with `format = "csv"`: the column names, when the data has no header row (default: the first row names them)
---@field csv_types? boolean with `format = "csv"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings) (default false)
---@field split? string|boolean with `format = "json"`: one record per element of the array at this dotted path (`"data.items"`), or of the payload itself with `true`

---The native sources. An unknown type or option is an error naming it.
source = {}

---The canonical workload's sensor readings, deterministic for a seed.
---@param options? collector.SourceGeneratorOptions
---@return collector.Source
function source.generator(options) end

---A file, or every file a pattern matches, read once to its end (by lines or whole); gzip files are inflated.
---@param options collector.SourceFileOptions
---@return collector.Source
function source.file(options) end

---A file, or every file a pattern matches, followed as it grows (like tail -F), across rotations and restarts.
---@param options collector.SourceFollowOptions
---@return collector.Source
function source.follow(options) end

---The collector's standard input, until it ends.
---@param options? collector.SourceStdinOptions
---@return collector.Source
function source.stdin(options) end

---A program's standard output, until it exits.
---@param options collector.SourceCommandOptions
---@return collector.Source
function source.command(options) end

---An HTTP API, polled on an interval, with pagination; with --once, one poll, every page of it (see [sources/http.md](sources/http.md)).
---@param options collector.SourceHttpOptions
---@return collector.Source
function source.http(options) end

---A server-sent events stream (text/event-stream), reconnected with Last-Event-ID.
---@param options collector.SourceSseOptions
---@return collector.Source
function source.sse(options) end

---The messages of a WebSocket (RFC 6455), reconnected when lost.
---@param options collector.SourceWebsocketOptions
---@return collector.Source
function source.websocket(options) end

---The messages of MQTT topics (MQTT 5, libmosquitto): QoS 0-2, persistent sessions, shared subscriptions, TLS; topic, qos and retain in each item's metadata (see [sources/mqtt.md](sources/mqtt.md)).
---@param options collector.SourceMqttOptions
---@return collector.Source
function source.mqtt(options) end

---Kafka topics read as a consumer-group member (librdkafka); offsets committed once the records before them are stored (see [sources/kafka.md](sources/kafka.md)).
---@param options collector.SourceKafkaOptions
---@return collector.Source
function source.kafka(options) end
-- END GENERATED source connectors

-- ---------------------------------------------------------------------------
-- Storage: storage.*

---A storage backend (a userdata). `tostring(db)` describes it.
---@class collector.Storage
---@field id string the backend's id: the summary's and the report's name for it
local Storage = {}

---@class collector.QueryOptions
---@field filters? table<string, any> equality on top-level fields, all of which must match
---@field sort_by? string
---@field order? "asc"|"desc"
---@field limit? integer
---@field offset? integer

---The stored records that match (connecting on first use), for one-off scripts.
---Under `collector check`: connects nothing and returns an empty list.
---@param options? collector.QueryOptions
---@return collector.Record[]
function Storage:query(options) end

---How many records the backend holds (0 under `collector check`, which connects nothing).
---@return integer
function Storage:count() end

---What a typed column holds: strings, integers (a float is refused), numbers
---(stored as floats), booleans, or any value as JSON (jsonb in PostgreSQL).
---@alias collector.ColumnKind "text"|"integer"|"real"|"boolean"|"json"

---One column of a typed table: `{ "sensor_id", "text", required = true }`.
---@class collector.Column
---@field [1] string the column's name (or name = ...): letters, digits and _
---@field [2] collector.ColumnKind the column's kind (or kind = ...)
---@field name? string the column's name, when not given first
---@field kind? collector.ColumnKind the column's kind, when not given second
---@field required? boolean NOT NULL: a record without the field (or with null in it) is refused
---@field field? string the record field that feeds the column (default: the column's name)
---@field sql_type? string the SQL type to declare instead of the kind's, e.g. "VARCHAR(40)"

-- BEGIN GENERATED storage connectors: from the connectors' schemas by scripts/gen-api-reference.sh; do not edit
---@class collector.StorageSqliteOptions
---@field id? string the backend's id: the summary's and the report's name for it (default "sqlite:PATH")
---@field path string the database file
---@field table? string the table (default "records")
---@field layout? "document"|"readings" `"document"`: one JSON document per row; `"readings"`: the typed columns of the canonical workload's `readings` table; default `"readings"` when `table = "readings"`, else `"document"`
---@field columns? collector.Column[] a typed table of the script's own, one column per entry, in order: `{ { "name", "kind", required = true, field = "...", sql_type = "..." }, ... }`; not with `layout` (see [Typed tables](#typed-tables-columns))
---@field max_size? collector.Size a cap on the file's size
---@field record_ids? boolean a record is stored once however often it comes (replayed from the spool, a followed file's line read again after a crash; see [operations.md](operations.md#storing-a-record-once-record-ids)). In a typed table they cost a 16-byte column and a unique index (see [performance.md](performance.md#what-record-ids-cost)); `false` leaves them out, for a load into a fresh file that is never replayed (with a spool, the script logs a warning) (default true)
---@field key? string[] record fields that identify a record (`{ "order_id" }`): a record whose key is stored already updates its row or is skipped (`on_conflict`), with a unique index on the key; a record without a key field (or with `null` there) is dead-lettered (see [Natural keys](#natural-keys-key))
---@field on_conflict? "update"|"ignore" with `key`: `"update"` replaces the stored row's values (of two records of one batch with the same key, the later wins); `"ignore"` keeps the stored row and skips the record (default "update")

---@class collector.StorageJsonlOptions
---@field id? string the backend's id: the summary's and the report's name for it (default "jsonl:PATH")
---@field path string the file
---@field sync? "batch"|"record"|"never" when to fsync (default "batch")
---@field max_file_size? collector.Size rotate past this size
---@field max_files? integer rotated files kept

---@class collector.StorageMemoryOptions
---@field id? string the backend's id: the summary's and the report's name for it (default "memory-1", ...)

---@class collector.StoragePostgresOptions
---@field id? string the backend's id: the summary's and the report's name for it (default "postgres-1", ...)
---@field url? string `postgresql://user:password@host:port/db`; the password never shows in `tostring`, errors or logs (default `DATABASE_URL`)
---@field table? string the table (default "records")
---@field layout? "document"|"readings" `"document"`: a `jsonb` column; `"readings"`: typed columns, as for SQLite
---@field columns? collector.Column[] a typed table of the script's own, one column per entry, in order: `{ { "name", "kind", required = true, field = "...", sql_type = "..." }, ... }`; not with `layout` (see [Typed tables](#typed-tables-columns))
---@field connect_timeout? collector.Duration how long connecting may take (default "10s")
---@field batch_method? "copy"|"insert" `"copy"`: `COPY` into a temporary table, then `INSERT ... SELECT`; `"insert"`: multi-row `INSERT`s (default "copy")
---@field rows_per_statement? integer rows per `INSERT` with `"insert"` (default 1000)
---@field key? string[] record fields that identify a record (`{ "order_id" }`): a record whose key is stored already updates its row or is skipped (`on_conflict`), with a unique index on the key; a record without a key field (or with `null` there) is dead-lettered (see [Natural keys](#natural-keys-key))
---@field on_conflict? "update"|"ignore" with `key`: `"update"` replaces the stored row's values (of two records of one batch with the same key, the later wins); `"ignore"` keeps the stored row and skips the record (default "update")

---@class collector.StorageNullOptions
---@field id? string the backend's id: the summary's and the report's name for it (default "null-1", ...)

---@class collector.StorageConsoleOptions
---@field id? string the backend's id: the summary's and the report's name for it (default "console-1", ...)
---@field format? "json"|"pretty"|"logfmt" `"json"`: a line of compact JSON per record; `"pretty"`: indented JSON; `"logfmt"`: a line of `key=value` pairs (default "json")
---@field stream? "stdout"|"stderr" where the records go (default "stdout")

---@class collector.StorageHttpOptions
---@field id? string the backend's id: the summary's and the report's name for it (default "http-1", ...)
---@field url string http or https URL
---@field format? "ndjson"|"json" the body: one JSON line per record, or a JSON array (default "ndjson")
---@field gzip? boolean compress the body (`Content-Encoding: gzip`) (default false)
---@field token? string sent as `Authorization: Bearer ...`
---@field basic? { user: string, password: string } `{ user =, password = }`: basic authentication (not with `token`)
---@field headers? table<string, string> request headers
---@field ca_file? string a CA certificate (PEM) to trust instead of the system's
---@field verify_tls? boolean check the server's certificate (default true)
---@field timeout? collector.Duration one POST (default "30s")
---@field connect_timeout? collector.Duration how long connecting may take (default "10s")
---@field retries? integer tries again of a batch that failed in a way that may pass, before the spool (default 3)
---@field retry_delay? collector.Duration the first wait before a retry (default "500ms")
---@field max_retry_delay? collector.Duration the cap of that backoff (default "30s")
---@field max_retry_after? collector.Duration the longest `Retry-After` (429, 503) waited for (default "300s")
---@field idempotency_header? string|false the header carrying a key made from the batch's record ids (the same on every retry); `false`: none (default "Idempotency-Key")
---@field proxy? string|false `"http://[user:password@]host:port"`, or `false`: none; default: `http_proxy`/`https_proxy`/`no_proxy` as curl reads them, never for loopback (see [Proxies](sources/http.md#proxies))

---@class collector.StorageMqttOptions
---@field id? string the backend's id: the summary's and the report's name for it (default "mqtt-1", ...)
---@field url string `mqtt://host:port` (default port 1883) or `mqtts://host:port` (TLS, default port 8883)
---@field client_id? string the client id (default: a random one)
---@field username? string the user name given to the broker (overrides one in the URL)
---@field password? string the password given to the broker; never shown
---@field keepalive? collector.Duration how often the client pings the broker when nothing else is sent (default "30s")
---@field connect_timeout? collector.Duration how long connecting (TCP, TLS, CONNACK, SUBACK) may take (default "10s")
---@field ca_file? string with `mqtts://`: a CA certificate (PEM) to trust instead of the system's
---@field cert_file? string with `mqtts://`: a client certificate (PEM), with `key_file`
---@field key_file? string with `mqtts://`: the client certificate's private key (PEM, unencrypted)
---@field insecure? boolean with `mqtts://`: accept any server certificate and host name (for tests only) (default false)
---@field topic string the topic; `%{field}` takes the record's field (`%{a.b}` a nested one)
---@field qos? integer quality of service: 0 at most once, 1 at least once, 2 exactly once (between client and broker) (default 1)
---@field retain? boolean publish retained messages (the broker keeps the last per topic) (default false)
---@field timeout? collector.Duration the longest wait for a batch's acknowledgements (default "30s")

---@class collector.StorageKafkaOptions
---@field id? string the backend's id: the summary's and the report's name for it (default "kafka-1", ...)
---@field brokers string|string[] the bootstrap brokers: `"host:port"`, `"h1:9092,h2:9092"` or a list
---@field security_protocol? "plaintext"|"ssl"|"sasl_plaintext"|"sasl_ssl" how to talk to the brokers (default "plaintext")
---@field sasl_mechanism? "PLAIN"|"SCRAM-SHA-256"|"SCRAM-SHA-512" with `sasl_*`: how to authenticate
---@field username? string the SASL user name
---@field password? string the SASL password (never shown in `tostring`, errors or logs)
---@field ca_file? string with `ssl`/`sasl_ssl`: a CA certificate (PEM) to trust instead of the system's
---@field cert_file? string a client certificate (PEM), for TLS client authentication
---@field key_file? string the client certificate's key (PEM)
---@field properties? table<string, string> librdkafka properties passed as they are (`{ ["fetch.max.bytes"] = "1048576" }`), after the options above; an unknown one is an error
---@field topic string the topic written to
---@field key? string a top-level field whose value is the message key (records with the same key go to the same partition)
---@field compression? "none"|"gzip"|"snappy"|"lz4"|"zstd" how the producer compresses its batches (default "none")
---@field linger_ms? integer how long the producer waits to fill a batch to a broker (`linger.ms`) (default 5)
---@field batch_size? collector.Size the largest batch to a broker (`batch.size`) (default "1MB")
---@field delivery_timeout? collector.Duration how long a record may take to be acknowledged, the producer's retries included, before its batch fails (`message.timeout.ms`) (default "30s")

---The native backends. An unknown type or option is an error naming it.
storage = {}

---A table in an SQLite file: JSON documents or typed columns.
---@param options collector.StorageSqliteOptions
---@return collector.Storage
function storage.sqlite(options) end

---A file records are appended to, one JSON document per line, with rotation.
---@param options collector.StorageJsonlOptions
---@return collector.Storage
function storage.jsonl(options) end

---Records kept in memory, for tests and one-off scripts.
---@param options? collector.StorageMemoryOptions
---@return collector.Storage
function storage.memory(options) end

---A table in PostgreSQL (libpq): jsonb documents or typed columns; writes are idempotent.
---@param options? collector.StoragePostgresOptions
---@return collector.Storage
function storage.postgres(options) end

---Keeps nothing: each record is encoded to JSON (one that cannot be fails here) and counted; for benchmarks and dry runs.
---@param options? collector.StorageNullOptions
---@return collector.Storage
function storage.null(options) end

---Records to standard output (or standard error) as JSON lines, pretty JSON or logfmt; never synced, for a pipe or a terminal (see [storage/console.md](storage/console.md)).
---@param options? collector.StorageConsoleOptions
---@return collector.Storage
function storage.console(options) end

---Records POSTed to an HTTP endpoint, a batch per request (NDJSON or a JSON array): 429/503 wait out `Retry-After`, 5xx and connection failures are retried then spooled, other 4xx dead-letter the refused records; never queried (see [storage/http.md](storage/http.md)).
---@param options collector.StorageHttpOptions
---@return collector.Storage
function storage.http(options) end

---Records published to an MQTT broker as JSON, one message each, to a topic that may take the record's fields (`out/%{site}`); a batch is stored once every publish is acknowledged; never queried (see [storage/mqtt.md](storage/mqtt.md)).
---@param options collector.StorageMqttOptions
---@return collector.Storage
function storage.mqtt(options) end

---Records produced to a Kafka topic as JSON by the idempotent producer (librdkafka); a batch is stored once the brokers acknowledged every record; never queried (see [storage/kafka.md](storage/kafka.md)).
---@param options collector.StorageKafkaOptions
---@return collector.Storage
function storage.kafka(options) end
-- END GENERATED storage connectors

-- ---------------------------------------------------------------------------
-- Processors: processor.* and the contract of processor files

---A processor (a userdata). `tostring(p)` describes it.
---@class collector.Processor
---@field name string
local Processor = {}

---What processor.aggregate kept so far.
---@class collector.AggregateResult
---@field records integer
---@field counts table<string, table<string, integer>> field -> value -> records
---@field stats table<string, { count: integer, sum: number, min: number?, max: number?, mean: number?, non_numeric: integer }>

---The running results of processor.aggregate (an error for other processors).
---@return collector.AggregateResult
function Processor:result() end

---`emit(t)` sends one more record on from the current call; `emit(t, "alerts")`
---(or a list of names) sends it to those named outputs of the pipeline.
---@alias collector.Emit fun(record: collector.Record, outputs?: string|string[])

---A processor as a function of the script, or as a processor file's function:
---return the record (kept, possibly changed), a new table, or nil (dropped).
---An error fails that record only.
---Where a record came from (read-only, valid during the process call): source_id, sequence,
---record_id, collected_at, and what its source said (path, line, offset, http_status, headers, event ...).
---@class collector.Meta
---@field source_id string
---@field sequence integer
---@field record_id string
---@field collected_at number seconds since the epoch
---@field [string] any what the source said of the record's item; nil when it said nothing

---@alias collector.ProcessorFunction fun(record: collector.Record, emit: collector.Emit, meta: collector.Meta): collector.Record?

---What `init(ctx)` of a processor file receives.
---@class collector.ProcessorContext
---@field name string the processor's name
---@field worker integer this Lua state's number, from 1
---@field workers integer how many states run the processor
---@field config? table the `config` option of processor.file (plain data), or a test's `config`
---@field from_version? integer in migrate: the number of the version running until now
---@field states? any[] in migrate: what every running state exported, in order (null for none)

---The module a processor file returns (or it returns a plain function):
---
---    ---@type collector.ProcessorModule
---    local M = {}
---    function M.process(record, emit, meta) ... return record end
---    return M
---@class collector.ProcessorModule
---@field process collector.ProcessorFunction called for each record
---@field init? fun(ctx: collector.ProcessorContext) once per Lua state, when the file is loaded
---@field shutdown? fun(emit: collector.Emit) once per state when the pipeline drains; what it emits is stored
---@field every? collector.Duration how often on_timer runs ("1m", or seconds); goes with on_timer
---@field on_timer? fun(emit: collector.Emit, now: number) every `every`, between batches; now: the time it was due, seconds since the epoch (a float)
---@field parallel? boolean false: one state only (the module keeps state across records); a module with a timer has one unless true
---@field tests? table[] inline tests: { input =, output = }, { input =, dropped = true }, { input =, emits = }, { input =, error = }, { input =, meta = {...}, output = }, { advance = "1m", emits = }, { config = {...}, input =, output = }
---@field export_state? fun(): any on a reload, in the running version: its state as plain data
---@field migrate? fun(old_state: any, ctx: collector.ProcessorContext) on a reload, in the new version: takes the old state over

---@class collector.ProcessorFileOptions
---@field path? string the file (when the options are the only argument)
---@field name? string default: the file name without .lua
---@field memory? collector.Size memory cap of each Lua state (at least "256KB", default "64MB")
---@field instructions? integer VM instructions one record may take (at least 1, default 1e7)
---@field timeout? collector.Duration wall time one record may take (at least "1ms", default "1s")
---@field parallel? integer Lua states in parallel, 1 to 1024 (default: one per core)
---@field probation? integer records that judge a reloaded version (default 100)
---@field config? table plain data (tables, strings, numbers, booleans) that init(ctx) gets as ctx.config

---@class collector.ValidateOptions
---@field required? string[] fields a record must have
---@field name? string

---@class collector.SampleOptions
---@field every? integer keep one record in N (the 1st, N+1th ...); give every or rate
---@field rate? number keep this share, above 0 and at most 1
---@field key? string|string[] top-level fields whose values decide: all records of a key are kept or dropped together
---@field name? string

---@class collector.ThrottleOptions
---@field rate number records let through per `per` (required, above 0)
---@field per? collector.Duration the period of `rate` (default "1s")
---@field burst? number records let through at once after a quiet time (default: rate)
---@field key? string|string[] top-level fields: one budget per key (default: one for all)
---@field on_excess? "drop"|"dead_letter" what happens to a record over the rate (default "drop")
---@field max_keys? integer keys remembered at most (default 100000)
---@field name? string

---@class collector.DedupOptions
---@field key? string|string[] top-level fields that make a record's key (default: the whole record)
---@field window? collector.Duration how long a key is remembered from its first record (default: until max_keys pushes it out)
---@field max_keys? integer keys remembered at most, the oldest forgotten first (default 100000)
---@field on_duplicate? "drop"|"dead_letter" what happens to a duplicate (default "drop")
---@field name? string

---@class collector.SchemaOptions
---@field schema table a JSON Schema subset: type, required, properties, additionalProperties, items, minItems, maxItems, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern, enum, const
---@field name? string

---@class collector.AggregateOptions
---@field count? string[] fields whose values are counted
---@field stats? string[] numeric fields: count, sum, min, max, mean
---@field name? string

processor = {}

---A sandboxed Lua processor file, loaded now (its init runs): `processor.file "p.lua"`,
---`processor.file("p.lua", { parallel = 1 })` or `processor.file { path = "p.lua", ... }`.
---Looked up beside the script first, then in the working directory.
---@param path string
---@param options? collector.ProcessorFileOptions
---@return collector.Processor
---@overload fun(options: collector.ProcessorFileOptions): collector.Processor
function processor.file(path, options) end

---The native JSON validation: fails records that lack a required field.
---@param options collector.ValidateOptions
---@return collector.Processor
function processor.json_validate(options) end

---Passes records through unchanged and keeps running counts and statistics (`p:result()`).
---@param options collector.AggregateOptions
---@return collector.Processor
function processor.aggregate(options) end

---The native sampler: keeps one record in `every`, or a `rate`, by a key when given.
---@param options collector.SampleOptions
---@return collector.Processor
function processor.sample(options) end

---The native throttle: at most `rate` records per `per`, per key; the excess dropped or dead-lettered.
---@param options collector.ThrottleOptions
---@return collector.Processor
function processor.throttle(options) end

---The native de-duplicator: drops (or dead-letters) a record whose key was seen within the window.
---@param options collector.DedupOptions
---@return collector.Processor
function processor.dedup(options) end

---The native schema validation: a record that does not match fails with the path (`$.items[2].price: expected number, got string`).
---@param options collector.SchemaOptions
---@return collector.Processor
function processor.validate(options) end

-- ---------------------------------------------------------------------------
-- Pipelines, running, events

---@class collector.PipelineSpec
---@field from collector.Source|collector.Source[] required
---@field process? collector.Processor|collector.ProcessorFunction|(collector.Processor|collector.ProcessorFunction)[] applied in order
---@field to collector.Storage|collector.Storage[]|table<string, collector.Storage> required: a list (each record goes to all) or named outputs
---@field route? collector.RouteFunction|collector.FieldRoute how each record chooses among the named outputs
---@field dead_letter? collector.Storage receives failed records, with why (see collector.DeadLetter)
---@field batch_size? integer records per processing call and per storage write (1 to 100000, default 500)
---@field spool? string|collector.SpoolOptions|false where a down backend's batches wait (default "SCRIPT.spool.db" in the working directory); false: none
---@field resume? boolean|string where source positions and processor state are kept across restarts: true ("SCRIPT.state.db"), a path or a postgresql:// URL; default: none, unless --state-dir
---@field checkpoint_every? integer with resume and a processor that declares state: a checkpoint every this many records (default 10000)
---@field checkpoint_interval? collector.Duration ... or this often, whichever comes first, and at the end (default "5s")

---A pipeline's route: the output name(s) of a record, or nil for none (then unrouted).
---@alias collector.RouteFunction fun(record: collector.Record): string|string[]|nil

---A route by the value of a top-level field, without Lua per record.
---@class collector.FieldRoute
---@field field string the field whose value chooses
---@field outputs table<string|integer|boolean, string|string[]> value -> output name(s)
---@field default? string the output of records no value matched (without it: unrouted)

---@class collector.SpoolOptions
---@field path? string the spool's SQLite file (default "SCRIPT.spool.db")
---@field max_size? collector.Size default "1GB"

---What a dead-letter destination receives for each failed record.
---@class collector.DeadLetter
---@field record any the record (or, for a line that is not JSON, its text)
---@field source_id string
---@field sequence integer
---@field error { message: string, type: string, layer: string, operation: string, details: table<string, any> } details: processor, script_hash, traceback, chunk, line, backend_id ...

---A pipeline's report, from `run()`, `p:run()`, `p:wait()` or `p:stats()`.
---@class collector.Report
---@field status "pending"|"running"|"completed"|"cancelled"|"failed"
---@field collected integer items collected
---@field input integer records that reached processing
---@field output integer records that left the processors
---@field dropped integer records a processor dropped
---@field failed integer records a processor failed on, or that could not be decoded
---@field dead_letters integer failed records handed to the dead-letter destination
---@field stored table<string, integer> backend id -> records stored
---@field failed_to_store integer records a backend refused
---@field spooled integer records that went to the spool (a backend was down)
---@field replayed integer records that came out of the spool into their backend
---@field in_spool? integer records left in the spool at the end (not in `p:stats()`)
---@field read integer records the sources' items held, undecodable ones included
---@field created integer records processors made beyond their input (splits, timers, shutdown)
---@field unrouted integer records routed to no output (no route chose one, no default)
---@field discarded integer failed records that went to no dead-letter destination
---@field dead_letters_written integer dead letters the destination wrote
---@field dead_letters_spooled integer dead letters that went to the spool (their destination was down or full)
---@field dead_letters_lost integer dead letters neither the destination nor the spool could take (the run fails)
---@field backends table<string, collector.BackendReport> backend id -> where its records went
---@field error? string

---Where one backend's records went (see docs/operations.md, the ledger).
---@class collector.BackendReport
---@field routed integer records given to the backend
---@field stored integer records it wrote
---@field skipped integer records it held already (same record id)
---@field spooled integer records that went to the spool
---@field refused integer records it refused or failed (not spooled)
---@field refused_on_replay integer records refused when replayed from the spool

---What `pipeline "name" { ... }` returns.
---@class collector.Pipeline
---@field name string
---@field status "pending"|"running"|"completed"|"cancelled"|"failed"
local Pipeline = {}

---Starts the pipeline if it has not started, waits for its end, returns its report.
---@return collector.Report
function Pipeline:run() end

---Starts the pipeline in the background and returns at once (with the pipeline).
---@return collector.Pipeline
function Pipeline:start() end

---Its counters now.
---@return collector.Report
function Pipeline:stats() end

---The next `n` records at a stage: "input", "after NAME", "output" (the default), or a number (0 = input).
---@param stage? string|integer
---@param n? integer default 1
---@param timeout? collector.Duration default "10s"
---@return collector.Record[]
function Pipeline:tap(stage, n, timeout) end

---Puts `processor` in the place of the one named `which` (or at place `which`), from the next batch on.
---@param which string|integer
---@param processor collector.Processor
function Pipeline:replace(which, processor) end

---Records the next `n` records the processor `which` (its name, or its place from 1; a `processor.file` module) receives,
---with what it made of each, as a golden test file `collector test` runs; returns the file (nil when none came) and the count.
---@param which string|integer
---@param n integer from 1 to 10000
---@param path? string ends in `_test.lua`; default: beside the module, `NAME_test.lua`
---@param options? { timeout?: collector.Duration, overwrite?: boolean }
---@return string? path
---@return integer count
function Pipeline:record(which, n, path, options) end

---Runs `processor` (a new version) beside the processor `which` on the records it receives; compared, never stored; nil ends it.
---@param which string|integer
---@param processor collector.Processor|nil
function Pipeline:shadow(which, processor) end

---The shadow run's counts (compared, same, different, only_old, only_new, failed, skipped) and `diffs` (the first disagreements).
---@param which? string|integer may be left out when one processor has a shadow run
---@return table
function Pipeline:shadow_report(which) end

---Swaps the shadow run's version in through the reload steps (inline tests, migrate, probation); an error when rejected.
---@param which string|integer
---@return { status: string, version: integer, message: string }
function Pipeline:promote(which) end

---Stops its sources; what was collected is still processed and stored.
function Pipeline:stop() end

---Waits for the end; returns the report.
---@return collector.Report
function Pipeline:wait() end

---Registers a pipeline: `pipeline "name" { from = ..., process = { ... }, to = ... }`.
---@param name string unique in the script
---@return fun(spec: collector.PipelineSpec): collector.Pipeline
function pipeline(name) end

---Runs the pipelines registered so far that have not run, now, concurrently;
---returns their reports by name. (Pending pipelines also run when the script ends.)
---@return table<string, collector.Report>
function run() end

---@class collector.ClusterOptions
---@field url? string PostgreSQL URL (postgresql://user:password@host:port/database); `--cluster URL` wins over it
---@field lease? string|number how long a lease lasts without renewal ("10s" by default; renewed every third of it; at least "300ms")
---@field name? string the cluster: processes sharing one script's sources give the same (default: the script's file name)
---@field member? string this process among the members (default: HOST:PID)

---Cluster mode: the script's pipelines share their sources with the other
---processes of the same cluster, through PostgreSQL (see docs/scale-out.md).
---Call it before any pipeline starts.
---@param options collector.ClusterOptions
function cluster(options) end

---@alias collector.EventType
---| "*"
---| "pipeline_started"
---| "pipeline_stopped"
---| "collection_started"
---| "collection_complete"
---| "collection_failed"
---| "processing_complete"
---| "processing_failed"
---| "storage_complete"
---| "storage_failed"
---| "dead_letter"
---| "retry"
---| "error"
---| "source_status_changed"
---| "reload_succeeded"
---| "reload_failed"
---| "reload_rolled_back"
---| "spooled"
---| "replayed"
---| "spool_full"

---@class collector.Event
---@field type string
---@field source string the source, processor, backend or pipeline it is about
---@field time number seconds since 1970
---@field data table<string, any> e.g. collection_complete: source_id, size; storage_complete: backend_id, count

---@class collector.HandlerOptions
---@field instructions? integer VM instructions one call of the handler may take (default 1e7)
---@field timeout? string|number how long one call may take (default "1s")

---Calls `handler` for each engine event of that type ("*": every event) while
---pipelines run, on the script's thread, in order, each call under a budget
---(a handler past it is stopped and logged; the run goes on). Returns a
---function that ends the subscription.
---@param type collector.EventType
---@param handler fun(event: collector.Event)
---@param options? collector.HandlerOptions
---@return fun() unsubscribe
function on(type, handler, options) end

-- ---------------------------------------------------------------------------
-- Configuration, logging, JSON, metrics

---Reads a variable: --set KEY=VALUE, then the environment, then --env-file.
---The default gives the type (an integer, a number, a boolean); missing or empty gives the default.
---@param name string
---@return string?
---@overload fun(name: string, default: string): string
---@overload fun(name: string, default: integer): integer
---@overload fun(name: string, default: number): number
---@overload fun(name: string, default: boolean): boolean
function env(name) end

---Log lines on standard error. Arguments are joined like print's; a last
---table argument adds key=value fields: `log.warn("slow", { id = r.sensor_id })`.
---The same line (message and fields) within 5 s is counted: a later line says repeated=N.
log = {}

---@param ... any
function log.debug(...) end

---@param ... any
function log.info(...) end

---@param ... any
function log.warn(...) end

---@param ... any
function log.error(...) end

---@class collector.EncodeOptions
---@field pretty? boolean
---@field sort_keys? boolean

json = {}

---JSON's null.
---@type collector.Null
json.null = nil

---Strict JSON to Lua: integers stay integers, null is json.null, arrays and objects keep their kind.
---@param text string
---@return any
function json.decode(text) end

---@param value any
---@param options? collector.EncodeOptions
---@return string
function json.encode(value, options) end

---Marks a table as a JSON array (matters for an empty one); returns it.
---@generic T: table
---@param t T
---@return T
function json.array(t) end

---Marks a table as a JSON object (matters for an empty one); returns it.
---@generic T: table
---@param t T
---@return T
function json.object(t) end

---Times as seconds since 1970-01-01T00:00:00Z (years 0000-9999), in UTC or at fixed offsets.
time = {}

---Reads a time: RFC 3339 / ISO 8601 by default ("2024-03-01", "2024-03-01T12:30:00.5+01:00"),
---or as a strftime-style format says ("%d/%b/%Y:%H:%M:%S %z"). An integer when there is no
---fraction, else a float. Raises an error naming the position for text that does not match
---or a field out of range.
---@param text string
---@param format? string
---@return number seconds
function time.parse(text, format) end

---Writes a time: RFC 3339 by default ("2024-03-01T12:30:00Z", milliseconds when there is a
---fraction), or as a strftime-style format says; `offset` is seconds east of UTC or "+hh:mm".
---@param seconds number
---@param format? string
---@param offset? integer|string
---@return string
function time.format(seconds, format, offset) end

---The current time with its fraction; under `collector test`, the tests' simulated clock.
---@return number seconds
function time.now() end

---Label values by label name.
---@alias collector.Labels table<string, string|number>

---@class collector.Counter
---@field name string
local Counter = {}

---Adds `n` (default 1).
---@param n? number
---@param labels? collector.Labels
---@overload fun(self: collector.Counter, labels: collector.Labels)
function Counter:inc(n, labels) end

---@param labels? collector.Labels
---@return number
function Counter:value(labels) end

---@class collector.Gauge
---@field name string
local Gauge = {}

---@param n? number default 1
---@param labels? collector.Labels
---@overload fun(self: collector.Gauge, labels: collector.Labels)
function Gauge:inc(n, labels) end

---@param n? number default 1
---@param labels? collector.Labels
---@overload fun(self: collector.Gauge, labels: collector.Labels)
function Gauge:dec(n, labels) end

---@param value number
---@param labels? collector.Labels
function Gauge:set(value, labels) end

---@param labels? collector.Labels
---@return number
function Gauge:value(labels) end

---@class collector.Histogram
---@field name string
local Histogram = {}

---@param value number
---@param labels? collector.Labels
function Histogram:observe(value, labels) end

---@param labels? collector.Labels
---@return { count: integer, sum: number }
function Histogram:value(labels) end

---@class collector.HistogramOptions
---@field labels? string[]
---@field buckets? number[]

---Metrics served on /metrics with `collector run --metrics ADDRESS`; one registry
---for the script and every processor state. Defining a family again returns it.
metrics = {}

---A counter; its name gets _total if it lacks it.
---@param name string
---@param help string
---@param labels? string[]
---@return collector.Counter
function metrics.counter(name, help, labels) end

---@param name string
---@param help string
---@param labels? string[]
---@return collector.Gauge
function metrics.gauge(name, help, labels) end

---@param name string
---@param help string
---@param options? collector.HistogramOptions
---@return collector.Histogram
function metrics.histogram(name, help, options) end
