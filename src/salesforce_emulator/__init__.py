"""A local Salesforce org for development and tests.

Written from Salesforce's documented behaviour; it never imports ``baton`` so that
it catches the client's mistakes instead of repeating them.
"""
