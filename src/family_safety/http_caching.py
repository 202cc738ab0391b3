"""What a cache may keep of an answer."""

from litestar.datastructures import CacheControlHeader

NO_STORE = CacheControlHeader(no_store=True)
"""``cache_control=NO_STORE`` on every route whose answer carries a token, a code, a birthdate or
an export: no cache, shared or private, may keep it."""
