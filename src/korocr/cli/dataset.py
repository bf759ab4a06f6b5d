"""``korocr dataset``: convert, split, merge and inspect labelled datasets."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import add_charset, add_progress, err, progress, resolve_charset


def _open_sources(args: argparse.Namespace):
    from itertools import chain

    from ..io.datasets import open_dataset

    return chain.from_iterable(open_dataset(src, fmt=args.format, images=args.images, level=args.level)
                               for src in args.sources)


def run(args: argparse.Namespace) -> int:
    from ..io.convert import dataset_stats, derive_charset, split_samples, write_dataset

    if args.action in ("convert", "merge"):
        rep = write_dataset(progress(_open_sources(args), getattr(args, "progress", False), unit="sample"),
                            args.output, to=args.to)
        print(rep.summary())
        for key, why in rep.rejected[:20]:
            err(f"rejected {key}: {why}")
        if len(rep.rejected) > 20:
            err(f"... {len(rep.rejected) - 20} more rejections in {args.output}/report.json")
        return 0
    if args.action == "split":
        samples = list(_open_sources(args))
        names = args.names or [f"part{i}" for i in range(len(args.ratios))]
        if len(names) != len(args.ratios):
            err("--names must give one name per ratio")
            return 2
        parts = split_samples(samples, args.ratios, seed=args.seed)
        for name, part in zip(names, parts):
            print(write_dataset(part, Path(args.output) / name, to=args.to).summary())
        return 0
    if args.action == "stats":
        base = resolve_charset(args.charset)
        st = dataset_stats(_open_sources(args), base, images=not args.no_images)
        print(json.dumps(st.to_dict(args.top), ensure_ascii=False, indent=1))
        return 0
    if args.action == "tokenize":
        return _tokenize(args)
    if args.action == "charset":
        base = resolve_charset(args.base)
        cs = derive_charset(_open_sources(args), base)
        out = Path(args.output)
        if out.suffix == ".txt":
            out.write_text("\n".join(cs.chars) + "\n", encoding="utf-8")
        else:
            cs.save(out)
        added = len(cs) - (len(base) if base else 0)
        print(f"{out}: {len(cs)} characters ({added} from the data)")
        return 0
    return 2


def _tokenize(args: argparse.Namespace) -> int:
    """Images → Inverse DALL-E reading sequences (tokens.npy, int32 (N, max_length)) + texts.txt; a model on a
    residual VQ-VAE also writes the further code levels beside the tokens (fine_codes.npy, int16 (N, max_length,
    Q - 1), -1 where no image code)."""
    import numpy as np

    from ..errors import ModelLoadError, require

    require("vector_quantize_pytorch", "train", "korocr dataset tokenize")
    from ..io.image import ImageLoadError, load_image
    from ..models.recognition.inverse_dalle import InverseDalle
    from ..models.recognition.inverse_dalle.tokens import SequenceTooLong

    try:
        model = InverseDalle.load(args.model)
    except FileNotFoundError as e:
        raise ModelLoadError(str(e)) from None
    seqs, fines, texts, rejected, n = [], [], [], [], 0
    for s in _open_sources(args):
        n += 1
        if s.error:
            rejected.append((s.key, s.error))
            continue
        try:
            img = load_image(s.image, name=s.key)
        except ImageLoadError as e:
            rejected.append((s.key, str(e)))
            continue
        try:
            codes = model.codes(img)
            seqs.append(model.vocab.reading_sequence(codes, s.text, args.max_length))
        except SequenceTooLong as e:
            rejected.append((s.key, str(e)))
            continue
        if model.fine_levels:
            fines.append(model.vocab.fine_codes(codes, args.max_length))
        texts.append(s.text)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "tokens.npy", np.asarray(seqs, np.int32).reshape(len(seqs), args.max_length))
    if model.fine_levels:
        np.save(out / "fine_codes.npy", np.asarray(fines, np.int16).reshape(len(seqs), args.max_length,
                                                                              model.fine_levels))
    (out / "texts.txt").write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    for key, why in rejected:
        err(f"rejected {key}: {why}")
    print(f"read {n}, written {len(seqs)}, rejected {len(rejected)} -> {out / 'tokens.npy'}")
    return 0


def add(sub) -> None:
    from ..io.datasets import FORMATS

    p = sub.add_parser("dataset", help="convert, split, merge, inspect labelled datasets",
                       description="Datasets in: labels.tsv, gt*.txt, labels.txt (TRDG/kocrnn), AI Hub JSON, "
                                   "image+.txt folders, HierText JSON(L), LMDB. Out: LMDB "
                                   "(deep-text-recognition-benchmark layout) or a folder (images/ + labels.tsv). "
                                   "Every write prints 'read N, written M, rejected K' and saves report.json.")
    dsub = p.add_subparsers(dest="action", required=True)

    def common(q, out=True):
        q.add_argument("sources", nargs="+", metavar="SOURCE", help="dataset folders or label files")
        q.add_argument("--format", choices=FORMATS, default="auto", help="input format (default: detect)")
        q.add_argument("--images", help="image folder for label files that name images (default: beside them)")
        q.add_argument("--level", choices=["line", "word"], default="line", help="HierText crops")
        if out:
            q.add_argument("-o", "--output", required=True)
            q.add_argument("--to", choices=["lmdb", "folder"], default="lmdb")
            add_progress(q)

    common(dsub.add_parser("convert", help="any reader -> LMDB or folder"))
    common(dsub.add_parser("merge", help="several datasets -> one LMDB or folder"))
    sp = dsub.add_parser("split", help="deterministic train/validation/test split by ratio and seed")
    common(sp)
    sp.add_argument("--ratios", type=float, nargs="+", default=[0.8, 0.1, 0.1])
    sp.add_argument("--names", nargs="+", default=["train", "validation", "test"])
    sp.add_argument("--seed", type=int, default=0)
    st = dsub.add_parser("stats", help="counts, charset with frequencies, characters outside a charset, sizes")
    common(st, out=False)
    add_charset(st, default=None, help="'default' or a charset file: list the characters outside it")
    st.add_argument("--top", type=int, default=50, help="most frequent characters to list")
    st.add_argument("--no-images", action="store_true", help="do not open images (no size histograms)")
    cs = dsub.add_parser("charset", help="derive a charset file from the labels (.json, or .txt one per line)")
    common(cs, out=False)
    cs.add_argument("-o", "--output", required=True)
    add_charset(cs, "--base", default=None, help="start from 'default' or a charset file (its order is kept)")
    tk = dsub.add_parser("tokenize", help="images -> Inverse DALL-E token sequences (tokens.npy)")
    tk.add_argument("model", help="an Inverse DALL-E model directory")
    common(tk)
    tk.add_argument("--max-length", type=int, default=128, help="tokens per sequence (padded)")
    p.set_defaults(func=run)
