"""The README's demo transcript: demo/story.txt piped into the real `python bot.py demo`, with what varies
from run to run (the sandbox's port, ids, times, the temporary folder) written the same way every time, so a
rerun rewrites the same text when nothing changed and a test can tell when the README no longer matches.

    python -m demo.transcript                  print the transcript
    python -m demo.transcript --write-readme   put it in README.md, between the two marker comments
    python -m demo.transcript --check          exit 1 if README.md's transcript is not what the demo prints
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STORY = Path(__file__).with_name("story.txt")
README = REPO / "README.md"
REGENERATE = "python -m demo.transcript --write-readme"
BEGIN = f"<!-- demo transcript: made by `{REGENERATE}` from demo/story.txt; not edited by hand -->"
END = "<!-- end of demo transcript -->"
DEMO_TIMEOUT_SECONDS = 60

# What differs between two runs of the same story, and how it is written instead.
_VARYING = [
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<id>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?"), "YYYY-MM-DDTHH:MM:SS+00:00"),
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"), "YYYY-MM-DD HH:MM"),
    (re.compile(r"\S*taubot-demo-[^/\s]+"), "<demo folder>"),
]


def run_story(story: Path = STORY) -> str:
    """What `python bot.py demo` prints for `story`, typed line by line (piped input is echoed)."""
    result = subprocess.run(  # noqa: S603 (our own interpreter running our own bot.py)
        [sys.executable, str(REPO / "bot.py"), "--env-file", os.devnull, "demo"],
        input=story.read_text(encoding="utf-8"), capture_output=True, text=True, encoding="utf-8",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONIOENCODING": "utf-8"}, cwd=REPO,
        timeout=DEMO_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"the demo exited with status {result.returncode}:\n{result.stderr}")
    return result.stdout


def normalise(output: str) -> str:
    """The session as a reader should see it: the welcome's first paragraph (the command list is left out),
    every typed line with what it printed, and the varying parts written the same way every run."""
    welcome = output.partition("\n\n")[0]
    first_prompt = re.search(r"^\S+> ", output, re.MULTILINE)
    session = output[first_prompt.start():] if first_prompt else ""
    session = re.sub(r"\n+\S+> \n?$", "", session)  # the prompt left waiting when the input ended
    text = welcome + "\n\n" + session
    for pattern, stable in _VARYING:
        text = pattern.sub(stable, text)
    return text + "\n"


def transcript() -> str:
    return normalise(run_story())


def readme_block(transcript_text: str) -> str:
    return f"{BEGIN}\n```text\n{transcript_text}```\n{END}"


def transcript_in_readme(readme: str) -> str | None:
    """The transcript between the markers, without its code fence; None if the markers are missing."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        return None
    block = readme[start + len(BEGIN):end].strip("\n")
    return block.removeprefix("```text\n").removesuffix("```") if block.startswith("```text\n") else block


def with_transcript(readme: str, transcript_text: str) -> str:
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md has no place for the transcript: add the two lines\n{BEGIN}\n{END}")
    return readme[:start] + readme_block(transcript_text) + readme[end + len(END):]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.transcript", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write-readme", action="store_true", help="put the transcript into README.md")
    action.add_argument("--check", action="store_true", help="exit 1 if README.md's transcript is out of date")
    arguments = parser.parse_args(argv)
    text = transcript()
    if arguments.write_readme:
        README.write_text(with_transcript(README.read_text(encoding="utf-8"), text), encoding="utf-8")
        print(f"README.md: transcript of {len(text.splitlines())} lines written")
    elif arguments.check:
        if transcript_in_readme(README.read_text(encoding="utf-8")) != text:
            print(f"README.md's demo transcript is out of date: run {REGENERATE}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
