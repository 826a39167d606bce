#!/usr/bin/env bash
# Debian packages the portal and its tests need. Installs only what is missing, so it is cheap
# to run from `make` on every setup. Needs root (or sudo) when something is missing.
set -euo pipefail

PACKAGES=(
  gettext            # compilemessages (Norwegian translations)
  chromium           # browser tests (Playwright drives /usr/bin/chromium; it never downloads one)
  poppler-utils      # pdftotext, pdftoppm and pdfsig: looking at and checking offer PDFs
  libpango-1.0-0     # WeasyPrint renders the offer PDFs with Pango and HarfBuzz
  libpangoft2-1.0-0
  libharfbuzz-subset0  # without it every render warns and is 25-40 % slower
  fonts-open-sans    # the offer's font (æøå), embedded in every PDF
  fonts-dejavu-core  # fallback font
  wkhtmltopdf        # benchmark peer only (make bench): the renderer Odoo uses for quotations
  wrk                # benchmark load generator on loopback (make bench)
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
