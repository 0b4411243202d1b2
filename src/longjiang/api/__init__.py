"""REST face (FastAPI): one router per part, errors as RFC 9457 problems."""

__all__: list[str] = []  # a face: its entry points live in its modules
