// `require` in the sandbox: Lua modules from the engine's module path only.
//
// The stock `require` follows `package.path`, which a script can rewrite to
// run or read any file (and block on a device such as /dev/stdin). Here the
// search templates are kept where scripts cannot reach them, module names
// cannot climb out of a template's directory, only regular files load, and
// `package` is a read-only view.
#include "internal.h"
#include <lua5.4/lauxlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char module_path_key = 0;
static const char package_key = 0;

// Names are words of letters, digits, '_' and '-' joined by '.' (or '/'):
// no empty word, so no "..", no leading or trailing separator, no absolute path.
static int valid_module_name(const char *name, size_t length) {
    if (length == 0) return 0;
    int word = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '.' || c == '/') {
            if (word == 0) return 0;
            word = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
            word++;
        } else {
            return 0;
        }
    }
    return word > 0;
}

// Reads a regular file into a new string on the stack; returns 0 (and
// pushes nothing) when `path` is not a readable regular file. Never blocks
// on a device or a pipe: it is opened non-blocking and checked first.
static int push_file(lua_State *L, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    cl_runtime *rt = cl_runtime_of(L);
    size_t size = (size_t)st.st_size;
    if (rt->limit && size > rt->limit)
        luaL_error(L, "require: module file '%s' (%I bytes) is over the memory limit", path, (LUAI_UACINT)size);
    // Allocate before opening, so that a refused allocation cannot leak the descriptor.
    char *buffer = lua_newuserdatauv(L, size > 0 ? size : 1, 0);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) { lua_pop(L, 1); return 0; }
    size_t got = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        while (got < size) {
            ssize_t n = read(fd, buffer + got, size - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += (size_t)n;
        }
    } else {
        close(fd);
        lua_pop(L, 1);
        return 0;
    }
    close(fd);
    lua_pushlstring(L, buffer, got);
    lua_remove(L, -2);
    return 1;
}

static int confined_require(lua_State *L) {
    size_t length;
    const char *name = luaL_checklstring(L, 1, &length);
    lua_settop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);  // 2
    lua_getfield(L, 2, name);
    if (lua_toboolean(L, -1)) return 1;
    lua_pop(L, 1);
    // package.preload: loaders the script itself put there.
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &package_key) == LUA_TTABLE && lua_getfield(L, -1, "preload") == LUA_TTABLE
        && lua_getfield(L, -1, name) == LUA_TFUNCTION) {
        lua_pushvalue(L, 1);
        lua_pushliteral(L, ":preload:");
        lua_call(L, 2, 1);
        if (!lua_isnil(L, -1)) lua_setfield(L, 2, name);
        if (lua_getfield(L, 2, name) == LUA_TNIL) {
            lua_pushboolean(L, 1);
            lua_copy(L, -1, -2);
            lua_setfield(L, 2, name);
        }
        lua_pushliteral(L, ":preload:");
        return 2;
    }
    lua_settop(L, 2);
    if (!valid_module_name(name, length) || strlen(name) != length)
        return luaL_error(L, "require: invalid module name '%s' (names are words of letters, digits, '_' "
                             "and '-' joined by '.'; no '..', no absolute path)", name);
    // The name as a relative path: dots are directories, as in `require`.
    const char *relative = luaL_gsub(L, name, ".", "/");  // 3
    lua_rawgetp(L, LUA_REGISTRYINDEX, &module_path_key);  // 4
    const char *templates = lua_tostring(L, 4);
    int found = 0;
    const char *filename = NULL;
    int filename_index = 0;
    for (const char *t = templates ? templates : ""; *t;) {
        const char *end = strchr(t, ';');
        size_t n = end ? (size_t)(end - t) : strlen(t);
        if (n > 0) {
            lua_pushlstring(L, t, n);
            filename = luaL_gsub(L, lua_tostring(L, -1), "?", relative);
            lua_remove(L, -2);
            filename_index = lua_gettop(L);
            if (push_file(L, filename)) { found = 1; break; }
            lua_pop(L, 1);
        }
        t += n;
        if (*t == ';') t++;
    }
    if (!found) {
        // The list of files tried, as Lua words it.
        luaL_Buffer tried;
        luaL_buffinit(L, &tried);
        for (const char *t = templates ? templates : ""; *t;) {
            const char *end = strchr(t, ';');
            size_t n = end ? (size_t)(end - t) : strlen(t);
            if (n > 0) {
                lua_pushlstring(L, t, n);
                const char *candidate = luaL_gsub(L, lua_tostring(L, -1), "?", relative);
                lua_pushfstring(L, "\n\tno file '%s'", candidate);
                lua_remove(L, -2);
                lua_remove(L, -2);
                luaL_addvalue(&tried);
            }
            t += n;
            if (*t == ';') t++;
        }
        luaL_pushresult(&tried);
        return luaL_error(L, "module '%s' not found:%s", name, lua_tostring(L, -1));
    }
    // Stack: ... filename, contents.
    size_t size;
    const char *contents = lua_tolstring(L, -1, &size);
    lua_pushfstring(L, "@%s", filename);
    int status = luaL_loadbufferx(L, contents, size, lua_tostring(L, -1), "t");
    if (status != LUA_OK) {
        // No position prefix, as Lua's own require: the message starts with
        // the module's own "file:line:", which names the fault.
        lua_pushfstring(L, "error loading module '%s' from file '%s':\n\t%s", name, filename, lua_tostring(L, -1));
        return lua_error(L);
    }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, filename_index);
    lua_call(L, 2, 1);
    if (!lua_isnil(L, -1)) lua_setfield(L, 2, name);
    else lua_pop(L, 1);
    if (lua_getfield(L, 2, name) == LUA_TNIL) {
        lua_pushboolean(L, 1);
        lua_copy(L, -1, -2);
        lua_setfield(L, 2, name);
    }
    lua_pushvalue(L, filename_index);
    return 2;
}

static int refuse_package_write(lua_State *L) {
    return luaL_error(L, "package is read-only in the sandbox (the module path is set by the engine)");
}

// A view of the real package table that reads through and refuses writes.
void cl_install_confined_require(lua_State *L) {
    lua_getglobal(L, "package");
    int P = lua_gettop(L);
    lua_pushvalue(L, P);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &package_key);
    lua_newtable(L);  // the view
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, P);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, refuse_package_write);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "package");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "package");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "package");
    lua_pop(L, 2);
    lua_pushcfunction(L, confined_require);
    lua_setglobal(L, "require");
    lua_settop(L, P - 1);
}

static int set_module_path(lua_State *L) {
    const char *templates = lua_touserdata(L, 1);
    lua_pushstring(L, templates);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &module_path_key);
    // The real package table: the sandbox's own, or the global one.
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &package_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_getglobal(L, "package");
    }
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushvalue(L, -2);
        lua_setfield(L, -2, "path");
    }
    return 0;
}

int cl_set_module_path(lua_State *L, const char *templates) {
    lua_pushcfunction(L, set_module_path);
    lua_pushlightuserdata(L, (void *)templates);
    return lua_pcall(L, 1, 0, 0);
}
