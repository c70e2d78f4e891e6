// Adam's update of a list of parameter arrays (torch.optim.Adam, amsgrad=False), shared by
// adamStepAll (optimizer.cc) and the fused dense training step (dense_chain_train.cc), which
// applies it inside its own parallel region right after the gradients are summed.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

namespace hourglass {

struct AdamScalars {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2;
  float stepSize;             // lr / (1 - beta1^step)
  float biasCorrection2Sqrt;  // sqrt(1 - beta2^step)
  float eps, weightDecay;
};

// One parameter array, its gradient and moments, and the step's constants for its learning rate.
struct AdamSegment {
  float *param, *m, *v;
  const float* grad;
  int64_t n;
  AdamScalars s;
};

// Updates elements [begin, end) of one segment.
void applyAdam(const AdamSegment& g, int64_t begin, int64_t end);

// Every parameter array of one step, read as a flat concatenation so that threads can split
// the total evenly whatever the arrays' sizes.
struct AdamUpdate {
  std::vector<AdamSegment> segments;
  int64_t total = 0;
  // Updates elements [begin, end) of the concatenation.
  void applyRange(int64_t begin, int64_t end) const;
  // Worker `worker` of `workers` takes its share, cut at multiples of 16 floats (a cache line).
  void applyShare(int64_t worker, int64_t workers) const;
};

// Reads [entries, beta1, beta2, eps, weightDecay, step] starting at argument i, entries being
// [[param, grad, m, v, lr], ...]; throws a JavaScript error naming what is wrong.
AdamUpdate parseAdamUpdate(const Napi::CallbackInfo& info, size_t i);

}  // namespace hourglass
