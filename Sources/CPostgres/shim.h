// The system libpq (PostgreSQL's C client). Debian installs its headers under
// /usr/include/postgresql, which `pkg-config --cflags libpq` adds to the path.
#ifndef CPOSTGRES_SHIM_H
#define CPOSTGRES_SHIM_H

#include <libpq-fe.h>

// Diagnostic field codes are macros over characters in postgres_ext.h; these
// constants give them names Swift can see without depending on the header.
static const int CPOSTGRES_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int CPOSTGRES_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int CPOSTGRES_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int CPOSTGRES_DIAG_COLUMN_NAME = PG_DIAG_COLUMN_NAME;

#endif
