"""A small SOQL implementation: lexer, parser, and an executor over the in-memory org."""

from salesforce_emulator.soql.errors import SoqlError
from salesforce_emulator.soql.executor import QueryResult, run_query
from salesforce_emulator.soql.parser import parse_query

__all__ = ["QueryResult", "SoqlError", "parse_query", "run_query"]
