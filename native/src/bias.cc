// Bias of a dense layer: added to every row of the output, and its gradient, the column
// sums of the output gradient. The gradient is a reduction, summed in double in a fixed
// order (row 0 to rows - 1 for each column) whatever the number of threads, so it is
// identical from run to run.
#include "bias.h"

#include <algorithm>

#include "args.h"
#include "parallel.h"
#include "registry.h"
#include "isa_dispatch.h"

namespace hourglass {

void addBiasToRows(float* y, const float* bias, int64_t rows, int64_t cols) {
  dispatchByIsa([&] {
    for (int64_t r = 0; r < rows; r++) {
      float* row = y + r * cols;
      for (int64_t c = 0; c < cols; c++) row[c] += bias[c];
    }
  });
}

namespace {

// Columns are summed in blocks: a block's accumulators stay in registers / L1 while the
// rows stream past, and blocks are the unit of work shared between threads.
constexpr int64_t kColumnBlock = 64;

void sumColumnBlock(const float* dy, int64_t rows, int64_t cols, int64_t first, int64_t width, float* dbias) {
  dispatchByIsa([&] {
    double sums[kColumnBlock] = {};
    for (int64_t r = 0; r < rows; r++) {
      const float* row = dy + r * cols + first;
      for (int64_t c = 0; c < width; c++) sums[c] += row[c];
    }
    for (int64_t c = 0; c < width; c++) dbias[first + c] = static_cast<float>(sums[c]);
  });
}

}  // namespace

void columnSums(const float* dy, int64_t rows, int64_t cols, float* dbias) {
  for (int64_t first = 0; first < cols; first += kColumnBlock) sumColumnBlock(dy, rows, cols, first, std::min(kColumnBlock, cols - first), dbias);
}

// biasAdd(y, bias, rows, cols): y[r * cols + c] += bias[c]
static Napi::Value BiasAdd(const Napi::CallbackInfo& info) {
  expectCount(info, 4, "biasAdd");
  auto env = info.Env();
  int64_t rows = dim(info, 2, "rows"), cols = dim(info, 3, "cols");
  float* y = floats(info, 0, "y", product(env, {rows, cols})).data;
  const float* bias = floats(info, 1, "bias", cols).data;
  forRanges(rows, cols, 1, [&](int64_t begin, int64_t end) {
    addBiasToRows(y + begin * cols, bias, end - begin, cols);
  });
  return env.Undefined();
}
HOURGLASS_EXPORT(biasAdd, BiasAdd);

// biasGrad(dy, rows, cols, dbias): dbias[c] = sum over r of dy[r * cols + c] (overwrites dbias)
static Napi::Value BiasGrad(const Napi::CallbackInfo& info) {
  expectCount(info, 4, "biasGrad");
  auto env = info.Env();
  int64_t rows = dim(info, 1, "rows"), cols = dim(info, 2, "cols");
  const float* dy = floats(info, 0, "dy", product(env, {rows, cols})).data;
  float* dbias = floats(info, 3, "dbias", cols).data;
  int64_t blocks = (cols + kColumnBlock - 1) / kColumnBlock;
  forRanges(blocks, rows * kColumnBlock, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      int64_t first = b * kColumnBlock;
      sumColumnBlock(dy, rows, cols, first, std::min(kColumnBlock, cols - first), dbias);
    }
  });
  return env.Undefined();
}
HOURGLASS_EXPORT(biasGrad, BiasGrad);

}  // namespace hourglass
