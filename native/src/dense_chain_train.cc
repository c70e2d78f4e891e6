// denseChainTrainStep(x, y, n, layers with gradients, precision, rows, entries, beta1, beta2,
//   eps, weightDecay, step) -> mean squared error over all n x d' values; every weightGrad and
//   biasGrad is overwritten with the gradient of that mean. precision 'float32', or
//   'bfloat16': the matrix products take bfloat16 operands (float32 results, see
//   bf16_matmul.h); activations, losses and gradients stay float32. rows: null (x and y are
//   the batch, n rows each) or a Uint32Array of n row indices (the batch is x[rows], y[rows],
//   gathered by the threads themselves). entries: null, or Adam's step as adamStepAll takes it
//   (entries to step, optimizer.h), applied once the gradients are summed.
//
// Why: one training step of a dense autoencoder is a dozen matrix products on a batch of a
// few hundred rows. Given two threads, oneDNN's sgemm splits each product in two and
// synchronises per call, which at these sizes ran at about the speed of one thread. Here the
// batch is split instead: each thread runs the forward and backward pass of its own rows
// with single-threaded sgemm calls (inside the parallel region oneDNN runs them on the calling
// thread) and the per-thread weight gradients are summed in a fixed order at the end, so the
// result does not depend on timing. Gathering the batch and the optimizer's update happen in
// the same parallel region: done apart, each was a pass on one thread (gather 0.18 ms, a
// separate Adam call 0.25-0.30 ms, against 2.1 ms for the step of the reference model's
// 256-row batch), and each evicted from the cores' caches what the next one needed.

#include <dnnl.h>
#include <omp.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "args.h"
#include "bf16_matmul.h"
#include "bias.h"
#include "dense_chain.h"
#include "registry.h"
#include "isa_dispatch.h"
#include "optimizer.h"

namespace hourglass {
namespace {

using namespace dense_chain;

constexpr int64_t kMinRowsPerThread = 32;

// Squared error of rows x width predictions, summed in double, and its gradient
// scale * (p - t) written over `grad` (scale = 2 / (all values), as lossBackward computes it).
// Element i goes to accumulator i % kLanes (the pattern of loss.cc): one running sum was a
// chain of dependent double additions the compiler could not vectorize (0.15 ms of a 4 ms
// step of the dense reference model); kLanes sums in a fixed pattern vectorize and still give
// the same value on every run.
constexpr int64_t kLanes = 8;
double squaredErrorAndGrad(const float* p, const float* t, float* grad, int64_t count, float scale) {
  return dispatchByIsa([&] {
    double lanes[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes)
      for (int64_t l = 0; l < kLanes; l++) {
        float diff = p[i + l] - t[i + l];
        lanes[l] += static_cast<double>(diff * diff);
        grad[i + l] = scale * diff;
      }
    for (int64_t l = 0; i < count; i++, l++) {
      float diff = p[i] - t[i];
      lanes[l] += static_cast<double>(diff * diff);
      grad[i] = scale * diff;
    }
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  });
}

// A thread's bfloat16 operands and planned products in mixed-precision mode: activations and
// deltas are rounded to bfloat16 as they are produced, weights once per step (shared).
struct Bf16Pass {
  std::vector<const uint16_t*> weights;          // per layer, [out, in], shared by the threads
  std::vector<const Bf16Matmul*> forward, weightGrad, inputGrad;  // per layer
  std::vector<uint16_t> input;                   // rows x d
  std::vector<std::vector<uint16_t>> outputs;    // per layer but the last, rows x out
  std::vector<uint16_t> delta;                   // rows x widest
  std::vector<char> scratchpad;
  dnnl::stream* stream = nullptr;
};

struct ThreadPass {
  std::vector<std::vector<float>> outputs;  // per layer, rows x out (after the activation)
  std::vector<float> delta, previous;       // rows x widest, dL/d(layer output)
  std::vector<float> grads;                 // this thread's weight and bias gradients (threads > 0)
  std::vector<float> input, target;         // the thread's rows when the step gathers them
  std::unique_ptr<Bf16Pass> bf16;           // null in float32 mode
  double squaredError = 0;
  dnnl_status_t status = dnnl_success;
};

// Forward and backward pass of rows [begin, end). Gradients go to `gradSlots` (the layers'
// own arrays for thread 0, the thread's scratch otherwise). Must not throw.
void runPassUnguarded(const std::vector<ChainLayer>& layers, const float* input, const float* target, int64_t rows,
                      float scale, ThreadPass& pass, const std::vector<std::pair<float*, float*>>& gradSlots) {
  const int64_t d = layers.front().in, dOut = layers.back().out;
  Bf16Pass* b = pass.bf16.get();
  if (b) toBf16(input, b->input.data(), rows * d);
  const size_t last = layers.size() - 1;
  for (size_t l = 0; l < layers.size(); l++) {
    const ChainLayer& L = layers[l];
    float* z = pass.outputs[l].data();
    if (b) {
      b->forward[l]->run(*b->stream, l == 0 ? b->input.data() : b->outputs[l - 1].data(), b->weights[l], z, b->scratchpad.data());
    } else {
      const float* h = l == 0 ? input : pass.outputs[l - 1].data();
      pass.status = dnnl_sgemm('N', 'T', rows, L.out, L.in, 1.0f, h, L.in, L.weight, L.in, 0.0f, z, L.out);
      if (pass.status != dnnl_success) return;
    }
    biasActivate(L, z, rows);
    if (b && l < last) toBf16(z, b->outputs[l].data(), rows * L.out);
  }
  float* delta = pass.delta.data();
  pass.squaredError = squaredErrorAndGrad(pass.outputs.back().data(), target, delta, rows * dOut, scale);
  for (size_t l = layers.size(); l-- > 0;) {
    const ChainLayer& L = layers[l];
    activationGrad(L.act, L.slope, pass.outputs[l].data(), delta, rows * L.out);
    auto [weightGrad, biasGrad] = gradSlots[l];
    if (b) {
      toBf16(delta, b->delta.data(), rows * L.out);
      b->weightGrad[l]->run(*b->stream, b->delta.data(), l == 0 ? b->input.data() : b->outputs[l - 1].data(), weightGrad,
                            b->scratchpad.data());
    } else {
      const float* h = l == 0 ? input : pass.outputs[l - 1].data();
      pass.status = dnnl_sgemm('T', 'N', L.out, L.in, rows, 1.0f, delta, L.out, h, L.in, 0.0f, weightGrad, L.in);
      if (pass.status != dnnl_success) return;
    }
    if (biasGrad) columnSums(delta, rows, L.out, biasGrad);
    if (l == 0) break;  // the input needs no gradient
    float* previous = pass.previous.data();
    if (b) {
      b->inputGrad[l]->run(*b->stream, b->delta.data(), b->weights[l], previous, b->scratchpad.data());
    } else {
      pass.status = dnnl_sgemm('N', 'N', rows, L.in, L.out, 1.0f, delta, L.out, L.weight, L.in, 0.0f, previous, L.in);
      if (pass.status != dnnl_success) return;
    }
    std::swap(pass.delta, pass.previous);
    delta = pass.delta.data();
  }
}

// The batch: x and y as given (rows null), or the rows of x and y that `rows` names.
struct Batch {
  const float *x, *y;
  const uint32_t* rows;
  bool reconstruct;  // y is x: the gathered input is the target too
};

// Copies the given rows of `from` ([?, width]) one after the other into `to`.
void gatherRows(const float* from, const uint32_t* rows, int64_t count, int64_t width, float* to) {
  for (int64_t r = 0; r < count; r++) std::copy_n(from + static_cast<int64_t>(rows[r]) * width, width, to + r * width);
}

// Rows [begin, end) of the batch through runPassUnguarded, gathered first when the batch is.
void runPass(const std::vector<ChainLayer>& layers, const Batch& batch, int64_t begin, int64_t end, float scale,
             ThreadPass& pass, const std::vector<std::pair<float*, float*>>& gradSlots) {
  pass.status = dnnl_success;  // passes are reused from step to step
  const int64_t d = layers.front().in, dOut = layers.back().out, rows = end - begin;
  try {
    const float* input = batch.x + begin * d;
    const float* target = batch.y + begin * dOut;
    if (batch.rows) {
      pass.input.resize(static_cast<size_t>(rows * d));
      gatherRows(batch.x, batch.rows + begin, rows, d, pass.input.data());
      input = pass.input.data();
      if (batch.reconstruct) {
        target = input;
      } else {
        pass.target.resize(static_cast<size_t>(rows * dOut));
        gatherRows(batch.y, batch.rows + begin, rows, dOut, pass.target.data());
        target = pass.target.data();
      }
    }
    runPassUnguarded(layers, input, target, rows, scale, pass, gradSlots);
  } catch (...) {  // an exception must not leave the parallel region
    pass.status = dnnl_runtime_error;
  }
}

// Everything a step needs besides the data and the parameters: per-thread buffers, the
// threads' own gradient arrays and, in mixed precision, the planned products and the rounded
// weights. Built for one shape of batch and chain and reused while the shape stays the same
// (every full batch of an epoch), so a step allocates nothing.
struct StepPlan {
  std::string key;
  int threads = 0;
  std::vector<ThreadPass> passes;
  std::vector<std::vector<uint16_t>> weightsBf16;  // per layer, refreshed every step
};

std::string planKey(const std::vector<ChainLayer>& layers, int64_t n, bool bf16) {
  std::string key = std::to_string(n) + (bf16 ? "b" : "f");
  for (const ChainLayer& L : layers) key += "," + std::to_string(L.in) + "x" + std::to_string(L.out) + (L.bias ? "+" : "");
  return key;
}

// Throws dnnl::error when bfloat16 products cannot be planned on this CPU.
void buildPlan(StepPlan& plan, const std::vector<ChainLayer>& layers, int64_t n, bool bf16) {
  const int64_t d = layers.front().in;
  int64_t widest = 0;
  for (const ChainLayer& L : layers) widest = std::max({widest, L.in, L.out});
  plan.threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(omp_get_max_threads(), n / kMinRowsPerThread)));
  plan.passes = std::vector<ThreadPass>(static_cast<size_t>(plan.threads));
  plan.weightsBf16.clear();
  if (bf16) {
    Bf16Matmul::trim();
    for (const ChainLayer& L : layers) plan.weightsBf16.emplace_back(static_cast<size_t>(L.in * L.out));
  }
  for (int t = 0; t < plan.threads; t++) {
    const int64_t rows = n * (t + 1) / plan.threads - n * t / plan.threads;
    ThreadPass& pass = plan.passes[static_cast<size_t>(t)];
    for (const ChainLayer& L : layers) pass.outputs.emplace_back(static_cast<size_t>(rows * L.out));
    pass.delta.resize(static_cast<size_t>(rows * widest));
    pass.previous.resize(static_cast<size_t>(rows * widest));
    int64_t gradFloats = 0;
    if (t > 0)  // thread 0 writes straight into the parameters' gradients
      for (const ChainLayer& L : layers) gradFloats += L.in * L.out + (L.bias ? L.out : 0);
    pass.grads.resize(static_cast<size_t>(gradFloats));
    if (!bf16) continue;
    auto b = std::make_unique<Bf16Pass>();
    size_t scratch = 0;
    for (size_t l = 0; l < layers.size(); l++) {
      const ChainLayer& L = layers[l];
      b->weights.push_back(plan.weightsBf16[l].data());
      b->forward.push_back(&Bf16Matmul::get(rows, L.out, L.in, false, true));
      b->weightGrad.push_back(&Bf16Matmul::get(L.out, L.in, rows, true, false));
      b->inputGrad.push_back(&Bf16Matmul::get(rows, L.in, L.out, false, false));
      for (const Bf16Matmul* m : {b->forward.back(), b->weightGrad.back(), b->inputGrad.back()})
        scratch = std::max(scratch, m->scratchpadBytes());
      if (l + 1 < layers.size()) b->outputs.emplace_back(static_cast<size_t>(rows * L.out));
    }
    b->input.resize(static_cast<size_t>(rows * d));
    b->delta.resize(static_cast<size_t>(rows * widest));
    b->scratchpad.resize(std::max<size_t>(scratch, 64));
    b->stream = &threadStream(t);
    pass.bf16 = std::move(b);
  }
}

// Where each thread writes its gradients: the parameters' arrays for thread 0, its own
// arrays (laid out layer after layer, weight then bias) for the others.
std::vector<std::vector<std::pair<float*, float*>>> gradientSlots(StepPlan& plan, const std::vector<ChainLayer>& layers) {
  std::vector<std::vector<std::pair<float*, float*>>> slots(static_cast<size_t>(plan.threads));
  for (int t = 0; t < plan.threads; t++) {
    float* cursor = plan.passes[static_cast<size_t>(t)].grads.data();
    for (const ChainLayer& L : layers) {
      if (t == 0) {
        slots[0].push_back({L.weightGrad, L.biasGrad});
        continue;
      }
      float* w = cursor;
      cursor += L.in * L.out;
      float* b = L.bias ? cursor : nullptr;
      if (L.bias) cursor += L.out;
      slots[static_cast<size_t>(t)].push_back({w, b});
    }
  }
  return slots;
}

// The update's segment of each layer's weight and bias (null when the update leaves that array
// alone), matched by gradient array, and the segments of any other arrays.
struct LayerUpdates {
  std::vector<std::pair<const AdamSegment*, const AdamSegment*>> layers;
  AdamUpdate rest;
};

LayerUpdates matchUpdates(const AdamUpdate& update, const std::vector<ChainLayer>& layers) {
  LayerUpdates matched;
  matched.layers.resize(layers.size(), {nullptr, nullptr});
  for (const AdamSegment& g : update.segments) {
    bool found = false;
    for (size_t l = 0; l < layers.size() && !found; l++) {
      auto& [weight, bias] = matched.layers[l];
      if (g.grad == layers[l].weightGrad && g.n == layers[l].in * layers[l].out) weight = &g, found = true;
      else if (layers[l].biasGrad && g.grad == layers[l].biasGrad && g.n == layers[l].out) bias = &g, found = true;
    }
    if (!found) {
      matched.rest.segments.push_back(g);
      matched.rest.total += g.n;
    }
  }
  return matched;
}

// Adds the other threads' gradients into the parameters' (thread 0's), in thread order so
// the sum does not depend on timing; `worker` of `workers` takes its share of every array,
// and, given `updates`, applies the optimizer to that same share while the sums are in the
// core's cache (1-3% faster per step than a barrier and an even split of the update).
void reduceAndUpdate(const std::vector<ChainLayer>& layers, const std::vector<std::vector<std::pair<float*, float*>>>& slots,
                     const LayerUpdates* updates, int worker, int workers) {
  for (size_t l = 0; l < layers.size(); l++) {
    const ChainLayer& L = layers[l];
    const int64_t size = L.in * L.out;
    const int64_t lo = size * worker / workers, hi = size * (worker + 1) / workers;
    for (size_t t = 1; t < slots.size(); t++) {
      const float* w = slots[t][l].first;
      for (int64_t i = lo; i < hi; i++) L.weightGrad[i] += w[i];
    }
    auto [weightUpdate, biasUpdate] = updates ? updates->layers[l] : std::pair<const AdamSegment*, const AdamSegment*>{};
    if (weightUpdate) applyAdam(*weightUpdate, lo, hi);
    if (!L.bias || worker != 0) continue;
    for (size_t t = 1; t < slots.size(); t++)
      for (int64_t j = 0; j < L.out; j++) L.biasGrad[j] += slots[t][l].second[j];
    if (biasUpdate) applyAdam(*biasUpdate, 0, L.out);
  }
  if (updates) updates->rest.applyShare(worker, workers);
}

// The row indices of a gathered batch (argument i, or null): n of them, each a row of x and of y.
const uint32_t* batchRows(const Napi::CallbackInfo& info, size_t i, int64_t n, int64_t xRows, int64_t yRows) {
  auto env = info.Env();
  if (info[i].IsNull()) return nullptr;
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
    fail(env, "rows must be null or a Uint32Array");
  auto rows = info[i].As<Napi::Uint32Array>();
  if (static_cast<int64_t>(rows.ElementLength()) != n)
    fail(env, "rows has " + std::to_string(rows.ElementLength()) + " indices, n is " + std::to_string(n));
  const uint32_t* data = rows.Data();
  for (int64_t r = 0; r < n; r++)
    if (data[r] >= xRows || data[r] >= yRows)
      fail(env, "rows[" + std::to_string(r) + "] is " + std::to_string(data[r]) + ", but x has " + std::to_string(xRows) +
                    " rows and y " + std::to_string(yRows));
  return data;
}

}  // namespace

Napi::Value DenseChainTrainStep(const Napi::CallbackInfo& info) {
  expectCount(info, 12, "denseChainTrainStep");
  auto env = info.Env();
  if (!info[4].IsString()) fail(env, "precision must be a string");
  std::string precision = info[4].As<Napi::String>().Utf8Value();
  if (precision != "float32" && precision != "bfloat16") fail(env, "precision must be 'float32' or 'bfloat16', got '" + precision + "'");
  const bool bf16 = precision == "bfloat16";
  int64_t n = dim(info, 2, "n");
  if (n < 1) fail(env, "n must be at least 1");
  std::vector<ChainLayer> layers = parseLayers(info, 3, -1, true);
  const int64_t d = layers.front().in, dOut = layers.back().out;
  const bool gathered = !info[5].IsNull();
  // A gathered batch may take any whole rows of x and y; otherwise it is their first n rows.
  FloatView x = floats(info, 0, "x", gathered ? d : product(env, {n, d}));
  FloatView y = floats(info, 1, "y", gathered ? dOut : product(env, {n, dOut}));
  const int64_t xRows = static_cast<int64_t>(x.length) / d, yRows = static_cast<int64_t>(y.length) / dOut;
  const Batch batch{x.data, y.data, batchRows(info, 5, n, xRows, yRows), x.data == y.data && d == dOut};
  const bool updating = !info[6].IsNull();
  const AdamUpdate update = updating ? parseAdamUpdate(info, 6) : AdamUpdate{};
  const LayerUpdates updates = matchUpdates(update, layers);  // points into `update`

  static auto* plan = new StepPlan();  // entry points run on the JavaScript thread only
  std::string key = planKey(layers, n, bf16);
  if (plan->key != key) {
    plan->key.clear();  // a failed build must not leave a half-built plan marked usable
    try {
      buildPlan(*plan, layers, n, bf16);
    } catch (const dnnl::error& e) {
      std::string message = "bfloat16 training needs a CPU with bfloat16 matrix products (AVX512-BF16 or AMX)";
      if (isaCap().set && isaLevel() != IsaLevel::Avx512)
        message += "; HOURGLASS_MAX_ISA=" + isaCap().raw + " keeps this process below AVX-512, unset it to use them";
      fail(env, message + ": " + e.what());
    }
    plan->key = key;
  }
  auto slots = gradientSlots(*plan, layers);
  const int threads = plan->threads;
  const float scale = static_cast<float>(2.0 / static_cast<double>(n * dOut));
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), count = omp_get_num_threads();
    // Mixed precision: the weights are rounded once per step, each thread a share of every layer.
    for (size_t l = 0; l < plan->weightsBf16.size(); l++) {
      const int64_t size = layers[l].in * layers[l].out, lo = size * t / count, hi = size * (t + 1) / count;
      toBf16(layers[l].weight + lo, plan->weightsBf16[l].data() + lo, hi - lo);
    }
    if (!plan->weightsBf16.empty()) {
#pragma omp barrier
    }
    // A smaller team than asked for still covers every row: the ranges follow the team.
    for (int part = t; part < threads; part += count)
      runPass(layers, batch, n * part / threads, n * (part + 1) / threads, scale, plan->passes[static_cast<size_t>(part)],
              slots[static_cast<size_t>(part)]);
#pragma omp barrier
    // A failed pass leaves its gradients unfinished: the update must not see them.
    bool failed = false;
    for (const ThreadPass& pass : plan->passes) failed = failed || pass.status != dnnl_success;
    reduceAndUpdate(layers, slots, updating && !failed ? &updates : nullptr, t, count);
  }
  double squaredError = 0;
  for (const ThreadPass& pass : plan->passes) {
    if (pass.status != dnnl_success) fail(env, "denseChainTrainStep: a matrix product failed (oneDNN status " + std::to_string(pass.status) + ")");
    squaredError += pass.squaredError;
  }
  return Napi::Number::New(env, squaredError / static_cast<double>(n * dOut));
}
HOURGLASS_EXPORT(denseChainTrainStep, DenseChainTrainStep);

}  // namespace hourglass
