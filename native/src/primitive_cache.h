// Shared machinery of the oneDNN-backed kernels (convolution, deconvolution, pooling,
// batch normalization): the process-wide engine and stream, a per-kind cache of primitives
// keyed by their shapes, staging of JavaScript-owned NCHW memory into the layouts a
// primitive prefers, and conversion of oneDNN failures into JavaScript errors.
#pragma once
#include <napi.h>
#include <omp.h>
#include <dnnl.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
#include "args.h"

namespace hourglass {

// One engine and one stream for the whole process. Both are leaked on purpose: destroying
// them during static destruction can race with OpenMP threads shutting down at exit.
inline dnnl::engine& cpuEngine() {
  static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

inline dnnl::stream& cpuStream() {
  static dnnl::stream* stream = new dnnl::stream(cpuEngine());
  return *stream;
}

// Primitive creation costs far more than execution for small layers, so every kind keeps
// its primitives (and the internal buffers they use) per shape. A network has a handful
// of distinct shapes; the bound only stops a long-lived process that sees many shapes
// (tests, shape sweeps) from growing without limit.
template <class Entry>
class PrimitiveCache {
 public:
  template <class Make>
  Entry& get(const std::string& key, Make make) {
    auto found = entries_.find(key);
    if (found != entries_.end()) return *found->second;
    std::unique_ptr<Entry> created = make();
    if (entries_.size() >= kMaxEntries) entries_.clear();
    Entry& ref = *created;
    entries_.emplace(key, std::move(created));
    return ref;
  }

 private:
  static constexpr size_t kMaxEntries = 64;
  std::unordered_map<std::string, std::unique_ptr<Entry>> entries_;
};

// Small problems run on one thread. Splitting them gains nothing, and each parallel region
// waits for every thread of the team: when other processes keep the cores busy that wait
// is a scheduler time slice per call, which made a finite-difference check of a tiny layer
// 20x slower. The same thread count is in force when a primitive is created and when it
// runs, since oneDNN plans its work split at creation.
constexpr int64_t kParallelWorkThreshold = INT64_C(1) << 20;

class ThreadLimit {
 public:
  explicit ThreadLimit(bool singleThread) : previous_(singleThread ? omp_get_max_threads() : 0) {
    if (previous_ > 1) omp_set_num_threads(1);
  }
  ~ThreadLimit() {
    if (previous_ > 1) omp_set_num_threads(previous_);
  }
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  int previous_;
};

inline std::string cacheKey(std::initializer_list<int64_t> values) {
  std::string key;
  for (int64_t v : values) {
    key += std::to_string(v);
    key += ',';
  }
  return key;
}

// Runs an entry point's body, turning oneDNN and allocation failures into JavaScript
// errors; node-addon-api only converts Napi::Error by itself.
template <class Body>
Napi::Value guarded(const Napi::Env& env, const char* fn, Body body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    fail(env, std::string(fn) + ": oneDNN error: " + e.what());
  } catch (const std::bad_alloc&) {
    fail(env, std::string(fn) + ": out of memory");
  }
  return env.Undefined();
}

// A Float32Array of exactly `needed` elements: a different length always means the caller
// mixed up shapes, so it is rejected rather than partly used.
inline float* exactFloats(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t needed) {
  FloatView view = floats(info, i, name, needed);
  if (static_cast<int64_t>(view.length) != needed)
    fail(info.Env(), std::string(name) + " has " + std::to_string(view.length) + " elements, expected exactly " +
                         std::to_string(needed));
  return view.data;
}

// Like exactFloats, but null (or undefined) is accepted and gives nullptr.
inline float* optionalFloats(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t needed) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  return exactFloats(info, i, name, needed);
}

// A positive integer (a size that must not be zero).
inline int64_t positive(const Napi::CallbackInfo& info, size_t i, const char* name) {
  int64_t v = dim(info, i, name);
  if (v < 1) fail(info.Env(), std::string(name) + " must be at least 1, got 0");
  if (v > INT32_MAX) fail(info.Env(), std::string(name) + " is too large");
  return v;
}

// A non-negative integer small enough for oneDNN's int64 arithmetic everywhere.
inline int64_t smallDim(const Napi::CallbackInfo& info, size_t i, const char* name) {
  int64_t v = dim(info, i, name);
  if (v > INT32_MAX) fail(info.Env(), std::string(name) + " is too large");
  return v;
}

// Staging buffers only live during one call: inputs are reordered in and outputs out
// before the entry point returns. So every primitive shares three process-wide buffers, one
// per argument slot (two inputs and the output of a call), each grown to the largest size asked
// for: staging costs the largest layer's arrays, not the sum over every cached primitive and
// batch size (the conv reference model's peak RSS was 1.3 GB with one buffer per entry).
// Leaked on purpose, like the engine. Entry points run on the JavaScript thread only.
enum class StageSlot { firstInput = 0, secondInput = 1, output = 2 };

inline void* stagingBuffer(StageSlot slot, size_t bytes) {
  struct Buffer {
    void* data = nullptr;
    size_t bytes = 0;
  };
  static Buffer* buffers = new Buffer[3];
  Buffer& b = buffers[static_cast<int>(slot)];
  if (b.bytes < bytes) {
    std::free(b.data);
    b.data = nullptr;
    b.bytes = 0;
    size_t rounded = (bytes + 63) / 64 * 64;  // aligned_alloc needs a multiple of the alignment
    b.data = std::aligned_alloc(64, rounded);
    if (b.data == nullptr) throw std::bad_alloc();
    b.bytes = rounded;
  }
  return b.data;
}

// Memory that JavaScript owns in a plain layout (NCHW, OIHW, ...) and a primitive may want
// in another (usually a blocked layout such as nChw16c, which vectorizes far better).
// When the layouts agree, the primitive reads and writes the caller's array directly;
// otherwise the shared staging buffer of its slot stands in for it and reorders copy across.
class StagedMemory {
 public:
  StagedMemory() = default;
  StagedMemory(const dnnl::memory::desc& user, const dnnl::memory::desc& wanted, StageSlot slot)
      : user_(user, cpuEngine(), DNNL_MEMORY_NONE), direct_(user == wanted), slot_(slot) {
    if (!direct_) {
      inner_ = dnnl::memory(wanted, cpuEngine(), DNNL_MEMORY_NONE);
      toInner_ = dnnl::reorder(user_, inner_);
      toUser_ = dnnl::reorder(inner_, user_);
    }
  }

  // The memory to hand the primitive, reading the caller's data first when it is an input.
  dnnl::memory& in(float* data) {
    user_.set_data_handle(data);
    if (direct_) return user_;
    attachStaging();
    toInner_.execute(cpuStream(), user_, inner_);
    return inner_;
  }

  // The memory to hand the primitive for an output; call finish() after the primitive ran.
  dnnl::memory& out(float* data) {
    user_.set_data_handle(data);
    if (direct_) return user_;
    attachStaging();
    return inner_;
  }

  void finish() {
    if (!direct_) toUser_.execute(cpuStream(), inner_, user_);
  }

  // Whether `other`, staged just before in the same slot, already holds what in() would
  // reorder here: same wanted layout, both staged (see runBackward in conv_primitives.h).
  bool sharesStagingWith(const StagedMemory& other) const {
    return !direct_ && !other.direct_ && slot_ == other.slot_ && inner_.get_desc() == other.inner_.get_desc();
  }

  // Like in(), for memory whose staged copy the previous pass left in this slot: no reorder.
  dnnl::memory& reuse(float* data) {
    user_.set_data_handle(data);
    attachStaging();
    return inner_;
  }

 private:
  void attachStaging() { inner_.set_data_handle(stagingBuffer(slot_, inner_.get_desc().get_size())); }

  dnnl::memory user_;
  dnnl::memory inner_;
  dnnl::reorder toInner_;
  dnnl::reorder toUser_;
  bool direct_ = true;
  StageSlot slot_ = StageSlot::firstInput;
};

inline dnnl::memory::desc floatDesc(const dnnl::memory::dims& dims, dnnl::memory::format_tag tag) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tag);
}

}  // namespace hourglass
