#include "fx.h"
double fx_sum(long n) { return n }
double fx_par(long n) { return 0; }
