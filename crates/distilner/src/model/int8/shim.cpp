// libtorch's dynamic int8 linear (`quantized::linear_prepack` / `quantized::linear_dynamic`, the ops
// behind torch.ao.nn.quantized.dynamic.Linear) called through the dispatcher: tch wraps only ATen's
// native functions, and these live in the `quantized` operator namespace. Boxed calls keep this file
// free of the packed-weight class's private headers; each costs a few microseconds, far below a GEMM.
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <cstring>
#include <exception>

namespace {
char* copy_error(const std::exception& e) { return strdup(e.what()); }

c10::OperatorHandle op(const char* name) {
  return c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
}
}  // namespace

extern "C" {
// The packed weights (fbgemm's or oneDNN's layout), opaque to Rust.
struct dn_packed {
  c10::IValue params;
};

// `engine`: 0 x86, 1 fbgemm, 2 onednn. The packed layout belongs to the engine active at packing;
// linear_dynamic then dispatches on the packed object's own class.
dn_packed* dn_int8_prepack(const at::Tensor* qweight, const at::Tensor* bias, int engine,
                           char** err) {
  try {
    auto& ctx = at::globalContext();
    ctx.setQEngine(engine == 2 ? at::QEngine::ONEDNN
                   : engine == 1 ? at::QEngine::FBGEMM
                                 : at::QEngine::X86);
    static auto prepack = op("quantized::linear_prepack");
    torch::jit::Stack s;
    s.emplace_back(*qweight);
    s.emplace_back(bias ? c10::IValue(*bias) : c10::IValue());
    prepack.callBoxed(&s);
    return new dn_packed{std::move(s.at(0))};
  } catch (const std::exception& e) {
    *err = copy_error(e);
    return nullptr;
  }
}

// y = x W^T + b with x quantized to uint8 per tensor at run time (its min/max), int32 accumulation,
// fp32 out. `reduce_range` keeps 7-bit activations for CPUs without VNNI (AVX2's int16 pair sums).
at::Tensor* dn_int8_linear(const at::Tensor* x, const dn_packed* w, bool reduce_range,
                           char** err) {
  try {
    static auto linear = op("quantized::linear_dynamic");
    torch::jit::Stack s;
    s.emplace_back(*x);
    s.emplace_back(w->params);
    s.emplace_back(reduce_range);
    linear.callBoxed(&s);
    return new at::Tensor(s.at(0).toTensor());
  } catch (const std::exception& e) {
    *err = copy_error(e);
    return nullptr;
  }
}

void dn_int8_free(dn_packed* w) { delete w; }
}
