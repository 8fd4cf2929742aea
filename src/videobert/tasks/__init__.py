"""Downstream tasks and the paper's evaluations, over a pretrained VideoBERT.

One module per task: `zeroshot` (cloze verb/noun classification), `forecast` (next visual
tokens), `text2video` (iterative masked filling), `captioning` (VideoBERT + S3D features into
a transformer captioner), `retrieval` (caption likelihood or alignment-head ranking); `annotations` reads YouCook II
files, `metrics` holds the ranking arithmetic, `report` runs the suite and writes the reports,
`cli` the commands.
"""
