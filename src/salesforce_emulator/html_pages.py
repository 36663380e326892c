"""Plain server-rendered HTML: one layout, escaped values, no scripts."""

from __future__ import annotations

from html import escape

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #181818; }
header { border-bottom: 2px solid #0176d3; margin-bottom: 1rem; padding-bottom: .5rem; }
.error { color: #ba0517; } .muted { color: #706e6b; }
.comment { border: 1px solid #dddbda; border-radius: 4px; padding: .5rem; margin: .5rem 0; }
.comment.internal { background: #fef1ee; } .comment.public { background: #eef4ff; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #dddbda; padding: .3rem; text-align: left; }
textarea { width: 100%; min-height: 6rem; }
"""


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><header><strong>Salesforce Emulator</strong> · {escape(title)}</header>{body}</body></html>"
    )


def hidden_fields(values: dict[str, str]) -> str:
    return "".join(
        f"<input type='hidden' name='{escape(name)}' value='{escape(value)}'>"
        for name, value in values.items()
    )
