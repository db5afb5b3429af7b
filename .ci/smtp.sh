#!/usr/bin/env bash
# Starts the real SMTP server of the email tests (.ci/smtp.py, aiosmtpd from PyPI) on
# 127.0.0.1 and prints the two settings the tests read:
#
#   eval "$(.ci/smtp.sh)"   # exports ROUNDUP_TEST_SMTP and ROUNDUP_TEST_MAILDIR
#
# Installs aiosmtpd with pip when it is missing. Messages land in $SMTPTEST_DIR (default
# /tmp/roundup-smtptest/mail); the server listens on $SMTPTEST_PORT (default 25250). Running
# the script again reuses a server that is already up. `.ci/smtp.sh stop` stops it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${SMTPTEST_ROOT:-/tmp/roundup-smtptest}"
port="${SMTPTEST_PORT:-25250}"
mail="$root/mail"
mkdir -p "$mail"

if [[ "${1:-}" == "stop" ]]; then
  if [[ -f "$root/pid" ]]; then kill "$(cat "$root/pid")" 2>/dev/null || true; rm -f "$root/pid"; fi
  exit 0
fi

if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  echo "installing aiosmtpd from PyPI" >&2
  python3 -m pip install -q aiosmtpd >&2
fi

up() { python3 - "$port" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
    ok = s.recv(100).startswith(b"220")
except OSError:
    ok = False
sys.exit(0 if ok else 1)
PY
}

if ! up; then
  nohup python3 "$here/smtp.py" "$port" "$mail" >"$root/log" 2>&1 &
  echo $! >"$root/pid"
  for _ in $(seq 1 50); do
    up && break
    sleep 0.2
  done
  up || { echo "the SMTP server did not start: see $root/log" >&2; cat "$root/log" >&2; exit 1; }
fi
echo "export ROUNDUP_TEST_SMTP=smtp://127.0.0.1:$port"
echo "export ROUNDUP_TEST_MAILDIR=$mail"
