// The kernels for the baseline instruction set of the target (SSE2 on x86-64, NEON on arm64): the portable path.
#define ISA_TABLE generic_table
#define ISA_NAME "generic"
#include "isaKernels.h"

const Isa *isa_generic(void) { return &ISA_TABLE; }
