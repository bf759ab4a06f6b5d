#!/usr/bin/env bash
# Fine-tune the default model on synthetic lines in a font it never saw, and measure CER before and after
# on held-out lines in that font. Usage: bash scripts/finetune_demo.sh [FONT_GLOB] [MINUTES]
set -euo pipefail
FONT=${1:-UnGraphic}
MINUTES=${2:-4}
OUT=${OUT:-cache/finetune_demo}
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
# test lines (seed 99) and training lines (seed 1) in the new font; words from the corpus if present
DICT=()
[ -f cache/text/words.txt ] && DICT=(--dict cache/text/words.txt)
CORPUS=()
[ -f cache/text/corpus.txt ] && CORPUS=(--corpus cache/text/corpus.txt)
korocr synth -c 500 -o "$OUT/test" --fonts "$FONT" --seed 99 "${CORPUS[@]}" "${DICT[@]}"
korocr synth -c 6000 -o "$OUT/train" --fonts "$FONT" --seed 1 --format lmdb --workers 2 "${CORPUS[@]}" "${DICT[@]}"
echo "== before"
korocr eval default "$OUT/test" --log "$OUT/before.tsv"
run=$(korocr train --init-from default --data "$OUT/train/lmdb" --lr 3e-4 --warmup-steps 30 \
        --max-steps 100000 --max-minutes "$MINUTES" --runs-dir "$OUT/runs" --name finetune --export --workers 1 \
        | sed -n 's/^run directory: //p')
echo "== after ($run)"
korocr eval "$run/model.onnx" "$OUT/test" --log "$OUT/after.tsv"
