#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (Mesa 3.4+ needs it), or fail saying what was found.
# Looks at $PYTHON, then python3.13 / python3.12 / python3 / python on PATH (pyenv shims
# honour .python-version), then pyenv's and the system's installed versions.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
found=()
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.14 python3.13 python3.12 python3 python; do
  p=$(command -v "$name" 2>/dev/null) && candidates+=("$p")
done
for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 /usr/bin/python3.1[2-9] \
         /usr/local/bin/python3.1[2-9]; do
  [ -x "$p" ] && candidates+=("$p")
done
for p in "${candidates[@]}"; do
  if ok "$p"; then echo "$p"; exit 0; fi
  found+=("$p ($("$p" --version 2>&1 | head -1))")
done
echo "error: accesssim needs Python >= 3.12 (Mesa 3.4+ requires it) and none was found." >&2
if [ ${#found[@]} -gt 0 ]; then
  echo "found instead:" >&2; printf '  %s\n' "${found[@]}" >&2
else
  echo "found no python at all on PATH." >&2
fi
echo "install one (e.g. 'pyenv install 3.12' or your system's python3.12 package) or set PYTHON=/path/to/python3.12" >&2
exit 1
