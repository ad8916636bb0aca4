#!/bin/sh
# Installs the Debian packages the integration tests run for real: public-inbox (with its httpd and
# nntpd), b4, dovecot-imapd, redis-server (the job queue's tests start their own), chromium (the web
# view's browser tests), systemd-analyze, curl and jq (docs/deploy.md's commands) and linux-source-6.1 (a
# real kernel tree as a tarball under /usr/src). Idempotent:
# installs only what is missing, does nothing when all are present. `npm test` runs it by itself when
# run as root (test/global-setup.ts).
set -eu

missing=""
command -v public-inbox-init >/dev/null 2>&1 || missing="$missing public-inbox"
command -v b4 >/dev/null 2>&1 || missing="$missing b4"
[ -x /usr/sbin/dovecot ] || missing="$missing dovecot-imapd"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
# docs/deploy.md's commands, done by test/ops/deploy-doc.test.ts
command -v systemd-analyze >/dev/null 2>&1 || missing="$missing systemd"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
# a whole real kernel tree as a tarball: the real MAINTAINERS of test/git/route.test.ts
[ -r /usr/src/linux-source-6.1.tar.xz ] || missing="$missing linux-source-6.1"

if [ -z "$missing" ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup-system: installing$missing" >&2
$SUDO apt-get update -qq >/dev/null
# dovecot's and redis' packages start a system service where an init system exists; tests run their own instances.
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
