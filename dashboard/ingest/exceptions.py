"""The one error the ingestion layer raises: the upload itself is unusable."""

from __future__ import annotations


class InvalidLogFile(ValueError):  # noqa: N818 (the public name of the contract)
    """
    The file cannot be read as a log: empty, binary, not text, too large once decompressed, or
    holding a line over the limit. The message is written for the person who uploaded the file
    and says what to change; it never carries raw driver text.
    """
