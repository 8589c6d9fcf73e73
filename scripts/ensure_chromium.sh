#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
set -eu
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
  exit 0
fi
cat >&2 <<'MSG'
The browser tests need Chromium at /usr/bin/chromium and this user cannot install it.
Install it once as root:   sudo apt-get update && sudo apt-get install -y chromium
(or set STUDIO_CHROMIUM=/path/to/chromium). Until then the browser tests are skipped.
MSG
