#!/usr/bin/env bash
# Runs ON the GPU device machine, from the repository root, with .gpu/ and .gl/ carried along (built here by
# scripts/gpu/build-bundle.sh). The device has no Node.js, no npm and no network; everything comes from those folders.
#   bash scripts/gpu/on-device.sh
# Steps (each bounded by `timeout`, the whole run stays under the 10-minute command limit):
#   1. unpack the Vulkan/EGL loader .debs and the Node binary; point Vulkan at the NVIDIA driver if it is not found
#   2. probe: dawn.node's adapter request, then the WebGPU engine's gradients against the tf-ops models
#   3. the trainer's step on webgpu (B=64, 512, 4096 and the shipped configs), then wasm (B ≤ 512), then the same
#      models in PyTorch on CUDA (the bench's peer_pytorch.py --device cuda, where python3 has a CUDA torch) -> bench.jsonl
#   4. the same 200-step training run on wasm and webgpu, loss curves compared -> lossCurve.jsonl
#   5. summary.json: webgpu ÷ wasm and webgpu ÷ torch-cuda per shape and batch, dispatches per step, probe results,
#      curve comparisons
# Results go to $OUT (the device tool's return folder), or /tmp/skiptrain-gpu-out when $OUT is unset.
# Rehearsal on a machine without a GPU (checks everything but the GPU numbers):
#   GL_ROOT=/tmp/glroot BENCH_TIMEOUT=60 OUT=/tmp/out bash scripts/gpu/on-device.sh
set -uo pipefail

OUT=${OUT:-/tmp/skiptrain-gpu-out}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-330}
CURVE_TIMEOUT=${CURVE_TIMEOUT:-120}
mkdir -p "$OUT"
cd "$(dirname "$0")/../.." || exit 1
log="$OUT/log.txt"
: >"$log"
say() { echo "[$(date +%H:%M:%S) +${SECONDS}s] $*" | tee -a "$log" >&2; }
fail() { say "FAILED: $*"; exit 1; }

[ -f .gpu/bin/main.mjs ] && [ -f .gpu/node.xz ] || fail ".gpu/ is missing: build it with scripts/gpu/build-bundle.sh and pass carry [\".gpu\", \".gl\"]"
ls .gl/*.deb >/dev/null 2>&1 || fail ".gl/*.deb are missing: build them with scripts/gpu/build-bundle.sh and pass carry [\".gpu\", \".gl\"]"

# --- 1. runtime ---------------------------------------------------------------------------------------------------
# GL_ROOT: where the .debs are unpacked. / (the default, needs root) puts the loaders where everything finds them;
# any other folder (a rehearsal on a machine that is not the device, or a non-root device) goes on LD_LIBRARY_PATH.
GL_ROOT=${GL_ROOT:-/}
say "unpacking $(ls .gl/*.deb | wc -l) loader packages into $GL_ROOT"
command -v dpkg >/dev/null || fail "dpkg not found: this script expects a Debian/Ubuntu device"
mkdir -p "$GL_ROOT"
for f in .gl/*.deb; do dpkg -x "$f" "$GL_ROOT" || fail "dpkg -x $f"; done
if [ "$GL_ROOT" = / ]; then
  ldconfig 2>>"$log"
else
  export LD_LIBRARY_PATH="$GL_ROOT/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

node_dir=/tmp/skiptrain-node
mkdir -p "$node_dir"
if command -v xz >/dev/null; then
  xz -dc .gpu/node.xz >"$node_dir/node"
else
  python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' .gpu/node.xz "$node_dir/node"
fi
chmod +x "$node_dir/node"
node="$node_dir/node"
say "node $("$node" --version); $(cat .gpu/VERSIONS | paste -sd' ')"
if command -v nvidia-smi >/dev/null; then { nvidia-smi -L; nvidia-smi --query-gpu=driver_version,memory.total --format=csv,noheader; } >>"$log" 2>&1; fi

# The NVIDIA Vulkan driver (ICD) of a container often lives outside the loader's search path.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
nvidia_egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
use_nvidia_icd() {
  export VK_DRIVER_FILES=$nvidia_icd VK_ICD_FILENAMES=$nvidia_icd __EGL_VENDOR_LIBRARY_FILENAMES=$nvidia_egl
  say "using VK_DRIVER_FILES=$nvidia_icd"
}
if ! ls /usr/share/vulkan/icd.d/*nvidia* /etc/vulkan/icd.d/*nvidia* >/dev/null 2>&1 && [ -f "$nvidia_icd" ]; then use_nvidia_icd; fi

# --- 2. probe -----------------------------------------------------------------------------------------------------
probe() { timeout 90 "$node" .gpu/bin/main.mjs probe >"$OUT/probe.jsonl" 2>>"$log"; }
probe
if ! grep -q '"check":"webgpu-engine","ok":true' "$OUT/probe.jsonl" && [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then
  say "no adapter with the default Vulkan search path; retrying with the NVIDIA ICD"
  use_nvidia_icd
  probe
fi
cat "$OUT/probe.jsonl" | tee -a "$log" >&2
grep -q '"check":"webgpu-engine","ok":true' "$OUT/probe.jsonl" || say "WARNING: the WebGPU engine is not usable here; the bench runs on wasm only"

# --- 3. the trainer's step: webgpu first, then wasm, then PyTorch on CUDA (a timeout costs only the last rows) ------
say "bench (timeout ${BENCH_TIMEOUT}s)"
timeout "$BENCH_TIMEOUT" "$node" .gpu/bin/main.mjs bench --backends webgpu,wasm --batches 64,512,4096 --torch python3 >"$OUT/bench.jsonl" 2>>"$log"
say "bench exit $? with $(grep -c '^{' "$OUT/bench.jsonl") rows"

# --- 4. loss curves: wasm (the tf-ops reference) vs webgpu, 200 steps ---------------------------------------------
say "loss-curve wasm,webgpu (timeout ${CURVE_TIMEOUT}s)"
timeout "$CURVE_TIMEOUT" "$node" .gpu/bin/main.mjs loss-curve --backends wasm,webgpu >"$OUT/lossCurve.jsonl" 2>>"$log"
say "loss-curve exit $? (0: the curves agree, 3: a backend missing or a curve out of tolerance)"

# --- 5. summary ---------------------------------------------------------------------------------------------------
"$node" .gpu/bin/main.mjs summarize "$OUT" >"$OUT/summary.json" 2>>"$log" || say "summarize failed"
cat "$OUT/summary.json"
say "done"
