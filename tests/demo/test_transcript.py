"""The README's demo transcript is what the demo really prints for demo/story.txt: regenerated here and
compared, so a change to what members see cannot leave the README telling something else."""

import difflib

from demo.transcript import README, REGENERATE, normalise, transcript, transcript_in_readme


def test_the_readme_transcript_is_what_the_demo_prints_for_the_story():
    shown = transcript_in_readme(README.read_text(encoding="utf-8"))
    assert shown is not None, "README.md has lost the demo transcript's marker comments"
    printed = transcript()
    diff = "".join(difflib.unified_diff(shown.splitlines(True), printed.splitlines(True), "README.md", "the demo"))
    assert shown == printed, f"README.md's demo transcript is out of date; run {REGENERATE}\n{diff}"


def test_the_transcript_shows_the_whole_story():
    text = transcript_in_readme(README.read_text(encoding="utf-8"))
    steps = ["alice> /link-account", "── DM to alice", "alice> grant", "alice> press I've granted access",
             "Linked to Alice", "alice> /balance", "│ Balance: ", "memo:", "alice> press confirm",
             "┌ Payment sent", "── DM to bob", "@alice paid you", "bob> /request", "┌ Money request #1",
             "alice> press pay", "Pays: Request #1", "@alice paid your request #1", "alice> /history",
             "┌ History of Alice"]
    position = 0
    for step in steps:
        found = text.find(step, position)
        assert found >= 0, f"the transcript no longer shows {step!r} (in this order)"
        position = found
    assert 40 <= len(text.splitlines()) <= 140  # short enough to read in the README


def test_what_varies_between_runs_is_written_the_same_way_every_time():
    def run(port: int, ref: str, minute: str, folder: str) -> str:
        return ("Taubot demo: a local Taubot v2 sandbox at http://127.0.0.1:" f"{port}/api.\n\n"
                "help lines\n\n"
                f"alice> /link-account\n   [Open Taubot ↗ http://127.0.0.1:{port}/api/oauth/grant?ref={ref}]\n"
                f"alice> /history export:yes\n   │ 2026-12-01 18:{minute} · Sent 1t\n"
                f"   saved as {folder}/taubot-history.csv\n   │ 2026-12-01T18:{minute}:56.751341+00:00,sent\n"
                "\nalice> \n")

    first = normalise(run(37239, "b386c743-186b-43ac-9ead-1ea284102ea8", "46", "/tmp/taubot-demo-8wd3v0d2"))
    again = normalise(run(41377, "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", "59", "/var/tmp/taubot-demo-q1w2e3"))
    assert first == again
    assert "help lines" not in first  # the command list is left out
    assert first.endswith(",sent\n")  # the prompt left waiting at the end is dropped
