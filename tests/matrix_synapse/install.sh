#!/bin/sh
# Install the pinned Synapse homeserver into a Python virtualenv for the
# Matrix integration tests (tests/matrix_synapse/mod.rs embeds and runs this
# same script, so CI can pre-install with it and the tests then find a cache).
#
#   sh tests/matrix_synapse/install.sh VENV_DIR
#
# Idempotent: exits at once when VENV_DIR already holds this Synapse version
# and `import synapse` works.  Safe to run concurrently: a lock directory
# VENV_DIR.lock serialises installers; waiters reuse the finished venv.
# Env: SYNAPSE_PYTHON (default python3) picks the interpreter (>= 3.10).
set -eu

SYNAPSE_VERSION=1.163.2

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 VENV_DIR" >&2
    exit 2
fi
VENV=$1
PY=${SYNAPSE_PYTHON:-python3}
MARKER="$VENV/.wandelgang-synapse-version"
LOCK="$VENV.lock"

ready() {
    [ -f "$MARKER" ] &&
        [ "$(cat "$MARKER")" = "$SYNAPSE_VERSION" ] &&
        "$VENV/bin/python" -c "import synapse" >/dev/null 2>&1
}

if ready; then
    echo "Synapse $SYNAPSE_VERSION already installed in $VENV"
    exit 0
fi

mkdir -p "$(dirname "$VENV")"

# Take the lock (mkdir is atomic).  A lock whose owner died is removed.
waited=0
while ! mkdir "$LOCK" 2>/dev/null; do
    if ready; then
        echo "Synapse $SYNAPSE_VERSION installed in $VENV by another process"
        exit 0
    fi
    owner=$(cat "$LOCK/pid" 2>/dev/null || true)
    if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
        echo "removing stale lock $LOCK (pid $owner is gone)" >&2
        rm -rf "$LOCK"
        continue
    fi
    if [ -z "$owner" ] && [ "$waited" -ge 10 ]; then
        # The owner never wrote its pid (killed between mkdir and echo).
        echo "removing stale lock $LOCK (no pid)" >&2
        rm -rf "$LOCK"
        continue
    fi
    if [ "$waited" -ge 900 ]; then
        echo "timed out after ${waited}s waiting for lock $LOCK" >&2
        exit 1
    fi
    sleep 1
    waited=$((waited + 1))
done
echo $$ >"$LOCK/pid"
trap 'rm -rf "$LOCK"' EXIT INT TERM HUP

if ready; then
    echo "Synapse $SYNAPSE_VERSION installed in $VENV by another process"
    exit 0
fi

echo "Installing Synapse $SYNAPSE_VERSION into $VENV"
rm -rf "$VENV"
"$PY" -m venv "$VENV"

# Every transitive dependency pinned, so that a new upstream release can
# not break the tests (all available as binary wheels for CPython 3.11 on
# x86_64 manylinux; no compiler, Rust toolchain or libpq needed).
CONSTRAINTS="$LOCK/constraints.txt"
cat >"$CONSTRAINTS" <<'EOF'
annotated-types==0.8.0
attrs==26.1.0
Automat==25.4.16
bcrypt==5.0.0
bleach==6.4.0
canonicaljson==2.0.0
certifi==2026.10.19.post1
cffi==2.1.1
charset-normalizer==3.5.3
constantly==23.10.4
cryptography==50.0.2
hyperlink==21.0.0
idna==3.20
ijson==3.6.0
immutabledict==4.3.1
incremental==24.11.0
Jinja2==3.1.6
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
MarkupSafe==3.0.4
matrix-common==1.3.0
msgpack==1.2.4
multipart==2.0.1
netaddr==1.3.0
packaging==26.4
phonenumbers==9.0.43
pillow==13.0.0
prometheus-client==0.26.0
pyasn1==0.6.5
pyasn1-modules==0.4.2
pycparser==3.12
pydantic==2.14.4
pydantic-core==2.50.5
pymacaroons==0.13.0
PyNaCl==1.6.2
pyOpenSSL==26.4.0
pyparsing==3.3.3
pyrsistent==0.20.0
python-multipart==0.0.34
PyYAML==6.0.4
referencing==0.37.0
requests==2.34.2
rpds-py==2026.9.1
semantic-version==2.10.0
service-identity==26.1.0
setuptools-rust==1.13.0
signedjson==1.1.4
six==1.17.0
sortedcontainers==2.4.0
treq==26.7.0
Twisted==26.10.0
typing-extensions==4.16.0
typing-inspection==0.4.5
unpaddedbase64==2.1.0
urllib3==2.8.0
webencodings==0.6.1
zope.interface==8.7
EOF

"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
    --constraint "$CONSTRAINTS" "matrix-synapse==$SYNAPSE_VERSION"
"$VENV/bin/python" -c "import synapse, sys; print('synapse', synapse.__version__, 'on python', sys.version.split()[0])"
echo "$SYNAPSE_VERSION" >"$MARKER.tmp"
mv "$MARKER.tmp" "$MARKER"
echo "Synapse $SYNAPSE_VERSION installed in $VENV"
