"""Help and docs from one source: every option of every command has help text that shows its
default, and every `videobert COMMAND ... --option` written in README.md and docs/*.md exists."""
from __future__ import annotations

import argparse
import functools
import re
from pathlib import Path

import pytest

from videobert import cli

ROOT = Path(__file__).resolve().parents[1]


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command path, parser) for the parser and every subparser below it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, path + (name,))


@functools.lru_cache(maxsize=1)
def build_parser() -> argparse.ArgumentParser:
    return cli.build_parser()  # built once: importing every stage takes seconds


def commands() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    return dict(walk(build_parser()))


def _no_default(value) -> bool:
    return value is None or value is False or value == argparse.SUPPRESS or (isinstance(value, list) and not value)


def _shows_default(action: argparse.Action) -> bool:
    return "default" in (action.help or "").lower()


def help_problems(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> list[str]:
    out = []
    for a in parser._actions:
        if isinstance(a, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
            continue
        if a.help == argparse.SUPPRESS:  # a deprecated alias
            continue
        name = "/".join(a.option_strings) or a.dest
        where = f"videobert {' '.join(path)} {name}".replace("  ", " ")
        if not (a.help or "").strip():
            out.append(f"{where}: no help text")
        elif (a.option_strings and not _no_default(a.default) and not isinstance(a, argparse._CountAction)
              and not _shows_default(a)):
            out.append(f"{where}: default {a.default!r} not shown in its help")
    return out


def test_every_option_has_help_and_shows_its_default():
    problems = [p for path, parser in commands().items() for p in help_problems(parser, path)]
    assert not problems, "\n".join(problems)


def test_every_command_has_help_and_a_description_line():
    top = build_parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    assert set(helps) == set(sub.choices)
    assert all(h and h.strip() for h in helps.values()), helps


def test_the_help_check_catches_a_missing_help_and_a_hidden_default():
    p = argparse.ArgumentParser()
    p.add_argument("--k", type=int, default=3)
    p.add_argument("--size", type=int, default=96, help="tile size in pixels")
    p.add_argument("--ok", type=int, default=1, help="fine (default: %(default)s)")
    problems = help_problems(p, ("x",))
    assert any("--k: no help" in s for s in problems)
    assert any("--size: default 96 not shown" in s for s in problems)
    assert not any("--ok" in s for s in problems)


def test_help_texts_say_what_the_commands_do():
    """Mismatches found by a new user (issue 25), kept from coming back."""
    import contextlib
    import io

    def text(argv: list[str]) -> str:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), pytest.raises(SystemExit):
            build_parser().parse_args([*argv, "--help"])
        return " ".join(buf.getvalue().split())

    top = text([])
    assert "text-only" not in top  # the default pretraining has no text-only examples
    pretrain = text(["pretrain"])
    assert "thin CLI" not in pretrain and "Thin CLI" not in pretrain
    assert "10-20 min" not in top
    for task in ("forecast", "retrieval", "text2video", "alignment"):
        assert "--annotations ANNOTATIONS" in text(["eval", task]) and "required" not in \
            text(["eval", task]).split("--annotations ANNOTATIONS", 2)[-1].split("--", 1)[0]
    for task in ("zeroshot", "caption"):
        assert "required" in text(["eval", task]).split("--annotations ANNOTATIONS", 2)[-1].split("--", 1)[0]


# ---- docs ----------------------------------------------------------------------------------
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_USAGE = re.compile(r"(?:^|[\s(])videobert\s+([a-z][a-z0-9_-]*)(.*)")


def doc_usages(text: str):
    """(command words, options) of each `videobert COMMAND ...` in fenced bash blocks and inline code."""
    segments = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            segments.append(line.split(" #", 1)[0])
        else:
            segments += _CODE_SPAN.findall(line)
    for seg in segments:
        for part in re.split(r"&&|;|\|", seg):
            m = _USAGE.search(part)
            if not m:
                continue
            words = m.group(2).split()
            yield m.group(1), words, [w.split("=", 1)[0] for w in words if re.fullmatch(r"--[a-z][a-z0-9-]*(=.*)?", w)]


def _parser_for(cmds: dict, command: str, words: list[str]):
    path = (command,)
    for w in words:
        if path + (w,) in cmds:
            path += (w,)
        elif not w.startswith("-"):
            continue
        else:
            break
    return path, cmds.get(path)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}


def doc_problems(text: str, where: str, cmds: dict) -> list[str]:
    out = []
    for command, words, options in doc_usages(text):
        if (command,) not in cmds:
            if command[0].isalpha() and command not in ("is", "to", "and", "or"):
                out.append(f"{where}: `videobert {command}`: no such command")
            continue
        path, parser = _parser_for(cmds, command, words)
        # options of any parser on the path count (e.g. `eval all --caption-epochs` lives on `eval all`)
        known = _options(parser) | {s for i in range(1, len(path)) for s in _options(cmds[path[:i]])}
        out += [f"{where}: `videobert {' '.join(path)} {o}`: no such option" for o in options if o not in known]
    return out


def doc_files() -> list[Path]:
    return [p for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))] if p.is_file()]


def test_docs_use_only_options_that_exist():
    cmds = commands()
    problems = [p for f in doc_files() for p in doc_problems(f.read_text(encoding="utf-8"), f.name, cmds)]
    assert not problems, "\n".join(problems)


def test_the_docs_check_catches_a_wrong_option():
    cmds = commands()
    text = ("Run `videobert eval forecast run/model --corpus c --k 3 --no-such-flag`.\n\n"
            "```bash\nvideobert pretrain corpus --out run --max-steps 10   # fine\n"
            "videobert vocab corpus --levelz 2\n```\n")
    problems = doc_problems(text, "x.md", cmds)
    assert any("eval forecast --no-such-flag" in p for p in problems)
    assert any("vocab --levelz" in p for p in problems)
    assert not any("--max-steps" in p or "--k" in p for p in problems), problems


def test_building_the_cli_does_not_import_the_optional_vision_stack():
    # timm and torchvision cost ~2 s of every command's start-up: only ViT/DeiT backbones and the
    # distilled student need them, so neither `videobert --help` nor an s3d / efficientnet_lite0
    # IngestConfig imports them (ingest.backbones loads only the plugins a name could come from)
    import subprocess
    import sys

    code = ("import sys; from videobert import cli; from videobert.ingest.config import IngestConfig; "
            "cli.build_parser(); IngestConfig(); IngestConfig(backbone='efficientnet_lite0'); "
            "print(sorted(m for m in ('timm', 'torchvision') if m in sys.modules)); "
            "IngestConfig(backbone='vit_tiny_patch16_224'); print('videobert.vision' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]" and out[1] == "True", out
