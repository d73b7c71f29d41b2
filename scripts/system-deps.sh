#!/usr/bin/env bash
# Check (and, as root with apt-get, install) the system packages assessor needs.
#   pango, harfbuzz, fontconfig, DejaVu fonts : WeasyPrint renders PDFs with them
#   harfbuzz-subset                           : font subsetting (WeasyPrint warns that future
#                                               versions will require it)
#   poppler-utils                             : pdftotext/pdftoppm for PDF tests and page images
#   chromium (with --browser)                 : the end-to-end upload-page test
# Prints one line per missing package saying what to install; exits 1 if any is still missing.
set -u
want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

check() {
  missing=()
  ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libharfbuzz.so.0' || missing+=(libharfbuzz0b)
  # Debian 12 ships the subsetter in libharfbuzz0b; newer releases split it out.
  ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0' || missing+=(libharfbuzz-subset0)
  command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
  fc-list 2>/dev/null | grep -qi 'DejaVuSans' || missing+=(fonts-dejavu-core)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  if [ "$want_browser" = 1 ]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  fi
}

check
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}") \
      >/tmp/assessor-apt.log 2>&1; then
    echo "system-deps: apt-get could not install ${missing[*]} (log: /tmp/assessor-apt.log)" >&2
  fi
  check
  [ ${#missing[@]} -eq 0 ] && exit 0
fi

for pkg in "${missing[@]}"; do
  echo "system-deps: missing '$pkg'; install it (Debian/Ubuntu: apt-get install $pkg; macOS: brew install pango poppler)" >&2
done
exit 1
