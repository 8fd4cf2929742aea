"""`videobert explore`: a local, read-only web app over a corpus (and optionally a model).

`app.Explorer` is the library (indices and caches), `server.create_app` the Flask app,
`server.export` the static HTML export; `cli` registers the command.
"""
from .app import Explorer

__all__ = ["Explorer"]
