// libtorch's dynamic int8 linear (`quantized::linear_prepack` / `quantized::linear_dynamic`, the ops
// behind torch.ao.nn.quantized.dynamic.Linear) called through the dispatcher: tch wraps only ATen's
// native functions, and these live in the `quantized` operator namespace. Packing goes through the
// dispatcher once per weight; each product then calls the packed object's `apply_dynamic`, which is
// all `quantized::linear_dynamic`'s CPU kernel does, without a boxed dispatcher round trip per call
// (24 of them per sentence in a 6-layer model).
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <ATen/native/quantized/PackedParams.h>
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
  c10::intrusive_ptr<LinearPackedParamsBase> params;
};

// `engine`: 0 x86, 1 fbgemm, 2 onednn. The packed layout belongs to the engine active at packing;
// `apply_dynamic` is virtual, so each product runs on the packing engine's own class.
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
    // The op returns the packed weights as a TorchScript custom-class object
    // (`__torch__.torch.classes.quantized.LinearPackedParamsBase`) holding them.
    return new dn_packed{s.at(0).toCustomClass<LinearPackedParamsBase>()};
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
    return new at::Tensor(w->params->apply_dynamic(*x, reduce_range));
  } catch (const std::exception& e) {
    *err = copy_error(e);
    return nullptr;
  }
}

void dn_int8_free(dn_packed* w) { delete w; }
}
