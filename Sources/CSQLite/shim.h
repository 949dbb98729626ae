// The system SQLite 3, plus what Swift cannot import from sqlite3.h.
#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a function pointer, a macro Swift cannot
// import: bound text and blobs are copied by SQLite when this is passed, so the
// Swift buffer may go away right after the bind call.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }

#endif
