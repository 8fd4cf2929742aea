"""The VideoBERT model: joint tokenizer + Hugging Face BERT (see `videobert.py`)."""
from .tokenizer import JointTokenizer
from .videobert import VideoBERT, VideoBERTOutput, centroid_embeddings

__all__ = ["JointTokenizer", "VideoBERT", "VideoBERTOutput", "centroid_embeddings"]
