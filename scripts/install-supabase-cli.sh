#!/usr/bin/env bash
# Install the pinned Supabase CLI into the project's git-ignored .supatasks/cli folder.
# supatasks looks for it there (then $SUPABASE_CLI, then PATH).
set -euo pipefail
VERSION="${SUPABASE_CLI_VERSION:-2.117.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$here/.supatasks/cli"
bin="$prefix/node_modules/.bin/supabase"
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "$VERSION" ]; then
  echo "supabase $VERSION already installed at $bin"
  exit 0
fi
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --save-exact "supabase@$VERSION" >/dev/null
echo "supabase $("$bin" --version) installed at $bin"
