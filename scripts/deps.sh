#!/usr/bin/env bash
# Makes sure the real components the tests use are on this machine. On Debian as root it installs
# what is missing with apt-get; elsewhere it names what is missing and how to install it.
# Exit 0 when everything is there; 1 when something is missing and could not be installed.
set -u

# command-to-check  Debian-package (Chromium joins the list with the browser e2e tests)
needs=(
  "/usr/sbin/sshd openssh-server"
  "ssh openssh-client"
  "ssh-keygen openssh-client"
  "puttygen putty-tools"
  "psql postgresql-client"
  "ip iproute2"
  "iptables iptables"
  "unshare util-linux"
)
pg_ok() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }

missing_pkgs=()
for n in "${needs[@]}"; do
  cmd=${n% *}; pkg=${n#* }
  command -v "$cmd" >/dev/null 2>&1 || missing_pkgs+=("$pkg")
done
pg_ok || missing_pkgs+=(postgresql)

[ ${#missing_pkgs[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
  echo "deps: installing from Debian: ${missing_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/tmp/burrow-apt.log 2>&1 || {
    echo "deps: apt-get install failed; see /tmp/burrow-apt.log"; tail -20 /tmp/burrow-apt.log; exit 1; }
  # Debian starts the services it installs; the tests run their own throwaway instances instead.
  (service ssh stop; service postgresql stop) >/dev/null 2>&1 || true
  exit 0
fi

echo "deps: missing: ${missing_pkgs[*]}"
echo "  Debian/Ubuntu: sudo apt-get install ${missing_pkgs[*]}"
echo "  macOS (Homebrew): brew install putty postgresql  (OpenSSH ships with macOS)"
echo "  Tests that need a missing tool are skipped and say so."
exit 1
