"""How the API reads request bodies. Kept apart from smarketing.api for the reason given in
smarketing.api_auth: DRF imports its default parser while rest_framework.views is loading."""

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, which also refuses, as malformed, nesting deep enough to exhaust
    Python's parser (100,000 brackets) instead of letting the RecursionError become a 500."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
