/* progress.c: see kit.h (being written). */
#include "kit.h"
