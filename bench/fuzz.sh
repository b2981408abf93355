#!/usr/bin/env bash
# Run fuzz targets for SECONDS each (default 600; all six, or the ones named after SECONDS), seeded from
# ../shared; crashes land in fuzz/artifacts.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); stable Rust with RUSTC_BOOTSTRAP=1, no sanitizer.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-600}
shift || true
targets=${*:-conll score_input model_config run_config serve_request split_words}
export RUSTC_BOOTSTRAP=1 LD_LIBRARY_PATH="$(readlink -f ../libtorch)/lib"
mkdir -p corpus/{conll,score_input,model_config,run_config,serve_request,split_words}
cp ../../shared/data/conll2003/eng.testb corpus/conll/ 2>/dev/null || true
head -c 4000 ../../shared/data/conll2003/eng.train > corpus/conll/train_head
cp ../../shared/testvectors/tiny-bert-ner/config.json corpus/model_config/bert.json
cp ../../shared/testvectors/tiny-distilbert-ner/config.json corpus/model_config/distilbert.json
printf 'epochs = 3\nlearning_rate = 1e-4\nbatch_size = 32\n' > corpus/run_config/basic.toml
printf '{"inputs": "EU rejects German call", "parameters": {"aggregation_strategy": "first"}}' > corpus/serve_request/one.json
printf '{"inputs": ["a b", "Paris ."]}' > corpus/serve_request/list.json
head -c 3000 ../../shared/testvectors/minilm_reference_sentences.json > corpus/split_words/sentences.json
printf 'w O B-PER\nx I-PER I-PER\n\n' > corpus/score_input/basic.txt
for t in $targets; do
  echo "== $t ($secs s)"
  cargo fuzz run -s none -O "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=4096 -timeout=10 2>&1 | grep -E "Done|ERROR|crash|panicked|stat::" | tail -n 4
  echo "corpus files: $(ls "corpus/$t" | wc -l)"
done
