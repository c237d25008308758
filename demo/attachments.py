"""Files the bot attaches (the /history CSV), written into the demo's folder so they can be opened, with
their first rows shown in the console."""

from __future__ import annotations

from pathlib import Path

from harness import SentFile, SentMessage

PREVIEW_ROWS = 5
SHOW_ROWS = 50


class SavedFiles:
    def __init__(self, folder: Path):
        self.folder = folder
        self._paths: dict[tuple[int, str], Path] = {}  # (message id, file name) → where it was written

    def save(self, message: SentMessage) -> list[tuple[SentFile, Path]]:
        saved = []
        for file in message.files:
            path = self._paths.get((message.id, file.filename)) or self._free_path(file.filename)
            path.write_bytes(file.content)
            self._paths[(message.id, file.filename)] = path
            saved.append((file, path))
        return saved

    def find(self, name: str) -> Path | None:
        """The newest saved file whose name or extension is `name` (any file when empty)."""
        wanted = name.strip().casefold().lstrip(".")
        for path in reversed(list(self._paths.values())):
            if not wanted or wanted in (path.name.casefold(), path.suffix.casefold().lstrip(".")):
                return path
        return None

    def _free_path(self, filename: str) -> Path:
        name = Path(filename).name or "attachment"  # never a path the bot chose outside the folder
        path, number = self.folder / name, 1
        while path in self._paths.values():
            number += 1
            path = self.folder / f"{Path(name).stem}-{number}{Path(name).suffix}"
        return path


def preview(path: Path, rows: int = PREVIEW_ROWS) -> list[str]:
    """The file's first lines, indented under its message, and how many more there are."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    shown = [f"   │ {line}" for line in lines[:rows]]
    if len(lines) > rows:
        shown.append(f"   │ … {len(lines) - rows} more line{'s' if len(lines) - rows != 1 else ''}")
    return shown
