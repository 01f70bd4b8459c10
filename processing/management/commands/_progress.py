"""A small progress bar for commands (no dependency): redrawn in place on a terminal."""


class ProgressBar:
    def __init__(self, stream, total: int, label: str, width: int = 30):
        self.stream, self.total, self.label, self.width = stream, total, label, width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last = -1

    def update(self, done: int) -> None:
        if done == self.last:
            return
        self.last = done
        filled = int(self.width * done / self.total) if self.total else self.width
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total}"
        if self.tty:
            self.stream.write("\r" + line, ending="")
            self.stream.flush()
        elif done == self.total or done % max(1, self.total // 10) == 0:
            self.stream.write(line)

    def close(self) -> None:
        if self.tty:
            self.stream.write("")
