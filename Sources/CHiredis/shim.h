#ifndef MPIM_CHIREDIS_SHIM_H
#define MPIM_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
