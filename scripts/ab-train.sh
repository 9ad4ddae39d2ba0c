#!/usr/bin/env bash
# Times `bench train`'s step of this tree against another revision side by side, in one process on
# one device, alternating (scripts/ab-train.ts). REV is checked out (detached) in a temporary worktree
# that shares this tree's node_modules and .vulkan; it needs the Gpu class and bench train's
# oursTrain/TRAIN_SHAPES (every revision since the score head, and those just before it).
#   scripts/ab-train.sh REV [ROUNDS] [SHAPES]       e.g. scripts/ab-train.sh 070dc18^ 6 a,b
# SHAPES: a = stories260K (4×512), b = llama-5M (4×256). AB_STEPS timed steps per timing (default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:?usage: scripts/ab-train.sh REV [ROUNDS] [SHAPES]}"
here="$(pwd)"
other="$(mktemp -d /tmp/tract-ab-XXXXXX)"
trap 'git -C "$here" worktree remove --force "$other" >/dev/null 2>&1 || true; rm -rf "$other"' EXIT
git worktree add --detach -f "$other" "$rev" >/dev/null 2>&1
ln -s "$here/node_modules" "$other/node_modules"
eval "$(node -e "import('./scripts/vulkan-env.mjs').then(m=>{for(const [k,v] of Object.entries(m.vulkanEnv().env))console.log('export '+k+'='+JSON.stringify(v))})")"
AB_OTHER="$other" AB_LABEL="$rev" AB_ROUNDS="${2:-6}" AB_SHAPES="${3:-a}" \
  node --import tsx --import ./scripts/raw-hooks.mjs scripts/ab-train.ts 2>&1 | grep -v '^Warning: maxDynamic'
