"""MkDocs hook: the CLI reference, generated from the argparse parsers at build time.

A page holding the marker ``<!-- videobert-cli -->`` gets, in its place, the ``--help`` of
``videobert`` and of every subcommand (nested ones too: ``eval zeroshot``, ``caption train``),
from `videobert.cli.build_parser()`: nothing is retyped, so the page cannot go stale.
"""
from __future__ import annotations

import argparse
import os

MARKER = "<!-- videobert-cli -->"
WIDTH = "100"  # argparse wraps help to $COLUMNS: fixed, so the page does not depend on the terminal


def _subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser, str]]:
    """(name, parser, one-line help) of the parser's subcommands, in --help order."""
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            seen = set()
            for name, sub in action.choices.items():
                if id(sub) in seen:  # an alias of a subcommand already listed
                    continue
                seen.add(id(sub))
                out.append((name, sub, helps.get(name, "")))
    return out


def _walk(parser: argparse.ArgumentParser, path: list[str], level: int, lines: list[str]) -> None:
    title = " ".join(["videobert", *path])
    lines += [f"{'#' * level} `{title}`", "", "```text", parser.format_help().rstrip(), "```", ""]
    for name, sub, _ in _subparsers(parser):
        _walk(sub, [*path, name], min(level + 1, 4), lines)


def cli_markdown() -> str:
    """The whole CLI reference as markdown: a table of the commands, then each command's help."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        from videobert.cli import build_parser

        root = build_parser()
        root.prog = "videobert"
        lines = ["| command | what it does |", "|---|---|"]
        lines += [f"| [`videobert {name}`](#videobert-{name}) | {help_.replace('|', '/')} |"
                  for name, _, help_ in _subparsers(root)]
        lines.append("")
        _walk(root, [], 2, lines)
        return "\n".join(lines)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, cli_markdown())
