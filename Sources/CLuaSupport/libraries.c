// Library profiles: everything for the user's own scripts, a sandbox for processors.
#include "internal.h"
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>
#include <string.h>

static const char null_sentinel = 0;
static const char array_marker_key = 0;
static const char object_marker_key = 0;

void *cl_null_sentinel(void) { return (void *)&null_sentinel; }
const void *cl_array_marker_key(void) { return &array_marker_key; }
const void *cl_object_marker_key(void) { return &object_marker_key; }

static void remove_field(lua_State *L, int table, const char *name) {
    table = lua_absindex(L, table);
    lua_pushnil(L);
    lua_setfield(L, table, name);
}

// Heap bytes a full collection walks for the cost of one instruction.
#define GC_BYTES_PER_INSTRUCTION 64

// collectgarbage limited to the harmless options: a processor may look at
// its memory or ask for a collection, not stop the collector or retune it.
static int sandboxed_collectgarbage(lua_State *L) {
    const char *option = luaL_optstring(L, 1, "collect");
    if (strcmp(option, "count") == 0) {
        int k = lua_gc(L, LUA_GCCOUNT);
        int b = lua_gc(L, LUA_GCCOUNTB);
        lua_pushnumber(L, (lua_Number)k + ((lua_Number)b / 1024));
        return 1;
    }
    if (strcmp(option, "collect") == 0 || strcmp(option, "step") == 0) {
        // A full collection walks the whole heap in C, outside the hook:
        // charged by the heap's size, so a loop of them meets the limits.
        cl_charge(L, (int64_t)(cl_runtime_of(L)->used / GC_BYTES_PER_INSTRUCTION));
        lua_gc(L, LUA_GCCOLLECT);
        lua_pushinteger(L, 0);
        return 1;
    }
    return luaL_error(L, "collectgarbage('%s') is not available in the sandbox", option);
}

static void sandbox(lua_State *L) {
    lua_pushglobaltable(L);
    int G = lua_gettop(L);
    remove_field(L, G, "dofile");
    remove_field(L, G, "loadfile");
    lua_pushcfunction(L, sandboxed_collectgarbage);
    lua_setfield(L, G, "collectgarbage");

    lua_getfield(L, G, "string");
    remove_field(L, -1, "dump");
    lua_pop(L, 1);

    // os: only the clock and the calendar.
    lua_getfield(L, G, "os");
    lua_createtable(L, 0, 3);
    static const char *const kept[] = { "clock", "time", "date", NULL };
    for (const char *const *name = kept; *name; name++) {
        lua_getfield(L, -2, *name);
        lua_setfield(L, -2, *name);
    }
    lua_setfield(L, G, "os");
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, G, "os");
    lua_setfield(L, -2, "os");
    lua_pop(L, 1);

    // package: Lua modules from the engine's module path only (see
    // modules.c); no C modules, no searchers a script could add to.
    lua_getfield(L, G, "package");
    int P = lua_gettop(L);
    remove_field(L, P, "loadlib");
    remove_field(L, P, "searchpath");
    lua_pushliteral(L, "");
    lua_setfield(L, P, "cpath");
    lua_getfield(L, P, "searchers");
    lua_pushnil(L);
    lua_rawseti(L, -2, 4);  // all-in-one C loader
    lua_pushnil(L);
    lua_rawseti(L, -2, 3);  // C loader
    lua_pop(L, 2);
    lua_settop(L, G - 1);
    cl_install_confined_require(L);
}

static int null_tostring(lua_State *L) {
    lua_pushliteral(L, "null");
    return 1;
}

static int refuse_metatable_write(lua_State *L) {
    return luaL_error(L, "the metatable of %s values is the engine's and read-only", lua_tostring(L, lua_upvalueindex(1)));
}

// The engine's metatables are shared by every value of their kind (and set
// by Swift on values it makes): a script that could change one could change
// them all, or add a __gc. So getmetatable gives a stand-in instead: a table
// with the kind's `__name` that refuses new fields with an error saying why.
// setmetatable on a value that has a hidden metatable is refused too.
void cl_hide_metatable(lua_State *L, const char *name) {
    lua_createtable(L, 0, 1);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    lua_createtable(L, 0, 2);
    lua_pushstring(L, name);
    lua_pushcclosure(L, refuse_metatable_write, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "__metatable");
}

static void new_hidden_metatable(lua_State *L, const char *name) {
    lua_createtable(L, 0, 3);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    cl_hide_metatable(L, name);
}

// `null`, and the marker metatables that say whether an (empty) table is an
// array or an object when it crosses into Swift.
static void data_helpers(lua_State *L) {
    lua_pushlightuserdata(L, cl_null_sentinel());
    new_hidden_metatable(L, "null");
    lua_pushcfunction(L, null_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_setmetatable(L, -2);  // light userdata share one metatable; ours is the only kind here
    lua_setglobal(L, "null");

    new_hidden_metatable(L, "array");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &array_marker_key);
    new_hidden_metatable(L, "object");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &object_marker_key);
}

static int open_libraries(lua_State *L) {
    int sandboxed = lua_toboolean(L, 1);
    if (sandboxed) {
        static const luaL_Reg libs[] = {
            { LUA_GNAME, luaopen_base }, { LUA_LOADLIBNAME, luaopen_package },
            { LUA_COLIBNAME, luaopen_coroutine }, { LUA_TABLIBNAME, luaopen_table },
            { LUA_STRLIBNAME, luaopen_string }, { LUA_MATHLIBNAME, luaopen_math },
            { LUA_UTF8LIBNAME, luaopen_utf8 }, { LUA_OSLIBNAME, luaopen_os }, { NULL, NULL },
        };
        for (const luaL_Reg *lib = libs; lib->func; lib++) {
            luaL_requiref(L, lib->name, lib->func, 1);
            lua_pop(L, 1);
        }
        sandbox(L);
    } else {
        luaL_openlibs(L);
    }
    cl_install_guards(L, sandboxed);
    data_helpers(L);
    return 0;
}

int cl_open_libraries(lua_State *L, int sandboxed) {
    lua_pushcfunction(L, open_libraries);
    lua_pushboolean(L, sandboxed);
    return lua_pcall(L, 1, 0, 0);
}
