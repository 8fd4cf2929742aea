"""Visual vocabulary: hierarchical k-means over clip features, and each video's token sequence.

`videobert vocab CORPUS` = `build_vocab`: fit the tree on a sample of clips (`fit_vocab`),
then stream the corpus through it (`assign_corpus`). Files and tree layout:
`videobert.vocab.vocabulary` and `videobert.vocab.hkmeans`; pictures: `videobert.vocab.pictures`.
Record -> tokens (the vocabulary or a distilled student's): `videobert.vocab.tokenizer`.
"""
from .build import VocabConfig, assign_corpus, build_vocab, fit_vocab, sample_features
from .tokenizer import StudentTokens, VisualTokenizer, visual_tokenizer
from .vocabulary import VisualVocab, assign_record, read_tokens, token_path, token_video_ids

__all__ = [
    "VisualVocab", "VocabConfig", "fit_vocab", "assign_corpus", "build_vocab", "sample_features",
    "read_tokens", "token_path", "token_video_ids", "assign_record",
    "VisualTokenizer", "StudentTokens", "visual_tokenizer",
]
