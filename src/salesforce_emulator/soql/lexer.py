"""Splitting SOQL text into tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from salesforce_emulator.soql.errors import SoqlError


class TokenKind(Enum):
    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    DATE = "date"
    OPERATOR = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    END = "end of query"


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    position: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind is TokenKind.IDENT and self.text.upper() in words


_PATTERNS: list[tuple[TokenKind, re.Pattern[str]]] = [
    (
        TokenKind.DATETIME,
        re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})(?![\w:.])"),
    ),
    (TokenKind.DATE, re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:])")),
    (TokenKind.NUMBER, re.compile(r"[+-]?\d+(\.\d+)?(?![\w.])")),
    (TokenKind.IDENT, re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")),
    (TokenKind.OPERATOR, re.compile(r"!=|<>|<=|>=|=|<|>")),
]
_SINGLE = {"(": TokenKind.LPAREN, ")": TokenKind.RPAREN, ",": TokenKind.COMMA}


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(query):
        char = query[position]
        if char.isspace():
            position += 1
            continue
        if char in _SINGLE:
            tokens.append(Token(_SINGLE[char], char, position))
            position += 1
            continue
        if char == "'":
            end = _string_end(query, position)
            tokens.append(Token(TokenKind.STRING, query[position + 1 : end], position))
            position = end + 1
            continue
        for kind, pattern in _PATTERNS:
            match = pattern.match(query, position)
            if match:
                tokens.append(Token(kind, match.group(0), position))
                position = match.end()
                break
        else:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{char}'", position)
    tokens.append(Token(TokenKind.END, "", len(query)))
    return tokens


def _string_end(query: str, start: int) -> int:
    """Index of the quote that closes the string literal opened at ``start``."""
    position = start + 1
    while position < len(query):
        if query[position] == "\\":
            position += 2
            continue
        if query[position] == "'":
            return position
        position += 1
    raise SoqlError("MALFORMED_QUERY", f"line 1:{start} mismatched character '<EOF>' expecting '''", start)


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def decode_string(raw: str, position: int, *, like: bool = False) -> str:
    """The value of a string literal; with ``like=True`` the result is a regular expression."""
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            if index + 1 >= len(raw):
                raise SoqlError(
                    "MALFORMED_QUERY", "Invalid string literal: Illegal escape sequence", position
                )
            escaped = raw[index + 1]
            if escaped in _ESCAPES:
                literal = _ESCAPES[escaped]
            elif escaped in "%_":
                literal = escaped if like else "\\" + escaped
            elif escaped == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[index + 2 : index + 6]):
                literal = chr(int(raw[index + 2 : index + 6], 16))
                index += 4
            else:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"Invalid string literal '{raw}'. Illegal character sequence '\\{escaped}'",
                    position,
                )
            out.append(re.escape(literal) if like else literal)
            index += 2
            continue
        if like and char == "%":
            out.append(".*")
        elif like and char == "_":
            out.append(".")
        else:
            out.append(re.escape(char) if like else char)
        index += 1
    return "".join(out)
