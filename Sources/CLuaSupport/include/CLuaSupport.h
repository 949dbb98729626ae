// The C half of the Lua boundary: the only C code DataCollector writes.
//
// Lua raises errors with longjmp, and a longjmp must never cross Swift
// frames. So everything that raises lives here: Swift functions are reached
// through a trampoline that raises *after* Swift has returned; limits are
// enforced by a C hook and a C allocator; Swift enters Lua only through
// cl_pcall, which installs a traceback message handler.
#ifndef CLUA_SUPPORT_H
#define CLUA_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <lua5.4/lua.h>

/// Why the last protected call was stopped by the runtime (not by the script).
typedef enum cl_stop_reason {
    CL_STOP_NONE = 0,
    CL_STOP_INSTRUCTIONS = 1,
    CL_STOP_DEADLINE = 2,
    CL_STOP_INTERRUPT = 3,
    CL_STOP_MEMORY = 4,
} cl_stop_reason;

/// Per-state bookkeeping, reached from every thread of the state through
/// lua_getextraspace (coroutines inherit the pointer).
typedef struct cl_runtime {
    // Memory (counting allocator).
    size_t used;            // bytes currently allocated by this state
    size_t peak;            // highest `used` seen
    size_t limit;           // 0: no cap
    int enforce;            // the cap applies only while Lua code runs (see cl_alloc)
    // Budget (count hook).
    int64_t instruction_limit;  // per top-level call; 0: none
    int64_t instructions_left;
    uint64_t deadline_ns;       // CLOCK_MONOTONIC; 0: none
    int hook_interval;          // instructions between hook calls
    // Set by the hook or the trampoline; sticky until the next top-level call.
    int stop_reason;
    // Written by any thread.
    volatile int interrupt_requested;
    // The Swift context of the state (unretained), for warnings.
    void *swift_context;
    // Bytes `print` and `warn` may write per top-level call (0: no bound), written and
    // dropped so far in the running call.
    size_t print_limit;
    size_t print_written;
    size_t print_dropped;
    int print_mid_line;     // the last byte written was not a newline
    // The state's main thread: a large allocation that exhausts the budget
    // arms its hook to fire at the next instruction (see cl_alloc).
    lua_State *main_thread;
} cl_runtime;

/// Swift's side of a call from Lua: returns the number of results pushed, or
/// one of the CL_RAISE_* codes with the error value on top of the stack.
typedef int (*cl_dispatch_fn)(lua_State *L, void *box);
/// Releases a Swift object whose userdata Lua collected.
typedef void (*cl_release_fn)(void *box);
/// Receives a complete warning message (lua_warn pieces joined).
typedef void (*cl_warn_fn)(void *runtime, const char *message, size_t length);

enum {
    CL_RAISE_VALUE = -1,   // raise the value on top as it is
    CL_RAISE_WHERE = -2,   // raise the string on top, prefixed with "chunk:line: "
};

/// Installs the Swift callbacks (once per process).
void cl_install_callbacks(cl_dispatch_fn dispatch, cl_release_fn release, cl_warn_fn warn);

/// Creates a state whose allocations are counted (and capped) in `rt`, with
/// the budget hook installed and the extra space pointing at `rt`.
lua_State *cl_newstate(cl_runtime *rt);
cl_runtime *cl_runtime_of(lua_State *L);

/// Requests that running Lua stop at the next hook (thread-safe).
void cl_request_interrupt(cl_runtime *rt);
/// Starts a top-level call: clears the stop reason and the interrupt, arms the budget.
void cl_begin_call(lua_State *L, int64_t instruction_limit, uint64_t timeout_ns);

/// A budget saved by `cl_push_budget`, for `cl_pop_budget`.
typedef struct cl_budget {
    int64_t instruction_limit;
    int64_t instructions_left;
    uint64_t deadline_ns;
} cl_budget;

/// Arms a budget for a call nested in a running one (a per-record callback
/// run while the script waits inside a Swift function) and returns the
/// running call's budget. A pending interrupt stays pending.
cl_budget cl_push_budget(lua_State *L, int64_t instruction_limit, uint64_t timeout_ns);
/// Restores the budget `cl_push_budget` returned; a stop that the nested
/// budget caused ends with the nested call (an interrupt stays).
void cl_pop_budget(lua_State *L, cl_budget saved);
uint64_t cl_monotonic_ns(void);
/// Charges `cost` instructions' worth of work done in C (a library function
/// whose loop the script controls) against the running call's budget, and
/// checks the deadline and the interrupt; raises the limit's error, like the
/// hook, when the call must stop. Only for C functions called from Lua.
void cl_charge(lua_State *L, int64_t cost);
/// Ends a top-level call: notes on stdout what `print` dropped in it.
void cl_end_call(lua_State *L);

/// lua_pcall with the traceback message handler. The traceback of a failed
/// call (nil when the handler did not run, as for memory errors) is kept in
/// the registry until cl_push_last_traceback takes it.
int cl_pcall(lua_State *L, int nargs, int nresults);
void cl_push_last_traceback(lua_State *L);
/// luaL_loadbufferx, text only, under protection (a load can run out of memory).
int cl_load(lua_State *L, const char *buffer, size_t size, const char *chunkname);

/// Pushes a C closure that calls Swift's dispatch with `box`; the box is
/// released (cl_release_fn) when Lua collects the closure.
void cl_push_swift_function(lua_State *L, void *box);
/// Pushes a userdata carrying `box`, with the metatable stored in the registry under `type_key`.
void cl_push_swift_object(lua_State *L, void *box, const void *type_key);
/// Whether the value at `idx` is a Swift object of the type of `type_key`:
/// 1 and `*box` set if it is, 2 if it is one whose object was released, 0 if not.
int cl_check_swift_object(lua_State *L, int idx, const void *type_key, void **box);
/// Drops the userdata's box (releasing it) so later use is an error, not a crash.
void cl_invalidate_swift_object(lua_State *L, int idx);
/// Creates (in the registry under `type_key`) the metatable of a Swift object type:
/// `__gc` releases the box, `__name` is `type_name`; the table is left on the stack.
void cl_new_object_metatable(lua_State *L, const void *type_key, const char *type_name);
/// The C function used as `__gc` for Swift boxes (also usable as `__close`).
int cl_release_box(lua_State *L);
/// Pushes a host error: a userdata carrying `box` (a Swift error, released
/// with the userdata) whose message is the string on top of the stack (popped).
/// Scripts see it as its message: `tostring`, `..` and string methods work on it.
void cl_push_host_error(lua_State *L, void *box);
/// The box of the host error at `idx`, else NULL.
void *cl_to_host_error(lua_State *L, int idx);

/// Opens the standard libraries: all of them, or the sandboxed subset.
/// Returns a Lua status; on error the message is on top.
int cl_open_libraries(lua_State *L, int sandboxed);

/// Sets the `require` search templates (";"-separated, "?" for the name):
/// `package.path`, and in the sandbox the only place `require` looks.
/// Returns a Lua status.
int cl_set_module_path(lua_State *L, const char *templates);

/// The light userdata that stands for JSON null in Lua.
void *cl_null_sentinel(void);
/// Registry keys of the metatables that mark a table as an array or an object.
const void *cl_array_marker_key(void);
const void *cl_object_marker_key(void);

#endif
