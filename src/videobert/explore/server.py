"""The explore web app (Flask): read-only pages over an `Explorer`.

Guarantees: only GET (and HEAD) are served, every other method gets 405; media are streamed
(with HTTP Range, so the player can seek) only from the sources the corpus recorded, looked
up by video id, never from a path the client names (a shard member, ``SHARD.tar#KEY.mp4``, as its
byte range of the tar, never extracted); every page is rendered by Jinja with
autoescape; a Content-Security-Policy allows scripts, media and images from this origin only.

Failures: any error while making a page (a corpus edited or a source deleted while serving, a
full or read-only cache disk, a model that fails) is answered with a short HTML page that says
what happened and what to do, and one log line; never a traceback. A search reads at most
`MAX_QUERY_WORDS` words (the model scores every word of the query against each candidate, so
a 400-word query would hold a CPU for many seconds); the server is threaded, so other pages are
served meanwhile.
"""
from __future__ import annotations

import errno
import logging
import mimetypes
from pathlib import Path

from ..utils.lazy import require
from .app import Explorer
from .pages import STATIC_DIR, Renderer, ServerLinks

log = logging.getLogger(__name__)

ALLOWED_METHODS = ("GET", "HEAD")
MAX_QUERY_WORDS = 12  # words of a search query that are searched (the rest is dropped, and the page says so)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "media-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def create_app(explorer: Explorer):
    flask = require("flask", "explore", "the explore web app")
    from flask import Flask

    app = Flask("videobert.explore", static_folder=str(STATIC_DIR), static_url_path="/static")
    _add_guards(app)
    _add_errors(app, explorer)
    _add_pages(app, flask, explorer)
    _add_files(app, explorer)
    return app


def failure_advice(e: BaseException, ex: Explorer) -> tuple[int, str]:
    """(HTTP status, what to do) for an error raised while making a page."""
    from ..corpus import CorpusError

    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
        return 503, (f"the explorer's cache {ex.cache} cannot be written: free space there, or restart "
                     "`videobert explore` with --cache DIR on another disk")
    if isinstance(e, (CorpusError, FileNotFoundError, KeyError, IndexError)):
        return 404, ("the corpus or its vocabulary changed while the explorer was serving it (a file is missing "
                     "or edited); restart `videobert explore` to index it again")
    return 500, "see the explorer's terminal for the error; restarting `videobert explore` may help"


def _add_errors(app, ex: Explorer) -> None:
    """Every failure a short page with its message (escaped) and one log line, never a traceback."""
    from markupsafe import escape
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(Exception)
    def failed(e: Exception):
        from flask import request

        if isinstance(e, HTTPException):  # 404, 405...: werkzeug's own short page
            return e
        status, advice = failure_advice(e, ex)
        first = (str(e).strip().splitlines() or [""])[0][:300]
        log.error("explore: %s %s failed: %s: %s", request.method, request.path, type(e).__name__, first)
        body = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>videobert explore: error</title>"
                f"<link rel=\"stylesheet\" href=\"/static/explore.css\"></head><body><main>"
                f"<h1>This page could not be made</h1><p><strong>{escape(type(e).__name__)}</strong>: "
                f"{escape(first)}</p><p>{escape(advice)}.</p><p><a href=\"/vocab\">Vocabulary</a> · "
                f"<a href=\"/videos\">Videos</a></p></main></body></html>")
        return body, status, {"Content-Type": "text/html; charset=utf-8"}


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
        words = request.args.get("q", "").split()
        q = " ".join(words[:MAX_QUERY_WORDS])
        note = (f"Only the first {MAX_QUERY_WORDS} of the {len(words)} words of the query were searched."
                if len(words) > MAX_QUERY_WORDS else None)
        result = ex.search(q) if q and ex.has_model else None
        return page("search.html", q=q, result=result, note=note)


def _add_files(app, ex: Explorer) -> None:
    """Media, exemplar GIFs and thumbnails, looked up by id (never by a client-given path)."""
    from flask import abort, send_file

    @app.get("/media/<video_id>")
    def media(video_id: str):
        member = ex.media_member(video_id)  # recorded from a shard: served from the tar in place
        if member is not None:
            return send_member(*member)
        path = ex.media_path(video_id)  # the corpus' recorded source of this id, or None
        if path is None:
            abort(404)
        mime = mimetypes.guess_type(path.name)[0]
        # absolute: Flask resolves a relative path against the package folder, not the working directory
        return send_file(path.absolute(), mimetype=mime, conditional=True, etag=True, max_age=3600)

    @app.get("/exemplar/<int:leaf>.gif")
    def exemplar(leaf: int):
        path = ex.exemplar_gif(leaf)
        if path is None:
            abort(404)
        return send_file(path.absolute(), mimetype="image/gif", max_age=86400)

    @app.get("/thumb/<video_id>/<int:clip>.jpg")
    def thumb(video_id: str, clip: int):
        path = ex.thumbnail(video_id, clip)
        if path is None:
            abort(404)
        return send_file(path.absolute(), mimetype="image/jpeg", max_age=86400)


def send_member(source: str, tar: str, offset: int, size: int, mime: str, max_age: int = 3600):
    """A shard member's bytes (`size` bytes at `offset` of `tar`) as `send_file` serves a file:
    HTTP Range (the player seeks), ETag and Last-Modified (conditional GETs), without extracting."""
    import hashlib
    import os

    from flask import Response, request
    from werkzeug.exceptions import RequestedRangeNotSatisfiable
    from werkzeug.wsgi import wrap_file

    from ..ingest.shards import open_member

    st = os.stat(tar)
    f = open_member(source)
    rv = Response(wrap_file(request.environ, f), mimetype=mime, direct_passthrough=True)
    rv.content_length = size
    rv.last_modified = st.st_mtime
    rv.cache_control.public, rv.cache_control.max_age = True, max_age
    rv.set_etag(hashlib.sha1(f"{tar}\0{offset}\0{size}\0{st.st_mtime_ns}".encode()).hexdigest()[:20])
    try:
        return rv.make_conditional(request.environ, accept_ranges=True, complete_length=size)
    except RequestedRangeNotSatisfiable:
        f.close()
        raise


def serve(explorer: Explorer, host: str = "127.0.0.1", port: int = 8765) -> None:
    app = create_app(explorer)
    print(f"videobert explore: serving {explorer.corpus.root} on http://{host}:{port}/ (cache: {explorer.cache}; "
          "Ctrl-C stops)", flush=True)
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)


def export(explorer: Explorer, out_dir: str | Path, copy_media: bool = True, say=print) -> Path:
    return explorer.export(out_dir, Renderer(), copy_media=copy_media, say=say)
