# Creates .venv and installs the project with the given extras, only when pyproject.toml
# or the extras changed since the last install.
ensure_venv() {
  local extras="$1" spec=".[${1}]" stamp=".venv/.installed-${1:-base}"
  [ -n "$extras" ] || spec="."
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "imagesite needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local want
  want="$(cksum < pyproject.toml)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e "$spec"
    echo "$want" > "$stamp"
  fi
}
