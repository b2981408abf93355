// c10::InferenceMode, the guard behind torch.inference_mode(), which tch does not wrap. Beyond
// no_grad it skips the view and version-counter bookkeeping on every op: at batch 1, where a
// forward is hundreds of small ops, that bookkeeping is a measurable share of the time.
#include <c10/core/InferenceMode.h>

extern "C" {
// The guard is thread-local state: it must be dropped on the thread that made it, innermost first.
void* dn_inference_mode_enter() { return new c10::InferenceMode(true); }

void dn_inference_mode_exit(void* guard) { delete static_cast<c10::InferenceMode*>(guard); }
}
