"""The explore web app (Flask): read-only pages over an `Explorer`.

Guarantees: only GET (and HEAD) are served, every other method gets 405; media are streamed
(with HTTP Range, so the player can seek) only from the sources the corpus recorded, looked
up by video id, never from a path the client names; every page is rendered by Jinja with
autoescape; a Content-Security-Policy allows scripts, media and images from this origin only.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path

from ..utils.lazy import require
from .app import Explorer
from .pages import STATIC_DIR, Renderer, ServerLinks

ALLOWED_METHODS = ("GET", "HEAD")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "media-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def create_app(explorer: Explorer):
    flask = require("flask", "explore", "the explore web app")
    from flask import Flask

    app = Flask("videobert.explore", static_folder=str(STATIC_DIR), static_url_path="/static")
    _add_guards(app)
    _add_pages(app, flask, explorer)
    _add_files(app, explorer)
    return app


def _add_guards(app) -> None:
    """Read-only methods and the security headers on every response."""
    from flask import request
    from werkzeug.exceptions import MethodNotAllowed

    @app.before_request
    def read_only():
        if request.method not in ALLOWED_METHODS:
            raise MethodNotAllowed(valid_methods=list(ALLOWED_METHODS))

    @app.after_request
    def headers(resp):
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp


def _add_pages(app, flask, ex: Explorer) -> None:
    """The HTML pages, rendered from the templates."""
    from flask import abort, redirect, request

    render = Renderer()
    links = ServerLinks()

    def page(template: str, **ctx):
        return flask.Response(render(template, links, ex=ex, **ctx), mimetype="text/html")

    @app.get("/")
    def home():
        return redirect("/vocab")

    @app.get("/vocab")
    def vocab():
        return page("vocabulary.html", groups=ex.vocabulary())

    @app.get("/videos")
    def videos():
        n = request.args.get("page", "1")
        return page("videos.html", p=ex.video_page(int(n) if n.isdigit() else 1))

    @app.get("/word/<int:leaf>")
    def word(leaf: int):
        w = ex.word(leaf)
        if w is None:
            abort(404)
        return page("word.html", w=w)

    @app.get("/video/<video_id>")
    def video(video_id: str):
        v = ex.video(video_id)
        if v is None:
            abort(404)
        return page("video.html", vid=video_id, v=v, timeline=ex.timeline(video_id),
                    analysis=ex.video_analysis(video_id))

    @app.get("/search")
    def search():
        q = request.args.get("q", "").strip()
        result = ex.search(q) if q and ex.has_model else None
        return page("search.html", q=q, result=result)


def _add_files(app, ex: Explorer) -> None:
    """Media, exemplar GIFs and thumbnails, looked up by id (never by a client-given path)."""
    from flask import abort, send_file

    @app.get("/media/<video_id>")
    def media(video_id: str):
        path = ex.media_path(video_id)  # the corpus' recorded source of this id, or None
        if path is None:
            abort(404)
        mime = mimetypes.guess_type(path.name)[0]
        return send_file(path, mimetype=mime, conditional=True, etag=True, max_age=3600)

    @app.get("/exemplar/<int:leaf>.gif")
    def exemplar(leaf: int):
        path = ex.exemplar_gif(leaf)
        if path is None:
            abort(404)
        return send_file(path, mimetype="image/gif", max_age=86400)

    @app.get("/thumb/<video_id>/<int:clip>.jpg")
    def thumb(video_id: str, clip: int):
        path = ex.thumbnail(video_id, clip)
        if path is None:
            abort(404)
        return send_file(path, mimetype="image/jpeg", max_age=86400)


def serve(explorer: Explorer, host: str = "127.0.0.1", port: int = 8765) -> None:
    app = create_app(explorer)
    print(f"videobert explore: serving {explorer.corpus.root} on http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)


def export(explorer: Explorer, out_dir: str | Path, copy_media: bool = True, say=print) -> Path:
    return explorer.export(out_dir, Renderer(), copy_media=copy_media, say=say)
