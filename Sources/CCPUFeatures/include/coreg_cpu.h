#ifndef COREG_CPU_H
#define COREG_CPU_H

/// What this CPU and operating system can run, as the compiler's runtime reports it
/// (`__builtin_cpu_supports` reads cpuid and, for AVX and AVX-512, checks with xgetbv that the
/// OS saves the wider registers). Each returns 1 or 0; always 0 off x86-64.
int coreg_cpu_has_avx2_fma(void);
/// AVX-512 F + CD + BW + DQ + VL (the x86-64-v4 level; Skylake-SP, Ice Lake, Sapphire Rapids,
/// Zen 4, Zen 5).
int coreg_cpu_has_avx512(void);
/// The CPU's brand string ("AMD EPYC …", "Intel(R) Xeon(R) …"), or "" where unknown. `buf` gets
/// at most 48 characters plus the terminating zero.
void coreg_cpu_brand(char buf[49]);

#endif
