// An AOTInductor package (torch.export + Inductor, compiled once by `distilner compile`) run through
// libtorch's own loader, torch::inductor::AOTIModelPackageLoader: tch wraps ATen's functions only,
// and the loader is a C++ class. Its header and symbols ship in the PyPI wheel (libtorch_cpu).
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#include <ATen/ATen.h>
#include <ATen/cpu/Utils.h>
#include <cstring>
#include <exception>
#include <string>

namespace {
char* copy_error(const std::exception& e) { return strdup(e.what()); }
}  // namespace

extern "C" {
struct dn_aoti {
  torch::inductor::AOTIModelPackageLoader loader;
};

// `runners`: calls that may run at once (the container hands each call a free runner and makes the
// others wait), so concurrent callers need no lock of their own.
dn_aoti* dn_aoti_load(const char* path, size_t runners, char** err) {
  try {
    // Linux lets a process use AMX tiles only after asking (arch_prctl XTILEDATA); oneDNN asks for
    // its own kernels, Inductor's AMX micro-GEMMs do not, and ran into SIGILL when no oneDNN bf16
    // op had run first. A no-op where the CPU has no AMX.
    at::cpu::init_amx();
    return new dn_aoti{torch::inductor::AOTIModelPackageLoader(path, "model", false, runners)};
  } catch (const std::exception& e) {
    *err = copy_error(e);
    return nullptr;
  }
}

// The package's one output (the logits) for int64 `ids` and `mask` [batch, seq].
at::Tensor* dn_aoti_run(dn_aoti* m, const at::Tensor* ids, const at::Tensor* mask, char** err) {
  try {
    auto out = m->loader.run({ids->contiguous(), mask->contiguous()});
    if (out.size() != 1) throw std::runtime_error("the package returned " + std::to_string(out.size()) + " outputs, not 1 (the logits)");
    return new at::Tensor(std::move(out[0]));
  } catch (const std::exception& e) {
    *err = copy_error(e);
    return nullptr;
  }
}

void dn_aoti_free(dn_aoti* m) { delete m; }
}
