"""A local HTTP server with injected faults, serving tiny synthetic videos and captions to yt-dlp
(its generic extractor downloads a direct media URL; the video's id is the file's stem). Nothing
here touches the internet: the server listens on 127.0.0.1 on a free port.

``server.plan[name] = ["500", "ok"]``: what the n-th request for any path of `name` gets (the
last action repeats): ``ok``, an HTTP status (``"404"``, ``"429"``, ``"500"``), ``short`` (a
Content-Length larger than the body sent), ``reset`` (TCP RST before any byte), ``stall`` (no
answer until the test ends), ``garbage`` (bytes that are no video, as video/mp4).
``server.requests[name]``: how many requests `name` got; ``server.served[name]``: the actions.
"""
from __future__ import annotations

import collections
import http.server
import io
import socket
import struct
import threading

import pytest

from tests.ingest.conftest import _make_video as make_video

VTT = ("WEBVTT\n\n00:00:00.100 --> 00:00:00.700\nCut the <b>onion</b>.\n\n"
       "00:00:00.700 --> 00:00:01.900\nNow fry it in the pan.\n")


class FaultServer:
    def __init__(self, video: bytes):
        self.video = video
        self.plan: dict[str, list[str]] = {}
        self.requests: collections.Counter = collections.Counter()
        self.served: dict[str, list[str]] = collections.defaultdict(list)
        self.release = threading.Event()
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                server.handle(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.handle_error = lambda request, address: None  # clients that hang up are expected
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()
            self.served.clear()

    def url(self, name: str, ext: str = "mp4") -> str:
        return f"{self.base}/v/{name}.{ext}"

    def page_url(self, name: str) -> str:
        return f"{self.base}/page/{name}.html"

    def handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        kind, _, file = path.lstrip("/").partition("/")
        name = file.rsplit(".", 1)[0]
        with self.lock:
            self.requests[name] += 1
            plan = self.plan.get(name, ["ok"])
            action = plan[min(self.requests[name], len(plan)) - 1]
            self.served[name].append(action)
        if action.isdigit():
            h.send_error(int(action))
            return
        if action == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.wfile = io.BytesIO()  # so the handler's own flush/close at the end do not fail
            h.close_connection = True
            return
        if action == "stall":
            self.release.wait(10)
            return
        if kind == "page":
            body = (f'<html><head><title>{name} recipe</title></head><body><video controls src="/v/{name}.mp4">'
                    f'<track kind="captions" srclang="en" label="English" src="/c/{name}.vtt"></video>'
                    f"</body></html>").encode()
            ctype = "text/html; charset=utf-8"
        elif kind == "c":
            body, ctype = VTT.encode(), "text/vtt"
        elif action == "garbage":
            body, ctype = b"this is not a video " * 50, "video/mp4"
        else:
            body, ctype = self.video, "video/mp4"
        h.send_response(200)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if action == "short":
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        h.wfile.write(body)

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def video_bytes(tmp_path_factory) -> bytes:
    return make_video(tmp_path_factory.mktemp("media") / "v.mp4", n_frames=25).read_bytes()


@pytest.fixture(scope="module")
def server(video_bytes):
    s = FaultServer(video_bytes)
    yield s
    s.close()
