#!/usr/bin/env bash
# `npm run crash -- --kills 50 [--seed N]`: the crash test with as many kill points as asked (npm test runs 10).
set -euo pipefail
kills=50
seed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "usage: npm run crash -- [--kills N] [--seed N]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."
export CRASH_KILLS="$kills"
if [ -n "$seed" ]; then export CRASH_SEED="$seed"; fi
exec npx jest --maxWorkers=1 test/crash/ingestionCrash.test.ts
