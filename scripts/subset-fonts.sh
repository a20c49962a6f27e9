#!/usr/bin/env bash
# Makes the font subsets of templates/fonts/ that the PDFs (audit report, certificates) embed.
# Run once, commit the output; rerun only to change the covered characters.
# Needs Debian's fonts-dejavu-core and fonttools (apt-get install -y fonts-dejavu-core fonttools).
#
# Why a subset: the full DejaVu Sans (760 KB) costs fontkit the decoding of big tables and
# puts its hinting programs in every PDF; the subset (about 105 KB) keeps Latin with French and
# English typography, and Arabic with its shaping tables. The same fonttools version gives the
# same bytes on every run (the font's timestamps are kept).
set -euo pipefail
cd "$(dirname "$0")/.."

src="${DEJAVU_DIR:-/usr/share/fonts/truetype/dejavu}"
out=templates/fonts

if command -v pyftsubset >/dev/null; then
  subset=(pyftsubset)
else
  # python3-fonttools alone installs the module for Debian's Python, not the command
  subset=(/usr/bin/python3 -m fontTools.subset)
fi

# Basic Latin, Latin-1 (incl. U+00A0 and « »), Latin Extended-A; spacing modifiers, combining
# accents, modifier letters and superscripts (3ᵉ, n°, m²); general punctuation (’ “ ” • …
# dashes, U+202F narrow no-break space, bidi marks); currency signs (€; the dirham is written
# "DH" or "د.م." in letters, U+20C3 is not in DejaVu); № ™; arrows; ≤ ≥ ≠ ≈ − ×; ✓ ✔ ✗ ✘; ■ ●;
# U+FFFD; Arabic, and Arabic Presentation Forms A and B, the glyphs its shaping substitutes.
text_unicodes='U+0020-007E,U+00A0-00FF,U+0100-017F,U+02B0-02FF,U+0300-036F,U+1D2C-1D6A,U+2070-209F,U+2000-206F,U+20A0-20CF,U+2116,U+2122,U+2190-2193,U+2212,U+2248,U+2260,U+2264-2265,U+25A0,U+25CF,U+2713-2718,U+FFFD,U+0600-06FF,U+FB50-FDFF,U+FE70-FEFF'
# The monospaced face prints hashes and identifiers only.
mono_unicodes='U+0020-007E,U+00A0,U+2026'

common=(
  --layout-features='*' # keep every GSUB/GPOS feature: init, medi, fina, rlig (Arabic), kern
  --name-IDs='*'        # keep the copyright and licence records of the name table
  --name-languages='*'
  --notdef-outline
  --no-hinting # PDF viewers do not use TrueType hinting: smaller files
  --drop-tables+=DSIG,FFTM
)

subset_one() {
  local from="$1" to="$2" unicodes="$3"
  "${subset[@]}" "$src/$from" --unicodes="$unicodes" "${common[@]}" --output-file="$out/$to"
  printf '%s: %s bytes\n' "$out/$to" "$(wc -c <"$out/$to")"
}

mkdir -p "$out"
subset_one DejaVuSans.ttf DejaVuSans-Subset.ttf "$text_unicodes"
subset_one DejaVuSans-Bold.ttf DejaVuSans-Bold-Subset.ttf "$text_unicodes"
subset_one DejaVuSansMono.ttf DejaVuSansMono-Subset.ttf "$mono_unicodes"
cp /usr/share/doc/fonts-dejavu-core/copyright "$out/LICENSE-DejaVu.txt"
