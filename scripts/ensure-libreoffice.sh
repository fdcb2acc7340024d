#!/usr/bin/env bash
# Install Debian's headless LibreOffice Calc, if it is not there yet: the budget-pack test recalculates the
# workbook and prints it to PDF with it, as a finance partner's spreadsheet would (soffice --headless).
set -euo pipefail
if command -v soffice > /dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "LibreOffice is missing: run 'sudo apt-get install -y --no-install-recommends libreoffice-calc-nogui'" \
       "(Debian) and try again." >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui > /dev/null
