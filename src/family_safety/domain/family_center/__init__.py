"""Family Center: the server-rendered web pages a guardian and a teen use.

A web-layer capability: its handlers call the same services as the JSON API (never the API
itself over HTTP) and show the same problems in words. The pages are signed in by a session
cookie tied to a sign-in session (a refresh-token family), checked on every request with the
same ``load_signed_in_account`` as bearer tokens.
"""
