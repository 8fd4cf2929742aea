"""How many clips per visual word a vocabulary needs: held-out per-word vote against clips per word.

On an ingested corpus with YouCook II style annotations (e.g. `videobert synth` + `videobert ingest`),
for training sets of several sizes (the first N training videos) and several trees (levels x k):
fit the tree on the training clips (L2-normalized, as `videobert vocab`), label each visual word
with the majority verb / noun of its training clips, and score the validation segments by their
words' vote (`tasks.wordlabels.segment_reference`). The 1-NN on the features (no quantization) is
the bound each row is read against. Prints a Markdown table (docs/learning.md, "Vocabulary size").

    python bench/vocab_size.py CORPUS ANNOTATIONS --verbs V.txt --nouns N.txt [--train 15 30 60 120]
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    from videobert.corpus import Corpus
    from videobert.tasks.annotations import load_youcook, locate_segments, read_labels
    from videobert.tasks.wordlabels import nearest_neighbour_bound, segment_reference, word_labels
    from videobert.vocab.hkmeans import fit_tree
    from videobert.vocab.vocabulary import VisualVocab

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus")
    p.add_argument("annotations")
    p.add_argument("--verbs", required=True)
    p.add_argument("--nouns", required=True)
    p.add_argument("--train", type=int, nargs="+", default=[15, 30, 60, 120], help="training videos per row group")
    p.add_argument("--trees", nargs="+", default=["1x6", "1x12", "2x6", "2x12", "3x8", "3x12", "4x12"])
    a = p.parse_args()

    corpus = Corpus(a.corpus)
    verbs, nouns = read_labels(a.verbs), read_labels(a.nouns)
    segs = load_youcook(a.annotations)
    train_all = locate_segments(corpus, [s for s in segs if s.subset == "training"])
    val = locate_segments(corpus, [s for s in segs if s.subset == "validation"])
    train_ids = sorted({s.segment.video_id for s in train_all})
    feats = {v: np.asarray(corpus.read(v).features, np.float32) for v in corpus.video_ids()}
    print(f"{len(train_ids)} training videos, {len(val)} validation segments; {len(verbs)} verbs, {len(nouns)} nouns")
    print("| training videos | training clips | tree | words used | clips per word | validation clips on words with "
          ">= 20 training clips | vote verb | vote noun |")
    print("|---|---|---|---|---|---|---|---|")
    for n in a.train:
        ids = set(train_ids[:n])
        train = [s for s in train_all if s.segment.video_id in ids]
        x = np.concatenate([feats[v] for v in sorted(ids)])
        x = x / np.linalg.norm(x, axis=1, keepdims=True).clip(1e-8)
        nn = nearest_neighbour_bound(corpus, train, val, verbs, nouns)
        for tree in a.trees:
            levels, k = (int(t) for t in tree.split("x"))
            t0 = time.perf_counter()
            cents, pars = fit_tree(x, levels, k, seed=0, iters=20)
            vocab = VisualVocab(cents, pars, {"levels": levels, "k": k, "normalize": "l2"})
            cache: dict[str, np.ndarray] = {}

            def tokens(vid: str) -> np.ndarray:
                if vid not in cache:
                    cache[vid] = vocab.assign(vocab.prepare(feats[vid]), prepared=True)
                return cache[vid]

            labels = word_labels(train, tokens, verbs, nouns)
            vote = segment_reference(labels, val, tokens)
            used = len(labels.usage)
            # what a model can learn a word from: its training clips (the vote needs only one)
            val_words = np.concatenate([tokens(s.segment.video_id)[s.lo : s.hi] for s in val])
            common = np.mean([labels.usage.get(int(w), 0) >= 20 for w in val_words])
            print(f"| {len(ids)} | {len(x)} | {tree} ({vocab.num_tokens}) | {used} | {len(x) / used:.1f} | {common:.2f} "
                  f"| {vote[0]:.2f} | {vote[1]:.2f} |  <!-- {time.perf_counter() - t0:.1f} s -->")
        print(f"| {len(ids)} | {len(x)} | 1-NN on the features (bound) | - | - | - | {nn[0]:.2f} | {nn[1]:.2f} |")


if __name__ == "__main__":
    main()
