// Static splitting of element-wise work across OpenMP threads. Waking the thread team
// costs a few microseconds, so small arrays stay on the calling thread.
#pragma once
#include <omp.h>
#include <algorithm>
#include <cstdint>

namespace hourglass {

// Below this many elements of work a single thread is faster than a parallel region.
constexpr int64_t kParallelThreshold = INT64_C(1) << 16;

// Calls body(begin, end) on disjoint ranges that cover [0, count), one range per thread
// when count * workPerItem reaches the threshold. Range boundaries are multiples of
// `granule` (16 floats = one cache line for element-wise kernels) so that threads never
// write to the same cache line. The body must not throw.
template <class Body>
void forRanges(int64_t count, int64_t workPerItem, int64_t granule, Body&& body) {
  if (count <= 0) return;
  int64_t units = (count + granule - 1) / granule;
  bool parallel = units > 1 && count * workPerItem >= kParallelThreshold && omp_get_max_threads() > 1;
  if (!parallel) {
    body(int64_t{0}, count);
    return;
  }
#pragma omp parallel
  {
    int64_t threads = omp_get_num_threads(), thread = omp_get_thread_num();
    int64_t begin = std::min(count, units * thread / threads * granule);
    int64_t end = std::min(count, units * (thread + 1) / threads * granule);
    if (begin < end) body(begin, end);
  }
}

}  // namespace hourglass
