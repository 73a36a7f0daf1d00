"""Classes that share a name: an import that points at a class which is not a schema (or is not
the project's) neither builds the schema nor makes it leave, and does not make a subclass a
schema. Each test has its negative control: the same reference, meaning the schema, reports."""

from __future__ import annotations

from loopwire.core.source import SourceFile
from loopwire.wiring.analysis import analyse
from loopwire.wiring.settings import WiringSettings

PAYLOAD = SourceFile.of_text(
    "lib/types/guild.py",
    "lib.types.guild",
    "from typing import NotRequired, TypedDict\n\n"
    "class Guild(TypedDict):\n    id: str\n    banner: NotRequired[str]\n",
)


def symbols(*sources: SourceFile) -> list[tuple[str, str | None]]:
    return [(f.code, f.symbol) for f in analyse(list(sources), WiringSettings())]


def test_a_same_named_model_class_does_not_build_the_payload_typeddict() -> None:
    model = SourceFile.of_text(
        "lib/guild.py",
        "lib.guild",
        "from lib.types.guild import Guild as GuildPayload\n\n"
        "class Guild:\n    def __init__(self, data: GuildPayload) -> None:\n"
        "        self.id = data['id']\n\n"
        "def fetch(data: GuildPayload) -> Guild:\n    return Guild(data)\n",
    )
    assert symbols(PAYLOAD, model) == []


def test_negative_control_the_payload_built_and_returned_is_judged() -> None:
    builder = SourceFile.of_text(
        "lib/fake.py",
        "lib.fake",
        "from lib.types.guild import Guild\n\n"
        "def fake(guild_id: str) -> Guild:\n    payload: Guild = {'id': guild_id}\n"
        "    return payload\n",
    )
    assert symbols(PAYLOAD, builder) == [("LW201", "Guild.banner")]


def test_a_subclass_of_a_same_named_plain_class_is_not_a_schema() -> None:
    # ``lib.message.Message(PartialMessage)`` names the plain class beside it, not the
    # ``PartialMessage`` TypedDict of payloads elsewhere in the project.
    payloads = SourceFile.of_text(
        "lib/types/message.py",
        "lib.types.message",
        "from typing import NotRequired, TypedDict\n\n"
        "class PartialMessage(TypedDict):\n    id: str\n    pinned: NotRequired[bool]\n",
    )
    models = SourceFile.of_text(
        "lib/message.py",
        "lib.message",
        "class PartialMessage:\n    pass\n\n"
        "class Message(PartialMessage):\n    flags: int = 0\n\n"
        "def latest() -> Message:\n    return Message()\n",
    )
    assert symbols(payloads, models) == []


def test_a_library_class_of_the_same_name_is_not_the_projects() -> None:
    schema = SourceFile.of_text(
        "app/openapi.py",
        "app.openapi",
        "from dataclasses import dataclass\n\n"
        "@dataclass\nclass Response:\n    description: str\n    links: dict | None = None\n\n"
        "def ok() -> Response:\n    return Response(description='ok')\n",
    )
    routing = SourceFile.of_text(
        "app/routing.py",
        "app.routing",
        "from starlette.responses import Response\n\n"
        "def build(args: dict) -> Response:\n    return Response(**args)\n",
    )
    assert symbols(schema, routing) == [("LW201", "Response.links")]
    # Negative control: the project's own Response built from a mapping is reported.
    own = SourceFile.of_text(
        "app/load.py",
        "app.load",
        "from app.openapi import Response\n\n"
        "def load(args: dict) -> Response:\n    return Response(**args)\n",
    )
    assert symbols(schema, own) == [("LW202", "Response"), ("LW201", "Response.links")]
