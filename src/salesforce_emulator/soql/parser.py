"""A recursive-descent parser for the SOQL subset the org understands.

SELECT fields | COUNT() FROM object [WHERE condition] [ORDER BY items] [LIMIT n] [OFFSET n]
"""

from __future__ import annotations

from salesforce_emulator.soql.ast import (
    Comparison,
    Condition,
    FieldRef,
    InList,
    Junction,
    Like,
    Literal,
    Not,
    OrderItem,
    Query,
)
from salesforce_emulator.soql.errors import SoqlError
from salesforce_emulator.soql.lexer import Token, TokenKind, decode_string, tokenize
from salesforce_emulator.values import parse_date, parse_datetime

RESERVED = frozenset(
    {
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC",
        "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "NULL", "TRUE", "FALSE", "GROUP", "HAVING",
    }
)  # fmt: skip
MAX_OFFSET = 2000


def parse_query(text: str) -> Query:
    return _Parser(tokenize(text)).query()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.END:
            self.index += 1
        return token

    def unexpected(self, token: Token | None = None) -> SoqlError:
        token = token or self.current
        if token.kind is TokenKind.END:
            return SoqlError("MALFORMED_QUERY", "unexpected token: <EOF>", token.position)
        return SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}'", token.position)

    def expect_keyword(self, word: str) -> Token:
        if not self.current.is_keyword(word):
            raise self.unexpected()
        return self.advance()

    def expect(self, kind: TokenKind) -> Token:
        if self.current.kind is not kind:
            raise self.unexpected()
        return self.advance()

    # grammar -------------------------------------------------------------

    def query(self) -> Query:
        self.expect_keyword("SELECT")
        fields, count_only = self.select_list()
        self.expect_keyword("FROM")
        sobject_token = self.current
        if sobject_token.kind is not TokenKind.IDENT or sobject_token.text.upper() in RESERVED:
            raise self.unexpected()
        self.advance()
        where = None
        if self.current.is_keyword("WHERE"):
            self.advance()
            where = self.condition()
        order_by: tuple[OrderItem, ...] = ()
        if self.current.is_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            order_by = self.order_list()
        limit = self.integer_clause("LIMIT")
        offset = self.integer_clause("OFFSET")
        if self.current.kind is not TokenKind.END:
            raise self.unexpected()
        if offset is not None and offset > MAX_OFFSET:
            raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        return Query(
            sobject=sobject_token.text,
            sobject_position=sobject_token.position,
            fields=tuple(fields),
            count_only=count_only,
            where=where,
            order_by=order_by,
            limit=limit,
            offset=offset,
        )

    def select_list(self) -> tuple[list[FieldRef], bool]:
        if self.current.is_keyword("COUNT") and self.tokens[self.index + 1].kind is TokenKind.LPAREN:
            self.advance()
            self.advance()
            self.expect(TokenKind.RPAREN)
            return [], True
        fields = [self.field_ref()]
        while self.current.kind is TokenKind.COMMA:
            self.advance()
            fields.append(self.field_ref())
        return fields, False

    def field_ref(self) -> FieldRef:
        token = self.current
        if token.kind is not TokenKind.IDENT or token.text.upper() in RESERVED:
            raise self.unexpected()
        self.advance()
        return FieldRef(tuple(token.text.split(".")), token.position)

    def integer_clause(self, keyword: str) -> int | None:
        if not self.current.is_keyword(keyword):
            return None
        self.advance()
        token = self.expect(TokenKind.NUMBER)
        if not token.text.isdigit():
            raise self.unexpected(token)
        return int(token.text)

    def order_list(self) -> tuple[OrderItem, ...]:
        items = [self.order_item()]
        while self.current.kind is TokenKind.COMMA:
            self.advance()
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        field = self.field_ref()
        descending = False
        if self.current.is_keyword("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        # Salesforce's defaults: ascending puts nulls first, descending puts them last.
        nulls_last = descending
        if self.current.is_keyword("NULLS"):
            self.advance()
            if not self.current.is_keyword("FIRST", "LAST"):
                raise self.unexpected()
            nulls_last = self.advance().text.upper() == "LAST"
        return OrderItem(field, descending, nulls_last)

    def condition(self) -> Condition:
        first = self.unary()
        if not self.current.is_keyword("AND", "OR"):
            return first
        connective = self.current.text.upper()
        operands = [first]
        while self.current.is_keyword("AND", "OR"):
            # SOQL refuses AND and OR side by side without parentheses.
            if self.current.text.upper() != connective:
                raise self.unexpected()
            self.advance()
            operands.append(self.unary())
        return Junction("AND" if connective == "AND" else "OR", tuple(operands))

    def unary(self) -> Condition:
        if self.current.is_keyword("NOT"):
            self.advance()
            return Not(self.unary())
        if self.current.kind is TokenKind.LPAREN:
            self.advance()
            inner = self.condition()
            self.expect(TokenKind.RPAREN)
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        field = self.field_ref()
        token = self.current
        if token.kind is TokenKind.OPERATOR:
            self.advance()
            operator = "!=" if token.text == "<>" else token.text
            return Comparison(field, operator, self.literal())
        if token.is_keyword("LIKE"):
            self.advance()
            pattern = self.expect(TokenKind.STRING)
            return Like(field, decode_string(pattern.text, pattern.position, like=True), pattern.position)
        negated = False
        if token.is_keyword("NOT"):
            self.advance()
            negated = True
            if not self.current.is_keyword("IN"):
                raise self.unexpected()
        if self.current.is_keyword("IN"):
            self.advance()
            self.expect(TokenKind.LPAREN)
            literals = [self.literal()]
            while self.current.kind is TokenKind.COMMA:
                self.advance()
                literals.append(self.literal())
            self.expect(TokenKind.RPAREN)
            return InList(field, negated, tuple(literals))
        raise self.unexpected()

    def literal(self) -> Literal:
        token = self.advance()
        if token.kind is TokenKind.STRING:
            return Literal("string", decode_string(token.text, token.position), token.position)
        if token.kind is TokenKind.NUMBER:
            return Literal("number", float(token.text), token.position)
        if token.kind is TokenKind.DATETIME:
            parsed = parse_datetime(token.text)
            if parsed is None:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"line 1:{token.position} no viable alternative at character",
                    token.position,
                )
            return Literal("datetime", parsed, token.position)
        if token.kind is TokenKind.DATE:
            parsed_date = parse_date(token.text)
            if parsed_date is None:
                raise SoqlError("MALFORMED_QUERY", f"invalid date: {token.text}", token.position)
            return Literal("date", parsed_date, token.position)
        if token.is_keyword("NULL"):
            return Literal("null", None, token.position)
        if token.is_keyword("TRUE", "FALSE"):
            return Literal("boolean", token.text.upper() == "TRUE", token.position)
        raise self.unexpected(token)
