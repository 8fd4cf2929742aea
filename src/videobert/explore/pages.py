"""Rendering of the explore pages: one Jinja environment (autoescape on: every transcript,
caption and file name is HTML-escaped) shared by the server and the static export, and the two
ways of spelling links (server routes, or relative files of an export)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"


def environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["secs"] = lambda t: f"{int(t // 60)}:{t % 60:04.1f}"
    env.filters["source_name"] = source_name
    return env


def source_name(text_source: str) -> str:
    """A video's text source with a caption file's folders left out ("captions:/home/me/v/x.vtt" is
    "captions: x.vtt"): an exported site is for others to read, and the paths are the user's own."""
    kind, sep, path = text_source.partition(":")
    if kind != "captions" or not sep or not path:
        return text_source
    return f"captions: {Path(path).name}"


class ServerLinks:
    """Links of the running server (absolute paths on the one origin)."""

    static_site = False

    def vocab(self) -> str:
        return "/vocab"

    def videos(self, page: int = 1) -> str:
        return "/videos" + (f"?page={int(page)}" if page > 1 else "")

    def word(self, leaf: int) -> str:
        return f"/word/{int(leaf)}"

    def video(self, vid: str, t: float | None = None) -> str:
        return f"/video/{quote(vid)}" + (f"#t={t:.2f}" if t is not None else "")

    def media(self, vid: str) -> str:
        return f"/media/{quote(vid)}"

    def exemplar(self, leaf: int) -> str:
        return f"/exemplar/{int(leaf)}.gif"

    def thumb(self, vid: str, clip: int) -> str:
        return f"/thumb/{quote(vid)}/{int(clip)}.jpg"

    def static(self, name: str) -> str:
        return f"/static/{name}"

    def search(self) -> str:
        return "/search"


class ExportLinks(ServerLinks):
    """Links between the files of a static export (all in one folder, relative)."""

    static_site = True

    def __init__(self, media: dict[str, str]):
        self._media = media

    def vocab(self) -> str:
        return "index.html"

    def videos(self, page: int = 1) -> str:
        return "videos.html" if page <= 1 else f"videos-{int(page)}.html"

    def word(self, leaf: int) -> str:
        return f"word-{int(leaf)}.html"

    def video(self, vid: str, t: float | None = None) -> str:
        return f"video-{quote(vid)}.html" + (f"#t={t:.2f}" if t is not None else "")

    def media(self, vid: str) -> str:
        return self._media[vid]

    def exemplar(self, leaf: int) -> str:
        return f"img/word-{int(leaf)}.gif"

    def thumb(self, vid: str, clip: int) -> str:
        return f"img/thumb-{quote(vid)}-{int(clip)}.jpg"

    def static(self, name: str) -> str:
        return f"static/{name}"

    def search(self) -> str:
        return ""


class Renderer:
    def __init__(self):
        self.env = environment()

    def __call__(self, template: str, links, **context) -> str:
        return self.env.get_template(template).render(links=links, **context)
