"""The errors cjm raises: a user's input problem, and the ways a report run fails.

Every one pickles with its fields, so an error raised in a worker process or on a cluster reaches
the command line as it was raised.
"""

from __future__ import annotations

from pathlib import Path


class CJMInputError(ValueError):
    """A problem with the user's input: names the file, the line where known, and a fix."""

    def __init__(
        self, message: str, path: Path | str | None = None, line: int | None = None, hint: str = ""
    ) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}{self.message}{hint}"

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.message, self.path, self.line, self.hint))


class NotebookTimeout(TimeoutError):
    """A notebook ran longer than its time limit; its kernel was killed. ``cell_index``: the cell
    it stopped in (in the executed notebook kept as the failure log), when known."""

    def __init__(self, message: str, cell_index: int | None = None) -> None:
        self.cell_index = cell_index
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (str(self), self.cell_index))


class ReportsInterrupted(KeyboardInterrupt):
    """A batch stopped by Ctrl-C or SIGTERM: ``built`` of the ``wanted`` reports were finished
    (and recorded as built); the others keep their previous version."""

    def __init__(self, built: int, wanted: int) -> None:
        self.built, self.wanted = built, wanted
        super().__init__(str(self))

    def __str__(self) -> str:
        return (
            f"Interrupted: {self.built} of {self.wanted} reports built; the others keep their "
            "previous version. Run `cjm reports` again to finish."
        )

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.built, self.wanted))


class KernelStartError(RuntimeError):
    """The report kernel could not be prepared (its imports or reset failed)."""


class ReportRunError(RuntimeError):
    """A report notebook failed: which report, in which cell, with which Python error.

    ``cell`` is the failing cell's index in the executed notebook (the failure log), for a timeout
    the cell it stopped in; ``None`` when the run failed outside a cell (a dead worker, a failed
    export). ``str()`` reads ``ename: evalue``.
    """

    def __init__(self, persona: str, cell: int | None, ename: str, evalue: str) -> None:
        self.persona = persona
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.ename}: {self.evalue}" if self.ename else self.evalue

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), (self.persona, self.cell, self.ename, self.evalue))

    @classmethod
    def from_exception(cls, persona: str, exc: BaseException) -> ReportRunError:
        """The run error for ``exc`` raised while running ``persona``'s notebook.

        papermill's execution error carries the cell and the kernel's exception name and value;
        anything else (a timeout, a dead worker) is named by its own type.
        """
        ename = getattr(exc, "ename", None)
        if ename:
            return cls(persona, getattr(exc, "cell_index", None), ename, str(exc.evalue))
        text = str(exc).strip()  # no text: the type alone is the message
        ename = type(exc).__name__ if text else ""
        return cls(persona, getattr(exc, "cell_index", None), ename, text or type(exc).__name__)
