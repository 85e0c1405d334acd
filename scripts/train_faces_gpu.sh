#!/usr/bin/env bash
# Train candidate 64x64 face generators side by side on one GPU (how pretrained/faces64 was made).
# Usage: scripts/train_faces_gpu.sh FACES_ZIP OUT_DIR MINUTES
# Each run is one `python -m gan_core.train` command; the best checkpoint by SWD against the
# 2,000 held-out faces is kept in RUN/best. Pick the winner with bench/eval_faces.py.
set -u
ZIP=${1:?faces64.zip}; OUT=${2:?out dir}; MIN=${3:-7}
COMMON="--data $ZIP --image-size 64 --noise-size 128 --conv-dim 64 --spectral-norm --no-d-batch-norm \
 --d-activation leaky --ema 0.999 --flip --holdout 2000 --sample-every 2000 --metric-every 2000 \
 --log-every 50 --n-samples 64 --keep-best --fp16 --device cuda --iterations 200000 --max-minutes $MIN"
mkdir -p "$OUT"
python3 -m gan_core.train $COMMON --loss hinge --lr 2e-4 --batch-size 64 --seed 0 \
  --out "$OUT/hinge_sn_ema" > "$OUT/hinge_sn_ema.log" 2>&1 &
python3 -m gan_core.train $COMMON --loss lsgan --lr 1e-4 --lr-d 4e-4 --batch-size 64 --seed 0 \
  --out "$OUT/lsgan_sn_ttur_ema" > "$OUT/lsgan_sn_ttur_ema.log" 2>&1 &
python3 -m gan_core.train $COMMON --loss hinge --lr 1e-4 --lr-d 4e-4 --beta1 0.0 --beta2 0.9 --batch-size 128 --seed 0 \
  --out "$OUT/hinge_sn_ttur_b128_ema" > "$OUT/hinge_sn_ttur_b128_ema.log" 2>&1 &
wait
