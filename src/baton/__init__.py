"""Baton: hands AI customer-support conversations to human reps in Salesforce."""

__version__ = "0.1.0"
