// The kernel sources of one instruction-set unit, in dependency order, and the table they fill. Included once by
// isaAvx2.c and once by isaGeneric.c with ISA_TABLE and ISA_NAME set.
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "isa.h"
#include "vec.h"
#include "gemm.c"
#include "dropout.c"
#include "lstm.c"
#include "encoder.c"
#include "heads.c"
#include "loss.c"
#include "adam.c"
#include "lstmModel.c"

static const Isa ISA_TABLE = {
    .name = ISA_NAME,
    .sliceForward = slice_forward,
    .sliceBackward = slice_backward,
    .sliceLogits = slice_logits,
    .adamUpdate = adam_update,
    .sumInto = sum_into,
    .sumSquares = sum_squares,
    .dropoutApply = dropout_apply,
    .packB = pack_b,
};
