#!/usr/bin/env bash
# Times this tree against another revision side by side, in one process on one device, alternating
# (the order reversed every round): WHAT = train (`bench train`'s step, scripts/ab-train.ts) or
# matmul (the autotuner's choice here vs the other tree's default kernel, scripts/ab-matmul.ts).
# REV is checked out (detached) in a temporary worktree that shares this tree's node_modules and
# .vulkan; each script says which revisions it can load.
#   scripts/ab.sh WHAT REV [ROUNDS] [SHAPES]     e.g. scripts/ab.sh train 070dc18^ 6 a,b
#                                                     scripts/ab.sh matmul ad7c150 9
# train: SHAPES a = stories260K (4×512), b = llama-5M (4×256); AB_STEPS timed steps per timing
# (default 4); AB_TUNED=1 runs this tree with its kept autotuner choices. matmul: SHAPES = sizes
# (default 256,512).
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/ab.sh train|matmul REV [ROUNDS] [SHAPES]"
what="${1:?$usage}"
rev="${2:?$usage}"
case "$what" in train|matmul) ;; *) echo "scripts/ab.sh: WHAT must be train or matmul, got '$what'" >&2; exit 2 ;; esac
here="$(pwd)"
other="$(mktemp -d /tmp/tract-ab-XXXXXX)"
trap 'git -C "$here" worktree remove --force "$other" >/dev/null 2>&1 || true; rm -rf "$other"' EXIT
git worktree add --detach -f "$other" "$rev" >/dev/null 2>&1
ln -s "$here/node_modules" "$other/node_modules"
eval "$(node -e "import('./scripts/vulkan-env.mjs').then(m=>{for(const [k,v] of Object.entries(m.vulkanEnv().env))console.log('export '+k+'='+JSON.stringify(v))})")"
AB_OTHER="$other" AB_LABEL="$rev" AB_ROUNDS="${3:-6}" AB_SHAPES="${4:-}" \
  node --import tsx --import ./scripts/raw-hooks.mjs "scripts/ab-$what.ts" 2>&1 | grep -v '^Warning: maxDynamic'
