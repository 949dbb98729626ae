// Lua 5.4's function-like macros and constants as things Swift can call.
#ifndef CLUA_SHIM_H
#define CLUA_SHIM_H

#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>

static const int CLUA_REGISTRYINDEX = LUA_REGISTRYINDEX;
static const int CLUA_MULTRET = LUA_MULTRET;
static const int CLUA_RIDX_GLOBALS = LUA_RIDX_GLOBALS;
static const int CLUA_NOREF = LUA_NOREF;
static const int CLUA_REFNIL = LUA_REFNIL;
static const int CLUA_MINSTACK = LUA_MINSTACK;

static inline int clua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int clua_pcall(lua_State *L, int n, int r, int f) { return lua_pcall(L, n, r, f); }
static inline void clua_call(lua_State *L, int n, int r) { lua_call(L, n, r); }
static inline void clua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void clua_newtable(lua_State *L) { lua_newtable(L); }
static inline void clua_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
static inline void clua_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
static inline void *clua_getextraspace(lua_State *L) { return lua_getextraspace(L); }
static inline lua_Number clua_tonumber(lua_State *L, int i) { return lua_tonumber(L, i); }
static inline lua_Integer clua_tointeger(lua_State *L, int i) { return lua_tointeger(L, i); }
static inline void clua_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline void clua_remove(lua_State *L, int i) { lua_remove(L, i); }
static inline void clua_replace(lua_State *L, int i) { lua_replace(L, i); }
static inline int clua_isnoneornil(lua_State *L, int i) { return lua_isnoneornil(L, i); }
static inline const char *clua_release(void) { return LUA_RELEASE; }
static inline int clua_gc(lua_State *L, int what) { return lua_gc(L, what, 0); }
static inline const char *clua_typename(lua_State *L, int i) { return luaL_typename(L, i); }

#endif
