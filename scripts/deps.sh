#!/usr/bin/env bash
# Makes sure the real components the tests use (scripts/tools.txt) are on this machine. On Debian
# as root it installs what is missing with apt-get; elsewhere it names what is missing and how to
# install it. Exit 0 when everything is there; 1 when something is missing and could not be installed.
set -u
cd "$(dirname "$0")/.."

present() {
  case "$1" in
    */*) compgen -G "$1" >/dev/null ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing_pkgs=()
missing_tools=()
while read -r tool pkg; do
  case "$tool" in ''|'#'*) continue ;; esac
  if ! present "$tool"; then
    missing_tools+=("$tool")
    [[ " ${missing_pkgs[*]} " == *" $pkg "* ]] || missing_pkgs+=("$pkg")
  fi
done < scripts/tools.txt

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

echo "deps: missing: ${missing_tools[*]}"
echo "  Debian/Ubuntu: sudo apt-get install ${missing_pkgs[*]}"
echo "  macOS (Homebrew): brew install putty postgresql openssl  (OpenSSH ships with macOS)"
echo "  Tests that need a missing tool are skipped and say so (under CI=true they fail instead)."
exit 1
