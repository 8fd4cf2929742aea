"""The README stays a front door, and the documentation site stays whole.

`mkdocs build --strict` (in .ci/run) is the full check; these are the fast parts of it that
the default test run keeps: the README's size, commands and links, the site's navigation
against the files, the generated CLI reference, and the commands written in every page."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README_LIMIT = 6000
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def local_links(text: str) -> list[str]:
    return [t.split("#", 1)[0] for t in _LINK.findall(text) if not re.match(r"[a-z]+:", t) and not t.startswith("#")]


def nav_files(nav) -> list[str]:
    out = []
    for item in nav:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for v in item.values():
                out += nav_files(v) if isinstance(v, list) else [v]
    return out


def mkdocs_config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_readme_is_a_short_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text) < README_LIMIT, f"README.md has {len(text)} characters; move detail into docs/ (limit {README_LIMIT})"
    for command in ("bash install.sh", "videobert demo", "python3 -m pytest"):
        assert f"\n{command} " in text, command
    assert "![" in text and "docs/results.md" in text


def test_readme_links_resolve():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [t for t in local_links(text) if not (ROOT / t).exists()]
    assert not missing, f"README.md links to missing files: {missing}"


def test_every_page_is_in_the_nav_and_every_nav_entry_exists():
    cfg = mkdocs_config()
    nav = set(nav_files(cfg["nav"]))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if "hooks" not in p.parts}
    assert not nav - pages, f"mkdocs.yml nav entries without a page: {sorted(nav - pages)}"
    assert not pages - nav, f"docs pages missing from the mkdocs.yml nav: {sorted(pages - nav)}"
    assert cfg["strict"] is True and "docs/hooks/cli_reference.py" in cfg["hooks"]


def test_page_links_resolve():
    bad = []
    for page in DOCS.rglob("*.md"):
        for t in local_links(page.read_text(encoding="utf-8")):
            if t and not (page.parent / t).resolve().exists():
                bad.append(f"{page.relative_to(ROOT)} -> {t}")
    assert not bad, "\n".join(bad)


@pytest.fixture(scope="module")
def hook():
    spec = importlib.util.spec_from_file_location("cli_reference", DOCS / "hooks" / "cli_reference.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_reference_is_generated_from_the_parsers(hook):
    from tests.test_cli_help import commands

    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert hook.MARKER in page
    text = hook.on_page_markdown(page, None, None, None)
    assert hook.MARKER not in text
    headings = set(re.findall(r"^#+ `(videobert[^`]*)`$", text, re.M))
    expected = {" ".join(("videobert", *path)) for path in commands()}
    assert headings == expected  # every command and subcommand, nothing else
    assert "usage: videobert push [-h]" in text and "--private" in text
    assert hook.on_page_markdown("no marker", None, None, None) == "no marker"


def test_commands_in_every_page_exist():
    """test_cli_help checks README.md and docs/*.md; the pages in docs/ subfolders too."""
    from tests.test_cli_help import commands, doc_problems

    cmds = commands()
    problems = [p for f in sorted(DOCS.rglob("*.md")) if f.parent != DOCS
                for p in doc_problems(f.read_text(encoding="utf-8"), str(f.relative_to(DOCS)), cmds)]
    assert not problems, "\n".join(problems)


def test_the_formats_page_lists_every_video_extension_a_folder_is_searched_for():
    from videobert.corpus import VIDEO_EXTS

    page = (DOCS / "formats.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if line.startswith("| a video file"))
    assert set(re.findall(r"\.[a-z0-9]+", row.split("|")[1])) == set(VIDEO_EXTS)
