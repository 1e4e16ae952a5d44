#!/usr/bin/env bash
# Interleaved A/B of the poll benchmark: a git revision (checked out in a temporary worktree)
# against the working tree, alternating runs so that both see the same machine. On a shared
# machine whose speed drifts within minutes, this is the fair way to judge a change.
#
#   bash benchmarks/compare.sh REV [ROUNDS]     # e.g. bash benchmarks/compare.sh HEAD~3 2
#
# Each round runs `python -m benchmarks.poll --repeat 3` for REV, then for the working tree, and
# prints the cold, warm and naive rows of each.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:?usage: bash benchmarks/compare.sh REV [ROUNDS]}"
rounds="${2:-3}"
python="$PWD/.venv/bin/python"
tmp="$(mktemp -d)"
old="$tmp/old"
git worktree add --detach "$old" "$rev" >/dev/null
trap 'git worktree remove --force "$old"; rmdir "$tmp"' EXIT
for round in $(seq "$rounds"); do
  for side in "$rev" "working tree"; do
    dir="$old"
    [ "$side" = "working tree" ] && dir="$PWD"
    echo "== round $round: $side"
    # python -m puts the current directory first on sys.path: each side runs its own curator/
    (cd "$dir" && "$python" -m benchmarks.poll --repeat 3 | grep -E '^\| (cold|warm|naive)')
  done
done
