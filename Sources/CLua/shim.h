// Lua 5.4's macros and constants that Swift uses, as things it can call. Only
// those: Swift enters Lua protected (no lua_call wrapper), and calls API
// functions that may raise only through CLuaSupport.
#ifndef CLUA_SHIM_H
#define CLUA_SHIM_H

#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>

static const int CLUA_REGISTRYINDEX = LUA_REGISTRYINDEX;
static const int CLUA_MULTRET = LUA_MULTRET;
static const int CLUA_RIDX_GLOBALS = LUA_RIDX_GLOBALS;

static inline const char *clua_release(void) { return LUA_RELEASE; }
static inline int clua_gc(lua_State *L, int what) { return lua_gc(L, what, 0); }

#endif
