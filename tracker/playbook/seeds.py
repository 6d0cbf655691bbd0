"""Read seed files and turn what is wrong with them into one clear message."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields

from tracker.playbook.phrases import Phrase, phrase


class SeedError(Exception):
    """A seed file that cannot be used: which file, which entry, what is wrong."""

    def __init__(self, path: Path | str, message: str, entry: str | None = None) -> None:
        self.path = Path(path)
        self.entry = entry
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = display_path(self.path)
        if self.entry is not None:
            where += f": entry '{self.entry}'"
        return f"{where}: {self.message}"


def display_path(path: Path) -> str:
    """Show a seed path from the project root when it lives there (``seeds/x.toml``)."""
    parts = path.parts
    if "seeds" in parts:
        return str(Path(*parts[len(parts) - 1 - parts[::-1].index("seeds") :]))
    return str(path)


class StrictBool(fields.Boolean):
    """A TOML true/false, not a word or number that looks like one (1, "yes")."""

    default_error_messages = {"invalid": "must be true or false"}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML seed file, or raise a SeedError that says where it breaks."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SeedError(path, "file not found") from None
    except OSError as error:
        raise SeedError(path, f"cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise SeedError(path, f"does not parse as TOML: {error}") from None


def load_with(schema: Schema, raw: Any, path: Path, entry: str | None = None) -> Any:
    """Load ``raw`` through a marshmallow schema, turning its errors into a SeedError."""
    try:
        return schema.load(raw)
    except ValidationError as error:
        raise SeedError(path, describe_errors(error.messages), entry) from None


def describe_errors(messages: Any, prefix: str = "") -> str:
    """Flatten marshmallow's nested error messages into one line: ``field 'a.b': problem``.

    One problem is returned as it is, so a Phrase stays one and a page can translate it.
    """
    problems: list[str] = []
    _flatten(messages, prefix, problems)
    return problems[0] if len(problems) == 1 else "; ".join(problems)


def _flatten(messages: Any, prefix: str, out: list[str]) -> None:
    if isinstance(messages, Mapping):
        for name, inner in messages.items():
            name = str(name)
            if name == "_schema":
                _flatten(inner, prefix, out)
                continue
            _flatten(inner, f"{prefix}.{name}" if prefix else name, out)
    elif isinstance(messages, list | tuple):
        for inner in messages:
            _flatten(inner, prefix, out)
    else:
        text = messages if isinstance(messages, Phrase) else str(messages).rstrip(".")
        text = _FRIENDLIER.get(text, text)
        out.append(
            phrase("field '%(field)s': %(problem)s", field=prefix, problem=text) if prefix else text
        )


# Marshmallow's own messages, said more plainly (and as phrases a page can translate).
_FRIENDLIER = {
    "Unknown field": phrase("unknown field"),
    "Missing data for required field": phrase("missing (it is required)"),
    "Field may not be null": phrase("may not be empty"),
    "Not a valid integer": phrase("Not a valid integer"),
    "Not a valid number": phrase("Not a valid number"),
    "Not a valid string": phrase("Not a valid string"),
    "Not a valid list": phrase("Not a valid list"),
    "Not a valid boolean": phrase("Not a valid boolean"),
    "Not a valid date": phrase("Not a valid date"),
    "Invalid input type": phrase("Invalid input type"),
}
