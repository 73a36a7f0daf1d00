"""LW202 opaque-construction: An outgoing schema is built from data the checker cannot see
through."""

from __future__ import annotations

from collections.abc import Iterator

from loopwire.core.rule import Example, Expected, Rule
from loopwire.wiring.evidence import Evidence, Verdict

RULE = Rule(
    code="LW202",
    slug="opaque-construction",
    summary="An outgoing schema is built from data the checker cannot see through",
    message=(
        "{construction} builds {symbol} from data the checker cannot see, so the fields "
        "it sets are not counted; pass them by name, or trust it in "
        "[tool.loopwire.wiring]"
    ),
    rationale=(
        "`Schema(**row)` or `Schema.model_validate(data)` may set every field or none; "
        "counting it as setting everything would hide exactly the never-set field this "
        "check exists for. Such constructions are reported so that a person decides: "
        'spell the fields out, or trust the class (`trusted = ["Cls"]`) or one module '
        '(`trusted = ["pkg.db:Cls"]`). Only classes LW201 judges count: parsing a class '
        "the project never builds itself (an input model) hides nothing."
    ),
    valid=(
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class Video:
                path: str
                duration: float | None = None

            def load(path, seconds):
                return Video(path, **{"duration": seconds})
            """,
            title="keywords and a literal dict are transparent",
        ),
        Example(
            """
            class Settings:
                def __init__(self, **values):
                    self.values = values

            def load(row):
                return Settings(**row)
            """,
            title="double-star into a class that is not a schema",
        ),
        Example(
            """
            from pydantic import BaseModel

            class Video(BaseModel):
                path: str

            def load(data):
                return Video.model_validate(data)
            """,
            title="a trusted class",
            config={"wiring": {"trusted": ["Video"]}},
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class Video:
                path: str

            def load(row):
                return Video(**row)
            """,
            title="a trusted module",
            config={"wiring": {"trusted": ["example:Video"]}},
        ),
        Example(
            """
            from pydantic import BaseModel

            class Video(BaseModel):
                path: str

            async def create(request):
                return Video.model_validate(await request.json())
            """,
            title="parsed from a request body: an input model",
        ),
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class Video:
                path: str
                title: str | None = None

            def video(path, **extra):
                return Video(path=path, **extra)

            def probe(path):
                return video(path, title="clip")
            """,
            title="the caller's keywords passed on: they set fields where the helper is called",
        ),
    ),
    invalid=(
        Example(
            """
            from dataclasses import dataclass

            @dataclass
            class Video:
                path: str

            def load(row):
                return Video(**row)

            def probe(path):
                return Video(path=path)
            """,
            title="double-star of a variable, of a class the project also builds and returns",
            expected=(Expected(8, 12, "Video"),),
        ),
        Example(
            """
            from typing import NamedTuple

            class Size(NamedTuple):
                width: int
                height: int

            def load(values):
                return Size(*values)

            def square(side):
                return Size(side, side)
            """,
            title="star arguments",
            expected=(Expected(8, 12, "Size"),),
        ),
        Example(
            """
            import cattrs
            import msgspec
            from dacite import from_dict
            from pydantic import BaseModel, TypeAdapter

            class Size(msgspec.Struct):
                width: int

            class Video(BaseModel):
                path: str

            def load(data):
                size = msgspec.convert(data, type=Size)
                video = from_dict(Video, data)
                again = cattrs.structure(data, Video)
                adapted = TypeAdapter(Video).validate_python(data)
                return size, video, again, adapted

            def fresh(path):
                return Size(width=1), Video(path=path)
            """,
            title="library converters: msgspec, dacite, cattrs, pydantic.TypeAdapter",
            expected=(
                Expected(13, 12, "Size"),
                Expected(14, 13, "Video"),
                Expected(15, 13, "Video"),
                Expected(16, 15, "Video"),
            ),
        ),
        Example(
            """
            from pydantic import BaseModel

            class Video(BaseModel):
                path: str

            def load(data):
                return Video.model_validate(data)

            def probe(path):
                return Video(path=path)
            """,
            title="model_validate of a variable",
            expected=(Expected(7, 12, "Video"),),
        ),
    ),
)


def judge(evidence: Evidence) -> Iterator[Verdict]:
    """Every construction of a schema from data the checker cannot see through."""
    for construction, schema in evidence.setters.opaque:
        if not evidence.judges(schema):
            continue
        opaque = construction.opaque or schema.name
        yield Verdict(construction.site, schema.name, {"construction": opaque})
