#!/usr/bin/env bash
# `bench train`'s step of this tree against another revision, side by side: scripts/ab.sh train.
#   scripts/ab-train.sh REV [ROUNDS] [SHAPES]       e.g. scripts/ab-train.sh 070dc18^ 6 a,b
exec "$(dirname "$0")/ab.sh" train "$@"
