// Lua calling Swift: the trampoline, and Swift objects as userdata.
#include "internal.h"
#include <lua5.4/lauxlib.h>

static cl_dispatch_fn g_dispatch;
static cl_release_fn g_release;
void cl_set_warn_callback(cl_warn_fn warn);

void cl_install_callbacks(cl_dispatch_fn dispatch, cl_release_fn release, cl_warn_fn warn) {
    g_dispatch = dispatch;
    g_release = release;
    cl_set_warn_callback(warn);
}

// Swift boxes live in a userdata of this shape; the box is an owned
// (retained) reference that __gc gives back.
typedef struct cl_box_slot {
    void *box;
} cl_box_slot;

static const char function_box_key = 0;
// A key only C can make: its presence in a metatable says the metatable is
// one of ours (a script cannot forge it, even with debug.setmetatable).
static const char box_marker_key = 0;

// The slot of the userdata at `idx` if it is a Swift box: a full userdata
// of exactly a slot's size whose metatable carries our marker. Anything
// else (a FILE handle, a light userdata, a table) is NULL.
// `kind` is BOX_FUNCTION, BOX_OBJECT, BOX_ERROR or BOX_ANY.
enum { BOX_ANY = 0, BOX_FUNCTION = 1, BOX_OBJECT = 2, BOX_ERROR = 3 };

static cl_box_slot *box_slot(lua_State *L, int idx, int kind) {
    if (lua_type(L, idx) != LUA_TUSERDATA || lua_islightuserdata(L, idx)
        || lua_rawlen(L, idx) != sizeof(cl_box_slot) || !lua_getmetatable(L, idx))
        return NULL;
    int ours = 0;
    if (lua_rawgetp(L, -1, &box_marker_key) == LUA_TNUMBER) {
        lua_Integer marked = lua_tointeger(L, -1);
        ours = kind == BOX_ANY || marked == kind;
    }
    lua_pop(L, 2);
    return ours ? lua_touserdata(L, idx) : NULL;
}

static void mark_box_metatable(lua_State *L, int kind) {
    lua_pushinteger(L, kind);
    lua_rawsetp(L, -2, &box_marker_key);
}

// The __gc of Swift boxes; called by hand on anything else it does nothing.
int cl_release_box(lua_State *L) {
    cl_box_slot *slot = box_slot(L, 1, BOX_ANY);
    if (slot && slot->box) {
        void *box = slot->box;
        slot->box = NULL;
        g_release(box);
    }
    return 0;
}

// The only way Lua reaches Swift. Swift runs with the memory cap suspended
// and returns a status; errors are raised here, after Swift's frames are gone.
static int cl_trampoline(lua_State *L) {
    cl_box_slot *slot = box_slot(L, lua_upvalueindex(1), BOX_FUNCTION);
    if (slot == NULL || slot->box == NULL) return luaL_error(L, "attempt to call a released Swift function");
    cl_runtime *rt = cl_runtime_of(L);
    int previous = rt->enforce;
    rt->enforce = 0;
    int n = g_dispatch(L, slot->box);
    rt->enforce = previous;
    if (n >= 0) {
        if (previous && rt->limit && rt->used > rt->limit) {
            lua_gc(L, LUA_GCCOLLECT);
            if (rt->used > rt->limit) {
                rt->stop_reason = CL_STOP_MEMORY;
                return luaL_error(L, "not enough memory");
            }
        }
        return n;
    }
    if (n == CL_RAISE_WHERE && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static void cl_push_box_userdata(lua_State *L, void *box) {
    cl_box_slot *slot = lua_newuserdatauv(L, sizeof(cl_box_slot), 0);
    slot->box = box;
}

void cl_push_swift_function(lua_State *L, void *box) {
    cl_push_box_userdata(L, box);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &function_box_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 3);
        lua_pushcfunction(L, cl_release_box);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "Swift function");
        lua_setfield(L, -2, "__name");
        cl_hide_metatable(L, "Swift function");
        mark_box_metatable(L, BOX_FUNCTION);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &function_box_key);
    }
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, cl_trampoline, 1);
}

void cl_new_object_metatable(lua_State *L, const void *type_key, const char *type_name) {
    lua_createtable(L, 0, 5);
    lua_pushcfunction(L, cl_release_box);
    lua_setfield(L, -2, "__gc");
    lua_pushstring(L, type_name);
    lua_setfield(L, -2, "__name");
    // Hidden: a script can neither reach __gc nor change the methods every
    // object of the type shares.
    cl_hide_metatable(L, type_name);
    mark_box_metatable(L, BOX_OBJECT);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, type_key);
}

void cl_push_swift_object(lua_State *L, void *box, const void *type_key) {
    cl_push_box_userdata(L, box);
    lua_rawgetp(L, LUA_REGISTRYINDEX, type_key);
    lua_setmetatable(L, -2);
}

int cl_check_swift_object(lua_State *L, int idx, const void *type_key, void **box) {
    *box = NULL;
    if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return 0;
    lua_rawgetp(L, LUA_REGISTRYINDEX, type_key);
    int same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!same) return 0;
    cl_box_slot *slot = box_slot(L, idx, BOX_OBJECT);
    if (slot == NULL) return 0;
    *box = slot->box;
    return slot->box ? 1 : 2;
}

void cl_invalidate_swift_object(lua_State *L, int idx) {
    if (box_slot(L, idx, BOX_OBJECT) == NULL) return;
    lua_pushcfunction(L, cl_release_box);
    lua_pushvalue(L, idx);
    lua_call(L, 1, 0);  // cl_release_box cannot raise
}

// Host errors: a Swift error thrown by a Swift function travels through Lua
// as a userdata holding it, so that it comes back out of lua_pcall as the
// same Swift error (its type intact). Its message is the user value; it
// reads as that string to scripts: tostring, .., and string methods (e:find).
static const char host_error_key = 0;

static int host_error_tostring(lua_State *L) {
    if (cl_to_host_error(L, 1) == NULL) return luaL_tolstring(L, 1, NULL), 1;
    lua_getiuservalue(L, 1, 1);
    return 1;
}

static int host_error_concat(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    luaL_tolstring(L, 2, NULL);
    lua_concat(L, 2);
    return 1;
}

// A string method called on the error: runs on its message instead.
static int host_error_method(lua_State *L) {
    if (cl_to_host_error(L, 1) != NULL) {
        lua_getiuservalue(L, 1, 1);
        lua_replace(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int host_error_index(lua_State *L) {
    lua_pushliteral(L, "");
    if (luaL_getmetafield(L, -1, "__index") != LUA_TTABLE) return 0;
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TFUNCTION) return 0;
    lua_pushcclosure(L, host_error_method, 1);
    return 1;
}

void cl_push_host_error(lua_State *L, void *box) {
    cl_box_slot *slot = lua_newuserdatauv(L, sizeof(cl_box_slot), 1);
    slot->box = box;
    lua_rotate(L, -2, 1);  // the message on top
    lua_setiuservalue(L, -2, 1);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &host_error_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 6);
        lua_pushcfunction(L, cl_release_box);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "error");
        lua_setfield(L, -2, "__name");
        lua_pushcfunction(L, host_error_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, host_error_concat);
        lua_setfield(L, -2, "__concat");
        lua_pushcfunction(L, host_error_index);
        lua_setfield(L, -2, "__index");
        cl_hide_metatable(L, "error");
        mark_box_metatable(L, BOX_ERROR);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &host_error_key);
    }
    lua_setmetatable(L, -2);
}

void *cl_to_host_error(lua_State *L, int idx) {
    cl_box_slot *slot = box_slot(L, idx, BOX_ERROR);
    return slot ? slot->box : NULL;
}
