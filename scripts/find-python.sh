#!/usr/bin/env sh
# Prints the path of a Python 3.13 interpreter, or explains how to get one and fails.
# pyenv's `python3.13` shim exists even when 3.13 is not the selected version and then
# fails when run, so each candidate is run once to prove it works.
want="3.13"
works() { "$1" -c "import sys; sys.exit(sys.version_info[:2] != (3, 13))" >/dev/null 2>&1; }
if [ -n "${PYTHON:-}" ]; then
  candidates=$PYTHON  # asked for by name: that one or nothing
else
  candidates="python3.13 python3"
fi
for candidate in $candidates; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if works "$path"; then echo "$path"; exit 0; fi
  if PYENV_VERSION=$want works "$path"; then
    # a pyenv shim: resolve it to the real interpreter
    real=$(PYENV_VERSION=$want "$path" -c "import sys; print(sys.executable)" 2>/dev/null)
    [ -n "$real" ] && { echo "$real"; exit 0; }
  fi
done
[ -n "${PYTHON:-}" ] && { echo "error: PYTHON=$PYTHON is not a working Python $want" >&2; exit 1; }
root=${PYENV_ROOT:-$HOME/.pyenv}
for real in "$root"/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do
  if [ -x "$real" ] && works "$real"; then echo "$real"; exit 0; fi
done
cat >&2 <<MSG
error: Python $want is needed (Azure Functions runs this app on Python $want with the
pinned azure-functions-runtime) and none was found.
Install it, then run make again:
  pyenv:   pyenv install $want        (any 3.13.x)
  Debian:  apt-get install python$want python$want-venv
  or point make at it:  make test PYTHON=/path/to/python$want
MSG
exit 1
