// The counting allocator, the budget hook and state creation.
#include "CLuaSupport.h"
#include <lua5.4/lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t cl_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

cl_runtime *cl_runtime_of(lua_State *L) {
    return *(cl_runtime **)lua_getextraspace(L);
}

// The cap applies only while Lua runs (`enforce`): an allocation refused while
// Swift is pushing values would raise through Swift frames. Swift sections
// may overdraw; cl_pcall and the trampoline check the balance when control
// goes back to Lua. A refusal by the system allocator itself outside Lua is
// fatal, as it is for Swift's own allocations.
static void cl_hook(lua_State *L, lua_Debug *ar);

// One instruction of budget per this many bytes a running call allocates.
// A single instruction can do work in proportion to what it allocates
// (`s .. t`, `s:upper()` on a long string) while the hook runs only every
// `hook_interval` instructions; charging the bytes makes such loops meet the
// instruction limit as soon as they meet the time limit or sooner.
#define ALLOC_BYTES_PER_INSTRUCTION 64
// Allocations at least this large also look at the deadline and the interrupt.
#define LARGE_ALLOCATION (1u << 20)

// Charges an allocation of `grown` bytes made while Lua runs. It cannot
// raise here; once the call must stop it arms the main thread's hook to
// fire at the next instruction, where the stop is raised as usual (a
// coroutine meets it at its own next hook).
static void charge_allocation(cl_runtime *rt, size_t grown) {
    int stop = 0;
    if (rt->instruction_limit > 0) {
        rt->instructions_left -= (int64_t)(grown / ALLOC_BYTES_PER_INSTRUCTION);
        stop = rt->instructions_left <= 0;
    }
    if (!stop && grown >= LARGE_ALLOCATION)
        stop = __atomic_load_n(&rt->interrupt_requested, __ATOMIC_RELAXED) || (rt->deadline_ns != 0 && cl_monotonic_ns() >= rt->deadline_ns);
    if (stop && rt->main_thread && lua_gethookcount(rt->main_thread) != 1)
        lua_sethook(rt->main_thread, cl_hook, LUA_MASKCOUNT, 1);
}

static void *cl_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    cl_runtime *rt = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        rt->used -= old;
        return NULL;
    }
    if (nsize > old && rt->limit && rt->enforce && rt->used - old + nsize > rt->limit) {
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) {
        if (rt->enforce || nsize <= old) return NULL;
        fprintf(stderr, "fatal: out of memory allocating %zu bytes for Lua\n", nsize);
        abort();
    }
    rt->used = rt->used - old + nsize;
    if (rt->used > rt->peak) rt->peak = rt->used;
    if (rt->enforce && nsize > old && nsize - old >= ALLOC_BYTES_PER_INSTRUCTION) charge_allocation(rt, nsize - old);
    return p;
}

// Charges `cost` against the running call's budget and looks at the
// interrupt and the deadline. Returns whether the call must stop; once it
// must, the hook is set to fire at every instruction, so a script's own
// pcall cannot swallow the stop.
static int cl_over_budget(lua_State *L, cl_runtime *rt, int64_t cost) {
    if (rt->stop_reason == CL_STOP_NONE || rt->stop_reason == CL_STOP_MEMORY) {
        if (__atomic_load_n(&rt->interrupt_requested, __ATOMIC_RELAXED)) {
            rt->stop_reason = CL_STOP_INTERRUPT;
        } else if (rt->instruction_limit > 0 && (rt->instructions_left -= cost) <= 0) {
            rt->stop_reason = CL_STOP_INSTRUCTIONS;
        } else if (rt->deadline_ns != 0 && cl_monotonic_ns() >= rt->deadline_ns) {
            rt->stop_reason = CL_STOP_DEADLINE;
        } else {
            return 0;
        }
        lua_sethook(L, cl_hook, LUA_MASKCOUNT, 1);
    }
    return rt->stop_reason != CL_STOP_NONE && rt->stop_reason != CL_STOP_MEMORY;
}

// Raises the error of the stop, prefixed with the position at `level`.
static void cl_raise_stop(lua_State *L, cl_runtime *rt, int level) {
    switch (rt->stop_reason) {
    case CL_STOP_INTERRUPT: luaL_error(L, "interrupted"); return;
    case CL_STOP_INSTRUCTIONS:
        lua_pushfstring(L, "instruction limit exceeded (%I instructions)", (LUAI_UACINT)rt->instruction_limit);
        break;
    case CL_STOP_DEADLINE: lua_pushliteral(L, "time limit exceeded"); break;
    default: return;
    }
    luaL_where(L, level);
    lua_insert(L, -2);
    lua_concat(L, 2);
    lua_error(L);
}

// Runs every `hook_interval` instructions. A hook has no frame of its own,
// so the position is level 0: the running Lua function.
static void cl_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    cl_runtime *rt = cl_runtime_of(L);
    if (!cl_over_budget(L, rt, lua_gethookcount(L))) {
        // A thread left at the fast rate by an earlier stop goes back to normal.
        if (lua_gethookcount(L) != rt->hook_interval) lua_sethook(L, cl_hook, LUA_MASKCOUNT, rt->hook_interval);
        return;
    }
    cl_raise_stop(L, rt, 0);
}

void cl_charge(lua_State *L, int64_t cost) {
    cl_runtime *rt = cl_runtime_of(L);
    // Level 1: the Lua code that called the C function doing the work.
    if (cl_over_budget(L, rt, cost)) cl_raise_stop(L, rt, 1);
}

static void cl_warn(void *ud, const char *msg, int tocont);

lua_State *cl_newstate(cl_runtime *rt) {
    if (rt->hook_interval <= 0) rt->hook_interval = 1000;
    lua_State *L = lua_newstate(cl_alloc, rt);
    if (L == NULL) return NULL;
    memset(lua_getextraspace(L), 0, LUA_EXTRASPACE);
    *(cl_runtime **)lua_getextraspace(L) = rt;
    rt->main_thread = L;
    lua_sethook(L, cl_hook, LUA_MASKCOUNT, rt->hook_interval);
    lua_setwarnf(L, cl_warn, L);
    return L;
}

void cl_request_interrupt(cl_runtime *rt) {
    __atomic_store_n(&rt->interrupt_requested, 1, __ATOMIC_RELAXED);
}

void cl_begin_call(lua_State *L, int64_t instruction_limit, uint64_t timeout_ns) {
    cl_runtime *rt = cl_runtime_of(L);
    if (rt->stop_reason != CL_STOP_NONE) lua_sethook(L, cl_hook, LUA_MASKCOUNT, rt->hook_interval);
    rt->stop_reason = CL_STOP_NONE;
    __atomic_store_n(&rt->interrupt_requested, 0, __ATOMIC_RELAXED);
    rt->instruction_limit = instruction_limit;
    rt->instructions_left = instruction_limit;
    rt->deadline_ns = timeout_ns ? cl_monotonic_ns() + timeout_ns : 0;
    rt->print_written = 0;
    rt->print_dropped = 0;
    rt->print_mid_line = 0;
}

cl_budget cl_push_budget(lua_State *L, int64_t instruction_limit, uint64_t timeout_ns) {
    cl_runtime *rt = cl_runtime_of(L);
    cl_budget saved = { rt->instruction_limit, rt->instructions_left, rt->deadline_ns };
    rt->instruction_limit = instruction_limit;
    rt->instructions_left = instruction_limit;
    rt->deadline_ns = timeout_ns ? cl_monotonic_ns() + timeout_ns : 0;
    return saved;
}

void cl_pop_budget(lua_State *L, cl_budget saved) {
    cl_runtime *rt = cl_runtime_of(L);
    rt->instruction_limit = saved.instruction_limit;
    rt->instructions_left = saved.instructions_left;
    rt->deadline_ns = saved.deadline_ns;
    if (rt->stop_reason == CL_STOP_INSTRUCTIONS || rt->stop_reason == CL_STOP_DEADLINE) {
        rt->stop_reason = CL_STOP_NONE;
        lua_sethook(L, cl_hook, LUA_MASKCOUNT, rt->hook_interval);
    }
}

// Warnings (lua_warn, errors in __gc) arrive in pieces; join them and hand
// the whole message to Swift. Control messages ("@on"/"@off") are ignored:
// the Swift side decides where warnings go.
static cl_warn_fn g_warn;
static _Thread_local char g_warn_buffer[1024];
static _Thread_local size_t g_warn_length;

static void cl_warn(void *ud, const char *msg, int tocont) {
    lua_State *L = ud;
    if (g_warn_length == 0 && !tocont && msg[0] == '@') return;
    size_t n = strlen(msg);
    if (n > sizeof g_warn_buffer - 1 - g_warn_length) n = sizeof g_warn_buffer - 1 - g_warn_length;
    memcpy(g_warn_buffer + g_warn_length, msg, n);
    g_warn_length += n;
    if (!tocont) {
        if (g_warn) g_warn(cl_runtime_of(L), g_warn_buffer, g_warn_length);
        g_warn_length = 0;
    }
}

void cl_set_warn_callback(cl_warn_fn warn) { g_warn = warn; }
