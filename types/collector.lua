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
-- run sandboxed and see only json, log, metrics and null, besides the
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

---@class collector.GeneratorOptions
---@field id? string default "generator-1", ...
---@field count? integer records in all (default: endless)
---@field seed? integer default 20251128: the same seed gives the same readings
---@field rate? number records per second (default: as fast as possible)
---@field batch? integer records per collected item (default 100, or 1 with a rate)

---@class collector.FileOptions
---@field id? string
---@field path string the file to read (relative to the working directory)
---@field mode? "lines"|"whole" default "lines"
---@field format? collector.Format default "jsonl" for lines, "json" for whole

---@class collector.FollowOptions
---@field id? string
---@field path string the file to follow as it grows
---@field position_file? string where the read position is kept across runs (saved once the lines before it are stored)
---@field poll? collector.Duration default "250ms"
---@field start? "beginning"|"end" default "beginning"
---@field format? collector.Format default "jsonl"

---@class collector.StdinOptions
---@field id? string
---@field format? collector.Format default "jsonl"

---@class collector.CommandOptions
---@field id? string
---@field command string[] the program, then its arguments: { "tail", "-n", "5", "log" }
---@field cwd? string
---@field env? table<string, string> the program's environment (default: inherited)
---@field format? collector.Format default "jsonl"

---@class collector.HTTPOptions
---@field id? string
---@field url string http or https
---@field token? string sent as "Authorization: Bearer ..."
---@field every? collector.Duration time between polls (default "60s"; once with --once)
---@field headers? table<string, string>
---@field timeout? collector.Duration each wait for the server (default "30s")
---@field connect_timeout? collector.Duration DNS, TCP and TLS together (default "10s")
---@field total_timeout? collector.Duration the whole request, redirects included (default "120s")
---@field method? "GET"|"POST"|"PUT" default "GET"
---@field body? string|table POST/PUT body: a string as is, a table as JSON (with Content-Type application/json)
---@field query? table<string, string|number|boolean> added to the URL's query, percent-encoded
---@field jitter? number fraction of `every`, 0 to 1 (default 0.1)
---@field reconnect? collector.Duration first wait before a failed poll is tried again (default "1s")
---@field reconnect_max? collector.Duration cap of that backoff (default "60s")
---@field reconnect_attempts? integer failed polls in a row before giving up (default 10; 0: never)
---@field ca_file? string a CA certificate (PEM) to trust instead of the system's
---@field verify_tls? boolean default true
---@field max_response_size? collector.Size larger bodies fail (default "10MB")
---@field conditional? boolean send If-None-Match / If-Modified-Since, skip unchanged data (default true)
---@field validate_utf8? boolean text bodies must be UTF-8 (default true)
---@field max_retry_after? collector.Duration the longest Retry-After obeyed (default "300s")
---@field pagination? "none"|"link"|"cursor"|"page" how the next page is found (default "none")
---@field cursor_field? string with "cursor": dotted path of the next cursor in the JSON body
---@field cursor_param? string with "cursor": the query parameter it is sent as (default "cursor")
---@field page_param? string with "page": the page number's query parameter (default "page")
---@field page_start? integer with "page": the first page's number (default 1)
---@field page_items? string with "page": dotted path of the item array (default: the body); empty ends it
---@field max_pages? integer pages per poll (default 100)
---@field proxy? string|false "http://host:port", or false for none (default: the environment's, never for loopback)
---@field format? collector.Format default "json"

---@class collector.SSEOptions
---@field id? string
---@field url string http or https: a text/event-stream
---@field token? string sent as "Authorization: Bearer ..."
---@field headers? table<string, string>
---@field last_event_id? string sent as Last-Event-ID on the first connection
---@field reconnect? collector.Duration wait before reconnecting when the server sent no retry (default "3s")
---@field reconnect_max? collector.Duration cap of the reconnect backoff (default "60s")
---@field reconnect_attempts? integer failed reconnections in a row before giving up (default 10; 0: never)
---@field proxy? string|false "http://host:port", or false for none (default: the environment's)
---@field max_event_size? collector.Size larger events are dropped (default "1MB")
---@field idle_timeout? collector.Duration a connection silent this long is reconnected (default "300s")
---@field ca_file? string a CA certificate (PEM) to trust instead of the system's
---@field format? collector.Format default "json"

---@class collector.WebSocketOptions
---@field id? string
---@field url string ws or wss
---@field token? string sent as "Authorization: Bearer ..." with the handshake
---@field headers? table<string, string> extra handshake headers
---@field subscribe? string a text message sent after every (re)connection
---@field max_message_size? collector.Size default "16MB"
---@field reconnect? collector.Duration first wait before reconnecting (default "1s")
---@field reconnect_max? collector.Duration cap of the reconnect backoff (default "60s")
---@field reconnect_attempts? integer failed reconnections in a row before giving up (default 10; 0: never)
---@field ca_file? string a CA certificate (PEM) to trust instead of the system's
---@field verify_tls? boolean default true
---@field proxy? string|false "http://host:port", or false for none (default: the environment's)
---@field format? collector.Format of text messages (default "json")

---The native sources. An unknown type or option is an error naming it.
source = {}

---Generated sensor readings (the canonical workload's), deterministic for a seed.
---@param options collector.GeneratorOptions
---@return collector.Source
function source.generator(options) end

---A file, read once to the end.
---@param options collector.FileOptions
---@return collector.Source
function source.file(options) end

---A file followed as it grows (like tail -F), until stopped.
---@param options collector.FollowOptions
---@return collector.Source
function source.follow(options) end

---Standard input, until its end.
---@param options? collector.StdinOptions
---@return collector.Source
function source.stdin(options) end

---A program's standard output, until it exits.
---@param options collector.CommandOptions
---@return collector.Source
function source.command(options) end

---An HTTP API polled every `every`, until stopped.
---@param options collector.HTTPOptions
---@return collector.Source
function source.http(options) end

---Server-sent events, reconnecting, until stopped.
---@param options collector.SSEOptions
---@return collector.Source
function source.sse(options) end

---WebSocket messages, reconnecting, until stopped.
---@param options collector.WebSocketOptions
---@return collector.Source
function source.websocket(options) end

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

---@class collector.SQLiteOptions
---@field id? string default "sqlite:PATH"
---@field path string the database file
---@field table? string default "records"
---@field layout? "document"|"readings" default "readings" for table = "readings", else "document" (one JSON document per row)
---@field columns? collector.Column[] a typed table of the script's own, one column per entry, in order (not with layout)
---@field max_size? collector.Size a cap on the file's size
---@field record_ids? boolean store a record once however often it comes (default true); false: no record_id column, for bulk loads never replayed

---@class collector.JSONLinesOptions
---@field id? string default "jsonl:PATH"
---@field path string the file records are appended to, one JSON document per line
---@field sync? "batch"|"record"|"never" when to fsync (default "batch")
---@field max_file_size? collector.Size rotate past this size
---@field max_files? integer rotated files kept (0 to 100000)

---@class collector.PostgresOptions
---@field id? string default "postgres-1", ...
---@field url? string postgresql://... (default: the DATABASE_URL variable); the password never shows
---@field table? string default "records"
---@field layout? "document"|"readings" as for SQLite
---@field columns? collector.Column[] a typed table of the script's own, as for SQLite (not with layout)
---@field connect_timeout? collector.Duration
---@field batch_method? "copy"|"insert" `"copy"` (default): COPY into a temporary table, then INSERT ... SELECT; `"insert"`: multi-row INSERTs
---@field rows_per_statement? integer

---@class collector.IdOptions
---@field id? string

---The native backends. An unknown type or option is an error naming it.
storage = {}

---@param options collector.SQLiteOptions
---@return collector.Storage
function storage.sqlite(options) end

---@param options collector.JSONLinesOptions
---@return collector.Storage
function storage.jsonl(options) end

---@param options collector.PostgresOptions
---@return collector.Storage
function storage.postgres(options) end

---@class collector.BasicAuth
---@field user string
---@field password string

---@class collector.HTTPStorageOptions
---@field id? string
---@field url string http or https: each batch is one POST
---@field format? "ndjson"|"json" NDJSON lines (default) or a JSON array
---@field gzip? boolean Content-Encoding: gzip (default false)
---@field token? string sent as "Authorization: Bearer ..."
---@field basic? collector.BasicAuth sent as "Authorization: Basic ..." (not with token)
---@field headers? table<string, string>
---@field ca_file? string a CA certificate (PEM) to trust instead of the system's
---@field verify_tls? boolean default true
---@field timeout? collector.Duration one POST, answer included (default "30s")
---@field connect_timeout? collector.Duration default "10s"
---@field retries? integer attempts after the first before the engine's retries and spool (default 3)
---@field retry_delay? collector.Duration first backoff (default "500ms")
---@field max_retry_delay? collector.Duration cap of the backoff (default "30s")
---@field max_retry_after? collector.Duration the longest Retry-After obeyed (default "300s")
---@field idempotency_header? string|false header of the batch's key (default "Idempotency-Key")
---@field proxy? string|false "http://host:port", or false for none (default: the environment's)

---Records POSTed to an HTTP endpoint, one POST per batch. Cannot be queried.
---@param options collector.HTTPStorageOptions
---@return collector.Storage
function storage.http(options) end

---Records kept in memory (queryable while the script runs).
---@param options? collector.IdOptions
---@return collector.Storage
function storage.memory(options) end

---Keeps nothing: each record is encoded to JSON and counted. For benchmarks and dry runs.
---@param options? collector.IdOptions
---@return collector.Storage
function storage.null(options) end

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

---`emit(t)` sends one more record on from the current call.
---@alias collector.Emit fun(record: collector.Record)

---A processor as a function of the script, or as a processor file's function:
---return the record (kept, possibly changed), a new table, or nil (dropped).
---An error fails that record only.
---@alias collector.ProcessorFunction fun(record: collector.Record, emit: collector.Emit): collector.Record?

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
---    function M.process(record, emit) ... return record end
---    return M
---@class collector.ProcessorModule
---@field process collector.ProcessorFunction called for each record
---@field init? fun(ctx: collector.ProcessorContext) once per Lua state, when the file is loaded
---@field shutdown? fun(emit: collector.Emit) once per state when the pipeline drains; what it emits is stored
---@field every? collector.Duration how often on_timer runs ("1m", or seconds); goes with on_timer
---@field on_timer? fun(emit: collector.Emit, now: number) every `every`, between batches; now: the time it was due, seconds since the epoch (a float)
---@field parallel? boolean false: one state only (the module keeps state across records); a module with a timer has one unless true
---@field tests? table[] inline tests: { input =, output = }, { input =, dropped = true }, { input =, emits = }, { input =, error = }, { advance = "1m", emits = }, { config = {...}, input =, output = }
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

-- ---------------------------------------------------------------------------
-- Pipelines, running, events

---@class collector.PipelineSpec
---@field from collector.Source|collector.Source[] required
---@field process? collector.Processor|collector.ProcessorFunction|(collector.Processor|collector.ProcessorFunction)[] applied in order
---@field to collector.Storage|collector.Storage[] required: each record goes to all
---@field dead_letter? collector.Storage receives failed records, with why (see collector.DeadLetter)
---@field batch_size? integer records per processing call and per storage write (1 to 100000, default 500)
---@field spool? string|collector.SpoolOptions|false where a down backend's batches wait (default "SCRIPT.spool.db" in the working directory); false: none

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
