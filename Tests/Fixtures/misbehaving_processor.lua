return function(r)
  if r.kind == "error" then error("bad record " .. r.id) end
  if r.kind == "loop" then while true do end end
  if r.kind == "memory" then local t = {} for i = 1, 1e9 do t[i] = i end end
  if r.kind == "number" then return 42 end
  if r.kind == "cycle" then r.self = r return r end
  if r.kind == "function" then r.f = print return r end
  if r.kind == "os" then os.execute("true") end
  if r.kind == "io" then io.open("/etc/passwd") end
  return r
end
-- A processor that misbehaves in every way the engine must survive, chosen
-- by the record's `kind`; each failure must fail that record only. The tests
-- expect the line numbers above (this note is last so that they stay put).
