// Declarations shared by the C files of CLuaSupport, not seen by Swift.
#ifndef CLUA_SUPPORT_INTERNAL_H
#define CLUA_SUPPORT_INTERNAL_H

#include "CLuaSupport.h"

/// Bytes `print` and `warn` may write per top-level call in the sandbox.
#define CL_PRINT_LIMIT (64u << 10)

/// Replaces the library functions whose loops the script controls with
/// bounded ones (string.rep, table.move/concat/insert/remove/sort, the
/// pattern functions, load with a reader function, coroutine.close) and
/// setmetatable; in the sandbox also print and warn, and load is text-only.
void cl_install_guards(lua_State *L, int sandboxed);
/// Replaces string.find, match, gmatch and gsub with the budgeted matcher.
void cl_install_patterns(lua_State *L);
/// Replaces `require` and `package` with the sandbox's confined ones.
void cl_install_confined_require(lua_State *L);
/// The length of the table at `arg` as table.insert finds it (a table, or
/// a value with __index, __newindex and __len).
lua_Integer cl_table_length(lua_State *L, int arg);
/// table.sort, charging its comparisons (sort.c).
int cl_budgeted_sort(lua_State *L);
/// Hides the metatable on top of the stack: getmetatable gives a read-only
/// stand-in named `name`, and setmetatable refuses to replace it.
void cl_hide_metatable(lua_State *L, const char *name);
/// Bytes of C stack used on this thread since Swift entered Lua (0 outside a call).
size_t cl_c_stack_used(void);

#endif
