"""Request and response bodies of the API (pydantic), one module per domain package.

Request bodies are ``...Create`` (or an action's name) and carry an example each, which the
OpenAPI document shows; responses are ``...Read``. Amounts are decimal strings of 元.
"""
