#ifndef FLEXFIN_CPOSTGRES_SHIM_H
#define FLEXFIN_CPOSTGRES_SHIM_H
#include <postgresql/libpq-fe.h>
#endif
