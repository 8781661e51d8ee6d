"""Domain errors: raised by services, turned into a message by views and into JSON by the API."""


class DomainError(Exception):
    """A request the domain refuses. `code` is stable (clients may rely on it); `message` is a
    sentence for the person, saying what to do."""

    code = "refused"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    code = "not_allowed"
    http_status = 403


class Conflict(DomainError):
    """The data changed under the caller: someone else got there first."""

    code = "conflict"
    http_status = 409
