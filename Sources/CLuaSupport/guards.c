// Library functions whose work the script controls, with bounds: the count
// hook never runs inside C, so a loop in C would escape the instruction and
// time limits. These replace the standard ones in both profiles (and `print`
// in the sandbox); each charges its work with cl_charge.
#include "internal.h"
#include <lua5.4/lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

// Elements (or bytes / 64) of work between two charges.
#define CHARGE_EVERY 1024

// string.rep: an empty result at once, and a result larger than the memory
// the state has left refused before any work.
static int bounded_rep(lua_State *L) {
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || (l == 0 && lsep == 0)) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (l + lsep < l || (lua_Unsigned)(l + lsep) > (lua_Unsigned)INT_MAX / (lua_Unsigned)n)
        return luaL_error(L, "string.rep: resulting string too large");
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    cl_runtime *rt = cl_runtime_of(L);
    if (rt->limit && total > rt->limit - (rt->used < rt->limit ? rt->used : rt->limit))
        return luaL_error(L, "string.rep: a result of %I bytes is over the memory limit (%I bytes)",
                          (LUAI_UACINT)total, (LUAI_UACINT)rt->limit);
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    size_t since_charge = 0;
    while (n-- > 1) {
        memcpy(p, s, l * sizeof(char)); p += l;
        if (lsep > 0) { memcpy(p, sep, lsep * sizeof(char)); p += lsep; }
        since_charge += l + lsep + 1;
        if (since_charge >= CHARGE_EVERY * 64) { cl_charge(L, (int64_t)(since_charge / 64)); since_charge = 0; }
    }
    memcpy(p, s, l * sizeof(char));
    luaL_pushresultsize(&b, total);
    return 1;
}

// From Lua 5.4's ltablib.c (MIT licence, Copyright (C) 1994-2022 Lua.org,
// PUC-Rio): what table functions accept as a table.
#define TAB_R 1
#define TAB_W 2
#define TAB_L 4
#define TAB_RW (TAB_R | TAB_W)

static int checkfield(lua_State *L, const char *key, int n) {
    lua_pushstring(L, key);
    return (lua_rawget(L, -n) != LUA_TNIL);
}

static void checktab(lua_State *L, int arg, int what) {
    if (lua_type(L, arg) != LUA_TTABLE) {
        int n = 1;
        if (lua_getmetatable(L, arg) && (!(what & TAB_R) || checkfield(L, "__index", ++n))
            && (!(what & TAB_W) || checkfield(L, "__newindex", ++n))
            && (!(what & TAB_L) || checkfield(L, "__len", ++n))) {
            lua_pop(L, n);
        } else {
            luaL_checktype(L, arg, LUA_TTABLE);
        }
    }
}

static lua_Integer aux_getn(lua_State *L, int n, int w) {
    checktab(L, n, w | TAB_L);
    return luaL_len(L, n);
}

lua_Integer cl_table_length(lua_State *L, int arg) {
    return aux_getn(L, arg, TAB_RW);
}

// What one element read or written costs: a table with __index or
// __newindex may run a metamethod (a C function too, outside the hook) for
// each.
#define PLAIN_ELEMENT_COST 1
#define METAMETHOD_ELEMENT_COST 8

static int64_t element_cost(lua_State *L, int arg) {
    if (!lua_getmetatable(L, arg)) return PLAIN_ELEMENT_COST;
    lua_pushliteral(L, "__index");
    int index = lua_rawget(L, -2) != LUA_TNIL;
    lua_pushliteral(L, "__newindex");
    int newindex = lua_rawget(L, -3) != LUA_TNIL;
    lua_pop(L, 3);
    return index || newindex ? METAMETHOD_ELEMENT_COST : PLAIN_ELEMENT_COST;
}

// Counts one element moved; charges every CHARGE_EVERY.
static void count_element(lua_State *L, int64_t *pending, int64_t cost) {
    *pending += cost;
    if (*pending >= CHARGE_EVERY) {
        cl_charge(L, *pending);
        *pending = 0;
    }
}

static int bounded_move(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
    checktab(L, 1, TAB_R);
    checktab(L, tt, TAB_W);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        int64_t pending = 0;
        int64_t cost = element_cost(L, 1) + element_cost(L, tt);
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
                count_element(L, &pending, cost);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
                count_element(L, &pending, cost);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

// table.concat: its range is the script's, and `__index` can answer any
// index (with a C function, outside the hook). Charges each element and its
// bytes.
static void add_field(lua_State *L, luaL_Buffer *b, lua_Integer i, int64_t cost, int64_t *pending) {
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
        luaL_error(L, "invalid value (at index %I) in table for 'concat'", (LUAI_UACINT)i);
    size_t l;
    lua_tolstring(L, -1, &l);
    luaL_addvalue(b);
    count_element(L, pending, cost + (int64_t)(l / 64));
}

static int bounded_concat(lua_State *L) {
    luaL_Buffer b;
    lua_Integer last = aux_getn(L, 1, TAB_R);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    int64_t pending = 0, cost = element_cost(L, 1);
    luaL_buffinit(L, &b);
    for (; i < last; i++) {
        add_field(L, &b, i, cost, &pending);
        luaL_addlstring(&b, sep, lsep);
        pending += (int64_t)(lsep / 64);
    }
    if (i == last) add_field(L, &b, i, cost, &pending);
    luaL_pushresult(&b);
    return 1;
}

// table.insert and table.remove shift up to #t elements, and `__len` can say anything.
static int bounded_insert(lua_State *L) {
    lua_Integer pos;
    lua_Integer e = aux_getn(L, 1, TAB_RW);
    e = (lua_Integer)((lua_Unsigned)e + 1u);
    switch (lua_gettop(L)) {
    case 2: pos = e; break;
    case 3: {
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        int64_t pending = 0, cost = element_cost(L, 1);
        for (lua_Integer i = e; i > pos; i--) {
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
            count_element(L, &pending, cost);
        }
        break;
    }
    default: return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int bounded_remove(lua_State *L) {
    lua_Integer size = aux_getn(L, 1, TAB_RW);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    lua_geti(L, 1, pos);
    int64_t pending = 0, cost = element_cost(L, 1);
    for (; pos < size; pos++) {
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
        count_element(L, &pending, cost);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

// coroutine.close, refusing to nest deeper than the C stack allows. Lua
// 5.4.4 closes a coroutine with the C-call count the coroutine had when it
// last ran, so a chain of __close handlers that each close another
// coroutine recurses in C unchecked until the stack overflows (fixed in
// Lua 5.4.5). Measuring the C stack itself bounds every such chain.
#define CLOSE_STACK_BUDGET (1u << 20)

// Lua 5.4.4's luaB_close (lcorolib.c, MIT licence, Copyright (C) 1994-2022
// Lua.org, PUC-Rio) with the check of the C stack added; reimplemented
// rather than wrapped so its errors still name 'close'.
enum { COS_RUN, COS_DEAD, COS_YIELD, COS_NORM };
static const char *const coroutine_states[] = { "running", "dead", "suspended", "normal" };

static int coroutine_status(lua_State *L, lua_State *co) {
    if (L == co) return COS_RUN;
    switch (lua_status(co)) {
    case LUA_YIELD: return COS_YIELD;
    case LUA_OK: {
        lua_Debug ar;
        if (lua_getstack(co, 0, &ar)) return COS_NORM;
        return lua_gettop(co) == 0 ? COS_DEAD : COS_YIELD;
    }
    default: return COS_DEAD;
    }
}

static int guarded_close(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    int status = coroutine_status(L, co);
    switch (status) {
    case COS_DEAD:
    case COS_YIELD:
        if (cl_c_stack_used() > CLOSE_STACK_BUDGET)
            return luaL_error(L, "coroutine.close: coroutines closing coroutines nested too deeply");
        status = lua_resetthread(co);
        if (status == LUA_OK) {
            lua_pushboolean(L, 1);
            return 1;
        }
        lua_pushboolean(L, 0);
        lua_xmove(co, L, 1);
        return 2;
    default: return luaL_error(L, "cannot close a %s coroutine", coroutine_states[status]);
    }
}

// load, from Lua 5.4.4's lbaselib.c (MIT licence, Copyright (C) 1994-2022
// Lua.org, PUC-Rio), reimplemented so that each piece a reader function
// returns is charged: lua_load calls the reader from C until it returns
// nothing, so a C function as reader (collectgarbage, os.time) would loop
// outside the hook. In the sandbox only text is loaded, whatever the mode.
#define RESERVED_SLOT 5

static const char *charged_reader(lua_State *L, void *ud, size_t *size) {
    (void)ud;
    luaL_checkstack(L, 2, "too many nested functions");
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        *size = 0;
        return NULL;
    }
    if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
    lua_replace(L, RESERVED_SLOT);
    const char *piece = lua_tolstring(L, RESERVED_SLOT, size);
    cl_charge(L, 1 + (int64_t)(*size / 64));
    return piece;
}

static int bounded_load(lua_State *L) {
    int sandboxed = lua_toboolean(L, lua_upvalueindex(1));
    size_t l;
    const char *s = lua_tolstring(L, 1, &l);
    const char *mode = luaL_optstring(L, 3, "bt");
    if (sandboxed) mode = "t";
    int env = !lua_isnone(L, 4) ? 4 : 0;
    int status;
    if (s != NULL) {
        const char *chunkname = luaL_optstring(L, 2, s);
        status = luaL_loadbufferx(L, s, l, chunkname, mode);
    } else {
        const char *chunkname = luaL_optstring(L, 2, "=(load)");
        luaL_checktype(L, 1, LUA_TFUNCTION);
        lua_settop(L, RESERVED_SLOT);
        status = lua_load(L, charged_reader, NULL, chunkname, mode);
    }
    if (status == LUA_OK) {
        if (env != 0) {
            lua_pushvalue(L, env);
            if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
        }
        return 1;
    }
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
}

// print with a budget of bytes per top-level call (shared with warn); what
// goes over it is dropped and counted, and cl_end_call says how much.
static void print_piece(cl_runtime *rt, const char *s, size_t l) {
    if (rt->print_limit == 0) {
        fwrite(s, 1, l, stdout);
        return;
    }
    size_t room = rt->print_limit - rt->print_written;
    size_t n = l < room ? l : room;
    if (n > 0) {
        fwrite(s, 1, n, stdout);
        rt->print_written += n;
        rt->print_mid_line = s[n - 1] != '\n';
    }
    rt->print_dropped += l - n;
}

static int bounded_print(lua_State *L) {
    cl_runtime *rt = cl_runtime_of(L);
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t l;
        const char *s = luaL_tolstring(L, i, &l);
        if (i > 1) print_piece(rt, "\t", 1);
        print_piece(rt, s, l);
        lua_pop(L, 1);
    }
    print_piece(rt, "\n", 1);
    fflush(stdout);
    return 0;
}

// warn shares print's budget: a warning over it is dropped whole (and
// counted). Control messages ("@on", "@off") cost nothing.
static int bounded_warn(lua_State *L) {
    cl_runtime *rt = cl_runtime_of(L);
    int n = lua_gettop(L);
    // Checked here, so errors name 'warn' (Lua's own is called from C below).
    luaL_checkstring(L, 1);
    for (int i = 2; i <= n; i++) luaL_checkstring(L, i);
    size_t total = 0;
    for (int i = 1; i <= n; i++) {
        size_t l = 0;
        if (lua_type(L, i) == LUA_TSTRING) lua_tolstring(L, i, &l);
        total += l;
    }
    int control = n == 1 && lua_type(L, 1) == LUA_TSTRING && lua_tostring(L, 1)[0] == '@';
    if (!control && rt->print_limit != 0 && n > 0 && lua_type(L, 1) == LUA_TSTRING) {
        if (total > rt->print_limit - rt->print_written) {
            rt->print_dropped += total;
            return 0;
        }
        rt->print_written += total;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 0);
    return 0;
}

void cl_end_call(lua_State *L) {
    cl_runtime *rt = cl_runtime_of(L);
    if (rt->print_dropped > 0) {
        fprintf(stdout, "%s[print/warn: %zu bytes dropped, over the %zu bytes one call may write]\n",
                rt->print_mid_line ? "\n" : "", rt->print_dropped, rt->print_limit);
        fflush(stdout);
    }
    rt->print_written = 0;
    rt->print_dropped = 0;
    rt->print_mid_line = 0;
}

// Whether the metatable of the value at `idx` is an array or object marker.
static int has_marker_metatable(lua_State *L, int idx) {
    if (!lua_getmetatable(L, idx)) return 0;
    lua_rawgetp(L, LUA_REGISTRYINDEX, cl_array_marker_key());
    lua_rawgetp(L, LUA_REGISTRYINDEX, cl_object_marker_key());
    int marked = lua_rawequal(L, -1, -3) || lua_rawequal(L, -2, -3);
    lua_pop(L, 3);
    return marked;
}

// setmetatable that, in the sandbox, does not arm finalizers: Lua runs
// them with hooks off, outside every limit, and also while Swift holds the
// state. Lua marks an object for finalization only when its metatable has
// __gc (raw, any value) at setmetatable time, so the metatable is set with
// its __gc taken out for that moment: the object gets the metatable as
// given and is never finalized. The first time, a warning says so (once per
// state, so a processor arming one per record does not flood the log).
// Refusing instead would fail a whole processor over a finalizer it may not
// need. In both profiles a table marked as an array or an object (a hidden
// metatable) may still be given a metatable of the script's own, as before
// the markers were hidden; it then loses the mark.
static const char gc_warned_key = 0;

static void warn_gc_ignored(lua_State *L) {
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &gc_warned_key) != LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &gc_warned_key);
    luaL_where(L, 1);
    lua_warning(L, lua_tostring(L, -1), 1);
    lua_warning(L, "__gc is ignored in the sandbox: finalizers would run outside the limits, so none runs", 0);
    lua_pop(L, 1);
}

static int guarded_setmetatable(lua_State *L) {
    int sandboxed = lua_toboolean(L, lua_upvalueindex(1));
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    // As Lua's own (lbaselib.c), but a marker's protection does not count.
    if (!has_marker_metatable(L, 1) && luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    int disarmed = 0;
    if (sandboxed && t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) {  // 3: the __gc, put back below
            lua_pushliteral(L, "__gc");
            lua_pushnil(L);
            lua_rawset(L, 2);
            disarmed = 1;
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pushvalue(L, 2);
    lua_setmetatable(L, 1);
    if (disarmed) {
        lua_pushliteral(L, "__gc");
        lua_pushvalue(L, 3);
        lua_rawset(L, 2);
        warn_gc_ignored(L);
    }
    lua_settop(L, 1);
    return 1;
}

static void replace(lua_State *L, const char *library, const char *name, lua_CFunction f, int wrap) {
    lua_getglobal(L, library);
    if (wrap) {
        lua_getfield(L, -1, name);
        lua_pushcclosure(L, f, 1);
    } else {
        lua_pushcfunction(L, f);
    }
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

void cl_install_guards(lua_State *L, int sandboxed) {
    replace(L, "string", "rep", bounded_rep, 0);
    replace(L, "table", "move", bounded_move, 0);
    replace(L, "table", "concat", bounded_concat, 0);
    replace(L, "table", "insert", bounded_insert, 0);
    replace(L, "table", "remove", bounded_remove, 0);
    replace(L, "table", "sort", cl_budgeted_sort, 0);
    replace(L, "coroutine", "close", guarded_close, 0);
    cl_install_patterns(L);
    lua_pushglobaltable(L);
    lua_pushboolean(L, sandboxed);
    lua_pushcclosure(L, bounded_load, 1);
    lua_setfield(L, -2, "load");
    lua_pushboolean(L, sandboxed);
    lua_pushcclosure(L, guarded_setmetatable, 1);
    lua_setfield(L, -2, "setmetatable");
    lua_pop(L, 1);
    if (sandboxed) {
        lua_pushglobaltable(L);
        lua_pushcfunction(L, bounded_print);
        lua_setfield(L, -2, "print");
        lua_getfield(L, -1, "warn");
        lua_pushcclosure(L, bounded_warn, 1);
        lua_setfield(L, -2, "warn");
        lua_pop(L, 1);
        cl_runtime_of(L)->print_limit = CL_PRINT_LIMIT;
    }
}
