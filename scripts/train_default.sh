#!/usr/bin/env bash
# The recipe of korocr's default recognition model (src/korocr/weights/korocr-rec-crnn.onnx).
# Needs: pip install torch==2.13.0 -e ".[train]"; Debian fonts-nanum fonts-nanum-extra fonts-unfonts-core
# fonts-noto-cjk (plus the PyPI font packages of korocr[train]); the corpora in ../shared/data/corpora.
#
#   bash scripts/train_default.sh                 # from scratch (session 1 of the default model)
#   INIT=weights/default-crnn.pt bash scripts/train_default.sh   # continue from committed weights
#
# Fonts held out of training (used for the held-out synthetic benchmark): UnDotum*, UnGraphic*,
# NanumSquareRound*, NanumBarunpen*.
set -euo pipefail
SHARED=${SHARED:-../shared}
CACHE=${CACHE:-cache}
STEPS=${STEPS:-8500}
MINUTES=${MINUTES:-118}
export OMP_WAIT_POLICY=PASSIVE
python scripts/build_corpus.py --shared "$SHARED" --out "$CACHE/text"
extra=()
if [ -n "${INIT:-}" ]; then extra+=(--init-from "$INIT" --warmup-steps 100 --lr "${LR:-5e-4}"); fi
korocr train --corpus "$CACHE/text/corpus.txt" --words "$CACHE/text/words.txt" \
  --exclude-fonts 'UnDotum*' 'UnGraphic*' 'NanumSquareRound*' 'NanumBarunpen*' \
  --max-steps "$STEPS" --max-minutes "$MINUTES" --val-every 500 --val-size 512 \
  --runs-dir runs --name default-crnn --export --workers 1 --seed "${SEED:-1}" "${extra[@]}"
