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
    return p;
}

// Raises the message on top of the stack, prefixed with the position of the
// running Lua function: a hook has no frame of its own, so that is level 0
// (luaL_error's level 1 is the caller, often C, which names no line). A
// limit then says where it stopped the code, as an error would.
static void cl_raise_here(lua_State *L) {
    luaL_where(L, 0);
    lua_insert(L, -2);
    lua_concat(L, 2);
    lua_error(L);
}

// Runs every `hook_interval` instructions. Once a limit is hit the hook keeps
// raising at every instruction, so a script's own pcall cannot swallow it.
static void cl_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    cl_runtime *rt = cl_runtime_of(L);
    if (rt->stop_reason == CL_STOP_NONE || rt->stop_reason == CL_STOP_MEMORY) {
        if (rt->interrupt_requested) {
            rt->stop_reason = CL_STOP_INTERRUPT;
        } else if (rt->instruction_limit > 0
                   && (rt->instructions_left -= lua_gethookcount(L)) <= 0) {
            rt->stop_reason = CL_STOP_INSTRUCTIONS;
        } else if (rt->deadline_ns != 0 && cl_monotonic_ns() >= rt->deadline_ns) {
            rt->stop_reason = CL_STOP_DEADLINE;
        } else {
            // A thread left at the fast rate by an earlier stop goes back to normal.
            if (lua_gethookcount(L) != rt->hook_interval)
                lua_sethook(L, cl_hook, LUA_MASKCOUNT, rt->hook_interval);
            return;
        }
        lua_sethook(L, cl_hook, LUA_MASKCOUNT, 1);
    }
    switch (rt->stop_reason) {
    case CL_STOP_INTERRUPT: luaL_error(L, "interrupted"); break;
    case CL_STOP_INSTRUCTIONS:
        lua_pushfstring(L, "instruction limit exceeded (%I instructions)", (LUAI_UACINT)rt->instruction_limit);
        cl_raise_here(L);
        break;
    case CL_STOP_DEADLINE:
        lua_pushliteral(L, "time limit exceeded");
        cl_raise_here(L);
        break;
    default: break;
    }
}

static void cl_warn(void *ud, const char *msg, int tocont);

lua_State *cl_newstate(cl_runtime *rt) {
    if (rt->hook_interval <= 0) rt->hook_interval = 1000;
    lua_State *L = lua_newstate(cl_alloc, rt);
    if (L == NULL) return NULL;
    memset(lua_getextraspace(L), 0, LUA_EXTRASPACE);
    *(cl_runtime **)lua_getextraspace(L) = rt;
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
