#!/usr/bin/env bash
# Installs Mesa's lavapipe (a CPU Vulkan driver) from Debian bookworm-backports into a local,
# gitignored folder (.vulkan/) without touching the system's apt state, and writes an ICD json
# that Vulkan loaders (Dawn in the `webgpu` npm package) can be pointed at with VK_ICD_FILENAMES.
#
# Why: Dawn rejects Debian 12's own lavapipe (Mesa 22); Mesa 25 from bookworm-backports works.
# The mirror is taken from the machine's own apt sources (no host is named in this repository).
#
# Usage: scripts/install-lavapipe.sh [target-dir]   (default: .vulkan)
# Prints the path of the ICD json on success. Needs libvulkan1 installed system-wide.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-"$root/.vulkan"}
icd="$target/lvp_icd.json"

if [ -f "$icd" ] && [ -f "$target/ok" ]; then
  echo "$icd"
  exit 0
fi

sources=/etc/apt/sources.list.d/debian.sources
mirror=""
if [ -f "$sources" ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' "$sources")
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
fi
if [ -z "$mirror" ]; then
  echo "install-lavapipe: no Debian mirror found in $sources or /etc/apt/sources.list" >&2
  exit 1
fi

work="$target/apt"
rm -rf "$target"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$target/root"
echo "deb $mirror bookworm-backports main" > "$work/sources.list"
opts=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Get::List-Cleanup=0"
)
apt-get "${opts[@]}" update -qq >&2

# The driver, plus the backported libraries it needs newer versions of than Debian 12 ships.
# Everything else it links against (LLVM 15, xcb, expat, zstd) comes from the main archive:
# .ci/run installs those with apt (see the list there); the ldd check below names any missing.
(cd "$work/debs" && apt-get "${opts[@]}" download \
  mesa-vulkan-drivers libdrm2 libdrm-common libelf1 libwayland-client0 >&2 2>/dev/null) || {
  echo "install-lavapipe: could not download mesa-vulkan-drivers from $mirror bookworm-backports" >&2
  exit 1
}
for deb in "$work/debs"/*.deb; do
  dpkg-deb -x "$deb" "$target/root"
done

lib=$(find "$target/root" -name 'libvulkan_lvp.so' | head -n 1)
if [ -z "$lib" ]; then
  echo "install-lavapipe: libvulkan_lvp.so not found in the downloaded packages" >&2
  exit 1
fi
libdir=$(dirname "$lib")
cat > "$icd" <<JSON
{"file_format_version": "1.0.0", "ICD": {"library_path": "$lib", "api_version": "1.3.0"}}
JSON
# The driver's own dependencies sit beside it; the loader does not know them, so record the
# directory for LD_LIBRARY_PATH (the vitest config and the CLI wrapper read it).
echo "$libdir" > "$target/libdir"
missing=$(LD_LIBRARY_PATH="$libdir" ldd "$lib" | awk '/not found/ {print $1}')
if [ -n "$missing" ]; then
  echo "install-lavapipe: libvulkan_lvp.so needs libraries this system lacks: $missing" >&2
  echo "install them with apt (e.g. libllvm15, libxcb-dri3-0, libxshmfence1) and run again" >&2
  exit 1
fi
rm -rf "$work"
touch "$target/ok"
echo "$icd"
