// The kernels compiled for AVX2 + FMA (8-wide float vectors, fused multiply-add), used where the CPU has both.
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "isa.h"
#if defined(__x86_64__) || defined(__i386__)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
#endif
#define ISA_TABLE avx2_table
#define ISA_NAME "avx2"
#include "isaKernels.h"
#if defined(__clang__)
#pragma clang attribute pop
#endif
const Isa *isa_avx2(void) { return &ISA_TABLE; }
#else
const Isa *isa_avx2(void) { return NULL; }
#endif
