"""Domain refusals: raised by services, shown to people as a plain message."""


class ApplicationError(Exception):
    """A business rule said no; `message` is written for the person who asked.

    On the API it is answered with `status` (409 unless a subclass says otherwise) and the stable `code`.
    """

    code = "conflict"
    status = 409

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
