"""REST face (FastAPI): one router per part, errors as RFC 9457 problems."""
