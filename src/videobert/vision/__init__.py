"""ViT and DeiT: frame-level transformer backbones for ingest, and a DeiT-distilled visual tokenizer.

Importing this package registers the ``vit_*`` / ``deit_*`` backbones with
`videobert.ingest.backbones` (which imports it lazily), and the distilled student as its clip
tokenizer for ``ingest --tokenizer``. timm is an optional extra
(``pip install 'videobert[vision]'``), imported only when a model is built.
"""
from . import backbones, tokenizer  # noqa: F401  (register vit_ / deit_ backbones and the "student" clip tokenizer)
