// Entering Lua from Swift: protected calls with a traceback, protected loads.
#include "internal.h"
#include <lua5.4/lauxlib.h>

static const char traceback_key = 0;

// The message handler keeps the error value as it is (a table or nil stays
// one) and records the traceback beside it in the registry.
static int cl_message_handler(lua_State *L) {
    luaL_traceback(L, L, NULL, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
    return 1;
}

// Memory that Swift overdrew while the cap was suspended is settled before
// Lua runs again: collect, and refuse to start if the state is still over.
static int cl_settle_memory(lua_State *L, cl_runtime *rt) {
    if (rt->limit == 0 || rt->used <= rt->limit) return LUA_OK;
    lua_gc(L, LUA_GCCOLLECT);
    if (rt->used <= rt->limit) return LUA_OK;
    rt->stop_reason = CL_STOP_MEMORY;
    return LUA_ERRMEM;
}

// Where this thread's C stack was when Swift first entered Lua: the
// outermost cl_pcall sets it, nested ones keep it.
static _Thread_local char *g_stack_base;

size_t cl_c_stack_used(void) {
    char *here = __builtin_frame_address(0);
    return g_stack_base && here < g_stack_base ? (size_t)(g_stack_base - here) : 0;
}

int cl_pcall(lua_State *L, int nargs, int nresults) {
    cl_runtime *rt = cl_runtime_of(L);
    int base = lua_gettop(L) - nargs;  // the function's slot
    if (cl_settle_memory(L, rt) != LUA_OK) {
        lua_settop(L, base - 1);
        lua_pushliteral(L, "not enough memory");
        return LUA_ERRMEM;
    }
    lua_pushcfunction(L, cl_message_handler);
    lua_insert(L, base);
    int previous = rt->enforce;
    rt->enforce = 1;
    int outermost = g_stack_base == NULL;
    if (outermost) g_stack_base = __builtin_frame_address(0);
    int status = lua_pcall(L, nargs, nresults, base);
    if (outermost) g_stack_base = NULL;
    rt->enforce = previous;
    lua_remove(L, base);
    return status;
}

void cl_push_last_traceback(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &traceback_key);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);  // read once: the next error brings its own
}

typedef struct load_args {
    const char *buffer;
    size_t size;
    const char *chunkname;
    int status;
} load_args;

static int cl_load_protected(lua_State *L) {
    load_args *args = lua_touserdata(L, 1);
    args->status = luaL_loadbufferx(L, args->buffer, args->size, args->chunkname, "t");
    if (args->status != LUA_OK) return lua_error(L);
    return 1;
}

int cl_load(lua_State *L, const char *buffer, size_t size, const char *chunkname) {
    load_args args = { buffer, size, chunkname, LUA_OK };
    cl_runtime *rt = cl_runtime_of(L);
    lua_pushcfunction(L, cl_load_protected);
    lua_pushlightuserdata(L, &args);
    int previous = rt->enforce;
    rt->enforce = 1;
    int status = lua_pcall(L, 1, 1, 0);
    rt->enforce = previous;
    // A syntax error keeps its own status; the pcall reports it as a runtime error.
    return status != LUA_OK && args.status != LUA_OK ? args.status : status;
}
