// The declaration in include/fuzz_driver.h is the whole module: libFuzzer provides the function.
#include "fuzz_driver.h"
