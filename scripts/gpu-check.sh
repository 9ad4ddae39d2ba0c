#!/usr/bin/env bash
# The GPU check: runs the tract CLI's benchmarks from the bundle that scripts/gpu-bundle.sh builds, on
# a Linux x86-64 machine with nothing installed and no network (its own Node, Dawn, Vulkan loader and
# models), each step under a time cap, all within 9 minutes; writes JSON lines to a results folder.
#
#   bash .gpu-bundle/gpu-check.sh [--smoke] [--out <dir>] [--lavapipe <dir>] [--bundle <dir>]
#
# --smoke     tiny sizes and short caps (1-3 minutes on lavapipe): CI runs this so the bundle
#             cannot rot (test/cli/gpu_bundle.test.ts)
# --out       results folder (default: $OUT when set, else ./gpu-check-results):
#             results.jsonl  one line per result {"step", "result"}, one status line per step
#                            {"step", "status": ok|failed|timeout|skipped, "rc", "seconds", "cap",
#                            "stderrTail"}, a first line about the machine and a last "summary" line
#             log.txt        every step's stdout and stderr; run-report.json / run-report.md: the
#                            report of `tract run`; summary.md: the results against the issue's GPU
#                            targets and the README table's row (gpu-summary.mjs; printed last too);
#                            vulkan-loader.txt: the loader's debug output when no adapter was found
# --lavapipe  a folder made by scripts/install-lavapipe.sh (lvp_icd.json, libdir): use that CPU driver
# --bundle    the folder holding node.xz and app.tar.xz (default: beside this script, else
#             ../.gpu-bundle from it)
#
# The Vulkan driver: --lavapipe; else VK_ICD_FILENAMES / VK_DRIVER_FILES as given; else the first
# nvidia*.json in the usual ICD folders (/usr/share/vulkan/icd.d, /etc/vulkan/icd.d, and the driver
# mount /usr/local/nvidia/...); else an ICD json written here for libGLX_nvidia.so.0 when the driver's
# library is found; else (with --smoke only) the checkout's .vulkan/ lavapipe. The loader is the
# bundle's (lib/libvulkan.so.1, through LD_LIBRARY_PATH): nothing is installed and / is untouched.
# Exit status: 0 when every step passed, 1 otherwise (2: bad arguments or no bundle).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
smoke=0
out="${OUT:-}"
lavapipe=""
bundle=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --lavapipe) lavapipe="$2"; shift 2 ;;
    --bundle) bundle="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
t_start=$(date +%s)
# 9 minutes in all, less a margin for the last kill and the copies; the smoke run gets 8 (a loaded CI
# box, and every shader compiled cold: the bundle runs without a Mesa shader cache).
budget=$([ $smoke = 1 ] && echo 480 || echo 525)
deadline=$((t_start + budget))

if [ -z "$bundle" ]; then
  if [ -f "$here/app.tar.xz" ]; then bundle=$here; else bundle="$here/../.gpu-bundle"; fi
fi
if [ ! -f "$bundle/app.tar.xz" ] || [ ! -f "$bundle/node.xz" ]; then
  echo "gpu-check: no bundle in $bundle (app.tar.xz, node.xz): build it with scripts/gpu-bundle.sh" >&2
  exit 2
fi
bundle=$(cd "$bundle" && pwd)
out=${out:-"$PWD/gpu-check-results"}
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)
results="$out/results.jsonl"
log="$out/log.txt"
: > "$results"
: > "$log"
say() { echo "gpu-check: $*" | tee -a "$log" >&2; }

# --- unpack (xz, else Python's lzma: either is on a bare Linux image) ----------------------------
stamp=$( (cksum < "$bundle/app.tar.xz"; cksum < "$bundle/node.xz") | cksum | cut -d' ' -f1)
work="${TMPDIR:-/tmp}/tract-gpu-$stamp"
unxz_to() { # <file.xz> <dest>
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
if [ ! -f "$work/.unpacked" ]; then
  say "unpacking $bundle into $work"
  rm -rf "$work" && mkdir -p "$work/bin" || exit 1
  unxz_to "$bundle/node.xz" "$work/bin/node" && chmod +x "$work/bin/node" || { say "could not unpack node.xz"; exit 1; }
  if command -v xz >/dev/null; then xz -dc "$bundle/app.tar.xz" | tar -xf - -C "$work"
  else python3 -c 'import tarfile, sys; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$bundle/app.tar.xz" "$work"; fi \
    || { say "could not unpack app.tar.xz"; exit 1; }
  touch "$work/.unpacked"
fi
NODE="$work/bin/node"
"$NODE" -v >/dev/null 2>&1 || { say "the bundle's node does not run here: $("$NODE" -v 2>&1 | head -n 2)"; exit 1; }

# --- the Vulkan driver --------------------------------------------------------------------------
icd=""; icd_from=""; extra_ld=""
nvidia_dirs=(/usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib)
if [ -n "$lavapipe" ]; then
  icd="$lavapipe/lvp_icd.json"; extra_ld=$(cat "$lavapipe/libdir" 2>/dev/null); icd_from="lavapipe ($lavapipe)"
  [ -f "$icd" ] || { say "--lavapipe: no $icd"; exit 2; }
elif [ -n "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  icd="${VK_DRIVER_FILES:-$VK_ICD_FILENAMES}"; icd_from="VK_ICD_FILENAMES/VK_DRIVER_FILES as given"
else
  # TRACT_GPU_ICD_DIRS replaces the list (the CI test plants a json there to exercise this search).
  for d in ${TRACT_GPU_ICD_DIRS:-/usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d /usr/local/nvidia/etc/vulkan/icd.d /usr/local/share/vulkan/icd.d}; do
    for f in "$d"/nvidia*.json; do [ -f "$f" ] && { icd="$f"; icd_from="NVIDIA ICD $f"; break 2; }; done
  done
  if [ -z "$icd" ]; then
    for d in "${nvidia_dirs[@]}"; do
      if [ -e "$d/libGLX_nvidia.so.0" ]; then
        icd="$work/nvidia_icd.json"; icd_from="written for $d/libGLX_nvidia.so.0 (no NVIDIA ICD json found)"
        echo "{\"file_format_version\": \"1.0.0\", \"ICD\": {\"library_path\": \"$d/libGLX_nvidia.so.0\", \"api_version\": \"1.3.0\"}}" > "$icd"
        break
      fi
    done
  fi
  if [ -z "$icd" ] && [ $smoke = 1 ] && [ -f "$here/../.vulkan/lvp_icd.json" ]; then
    icd="$(cd "$here/../.vulkan" && pwd)/lvp_icd.json"; extra_ld=$(cat "$here/../.vulkan/libdir"); icd_from="lavapipe (the checkout's .vulkan)"
  fi
fi
ld="$work/lib"
[ -n "$extra_ld" ] && ld="$ld:$extra_ld"
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && ld="$ld:$d"; done
# The libraries NVIDIA's Vulkan driver links to (libGLdispatch, libX11, ...): the machine's own where
# it has them, the bundle's (lib-fallback/) for each one it lacks, linked one by one into lib-missing/
# so that none of the machine's is shadowed.
rm -rf "$work/lib-missing" && mkdir -p "$work/lib-missing"
missing_libs=()
for f in "$work"/lib-fallback/*.so.*; do
  so=$(basename "$f")
  case "$so" in *.so.[0-9]) ;; *) continue ;; esac # sonames only (libX11.so.6, not libX11.so.6.4.0)
  found=0
  for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    [ -e "$d/$so" ] && { found=1; break; }
  done
  [ $found = 0 ] && { ln -s "$f" "$work/lib-missing/$so"; missing_libs+=("$so"); }
done
ld="$ld:$work/lib-missing"
export LD_LIBRARY_PATH="$ld${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -n "$icd" ]; then export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}" HOME="${HOME:-/tmp}" TRACT_VULKAN=system TRACT_VULKAN_SOURCE="${icd_from:-no ICD found}"

# --- recording ----------------------------------------------------------------------------------
# record.mjs <step> <status> <rc> <seconds> <cap> <stdout file> <stderr file>: the step's JSON output
# (one document or JSON lines) as {"step","result"} lines, then its status line.
cat > "$work/record.mjs" <<'JS'
import { appendFileSync, readFileSync } from 'node:fs';
const [step, status, rc, seconds, cap, stdoutFile, stderrFile, results] = process.argv.slice(2);
const read = (f) => { try { return readFileSync(f, 'utf8'); } catch { return ''; } };
const text = read(stdoutFile).trim();
const lines = [];
const parse = (s) => { try { const v = JSON.parse(s); return v && typeof v === 'object' ? v : null; } catch { return null; } };
const whole = text.startsWith('{') ? parse(text) : null;
if (whole) lines.push({ step, result: whole });
else for (const l of text.split('\n')) { const v = l.trim().startsWith('{') ? parse(l.trim()) : null; if (v) lines.push({ step, result: v }); }
const err = read(stderrFile).replace(/\r/g, '\n').split('\n').filter((l) => l.trim()).slice(-6).join('\n').slice(-800);
lines.push({ step, status, rc: Number(rc), seconds: Number(seconds), cap: Number(cap), results: lines.length, stderrTail: err });
appendFileSync(results, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
JS
note() { # <json object>: a line of its own in results.jsonl
  echo "$1" >> "$results"
}
json_str() { "$NODE" -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"; }

passed=(); failed=()
# step <name> <cap seconds> <command...>: runs `node tract.mjs <command...>` (env set by the caller)
step() {
  local name=$1 cap=$2; shift 2
  local now left rc t0 t1 status
  now=$(date +%s); left=$((deadline - now))
  if [ "$left" -lt 5 ]; then
    "$NODE" "$work/record.mjs" "$name" skipped -1 0 0 /dev/null /dev/null "$results"
    say "$name: skipped (the 9-minute budget is spent)"; failed+=("$name"); return
  fi
  [ "$cap" -gt "$left" ] && cap=$left
  say "$name: tract $* (cap ${cap}s)"
  t0=$(date +%s.%N)
  (cd "$work" && timeout -k 5 "$cap" "$NODE" "$work/tract.mjs" "$@" > "$work/step.out" 2> "$work/step.err")
  rc=$?
  t1=$(date +%s.%N)
  case $rc in 0) status=ok ;; 124|137) status=timeout ;; *) status=failed ;; esac
  { echo "===== $name: tract $* -> $status (rc $rc)"; cat "$work/step.out"; echo "----- stderr"; tr '\r' '\n' < "$work/step.err" | grep -v '^\s*$' | tail -n 200; } >> "$log"
  "$NODE" "$work/record.mjs" "$name" "$status" "$rc" "$(awk "BEGIN {printf \"%.1f\", $t1 - $t0}")" "$cap" "$work/step.out" "$work/step.err" "$results"
  say "$name: $status in $(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s"
  if [ $status = ok ]; then passed+=("$name"); else failed+=("$name"); fi
}

gpu_names=$(nvidia-smi -L 2>/dev/null | tr '\n' ';' || true)
note "{\"check\": \"tract-web gpu-check\", \"mode\": \"$([ $smoke = 1 ] && echo smoke || echo full)\", \"started\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"host\": $(json_str "$(uname -srm)"), \"nvidiaSmi\": $(json_str "$gpu_names"), \"icd\": $(json_str "${icd_from:-none found}"), \"bundledLibsUsed\": $(json_str "${missing_libs[*]:-}"), \"node\": \"$("$NODE" -v)\", \"bundle\": $(json_str "$(head -n 1 "$bundle/MANIFEST.txt" 2>/dev/null)")}"
say "Vulkan driver: ${icd_from:-none found (Dawn will report no adapter)}"

# --- the steps ----------------------------------------------------------------------------------
if [ $smoke = 1 ]; then
  # info --tune compiles every matmul candidate and a training step in f32 and f16 cold: 138 s on
  # this 2-core box idle (matmul 101 s, precision 33 s), more beside other tests. bench train first
  # times the kernels of its shape (23 s in all from an empty shader cache, idle).
  c_info=60; c_tune=240; c_mm=90; c_score=60; c_train=90; c_gen=90; c_judge=90; c_jcli=60; c_run=120
  mm_sizes=64,128; shapes=stories260K; steps=1; reps=1; gen_configs=stories260K
else
  c_info=30; c_tune=60; c_mm=90; c_score=30; c_train=120; c_gen=60; c_judge=60; c_jcli=30; c_run=540
  mm_sizes=512,1024,2048,4096; shapes=stories260K,llama-25M,llama-100M; steps=4; reps=3; gen_configs=
fi

# The matmul autotuner keeps its timings with the results (and `tract run` reuses them).
export TRACT_TUNING_DIR="$work/tuning"
step info "$c_info" info --json
if ! grep -q '"adapter"' "$work/step.out" 2>/dev/null; then
  # No adapter: the loader's own account of which drivers it tried, for the next attempt.
  (cd "$work" && VK_LOADER_DEBUG=error,warn,info,driver timeout 30 "$NODE" tract.mjs info > "$out/vulkan-loader.txt" 2>&1)
  say "no adapter: the Vulkan loader's log is in vulkan-loader.txt"
fi
has_f16=$(grep -c '"shader-f16"' "$work/step.out" 2>/dev/null || true)

TRACT_BENCH_BROWSER=0 TRACT_BENCH_MATMUL_SIZES=$mm_sizes step matmul "$c_mm" bench matmul --json
# Which kernel the autotuner picks per shape class of the default run, and its GFLOP/s; the training
# attention; the precision (a default-run step timed in f32 and in mixed precision).
step kernels "$c_tune" info --tune --json
# bench matmul times f16 inputs (f32 accumulation) beside f32 where the adapter has shader-f16, as
# lines with "dtype": "f16" in matmul.jsonl; said here whether it could.
say "matmul f16: $([ "${has_f16:-0}" -gt 0 ] && echo 'measured beside f32 (dtype f16 in matmul.jsonl)' || echo 'not measured: the adapter has no shader-f16')"
step score "$c_score" bench score --json
TRACT_BENCH_TRAIN_SHAPES=$shapes TRACT_BENCH_STEPS=$steps step train "$c_train" bench train --json
TRACT_BENCH_GENERATE_CONFIGS=$gen_configs step generate "$c_gen" bench generate --json
judge_model="$work/models/stories260K/stories260K.bin"
[ -f "$judge_model" ] || judge_model="$work/public/judge/tract-judge.safetensors"
TRACT_BENCH_BROWSER=0 TRACT_BENCH_CHECKPOINT="$judge_model" TRACT_BENCH_REPS=$reps step judge "$c_judge" bench judge --json
step judge-cli "$c_jcli" judge --checkpoint public/judge/tract-judge.safetensors --input docs/example.json --json
rm -rf "$work/run"
if [ $smoke = 1 ]; then
  # A few steps of every stage on a handful of examples, from the shipped base: the default run's path.
  echo '{"data": {"train": 16, "dev": 4, "test": 8}, "stage0": {"maxSteps": 2}, "finetune": {"epochs": 1, "maxSteps": 2},
    "selfCot": {"maxTokens": 8}, "eval": {"maxCotTokens": 8, "bootstrap": 10}}' > "$work/smoke-run.json"
  step run "$c_run" run --quick --config smoke-run.json --methods label-raft-rail,tract-cotrail --out run
else
  step run "$c_run" run --out run
fi
if [ -f "$work/run/report.json" ]; then
  cp "$work/run/report.json" "$out/run-report.json"
  # The report's headline as a result line: wall time, and each method's Pearson r on the scored split.
  "$NODE" -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const pearson = Object.fromEntries(Object.entries(r.methods ?? {}).map(([k, m]) => [k, m?.mean?.pearson?.mean ?? null]));
    console.log(JSON.stringify({ step: "run", result: { wallSeconds: r.wallSeconds, split: r.split, pearson, stageSeconds: r.stageSeconds } }));
  ' "$work/run/report.json" >> "$results" 2>> "$log"
fi
[ -f "$work/run/report.md" ] && cp "$work/run/report.md" "$out/run-report.md"

elapsed=$(( $(date +%s) - t_start ))
note "{\"summary\": {\"passed\": $(json_str "${passed[*]:-}"), \"failed\": $(json_str "${failed[*]:-}"), \"seconds\": $elapsed}}"
# The results, each line cut to 320 characters, last on stdout: the device tool returns the output's tail.
echo "----- $results (lines cut to 320 characters)"
cut -c1-320 "$results"
# Last on stdout: the results against the issue's GPU targets and the README table's row (summary.md).
if [ -f "$here/gpu-summary.mjs" ]; then
  machine=$(printf '%s' "$gpu_names" | sed -e 's/^GPU 0: //' -e 's/ (UUID.*//' -e 's/;.*//')
  "$NODE" "$here/gpu-summary.mjs" "$results" "${machine:-$(uname -n)}" > "$out/summary.md" 2>> "$log" && { echo; cat "$out/summary.md"; }
fi
say "done in ${elapsed}s: passed: ${passed[*]:-none}; failed or timed out: ${failed[*]:-none}; results in $out"
[ ${#failed[@]} -eq 0 ]
