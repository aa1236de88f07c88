"""Write the table of the deployed Stigmer execution API's schema (tests/data/deployed_schema.tsv).

Reads the ``.proto`` text of the open-source Stigmer service (github.com/stigmer/stigmer,
``apis/``) from a git repository at one commit, parses it with the small parser below, and lists
every message field and enum value of the agent and workflow execution packages and of every type
they reference (metadata, audit, execution values), one row each:

    kind  type  member  number  label  field_type

``field_type`` is the scalar name (``string``, ``bytes``, ...), the full name of a message or enum,
or ``map<K,V>`` for a map. tests/wire/test_schema_parity.py holds the SDK's generated descriptors
against this table, so a drift between the two fails a test. Only facts (names, numbers, types)
are recorded; nothing of the deployed repository's text is copied.

Usage: ``python scripts/deployed_schema.py [--repo GIT_DIR] [--commit REV] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPO = Path("/work/.mirror/stigmer+stigmer/repo")
DEFAULT_OUT = ROOT / "tests" / "data" / "deployed_schema.tsv"
# Packages whose every type is in the table; the types they reference are added to it.
ROOT_PACKAGES = (
    "ai.stigmer.agentic.agentexecution.v1",
    "ai.stigmer.agentic.workflowexecution.v1",
)
SCALARS = frozenset(
    {
        "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
        "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
    }
)  # fmt: skip

_TOKEN = re.compile(
    r'\s+|//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[A-Za-z_][\w.]*|\.[\w.]+|'
    r"-?\d+|[{}\[\]()<>;=,:]|.",
    re.DOTALL,
)


@dataclass
class Field:
    """One field as written in the .proto text (its type still unresolved)."""

    name: str
    number: int
    label: str
    type_ref: str
    map_key: str = ""


@dataclass
class Message:
    full_name: str
    scope: str
    fields: list[Field] = field(default_factory=list)


@dataclass
class Enum:
    full_name: str
    values: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Schema:
    messages: dict[str, Message] = field(default_factory=dict)
    enums: dict[str, Enum] = field(default_factory=dict)


def tokenize(text: str) -> list[str]:
    """Split .proto text into tokens, dropping whitespace and comments."""
    tokens = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token.isspace() or token.startswith(("//", "/*")):
            continue
        tokens.append(token)
    return tokens


class _Parser:
    def __init__(self, tokens: list[str], schema: Schema) -> None:
        self.tokens = tokens
        self.pos = 0
        self.schema = schema
        self.package = ""

    def peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, got {token!r} at token {self.pos}")
        self.pos += 1
        return token

    def skip_statement(self) -> None:
        """Skip to the end of a statement (``;``) or past a balanced ``{...}`` block."""
        depth = 0
        while self.pos < len(self.tokens):
            token = self.take()
            if token in "{[(":
                depth += 1
            elif token in "}])":
                depth -= 1
                if depth == 0 and token == "}":
                    return
            elif token == ";" and depth == 0:
                return

    def skip_options(self) -> None:
        """Skip a field's ``[...]`` option list, which may nest braces and brackets."""
        if self.peek() != "[":
            return
        depth = 0
        while True:
            token = self.take()
            if token in "[{":
                depth += 1
            elif token in "]}":
                depth -= 1
                if depth == 0:
                    return

    def parse_file(self) -> None:
        while self.pos < len(self.tokens):
            token = self.peek()
            if token == "package":
                self.take()
                self.package = self.take()
                self.take(";")
            elif token == "message":
                self.parse_message(self.package)
            elif token == "enum":
                self.parse_enum(self.package)
            else:
                self.skip_statement()

    def parse_message(self, scope: str) -> None:
        self.take("message")
        full_name = f"{scope}.{self.take()}" if scope else self.take()
        message = Message(full_name=full_name, scope=full_name)
        self.schema.messages[full_name] = message
        self.take("{")
        self.parse_body(message)

    def parse_body(self, message: Message) -> None:
        while self.peek() != "}":
            token = self.peek()
            if token == "message":
                self.parse_message(message.full_name)
            elif token == "enum":
                self.parse_enum(message.full_name)
            elif token == "oneof":
                self.take()
                self.take()
                self.take("{")
                self.parse_body(message)
            elif token in ("option", "reserved", "extensions", "extend"):
                self.skip_statement()
            elif token == ";":
                self.take()
            else:
                message.fields.append(self.parse_field())
        self.take("}")

    def parse_field(self) -> Field:
        label = "optional"
        if self.peek() in ("repeated", "optional", "required"):
            label = self.take()
        map_key = ""
        if self.peek() == "map":
            self.take()
            self.take("<")
            map_key = self.take()
            self.take(",")
            type_ref = self.take()
            self.take(">")
            label = "repeated"
        else:
            type_ref = self.take()
        name = self.take()
        self.take("=")
        number = int(self.take())
        self.skip_options()
        self.take(";")
        return Field(name=name, number=number, label=label, type_ref=type_ref, map_key=map_key)

    def parse_enum(self, scope: str) -> None:
        self.take("enum")
        enum = Enum(full_name=f"{scope}.{self.take()}")
        self.schema.enums[enum.full_name] = enum
        self.take("{")
        while self.peek() != "}":
            if self.peek() in ("option", "reserved"):
                self.skip_statement()
                continue
            if self.peek() == ";":
                self.take()
                continue
            name = self.take()
            self.take("=")
            number = int(self.take())
            self.skip_options()
            self.take(";")
            enum.values.append((name, number))
        self.take("}")


def parse_protos(texts: list[str]) -> Schema:
    """Parse several .proto files into one schema."""
    schema = Schema()
    for text in texts:
        _Parser(tokenize(text), schema).parse_file()
    return schema


def resolve(schema: Schema, scope: str, type_ref: str) -> str:
    """The full name of a type reference made inside ``scope``, by protobuf's scoping rules."""
    if type_ref in SCALARS:
        return type_ref
    if type_ref.startswith("."):
        return type_ref[1:]
    known = schema.messages.keys() | schema.enums.keys()
    parts = scope.split(".")
    while True:
        candidate = ".".join([*parts, type_ref]) if parts else type_ref
        if candidate in known:
            return candidate
        if not parts:
            break
        parts.pop()
    if type_ref.startswith("google.protobuf."):
        return type_ref
    raise ValueError(f"cannot resolve {type_ref!r} in {scope}")


def rows(schema: Schema) -> list[tuple[str, str, str, str, str, str]]:
    """Rows of the table: the root packages' types and every type they reach."""
    todo = [
        name
        for name in (*schema.messages, *schema.enums)
        if name.rsplit(".", 1)[0] in ROOT_PACKAGES
    ]
    seen: set[str] = set()
    out: list[tuple[str, str, str, str, str, str]] = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in schema.enums:
            for value, number in schema.enums[name].values:
                out.append(("enum", name, value, str(number), "", ""))
            continue
        if name not in schema.messages:
            continue  # a well-known type (google.protobuf.*): not part of the table
        message = schema.messages[name]
        for f in message.fields:
            target = resolve(schema, message.scope, f.type_ref)
            todo.append(target)
            field_type = f"map<{f.map_key},{target}>" if f.map_key else target
            out.append(("message", name, f.name, str(f.number), f.label, field_type))
    out.sort(key=lambda row: (row[0], row[1], int(row[3])))
    return out


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--repo", type=Path, default=DEFAULT_REPO, help="the deployed repo's git dir"
    )
    parser.add_argument("--commit", default="HEAD", help="revision to read (default HEAD)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the table")
    args = parser.parse_args(argv)

    commit = _git(args.repo, "rev-parse", "--short", args.commit).strip()
    paths = [
        p
        for p in _git(args.repo, "ls-tree", "-r", "--name-only", commit, "apis/ai/stigmer").split()
        if p.endswith(".proto")
    ]
    schema = parse_protos([_git(args.repo, "show", f"{commit}:{p}") for p in paths])
    lines = [
        f"# Deployed Stigmer execution API schema, github.com/stigmer/stigmer apis/ at {commit}.",
        "# Written by scripts/deployed_schema.py; checked by tests/wire/test_schema_parity.py.",
        "kind\ttype\tmember\tnumber\tlabel\tfield_type",
        *("\t".join(row) for row in rows(schema)),
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {len(lines) - 3} rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
