#!/usr/bin/env bash
# Installs everything tract-web needs on a fresh Debian 12 machine of this project's kind:
#   - Debian packages: libvulkan1 (the Vulkan loader Dawn uses), chromium (browser tests; its
#     SwiftShader is also the fallback CPU Vulkan driver), and the libraries Mesa's lavapipe links to;
#   - Mesa 25's lavapipe from bookworm-backports, unpacked into .vulkan/ (scripts/install-lavapipe.sh);
#   - the npm packages, exactly as package-lock.json pins them (npm ci);
#   - the Vulkan loader .debs the GPU check bundle carries (scripts/gpu-bundle.sh --fetch, into
#     .gpu-bundle/debs), so building the bundle (test/cli/gpu_bundle.test.ts) needs no network;
#   - the Python clients our exports are checked with (scripts/python-requirements.txt, pinned:
#     onnxruntime, tokenizers, safetensors, numpy) into the virtual environment .venv-py/, from the
#     Python package index pip is configured with (test/interop/python_clients.test.ts).
# Nothing is downloaded from anywhere but Debian's mirrors, the npm registry and that Python index.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

pkgs=(libvulkan1 chromium xz-utils
  # lavapipe's runtime libraries from the main archive (the backported ones come with it):
  libllvm15 libz3-4 libxcb-dri3-0 libxcb-present0 libxcb-randr0 libxcb-sync1 libxcb-xfixes0 libxcb-shm0
  libxshmfence1 libx11-xcb1 libexpat1 libzstd1)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "setup: lavapipe (CPU Vulkan driver) -> $(scripts/install-lavapipe.sh)"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
echo "setup: Vulkan loader .debs for the GPU check bundle"
scripts/gpu-bundle.sh --fetch
# Reinstalled when the pinned list is newer than the last install. --retries 0: an index that does
# not answer (pip's default one, where only a local index is reachable) is skipped at once instead of
# after five back-offs.
if [ ! -x .venv-py/bin/python ] || [ scripts/python-requirements.txt -nt .venv-py/.installed ]; then
  echo "setup: Python clients for the export checks -> .venv-py"
  python3 -m venv .venv-py
  .venv-py/bin/pip install --quiet --retries 0 --only-binary=:all: -r scripts/python-requirements.txt 2> >(grep -v -E 'Retrying|is ignored: it is neither' >&2)
  touch .venv-py/.installed
fi
echo "setup: done. 'npm run tract -- info' shows the WebGPU adapter."
