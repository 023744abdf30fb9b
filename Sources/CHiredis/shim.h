#ifndef FLEXFIN_CHIREDIS_SHIM_H
#define FLEXFIN_CHIREDIS_SHIM_H
// Only the non-variadic entry points are used from Swift
// (redisCommandArgv / redisAppendCommandArgv), which are binary safe.
#include <hiredis/hiredis.h>
#endif
