#!/usr/bin/env bash
# Builds the GPU check bundle: one folder (git-ignored, under 60 MiB) that runs the tract CLI's
# benchmarks on a Linux x86-64 machine with an NVIDIA GPU, nothing installed and no network
# (scripts/gpu-check.sh runs it; the README's Benchmarks section gives the device command).
#
#   scripts/gpu-bundle.sh [--out <dir>] [--fetch]     (default out: .gpu-bundle)
#
# <out>/gpu-check.sh   the check (a copy of scripts/gpu-check.sh): unpacks the rest and runs it
# <out>/gpu-summary.mjs  the results against the issue's GPU targets (a copy of scripts/gpu-summary.mjs)
# <out>/node.xz        this machine's Node 20 binary (x86-64), xz-compressed
# <out>/app.tar.xz     tract.mjs (the CLI bundled by scripts/gpu-bundle.mjs, WGSL inlined);
#                      node_modules/webgpu (index.js + dist/linux-x64/dawn.node),
#                      node_modules/onnxruntime-web (its Node entry and wasm) + onnxruntime-common;
#                      lib/ (the Vulkan loader libvulkan.so.1, unpacked from Debian 12's .deb);
#                      lib-fallback/ (libGLdispatch, libX11, libXext and what they load: NVIDIA's
#                      Vulkan driver links to them; used only where the machine lacks them);
#                      public/base, public/judge, docs/example.json;
#                      models/stories260K (stories260K.bin + tok512.bin, for bench judge) when
#                      ../shared/models/stories260K is there
# <out>/MANIFEST.txt   what is in it, versions, sizes and sha256 sums
#
# The loader .debs are downloaded once into .gpu-bundle/debs (TRACT_BUNDLE_DEBS), a cache kept
# between builds; --fetch only downloads them (scripts/setup.sh does this, so a build needs no
# network). TRACT_BUNDLE_XZ_LEVEL (default 6) sets the xz level of app.tar.xz and node.xz; node.xz is
# reused while this machine's node binary is unchanged.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.gpu-bundle"
fetch_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    --fetch) fetch_only=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "gpu-bundle: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
level=${TRACT_BUNDLE_XZ_LEVEL:-6}
limit_mib=60
debs="${TRACT_BUNDLE_DEBS:-$root/.gpu-bundle/debs}"
say() { echo "gpu-bundle: $*" >&2; }
die() { say "$*"; exit 1; }

# The Vulkan loader (libvulkan1), and the libraries NVIDIA's Vulkan driver (libGLX_nvidia.so.0) links
# to, which a CUDA-only image may lack: libGLdispatch (libglvnd0), libX11 and libXext with theirs.
# From Debian 12 main, amd64, through a private apt state (the system's is untouched), from the mirror
# in the machine's own apt sources, as scripts/install-lavapipe.sh does.
fallback_pkgs=(libglvnd0 libx11-6 libxext6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0)
fetch_debs() {
  local p have=1
  for p in libvulkan1 "${fallback_pkgs[@]}"; do ls "$debs/${p}"_*_amd64.deb >/dev/null 2>&1 || have=0; done
  if [ $have = 1 ]; then return 0; fi
  local sources=/etc/apt/sources.list.d/debian.sources mirror="" work
  [ -f "$sources" ] && mirror=$(awk '/^URIs:/ {print $2; exit}' "$sources")
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || die "no Debian mirror found in $sources or /etc/apt/sources.list"
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$debs"
  echo "deb $mirror bookworm main" > "$work/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1" -o "APT::Get::List-Cleanup=0"
    -o "APT::Architecture=amd64" -o "APT::Architectures=amd64" -o "APT::Sandbox::User=root")
  apt-get "${opts[@]}" update -qq >&2 || die "apt-get update from $mirror bookworm failed"
  (cd "$debs" && apt-get "${opts[@]}" download libvulkan1 "${fallback_pkgs[@]}" >&2) || die "apt-get download libvulkan1 ${fallback_pkgs[*]} failed"
  rm -rf "$work"
  say "downloaded $(cd "$debs" && ls ./*.deb | tr '\n' ' ')"
}

fetch_debs
if [ "$fetch_only" = 1 ]; then exit 0; fi

# --- what the bundle is made of, checked before anything is built --------------------------------
[ "$(uname -m)" = x86_64 ] || die "this machine is $(uname -m): the bundle carries this machine's node binary, and the GPU machine is x86-64"
node_bin=$(readlink -f "$(command -v node)") || die "no node on PATH"
node_ver=$("$node_bin" -v)
case "$node_ver" in v20.*) ;; *) die "node is $node_ver; the bundle is made for Node 20 (package.json engines)" ;; esac
file_kind=$(head -c 20 "$node_bin" | od -An -tx1 | tr -d ' \n')
case "$file_kind" in 7f454c460201*) ;; *) die "$node_bin is not a 64-bit ELF executable (a wrapper script?)" ;; esac
dawn="$root/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$dawn" ] || die "$dawn missing: run scripts/setup.sh (npm ci)"
ortdir="$root/node_modules/onnxruntime-web"
[ -f "$ortdir/dist/ort.node.min.mjs" ] || die "$ortdir missing: run scripts/setup.sh (npm ci)"
command -v xz >/dev/null || die "xz missing (apt-get install xz-utils; scripts/setup.sh installs it)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
app="$stage/app"
mkdir -p "$app/lib" "$app/lib-fallback" "$app/node_modules" "$app/public" "$app/docs" "$out"

say "bundling the CLI (esbuild)"
node "$root/scripts/gpu-bundle.mjs" "$app/tract.mjs"

# webgpu: its index.js loads dist/<platform>-<arch>/dawn.node beside itself; only linux-x64 travels.
mkdir -p "$app/node_modules/webgpu/dist/linux-x64"
cp "$root/node_modules/webgpu/package.json" "$root/node_modules/webgpu/index.js" "$app/node_modules/webgpu/"
cp "$dawn" "$app/node_modules/webgpu/dist/linux-x64/"
# onnxruntime-web: Node's entry (exports "node" -> dist/ort.node.min.mjs) imports the wasm glue and
# the .wasm beside it, and onnxruntime-common.
mkdir -p "$app/node_modules/onnxruntime-web/dist"
cp "$ortdir/package.json" "$app/node_modules/onnxruntime-web/"
cp "$ortdir/dist/ort.node.min.mjs" "$ortdir/dist/ort-wasm-simd-threaded.mjs" "$ortdir/dist/ort-wasm-simd-threaded.wasm" "$app/node_modules/onnxruntime-web/dist/"
mkdir -p "$app/node_modules/onnxruntime-common/dist"
cp "$root/node_modules/onnxruntime-common/package.json" "$app/node_modules/onnxruntime-common/"
cp -r "$root/node_modules/onnxruntime-common/dist/esm" "$app/node_modules/onnxruntime-common/dist/"

# The loader libraries, unpacked (no dpkg, no root needed there: gpu-check.sh sets LD_LIBRARY_PATH).
dpkg-deb -x "$(ls "$debs"/libvulkan1_*_amd64.deb | tail -n 1)" "$stage/deb"
find "$stage/deb" -name 'libvulkan.so.1*' -exec cp -P {} "$app/lib/" \;
[ -e "$app/lib/libvulkan.so.1" ] || die "libvulkan.so.1 not found in $(ls "$debs")"
for p in "${fallback_pkgs[@]}"; do dpkg-deb -x "$(ls "$debs/${p}"_*_amd64.deb | tail -n 1)" "$stage/fallback"; done
find "$stage/fallback" -name 'lib*.so.*' \( -type f -o -type l \) -exec cp -P {} "$app/lib-fallback/" \;
for so in libGLdispatch.so.0 libX11.so.6 libXext.so.6 libxcb.so.1; do
  [ -e "$app/lib-fallback/$so" ] || die "$so not found in the fallback packages"
done

cp -r "$root/public/base" "$root/public/judge" "$app/public/"
cp "$root/docs/example.json" "$app/docs/"
s260="$root/../shared/models/stories260K"
if [ -f "$s260/stories260K.bin" ] && [ -f "$s260/tok512.bin" ]; then
  mkdir -p "$app/models/stories260K"
  cp "$s260/stories260K.bin" "$s260/tok512.bin" "$app/models/stories260K/"
else
  say "no $s260: bench judge will use the shipped judge model instead of stories260K"
fi

# --- pack ------------------------------------------------------------------------------------------
node_sum=$(sha256sum "$node_bin" | cut -d' ' -f1)
if [ -f "$out/node.xz" ] && [ "$(cat "$out/node.sha256" 2>/dev/null)" = "$node_sum" ]; then
  say "node.xz: reused ($node_ver)"
else
  say "compressing node $node_ver (xz -$level; about a minute)"
  rm -f "$out/node.sha256"
  xz -T0 "-$level" -c "$node_bin" > "$out/node.xz.tmp" && mv "$out/node.xz.tmp" "$out/node.xz"
  echo "$node_sum" > "$out/node.sha256"
fi
say "packing app.tar.xz (xz -$level)"
tar -C "$app" -cf - . | xz -T0 "-$level" -c > "$out/app.tar.xz.tmp"
mv "$out/app.tar.xz.tmp" "$out/app.tar.xz"
cp "$root/scripts/gpu-check.sh" "$out/gpu-check.sh.tmp" && chmod +x "$out/gpu-check.sh.tmp" && mv "$out/gpu-check.sh.tmp" "$out/gpu-check.sh"
cp "$root/scripts/gpu-summary.mjs" "$out/gpu-summary.mjs.tmp" && mv "$out/gpu-summary.mjs.tmp" "$out/gpu-summary.mjs"

total=$(du -cb "$out" | tail -n 1 | cut -f1)
{
  echo "tract-web GPU check bundle, built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "node $node_ver (sha256 $node_sum); webgpu $(node -p "require('$root/node_modules/webgpu/package.json').version"); onnxruntime-web $(node -p "require('$ortdir/package.json').version")"
  echo "vulkan loader and fallbacks: $(cd "$debs" && ls ./*.deb | tr '\n' ' ')"
  echo "total $((total / 1024)) KiB (limit ${limit_mib} MiB)"
  echo
  (cd "$app" && find . -type f -printf '%10s  %p\n' | sort -k2)
  echo
  (cd "$out" && sha256sum node.xz app.tar.xz gpu-check.sh gpu-summary.mjs)
} > "$out/MANIFEST.txt"
if [ "$total" -ge $((limit_mib * 1024 * 1024)) ]; then
  die "the bundle is $((total / 1024 / 1024)) MiB, over the ${limit_mib} MiB limit (the device carries 64 MiB in all)"
fi
say "done: $out ($((total / 1024 / 1024)) MiB): bash $out/gpu-check.sh [--smoke]"
echo "$out"
