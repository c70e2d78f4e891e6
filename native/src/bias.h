// Bias of a dense layer (bias.cc), shared by the biasAdd/biasGrad entry points and the fused
// dense-chain kernels so that both compute the same values.
#pragma once
#include <cstdint>

namespace hourglass {

// y[r * cols + c] += bias[c] over rows x cols.
void addBiasToRows(float* y, const float* bias, int64_t rows, int64_t cols);

// dbias[c] = sum over r of dy[r * cols + c], on the calling thread, summed in double row by row
// (the order biasGrad uses whatever its thread count); overwrites dbias.
void columnSums(const float* dy, int64_t rows, int64_t cols, float* dbias);

}  // namespace hourglass
