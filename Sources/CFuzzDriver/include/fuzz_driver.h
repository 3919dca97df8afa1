#ifndef COREG_FUZZ_DRIVER_H
#define COREG_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for programs that keep their own main (compiler-rt's FuzzerDriver.cpp):
// it parses libFuzzer's flags from argc/argv and runs `callback` on every input. Linked from
// libclang_rt.fuzzer when the program is built with -sanitize=fuzzer.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
