// Matrix products on bfloat16 operands with float32 results, for mixed-precision training:
// C[M, N] = op(A) op(B), A and B row-major bfloat16 (op = transpose or not), C row-major
// float32. On CPUs with AVX512-BF16 oneDNN's kernels run these at about twice the float32
// rate (measured on this project's machine: 205-225 against 100-112 GFLOP/s on one core for
// the dense reference model's shapes); the products are exact in float32 and accumulate in
// float32, so the only rounding is that of the operands to 8 significant bits.
//
// Products are planned once per shape, single-threaded, with a user-managed scratchpad, so
// that several threads can run them at the same time (each with its own stream and
// scratchpad) inside one parallel region.
#pragma once
#include <dnnl.hpp>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <tuple>

#include "primitive_cache.h"
#include "isa_dispatch.h"

namespace hourglass {

// float32 -> bfloat16, rounding to nearest even (NaN stays NaN: its payload keeps a high bit).
inline void toBf16(const float* x, uint16_t* y, int64_t count) {
  dispatchByIsa([&] {
    for (int64_t i = 0; i < count; i++) {
      uint32_t bits;
      std::memcpy(&bits, x + i, sizeof bits);
      bool nan = (bits & 0x7fffffffu) > 0x7f800000u;
      uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
      y[i] = static_cast<uint16_t>(nan ? ((bits >> 16) | 0x40u) : rounded);
    }
  });
}

class Bf16Matmul {
 public:
  // Throws dnnl::error when the CPU has no bfloat16 matmul implementation.
  Bf16Matmul(int64_t m, int64_t n, int64_t k, bool transA, bool transB) {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    dnnl::memory::desc a({m, k}, dt::bf16, transA ? tag::ba : tag::ab);
    dnnl::memory::desc b({k, n}, dt::bf16, transB ? tag::ba : tag::ab);
    dnnl::memory::desc c({m, n}, dt::f32, tag::ab);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    ThreadLimit single(true);  // planned for the one thread that will run it
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), attr, cpuEngine());
    primitive_ = dnnl::matmul(pd);
    a_ = a;
    b_ = b;
    c_ = c;
    scratchpadBytes_ = pd.scratchpad_desc().get_size();
  }

  size_t scratchpadBytes() const { return scratchpadBytes_; }

  // Runs on the calling thread; `scratchpad` holds scratchpadBytes() bytes.
  void run(dnnl::stream& stream, const uint16_t* a, const uint16_t* b, float* c, void* scratchpad) const {
    auto& engine = cpuEngine();
    dnnl::memory ma(a_, engine, const_cast<uint16_t*>(a)), mb(b_, engine, const_cast<uint16_t*>(b)), mc(c_, engine, c);
    dnnl::memory ms(dnnl::memory::desc({static_cast<int64_t>(scratchpadBytes_)}, dnnl::memory::data_type::u8,
                                       dnnl::memory::format_tag::a),
                    engine, scratchpad);
    primitive_.execute(stream, {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}, {DNNL_ARG_SCRATCHPAD, ms}});
    stream.wait();
  }

  // The product for a shape, planned on first use. Call outside parallel regions only.
  // References stay valid until the next trim().
  static const Bf16Matmul& get(int64_t m, int64_t n, int64_t k, bool transA, bool transB) {
    auto& cache = plans();
    auto key = std::make_tuple(m, n, k, transA, transB);
    auto found = cache.find(key);
    if (found != cache.end()) return *found->second;
    auto created = std::make_unique<Bf16Matmul>(m, n, k, transA, transB);
    const Bf16Matmul& ref = *created;
    cache.emplace(key, std::move(created));
    return ref;
  }

  // Keeps the cache bounded, like the other primitive caches; call before planning a step.
  static void trim() {
    if (plans().size() > 256) plans().clear();
  }

 private:
  using Key = std::tuple<int64_t, int64_t, int64_t, bool, bool>;
  static std::map<Key, std::unique_ptr<Bf16Matmul>>& plans() {
    static auto* cache = new std::map<Key, std::unique_ptr<Bf16Matmul>>();
    return *cache;
  }

  dnnl::matmul primitive_;
  dnnl::memory::desc a_, b_, c_;
  size_t scratchpadBytes_ = 0;
};

// One stream per thread index, created outside parallel regions and kept for the process.
inline dnnl::stream& threadStream(int thread) {
  static auto* streams = new std::map<int, std::unique_ptr<dnnl::stream>>();
  auto found = streams->find(thread);
  if (found != streams->end()) return *found->second;
  auto& ref = *streams->emplace(thread, std::make_unique<dnnl::stream>(cpuEngine())).first->second;
  return ref;
}

}  // namespace hourglass
