-- luacheck's settings for the repository's Lua (scripts/test.sh runs
-- `luacheck examples`, and a warning fails the run).
std = "lua54"
max_line_length = 120

-- What the engine defines in a pipeline script (docs/lua-api.md). Read-only:
-- a script that assigns one of them has made a mistake.
read_globals = {
  "source", "storage", "processor", "pipeline", "run", "on", "env", "log", "json", "time", "metrics", "null",
}

-- Processor files run sandboxed: json, time, log, metrics and null but none of the
-- script's API (`run` is left out of the list below: test files in the same
-- folder use the test runner's `run`); no io, no debug, no dofile or loadfile; of os only clock,
-- time and date (docs/architecture.md, "Library profiles").
files["examples/processors"] = {
  read_globals = { "log", "json", "time", "metrics", "null" },
  not_globals = {
    "source", "storage", "processor", "pipeline", "on", "env",
    "io", "debug", "dofile", "loadfile",
    "os.execute", "os.exit", "os.getenv", "os.remove", "os.rename", "os.tmpname", "os.setlocale", "os.difftime",
    "string.dump", "package.loadlib", "package.searchpath",
  },
}

-- Processor test files (`collector test`, docs/testing.md): the runner's globals.
files["**/*_test.lua"] = {
  read_globals = { "test", "run", "advance", "expect", "array", "json", "time", "null" },
}
