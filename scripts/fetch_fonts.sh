#!/usr/bin/env bash
# Korean typefaces for training and benches, from the npm registry's @expo-google-fonts packages (full TTFs,
# SIL OFL) and Debian. Usage: bash scripts/fetch_fonts.sh [DEST]  (default cache/fonts/npm)
# Also Latin monospace faces for number lines (`korocr train --number-fonts`) into MONO_DEST (default: DEST's
# sibling folder `mono`, e.g. cache/fonts/mono). IBM Plex Mono is left out: IBM Plex Sans KR is a held-out face.
# Never add fonts-baekmuk, xfonts-baekmuk or fonts-unfonts-extra: they are reserved for the project's evaluation.
set -uo pipefail
DEST=${1:-cache/fonts/npm}
mkdir -p "$DEST"
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] && [ -z "${SKIP_APT:-}" ]; then
  apt-get install -y -qq fonts-nanum fonts-nanum-extra fonts-nanum-coding fonts-nanum-eco fonts-unfonts-core \
    fonts-noto-cjk fonts-noto-cjk-extra fonts-alee fonts-lexi-gulim fonts-lexi-saebom fonts-naver-d2coding \
    fonts-woowa-bm >/dev/null || echo "apt-get failed: Debian fonts not installed" >&2
fi
FAMILIES="black-and-white-picture black-han-sans cute-font do-hyeon dokdo east-sea-dokdo gaegu gamja-flower
gothic-a1 gugi hi-melody jua kirang-haerang poor-story single-day song-myung stylish sunflower yeon-sung
gowun-batang gowun-dodum ibm-plex-sans-kr hahmlet orbit diphylleia dongle bagel-fat-one gasoek-one
grandiflora-one moirai-one noto-sans-kr noto-serif-kr"
tmp=$(mktemp -d)
fetch() {  # fetch DIR FAMILY...: each @expo-google-fonts family's TTFs into DIR/FAMILY, skipping those already there
  local dir=$1 f; shift
  for f in "$@"; do
    if [ -n "$(ls "$dir/$f" 2>/dev/null)" ]; then continue; fi
    (cd "$tmp" && npm pack --silent "@expo-google-fonts/$f" >/dev/null 2>&1) || { echo "npm: @expo-google-fonts/$f not found" >&2; continue; }
    mkdir -p "$dir/$f"
    tar -xzf "$tmp"/expo-google-fonts-"$f"-*.tgz -C "$tmp" && find "$tmp/package" -name '*.ttf' -exec cp {} "$dir/$f/" \;
    rm -rf "$tmp/package" "$tmp"/*.tgz
  done
}
# shellcheck disable=SC2086 - word splitting of the family lists is intended
fetch "$DEST" $FAMILIES
MONO_DEST=${MONO_DEST:-$(dirname "$DEST")/mono}
MONO_FAMILIES="roboto-mono jetbrains-mono source-code-pro space-mono fira-mono ubuntu-mono inconsolata courier-prime
dm-mono overpass-mono red-hat-mono noto-sans-mono pt-mono cousine anonymous-pro share-tech-mono cutive-mono nova-mono
oxygen-mono b612-mono azeret-mono martian-mono chivo-mono spline-sans-mono sometype-mono xanh-mono syne-mono vt323
fragment-mono geist-mono"
# shellcheck disable=SC2086
fetch "$MONO_DEST" $MONO_FAMILIES
rm -rf "$tmp"
echo "$(find "$DEST" -name '*.ttf' | wc -l) font files in $DEST, $(find "$MONO_DEST" -name '*.ttf' | wc -l) in $MONO_DEST"
