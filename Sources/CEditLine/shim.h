// libedit (BSD licence) through its readline-compatible interface.
#ifndef CEDITLINE_SHIM_H
#define CEDITLINE_SHIM_H
#include <stdio.h>
#include <editline/readline.h>

// Setters for libedit's global hooks: Swift 6 cannot touch C globals directly.
static inline void cel_set_hooks(int (*getc_function)(FILE *), rl_completion_func_t *completion) {
    rl_getc_function = getc_function;
    rl_attempted_completion_function = completion;
    rl_completion_append_character = 0;
    rl_catch_signals = 0;  // our SIGINT handler decides; libedit would re-raise it to the process group
}
// The line being edited (for completion that depends on what precedes the word).
static inline const char *cel_line_buffer(void) {
    return rl_line_buffer;
}
// The C library's stdin, which Lua's io library reads too: the REPL's piped
// input shares its buffer, so a line that reads stdin gets what follows it.
static inline FILE *cel_stdin(void) {
    return stdin;
}
#endif
