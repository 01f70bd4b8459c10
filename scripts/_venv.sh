# Creates .venv and installs the project with the given extras, the versions pinned in
# requirements.lock (pip constraints: the ranges stay in pyproject.toml, the lock picks the
# release), again whenever pyproject.toml, requirements.lock or the extras change.
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
  want="$(cat pyproject.toml requirements.lock | cksum)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c requirements.lock -e "$spec"
    echo "$want" > "$stamp"
  fi
}

# The extras scripts/test and scripts/lint install: `test`, plus `mysql` when the MySQL
# client library is there to build mysqlclient against.
default_extras() {
  if command -v mysql_config >/dev/null 2>&1 || pkg-config --exists mysqlclient 2>/dev/null; then
    echo "test,mysql"
  else
    echo "test"
  fi
}
