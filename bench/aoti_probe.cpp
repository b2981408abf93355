// Issue 13 probe: an AOTInductor package (bench/aoti_b1.py writes /tmp/distilner_aoti_b1.pt2) runs from C++ without
// Python, through libtorch's own loader. Batch 1, 1,000 calls over lengths 5–44 (mean 24.5), random ids, 2 threads.
// Build and run: see bench/RESULTS.md, "The fp32 batch-1 gap".
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <chrono>
#include <iostream>
int main(int argc, char** argv) {
  at::set_num_threads(2);
  torch::inductor::AOTIModelPackageLoader loader(argv[1]);
  auto t0 = std::chrono::steady_clock::now();
  int n = 1000;
  for (int i = 0; i < n; i++) {
    int64_t len = 5 + (i * 7) % 40;
    auto ids = at::randint(1000, 2000, {1, len}, at::kLong);
    auto mask = at::ones({1, len}, at::kLong);
    auto out = loader.run({ids, mask});
    if (i == 0) std::cout << "logits " << out[0].sizes() << std::endl;
    out[0].argmax(-1);
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << n / s << " calls/s (mean length 24.5)" << std::endl;
}
